"""Every evaluation tool on tiny generated images, with asserted numbers.

The tools run in-process (``runpy``) so that mmpretrain is imported once.
"""
import json
import os
import runpy
import sys

import pytest
import torch

import mec_plugin  # noqa: F401
from mec_plugin.evaluation import build_backbone, load_features
from mmpretrain.utils import register_all_modules
from _eval_data import TINY_BACKBONE, make_image_folder, write_tiny_config

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
TOOLS = os.path.join(ROOT, 'tools', 'analysis')
register_all_modules(init_default_scope=True)


def run_tool(name, *args):
    argv, path = sys.argv, list(sys.path)
    sys.argv = [name] + [str(a) for a in args]
    sys.path.insert(0, TOOLS)  # representation_stats imports retrieval_eval
    try:
        runpy.run_path(os.path.join(TOOLS, name), run_name='__main__')
    finally:
        sys.argv, sys.path[:] = argv, path


@pytest.fixture(scope='module')
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp('eval_tools')
    data = make_image_folder(str(root / 'data'), classes=4, per_class=6, size=16)
    cfg = write_tiny_config(str(root / 'tiny_cfg.py'), data)
    torch.manual_seed(3)
    net = build_backbone(TINY_BACKBONE)
    ckpt = str(root / 'tv.pth')  # a torchvision-style bare ResNet checkpoint with its fc
    torch.save({**net.state_dict(), 'fc.weight': torch.zeros(4, 64), 'fc.bias': torch.zeros(4)},
               ckpt)
    static = str(root / 'static')
    run_tool('make_static_augmented_set.py', os.path.join(data, 'test'), static,
             '--images-per-class', 3, '--size', 16, '--blur-prob', 0.5, '--seed', 1)
    return dict(root=root, data=data, cfg=cfg, ckpt=ckpt, static=static, net=net)


@pytest.mark.slow  # the tool end to end
def test_extract_features_and_knn_on_the_saved_features(workspace, capsys):
    out = str(workspace['root'] / 'feats.pth')
    run_tool('extract_features.py', workspace['cfg'], workspace['ckpt'], '--out', out,
             '--test-stride', 2)
    feats = load_features(out)
    (train_x, train_y), (test_x, test_y) = feats['train'], feats['test']
    assert train_x.shape == (24, 64) and test_x.shape == (12, 64)
    assert train_y.tolist() == [c for c in range(4) for _ in range(6)]
    assert test_y.tolist() == [c for c in range(4) for _ in range(3)]  # stride 2 keeps all classes
    # the torchvision checkpoint was loaded: the rows are those of the saved network
    from mmpretrain.registry import MODELS
    pre = MODELS.build(dict(type='ClsDataPreprocessor', mean=[127.5] * 3, std=[64.] * 3,
                            to_rgb=True))
    net = workspace['net']
    net.eval()  # mmpretrain's ResNet.train() returns None: do not chain
    import mmcv
    img = mmcv.imread(os.path.join(workspace['data'], 'train', 'class0', '000.png'))
    x = pre(dict(inputs=[torch.from_numpy(img.transpose(2, 0, 1).copy())]), False)['inputs']
    assert torch.allclose(net(x)[-1].mean((2, 3))[0], train_x[0], atol=1e-4)

    res_json = str(workspace['root'] / 'knn.json')
    run_tool('knn_eval.py', '-', '--load-features', out, '--k', 1, 3, '--best-k', 5,
             '--out', res_json)
    res = json.load(open(res_json))
    # colour classes: even a random network separates them
    assert res['weighted_knn']['k=1,T=0.07'] == 100.0
    assert res['best_k']['raw']['best_acc'] == 100.0 and res['best_k']['raw']['best_k'] == 1

    # the original CLI (CONFIG CHECKPOINT) still works and can save what it extracted
    saved = str(workspace['root'] / 'knn_feats.pth')
    run_tool('knn_eval.py', workspace['cfg'], workspace['ckpt'], '--k', 1, '--save-features', saved,
             '--out', res_json)
    assert json.load(open(res_json))['num_train'] == 24
    assert torch.allclose(load_features(saved)['train'][0], train_x, atol=1e-5)
    assert load_features(saved)['meta']['classes'] == ['class0', 'class1', 'class2', 'class3']


@pytest.mark.slow  # the tool end to end
def test_linear_probe_on_features_tool(workspace, capsys):
    out = str(workspace['root'] / 'feats_lin.pth')
    run_tool('extract_features.py', workspace['cfg'], '--out', out)
    res_json = str(workspace['root'] / 'lin.json')
    capsys.readouterr()
    run_tool('linear_probe_features.py', out, '--protocol', 'moco', '--epochs', 30,
             '--batch-size', 24, '--lr', 1.0, '--device', 'cpu', '--out', res_json)
    res = json.load(open(res_json))
    assert res['train_top1'] == 100.0 and res['top1'] == 100.0
    assert res['checkpoint'] == 'random-init' and res['device'] == 'cpu'
    printed = capsys.readouterr()
    assert json.loads(printed.out) == res  # stdout holds only the result
    # the progress bar counts epochs (30), not samples (24)
    assert '30/30' in printed.err and '/24' not in printed.err
    run_tool('linear_probe_features.py', out, '--protocol', 'moco', '--epochs', 2,
             '--batch-size', 24, '--device', 'cpu', '--no-progress', '--out', res_json)
    assert '2/2' not in capsys.readouterr().err


def test_linear_probe_tool_refuses_cuda_without_a_gpu(workspace, capsys, monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    with pytest.raises(SystemExit) as exit_:
        run_tool('linear_probe_features.py', str(workspace['root'] / 'unread.pth'),
                 '--device', 'cuda')
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert '--device' in err and 'CUDA is not available' in err and '--device cpu' in err
    with pytest.raises(SystemExit):
        run_tool('linear_probe_features.py', 'unread.pth', '--device', 'tpu')
    assert 'expected auto, cpu, cuda or cuda:N' in capsys.readouterr().err


def test_retrieval_and_stats_tools(workspace):
    feats = str(workspace['root'] / 'static.pth')
    ret_json = str(workspace['root'] / 'ret.json')
    run_tool('retrieval_eval.py', workspace['cfg'], workspace['ckpt'], '--data',
             workspace['static'],
             '--orig-resize', 16, '--crop', 16, '--topk', 3, '--save-features', feats,
             '--out', ret_json)
    ret = json.load(open(ret_json))
    assert ret['num_images'] == 12 and ret['num_chunks'] == 4
    for mode in ('d-sd', 'sd-sd'):
        accs = [ret[mode][f'top{k}'] for k in (1, 2, 3)]
        # 3 images (3 negatives, self included) per chunk: top-3 ranks every candidate
        assert accs[2] == 100.0 and 0 <= accs[0] <= accs[1] <= accs[2]

    # views replaced by the originals: retrieval 100 %, D-SD alignment 0
    data = torch.load(feats, weights_only=True)
    data['view1'] = data['orig'].clone()
    same = str(workspace['root'] / 'static_same.pth')
    torch.save(data, same)
    run_tool('retrieval_eval.py', '-', '--load-features', same, '--modes', 'd-sd', '--topk', 1,
             '--out', ret_json)
    assert json.load(open(ret_json))['d-sd'] == {'top1': 100.0}
    stats_json = str(workspace['root'] / 'stats.json')
    run_tool('representation_stats.py', '-', '--load-features', same, '--out', stats_json)
    stats = json.load(open(stats_json))
    assert stats['align_d_sd'] == pytest.approx(0.0, abs=1e-6)
    assert stats['class_align_d'] == pytest.approx(stats['class_align_sd'], abs=1e-6)
    assert 0 < stats['align_sd_sd'] <= 4 and stats['uniformity_d'] <= 0
    assert 1 <= stats['effective_rank_d'] <= 12


@pytest.mark.slow  # the tool end to end
def test_tsne_tool_writes_a_png(workspace):
    out = str(workspace['root'] / 'feats_tsne.pth')
    run_tool('extract_features.py', workspace['cfg'], '--out', out, '--splits', 'test')
    png = str(workspace['root'] / 'tsne.png')
    run_tool('tsne.py', out, '--split', 'test', '--out', png, '--iters', 200, '--perplexity', 3)
    with open(png, 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'
    emb = torch.load(png.replace('.png', '.pth'), weights_only=True)
    assert emb['embedding'].shape == (24, 2) and emb['labels'].shape == (24, )
    # the legend's names: the image folder's classes, saved by extract_features.py
    assert emb['classes'] == ['class0', 'class1', 'class2', 'class3']
    assert emb['implementation'] == 'scikit-learn TSNE'
    png2 = str(workspace['root'] / 'tsne_named.png')
    run_tool('tsne.py', out, '--split', 'test', '--out', png2, '--iters', 250, '--perplexity', 3,
             '--classes', 'red,green,blue,grey')
    assert torch.load(png2.replace('.png', '.pth'), weights_only=True)['classes'] == [
        'red', 'green', 'blue', 'grey']
    with pytest.raises(SystemExit, match='2 class names for labels up to 3'):
        run_tool('tsne.py', out, '--out', png2, '--classes', 'a,b')
