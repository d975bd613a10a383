"""The evaluation tools build networks without MMEngine's per-parameter init report."""
import logging
import uuid

from mmengine.logging import MMLogger

import mec_plugin  # noqa: F401
from mec_plugin.evaluation import build_encoder
from mec_plugin.registry import MODELS
from _eval_data import TINY_BACKBONE


class _Records(logging.Handler):

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def _init_records(build):
    # a fresh current logger: BaseModule reports to the current one, and writes straight
    # into its log file instead when an earlier Runner left one with a file handler
    logger = MMLogger.get_instance(f'quiet-init-{uuid.uuid4().hex}')
    assert MMLogger.get_current_instance() is logger
    logger.setLevel(logging.INFO)  # as in the tools, where the ~240 lines appeared
    handler = _Records()
    logger.addHandler(handler)
    try:
        build()
    finally:
        logger.removeHandler(handler)
    assert logger.level == logging.INFO  # restored
    return [m for m in handler.messages if 'torch.Size' in m]


def test_building_an_encoder_logs_no_parameter_report():
    model = dict(backbone=TINY_BACKBONE, neck=dict(type='MECProjector', in_channels=64,
                                                   hid_channels=32, out_channels=16,
                                                   norm_cfg=dict(type='BN1d')))
    # the control: MMEngine's own init_weights reports every parameter at INFO
    assert len(_init_records(lambda: MODELS.build(dict(TINY_BACKBONE)).init_weights())) > 50
    assert _init_records(lambda: build_encoder(model, representation='backbone+neck')) == []
