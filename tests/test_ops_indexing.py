"""scatter / scatter_add / one_hot / diag / roll / tile / meshgrid / unique."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import microtorch as mt
from microtorch.autograd import gradcheck, gradgradcheck
from microtorch.ops.indexing import one_hot


@given(st.integers(1, 4), st.integers(1, 4), st.integers(0, 2**31 - 1))
def test_scatter_add_matches_loop_and_gradients(rows, cols, seed):
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, rows, size=(rows, cols))
    src = rng.standard_normal((rows, cols))
    expected = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            expected[idx[i, j], j] += src[i, j]
    s = mt.tensor(src, requires_grad=True)
    out = mt.zeros(rows, cols, dtype=mt.float64).scatter_add(0, mt.tensor(idx), s)
    np.testing.assert_allclose(out.detach().numpy(), expected)
    assert gradcheck(lambda t: mt.zeros(rows, cols, dtype=mt.float64).scatter_add(0, mt.tensor(idx), t), (s,))


def test_scatter_one_hot_pattern_and_errors():
    labels = mt.tensor([2, 0, 1])
    x = mt.zeros(3, 4).scatter_(1, labels.unsqueeze(1), 1.0)
    assert x.tolist() == [[0, 0, 1, 0], [1, 0, 0, 0], [0, 1, 0, 0]]
    assert one_hot(labels, 4).tolist() == x.long().tolist()
    assert one_hot(labels).shape == (3, 3) and one_hot(labels).dtype == mt.int64
    with pytest.raises(RuntimeError, match="out of bounds"):
        mt.zeros(3, 4).scatter(1, mt.tensor([[4], [0], [0]]), 1.0)
    with pytest.raises(RuntimeError, match="smaller than num_classes"):
        one_hot(labels, 2)


def test_diag_roll_tile_gradients():
    v = mt.tensor([1.0, 2.0, 3.0], dtype=mt.float64, requires_grad=True)
    assert mt.diag(v).tolist() == [[1, 0, 0], [0, 2, 0], [0, 0, 3]]
    assert mt.diag(mt.diag(v)).tolist() == [1, 2, 3]
    assert mt.roll(v, 1).tolist() == [3, 1, 2]
    assert mt.tile(v, (2,)).tolist() == [1, 2, 3, 1, 2, 3]
    assert gradcheck(lambda t: mt.diag(t, 1), (v,))
    assert gradgradcheck(lambda t: mt.roll(t, -1) * t, (v,))
    assert gradcheck(lambda t: mt.tile(t.reshape(1, 3), (2, 2)), (v,))


def test_unique_and_meshgrid():
    vals, inv, counts = mt.unique(mt.tensor([3, 1, 3, 2]), return_inverse=True, return_counts=True)
    assert vals.tolist() == [1, 2, 3] and inv.tolist() == [2, 0, 2, 1] and counts.tolist() == [1, 1, 2]
    gx, gy = mt.meshgrid(mt.arange(2), mt.arange(3), indexing="xy")
    assert gx.shape == (3, 2) and gx.tolist()[0] == [0, 1] and gy.tolist()[2] == [2, 2]


def test_indexing_ops_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    src = rng.standard_normal((2, 5))
    idx = rng.integers(0, 3, (2, 5))
    a = mt.zeros(3, 5, dtype=mt.float64).scatter_add(0, mt.tensor(idx), mt.tensor(src))
    b = torch.zeros(3, 5, dtype=torch.float64).scatter_add(0, torch.tensor(idx), torch.tensor(src))
    np.testing.assert_allclose(a.numpy(), b.numpy())
    x = rng.standard_normal((3, 4))
    np.testing.assert_array_equal(
        mt.roll(mt.tensor(x), (1, -2), (0, 1)).numpy(), torch.roll(torch.tensor(x), (1, -2), (0, 1)).numpy()
    )
    np.testing.assert_array_equal(mt.diag(mt.tensor(x), -1).numpy(), torch.diag(torch.tensor(x), -1).numpy())
