# CIFAR-10 (an ImageFolder tree, as in cifar10_mec.py) decoded once into memory as RGB;
# MEC's two views (the same transforms) are made per batch on the model's device by
# BatchAugmentPreprocessor, with no data-loader workers.
_base_ = './cifar10_mec.py'
data_preprocessor = dict(_delete_=True, type='BatchAugmentPreprocessor',
                         views={{_base_.mec_views}}, mean={{_base_.mean}}, std={{_base_.std}},
                         channels_last=True)
_loader = dict(num_workers=0, persistent_workers=False)
train_dataloader = dict(
    **_loader,
    dataset=dict(_delete_=True, type='InMemoryImages',
                 dataset=dict(type='CustomDataset', data_root={{_base_.data_root}},
                              data_prefix='train', pipeline=[])))
knn_data_preprocessor = dict(to_rgb=False)  # stored RGB already
# the k-NN memory: 20,000 training images spread over the class-sorted tree
knn_train_dataloader = dict(
    **_loader, dataset=dict(_delete_=True, type='InMemoryImages', dataset=dict(
        type='SpreadSubset', num_samples=20000, dataset={{_base_.knn_train_dataloader.dataset}})))
knn_test_dataloader = dict(
    **_loader, dataset=dict(_delete_=True, type='InMemoryImages',
                            dataset={{_base_.knn_test_dataloader.dataset}}))
