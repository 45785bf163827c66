"""The bitwise selection kernel against numpy's where, and the ops that use it against torch."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import microtorch as mt
from microtorch.kernels import select as K

DTYPES = ["float16", "float32", "float64", "int8", "int32", "int64", "uint8", "bool"]


def _bits_equal(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a.view(np.uint8), b.view(np.uint8))


def _values(rng, shape, dtype):
    a = (rng.standard_normal(shape) * 50).astype(dtype)
    if a.dtype.kind == "f" and a.size >= 6:
        a.flat[:6] = [np.nan, -0.0, np.inf, -np.inf, 0.0, -np.nan]  # signed zeros and NaN signs kept
    return a


@given(
    st.sampled_from(DTYPES),
    st.sampled_from([(70, 70), (5000,), (3, 40, 50)]),
    st.sampled_from(["full", "row", "scalar"]),
    st.integers(0, 2**16),
)
def test_select_and_zero_where_are_bitwise_where(dtype, shape, other, seed):
    rng = np.random.default_rng(seed)
    cond = rng.random(shape) < 0.5
    a = _values(rng, shape, dtype)
    b_shape = {"full": shape, "row": shape[-1:], "scalar": ()}[other]
    b = _values(rng, b_shape, dtype)
    assert _bits_equal(K.select(cond, a, b), np.where(cond, a, b))
    if other == "full":
        assert _bits_equal(K.select(cond, b, a), np.where(cond, b, a))
    assert _bits_equal(K.zero_where(cond, a), np.where(cond, a.dtype.type(0), a))


def test_select_falls_back_for_mixed_dtypes_and_small_inputs():
    cond = np.array([True, False] * 3000)
    a = np.arange(6000, dtype=np.float32)
    b = np.arange(6000, dtype=np.float64)
    assert _bits_equal(K.select(cond, a, b), np.where(cond, a, b))  # promotes like numpy
    small = np.array([True, False])
    assert _bits_equal(K.select(small, a[:2], a[2:4]), np.where(small, a[:2], a[2:4]))


def test_relu_and_its_gradient_match_torch_at_zero_nan_inf():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a = rng.standard_normal(6000).astype(np.float32)
    a[:6] = [-0.0, 0.0, np.nan, -1.0, np.inf, -np.inf]
    g = rng.standard_normal(6000).astype(np.float32)
    g[:6] = [1.0, np.inf, np.nan, np.nan, -np.inf, 3.0]
    x, tx = mt.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    mt.relu(x).backward(mt.tensor(g))
    torch.relu(tx).backward(torch.tensor(g))
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
    assert np.array_equal(np.signbit(x.grad.numpy()), np.signbit(tx.grad.numpy()))


def test_where_forward_and_backward_on_large_random_masks():
    rng = np.random.default_rng(1)
    cond = rng.random((80, 80)) < 0.5
    a, b = rng.standard_normal((80, 80)), rng.standard_normal((80,))
    x, y = mt.tensor(a, requires_grad=True), mt.tensor(b, requires_grad=True)
    out = mt.where(mt.tensor(cond), x, y)
    np.testing.assert_array_equal(out.detach().numpy(), np.where(cond, a, b))
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), cond.astype(np.float64))
    np.testing.assert_array_equal(y.grad.numpy(), (~cond).sum(axis=0).astype(np.float64))
