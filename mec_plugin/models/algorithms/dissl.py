from mec_plugin.registry import MODELS
from .issl import InvariantSSL


@MODELS.register_module()
class DISSL(InvariantSSL):
    """DISSL: distillation for invariant self-supervised learning.

    Dubois, Hashimoto, Ermon, Liang, "Improving Self-Supervised Learning by
    Characterizing Idealized Representations", NeurIPS 2022
    (https://arxiv.org/abs/2209.06235).

    One shared encoder; a teacher MLP head clusters each crop into C classes
    and a linear student head predicts the other crop's cluster. The maths is
    in :func:`mec_plugin.models.losses.dissl_loss`, the heads in
    :class:`mec_plugin.models.heads.DISSLHead`; the beta warm-up of the
    ImageNet runs in :class:`mec_plugin.engine.hooks.DISSLBetaWarmupHook`.
    Arguments: see :class:`InvariantSSL` (``head`` is a ``DISSLHead``).
    """
