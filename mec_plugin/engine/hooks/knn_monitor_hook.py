"""Online k-NN monitor: k-NN accuracy of the backbone every N epochs."""
from typing import Dict, List, Optional, Sequence

import torch
from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mec_plugin.registry import HOOKS, MODELS


@HOOKS.register_module()
class KNNMonitorHook(Hook):
    """Report the k-NN accuracy of the backbone during pre-training.

    Every ``interval`` epochs (and after the last one) the backbone's pooled
    features of a labelled training split (the bank) and a test split are
    extracted in eval mode, and :class:`~mec_plugin.evaluation.KNNAccuracy`
    (weighted cosine k-NN by default) is logged as ``knn/top1_k{k}`` (the
    logger, the visualizer backends, and ``self.history``). Runs on the main
    process only; the model goes back to train mode afterwards.

    Args:
        interval (int): epochs between evaluations. Defaults to 1.
        ks (Sequence[int]): Defaults to (20, 200).
        temperature (float): Defaults to 0.07.
        train_dataloader (dict, optional): the bank's loader config.
            Defaults to the Runner config's ``knn_train_dataloader``.
        test_dataloader (dict, optional): Defaults to ``knn_test_dataloader``.
        data_preprocessor (dict, optional): Defaults to ``knn_data_preprocessor``.
        weights (str): 'student' (``model.backbone``) or 'teacher' (the
            EMA copy's backbone, ``model.teacher.module[0]``).
    """
    priority = 'LOW'

    def __init__(self,
                 interval: int = 1,
                 ks: Sequence[int] = (20, 200),
                 temperature: float = 0.07,
                 train_dataloader: Optional[dict] = None,
                 test_dataloader: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 weights: str = 'student') -> None:
        if weights not in ('student', 'teacher'):
            raise ValueError(f"weights must be 'student' or 'teacher', got '{weights}'")
        self.interval = interval
        self.ks = tuple(ks)
        self.temperature = temperature
        self.loader_cfgs = dict(train=train_dataloader, test=test_dataloader)
        self.preprocessor_cfg = data_preprocessor
        self.weights = weights
        self._loaders: Dict = {}
        self._preprocessor = None
        self.history: List[Dict] = []

    def _setup(self, runner) -> None:
        from mmengine.runner import Runner
        for split in ('train', 'test'):
            cfg = self.loader_cfgs[split] or runner.cfg.get(f'knn_{split}_dataloader')
            if cfg is None:
                raise KeyError(f'KNNMonitorHook needs `knn_{split}_dataloader` in the config '
                               f'or its {split}_dataloader argument')
            self._loaders[split] = Runner.build_dataloader(cfg)
        pre = self.preprocessor_cfg or runner.cfg.get('knn_data_preprocessor')
        if pre is None:
            raise KeyError('KNNMonitorHook needs `knn_data_preprocessor` or data_preprocessor')
        self._preprocessor = MODELS.build(pre)

    def _backbone(self, runner) -> torch.nn.Module:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        if self.weights == 'teacher':
            return model.teacher.module[0]
        return model.backbone

    def after_train_epoch(self, runner) -> None:
        if not (self.every_n_epochs(runner, self.interval) or self.is_last_train_epoch(runner)):
            return
        if not is_main_process():
            return
        from mec_plugin.evaluation import KNNAccuracy, extract_features
        if not self._loaders:
            self._setup(runner)
        backbone = self._backbone(runner)
        was_training = runner.model.training
        device = next(backbone.parameters()).device
        try:
            bank = extract_features(backbone, self._loaders['train'], self._preprocessor, device,
                                    progress=False)
            feats, labels = extract_features(backbone, self._loaders['test'], self._preprocessor,
                                             device, progress=False)
        finally:
            runner.model.train(was_training)
        metric = KNNAccuracy(ks=self.ks, temperature=self.temperature)
        metric.set_bank(*bank)
        metric.process(None, [dict(feat=f, gt_label=y) for f, y in zip(feats, labels)])
        result = metric.evaluate(len(labels))
        self.history.append(dict(epoch=runner.epoch + 1, **result))
        runner.visualizer.add_scalars(result, step=runner.epoch + 1)
        runner.logger.info(f'Epoch {runner.epoch + 1} k-NN ({self.weights}): ' +
                           ', '.join(f'{k} {v:.2f}' for k, v in result.items()))
