# ImageNet for DISSL / CISSL (the author's VISSL fork). Every crop gets
# ImgPilColorDistortion(strength 1) = ColorJitter(0.8, 0.8, 0.8, 0.2) p=0.8 +
# grayscale p=0.2, Gaussian blur p=0.5 (radius 0.1-2) and a flip; 320 images
# per GPU. Loader settings and normalisation come from imagenet_mec.py.
#   train_pipeline: the 2 x 224 "m2" runs, RandomResizedCrop(224, (0.08, 1))
#   mc6_pipeline / mc8_pipeline: multi-crop (ImgPilToMultiCrop), 2 global crops
#     RandomResizedCrop(G, (0.14, 1)) + N local crops RandomResizedCrop(96,
#     (0.05, 0.14)); m6: G = 160, N = 4 (e100 / e400), m8: G = 224, N = 6 (e800).
#     imagenet_issl_multicrop.py selects mc6; a config selects mc8 with
#     train_pipeline = {{_base_.mc8_pipeline}} and its train_dataloader.
# MultiView yields the globals first; DISSL runs the backbone once per
# resolution, the teacher head on the 2 globals only and the student head on
# every crop (VISSL's MULTI_RES_SPLIT_CROPS [[0, 1], [0, null]]).
_base_ = './imagenet_mec.py'


def _view(size, crop_ratio_range):
    return [
        dict(type='RandomResizedCrop', scale=size, crop_ratio_range=crop_ratio_range,
             backend='pillow'),
        dict(type='RandomApply',
             transforms=[dict(type='ColorJitter', brightness=0.8, contrast=0.8, saturation=0.8,
                              hue=0.2)],
             prob=0.8),
        dict(type='RandomGrayscale', prob=0.2, keep_channels=True,
             channel_weights=(0.114, 0.587, 0.2989)),
        dict(type='GaussianBlur', magnitude_range=(0.1, 2.0), magnitude_std='inf', prob=0.5),
        dict(type='RandomFlip', prob=0.5),
    ]


def _pipeline(num_views, views):
    return [
        dict(type='LoadImageFromFileChecked'),  # errors name the file
        dict(type='MultiView', num_views=num_views, transforms=views),
        dict(type='PackInputs'),
    ]


issl_view = _view(224, (0.08, 1.))
train_pipeline = _pipeline(2, [issl_view])
mc6_pipeline = _pipeline([2, 4], [_view(160, (0.14, 1.)), _view(96, (0.05, 0.14))])
mc8_pipeline = _pipeline([2, 6], [_view(224, (0.14, 1.)), _view(96, (0.05, 0.14))])
train_dataloader = dict(batch_size=320, dataset=dict(pipeline=train_pipeline))
