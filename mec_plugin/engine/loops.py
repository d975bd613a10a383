"""An epoch-based training loop that resumes in the middle of an epoch.

MMEngine 0.10.7's ``EpochBasedTrainLoop`` restores ``epoch`` and ``iter`` from
a checkpoint but always starts the epoch from its first batch: a run resumed
from an iteration checkpoint (``CheckpointHook(by_epoch=False)``) or from a
preempted job trains the already-seen batches of that epoch again and then
runs ``len(dataloader)`` more iterations than planned (the iteration count,
the lr and 1/lambda schedules all drift). ``IterBasedTrainLoop`` does what is
needed -- it advances the dataloader past the trained batches -- and this loop
does the same inside the epoch.

The skipped batches are loaded, not only counted: the data order of an epoch
is a function of (seed, epoch) (``DefaultSampler``), and with non-persistent
workers MMEngine re-seeds each worker at every epoch, so drawing the same
batches again leaves the augmentation random state exactly where the
uninterrupted run had it, and the resumed run gives the same losses.
"""
from mmengine.runner import EpochBasedTrainLoop

from ..registry import LOOPS


@LOOPS.register_module()
class ResumableEpochBasedTrainLoop(EpochBasedTrainLoop):
    """``EpochBasedTrainLoop`` that skips the batches already trained in the
    epoch it resumes in (same arguments)."""

    def trained_in_epoch(self) -> int:
        """Batches of the current epoch trained before a resume (0 normally)."""
        return max(0, self._iter - self._epoch * len(self.dataloader))

    def run_epoch(self) -> None:
        done = self.trained_in_epoch()
        if done == 0:
            return super().run_epoch()
        self.runner.logger.info(
            f'Resuming inside epoch {self._epoch + 1}: skipping its first {done} '
            f'batches (already trained), as IterBasedTrainLoop does')
        self.runner.call_hook('before_train_epoch')
        self.runner.model.train()
        if done < len(self.dataloader):  # killed after the epoch's last iteration: nothing to redo
            for idx, data_batch in enumerate(self.dataloader):
                if idx >= done:
                    self.run_iter(idx, data_batch)
        self.runner.call_hook('after_train_epoch')
        self._epoch += 1
