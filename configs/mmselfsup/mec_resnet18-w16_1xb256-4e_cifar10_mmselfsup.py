# MEC in an MMSelfSup 1.x project: the CIFAR-10 quick config written with MMSelfSup's names and
# runtime. What differs and how to run it: docs/hosts.md#config-notes.
default_scope = 'mmselfsup'
custom_imports = dict(imports=['mec_plugin'], allow_failed_imports=False)

# --- model (configs/_base_/models/mec_r18w16_small.py) -------------------------
width = 16
dim = 512
mean = [125.307, 122.961, 113.8575]
std = [51.5865, 50.847, 51.255]
model = dict(
    type='MEC',
    base_momentum=0.004,
    end_momentum=0.,
    data_preprocessor=dict(type='SelfSupDataPreprocessor', mean=mean, std=std, bgr_to_rgb=True),
    backbone=dict(type='mmcls.ResNet_CIFAR', depth=18, in_channels=3, stem_channels=width,
                  base_channels=width, norm_cfg=dict(type='SyncBN'), zero_init_residual=True),
    neck=dict(type='MECProjector', in_channels=width * 8, hid_channels=dim, out_channels=dim,
              norm_cfg=dict(type='SyncBN')),
    head=dict(
        type='MECHead',
        predictor=dict(type='NonLinearNeck', in_channels=dim, hid_channels=dim // 4,
                       out_channels=dim, with_avg_pool=False, with_last_bn=False,
                       with_last_bias=True, norm_cfg=dict(type='SyncBN')),
        eps_square=128.,
        taylor_order=4,
        mode='auto'))

# --- data (configs/_base_/datasets/cifar10_mec.py, MMSelfSup's transforms) ------
data_root = 'data/cifar10/'


def _view(solarize_prob):
    return [
        dict(type='RandomResizedCrop', size=32, scale=(0.2, 1.), backend='pillow'),
        dict(type='RandomApply',
             transforms=[dict(type='ColorJitter', brightness=0.4, contrast=0.4,
                              saturation=0.2, hue=0.1)],
             prob=0.8),
        dict(type='RandomGrayscale', prob=0.2, keep_channels=True,
             channel_weights=(0.114, 0.587, 0.2989)),
        dict(type='RandomSolarize', threshold=128, prob=solarize_prob),
        dict(type='RandomFlip', prob=0.5),
    ]


train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='MultiView', num_views=[1, 1], transforms=[_view(0.0), _view(0.2)]),
    dict(type='PackSelfSupInputs', meta_keys=['img_path']),
]
train_dataloader = dict(
    batch_size=256,
    num_workers=2,
    persistent_workers=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    # 10,240 images spread over the (class-sorted) training set, as the mmpretrain config
    dataset=dict(type='SpreadSubset', num_samples=10240,
                 dataset=dict(type='mmcls.CustomDataset', data_root=data_root,
                              data_prefix='train', pipeline=train_pipeline)))

# --- schedule (configs/_base_/schedules/mec_sgd_coslr_4e_quick.py) --------------
max_epochs = 4
warmup_epochs = 1
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.5, momentum=0.9, weight_decay=1e-5))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-8, by_epoch=True, begin=0, end=warmup_epochs,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=0., by_epoch=True, begin=warmup_epochs,
         convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=max_epochs)  # no `type`: mmselfsup#745, see above
auto_scale_lr = dict(base_batch_size=256, enable=True)
# the 1/lambda warm-up; the Taylor-radius guard (every 20 iterations); the stop at a non-finite
# loss; a warning if the config's compile=True would recompile the step every iteration
custom_hooks = [
    dict(type='MECLambdaWarmupHook', warmup_epochs=warmup_epochs, start_factor=8.),
    dict(type='MECTaylorGuardHook', radius_interval=20),
    dict(type='MECStopOnNonFiniteLossHook'),
    dict(type='MECCompileCheckHook'),
]

# --- runtime (MMSelfSup 1.0.0's selfsup/_base_/default_runtime.py) -------------
default_hooks = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=10),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=4, max_keep_ckpts=1),
    sampler_seed=dict(type='DistSamplerSeedHook'),
)
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)
log_processor = dict(window_size=10)
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='SelfSupVisualizer', vis_backends=vis_backends, name='visualizer')
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=None, deterministic=False)
