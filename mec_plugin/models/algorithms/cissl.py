from mec_plugin.registry import MODELS
from .issl import InvariantSSL


@MODELS.register_module()
class CISSL(InvariantSSL):
    """CISSL: contrastive invariant self-supervised learning.

    Dubois, Hashimoto, Ermon, Liang, NeurIPS 2022
    (https://arxiv.org/abs/2209.06235).

    One shared encoder; a linear + BN student head (the shape of the linear
    probe) is contrasted against an MLP + BN teacher head over both crops,
    without stop-gradient. The maths is in
    :func:`mec_plugin.models.losses.cissl_loss`, the heads in
    :class:`mec_plugin.models.heads.CISSLHead`. Arguments: see
    :class:`InvariantSSL` (``head`` is a ``CISSLHead``).
    """
