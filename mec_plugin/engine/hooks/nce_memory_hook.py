from mmengine.hooks import Hook
from mmpretrain.utils import get_ori_model

from mec_plugin.registry import HOOKS


def _dataset_size(runner) -> int:
    loader = runner.train_dataloader
    dataset = getattr(loader, 'dataset', None)
    if dataset is None:
        raise ValueError('NCEMemoryHook: the train dataloader has no dataset to size the bank from')
    return len(dataset)


@HOOKS.register_module()
class NCEMemoryHook(Hook):
    """Size CMC's memory banks from the training set, or check their size.

    A memory bank row belongs to one training image (its ``sample_idx``),
    so the bank must have exactly ``len(train_dataloader.dataset)`` rows:

    * ``model.n_data = 0``: the banks are allocated here, before the first
      iteration (after a resume, the checkpoint has already sized them and
      they are only checked);
    * ``model.n_data = N``: N is checked against the dataset, and a mismatch
      raises a ``ValueError`` naming both (a bank too small would fail on
      the first large index, one too large would draw noise from rows no
      image ever updates).
    """

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        from mec_plugin.models.utils.nce_memory import NCEMemoryBank
        model = get_ori_model(runner.model)
        banks = [m for m in model.modules() if isinstance(m, NCEMemoryBank)]
        if not banks:
            raise ValueError('NCEMemoryHook: the model has no NCEMemoryBank (is it CMC?)')
        size = _dataset_size(runner)
        for bank in banks:
            if bank.n_data == 0:
                bank.allocate(size)
                runner.logger.info(f'NCEMemoryHook: memory banks sized to n_data = {size}')
            elif bank.n_data != size:
                raise ValueError(
                    f'n_data = {bank.n_data} (the memory bank size) does not match the training '
                    f'dataset size {size}; set model.n_data={size} or 0 (sized from the dataset)')
