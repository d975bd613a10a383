from typing import Dict, List, Optional, Union

import torch
import torch.nn as nn
from mmengine.dist import get_world_size

from mec_plugin.host import BaseSelfSupervisor, DataSample
from mec_plugin.registry import MODELS
from ..utils import ForeachCosineEMA
from .views import require_two_views


@MODELS.register_module()
class MEC(BaseSelfSupervisor):
    """MEC: Self-Supervised Learning via Maximum Entropy Coding.

    Liu, Wang, Li, Wang, NeurIPS 2022 (https://arxiv.org/abs/2210.11464).

    Student: backbone -> neck (projector) -> head's predictor. Teacher: an EMA
    of backbone + projector (no predictor), in train mode (batch statistics),
    updated at the start of each step from the student's current weights with
    a per-iteration cosine momentum (the paper's 0.996 -> 1). The head computes
    the coding-length loss on the gathered batch, symmetric over the views.

    Args:
        backbone (dict): backbone config (ResNet-50 with
            ``zero_init_residual=True`` in the official recipe).
        neck (dict): projector config (:class:`MECProjector`).
        head (dict): :class:`MECHead` config.
        base_momentum (float): start weight of the new parameters in the
            teacher update (mmengine convention). 0.004 = paper's 0.996.
        end_momentum (float): end weight. 0 = paper's 1.
        pretrained (str, optional): checkpoint to initialise from.
        data_preprocessor (dict, optional): defaults to the host's
            ``SelfSupDataPreprocessor`` (mmpretrain's, or MMSelfSup 1.x's:
            :mod:`mec_plugin.host`).
        compile (bool | dict): ``torch.compile`` the student's backbone and
            projector and the teacher in place (``nn.Module.compile``, so
            parameter names and checkpoints do not change), with these
            options, and the head's two Taylor traces
            (``MECHead(compile_loss=True)``). What changes every iteration
            (1/lambda, the EMA momentum, the lr) stays outside the compiled
            code, so nothing recompiles as it changes; MMEngine's own
            ``compile=True`` compiles ``train_step`` around them instead.
            Defaults to False.
        init_cfg (dict, optional): init config.
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 head: dict,
                 base_momentum: float = 0.004,
                 end_momentum: float = 0.,
                 pretrained: Optional[str] = None,
                 data_preprocessor: Optional[dict] = None,
                 compile: Union[bool, dict] = False,
                 init_cfg: Optional[Union[List[dict], dict]] = None) -> None:
        super().__init__(
            backbone=backbone,
            neck=neck,
            head=head,
            pretrained=pretrained,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        self._check_widths()
        self.teacher = ForeachCosineEMA(
            nn.Sequential(self.backbone, self.neck),
            momentum=base_momentum,
            end_momentum=end_momentum)
        if compile:
            self._compile_modules({} if compile is True else dict(compile))

    def _compile_modules(self, options: dict) -> None:
        # after the teacher's deepcopy: a copied compiled module would call
        # the student's forward
        for module in (self.backbone, self.neck, self.teacher.module):
            module.compile(**options)
        if hasattr(self.head, 'compile_loss') and self.head.mode != 'exact':
            self.head.compile_loss = True

    def _check_widths(self) -> None:
        """Projector and predictor must agree: fail at build time, by name."""
        linears = lambda m: [x for x in m.modules() if isinstance(x, nn.Linear)]  # noqa: E731
        proj, pred = linears(self.neck), linears(getattr(self.head, 'predictor', nn.Identity()))
        if not proj or not pred:
            return
        d = proj[-1].out_features
        if pred[0].in_features != d or pred[-1].out_features != d:
            raise ValueError(
                f'MEC: the projector outputs d = {d} but the predictor maps '
                f'{pred[0].in_features} -> {pred[-1].out_features}; set '
                f'model.head.predictor.in_channels = out_channels = {d} '
                '(teacher and student embeddings must have the same width)')

    def loss(self, inputs: List[torch.Tensor], data_samples: List[DataSample],
             **kwargs) -> Dict[str, torch.Tensor]:
        require_two_views(inputs, 'MEC', 'MultiView(num_views=[1, 1], transforms=[view1, '
                          'view2]) in the training pipeline')
        view1, view2 = inputs
        # the one check of the global batch: here, before the first BatchNorm, whose own
        # error ("Expected more than 1 value per channel") would not say what to change
        world = get_world_size()
        if view1.shape[0] * world < 2:
            raise ValueError(
                f'MEC needs a global batch of at least 2 images, got {view1.shape[0] * world} '
                '(train_dataloader.batch_size x number of GPUs): the coding length of one '
                'sample is constant and BatchNorm cannot normalise it')
        z1 = self.neck(self.backbone(view1))[0]
        z2 = self.neck(self.backbone(view2))[0]
        with torch.no_grad():
            self.teacher.update_parameters(nn.Sequential(self.backbone, self.neck))
            p1 = self.teacher(view1)[0]
            p2 = self.teacher(view2)[0]
        return self.head.loss(z1, z2, p1, p2)
