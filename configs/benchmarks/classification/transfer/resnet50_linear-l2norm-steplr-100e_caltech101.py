# As the CIFAR-10 linear transfer, on Caltech-101: pre-split ImageFolder trees
# data/caltech101/{train,test}/<class>/*; test Resize(256) + CenterCrop(224).
_base_ = ['./resnet50_linear-l2norm-steplr-100e_cifar10.py']
data_root = 'data/caltech101/'
model = dict(head=dict(num_classes=101))
data_preprocessor = dict(num_classes=101)
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root, pipeline=[
    dict(type='LoadImageFromFileChecked'),
    dict(type='ResizeEdge', scale=256, edge='short', interpolation='bicubic', backend='pillow'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs'),
]))
test_dataloader = val_dataloader
