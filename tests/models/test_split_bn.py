"""SplitBN: per-group batch statistics in training (shuffle-BN on one
process), a plain BatchNorm2d in eval mode and in checkpoints."""
import pytest
import torch
from mmcv.cnn import build_norm_layer
from mmengine.registry import init_default_scope

import mec_plugin  # noqa: F401 (registers SplitBN)
from mec_plugin.models.utils import SplitBatchNorm2d

init_default_scope('mmpretrain')


def _manual_bn(x, weight, bias, eps):
    mean = x.mean((0, 2, 3), keepdim=True)
    var = x.var((0, 2, 3), unbiased=False, keepdim=True)
    return (x - mean) / (var + eps).sqrt() * weight.view(1, -1, 1, 1) + bias.view(1, -1, 1, 1)


def test_each_group_is_normalised_with_its_own_statistics():
    torch.manual_seed(0)
    _, bn = build_norm_layer(dict(type='SplitBN', num_splits=4), 3)
    assert isinstance(bn, SplitBatchNorm2d)
    bn = bn.double()
    with torch.no_grad():
        bn.weight.copy_(torch.tensor([1., 2., 0.5]))
        bn.bias.copy_(torch.tensor([0., -1., 3.]))
    # groups with very different statistics: group j = samples j, j + 4, ...
    x = torch.randn(12, 3, 4, 4, dtype=torch.float64) * torch.arange(1., 13.).view(12, 1, 1, 1).double()
    y = bn(x)
    for j in range(4):
        torch.testing.assert_close(y[j::4], _manual_bn(x[j::4], bn.weight, bn.bias, bn.eps),
                                   rtol=1e-10, atol=1e-10)
    # running statistics: the groups' momentum updates, averaged
    means = torch.stack([x[j::4].mean((0, 2, 3)) for j in range(4)])
    variances = torch.stack([x[j::4].var((0, 2, 3), unbiased=True) for j in range(4)])
    torch.testing.assert_close(bn.running_mean, 0.1 * means.mean(0), rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(bn.running_var, 0.9 + 0.1 * variances.mean(0), rtol=1e-10,
                               atol=1e-12)
    assert bn.num_batches_tracked.item() == 1
    # one BN over the whole batch would be different
    whole = _manual_bn(x, bn.weight, bn.bias, bn.eps)
    assert (y - whole).abs().max() > 0.1


def test_eval_mode_and_checkpoints_are_those_of_batchnorm2d():
    torch.manual_seed(1)
    split = SplitBatchNorm2d(5, num_splits=2)
    split(torch.randn(8, 5, 3, 3))  # some running statistics
    split.eval()
    plain = torch.nn.BatchNorm2d(5)
    assert split.state_dict().keys() == plain.state_dict().keys()
    plain.load_state_dict(split.state_dict())
    plain.eval()
    x = torch.randn(3, 5, 3, 3)  # any batch size in eval mode
    torch.testing.assert_close(split(x), plain(x), rtol=0, atol=0)


def test_gradients_flow_through_the_groups():
    x = torch.randn(8, 2, 3, 3, dtype=torch.float64, requires_grad=True)
    bn = SplitBatchNorm2d(2, num_splits=2).double()
    assert torch.autograd.gradcheck(lambda t: bn(t).pow(3).sum(), (x, ))


@pytest.mark.parametrize('kwargs,batch,match', [
    (dict(num_splits=4), 6, 'not a multiple of num_splits = 4'),
    (dict(num_splits=0), 8, 'num_splits must be a positive integer'),
    (dict(num_splits=2, momentum=None), 8, 'momentum=None'),
])
def test_bad_settings_are_named(kwargs, batch, match):
    with pytest.raises(ValueError, match=match):
        SplitBatchNorm2d(3, **kwargs)(torch.randn(batch, 3, 2, 2))
