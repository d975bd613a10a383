# CIFAR-10 in memory (cifar10_mec_in_memory.py) with the MoCo v2 views at 32 px for both
# views: RandomResizedCrop(32, (0.2, 1)), ColorJitter(0.4, 0.4, 0.4, 0.1) p 0.8,
# grayscale p 0.2, flip; made per batch by BatchAugmentPreprocessor.
_base_ = './cifar10_mec_in_memory.py'
_view = [
    dict(type='RandomResizedCrop', scale=32, crop_ratio_range=(0.2, 1.), backend='pillow'),
    dict(type='RandomApply',
         transforms=[dict(type='ColorJitter', brightness=0.4, contrast=0.4,
                          saturation=0.4, hue=0.1)],
         prob=0.8),
    dict(type='RandomGrayscale', prob=0.2, keep_channels=True,
         channel_weights=(0.114, 0.587, 0.2989)),
    dict(type='RandomFlip', prob=0.5),
]
data_preprocessor = dict(views=[_view, _view])
