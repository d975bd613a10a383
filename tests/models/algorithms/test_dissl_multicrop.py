"""DISSL with multi-crop: 2 global + N local views of another size, one
backbone pass per size, the teacher on the globals only."""
import pytest
import torch

import mec_plugin  # noqa: F401
from mec_plugin.models.algorithms.issl import resolution_groups
from mec_plugin.models.losses import dissl_loss_multicrop
from mec_plugin.registry import MODELS

BACKBONE = dict(type='ResNet_CIFAR', depth=18, stem_channels=8, base_channels=8,
                norm_cfg=dict(type='BN'))


def tiny_dissl(clusters=32):
    return dict(
        type='DISSL', backbone=BACKBONE, neck=dict(type='GlobalAveragePooling'),
        head=dict(type='DISSLHead',
                  teacher=dict(type='ISSLMLP', in_channels=64, hid_channels=[32],
                               bottleneck_channels=16, out_channels=clusters),
                  student=dict(type='ISSLMLP', in_channels=64, bottleneck_channels=16,
                               out_channels=clusters)))


def multicrop_views(batch=4, sizes=(32, 32, 16, 16)):
    g = torch.Generator().manual_seed(0)
    return [torch.rand(batch, 3, s, s, generator=g) for s in sizes]


def test_resolution_groups():
    assert resolution_groups(multicrop_views(sizes=(32, 32)), 'X') == [(0, 2)]
    assert resolution_groups(multicrop_views(sizes=(32, 32, 16, 16, 16, 16)), 'X') == [(0, 2), (2, 6)]
    assert resolution_groups(multicrop_views(sizes=(32, 32, 16, 32)), 'X') == [(0, 2), (2, 3), (3, 4)]


def test_loss_equals_the_function_on_the_models_own_head_outputs():
    torch.manual_seed(0)
    model = MODELS.build(tiny_dissl())
    model.init_weights()
    views = multicrop_views()
    passes, teacher_rows = [], []
    model.backbone.register_forward_hook(lambda m, i, o: passes.append(tuple(i[0].shape)))
    model.head.teacher.register_forward_hook(lambda m, i, o: teacher_rows.append(i[0].shape[0]))
    out = model.loss(views, None)
    # one backbone pass per resolution; the teacher sees the 2 x 4 global rows only
    assert passes == [(8, 3, 32, 32), (8, 3, 16, 16)] and teacher_rows == [8]
    assert set(out) == {'loss', 'ce_pq', 'h_m', 'ce_pp', 'ce_pq_same', 'beta'}
    # by hand: encode each size as one batch, teacher on globals, student on all
    with torch.no_grad():
        z = torch.cat([model.neck(model.backbone(torch.cat(views[:2])))[0],
                       model.neck(model.backbone(torch.cat(views[2:])))[0]])
        teacher = model.head.teacher(z[:8]).chunk(2)
        student = model.head.student(z).chunk(4)
        ref = dissl_loss_multicrop(teacher, student, 2.3, 0.8)
    torch.testing.assert_close(out['loss'].detach(), ref)
    # the multi-crop objective is not the two-crop one on the globals
    two = dissl_loss_multicrop(teacher, student[:2], 2.3, 0.8)
    assert not torch.allclose(ref, two)


def test_one_training_step_updates_teacher_student_and_backbone():
    model = MODELS.build(tiny_dissl())
    model.init_weights()
    out = model.loss(multicrop_views(), None)
    assert torch.isfinite(out['loss'])
    out['loss'].backward()
    for part in (model.head.teacher, model.head.student, model.backbone):
        assert all(p.grad is not None for p in part.parameters() if p.requires_grad)
    assert model.head.teacher.mlp[-1].weight.grad.abs().sum() > 0
    assert model.backbone.conv1.weight.grad.abs().sum() > 0


@pytest.mark.parametrize('sizes,match', [
    ((32, ), 'at least 2 views'),
    ((32, 16, 16), 'at least 2 global crops'),
])
def test_bad_view_layouts_are_rejected(sizes, match):
    model = MODELS.build(tiny_dissl())
    with pytest.raises(ValueError, match=match):
        model.loss(multicrop_views(sizes=sizes), None)


def test_views_must_share_the_batch():
    model = MODELS.build(tiny_dissl())
    views = multicrop_views()
    views[3] = views[3][:3]
    with pytest.raises(ValueError, match='same B'):
        model.loss(views, None)


def test_head_checks_its_crop_counts():
    model = MODELS.build(tiny_dissl())
    with pytest.raises(ValueError, match='num_teacher_views'):
        model.head.loss(torch.randn(12, 64), num_views=3, num_teacher_views=1)
    with pytest.raises(ValueError, match='num_views'):
        model.head.loss(torch.randn(10, 64), num_views=3, num_teacher_views=2)


def test_cissl_still_needs_exactly_two_views():
    model = MODELS.build(dict(
        type='CISSL', backbone=BACKBONE, neck=dict(type='GlobalAveragePooling'),
        head=dict(type='CISSLHead',
                  student=dict(type='ISSLMLP', in_channels=64, out_channels=16, out_bias=False,
                               last_bn=True),
                  teacher=dict(type='ISSLMLP', in_channels=64, hid_channels=[32],
                               out_channels=16, out_bias=False, last_bn=True))))
    with pytest.raises(ValueError, match='exactly 2 views'):
        model.loss(multicrop_views(), None)
