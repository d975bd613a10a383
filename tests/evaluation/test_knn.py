import math
from collections import Counter

import pytest
import torch

from mec_plugin.evaluation import best_k_accuracy, knn_predict, shift_normalise
from mec_plugin.evaluation.knn import knn_accuracy_per_k, knn_neighbours


def brute_force_majority(train_x, train_y, test_x, k):
    """Reference: full distance matrix, sort, vote; ties -> smallest label."""
    preds = []
    d = torch.cdist(test_x.double(), train_x.double())
    for row in d:
        idx = row.argsort()[:k]
        counts = Counter(train_y[idx].tolist())
        best = max(counts.values())
        preds.append(min(c for c, n in counts.items() if n == best))
    return torch.tensor(preds)


def brute_force_weighted(train_x, train_y, test_x, k, t, num_classes):
    tr = torch.nn.functional.normalize(train_x.double(), dim=1)
    te = torch.nn.functional.normalize(test_x.double(), dim=1)
    sims = te @ tr.T
    out = []
    for row in sims:
        top = row.argsort(descending=True)[:k]
        scores = torch.zeros(num_classes, dtype=torch.float64)
        for i in top:
            scores[train_y[i]] += math.exp(row[i].item() / t)
        out.append(int(scores.argmax()))
    return torch.tensor(out)


def clusters(n_per_class=20, num_classes=4, dim=8, spread=0.05, seed=0):
    g = torch.Generator().manual_seed(seed)
    centres = torch.randn(num_classes, dim, generator=g) * 5
    labels = torch.arange(num_classes).repeat_interleave(n_per_class)
    x = centres[labels] + spread * torch.randn(len(labels), dim, generator=g)
    return x, labels


@pytest.mark.parametrize('metric,weighting', [('euclidean', 'majority'), ('cosine', 'exp'),
                                              ('cosine', 'majority')])
def test_separable_clusters_are_classified_perfectly(metric, weighting):
    train_x, train_y = clusters(seed=0)
    test_x, test_y = clusters(seed=0, n_per_class=5)
    test_x = test_x + 0.01 * torch.randn_like(test_x)
    pred = knn_predict(train_x, train_y, test_x, k=5, metric=metric, weighting=weighting)
    assert torch.equal(pred, test_y)


@pytest.mark.parametrize('k', [1, 2, 4, 7, 30])
def test_majority_vote_equals_brute_force(k):
    g = torch.Generator().manual_seed(k)
    train_x, train_y = torch.randn(60, 5, generator=g), torch.randint(0, 3, (60, ), generator=g)
    test_x = torch.randn(25, 5, generator=g)
    pred = knn_predict(train_x, train_y, test_x, k)
    assert torch.equal(pred, brute_force_majority(train_x, train_y, test_x, k))


def test_weighted_vote_equals_brute_force():
    g = torch.Generator().manual_seed(1)
    train_x, train_y = torch.randn(80, 6, generator=g), torch.randint(0, 5, (80, ), generator=g)
    test_x = torch.randn(30, 6, generator=g)
    pred = knn_predict(train_x, train_y, test_x, 10, metric='cosine', weighting='exp',
                       temperature=0.1, num_classes=5)
    assert torch.equal(pred, brute_force_weighted(train_x, train_y, test_x, 10, 0.1, 5))


def test_chunked_search_equals_one_chunk():
    g = torch.Generator().manual_seed(2)
    train_x, test_x = torch.randn(500, 7, generator=g), torch.randn(90, 7, generator=g)
    i1, s1 = knn_neighbours(train_x, test_x, 9, 'euclidean', test_chunk=1000, train_chunk=10000)
    i2, s2 = knn_neighbours(train_x, test_x, 9, 'euclidean', test_chunk=16, train_chunk=37)
    assert torch.equal(i1, i2)
    torch.testing.assert_close(s1, s2)
    ref = -torch.cdist(test_x.double(), train_x.double()).pow(2)
    torch.testing.assert_close(s1.double(), ref.topk(9, dim=1).values, rtol=1e-4, atol=1e-4)


def test_best_k_equals_brute_force_over_odd_k():
    g = torch.Generator().manual_seed(3)
    train_x, train_y = torch.randn(120, 4, generator=g), torch.randint(0, 3, (120, ), generator=g)
    test_x, test_y = torch.randn(40, 4, generator=g), torch.randint(0, 3, (40, ), generator=g)
    result = best_k_accuracy(train_x, train_y, test_x, test_y, k_max=21)
    ref = {k: 100.0 * (brute_force_majority(train_x, train_y, test_x, k) == test_y).float().mean().item()
           for k in range(1, 22, 2)}
    assert result['acc'] == pytest.approx(ref)
    best = max(ref.values())
    assert result['best_acc'] == pytest.approx(best)
    assert result['best_k'] == min(k for k, a in ref.items() if a == best)


def test_shift_normalise_uses_the_training_mean():
    train = torch.tensor([[1., 1.], [3., 1.]])
    test = torch.tensor([[4., 1.]])
    tr, te = shift_normalise(train, test)
    torch.testing.assert_close(tr, torch.tensor([[-1., 0.], [1., 0.]]))
    torch.testing.assert_close(te, torch.tensor([[1., 0.]]))


def test_accuracy_per_k_counts_correct_predictions():
    train_x = torch.tensor([[0.], [0.1], [10.], [10.1], [10.2]])
    train_y = torch.tensor([0, 0, 1, 1, 1])
    test_x, test_y = torch.tensor([[0.05], [10.05]]), torch.tensor([0, 1])
    acc = knn_accuracy_per_k(train_x, train_y, test_x, test_y, [1, 5])
    assert acc == {1: 100.0, 5: 50.0}  # k=5: both test points see 3 x class 1


@pytest.mark.parametrize('bad,match', [(dict(k=0), 'k must'), (dict(metric='l1'), 'metric'),
                                       (dict(weighting='soft'), 'weighting')])
def test_bad_arguments(bad, match):
    args = dict(train_feats=torch.randn(5, 2), train_labels=torch.zeros(5, dtype=torch.long),
                test_feats=torch.randn(2, 2), k=3)
    args.update(bad)
    with pytest.raises(ValueError, match=match):
        knn_predict(**args)
