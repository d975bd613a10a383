import pytest
import torch

from mec_plugin.evaluation import linear_classifier, linear_probe_on_features


@pytest.fixture(autouse=True)
def one_thread():
    # tiny matrices: extra threads only add synchronisation on a busy CPU
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def blobs(n_per_class, seed, num_classes=3, dim=16):
    g = torch.Generator().manual_seed(seed)
    centres = torch.randn(num_classes, dim, generator=torch.Generator().manual_seed(99)) * 4
    y = torch.arange(num_classes).repeat_interleave(n_per_class)
    return centres[y] + torch.randn(len(y), dim, generator=g), y


@pytest.mark.parametrize('optimizer', ['lars', 'sgd'])
def test_separable_features_are_learned_exactly(optimizer):
    train_x, train_y = blobs(40, 0)
    test_x, test_y = blobs(10, 1)
    res = linear_probe_on_features(train_x, train_y, test_x, test_y, epochs=40, batch_size=120,
                                   lr=10.0 if optimizer == 'lars' else 1.0, optimizer=optimizer,
                                   bn=optimizer == 'lars')
    assert res['top1'] == 100.0 and res['train_top1'] == 100.0


def test_random_labels_stay_near_chance_on_the_test_set():
    train_x, _ = blobs(40, 0)
    test_x, _ = blobs(40, 1)
    g = torch.Generator().manual_seed(5)
    res = linear_probe_on_features(train_x, torch.randint(0, 3, (120, ), generator=g), test_x,
                                   torch.randint(0, 3, (120, ), generator=g), epochs=5,
                                   batch_size=32)
    assert res['top1'] < 60.0


def test_classifier_is_mecs_bn_without_affine_and_small_fc():
    torch.manual_seed(0)
    clf = linear_classifier(2048, 1000)
    bn, fc = clf[0], clf[1]
    assert isinstance(bn, torch.nn.BatchNorm1d) and not bn.affine and bn.eps == 1e-6
    assert fc.weight.std().item() == pytest.approx(0.01, rel=0.02)
    assert fc.bias.abs().max().item() == 0.0
