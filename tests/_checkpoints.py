"""Checkpoint files the loader tests share: a pickle that runs code, the
official MEC release's layout, and any zip checkpoint rewritten with the
names numpy 1 pickled."""
import collections
import zipfile

import numpy as np
import torch


class WritesMarker:
    """Unpickling it runs code: it creates ``marker``."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return exec, (f"open({self.marker!r}, 'w').write('unpickled')", )


def numpy_1_names(src, dst):
    """The same file as numpy 1 wrote it: ``numpy.core.multiarray`` in the pickle."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, 'w', zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.endswith('data.pkl'):
                assert b'numpy._core.multiarray' in data
                data = data.replace(b'numpy._core.multiarray', b'numpy.core.multiarray')
            zout.writestr(info, data)


def official_mec_like():
    """The official release's layout (main_pretrain.py): DDP names, and an SGD
    state whose lr is the numpy float64 its schedule array yields."""
    encoder = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4))
    model = torch.nn.ModuleDict(dict(encoder=encoder, predictor=torch.nn.Linear(4, 4)))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loss = model['predictor'](encoder(torch.randn(2, 3, 5, 5)).mean((2, 3))).sum()
    loss.backward()
    for group in optimizer.param_groups:
        group['lr'] = np.linspace(0, 0.05, 10)[3]  # np.float64
    optimizer.step()
    state = collections.OrderedDict((f'module.{k}', v) for k, v in model.state_dict().items())
    return dict(epoch=100, arch='resnet50', state_dict=state, optimizer=optimizer.state_dict())
