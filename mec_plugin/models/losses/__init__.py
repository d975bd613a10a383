# not exported: dissl_terms (dissl_loss(..., return_terms=True) gives them) and
# simclr_loss (the ISSL file's SimCLR mode); import them from .dissl_loss / .cissl_loss
from .cissl_loss import cissl_loss
from .dissl_loss import dissl_loss, dissl_loss_multicrop, dissl_terms_multicrop, gathered_marginal
from .mec_loss import (coding_length_scale, lamda_inv_from_eps, mec_loss,
                       taylor_spectral_radius, taylor_trace_terms)
from .moco_infonce_loss import moco_infonce_loss, moco_logits
from .nce_loss import (cross_view_batch_scores, momentum_memory_update, nce_loss,
                       nce_partition_estimate, nce_softmax_loss)

__all__ = [
    'mec_loss', 'taylor_trace_terms', 'taylor_spectral_radius',
    'coding_length_scale', 'lamda_inv_from_eps',
    'dissl_loss', 'dissl_loss_multicrop', 'dissl_terms_multicrop',
    'gathered_marginal', 'cissl_loss',
    'moco_infonce_loss', 'moco_logits',
    'nce_loss', 'nce_softmax_loss', 'cross_view_batch_scores', 'nce_partition_estimate',
    'momentum_memory_update'
]
