# A diagnostic, not a recipe: BYOL's config without its EMA target network, i.e. mmpretrain's
# SimSiam (the target branch is the online network under stop-gradient) with BYOL's heads,
# views and LARS. Set beside BYOL and SimSiam, it says what the slowly moving target is worth
# at a short budget (docs/results.md).
_base_ = '../../../configs/baselines/byol_resnet18-w16_1xb256-4e_cifar10.py'
model = dict(_delete_=True, type='SimSiam', backbone={{_base_.model.backbone}},
             neck={{_base_.model.neck}}, head={{_base_.model.head}})
