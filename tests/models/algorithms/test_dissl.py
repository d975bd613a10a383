"""DISSL / CISSL algorithms and heads: structure, the one-batch encoding,
gradients through the teacher head, errors, and the checkpoint's backbone
loading into the evaluation tools."""
import pytest
import torch
import torch.nn as nn
from mmpretrain.models import ResNet_CIFAR

import mec_plugin  # noqa: F401
from mec_plugin.evaluation.features import find_backbone_weights
from mec_plugin.models.losses import cissl_loss, dissl_loss
from mec_plugin.registry import MODELS
from mec_plugin.utils.checkpoint import to_backbone

BACKBONE = dict(type='ResNet_CIFAR', depth=18, stem_channels=8, base_channels=8,
                norm_cfg=dict(type='BN'))


def tiny_dissl(clusters=32, **head):
    return dict(
        type='DISSL',
        data_preprocessor=dict(type='SelfSupDataPreprocessor', mean=[127.5] * 3, std=[64.] * 3),
        backbone=BACKBONE, neck=dict(type='GlobalAveragePooling'),
        head=dict(type='DISSLHead',
                  teacher=dict(type='ISSLMLP', in_channels=64, hid_channels=[32],
                               bottleneck_channels=16, out_channels=clusters),
                  student=dict(type='ISSLMLP', in_channels=64, bottleneck_channels=16,
                               out_channels=clusters), **head))


def tiny_cissl():
    return dict(
        type='CISSL', backbone=BACKBONE, neck=dict(type='GlobalAveragePooling'),
        head=dict(type='CISSLHead',
                  student=dict(type='ISSLMLP', in_channels=64, out_channels=16, out_bias=False,
                               last_bn=True),
                  teacher=dict(type='ISSLMLP', in_channels=64, hid_channels=[32],
                               out_channels=16, out_bias=False, last_bn=True)))


def views(batch=4):
    g = torch.Generator().manual_seed(0)
    return [torch.rand(batch, 3, 32, 32, generator=g) for _ in range(2)]


def test_registered_from_the_package_root():
    assert MODELS.get('mec_plugin.DISSL') is mec_plugin.DISSL
    assert MODELS.get('mec_plugin.CISSL') is mec_plugin.CISSL
    assert MODELS.get('mec_plugin.DISSLHead') is mec_plugin.DISSLHead


def test_heads_follow_the_issl_layout_and_init():
    model = MODELS.build(tiny_dissl())
    model.init_weights()
    t, s = model.head.teacher.mlp, model.head.student.mlp
    assert [type(m).__name__ for m in t[0]] == ['Linear', 'BatchNorm1d', 'ReLU']
    assert [type(m).__name__ for m in t[1]] == ['Linear', 'BatchNorm1d']  # low rank, no ReLU
    assert t[0][0].bias is None and t[2].bias is not None
    # the student is linear: no ReLU anywhere
    assert not any(isinstance(m, nn.ReLU) for m in model.head.student.modules())
    assert s[-1].out_features == 32
    w = t[2].weight
    # trunc_normal_(std=0.02) with torch's default bounds (-2, 2): a plain N(0, 0.02^2) here
    assert abs(w.std().item() - 0.02) < 0.003 and abs(w.mean().item()) < 0.003
    assert torch.count_nonzero(t[2].bias) == 0


def _bn_train(x, bn):
    """BatchNorm1d in training mode, by hand: batch mean, biased variance."""
    mean, var = x.mean(0), x.var(0, unbiased=False)
    return (x - mean) / torch.sqrt(var + bn.eps) * bn.weight + bn.bias


def test_residual_mlp_is_vissls_and_the_bias_freezes():
    """VISSL's DISSL d = 2048 teacher in miniature: x + f(x) with every layer
    of f Linear-BN-ReLU (the last one too, nothing after the addition), then
    the low-rank Linear-BN-ReLU, the output Linear and its BN; written out
    with explicit batch statistics (float64)."""
    torch.manual_seed(0)
    mlp = MODELS.build(dict(type='ISSLMLP', in_channels=6, res_channels=[5, 4],
                            bottleneck_channels=3, bottleneck_relu=True, out_channels=2,
                            last_bn=True, freeze_last_bn_bias=True)).double()
    for m in mlp.modules():  # BN affine parameters away from (1, 0)
        if isinstance(m, nn.BatchNorm1d):
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.5, 0.5)
    mlp.train()
    x = torch.randn(7, 6, dtype=torch.float64)
    res, low, out, out_bn = mlp.mlp
    h = x
    for linear, bn, _ in res.branch:
        h = torch.relu(_bn_train(h @ linear.weight.T, bn))
    assert h.shape == (7, 6)
    h = x + h
    h = torch.relu(_bn_train(h @ low[0].weight.T, low[1]))
    expected = _bn_train(h @ out.weight.T + out.bias, out_bn)
    with torch.no_grad():
        torch.testing.assert_close(mlp(x), expected, rtol=1e-10, atol=1e-10)
    assert not mlp.mlp[-1].bias.requires_grad and mlp.mlp[-1].weight.requires_grad
    with pytest.raises(ValueError, match='bottleneck_relu=True needs bottleneck_channels'):
        MODELS.build(dict(type='ISSLMLP', in_channels=6, out_channels=2, bottleneck_relu=True))


def test_vissl_initialisation_and_jl_output():
    """init_cfg=None keeps PyTorch's default Linear init, U(+-1/sqrt(fan_in));
    jl_init_out draws the output layer from N(0, 1/out) (VISSL's CISSL heads)."""
    torch.manual_seed(1)
    mlp = MODELS.build(dict(type='ISSLMLP', in_channels=512, hid_channels=[256], out_channels=64,
                            out_bias=False, last_bn=True, init_cfg=None, jl_init_out=True))
    mlp.init_weights()
    hidden, out = mlp.mlp[0][0].weight, mlp.mlp[1].weight
    assert hidden.abs().max().item() <= 512 ** -0.5  # the default uniform bound
    assert hidden.std().item() == pytest.approx(512 ** -0.5 / 3 ** 0.5, rel=0.05)
    assert out.std().item() == pytest.approx(64 ** -0.5, rel=0.05)
    assert out.abs().max().item() > 256 ** -0.5  # a normal, not the uniform of fan-in 256
    plain = MODELS.build(dict(type='ISSLMLP', in_channels=512, out_channels=64))
    plain.init_weights()  # the ISSL default: trunc_normal(0.02)
    assert plain.mlp[0].weight.std().item() == pytest.approx(0.02, rel=0.05)


def test_dim_expander_tiles_the_shortcut():
    neck = MODELS.build(dict(type='DimExpanderNeck', in_channels=4, mid_channels=2,
                             out_channels=8, with_avg_pool=False))
    for p in neck.branch.parameters():
        nn.init.zeros_(p)  # branch output = BN(0) = 0: only the tiled shortcut remains
    x = torch.rand(2, 4, 3, 3)
    neck.eval()
    (y, ) = neck((x, ))
    assert torch.allclose(y, torch.relu(torch.cat([x, x], dim=1)))
    pooled = MODELS.build(dict(type='DimExpanderNeck', in_channels=4, mid_channels=2,
                               out_channels=8))((x, ))[0]
    assert pooled.shape == (2, 8)


def test_dim_expander_has_the_authors_initialisation_once():
    """VISSL's BottleneckExpand.reset_parameters: convs trunc_normal(sqrt(1 / fan_in)
    / 0.8796), BN (1, 0), the first 1x1 conv N(0, 1 / mid); init_weights() a second
    time (MMEngine's once-only rule) leaves loaded weights alone."""
    torch.manual_seed(2)
    neck = MODELS.build(dict(type='DimExpanderNeck', in_channels=64, mid_channels=32,
                             out_channels=256))
    neck.init_weights()
    conv1, bn1, _, conv2, bn2, _, conv3, bn3 = neck.branch
    assert conv1.weight.std().item() == pytest.approx(32 ** -0.5, rel=0.05)
    assert conv2.weight.std().item() == pytest.approx((1 / 288) ** 0.5 / 0.87962566, rel=0.05)
    assert conv3.weight.std().item() == pytest.approx((1 / 32) ** 0.5 / 0.87962566, rel=0.05)
    for bn in (bn1, bn2, bn3):
        assert torch.equal(bn.weight, torch.ones_like(bn.weight))
        assert torch.equal(bn.bias, torch.zeros_like(bn.bias))
    loaded = {k: torch.randn_like(v) if v.is_floating_point() else v
              for k, v in neck.state_dict().items()}
    neck.load_state_dict(loaded)
    neck.init_weights()
    assert all(torch.equal(v, loaded[k]) for k, v in neck.state_dict().items())
    mlp = MODELS.build(dict(type='ISSLMLP', in_channels=16, out_channels=4, init_cfg=None,
                            jl_init_out=True))
    mlp.init_weights()
    mlp.mlp[0].weight.data.fill_(3.)  # as if loaded from a checkpoint
    mlp.init_weights()
    assert torch.equal(mlp.mlp[0].weight, torch.full((4, 16), 3.))


def test_loss_equals_the_function_on_one_batch_of_both_views():
    model = MODELS.build(tiny_dissl())
    model.init_weights()
    v1, v2 = views()
    out = model.loss([v1, v2], None)
    assert set(out) == {'loss', 'ce_pq', 'h_m', 'ce_pp', 'ce_pq_same', 'beta'}
    # the same computation by hand: one encoder pass over cat[v1, v2]
    z = model.neck(model.backbone(torch.cat([v1, v2])))[0]
    t1, t2 = model.head.teacher(z).chunk(2)
    s1, s2 = model.head.student(z).chunk(2)
    torch.testing.assert_close(out['loss'], dissl_loss(t1, t2, s1, s2, 2.3, 0.8))


def test_cissl_loss_matches_and_teacher_gets_gradients():
    model = MODELS.build(tiny_cissl())
    v1, v2 = views()
    out = model.loss([v1, v2], None)
    z = model.neck(model.backbone(torch.cat([v1, v2])))[0]
    s1, s2 = model.head.student(z).chunk(2)
    t1, t2 = model.head.teacher(z).chunk(2)
    torch.testing.assert_close(out['loss'], cissl_loss(s1, s2, t1, t2, 0.07))
    out['loss'].backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0
               for p in model.head.teacher.parameters())


def test_distillation_alone_trains_the_teacher_head():
    # lambda = beta = 0 leaves CE_pq only: the teacher head still gets a gradient
    model = MODELS.build(tiny_dissl(lambda_=0., beta=0.))
    model.loss(views(), None)['loss'].backward()
    last = model.head.teacher.mlp[-1]
    assert last.weight.grad.abs().sum() > 0 and last.bias.grad.abs().sum() > 0


@pytest.mark.parametrize('build', [tiny_dissl, tiny_cissl])
def test_one_view_is_rejected(build):
    model = MODELS.build(build())
    with pytest.raises(ValueError, match='2 views'):
        model.loss(views()[:1], None)


@pytest.mark.parametrize('kwargs,name', [(dict(lambda_=-1.), 'lambda_'), (dict(beta=-1.), 'beta'),
                                         (dict(tau_teacher=0.), 'tau_teacher')])
def test_bad_head_values_are_named(kwargs, name):
    with pytest.raises(ValueError, match=name):
        MODELS.build(tiny_dissl(**kwargs))


@pytest.mark.parametrize('cfg,name', [
    (dict(type='ISSLMLP', in_channels=0, out_channels=3), 'in_channels'),
    (dict(type='ISSLMLP', in_channels=2, out_channels=3, hid_channels=[4, -1]), r'hid_channels\[1\]'),
    (dict(type='ISSLMLP', in_channels=2, out_channels=3, freeze_last_bn_bias=True), 'last_bn'),
    (dict(type='DimExpanderNeck', in_channels=3, out_channels=8), 'multiple'),
    (dict(type='CISSLHead', student=dict(type='ISSLMLP', in_channels=2, out_channels=2),
          teacher=dict(type='ISSLMLP', in_channels=2, out_channels=2), temperature=0.), 'temperature'),
])
def test_bad_module_values_are_named(cfg, name):
    with pytest.raises(ValueError, match=name):
        MODELS.build(cfg)


def test_checkpoint_backbone_loads_into_the_evaluation_tools():
    model = MODELS.build(tiny_dissl())
    state = model.state_dict()
    weights, how = find_backbone_weights(state)
    assert 'backbone.' in how
    net = ResNet_CIFAR(depth=18, stem_channels=8, base_channels=8)
    assert net.load_state_dict(weights, strict=True)  # no head or neck key leaks in
    converted = to_backbone(state)
    converted = converted[0] if isinstance(converted, tuple) else converted
    assert set(converted) == set(net.state_dict())
    for k, v in net.state_dict().items():
        assert torch.equal(v, converted[k])
