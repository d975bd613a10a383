"""k-NN accuracy as an MMEngine metric."""
from typing import Dict, List, Optional, Sequence

import torch
from mmengine.evaluator import BaseMetric
from torch import Tensor

from mec_plugin.registry import METRICS
from .features import load_features
from .knn import knn_accuracy_per_k


@METRICS.register_module()
class KNNAccuracy(BaseMetric):
    """Top-1 k-NN accuracy (%) of evaluated features against a labelled bank.

    Each processed data sample (a dict, as MMEngine's ``Evaluator`` passes
    them) must carry its feature under ``feature_key`` and its ``gt_label``;
    the bank of training features comes from :meth:`set_bank` (the
    :class:`KNNMonitorHook` does this every N epochs) or from ``bank_file``,
    the output of ``tools/analysis/extract_features.py`` (its ``train``
    split). The defaults are the weighted k-NN of InstDisc / DINO.

    Args:
        ks (Sequence[int]): neighbours; one accuracy per k. Defaults to (20, 200).
        temperature (float): T of the ``exp(s / T)`` weights. Defaults to 0.07.
        metric (str): 'cosine' or 'euclidean'. Defaults to 'cosine'.
        weighting (str): 'exp' or 'majority'. Defaults to 'exp'.
        feature_key (str): field of the data sample with the feature. Defaults to 'feat'.
        bank_file (str, optional): saved features whose ``train`` split is the bank.
        prefix (str): Defaults to 'knn'.
    """
    default_prefix = 'knn'

    def __init__(self,
                 ks: Sequence[int] = (20, 200),
                 temperature: float = 0.07,
                 metric: str = 'cosine',
                 weighting: str = 'exp',
                 feature_key: str = 'feat',
                 bank_file: Optional[str] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.ks = tuple(ks)
        self.temperature = temperature
        self.metric = metric
        self.weighting = weighting
        self.feature_key = feature_key
        self.bank_feats: Optional[Tensor] = None
        self.bank_labels: Optional[Tensor] = None
        if bank_file is not None:
            self.set_bank(*load_features(bank_file)['train'])

    def set_bank(self, feats: Tensor, labels: Tensor) -> None:
        """The labelled training features the evaluated ones are compared with."""
        self.bank_feats, self.bank_labels = feats.float().cpu(), labels.long().cpu()

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            feat = sample[self.feature_key]
            label = sample['gt_label']
            self.results.append((torch.as_tensor(feat).detach().float().cpu().flatten(),
                                 int(torch.as_tensor(label).flatten()[0])))

    def compute_metrics(self, results: List) -> Dict[str, float]:
        if self.bank_feats is None:
            raise RuntimeError('KNNAccuracy has no bank: call set_bank() or pass bank_file')
        feats = torch.stack([f for f, _ in results])
        labels = torch.tensor([y for _, y in results])
        ks = [k for k in self.ks if k <= len(self.bank_labels)]
        acc = knn_accuracy_per_k(self.bank_feats, self.bank_labels, feats, labels, ks,
                                 self.metric, self.weighting, self.temperature)
        return {f'top1_k{k}': a for k, a in acc.items()}
