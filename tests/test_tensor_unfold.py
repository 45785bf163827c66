"""Tensor.unfold(dimension, size, step): windows as a view, against numpy, gradients, torch, errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microtorch as mt
from microtorch.autograd import gradcheck, gradgradcheck


@st.composite
def unfold_args(draw, max_side: int = 6):
    shape = tuple(draw(st.integers(1, max_side)) for _ in range(draw(st.integers(1, 3))))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    size = draw(st.integers(0, shape[dim]))
    step = draw(st.integers(1, 4))
    return shape, dim, size, step


def reference(x, dim, size, step):
    """numpy's sliding windows along ``dim`` (window dim last), every ``step``-th one."""
    d = dim % x.ndim
    windows = np.lib.stride_tricks.sliding_window_view(x, size, axis=d)
    return windows[(slice(None),) * d + (slice(None, None, step),)]


@given(unfold_args(), st.integers(0, 2**16))
def test_forward_matches_sliding_windows_and_is_a_view(args, seed):
    shape, dim, size, step = args
    x = np.random.default_rng(seed).standard_normal(shape)
    t = mt.tensor(x)
    out = t.unfold(dim, size, step)
    np.testing.assert_array_equal(out.numpy(), reference(x, dim, size, step))
    if out.numel():
        assert np.shares_memory(out.numpy(), t.numpy())


@settings(max_examples=15)
@given(unfold_args(max_side=5), st.integers(0, 2**16))
def test_gradients_and_double_backward(args, seed):
    shape, dim, size, step = args
    x = mt.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)
    assert gradcheck(lambda t: t.unfold(dim, size, step), (x,))
    assert gradgradcheck(lambda t: t.unfold(dim, size, step) ** 2, (x,))


def test_overlapping_windows_sum_their_gradients():
    x = mt.arange(6.0, requires_grad=True)
    x.unfold(0, 3, 1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1, 2, 3, 3, 2, 1])


def test_notes_valid_convolution_by_hand():
    """The notes' valid convolution of (a, b, c, d, e) with (k1, k2) as windows @ kernel."""
    x = mt.tensor([1.0, 2.0, 3.0, 4.0, 5.0])
    k = mt.tensor([10.0, 1.0])
    np.testing.assert_array_equal((x.unfold(0, 2, 1) @ k).numpy(), [12.0, 23.0, 34.0, 45.0])


@settings(max_examples=15)
@given(unfold_args(), st.integers(0, 2**16))
def test_matches_torch(args, seed):
    torch = pytest.importorskip("torch")
    shape, dim, size, step = args
    x = np.random.default_rng(seed).standard_normal(shape)
    a, b = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ya, yb = a.unfold(dim, size, step), b.unfold(dim, size, step)
    np.testing.assert_array_equal(ya.detach().numpy(), yb.detach().numpy())
    g = np.random.default_rng(seed + 1).standard_normal(tuple(yb.shape))
    ya.backward(mt.tensor(g))
    yb.backward(torch.tensor(g))
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12, atol=1e-12)
    assert ya.grad_fn.name() == yb.grad_fn.name()


BAD = [
    ((10,), (0, 11, 1), RuntimeError, "maximum size for tensor at dimension 0 is 10 but size is 11"),
    ((10,), (0, 3, 0), RuntimeError, "step is 0 but must be > 0"),
    ((10,), (0, -1, 1), RuntimeError, "size is -1 but must be >= 0"),
    ((10,), (1, 3, 1), IndexError, "Dimension out of range"),
]


@pytest.mark.parametrize("shape, args, error, message", BAD)
def test_bad_arguments_raise_pytorchs_errors(shape, args, error, message):
    with pytest.raises(error, match=message):
        mt.zeros(*shape).unfold(*args)
    torch = pytest.importorskip("torch")
    with pytest.raises(error) as theirs:
        torch.zeros(*shape).unfold(*args)
    with pytest.raises(error) as ours:
        mt.zeros(*shape).unfold(*args)
    assert str(ours.value) == str(theirs.value)
