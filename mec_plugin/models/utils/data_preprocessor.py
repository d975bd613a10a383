"""The views of a self-supervised batch, augmented on the model's device."""
from typing import List, Sequence

import torch
from mmengine.model import BaseDataPreprocessor

from mec_plugin.datasets.gpu_augment import GPUViewAugment
from mec_plugin.registry import MODELS


@MODELS.register_module()
class BatchAugmentPreprocessor(BaseDataPreprocessor):
    """Make the training views of a uint8 batch with batched augmentations.

    The replacement for a per-image ``MultiView`` pipeline plus
    ``SelfSupDataPreprocessor`` when the data set is small enough to sit in
    memory (:class:`~mec_plugin.datasets.InMemoryImages`): the loader only
    stacks uint8 images, and each view is one pass of
    :class:`~mec_plugin.datasets.gpu_augment.GPUViewAugment` over the whole
    batch, on the CPU or the GPU, followed by ``(x - mean) / std``.

    Args:
        views (list[list[dict]]): one mmpretrain transform list per view,
            written as for ``MultiView`` (``RandomResizedCrop``,
            ``RandomApply([ColorJitter])``, ``RandomGrayscale``,
            ``Solarize``, ``RandomFlip``); anything else is refused when the
            model is built.
        mean, std (Sequence[float]): per channel, on the 0-255 scale, in the
            stored channel order (RGB for decoded files).
        channels_last (bool): return the views in ``channels_last`` memory
            format (faster convolutions on CPUs with AVX512 and on GPUs under
            autocast). Defaults to False.

    Outside training (``training=False``) the batch is only normalised, once:
    a list of one view.
    """

    def __init__(self, views: Sequence[Sequence[dict]], mean: Sequence[float],
                 std: Sequence[float], channels_last: bool = False,
                 non_blocking: bool = False) -> None:
        super().__init__(non_blocking=non_blocking)
        if len(mean) != len(std):
            raise ValueError(f'BatchAugmentPreprocessor: mean has {len(mean)} channels but '
                             f'std has {len(std)}')
        if not views:
            raise ValueError('BatchAugmentPreprocessor: views is empty; give one transform '
                             'list per view')
        self.augments: List[GPUViewAugment] = [GPUViewAugment.from_pipeline(v) for v in views]
        self.register_buffer('mean', torch.tensor(mean, dtype=torch.float32).view(-1, 1, 1),
                             False)
        self.register_buffer('std', torch.tensor(std, dtype=torch.float32).view(-1, 1, 1), False)
        self.channels_last = channels_last

    def _normalise(self, x: torch.Tensor) -> torch.Tensor:
        x = (x - self.mean) / self.std
        return x.contiguous(memory_format=torch.channels_last) if self.channels_last else x

    def forward(self, data: dict, training: bool = False) -> dict:
        data = self.cast_data(data)
        inputs = data['inputs']
        if isinstance(inputs, (list, tuple)):
            inputs = torch.stack(list(inputs))
        if inputs.dim() != 4 or inputs.shape[1] != self.mean.numel():
            raise ValueError(
                f'BatchAugmentPreprocessor: expected a [N, {self.mean.numel()}, H, W] batch '
                f'(mean / std have {self.mean.numel()} channels), got {tuple(inputs.shape)}; '
                'the training dataset should yield uint8 images, e.g. InMemoryImages')
        if training:
            views = [self._normalise(augment(inputs)) for augment in self.augments]
        else:
            views = [self._normalise(inputs.float())]
        return dict(inputs=views, data_samples=data.get('data_samples'))


__all__ = ['BatchAugmentPreprocessor']
