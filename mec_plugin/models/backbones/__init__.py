from .cmc_alexnet import CMCAlexNet
from .cmc_split_backbone import CMCSplitBackbone

__all__ = ['CMCAlexNet', 'CMCSplitBackbone']
