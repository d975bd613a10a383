"""Online k-NN monitor: k-NN accuracy of the representation every N epochs."""
from typing import Dict, List, Optional, Sequence

import torch
from mmengine.dist import broadcast_object_list, get_dist_info, is_main_process
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from torch import Tensor

from mec_plugin.registry import HOOKS, MODELS

# Every rank reads a disjoint, ordered shard: rank r gets samples r, r + W,
# r + 2W ... (DefaultSampler without shuffling or padding), so the gathered
# features are put back in dataset order and no sample counts twice.
SHARD_SAMPLER = dict(type='DefaultSampler', shuffle=False, round_up=False)


def gather_shards(x: Tensor) -> Tensor:
    """The rows of every rank's :data:`SHARD_SAMPLER` shard, in dataset order.

    Collective: every rank calls it and gets the whole set. Shards may differ
    in length by one (padded for the transfer, trimmed after).
    """
    from mmengine.dist import all_gather
    rank, world = get_dist_info()
    if world == 1:
        return x
    sizes = [int(s) for s in all_gather(torch.tensor([x.shape[0]]))]
    padded = torch.cat([x, x.new_zeros((max(sizes) - x.shape[0], *x.shape[1:]))])
    parts = [part[:size] for part, size in zip(all_gather(padded), sizes)]
    order = torch.cat([torch.arange(r, sum(sizes), world) for r in range(world)])
    out = x.new_empty((sum(sizes), *x.shape[1:]))
    out[order] = torch.cat(parts)
    return out


@HOOKS.register_module()
class KNNMonitorHook(Hook):
    """Report the k-NN accuracy of the representation during pre-training.

    Every ``interval`` epochs (and after the last one) the pooled features of
    a labelled training split (the bank) and a test split are extracted in
    eval mode, and :class:`~mec_plugin.evaluation.KNNAccuracy` (weighted
    cosine k-NN by default) is logged as ``knn/top1_k{k}`` (the logger, the
    visualizer backends, and ``self.history``). The model goes back to train
    mode afterwards.

    Distributed: every rank extracts its own shard of both splits and the
    features are gathered; the main process computes the accuracy and sends
    it to the others, so every rank takes part in every collective (a
    main-process-only evaluation deadlocks: the dataset, the sampler and the
    metric synchronise the ranks).

    Args:
        interval (int): epochs between evaluations. Defaults to 1.
        ks (Sequence[int]): Defaults to (20, 200).
        temperature (float): Defaults to 0.07.
        train_dataloader (dict, optional): the bank's loader config.
            Defaults to the Runner config's ``knn_train_dataloader``. Its
            sampler is replaced by :data:`SHARD_SAMPLER`.
        test_dataloader (dict, optional): Defaults to ``knn_test_dataloader``.
        data_preprocessor (dict, optional): Defaults to ``knn_data_preprocessor``.
        weights (str): 'student' (``model.backbone``) or 'teacher' (the
            EMA copy's backbone, ``model.teacher.module[0]`` or MoCo's
            ``model.encoder_k.module[0]``).
        representation (str, optional): 'backbone' or 'backbone+neck' (the
            model's neck on top, as the offline tools read it). Defaults to
            the config's ``eval_representation``, else 'backbone'.
    """
    priority = 'LOW'

    def __init__(self,
                 interval: int = 1,
                 ks: Sequence[int] = (20, 200),
                 temperature: float = 0.07,
                 train_dataloader: Optional[dict] = None,
                 test_dataloader: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 weights: str = 'student',
                 representation: Optional[str] = None) -> None:
        from mec_plugin.evaluation.features import REPRESENTATIONS
        if weights not in ('student', 'teacher'):
            raise ValueError(f"weights must be 'student' or 'teacher', got '{weights}'")
        if representation is not None and representation not in REPRESENTATIONS:
            raise ValueError(f'representation must be one of {REPRESENTATIONS}, '
                             f"got '{representation}'")
        self.interval = interval
        self.ks = tuple(ks)
        self.temperature = temperature
        self.loader_cfgs = dict(train=train_dataloader, test=test_dataloader)
        self.preprocessor_cfg = data_preprocessor
        self.weights = weights
        self.representation = representation
        self._loaders: Dict = {}
        self._preprocessor = None
        self.history: List[Dict] = []

    def _setup(self, runner) -> None:
        # on every rank: building a dataset / sampler may synchronise the ranks
        from mmengine.runner import Runner
        for split in ('train', 'test'):
            cfg = self.loader_cfgs[split] or runner.cfg.get(f'knn_{split}_dataloader')
            if cfg is None:
                raise KeyError(f'KNNMonitorHook needs `knn_{split}_dataloader` in the config '
                               f'or its {split}_dataloader argument')
            cfg = dict(cfg, sampler=SHARD_SAMPLER)
            self._loaders[split] = Runner.build_dataloader(cfg)
        pre = self.preprocessor_cfg or runner.cfg.get('knn_data_preprocessor')
        if pre is None:
            raise KeyError('KNNMonitorHook needs `knn_data_preprocessor` or data_preprocessor')
        self._preprocessor = MODELS.build(pre)

    def _encoder(self, runner) -> torch.nn.Module:
        """The live modules whose pooled last output is the representation."""
        from mec_plugin.evaluation.features import BackboneWithNeck, config_representation
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        representation = config_representation(runner.cfg, self.representation)
        if self.weights == 'teacher':
            ema = getattr(model, 'teacher', None) or getattr(model, 'encoder_k')
            backbone, neck = ema.module[0], (ema.module[1] if len(ema.module) > 1 else None)
        else:
            backbone, neck = model.backbone, getattr(model, 'neck', None)
        if representation == 'backbone':
            return backbone
        if neck is None:
            raise KeyError(f"KNNMonitorHook: representation 'backbone+neck', but the model's "
                           f'{self.weights} has no neck')
        return BackboneWithNeck(backbone, neck)

    def after_train_epoch(self, runner) -> None:
        if not (self.every_n_epochs(runner, self.interval) or self.is_last_train_epoch(runner)):
            return
        from mec_plugin.evaluation import KNNAccuracy, extract_features
        if not self._loaders:
            self._setup(runner)
        encoder = self._encoder(runner)
        was_training = runner.model.training
        device = next(encoder.parameters()).device
        try:
            splits = {split: extract_features(encoder, self._loaders[split], self._preprocessor,
                                              device, progress=False)
                      for split in ('train', 'test')}
        finally:
            runner.model.train(was_training)
        (bank, bank_labels), (feats, labels) = [
            (gather_shards(x), gather_shards(y)) for x, y in splits.values()]
        result = [None]
        if is_main_process():
            metric = KNNAccuracy(ks=self.ks, temperature=self.temperature)
            metric.set_bank(bank, bank_labels)
            # compute_metrics, not evaluate(): the results are whole already,
            # and evaluate() would collect them across ranks again
            metric.process(None, [dict(feat=f, gt_label=y) for f, y in zip(feats, labels)])
            result = [{f'knn/{k}': v for k, v in metric.compute_metrics(metric.results).items()}]
        broadcast_object_list(result)
        result = result[0]
        self.history.append(dict(epoch=runner.epoch + 1, feature_dim=feats.shape[1], **result))
        runner.visualizer.add_scalars(result, step=runner.epoch + 1)
        runner.logger.info(f'Epoch {runner.epoch + 1} k-NN ({self.weights}): ' +
                           ', '.join(f'{k} {v:.2f}' for k, v in result.items()))
