import pytest
import torch
import torch.nn.functional as F

from mec_plugin.evaluation import instdisc_retrieval, retrieval_accuracy, retrieval_ranks


def brute_force_topk(queries, positives, chunks, topk):
    """Reference: build the official logits row [pos, q.q_1 .. q.q_n] per query,
    sort it, and ask whether index 0 is among the first k + 1 entries."""
    per_chunk = []
    for c in chunks.unique().tolist():
        q = F.normalize(queries[chunks == c].double(), dim=1)
        p = F.normalize(positives[chunks == c].double(), dim=1)
        hits = torch.zeros(topk, dtype=torch.float64)
        for i in range(q.shape[0]):
            logits = torch.cat([(q[i] * p[i]).sum().view(1), q @ q[i]])
            top = logits.argsort(descending=True)
            for k in range(1, topk + 1):
                hits[k - 1] += float(0 in top[:k + 1].tolist())
        per_chunk.append(hits / q.shape[0])
    return (100 * torch.stack(per_chunk).mean(0)).tolist()


def test_views_equal_to_the_originals_give_100_percent():
    x = torch.randn(40, 16)
    chunks = torch.arange(4).repeat_interleave(10)
    acc = instdisc_retrieval(x, x.clone(), x.clone(), 'd-sd', topk=3, chunks=chunks)
    assert acc == {1: 100.0, 2: 100.0, 3: 100.0}
    acc = instdisc_retrieval(torch.randn(40, 16), x, x.clone(), 'sd-sd', topk=1, chunks=chunks)
    assert acc == {1: 100.0}


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_topk_matches_the_brute_force_reference(seed):
    g = torch.Generator().manual_seed(seed)
    q = torch.randn(36, 6, generator=g)
    p = q + 0.9 * torch.randn(36, 6, generator=g)  # noisy: accuracies strictly between 0 and 100
    chunks = torch.arange(3).repeat_interleave(12)
    acc = retrieval_accuracy(q, p, topk=5, chunks=chunks)
    ref = brute_force_topk(q, p, chunks, 5)
    assert [acc[k] for k in range(1, 6)] == pytest.approx(ref, abs=1e-9)
    assert 0 < acc[1] < 100 and acc[1] <= acc[5]


def test_self_similarity_takes_one_slot():
    # the positive is the second-closest negative after the query itself:
    # rank 1 -> top-1 counted as correct (k = 2 in the official indexing)
    q = torch.tensor([[1., 0.], [0., 1.]])
    p = torch.tensor([[0.9, 0.1], [0.1, 0.9]])
    assert retrieval_ranks(q, p).tolist() == [1, 1]
    # a positive that a *different* query outranks is a miss at top-1
    q3 = torch.tensor([[1., 0.], [0.8, 0.6], [0., 1.]])
    p3 = torch.tensor([[0., 1.], [0.8, 0.6], [0., 1.]])
    assert retrieval_ranks(q3, p3).tolist() == [2, 0, 0]
    assert retrieval_accuracy(q3, p3, topk=2) == pytest.approx({1: 200 / 3, 2: 100.0})


def test_chunks_are_averaged_not_pooled():
    # chunk 0: 2 of 2 right; chunk 1: 2 of 3 right at top-1 -> mean 83.3 %, pooled would be 80 %
    q = torch.tensor([[1., 0.], [0., 1.], [1., 0.], [0.8, 0.6], [0., 1.]])
    p = torch.tensor([[1., 0.], [0., 1.], [0., 1.], [0.8, 0.6], [0., 1.]])
    chunks = torch.tensor([0, 0, 1, 1, 1])
    assert retrieval_accuracy(q, p, topk=1, chunks=chunks)[1] == pytest.approx(250 / 3)


def test_bad_mode_and_shapes_raise():
    x = torch.randn(4, 3)
    with pytest.raises(ValueError, match='mode'):
        instdisc_retrieval(x, x, x, 'x-y')
    with pytest.raises(ValueError, match='queries and positives'):
        retrieval_ranks(x, x[:3])
