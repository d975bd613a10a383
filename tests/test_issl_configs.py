"""The DISSL / CISSL configs: official values, and each one builds and takes
one optimiser step on tiny inputs."""
import glob
import os

import pytest
import torch
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from mmengine.optim import build_optim_wrapper

import mec_plugin  # noqa: F401
from mec_plugin.registry import MODELS

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
# the multi-crop config steps through its own pipeline below (the same model as d8192)
CONFIGS = sorted(p for p in glob.glob(os.path.join(ROOT, 'configs', 'dissl', '*.py')) +
                 glob.glob(os.path.join(ROOT, 'configs', 'cissl', '*.py')) if '-mc' not in p)


def load(name):
    return Config.fromfile(os.path.join(ROOT, 'configs', name))


def test_imagenet_dissl_is_the_vissl_recipe():
    cfg = load('dissl/dissl_r50_8xb320-100e_in1k.py')
    head = cfg.model.head
    assert cfg.model.type == 'DISSL' and cfg.model.backbone.depth == 50
    assert (head.lambda_, head.beta, head.tau_teacher, head.tau_student) == (2.3, 0.6, 0.5, 1.0)
    assert head.teacher.out_channels == head.student.out_channels == 16384
    assert head.student.bottleneck_channels == 512 and not head.student.get('hid_channels')
    # VISSL's teacher: residual MLP, then 2048 -> 512 with BN *and* ReLU (use_relu on that
    # MLP); the student's 512 has none. VISSL's heads keep PyTorch's default init.
    assert head.teacher.res_channels == [2048] and head.teacher.bottleneck_relu
    assert not head.student.get('bottleneck_relu')
    assert head.teacher.init_cfg is None and head.student.init_cfg is None
    opt = cfg.optim_wrapper.optimizer
    assert (opt.type, opt.lr, opt.momentum, opt.weight_decay) == ('LARC', 0.3, 0.9, 1e-6)
    assert (opt.trust_coefficient, opt.clip, opt.eps) == (0.001, False, 1e-8)  # VISSL larc_config
    assert 'paramwise_cfg' not in cfg.optim_wrapper  # weight decay on BN and biases too
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    assert cfg.auto_scale_lr == dict(base_batch_size=256, enable=True)
    assert cfg.train_dataloader.batch_size == 320 and cfg.train_cfg.max_epochs == 100
    warm, cos = cfg.param_scheduler
    # warm-up from lr 0.001 at the scaled lr 0.3 * 2560 / 256 = 3.0, over 10 % of training
    assert warm.start_factor * 3.0 == pytest.approx(0.001) and warm.end == 10 == cos.begin
    assert cos.type == 'WholeRunCosineAnnealingLR'  # VISSL's 'fixed' cosine (test_schedules.py)
    assert cfg.model.backbone.norm_cfg.type == 'SyncBN'
    assert not cfg.get('custom_hooks')  # VISSL's e100 config warms no beta up


# The DISSL README's ImageNet table, one VISSL run per config: epochs, the
# representation size d, the crops (global size, number of locals; locals are
# 96 px), whether beta warms up (only the e800 config sets warmup_beta_CE_iter).
README_RUNS = [
    ('dissl_r50_8xb320-100e_in1k.py', 100, 2048, 224, 0, False),
    ('dissl_r50-dim8192_8xb320-100e_in1k.py', 100, 8192, 224, 0, False),
    ('dissl_r50-dim8192_8xb320-100e-mc6_in1k.py', 100, 8192, 160, 4, False),
    ('dissl_r50_8xb320-400e_in1k.py', 400, 2048, 224, 0, False),
    ('dissl_r50_8xb320-400e-mc6_in1k.py', 400, 2048, 160, 4, False),
    ('dissl_r50-dim8192_8xb320-400e-mc6_in1k.py', 400, 8192, 160, 4, False),
    ('dissl_r50-dim8192_8xb320-800e-mc8_in1k.py', 800, 8192, 224, 6, True),
]


@pytest.mark.parametrize('name,epochs,dim,global_size,locals_,beta_warmup', README_RUNS)
def test_imagenet_configs_are_the_readme_runs(name, epochs, dim, global_size, locals_,
                                              beta_warmup):
    cfg = load('dissl/' + name)
    assert cfg.train_cfg.max_epochs == epochs and cfg.train_dataloader.batch_size == 320
    warm, cos = cfg.param_scheduler
    # VISSL warms up over 10 % / 2.5 % / 1.25 % of 100 / 400 / 800 epochs: always 10 epochs,
    # from lr 0.001 at the scaled lr 3.0
    # the cosine has no end / T_max: it ends at max_epochs (tests/test_schedules.py)
    assert (warm.begin, warm.end, cos.begin) == (0, 10, 10) and 'end' not in cos
    assert 'T_max' not in cos and cos.eta_min == 0. and cos.type == 'WholeRunCosineAnnealingLR'
    assert warm.start_factor * 3.0 == pytest.approx(0.001)
    assert cfg.model.head.teacher.in_channels == cfg.model.head.student.in_channels == dim
    if dim == 8192:
        assert cfg.model.neck.type == 'DimExpanderNeck' and cfg.model.neck.out_channels == 8192
        assert cfg.eval_representation == 'backbone+neck'
    else:
        assert cfg.model.neck.type == 'GlobalAveragePooling' and 'eval_representation' not in cfg
    views = cfg.train_dataloader.dataset.pipeline[1]
    assert views.type == 'MultiView'
    crops = [(v[0].scale, v[0].crop_ratio_range) for v in views.transforms]
    if locals_:
        assert views.num_views == [2, locals_]
        assert crops == [(global_size, (0.14, 1.)), (96, (0.05, 0.14))]
        assert views.transforms[0][1:] == views.transforms[1][1:]  # same colour / blur / flip
    else:
        assert views.num_views == 2 and crops == [(224, (0.08, 1.))]
    hooks = [h for h in cfg.get('custom_hooks', []) if h.type == 'DISSLBetaWarmupHook']
    assert [(h.warmup_iters, h.start_beta) for h in hooks] == ([(1000, 2.3)] if beta_warmup
                                                                else [])


def test_dimensionality_variant_widens_to_8192():
    cfg = load('dissl/dissl_r50-dim8192_8xb320-100e_in1k.py')
    assert cfg.model.neck.type == 'DimExpanderNeck' and cfg.model.neck.out_channels == 8192
    assert cfg.model.head.teacher.in_channels == cfg.model.head.student.in_channels == 8192
    assert cfg.model.head.teacher.res_channels == [2048, 2048]
    assert cfg.model.head.teacher.init_cfg is None and cfg.model.head.student.init_cfg is None
    # the evaluation tools read the expanded representation, not the 2048-d trunk
    assert cfg.eval_representation == 'backbone+neck'


def test_cissl_configs():
    im = load('cissl/cissl_r50_8xb320-100e_in1k.py')
    assert im.model.head.temperature == 0.1 and im.model.head.student.out_channels == 128
    assert im.model.head.teacher.last_bn and im.model.head.student.last_bn
    for part in (im.model.head.student, im.model.head.teacher):  # VISSL's is_JL_init layers
        assert part.init_cfg is None and part.jl_init_out
    # VISSL freezes NON_TRAINABLE_PARAMS by exact name: 'heads.0.1.clf.1.bias' is the
    # teacher's last BN bias; 'heads.1.0.norm.bias' names no parameter (the student's
    # BN is heads.1.0.clf.1), so the student's BN bias trains
    head = revert_sync_batchnorm(MODELS.build(im.model.head.to_dict()))
    teacher_bn, student_bn = head.teacher.mlp[-1], head.student.mlp[-1]
    for bn in (teacher_bn, student_bn):  # the output BN of each head (reverted SyncBN)
        assert isinstance(bn, torch.nn.modules.batchnorm._BatchNorm) and bn.num_features == 128
    assert not teacher_bn.bias.requires_grad and teacher_bn.weight.requires_grad
    assert student_bn.bias.requires_grad and student_bn.weight.requires_grad
    frozen = [n for n, p in head.named_parameters() if not p.requires_grad]
    assert frozen == ['teacher.mlp.%d.bias' % (len(head.teacher.mlp) - 1)]
    cifar = load('cissl/cissl_resnet18_1xb512-200e_cifar10.py')
    assert cifar.model.head.temperature == 0.07


# batch: base_tin.sh sets 512; table1_distillation.sh (DISSL) overrides it with 256,
# table1_contrastive.sh (CISSL) keeps it
@pytest.mark.parametrize('name,batch', [('dissl/dissl_resnet18_1xb256-200e_cifar10.py', 256),
                                        ('cissl/cissl_resnet18_1xb512-200e_cifar10.py', 512)])
def test_cifar_recipe_is_issl_tinyimagenet(name, batch):
    cfg = load(name)
    opt = cfg.optim_wrapper
    assert (opt.optimizer.type, opt.optimizer.lr, opt.optimizer.weight_decay) == ('Adam', 2e-3, 1e-6)
    assert opt.clip_grad == dict(type='value', clip_value=2.)
    # config/main.yaml trainer.precision: 16 (Lightning's native AMP, dynamic loss scale)
    assert opt.type == 'AmpOptimWrapper' and opt.loss_scale == 'dynamic'
    assert opt.get('dtype') in (None, 'float16')
    assert cfg.model.backbone.type == 'ResNet_CIFAR' and cfg.train_dataloader.batch_size == batch
    views = cfg.train_dataloader.dataset.pipeline[1]
    assert views.type == 'MultiView' and views.num_views == 2
    crop, flip, jitter, gray = views.transforms[0]
    assert crop.crop_ratio_range == (0.2, 1.) and crop.interpolation == 'bicubic'
    assert crop.scale == 32 and flip.prob == 0.5
    j = jitter.transforms[0]
    # ISSL simclr.py, "cifar10" branch: ColorJitter(0.2, 0.2, 0.2, 0.05)
    assert (j.brightness, j.contrast, j.saturation, j.hue, jitter.prob) == (
        0.2, 0.2, 0.2, 0.05, 0.8)
    assert gray.prob == 0.1


@pytest.mark.parametrize('name', ['dissl/dissl_resnet18-w16_1xb128-2e_cifar10.py',
                                  'cissl/cissl_resnet18-w16_1xb128-2e_cifar10.py'])
def test_quick_cifar_configs_share_the_views_and_train_in_fp32_on_a_cpu(name):
    cfg = load(name)
    assert cfg.optim_wrapper.type == 'OptimWrapper'
    j = cfg.train_dataloader.dataset.dataset.pipeline[1].transforms[0][2].transforms[0]
    assert (j.brightness, j.hue) == (0.2, 0.05)


def _small_clusters(model_cfg, clusters=256):
    """The same heads with C = 256 clusters: a step with C = 16384 and
    2048-wide heads takes most of a minute on a shared 2-core CPU."""
    head = model_cfg['head']
    if head['type'] == 'DISSLHead':
        for part in ('teacher', 'student'):
            head[part]['out_channels'] = min(head[part]['out_channels'], clusters)
    return model_cfg


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: os.path.relpath(p, ROOT))
@pytest.mark.slow  # every config's model, ResNet-50s included (5-21 s each)
def test_config_builds_and_takes_one_step(path):
    cfg = Config.fromfile(path)
    model = revert_sync_batchnorm(MODELS.build(_small_clusters(cfg.model.to_dict())))
    if 'w16' in path:  # the configs that train here: with their real initialisation
        model.init_weights()
    wrapper_cfg = cfg.optim_wrapper.to_dict()
    if wrapper_cfg['type'] == 'AmpOptimWrapper':  # AMP needs a GPU; the optimiser is checked
        wrapper_cfg.update(type='OptimWrapper')
        wrapper_cfg.pop('loss_scale')
    wrapper = build_optim_wrapper(model, wrapper_cfg)
    size, channels = 32, cfg.model.backbone.get('in_channels', 3)  # Fashion-MNIST: 1
    views = [torch.rand(2, channels, size, size) for _ in range(2)]
    before = [p.detach().clone() for p in model.backbone.parameters()]
    out = model.loss(views, None)
    assert torch.isfinite(out['loss']) and out['loss'].ndim == 0
    wrapper.update_params(out['loss'])
    assert any(not torch.equal(a, b) for a, b in zip(before, model.backbone.parameters()))


@pytest.mark.parametrize('name,locals_', [('dissl_r50-dim8192_8xb320-100e-mc6_in1k.py', 4),
                                           ('dissl_r50-dim8192_8xb320-800e-mc8_in1k.py', 6)])
@pytest.mark.slow  # every config's model, ResNet-50s included (5-21 s each)
def test_multicrop_config_takes_one_step_through_its_pipeline(name, locals_):
    """The m6 / m8 pipeline (crops shrunk to 32 / 16 px), collate, the data
    preprocessor's list of two sizes, and one optimiser step."""
    import numpy as np
    from mmengine.dataset import default_collate
    from mmpretrain.registry import TRANSFORMS
    cfg = load('dissl/' + name)
    views = cfg.train_dataloader.dataset.pipeline[1]
    views.transforms[0][0].scale, views.transforms[1][0].scale = 32, 16
    pipeline = [TRANSFORMS.build(t) for t in cfg.train_dataloader.dataset.pipeline[1:]]
    rng = np.random.default_rng(0)
    samples = []
    for _ in range(2):
        data = dict(img=rng.integers(0, 256, (40, 48, 3), dtype=np.uint8), img_shape=(40, 48),
                    ori_shape=(40, 48))
        for t in pipeline:
            data = t(data)
        samples.append(data)
    model = revert_sync_batchnorm(MODELS.build(_small_clusters(cfg.model.to_dict())))
    batch = model.data_preprocessor(default_collate(samples), training=True)
    inputs = batch['inputs']
    assert [tuple(x.shape) for x in inputs] == [(2, 3, 32, 32)] * 2 + [(2, 3, 16, 16)] * locals_
    wrapper_cfg = cfg.optim_wrapper.to_dict()
    wrapper_cfg.update(type='OptimWrapper')
    wrapper_cfg.pop('loss_scale')
    wrapper = build_optim_wrapper(model, wrapper_cfg)
    teacher_rows = []
    model.head.teacher.register_forward_hook(lambda m, i, o: teacher_rows.append(i[0].shape[0]))
    before = [p.detach().clone() for p in model.backbone.parameters()]
    out = model.loss(inputs, batch['data_samples'])
    assert teacher_rows == [4] and torch.isfinite(out['loss'])
    wrapper.update_params(out['loss'])
    assert any(not torch.equal(a, b) for a, b in zip(before, model.backbone.parameters()))
