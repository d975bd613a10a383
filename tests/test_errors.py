"""Each row of the error table in docs/troubleshooting.md: a bad input, the
error it gets, and the key phrase of the message (which must name the problem).
The table and this list are checked against each other, so neither can drift."""
import copy
import os
import re
import runpy
import sys

import pytest
import torch

import mec_plugin  # noqa: F401
from _checkpoints import WritesMarker
from _scripts import load_tool
from _tiny import tiny_mec_model
from mec_plugin.datasets import ImageLoadError, LoadImageFromFileChecked
from mec_plugin.evaluation.features import build_backbone, find_backbone_weights
from mec_plugin.registry import HOOKS, MODELS
from mec_plugin.utils import UnsafeCheckpointError

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
R18 = dict(type='ResNet_CIFAR', depth=18, stem_channels=8, base_channels=8)


def build_mec(**head):
    cfg = tiny_mec_model()
    cfg['head'].update(head)
    return MODELS.build(cfg)


def tiny_checkpoint(tmp, name='r18.pth', backbone=R18, prefix='backbone.'):
    net = MODELS.build(backbone)
    path = os.path.join(tmp, name)
    torch.save({'state_dict': {prefix + k: v for k, v in net.state_dict().items()}}, path)
    return path


def width_mismatch(tmp):
    cfg = tiny_mec_model()
    cfg['head']['predictor']['in_channels'] = 16  # the projector outputs 32
    MODELS.build(cfg)


def views(n):
    def run(tmp):
        model = build_mec()
        model.loss([torch.randn(4, 3, 16, 16)] * n, [])
    return run


def batch_of_one(tmp):
    model = build_mec()
    model.loss([torch.randn(1, 3, 16, 16)] * 2, [])


def radius_interval_on_warmup(tmp):
    """0.1.0's place for the guard's argument, in a run that lists the guard hook itself."""
    from types import SimpleNamespace
    hook = HOOKS.build(dict(type='MECLambdaWarmupHook', warmup_iters=10, radius_interval=20))
    runner = SimpleNamespace(model=build_mec(), train_dataloader=[None] * 4,
                             hooks=[HOOKS.build(dict(type='MECTaylorGuardHook'))])
    hook.before_train(runner)


def missing_data_root(tmp):
    from mmpretrain.datasets import CustomDataset
    CustomDataset(data_root=os.path.join(tmp, 'no_such_dir'), data_prefix='train',
                  with_label=False, pipeline=[])


def unreadable_image(tmp):
    path = os.path.join(tmp, 'broken.jpg')
    with open(path, 'wb') as f:
        f.write(b'\xff\xd8\xff\xe0 not really a jpeg')
    LoadImageFromFileChecked()(dict(img_path=path))


def eval_checkpoint_missing(tmp):
    build_backbone(R18, os.path.join(tmp, 'nope.pth'))


def eval_checkpoint_directory(tmp):
    build_backbone(R18, tmp)


def eval_not_a_checkpoint(tmp):
    path = os.path.join(tmp, 'notes.pth')
    with open(path, 'w') as f:
        f.write('these are my notes, not weights')
    build_backbone(R18, path)


def code_running_checkpoint(tmp):
    path = os.path.join(tmp, 'evil.pth')
    torch.save({'state_dict': {}, 'x': WritesMarker(os.path.join(tmp, 'marker'))}, path)
    return path


def eval_unsafe_checkpoint(tmp):
    try:
        build_backbone(R18, code_running_checkpoint(tmp))
    finally:
        assert not os.path.exists(os.path.join(tmp, 'marker'))  # refused before it ran


def eval_other_architecture(tmp):
    wide = dict(R18, base_channels=16)  # a wider network's checkpoint for the narrow config
    build_backbone(R18, tiny_checkpoint(tmp, backbone=wide))


def eval_mismatched_keys(tmp):
    path = tiny_checkpoint(tmp)
    ckpt = torch.load(path, weights_only=False)
    del ckpt['state_dict']['backbone.layer4.1.bn2.running_var']
    torch.save(ckpt, path)
    build_backbone(R18, path)


def eval_no_backbone(tmp):
    find_backbone_weights({'encoder.weight': torch.zeros(1)})


def knn_tool_missing_checkpoint(tmp):
    argv = sys.argv
    sys.argv = ['knn_eval.py', os.path.join(ROOT, 'configs/mec/mec_resnet18-w16_1xb256-4e_cifar10.py'),
                os.path.join(tmp, 'missing.pth')]
    try:
        runpy.run_path(os.path.join(ROOT, 'tools/analysis/knn_eval.py'), run_name='__main__')
    finally:
        sys.argv = argv


def converter(name, make):
    def run(tmp, capsys):
        src = make(tmp)
        code = load_tool(f'tools/model_converters/{name}').main([src, os.path.join(tmp, 'out.pth')])
        assert code == 1
        raise RuntimeError(capsys.readouterr().err)  # what the user sees
    return run


def not_a_checkpoint_file(tmp):
    path = os.path.join(tmp, 'notes.pth')
    with open(path, 'w') as f:
        f.write('plain text')
    return path


def downstream_core_env(tmp):
    """The benchmark launchers' first check where mmcv is mmcv-lite (no mmcv._ext)."""
    from mec_plugin.compat import require_mmcv_ops
    saved = sys.modules.get('mmcv._ext')
    sys.modules['mmcv._ext'] = None  # `import mmcv._ext` fails, as with mmcv-lite
    try:
        require_mmcv_ops('the mmdet benchmarks', 'mmdet')
    finally:
        if saved is None:
            del sys.modules['mmcv._ext']
        else:
            sys.modules['mmcv._ext'] = saved


def resume_missing(tmp):
    from mmengine.runner import CheckpointLoader
    CheckpointLoader.load_checkpoint(os.path.join(tmp, 'epoch_9.pth'))


# id, what is tried, callable, exception type, key phrase (regex) of the message
ROWS = [
    ('taylor_order', "model.head.taylor_order=0", lambda t: build_mec(taylor_order=0),
     ValueError, r'taylor_order must be an integer >= 1, got 0'),
    ('taylor_order_float', "model.head.taylor_order=2.5", lambda t: build_mec(taylor_order=2.5),
     ValueError, r'taylor_order must be an integer >= 1, got 2.5'),
    ('eps_square_zero', 'model.head.eps_square=0', lambda t: build_mec(eps_square=0.),
     ValueError, r'eps_square must be > 0, got 0'),
    ('eps_square_negative', 'model.head.eps_square=-64', lambda t: build_mec(eps_square=-64.),
     ValueError, r'eps_square must be > 0, got -64'),
    ('mode', "model.head.mode='taylor'", lambda t: build_mec(mode='taylor'),
     ValueError, r"mode must be one of .*got 'taylor'"),
    ('warmup_start_factor', 'MECLambdaWarmupHook(start_factor=0.5)',
     lambda t: HOOKS.build(dict(type='MECLambdaWarmupHook', start_factor=0.5)),
     ValueError, r'start_factor must be >= 1, got 0.5'),
    ('warmup_epochs', 'MECLambdaWarmupHook(warmup_epochs=-1)',
     lambda t: HOOKS.build(dict(type='MECLambdaWarmupHook', warmup_epochs=-1)),
     ValueError, r'warmup_epochs must be >= 0, got -1'),
    ('warmup_iters', 'MECLambdaWarmupHook(warmup_iters=-10)',
     lambda t: HOOKS.build(dict(type='MECLambdaWarmupHook', warmup_iters=-10)),
     ValueError, r'warmup_iters must be None or an integer >= 0, got -10'),
    ('radius_interval', 'MECTaylorGuardHook(radius_interval=-1)',
     lambda t: HOOKS.build(dict(type='MECTaylorGuardHook', radius_interval=-1)),
     ValueError, r'MECTaylorGuardHook: radius_interval must be an integer >= 0'),
    ('radius_interval_on_warmup',
     'MECLambdaWarmupHook(radius_interval=20) beside MECTaylorGuardHook',
     radius_interval_on_warmup, ValueError,
     r'MECLambdaWarmupHook: radius_interval=20 is an argument of MECTaylorGuardHook; .*'
     r'Set it on MECTaylorGuardHook in custom_hooks'),
    ('width_mismatch', 'predictor in_channels 16, projector out_channels 32', width_mismatch,
     ValueError, r'the projector outputs d = 32 but the predictor maps 16 -> 32'),
    ('views_1', 'MultiView(num_views=[1])', views(1),
     ValueError, r'MEC needs exactly 2 views per image, got 1'),
    ('views_3', 'MultiView(num_views=[1, 1, 1])', views(3),
     ValueError, r'MEC needs exactly 2 views per image, got 3'),
    ('batch_of_one', 'train_dataloader.batch_size=1 on one process', batch_of_one,
     ValueError, r'global batch of at least 2 images, got 1'),
    ('data_root', 'train_dataloader.dataset.data_root missing', missing_data_root,
     FileNotFoundError, r'No such file or directory: .*no_such_dir/train'),
    ('corrupt_image', 'a corrupt image in the data set', unreadable_image,
     ImageLoadError, r"cannot load image '.*broken\.jpg': cv2 could not decode it"),
    ('checkpoint_missing', 'eval tools: --checkpoint that does not exist', eval_checkpoint_missing,
     FileNotFoundError, r'nope\.pth can not be found'),
    ('checkpoint_directory', 'eval tools: --checkpoint a directory', eval_checkpoint_directory,
     IsADirectoryError, r'is a directory, not a checkpoint file'),
    ('not_a_checkpoint', 'eval tools: --checkpoint a text file', eval_not_a_checkpoint,
     RuntimeError, r'cannot load checkpoint .*notes\.pth: not a file torch\.save wrote'),
    ('unsafe_checkpoint', 'eval tools: --checkpoint a file that runs code when unpickled',
     eval_unsafe_checkpoint, UnsafeCheckpointError,
     r'cannot load checkpoint .*evil\.pth safely: it needs the global builtins\.exec, outside '
     r'the allow-list.* set MEC_PLUGIN_ALLOW_UNSAFE_CHECKPOINTS=1'),
    ('other_architecture', 'eval tools: a checkpoint of a wider ResNet', eval_other_architecture,
     ValueError, r'do not match the config .*another architecture.*shape mismatch'),
    ('mismatched_keys', 'eval tools: a checkpoint lacking a key', eval_mismatched_keys,
     KeyError, r'do not match the config: missing \[.layer4\.1\.bn2\.running_var.\]'),
    ('no_backbone', 'eval tools: a checkpoint without backbone weights', eval_no_backbone,
     KeyError, r'cannot find backbone weights in the checkpoint'),
    ('knn_tool_missing', 'tools/analysis/knn_eval.py CONFIG missing.pth',
     knn_tool_missing_checkpoint, SystemExit, r'checkpoint not found: .*missing\.pth'),
    ('converter_not_a_checkpoint', 'extract_backbone_weights.py notes.pth out.pth',
     converter('extract_backbone_weights.py', not_a_checkpoint_file),
     RuntimeError, r'error: cannot load checkpoint .*notes\.pth'),
    ('converter_unsafe_checkpoint', 'extract_backbone_weights.py evil.pth out.pth',
     converter('extract_backbone_weights.py', code_running_checkpoint),
     RuntimeError, r'error: cannot load checkpoint .*evil\.pth safely: it needs the global '
                   r'builtins\.exec'),
    ('converter_missing', 'extract_backbone_weights.py missing.pth out.pth',
     converter('extract_backbone_weights.py', lambda t: os.path.join(t, 'missing.pth')),
     RuntimeError, r'missing\.pth can not be found'),
    ('converter_other_architecture', 'backbone_to_torchvision.py on a non-ResNet state_dict',
     converter('backbone_to_torchvision.py',
               lambda t: (torch.save({'encoder.weight': torch.zeros(2)}, os.path.join(t, 'x.pth'))
                          or os.path.join(t, 'x.pth'))),
     RuntimeError, r'not a ResNet checkpoint'),
    ('downstream_core_env', 'tools/benchmarks/train.sh in the core environment (mmcv-lite)',
     downstream_core_env, SystemExit,
     r'the mmdet benchmarks need mmcv built with its ops .*: run `bash tools/install\.sh --ops`'),
    ('resume_missing', '--resume epoch_9.pth that does not exist', resume_missing,
     FileNotFoundError, r'epoch_9\.pth can not be found'),
    ('image_on_error', "LoadImageFromFileChecked(on_error='ignore')",
     lambda t: LoadImageFromFileChecked(on_error='ignore'),
     ValueError, r"on_error must be 'raise' or 'skip', got 'ignore'"),
]


@pytest.mark.parametrize('row', ROWS, ids=[r[0] for r in ROWS])
def test_bad_input_gets_a_message_naming_the_problem(row, tmp_path, capsys):
    _, _, trigger, error, phrase = row
    with pytest.raises(error) as info:
        if trigger.__code__.co_argcount == 2:
            trigger(str(tmp_path), capsys)
        else:
            trigger(str(tmp_path))
    message = str(info.value.code if isinstance(info.value, SystemExit) else info.value)
    assert re.search(phrase, message), message


def _doc_rows():
    with open(os.path.join(ROOT, 'docs/troubleshooting.md')) as f:
        text = f.read()
    assert '\n## Error messages\n' in text, 'docs/troubleshooting.md lost its "Error messages" section'
    section = text.split('\n## Error messages\n', 1)[1].split('\n## ', 1)[0]
    rows = [line for line in section.splitlines() if line.startswith('| `')]
    return {re.match(r'\| `([^`]+)`', line).group(1): line for line in rows}


def test_docs_table_lists_every_row_with_its_error():
    doc = _doc_rows()
    assert sorted(doc) == sorted(r[0] for r in ROWS)
    for name, _, _, error, _ in ROWS:
        # the converters print the message and exit with status 1
        kind = 'exit status 1' if name.startswith('converter') else error.__name__
        assert kind in doc[name], name
