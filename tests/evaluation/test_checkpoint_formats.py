"""build_backbone reads the plugin's, mmpretrain's, bare and torchvision checkpoints."""
import pytest
import torch

import mec_plugin  # noqa: F401
from mec_plugin.evaluation import build_backbone, find_backbone_weights
from mmpretrain.utils import register_all_modules
from _eval_data import TINY_BACKBONE

register_all_modules(init_default_scope=True)


@pytest.fixture(scope='module')
def reference():
    torch.manual_seed(123)
    net = build_backbone(TINY_BACKBONE)
    return {k: v.clone() for k, v in net.state_dict().items()}


def formats(ref):
    fc = {'fc.weight': torch.randn(10, 64), 'fc.bias': torch.zeros(10)}
    teacher = {f'teacher.module.0.{k}': v + 1 for k, v in ref.items() if v.is_floating_point()}
    return {
        # a Runner checkpoint of the plugin, with mmengine objects beside the weights
        'plugin': dict(state_dict={**{f'backbone.{k}': v for k, v in ref.items()},
                                   'neck.fc0.weight': torch.zeros(2, 2), **teacher},
                       message_hub=dict(log_scalars={}), meta=dict(epoch=1)),
        'mmpretrain': dict(state_dict={**{f'backbone.{k}': v for k, v in ref.items()},
                                       'head.fc.weight': torch.zeros(10, 64)}),
        'bare': dict(state_dict=dict(ref)),
        'torchvision': {**ref, **fc},
        'moco_official': dict(state_dict={**{f'module.encoder_q.{k}': v for k, v in ref.items()},
                                          'module.encoder_q.fc.0.weight': torch.zeros(3, 3)}),
    }


@pytest.mark.parametrize('fmt', ['plugin', 'mmpretrain', 'bare', 'torchvision', 'moco_official'])
def test_every_format_loads_the_same_weights(fmt, reference, tmp_path):
    path = str(tmp_path / f'{fmt}.pth')
    torch.save(formats(reference)[fmt], path)
    torch.manual_seed(0)  # a different random init, overwritten by the checkpoint
    net = build_backbone(TINY_BACKBONE, path)
    for k, v in net.state_dict().items():
        assert torch.equal(v, reference[k]), k


def test_teacher_weights_come_from_the_ema_copy(reference, tmp_path):
    path = str(tmp_path / 'plugin.pth')
    torch.save(formats(reference)['plugin'], path)
    net = build_backbone(TINY_BACKBONE, path, weights='teacher')
    w = 'layer1.0.conv1.weight'
    assert torch.equal(net.state_dict()[w], reference[w] + 1)


def test_teacher_of_a_moco_checkpoint_is_its_key_encoder(reference, tmp_path):
    # mmpretrain's MoCo / the plugin's MoCoSmall: encoder_k = EMA(Sequential(backbone, neck))
    key = {f'encoder_k.module.0.{k}': v - 1 for k, v in reference.items() if v.is_floating_point()}
    path = str(tmp_path / 'moco.pth')
    torch.save(dict(state_dict={**{f'backbone.{k}': v for k, v in reference.items()}, **key,
                                'queue': torch.zeros(4, 8)}), path)
    w = 'layer1.0.conv1.weight'
    student = build_backbone(TINY_BACKBONE, path)
    teacher = build_backbone(TINY_BACKBONE, path, weights='teacher')
    assert torch.equal(student.state_dict()[w], reference[w])
    assert torch.equal(teacher.state_dict()[w], reference[w] - 1)


def test_teacher_of_a_checkpoint_without_one_is_named(reference):
    with pytest.raises(KeyError, match='encoder_k'):
        find_backbone_weights({f'backbone.{k}': v for k, v in reference.items()}, 'teacher')


def test_unknown_checkpoint_names_its_keys():
    with pytest.raises(KeyError, match='top-level keys'):
        find_backbone_weights({'foo.bar': torch.zeros(1)})
