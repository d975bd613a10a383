from .mec_loss import (coding_length_scale, lamda_inv_from_eps, mec_loss,
                       taylor_spectral_radius, taylor_trace_terms)

__all__ = [
    'mec_loss', 'taylor_trace_terms', 'taylor_spectral_radius',
    'coding_length_scale', 'lamda_inv_from_eps'
]
