"""The plugin's local checkpoint loader: safe by default, full unpickling only
by opt-in, and MMEngine's behaviour (name, log line, error types) kept."""
import collections
import pickle

import mmengine
import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner import CheckpointLoader

import mec_plugin  # noqa: F401 (registers the loader)
from _checkpoints import WritesMarker, numpy_1_names, official_mec_like
from _upstream import UpstreamBug, upstream_bug
from mec_plugin.utils.safe_checkpoint import (UNSAFE_ENV, CheckpointIsADirectoryError,
                                              UnsafeCheckpointError, UnsafeCheckpointWarning,
                                              allowed_for_loading, load_from_local)


@pytest.fixture(autouse=True)
def _no_opt_in(monkeypatch):
    monkeypatch.delenv(UNSAFE_ENV, raising=False)


def save_malicious(path, marker, how):
    obj = dict(state_dict=dict(w=torch.ones(2)), payload=WritesMarker(marker))
    if how == 'zip':
        torch.save(obj, path)
    elif how == 'legacy':  # torch < 1.6's format: a stream of pickles
        torch.save(obj, path, _use_new_zipfile_serialization=False)
    else:  # a plain pickle named .pth
        with open(path, 'wb') as f:
            pickle.dump(obj, f, protocol=4)
    assert not marker.exists()


@pytest.mark.filterwarnings('ignore:Detected pickle protocol 4')
@pytest.mark.parametrize('how', ['zip', 'legacy', 'pickle'])
def test_a_pickle_that_runs_code_is_refused(how, tmp_path):
    path, marker = tmp_path / f'evil_{how}.pth', tmp_path / 'marker'
    save_malicious(path, marker, how)
    with pytest.raises(UnsafeCheckpointError) as info:
        CheckpointLoader.load_checkpoint(str(path))  # what Runner / init_cfg=Pretrained call
    assert not marker.exists()  # the code did not run
    message = str(info.value)
    assert str(path) in message and 'builtins.exec' in message, message
    assert f'{UNSAFE_ENV}=1' in message, message
    assert isinstance(info.value, pickle.UnpicklingError)  # torch's own type for a refusal


@pytest.mark.parametrize('how', ['zip', 'legacy'])
def test_with_the_opt_in_it_loads_with_a_warning(how, tmp_path, monkeypatch):
    path, marker = tmp_path / f'evil_{how}.pth', tmp_path / 'marker'
    save_malicious(path, marker, how)
    monkeypatch.setenv(UNSAFE_ENV, '1')
    with pytest.warns(UnsafeCheckpointWarning, match=str(path)) as record:
        ckpt = CheckpointLoader.load_checkpoint(str(path))
    assert 'builtins.exec' in str(record[0].message)
    assert marker.read_text() == 'unpickled'  # full unpickling, as asked for
    assert torch.equal(ckpt['state_dict']['w'], torch.ones(2))


@pytest.mark.parametrize('value', ['0', 'false', ''])
def test_opt_in_off_values(value, tmp_path, monkeypatch):
    path, marker = tmp_path / 'evil.pth', tmp_path / 'marker'
    save_malicious(path, marker, 'zip')
    monkeypatch.setenv(UNSAFE_ENV, value)
    with pytest.raises(UnsafeCheckpointError):
        load_from_local(str(path))
    assert not marker.exists()


def test_an_unknown_opt_in_value_is_named(tmp_path, monkeypatch):
    path = tmp_path / 'evil.pth'
    save_malicious(path, tmp_path / 'marker', 'zip')
    monkeypatch.setenv(UNSAFE_ENV, 'maybe')
    with pytest.raises(ValueError, match=f"{UNSAFE_ENV}='maybe'"):
        load_from_local(str(path))
    assert not (tmp_path / 'marker').exists()


def runner_like_checkpoint():
    """What a Runner checkpoint pickles besides tensors (measured: docs/hosts.md)."""
    buf = HistoryBuffer([1.5], [1])  # as MessageHub.update_scalar makes it: int64 counts
    buf.update(2.5)
    return dict(meta=dict(epoch=1, iter=4), state_dict=dict(w=torch.arange(3.)),
                message_hub=dict(log_scalars={'train/loss': buf},
                                 runtime_info=dict(eta=np.float64(12.5), iter=4)))


def test_a_runner_checkpoint_loads_without_full_unpickling(tmp_path, recwarn):
    path = tmp_path / 'iter_4.pth'
    torch.save(runner_like_checkpoint(), path)
    ckpt = CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    buf = ckpt['message_hub']['log_scalars']['train/loss']
    assert type(buf) is HistoryBuffer and buf.current() == 2.5 and buf.mean() == 2.
    assert buf.data[1].dtype == np.int64 and list(buf.data[1]) == [1, 1]  # the counts
    eta = ckpt['message_hub']['runtime_info']['eta']
    assert type(eta) is np.float64 and eta == 12.5
    assert not [w for w in recwarn if issubclass(w.category, UnsafeCheckpointWarning)]


@upstream_bug(f'torch {torch.__version__} with mmengine {mmengine.__version__}: torch.load '
              "defaults to weights_only=True and refuses a Runner checkpoint (mmengine's "
              'HistoryBuffer, numpy arrays); an XPASS means the plugin\'s loader '
              '(mec_plugin.utils.safe_checkpoint) may be no longer needed')
def test_torch_load_alone_reads_a_runner_checkpoint(tmp_path):
    path = tmp_path / 'iter_4.pth'
    torch.save(runner_like_checkpoint(), path)
    try:
        torch.load(path)
    except pickle.UnpicklingError as error:
        raise UpstreamBug(f'torch.load refuses it: {str(error).splitlines()[0]}') from error


def test_numpy_1_names_load(tmp_path):
    torch.save(runner_like_checkpoint(), tmp_path / 'np2.pth')
    numpy_1_names(tmp_path / 'np2.pth', tmp_path / 'np1.pth')
    names = torch.serialization.get_unsafe_globals_in_checkpoint(str(tmp_path / 'np1.pth'))
    assert 'numpy.core.multiarray._reconstruct' in names
    ckpt = load_from_local(str(tmp_path / 'np1.pth'))
    assert ckpt['message_hub']['log_scalars']['train/loss'].current() == 2.5
    assert ckpt['message_hub']['runtime_info']['eta'] == 12.5


@pytest.mark.parametrize('kind', ['official_mec', 'official_mec_numpy_1', 'torchvision',
                                  'torchvision_legacy', 'converted'])
def test_published_formats_load(kind, tmp_path):
    import torchvision
    path = tmp_path / f'{kind}.pth'
    if kind.startswith('official_mec'):
        obj = official_mec_like()
        torch.save(obj, path)
        if kind.endswith('numpy_1'):
            numpy_1_names(path, tmp_path / 'np1.pth')
            path = tmp_path / 'np1.pth'
        ckpt = load_from_local(str(path))
        lr = ckpt['optimizer']['param_groups'][0]['lr']
        assert type(lr) is np.float64 and lr == obj['optimizer']['param_groups'][0]['lr']
        assert ckpt['state_dict'].keys() == obj['state_dict'].keys()
        return
    weights = torchvision.models.resnet18().state_dict()
    obj = weights
    if kind == 'converted':  # what tools/model_converters write
        obj = dict(state_dict=weights, meta=dict(source_format='plugin', depth=18, stem='7x7'))
    torch.save(obj, path, _use_new_zipfile_serialization=kind != 'torchvision_legacy')
    if kind != 'torchvision_legacy':  # torch's defaults suffice: the allow-list is not needed
        assert torch.serialization.get_unsafe_globals_in_checkpoint(str(path)) == []
    ckpt = load_from_local(str(path))
    state = ckpt['state_dict'] if kind == 'converted' else ckpt
    assert state.keys() == weights.keys()
    assert all(torch.equal(state[k], v) for k, v in weights.items())


def test_empty_arrays_load(tmp_path):
    """An empty numpy array's raw data is b'', which protocol 2 (torch.save's)
    pickles as ``builtins.bytes()``: an empty HistoryBuffer (a scalar logged
    before its first update), an empty array in ``meta``."""
    path = tmp_path / 'empty.pth'
    obj = runner_like_checkpoint()
    obj['message_hub']['log_scalars']['train/empty'] = HistoryBuffer()
    obj['meta']['seen'] = np.zeros(0, dtype=np.int64)
    torch.save(obj, path)
    assert 'builtins.bytes' in torch.serialization.get_unsafe_globals_in_checkpoint(str(path))
    ckpt = load_from_local(str(path))
    empty = ckpt['message_hub']['log_scalars']['train/empty']
    assert type(empty) is HistoryBuffer and empty.data[0].size == empty.data[1].size == 0
    assert empty.data[0].dtype == HistoryBuffer().data[0].dtype
    seen = ckpt['meta']['seen']
    assert type(seen) is np.ndarray and seen.dtype == np.int64 and seen.shape == (0, )
    assert ckpt['message_hub']['log_scalars']['train/loss'].current() == 2.5


def test_bytes_with_an_argument_is_refused(tmp_path):
    class Allocates:  # bytes(n): n bytes of memory from a pickle of a few bytes
        def __reduce__(self):
            return bytes, (1 << 40, )

    path = tmp_path / 'allocates.pth'
    torch.save(dict(x=Allocates()), path)
    with pytest.raises(UnsafeCheckpointError, match=r'bytes\(\) with 1 argument is not allowed'):
        load_from_local(str(path))


def test_object_arrays_are_refused(tmp_path):
    # data only, but numpy's object dtype unpickles arbitrary objects: not in the list
    path = tmp_path / 'objects.pth'
    torch.save(dict(meta=dict(classes=np.array(['cat', 1], dtype=object))), path)
    with pytest.raises(UnsafeCheckpointError, match='ObjectDType'):
        load_from_local(str(path))


def test_getattr_is_only_the_history_buffer_statistics(tmp_path):
    class Reaches:  # getattr(HistoryBuffer, '__init__'): a general getattr would allow it
        def __reduce__(self):
            return getattr, (HistoryBuffer, '__init__')

    path = tmp_path / 'getattr.pth'
    torch.save(dict(x=Reaches()), path)
    with pytest.raises(UnsafeCheckpointError, match=r"getattr\(HistoryBuffer, '__init__'\)"):
        load_from_local(str(path))


def test_the_users_safe_globals_are_left_as_they_were(tmp_path):
    path = tmp_path / 'runner.pth'
    torch.save(runner_like_checkpoint(), path)
    before = torch.serialization.get_safe_globals()  # torch's own imports add some
    own = [collections.namedtuple, (HistoryBuffer, 'my.HistoryBuffer')]
    torch.serialization.add_safe_globals(own)
    try:
        load_from_local(str(path))
        assert set(torch.serialization.get_safe_globals()) == set(before + own)
    finally:
        torch.serialization.clear_safe_globals()
        torch.serialization.add_safe_globals(before)
    with allowed_for_loading():
        assert HistoryBuffer in torch.serialization.get_safe_globals()
    assert set(torch.serialization.get_safe_globals()) == set(before)
    with pytest.raises(pickle.UnpicklingError):  # the allow-list is not left on for the process
        torch.load(path)


def test_mmengine_still_logs_the_local_backend(tmp_path, capsys):
    path = tmp_path / 'w.pth'
    torch.save(dict(state_dict=dict(w=torch.ones(1))), path)
    assert CheckpointLoader._get_checkpoint_loader(str(path)) is load_from_local
    CheckpointLoader.load_checkpoint(str(path), logger=None)
    assert f'Loads checkpoint by local backend from path: {path}' in capsys.readouterr().out


def test_error_types_are_mmengines(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth can not be found'):
        CheckpointLoader.load_checkpoint(str(tmp_path / 'nope.pth'))
    with pytest.raises(FileNotFoundError) as info:  # MMEngine's type for a directory too
        CheckpointLoader.load_checkpoint(str(tmp_path))
    assert isinstance(info.value, (IsADirectoryError, CheckpointIsADirectoryError))
    assert 'is a directory' in str(info.value)


@pytest.mark.parametrize('content', [b'plain text notes', b'', b'PK\x03\x04truncated zip'])
def test_files_torch_did_not_write_are_named(content, tmp_path, monkeypatch):
    path = tmp_path / 'notes.pth'
    path.write_bytes(content)
    monkeypatch.setenv(UNSAFE_ENV, '1')  # not a question of trust: no warning, same error
    with pytest.raises(RuntimeError, match=f'cannot load checkpoint {path}: not a file torch.save'):
        load_from_local(str(path))


def test_a_truncated_checkpoint_is_named(tmp_path):
    path = tmp_path / 'iter_6.pth'
    torch.save(runner_like_checkpoint(), path)
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    with pytest.raises(RuntimeError, match='truncated / corrupt'):
        load_from_local(str(path))
