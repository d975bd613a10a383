"""``representation='backbone+neck'``: the evaluation tools read the
pre-training neck on top of the backbone (DISSL's d = 8192 expander, or a
projector), its weights from the same checkpoint, student or EMA teacher."""
import json
import os
import runpy
import sys

import pytest
import torch

import mec_plugin  # noqa: F401
from mec_plugin.evaluation import build_encoder, load_features
from mec_plugin.registry import MODELS
from mmpretrain.utils import register_all_modules
from _eval_data import TINY_BACKBONE, make_image_folder, write_tiny_config

register_all_modules(init_default_scope=True)
TOOLS = os.path.join(os.path.dirname(__file__), '..', '..', 'tools', 'analysis')
EXPANDER = dict(type='DimExpanderNeck', in_channels=64, mid_channels=8, out_channels=128,
                norm_cfg=dict(type='BN'))
MODEL = dict(type='DISSL', backbone=TINY_BACKBONE, neck=EXPANDER)


def _random_state(module, seed):
    g = torch.Generator().manual_seed(seed)
    return {k: (torch.randn(v.shape, generator=g) * 0.1 + (1 if 'var' in k else 0)
                if v.is_floating_point() else v) for k, v in module.state_dict().items()}


@pytest.fixture(scope='module')
def parts():
    torch.manual_seed(0)
    backbone, neck = MODELS.build(TINY_BACKBONE), MODELS.build(EXPANDER)
    student = (_random_state(backbone, 1), _random_state(neck, 2))
    teacher = (_random_state(backbone, 3), _random_state(neck, 4))
    for module, state in ((backbone, student[0]), (neck, student[1])):
        module.load_state_dict(state)
    return dict(backbone=backbone, neck=neck, student=student, teacher=teacher)


def _expected(parts, which, x):
    backbone, neck = MODELS.build(TINY_BACKBONE), MODELS.build(EXPANDER)
    backbone.load_state_dict(parts[which][0])
    neck.load_state_dict(parts[which][1])
    backbone.eval()
    neck.eval()
    with torch.no_grad():
        return neck(backbone(x))[0]


@pytest.mark.parametrize('which,prefixes', [
    ('student', ('backbone.', 'neck.')),
    ('teacher', ('teacher.module.0.', 'teacher.module.1.')),  # MEC's EMA of (backbone, neck)
    ('teacher', ('encoder_k.module.0.', 'encoder_k.module.1.')),  # MoCo's key encoder
])
def test_the_neck_comes_from_the_same_weights_as_the_backbone(parts, which, prefixes, tmp_path):
    state = {}
    for prefix, part in zip(prefixes, parts[which]):
        state.update({prefix + k: v for k, v in part.items()})
    if which == 'teacher':  # the student is in the file too and must not be read
        state.update({'backbone.' + k: v for k, v in parts['student'][0].items()})
        state.update({'neck.' + k: v for k, v in parts['student'][1].items()})
    ckpt = str(tmp_path / 'ckpt.pth')
    torch.save(dict(state_dict=state), ckpt)
    encoder = build_encoder(MODEL, ckpt, which, 'backbone+neck')
    encoder.eval()  # not chained: mmpretrain's ResNet.train() returns None
    x = torch.randn(2, 3, 16, 16)
    with torch.no_grad():
        out = encoder(x)
    assert isinstance(out, tuple) and out[-1].shape == (2, 128)
    torch.testing.assert_close(out[-1], _expected(parts, which, x), rtol=0, atol=0)
    # 'backbone' reads the 64-d trunk of the same checkpoint
    trunk = build_encoder(MODEL, ckpt, which, 'backbone')
    trunk.eval()
    with torch.no_grad():
        assert trunk(x)[-1].shape[:2] == (2, 64)


def test_a_checkpoint_without_the_neck_is_named(parts, tmp_path):
    ckpt = str(tmp_path / 'bare.pth')
    torch.save(parts['backbone'].state_dict(), ckpt)  # a bare backbone: no neck to read
    with pytest.raises(KeyError, match=r"'neck\.\*'"):
        build_encoder(MODEL, ckpt, 'student', 'backbone+neck')
    with pytest.raises(ValueError, match='representation must be one of'):
        build_encoder(MODEL, ckpt, 'student', 'neck')
    with pytest.raises(KeyError, match='has no neck'):
        build_encoder(dict(type='DISSL', backbone=TINY_BACKBONE), ckpt, 'student',
                      'backbone+neck')


def _run(name, *args):
    argv = sys.argv
    sys.argv = [name] + [str(a) for a in args]
    try:
        runpy.run_path(os.path.join(TOOLS, name), run_name='__main__')
    finally:
        sys.argv = argv


@pytest.mark.slow  # the tools end to end
def test_the_tools_follow_the_config_and_the_flag(parts, tmp_path):
    data = make_image_folder(str(tmp_path / 'data'), classes=4, per_class=3, size=16)
    cfg = write_tiny_config(str(tmp_path / 'cfg.py'), data)
    with open(cfg, 'a') as f:  # a d8192-style config: the neck is part of the representation
        f.write(f"model = dict(type='DISSL', backbone={TINY_BACKBONE!r}, neck={EXPANDER!r})\n"
                "eval_representation = 'backbone+neck'\n")
    state = {**{'backbone.' + k: v for k, v in parts['student'][0].items()},
             **{'neck.' + k: v for k, v in parts['student'][1].items()}}
    ckpt = str(tmp_path / 'epoch_1.pth')
    torch.save(dict(state_dict=state), ckpt)
    feats = str(tmp_path / 'feats.pth')
    _run('extract_features.py', cfg, ckpt, '--out', feats)
    saved = load_features(feats)
    assert saved['meta']['representation'] == 'backbone+neck'
    assert saved['train'][0].shape == (12, 128)
    _run('extract_features.py', cfg, ckpt, '--out', feats, '--representation', 'backbone')
    assert load_features(feats)['train'][0].shape == (12, 64)
    out = str(tmp_path / 'knn.json')
    _run('knn_eval.py', cfg, ckpt, '--k', 1, '--out', out)
    res = json.load(open(out))
    assert res['representation'] == 'backbone+neck' and res['feature_dim'] == 128


@pytest.mark.parametrize('name,dim', [('mocosmall_mobilenetv3-small_8xb64-800e_in1k.py', 1024)])
def test_mobilenet_configs_evaluate_the_official_classifier_block(name, dim, tmp_path):
    """MoCoSmall on MobileNetV3: the evaluated feature is the classifier block
    inside the neck (Linear - h_swish - Dropout, D = 1024), in eval mode, not
    the 576-d pooled map and not the 128-d projection."""
    from mmengine.config import Config
    from mmengine.model import revert_sync_batchnorm
    from mmengine.logging import MessageHub
    cfg = Config.fromfile(os.path.join(os.path.dirname(__file__), '..', '..', 'configs',
                                       'moco_small', name))
    assert cfg.eval_representation == 'backbone+neck'
    model_cfg = cfg.model.to_dict()
    model_cfg['queue_len'] = 16
    MessageHub.get_current_instance().update_info('max_iters', 10)
    torch.manual_seed(0)
    model = revert_sync_batchnorm(MODELS.build(model_cfg))
    ckpt = str(tmp_path / 'moco.pth')
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    encoder = build_encoder(model_cfg, ckpt, 'student', cfg.eval_representation)
    encoder.eval()
    model.eval()
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        got = encoder(x)[-1]
        expected = model.neck.forward_representation(model.backbone(x))
    assert got.shape == (2, dim)
    torch.testing.assert_close(got, expected, rtol=0, atol=0)
    # the neck's dropout is off in eval: the feature is deterministic
    with torch.no_grad():
        torch.testing.assert_close(encoder(x)[-1], got, rtol=0, atol=0)


def test_a_syncbn_projector_is_read_on_one_process(tmp_path):
    """MEC's small config: SyncBN in the backbone and in the 1-D projector. Read with
    plain BatchNorm in eval mode, the output equals the same layers built with BN
    (BatchNorm2d in the backbone, BatchNorm1d in the projector) and the same weights."""
    from mmengine.config import Config
    root = os.path.join(os.path.dirname(__file__), '..', '..')
    model = Config.fromfile(os.path.join(root, 'configs/_base_/models/mec_r18w16_small.py')).model
    model = model.to_dict()
    torch.manual_seed(0)
    plain_backbone = MODELS.build(dict(model['backbone'], norm_cfg=dict(type='BN')))
    plain_neck = MODELS.build(dict(model['neck'], norm_cfg=dict(type='BN1d')))
    states = (_random_state(plain_backbone, 5), _random_state(plain_neck, 6))
    state = {'backbone.' + k: v for k, v in states[0].items()}
    state.update({'neck.' + k: v for k, v in states[1].items()})
    ckpt = str(tmp_path / 'ckpt.pth')
    torch.save(dict(state_dict=state), ckpt)
    encoder = build_encoder(model, ckpt, 'student', 'backbone+neck')
    encoder.eval()
    for module, part in ((plain_backbone, states[0]), (plain_neck, states[1])):
        module.load_state_dict(part)
        module.eval()
    x = torch.randn(3, 3, 32, 32)
    with torch.no_grad():
        out = encoder(x)[0]
        expected = plain_neck(plain_backbone(x))[0]
    assert out.shape == (3, 512)
    torch.testing.assert_close(out, expected)
