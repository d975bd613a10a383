from mec_plugin.host import NonLinearNeck
from mec_plugin.registry import MODELS


@MODELS.register_module()
class MECProjector(NonLinearNeck):
    """The 3-layer projector of MEC (SimSiam's), with the official layout.

    ``Linear(no bias)-BN-ReLU-Linear(no bias)-BN-ReLU-Linear-BN(affine=False)``.
    The official code keeps the last linear's bias but freezes it
    (``requires_grad=False``) because the affine-free BatchNorm after it
    removes any constant shift; we do the same, so official checkpoints map
    key for key. Everything else is mmpretrain's :class:`NonLinearNeck`.

    Args:
        in_channels (int): backbone feature width (2048 for ResNet-50).
        hid_channels (int): hidden width. Defaults to 2048.
        out_channels (int): embedding width d. Defaults to 2048.
        num_layers (int): Defaults to 3.
        norm_cfg (dict): Defaults to SyncBN (reverted by the Runner when not
            distributed).
    """

    def __init__(self,
                 in_channels: int,
                 hid_channels: int = 2048,
                 out_channels: int = 2048,
                 num_layers: int = 3,
                 with_avg_pool: bool = True,
                 norm_cfg: dict = dict(type='SyncBN'),
                 init_cfg=[dict(type='Constant', val=1, layer=['_BatchNorm'])]) -> None:
        super().__init__(
            in_channels=in_channels,
            hid_channels=hid_channels,
            out_channels=out_channels,
            num_layers=num_layers,
            with_bias=False,
            with_last_bn=True,
            with_last_bn_affine=False,
            with_last_bias=True,
            with_avg_pool=with_avg_pool,
            norm_cfg=norm_cfg,
            init_cfg=init_cfg)
        getattr(self, self.fc_names[-1]).bias.requires_grad_(False)
