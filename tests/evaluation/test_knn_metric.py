import pytest
import torch

from mec_plugin.evaluation import KNNAccuracy, knn_predict, save_features


def data(seed):
    g = torch.Generator().manual_seed(seed)
    bank, bank_y = torch.randn(80, 6, generator=g), torch.randint(0, 4, (80, ), generator=g)
    test, test_y = torch.randn(30, 6, generator=g), torch.randint(0, 4, (30, ), generator=g)
    return bank, bank_y, test, test_y


@pytest.mark.parametrize('metric,weighting', [('cosine', 'exp'), ('euclidean', 'majority')])
def test_metric_equals_knn_predict(metric, weighting):
    bank, bank_y, test, test_y = data(0)
    m = KNNAccuracy(ks=(1, 5, 20), metric=metric, weighting=weighting)
    m.set_bank(bank, bank_y)
    # fed in two batches, as a val loop would
    for lo, hi in ((0, 13), (13, 30)):
        m.process(None, [dict(feat=f, gt_label=torch.tensor([y])) for f, y in
                         zip(test[lo:hi], test_y[lo:hi])])
    res = m.evaluate(30)
    for k in (1, 5, 20):
        pred = knn_predict(bank, bank_y, test, k, metric=metric, weighting=weighting)
        expected = 100. * (pred == test_y).float().mean().item()
        assert res[f'knn/top1_k{k}'] == pytest.approx(expected)
    assert 0 < res['knn/top1_k1'] < 100  # random data: not a trivial value


def test_metric_reads_its_bank_from_a_features_file(tmp_path):
    bank, bank_y, test, test_y = data(1)
    path = str(tmp_path / 'feats.pth')
    save_features(path, dict(train=(bank, bank_y)))
    m = KNNAccuracy(ks=(1, ), bank_file=path)
    # the bank's own rows find themselves: 100 %
    m.process(None, [dict(feat=f, gt_label=y) for f, y in zip(bank, bank_y)])
    assert m.evaluate(len(bank_y)) == {'knn/top1_k1': 100.0}


def test_metric_without_a_bank_says_so():
    m = KNNAccuracy()
    m.process(None, [dict(feat=torch.ones(3), gt_label=0)])
    with pytest.raises(RuntimeError, match='no bank'):
        m.evaluate(1)
