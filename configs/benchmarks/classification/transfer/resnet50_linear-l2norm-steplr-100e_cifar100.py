# As the CIFAR-10 linear transfer, on CIFAR-100 (ImageFolder data/cifar100/{train,test}).
_base_ = ['./resnet50_linear-l2norm-steplr-100e_cifar10.py']
data_root = 'data/cifar100/'
model = dict(head=dict(num_classes=100))
data_preprocessor = dict(num_classes=100)
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
