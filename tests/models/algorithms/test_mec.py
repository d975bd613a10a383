import pytest
import torch
import torch.nn as nn
from mmengine.logging import MessageHub
from mmpretrain.models.utils import CosineEMA

import mec_plugin  # noqa: F401
from mec_plugin.models.utils import ForeachCosineEMA
from mec_plugin.registry import MODELS
from _tiny import tiny_mec_model


@pytest.fixture
def max_iters():
    MessageHub.get_current_instance().update_info('max_iters', 20)
    yield 20


def views(batch=8, size=32):
    return [torch.randint(0, 255, (batch, 3, size, size)).float() for _ in range(2)]


def test_projector_has_the_official_layout():
    neck = MODELS.build(tiny_mec_model()['neck'])
    assert neck.fc0.bias is None and neck.fc1.bias is None
    assert neck.fc2.bias is not None and not neck.fc2.bias.requires_grad
    assert neck.bn2.weight is None and neck.bn2.bias is None  # BN without affine


def test_loss_dict_and_teacher_structure(max_iters):
    model = MODELS.build(tiny_mec_model())
    model.init_weights()
    out = model.loss(views(), None)
    assert set(out) == {'loss', 'coding_length', 'lamda_inv', 'taylor_1', 'taylor_2', 'taylor_3',
                        'taylor_4'}
    assert torch.isfinite(out['loss'])
    teacher_keys = {k for k, _ in model.teacher.module.named_parameters()}
    assert not any('predictor' in k for k in teacher_keys)
    # the first update copies the student
    for (k, t), (_, s) in zip(model.teacher.module.named_parameters(),
                              nn.Sequential(model.backbone, model.neck).named_parameters()):
        assert torch.equal(t, s), k
    assert all(not p.requires_grad for p in model.teacher.parameters())


def test_one_view_is_rejected_with_a_clear_message(max_iters):
    model = MODELS.build(tiny_mec_model())
    with pytest.raises(ValueError, match='2 views'):
        model.loss(views()[:1], None)


def test_foreach_ema_equals_mmpretrain_cosine_ema(max_iters):
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 5), nn.BatchNorm1d(5), nn.Linear(5, 2))
    ours = ForeachCosineEMA(net, momentum=0.004 * 50, end_momentum=0.)
    ref = CosineEMA(net, momentum=0.004 * 50, end_momentum=0.)
    for step in range(8):
        ours.update_parameters(net)
        ref.update_parameters(net)
        with torch.no_grad():
            for p in net.parameters():
                p.add_(torch.randn_like(p))
            net[1].running_mean.add_(1.)
        for (k, a), (_, b) in zip(ours.module.state_dict().items(), ref.module.state_dict().items()):
            torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-7, msg=f'{k} at step {step}')
    assert int(ours.steps) == 8


def test_foreach_ema_momentum_schedule_official_endpoints(max_iters):
    ema = ForeachCosineEMA(nn.Linear(2, 2), momentum=0.004, end_momentum=0.)
    assert 1 - ema.momentum_at(0) == pytest.approx(0.996)
    assert 1 - ema.momentum_at(max_iters) == pytest.approx(1.0)


def test_foreach_ema_rereads_steps_after_loading(max_iters):
    net = nn.Linear(3, 3)
    a = ForeachCosineEMA(net)
    for _ in range(5):
        a.update_parameters(net)
    b = ForeachCosineEMA(net)
    b.update_parameters(net)
    b.load_state_dict(a.state_dict())
    b.update_parameters(net)
    assert int(b.steps) == 6


# the head's taylor_order and eps_square through a config: tests/test_errors.py
@pytest.mark.parametrize('change,match', [
    (dict(head=dict(predictor=dict(in_channels=16))), 'projector outputs d = 32'),
    (dict(head=dict(predictor=dict(out_channels=16))), 'predictor maps 32 -> 16'),
])
def test_bad_config_values_fail_at_build_naming_the_value(change, match):
    from mmengine.config import Config
    cfg = Config(dict(model=tiny_mec_model()))
    cfg.merge_from_dict(dict(model=change))
    with pytest.raises(ValueError, match=match):
        MODELS.build(cfg.model)
