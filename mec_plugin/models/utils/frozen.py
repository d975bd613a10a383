"""A pre-trained part that a probe keeps fixed."""
import torch.nn as nn


class FreezableMixin:
    """``freeze()``: no gradients, and eval mode whatever ``train()`` says.

    A frozen module under a linear probe keeps its pre-trained BatchNorm
    statistics and has dropout off, like mmpretrain's backbones with
    ``norm_eval=True``. Put the mixin before the ``nn.Module`` base and call
    ``freeze()`` at the end of ``__init__``.
    """
    frozen = False

    def freeze(self) -> None:
        self.frozen = True
        self.requires_grad_(False)
        self.train(False)

    def train(self, mode: bool = True) -> nn.Module:
        return super().train(mode and not self.frozen)
