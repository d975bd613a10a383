import math

import pytest
import torch

from mec_plugin.evaluation import alignment, class_alignment, effective_rank, uniformity


def test_alignment_of_identical_views_is_zero_and_of_opposite_views_is_four():
    x = torch.randn(10, 6)
    assert alignment(x, x.clone()).item() == pytest.approx(0.0, abs=1e-6)
    assert alignment(x, -x).item() == pytest.approx(4.0, abs=1e-5)


def test_alignment_is_two_minus_two_mean_cosine():
    x, y = torch.randn(50, 7), torch.randn(50, 7)
    cos = torch.nn.functional.cosine_similarity(x, y).mean().item()
    assert alignment(x, y).item() == pytest.approx(2 - 2 * cos, rel=1e-5)


def test_uniformity_closed_forms():
    # two antipodal points: |x - y|^2 = 4 -> log exp(-2 * 4) = -8
    assert uniformity(torch.tensor([[1., 0.], [-1., 0.]])).item() == pytest.approx(-8.0)
    # the 4 vertices of a square on the circle: 4 pairs at distance^2 2, 2 at 4
    sq = torch.tensor([[1., 0.], [0., 1.], [-1., 0.], [0., -1.]])
    expected = math.log((4 * math.exp(-4) + 2 * math.exp(-8)) / 6)
    assert uniformity(sq).item() == pytest.approx(expected, rel=1e-6)
    # t scales the exponent; identical points give log 1 = 0
    assert uniformity(torch.ones(5, 3), t=3.).item() == pytest.approx(0.0, abs=1e-6)


def test_class_alignment_is_the_within_class_mean_squared_distance():
    x = torch.tensor([[1., 0.], [0., 1.], [1., 0.], [1., 0.]])
    labels = torch.tensor([0, 0, 1, 1])
    # class 0: one pair at distance^2 2; class 1: identical -> 0; mean = 1
    assert class_alignment(x, labels).item() == pytest.approx(1.0)


def test_effective_rank_closed_forms():
    line = torch.randn(100, 1) * torch.tensor([[1., 2., 3.]])
    assert effective_rank(line).item() == pytest.approx(1.0, abs=1e-6)
    # columns with equal, orthogonal energy: rank = dimension
    iso = torch.cat([torch.eye(4), -torch.eye(4)])
    assert effective_rank(iso).item() == pytest.approx(4.0, rel=1e-6)
