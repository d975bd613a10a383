"""Backbone converters: formats in, bare ResNet keys out, torchvision back;
bit-identical round trips, identical features, and named errors."""
import pytest
import torch
import torchvision
from mmengine.logging import HistoryBuffer

import mec_plugin  # noqa: F401
from mec_plugin.utils.checkpoint import (CheckpointFormatError, backbone_to_torchvision,
                                         check_resnet_backbone, detect_format,
                                         expected_resnet_keys, infer_resnet_arch, to_backbone)
from _scripts import load_tool
from _tiny import tiny_mec_model

extract = load_tool('tools/model_converters/extract_backbone_weights.py')
to_tv = load_tool('tools/model_converters/backbone_to_torchvision.py')


def _random_tv(depth):
    """A torchvision ResNet with random weights and BN statistics (so BN
    maths in eval mode is exercised, not skipped by mean 0 / var 1)."""
    net = getattr(torchvision.models, f'resnet{depth}')(weights=None)
    g = torch.Generator().manual_seed(depth)
    with torch.no_grad():
        for name, t in net.state_dict().items():
            if name.endswith('running_mean'):
                t.copy_(torch.randn(t.shape, generator=g) * 0.1)
            elif name.endswith('running_var'):
                t.copy_(torch.rand(t.shape, generator=g) + 0.5)
            elif name.endswith('bn3.weight') or name.endswith('bn2.weight'):
                t.copy_(torch.rand(t.shape, generator=g) + 0.5)  # not torchvision's zeros
    return net.eval()


@pytest.fixture(scope='module')
def tv50():
    return _random_tv(50)


def test_expected_keys_are_the_networks_keys():
    from mmpretrain.models import ResNet, ResNet_CIFAR
    for depth in (18, 34, 50, 101):
        assert set(expected_resnet_keys(depth)) == set(ResNet(depth).state_dict())
        tv = getattr(torchvision.models, f'resnet{depth}')(weights=None).state_dict()
        assert set(expected_resnet_keys(depth)) == set(tv) - {'fc.weight', 'fc.bias'}
    assert set(expected_resnet_keys(18, '3x3')) == set(ResNet_CIFAR(18).state_dict())


def test_torchvision_roundtrip_is_bit_identical(tv50, tmp_path):
    src = tmp_path / 'tv.pth'
    torch.save(tv50.state_dict(), src)
    assert extract.main([str(src), str(tmp_path / 'bb.pth'), '--depth', '50']) == 0
    saved = torch.load(tmp_path / 'bb.pth', weights_only=True)  # tensors and plain meta only
    assert saved['meta']['source_format'] == 'torchvision' and saved['meta']['depth'] == 50
    assert 'fc.weight' not in saved['state_dict']
    assert to_tv.main([str(tmp_path / 'bb.pth'), str(tmp_path / 'back.pth')]) == 0
    back = torch.load(tmp_path / 'back.pth', weights_only=True)
    original = {k: v for k, v in tv50.state_dict().items() if not k.startswith('fc.')}
    assert list(back) == list(original)
    for k, v in original.items():
        assert back[k].dtype == v.dtype and torch.equal(back[k], v), k
    result = torchvision.models.resnet50(weights=None).load_state_dict(back, strict=False)
    assert result.missing_keys == ['fc.weight', 'fc.bias'] and result.unexpected_keys == []


@pytest.mark.parametrize('host', ['mmpretrain', 'mmdet'])
@pytest.mark.slow  # ResNet-50 features in each host
def test_converted_backbone_gives_the_same_features(tv50, host):
    from mmdet.models.backbones import ResNet as DetResNet
    from mmpretrain.models import ResNet as PretrainResNet
    state, _ = to_backbone(tv50.state_dict())
    net = (PretrainResNet if host == 'mmpretrain' else DetResNet)(depth=50, out_indices=(0, 1, 2, 3))
    net.load_state_dict(state, strict=True)
    net.eval()
    image = torch.rand(1, 3, 96, 128, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        x = tv50.maxpool(tv50.relu(tv50.bn1(tv50.conv1(image))))
        expected = []
        for layer in (tv50.layer1, tv50.layer2, tv50.layer3, tv50.layer4):
            x = layer(x)
            expected.append(x)
        got = net(image)
    for e, g in zip(expected, got):
        assert e.shape == g.shape
        assert (e - g).abs().max().item() < 1e-5 * max(1., e.abs().max().item())


def _plugin_checkpoint(path):
    from mec_plugin.registry import MODELS
    model = MODELS.build(tiny_mec_model())
    with torch.no_grad():  # make the EMA teacher differ from the student
        for p in model.teacher.module.parameters():
            p.add_(1.)
    state = model.state_dict()
    torch.save(dict(state_dict=state, meta=dict(epoch=1),
                    message_hub=dict(x=HistoryBuffer([1.], [1]))), path)
    return model


@pytest.mark.parametrize('weights', ['student', 'teacher'])
def test_plugin_checkpoint_student_and_teacher(tmp_path, weights):
    model = _plugin_checkpoint(tmp_path / 'epoch_1.pth')
    out = tmp_path / f'{weights}.pth'
    # the tiny model is a CIFAR ResNet: refused for the 7x7 targets, named
    with pytest.raises(CheckpointFormatError, match=r'stem is 3x3 .*conv1.weight has shape \[8, 3, 3, 3\]'):
        extract.convert(str(tmp_path / 'epoch_1.pth'), str(out), weights=weights)
    assert extract.main([str(tmp_path / 'epoch_1.pth'), str(out), '--weights', weights]) == 1
    assert extract.main([str(tmp_path / 'epoch_1.pth'), str(out), '--weights', weights,
                         '--stem', '3x3', '--depth', '18']) == 0
    saved = torch.load(out, weights_only=True)
    assert saved['meta'] == dict(saved['meta'], source_format='plugin', weights=weights,
                                 depth=18, stem='3x3')
    source = model.backbone if weights == 'student' else model.teacher.module[0]
    expected = source.state_dict()
    assert list(saved['state_dict']) == list(expected)
    for k, v in expected.items():
        assert torch.equal(saved['state_dict'][k], v), k
    # and it is what ResNet_CIFAR takes, key for key
    from mmpretrain.models import ResNet_CIFAR
    ResNet_CIFAR(18, stem_channels=8, base_channels=8).load_state_dict(saved['state_dict'])
    # torchvision has no 3x3 stem
    with pytest.raises(CheckpointFormatError, match='torchvision cannot load it'):
        backbone_to_torchvision(saved['state_dict'])


def test_official_mec_checkpoint(tv50):
    tv = tv50.state_dict()
    official = {f'module.encoder.{k}': v for k, v in tv.items() if not k.startswith('fc.')}
    # the official encoder's fc is the 3-layer projector, then the predictor
    official.update({'module.encoder.fc.0.weight': torch.zeros(2048, 2048),
                     'module.encoder.fc.1.weight': torch.ones(2048),
                     'module.predictor.0.weight': torch.zeros(512, 2048)})
    assert detect_format(official) == 'official_mec'
    state, fmt = to_backbone(official)
    assert fmt == 'official_mec'
    assert check_resnet_backbone(state, depth=50)['block'] == 'Bottleneck'
    assert set(state) == set(tv) - {'fc.weight', 'fc.bias'}
    assert all(torch.equal(state[k], tv[k]) for k in state)
    with pytest.raises(CheckpointFormatError, match=r'unexpected keys .*module\.queue'):
        to_backbone(dict(official, **{'module.queue': torch.zeros(3)}))
    with pytest.raises(CheckpointFormatError, match='needs a plugin checkpoint'):
        to_backbone(official, weights='teacher')


def test_bad_checkpoints_name_what_is_wrong():
    tv = torchvision.models.resnet50(weights=None).state_dict()
    state, _ = to_backbone(tv)
    # a missing stage
    no_layer4 = {k: v for k, v in state.items() if not k.startswith('layer4.')}
    with pytest.raises(CheckpointFormatError, match=r'missing stages: no layer4\.\*'):
        check_resnet_backbone(no_layer4)
    # wrong depth
    r18, _ = to_backbone(torchvision.models.resnet18(weights=None).state_dict())
    with pytest.raises(CheckpointFormatError, match=r'wrong depth: .*ResNet-18 .*expected ResNet-50'):
        check_resnet_backbone(r18, depth=50)
    # a --depth no ResNet has: named (it was a bare KeyError)
    with pytest.raises(CheckpointFormatError, match=r'no standard ResNet of depth 51; known depths'):
        check_resnet_backbone(r18, depth=51)
    # a block too few: no standard depth
    no_block = {k: v for k, v in state.items() if not k.startswith('layer3.5.')}
    with pytest.raises(CheckpointFormatError, match=r'blocks per stage \(3, 4, 5, 3\) match no'):
        check_resnet_backbone(no_block)
    # unexpected and missing keys, named
    odd = dict(state, **{'layer1.0.se.fc.weight': torch.zeros(1)})
    del odd['layer2.0.downsample.1.running_var']
    with pytest.raises(CheckpointFormatError) as error:
        check_resnet_backbone(odd)
    assert 'layer1.0.se.fc.weight' in str(error.value)
    assert 'layer2.0.downsample.1.running_var' in str(error.value)
    # a deep stem (ResNetV1c) is not what a 7x7 target loads
    from mmpretrain.models import ResNetV1c
    with pytest.raises(CheckpointFormatError, match=r'stem is deep \(stem\.\* keys\)'):
        check_resnet_backbone(ResNetV1c(depth=50).state_dict())
    # a plugin checkpoint without the teacher, and not a ResNet at all
    with pytest.raises(CheckpointFormatError, match=r"no 'teacher\.module\.0\.\*' keys"):
        to_backbone({f'backbone.{k}': v for k, v in state.items()}, weights='teacher')
    with pytest.raises(CheckpointFormatError, match='not a ResNet checkpoint'):
        detect_format({'encoder.weight': torch.zeros(1)})


def test_infer_arch_of_each_depth():
    for depth, block in ((18, 'BasicBlock'), (34, 'BasicBlock'), (101, 'Bottleneck')):
        tv = getattr(torchvision.models, f'resnet{depth}')(weights=None).state_dict()
        arch = infer_resnet_arch(tv)
        assert (arch['depth'], arch['block'], arch['stem']) == (depth, block, '7x7')


@pytest.mark.parametrize('tool', [extract, to_tv], ids=['extract', 'to_torchvision'])
def test_converters_never_overwrite_without_force_and_never_their_input(tool, tv50, tmp_path,
                                                                         capsys):
    src, out = tmp_path / 'epoch_1.pth', tmp_path / 'epoch_2.pth'
    torch.save(tv50.state_dict(), src)
    out.write_bytes(b'a training checkpoint')
    before = src.read_bytes()
    assert tool.main([str(src), str(out)]) == 1
    err = capsys.readouterr().err
    assert 'epoch_2.pth exists' in err and '--force' in err
    assert out.read_bytes() == b'a training checkpoint'
    # the input as the output: refused even with --force, by another spelling too
    for same in (str(src), str(tmp_path / '.' / 'epoch_1.pth')):
        assert tool.main([str(src), same, '--force']) == 1
        assert 'is the input' in capsys.readouterr().err
        assert src.read_bytes() == before
    assert tool.main([str(src), str(out), '--force']) == 0
    assert out.read_bytes() != b'a training checkpoint'
    torch.load(out, weights_only=True)


def test_output_exists_error_says_what_to_do(tmp_path):
    from mec_plugin.utils.output_path import OutputExistsError, check_output_path
    taken = tmp_path / 'taken.pth'
    taken.write_bytes(b'x' * 2**20)
    with pytest.raises(OutputExistsError, match=r'taken\.pth exists \(1\.0 MiB\); pass --force'):
        check_output_path(str(taken), [str(tmp_path / 'in.pth')])
    with pytest.raises(OutputExistsError, match='is a directory'):
        check_output_path(str(tmp_path), [], force=True)
    check_output_path(str(taken), [], force=True)
    check_output_path(str(tmp_path / 'new.pth'), [str(taken)])
