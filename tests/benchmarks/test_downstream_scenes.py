"""The transfer harness (benchmarks/downstream_scenes.py), its scenes configs and the
supervised reference: configs compose with the protocol's settings, every config trains
from a plugin checkpoint through the launcher, a stopped fine-tune resumes, and the harness
runs end to end on tiny generated scenes."""
import json
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config

from _scripts import ROOT, load_tool

sys.path.insert(0, osp.join(ROOT, 'benchmarks'))
harness = load_tool('benchmarks/downstream_scenes.py')

pytest.importorskip('mmdet')
pytest.importorskip('mmseg')


def test_scenes_configs_follow_the_protocol():
    for path, kind in ((harness.DET_CONFIG, 'det'), (harness.SEG_CONFIG, 'seg')):
        cfg = Config.fromfile(osp.join(ROOT, path))
        bb = cfg.model.backbone
        assert bb.type == 'mmpretrain.ResNet_CIFAR' and bb.in_channels == 1
        assert bb.base_channels == bb.stem_channels == 16 and bb.depth == 18
        assert bb.frozen_stages == -1 and bb.norm_eval is False
        assert bb.init_cfg.type == 'Pretrained' and 'prefix' not in bb.init_cfg
        assert cfg.model.neck.in_channels == [32, 64, 128]  # stages 2-4
        assert cfg.model.data_preprocessor.mean == [72.94]  # the pre-training's grey statistics
        assert cfg.train_dataloader.dataset.pipeline[0].color_type == 'grayscale'
        assert cfg.train_cfg.max_epochs == cfg.train_cfg.val_interval  # one validation, at the end
        assert 'cifar' in osp.basename(path)  # the launchers pick the 3x3 stem from the name
        if kind == 'det':
            assert cfg.model.roi_head.bbox_head.num_classes == 10
            assert cfg.model.rpn_head.anchor_generator.strides == [2, 4, 8, 16]
            assert set(cfg.val_evaluator.metric) == {'bbox', 'segm'}
        else:
            assert cfg.model.decode_head.num_classes == 11
            assert cfg.model.decode_head.feature_strides == [2, 4, 8]
            assert cfg.val_evaluator.iou_metrics == ['mIoU']


def test_table_detector_is_the_one_epoch_config_at_four_epochs():
    one = Config.fromfile(osp.join(ROOT, harness.DET_CONFIG.replace('-4e_', '-1e_')))
    four = Config.fromfile(osp.join(ROOT, harness.DET_CONFIG))
    assert one.train_cfg.max_epochs == 1 and four.train_cfg.max_epochs == 4
    assert four.param_scheduler[1].end == four.param_scheduler[1].T_max == 4
    assert four.param_scheduler[0] == one.param_scheduler[0]  # the same 50-iteration warm-up
    one.merge_from_dict({'max_epochs': 4, 'train_cfg.max_epochs': 4, 'train_cfg.val_interval': 4,
                         'param_scheduler.1.end': 4, 'param_scheduler.1.T_max': 4})
    assert one.to_dict() == four.to_dict()


def test_commands_rows_and_table(tmp_path):
    args = harness.parse_args(['--checkpoint', __file__, '--scenes', str(tmp_path / 's'),
                               '--work-dir', str(tmp_path / 'w'), '--jobs', '2'])
    assert args.threads >= 1 and args.inits == ['MEC', 'random', 'supervised']
    mec = harness.run_command('detection', 'MEC', 1, 'a/epoch_10.pth', args, 10)
    assert mec['work_dir'] == str(tmp_path / 'w' / 'detection' / 'MEC_10ep_seed1')
    assert mec['cmd'][:4] == ['bash', 'tools/benchmarks/train.sh', harness.DET_CONFIG,
                              'a/epoch_10.pth']
    assert 'randomness.seed=1' in mec['cmd'] and mec['env'] == {'WORK_DIR': mec['work_dir']}
    assert f"val_evaluator.ann_file={tmp_path / 's'}/annotations/instances_val.json" in mec['cmd']
    rnd = harness.run_command('segmentation', 'random', 0, None, args)
    assert rnd['cmd'][1].endswith(osp.join('mmseg', '.mim', 'tools', 'train.py'))
    assert 'model.backbone.init_cfg=None' in rnd['cmd']
    assert rnd['command'].startswith('python ')
    assert rnd['work_dir'].endswith(osp.join('segmentation', 'random_seed0'))

    # the last validation's figures, CocoMetric's in [0, 1] and IoUMetric's in percent
    run_dir = osp.join(mec['work_dir'], '20261207_000000', 'vis_data')
    os.makedirs(run_dir)
    with open(osp.join(run_dir, 'scalars.json'), 'w') as f:
        f.write(json.dumps({'loss': 1.0, 'step': 1}) + '\n')
        f.write(json.dumps({'coco/bbox_mAP': 0.1234, 'coco/segm_mAP': 0.2, 'step': 6}) + '\n')
    rows = harness.result_rows(mec, harness.last_scalars(mec['work_dir']), 12.3)
    assert [(r['task'], r['metric'], r['value'], r['pretrain_epochs']) for r in rows] == [
        ('detection', 'bbox_mAP', 12.34, 10), ('instance segmentation', 'segm_mAP', 20.0, 10)]
    assert set(rows[0]) == {'task', 'init', 'pretrain_epochs', 'metric', 'value', 'seed',
                            'wall_s', 'config', 'command'}
    with pytest.raises(RuntimeError, match='logged no mIoU'):
        harness.result_rows(rnd, {'coco/bbox_mAP': 0.1}, 1.0)

    def row(init, epochs, value, seed):
        return dict(task='detection', metric='bbox_mAP', init=init, pretrain_epochs=epochs,
                    value=value, seed=seed)

    table = harness.scenes_transfer_markdown(
        [row('MEC', 2, 9.0, 0)] + [row('MEC', 10, v, s) for s, v in ((0, 10.0), (1, 12.0))]
        + [row('random init', None, 5.0, 0)])
    # a column per initialisation and pre-training length, the longest MEC one first; the
    # gap is that one's
    assert table[0] == ('| task | metric | MEC (10 ep) | MEC (2 ep) | random init '
                        '| MEC (10 ep) − random init | seeds |')
    # a column with fewer seeds than the row names which it has
    assert table[2] == ('| detection | bbox_mAP | 11.00 ± 1.41 | 9.00 (seed 0) | 5.00 (seed 0) '
                        '| +6.00 (s.d. ≤ 1.41) | 0, 1 |')
    table = harness.scenes_transfer_markdown(
        [row('MEC', 10, v, s) for s, v in ((0, 10.0), (1, 12.0), (2, 11.0))]
        + [row('SimCLR', 10, v, s) for s, v in ((2, 8.0), (0, 6.0))])
    assert table[2] == '| detection | bbox_mAP | 11.00 ± 1.00 | 7.00 ± 1.41 (seeds 0, 2) | 0, 1, 2 |'
    # other pre-trainings between MEC and the references, by name
    table = harness.scenes_transfer_markdown(
        [row('supervised', 10, 20.0, 0), row('random init', None, 5.0, 0),
         row('SimCLR', 10, 8.0, 0), row('MEC', 10, 10.0, 0), row('CISSL', 10, 7.0, 0)])
    assert table[0] == ('| task | metric | MEC (10 ep) | CISSL (10 ep) | SimCLR (10 ep) '
                        '| random init | supervised (10 ep) | MEC (10 ep) − random init | seeds |')
    assert table[2] == '| detection | bbox_mAP | 10.00 | 7.00 | 8.00 | 5.00 | 20.00 | +5.00 | 0 |'


def test_other_pretrainings_are_fine_tuned_as_mec_is(tmp_path, capsys):
    ckpt = str(tmp_path / 'epoch_10.pth')
    torch.save(dict(meta=dict(epoch=10), state_dict={}), ckpt)
    args = harness.parse_args(['--inits', 'random', '--others', f'CISSL={ckpt}',
                               f'MoCo-small={ckpt}', '--work-dir', str(tmp_path / 'w')])
    assert args.others == {'CISSL': ckpt, 'MoCo-small': ckpt}  # in the order given
    run = harness.run_command('detection', 'MoCo-small', 0, ckpt, args, 10)
    assert run['work_dir'] == str(tmp_path / 'w' / 'detection' / 'MoCo-small_10ep_seed0')
    assert run['cmd'][:4] == ['bash', 'tools/benchmarks/train.sh', harness.DET_CONFIG, ckpt]
    assert run['env'] == {'WORK_DIR': run['work_dir']}  # --weights teacher is MEC's alone
    rows = harness.result_rows(run, {'coco/bbox_mAP': 0.25, 'coco/segm_mAP': 0.5}, 1.0)
    assert [(r['init'], r['pretrain_epochs'], r['value']) for r in rows] == [
        ('MoCo-small', 10, 25.0), ('MoCo-small', 10, 50.0)]
    for bad, message in ((['CISSL'], 'give NAME=CHECKPOINT'),
                         ([f'MEC={ckpt}'], "'MEC' is taken"),
                         ([f'supervised={ckpt}'], "'supervised' is taken"),
                         ([f'A={ckpt}', f'A={ckpt}'], "'A' is taken"),
                         ([f'a/b={ckpt}'], 'names a work dir'),
                         (['CISSL=nope.pth'], 'no such checkpoint: nope.pth')):
        with pytest.raises(SystemExit):
            harness.parse_args(['--inits', 'random', '--others', *bad])
        assert message in capsys.readouterr().err


def test_earlier_rows_are_kept_unless_replaced(tmp_path, capsys):
    def row(init, epochs, value, seed):
        return dict(task='detection', metric='bbox_mAP', init=init, pretrain_epochs=epochs,
                    value=value, seed=seed, command=f'{init} {epochs} {seed}')

    earlier = [row('MEC', 2, 9.0, 0), row('random init', None, 5.0, 0),
               row('random init', None, 6.0, 1)]
    path = tmp_path / 'earlier.json'
    path.write_text(json.dumps(dict(meta=dict(date_utc='then'), rows=earlier)))
    new = [row('MEC', 10, 11.0, 0), row('random init', None, 7.0, 1)]
    rows, source = harness.keep_earlier_rows(str(path), new)
    # the 2-epoch row and random init's seed 0 are kept; random init's seed 1 is replaced
    assert rows == earlier[:2] + new
    assert source == dict(path=str(path), meta=dict(date_utc='then'))
    assert '2 earlier rows kept, 1 replaced' in capsys.readouterr().out
    del earlier[0]['pretrain_epochs']
    path.write_text(json.dumps(dict(meta={}, rows=earlier)))
    with pytest.raises(ValueError, match='1 rows without pretrain_epochs'):
        harness.keep_earlier_rows(str(path), new)


def test_pretrain_epochs_and_a_stale_run_are_checked(tmp_path):
    ckpt = str(tmp_path / 'epoch_3.pth')
    torch.save(dict(meta=dict(epoch=3, iter=30), state_dict={}), ckpt)
    assert harness.pretrain_epochs(ckpt) == 3 and harness.pretrain_epochs(None) is None
    torch.save(dict(state_dict={}), ckpt)
    with pytest.raises(ValueError, match='no meta.epoch'):
        harness.pretrain_epochs(ckpt)
    # a finished run in the work dir, made from another checkpoint: refused, not reused
    args = harness.parse_args(['--inits', 'random', '--work-dir', str(tmp_path / 'w')])
    run = harness.run_command('detection', 'MEC', 0, 'b/epoch_10.pth', args, 10)
    os.makedirs(run['work_dir'])
    with open(osp.join(run['work_dir'], 'result.json'), 'w') as f:
        json.dump([dict(command=run['command'].replace('b/epoch_10', 'a/epoch_10'))], f)
    with pytest.raises(RuntimeError, match='made by another command'):
        harness.run_all([run], args)


def test_arguments_are_checked(tmp_path, capsys):
    with pytest.raises(SystemExit):
        harness.parse_args([])  # MEC needs its checkpoint
    assert '--checkpoint is needed' in capsys.readouterr().err
    with pytest.raises(SystemExit):
        harness.parse_args(['--checkpoint', str(tmp_path / 'nope.pth')])
    assert 'no such checkpoint' in capsys.readouterr().err
    assert harness.parse_args(['--inits', 'random']).checkpoint is None


def test_supervised_config_builds_and_steps():
    import mec_plugin  # noqa: F401
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import MODELS
    cfg = Config.fromfile(osp.join(ROOT, harness.SUPERVISED_CONFIG))
    main_job = Config.fromfile(osp.join(ROOT, 'configs/mec/mec_resnet18-w16_1xb256-10e_fashion-mnist.py'))
    assert cfg.model.backbone == main_job.model.backbone  # the same network
    assert cfg.train_cfg.max_epochs == main_job.train_cfg.max_epochs == 10
    assert cfg.train_dataloader.batch_size == main_job.train_dataloader.batch_size
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(dict(cfg.model, data_preprocessor=cfg.data_preprocessor))
    from mmengine.model.utils import revert_sync_batchnorm
    model = revert_sync_batchnorm(model)
    from mmpretrain.structures import DataSample
    x = torch.randint(0, 256, (4, 1, 28, 28), dtype=torch.uint8)
    batch = dict(inputs=list(x), data_samples=[DataSample().set_gt_label(i) for i in range(4)])
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    before = model.head.fc.weight.detach().clone()
    losses = model.train_step(batch, optim_wrapper=__import__('mmengine').optim.OptimWrapper(opt))
    assert torch.isfinite(losses['loss']) and 1.0 < losses['loss'].item() < 5.0  # ~ln 10 at init
    assert not torch.equal(before, model.head.fc.weight)


# --------------------------------------------------------------------------- end to end
TINY = ['train_dataloader.batch_size=4', 'val_dataloader.batch_size=4',
        'test_dataloader.batch_size=4', 'train_dataloader.num_workers=0',
        'val_dataloader.num_workers=0', 'test_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False', 'val_dataloader.persistent_workers=False',
        'test_dataloader.persistent_workers=False', 'default_hooks.logger.interval=1',
        'param_scheduler.0.end=2']


@pytest.fixture(scope='module')
def tiny_scenes(tmp_path_factory):
    """8 train / 4 val scenes of 64 px from a tiny IDX test split, and a main-job-shaped
    plugin checkpoint (student and teacher with different random weights)."""
    from downstream_utils import sync_bn_to_bn, write_plugin_checkpoint
    from _fashion_mnist import tiny_fashion_mnist
    tmp = tmp_path_factory.mktemp('scenes')
    src = tiny_fashion_mnist(tmp / 'fmnist', with_train=True)
    scenes = str(tmp / 'scenes')
    gen = load_tool('tools/dataset_converters/fashion_mnist_scenes.py')
    assert gen.main([scenes, '--source', src, '--train-scenes', '8', '--val-scenes', '4',
                     '--size', '64', '--object-size', '16', '32', '--videos', '0']) == 0
    main_job = Config.fromfile(osp.join(ROOT, 'configs/mec/mec_resnet18-w16_1xb256-10e_fashion-mnist.py'))
    ckpt = str(tmp / 'mec' / 'epoch_1.pth')
    os.makedirs(osp.dirname(ckpt))
    write_plugin_checkpoint(sync_bn_to_bn(main_job.model.to_dict()), ckpt, seed=5)
    return dict(src=src, scenes=scenes, ckpt=ckpt, root=str(tmp))


def _launch(config, ckpt, work_dir, scenes, task, *extra):
    env = dict(os.environ, OMP_NUM_THREADS='1', WORK_DIR=work_dir,
               PYTHON=sys.executable)
    cmd = ['bash', 'tools/benchmarks/train.sh', config, ckpt, *extra[1:], '--cfg-options',
           *harness.data_options(task, scenes), *TINY, *extra[0]]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize('task', ['detection', 'segmentation'])
def test_launcher_trains_from_the_main_job_and_resumes(task, tiny_scenes, tmp_path):
    """Two iterations through tools/benchmarks/train.sh from a plugin checkpoint (the backbone
    loaded with no missing key), stopped at a checkpoint, then resumed with --resume: the
    Runner checkpoint of mmdet / mmseg goes through the plugin's process-wide safe loader."""
    config = harness.TASKS[task][0]
    work_dir = str(tmp_path / 'run')
    one = ['train_cfg.max_epochs=1', 'train_cfg.val_interval=1']
    log = _launch(config, tiny_scenes['ckpt'], work_dir, tiny_scenes['scenes'], task, one)
    assert 'ResNet-18 (3x3 stem) backbone, plugin student weights' in log
    assert 'do not match exactly' not in log  # every backbone key found, nothing else
    assert osp.isfile(osp.join(work_dir, 'epoch_1.pth'))
    first = harness.last_scalars(work_dir)
    key = harness.TASKS[task][2][0][1]
    assert key in first
    two = ['train_cfg.max_epochs=2', 'train_cfg.val_interval=2']
    log = _launch(config, tiny_scenes['ckpt'], work_dir, tiny_scenes['scenes'], task, two,
                  '--resume')
    assert 'resumed epoch: 1' in log.lower()
    assert osp.isfile(osp.join(work_dir, 'epoch_2.pth'))
    assert key in harness.last_scalars(work_dir)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_harness_end_to_end_on_tiny_scenes(tiny_scenes, tmp_path):
    """The one command: the supervised reference trained, then MEC / random / supervised
    fine-tuned (semantic segmentation here), figures as JSON rows and a table; a second call
    reads the finished runs instead of repeating them."""
    out = str(tmp_path / 'transfer.json')
    argv = ['--checkpoint', tiny_scenes['ckpt'], '--data-root', tiny_scenes['src'],
            '--scenes', tiny_scenes['scenes'], '--tasks', 'segmentation', '--seeds', '0',
            '--jobs', '2', '--threads', '1', '--work-dir', str(tmp_path / 'w'), '--out', out,
            '--quiet', '--cfg-options', 'train_cfg.max_epochs=1', 'train_cfg.val_interval=1',
            *TINY, '--supervised-cfg-options', 'train_cfg.max_epochs=1',
            'train_dataloader.batch_size=32', 'train_dataloader.num_workers=0',
            'train_dataloader.persistent_workers=False']
    env = dict(os.environ, OMP_NUM_THREADS='1')
    proc = subprocess.run([sys.executable, 'benchmarks/downstream_scenes.py', *argv], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=500)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    record = json.load(open(out))
    rows = record['rows']
    assert [(r['init'], r['metric']) for r in rows] == [
        ('MEC', 'mIoU'), ('random init', 'mIoU'), ('supervised', 'mIoU')]
    assert all(0 <= r['value'] <= 100 and r['wall_s'] > 0 for r in rows)
    assert record['meta']['torch'] == torch.__version__
    assert osp.isfile(record['meta']['checkpoints']['supervised'])
    table = open(out[:-5] + '.md').read()
    assert table.startswith('| task | metric | MEC (1 ep) | random init | supervised (1 ep) '
                            '| MEC (1 ep) − random init | seeds |')
    proc = subprocess.run([sys.executable, 'benchmarks/downstream_scenes.py', *argv], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=200)
    assert proc.returncode == 0 and proc.stdout.count('done before') == 3, proc.stdout
    assert json.load(open(out))['rows'] == rows
