"""The recycled result buffers: an array is handed out again only when nothing refers to it."""

from __future__ import annotations

import gc

import numpy as np
import pytest

import microtorch as mt
from microtorch.kernels import buffers as B

SHAPE = (64, 300)  # above MIN_BYTES in float32


@pytest.fixture(autouse=True)
def _clean_cache():
    B.clear()
    yield
    B.clear()


def test_a_referenced_buffer_is_never_handed_out_again():
    held = [B.fresh(SHAPE, np.float32) for _ in range(3)]
    assert len({id(a) for a in held}) == 3  # all in use: three buffers
    view = held.pop(0)[1:]  # now only a view refers to the first one (through .base)
    later = [B.fresh(SHAPE, np.float32) for _ in range(3)]
    assert all(a is not view.base for a in later)
    assert all(a is not h for a in later for h in held)


def test_an_unreferenced_buffer_is_recycled_and_kinds_stay_apart():
    a = B.fresh(SHAPE, np.float32)
    first = id(a)
    del a
    gc.collect()
    b = B.fresh(SHAPE, np.float32)
    assert id(b) == first
    assert B.fresh(SHAPE, np.float64) is not b  # another dtype: another buffer
    assert B.fresh((SHAPE[1], SHAPE[0]), np.float32) is not b  # another shape too


def test_reshaped_or_read_only_buffers_are_not_recycled():
    a = B.fresh(SHAPE, np.float32)
    a.shape = (SHAPE[1], SHAPE[0])  # an in-place shape change on the cached array itself
    first = id(a)
    del a
    assert id(B.fresh(SHAPE, np.float32)) != first
    c = B.fresh(SHAPE, np.float32)
    c.flags.writeable = False
    cid = id(c)
    del c
    assert id(B.fresh(SHAPE, np.float32)) != cid


def test_small_and_disabled_requests_are_plain_allocations(monkeypatch):
    small = B.fresh((4, 4), np.float32)
    assert B.cached_bytes() == 0 and small.shape == (4, 4)
    monkeypatch.setattr(B, "ENABLED", False)
    B.fresh(SHAPE, np.float32)
    assert B.cached_bytes() == 0


def test_zeros_are_zero_after_recycling():
    a = B.fresh(SHAPE, np.float32)
    a.fill(7)
    del a
    assert not B.fresh_zeros(SHAPE, np.float32).any()


def test_results_kept_by_the_user_survive_later_calls():
    # every kernel result that uses the cache, kept across many later calls, keeps its values
    rng = np.random.default_rng(0)
    x = mt.tensor(rng.standard_normal((8, 3, 20, 20)).astype(np.float32), requires_grad=True)
    w = mt.tensor(rng.standard_normal((4, 3, 3, 3)).astype(np.float32), requires_grad=True)
    kept, copies = [], []
    for _ in range(6):
        y = mt.nn.functional.max_pool2d(mt.relu(mt.nn.functional.conv2d(x, w, padding=1)), 2)
        y.sum().backward()
        kept += [y, x.grad, w.grad]
        copies += [y.detach().numpy().copy(), x.grad.numpy().copy(), w.grad.numpy().copy()]
        x.grad = w.grad = None
    for t, c in zip(kept, copies):
        np.testing.assert_array_equal(t.detach().numpy(), c)


def test_same_results_with_and_without_the_cache(monkeypatch):
    rng = np.random.default_rng(1)
    a = rng.standard_normal((16, 6, 28, 28)).astype(np.float32)
    w = rng.standard_normal((8, 6, 5, 5)).astype(np.float32)

    def run():
        x, ww = mt.tensor(a, requires_grad=True), mt.tensor(w, requires_grad=True)
        y = mt.nn.functional.max_pool2d(mt.relu(mt.nn.functional.conv2d(x, ww, padding=2)), 2)
        y.backward(mt.ones_like(y))
        return y.detach().numpy().copy(), x.grad.numpy().copy(), ww.grad.numpy().copy()

    cached = [run() for _ in range(3)][-1]
    monkeypatch.setattr(B, "ENABLED", False)
    plain = run()
    for c, p in zip(cached, plain):
        np.testing.assert_array_equal(c, p)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_large_elementwise_chain_same_with_and_without_the_cache(monkeypatch, dtype):
    # the elementwise ops and their array backward formulas write large results into
    # recycled buffers: the values (and those of results kept from earlier calls) stay put
    rng = np.random.default_rng(2)
    a, b = (rng.standard_normal(40_000).astype(dtype) for _ in range(2))

    def run():
        x, w = mt.tensor(a, requires_grad=True), mt.tensor(b, requires_grad=True)
        y = ((x * w + 1.0).tanh() - w).sigmoid() * 2.0 - (x * 0.5).exp()
        (y * y).sum().backward()
        return [y.detach().numpy(), x.grad.numpy(), w.grad.numpy()]

    kept = [run() for _ in range(3)]
    monkeypatch.setattr(B, "ENABLED", False)
    plain = run()
    for result in kept:
        for c, p in zip(result, plain):
            np.testing.assert_array_equal(c, p)


def test_broadcast_gradient_and_python_numbers_keep_dtype_and_layout():
    a = np.arange(40_000, dtype=np.float32)
    g = np.broadcast_to(np.float32(2), a.shape)  # what a sum's backward passes on
    out = B.binary(np.multiply, g, a)
    assert out.dtype == np.float32 and out.flags.c_contiguous
    np.testing.assert_array_equal(out, 2 * a)
    assert B.binary(np.add, a, 1.5).dtype == np.float32
    assert B.binary(np.add, a.astype(np.int64), 1.5).dtype == np.float64  # not a floating array: numpy's rule
    t = a.reshape(200, 200).T  # not C-contiguous: numpy keeps the layout
    assert B.unary(np.exp, t).strides == np.exp(t).strides
