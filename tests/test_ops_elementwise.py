"""Property tests of the elementwise ops: forward vs numpy, gradients and second
derivatives vs finite differences (float64), and agreement with torch when installed."""

from __future__ import annotations

import numpy as np
import pytest
from _optable import BINARY, UNARY
from hypothesis import given
from hypothesis import strategies as st

import microtorch as mt
from microtorch.autograd import gradcheck, gradgradcheck
from microtorch.testing import assert_close
from microtorch.testing.strategies import arrays, away_from, broadcastable_shapes, shapes


def _draw_input(data, op, shape, low=None, high=None):
    a = data.draw(arrays(shape, "float64", op.low if low is None else low, op.high if high is None else high))
    if getattr(op, "kinks", ()):
        a = away_from(a, op.kinks, 1e-3)
    return a


@pytest.mark.parametrize("op", UNARY, ids=lambda o: o.name)
@given(data=st.data())
def test_unary_forward_matches_numpy(op, data):
    a = _draw_input(data, op, data.draw(shapes(0, 3, 1, 4)))
    out = op.fn(mt.tensor(a))
    assert out.dtype == mt.float64
    np.testing.assert_allclose(out.numpy(), op.ref(a), rtol=1e-12, atol=1e-12)
    out32 = op.fn(mt.tensor(a, dtype=mt.float32))
    assert out32.dtype == mt.float32
    np.testing.assert_allclose(out32.numpy(), op.ref(a.astype(np.float32)), rtol=2e-5, atol=1e-5)


@pytest.mark.parametrize("op", UNARY, ids=lambda o: o.name)
@given(data=st.data())
def test_unary_gradients(op, data):
    a = _draw_input(data, op, data.draw(shapes(0, 2, 1, 3)))
    x = mt.tensor(a, requires_grad=True)
    assert gradcheck(op.fn, (x,))
    if op.gradgrad:
        assert gradgradcheck(op.fn, (x,))


@pytest.mark.parametrize("op", BINARY, ids=lambda o: o.name)
@given(data=st.data())
def test_binary_forward_and_broadcast(op, data):
    sa, sb = data.draw(broadcastable_shapes(2, 0, 3, 3))
    a = data.draw(arrays(sa, "float64", op.low, op.high))
    b = data.draw(arrays(sb, "float64", op.b_low or op.low, op.b_high or op.high))
    out = op.fn(mt.tensor(a), mt.tensor(b))
    np.testing.assert_allclose(out.numpy(), op.ref(a, b), rtol=1e-12, atol=1e-12)
    assert out.shape == np.broadcast_shapes(sa, sb)


@pytest.mark.parametrize("op", BINARY, ids=lambda o: o.name)
@given(data=st.data())
def test_binary_gradients_reduce_to_input_shapes(op, data):
    sa, sb = data.draw(broadcastable_shapes(2, 0, 3, 3))
    gap = 0.05 if op.tie_free else 0.0
    n = int(np.prod(sa)) + int(np.prod(sb))
    lo, hi = op.low, op.high
    if op.tie_free:
        both = data.draw(arrays((n,), "float64", lo, hi, min_gap=gap))
        a, b = both[: int(np.prod(sa))].reshape(sa), both[int(np.prod(sa)) :].reshape(sb)
    else:
        a = data.draw(arrays(sa, "float64", lo, hi))
        b = data.draw(arrays(sb, "float64", op.b_low or lo, op.b_high or hi))
    x, y = mt.tensor(a, requires_grad=True), mt.tensor(b, requires_grad=True)
    assert gradcheck(op.fn, (x, y))
    assert gradgradcheck(op.fn, (x, y))


def test_where_gradients():
    cond = mt.tensor([[True, False, True]])
    x = mt.randn(2, 3, dtype=mt.float64, requires_grad=True)
    y = mt.randn(1, 3, dtype=mt.float64, requires_grad=True)
    assert gradcheck(lambda a, b: mt.where(cond, a, b), (x, y))
    assert gradgradcheck(lambda a, b: mt.where(cond, a * a, b * b), (x, y))


def test_relu_gradient_at_zero_is_zero():
    x = mt.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    x.relu().sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 1.0]


def test_maximum_ties_split_gradient():
    a = mt.tensor([1.0, 2.0], requires_grad=True)
    b = mt.tensor([1.0, 3.0], requires_grad=True)
    mt.maximum(a, b).sum().backward()
    assert a.grad.tolist() == [0.5, 0.0]
    assert b.grad.tolist() == [0.5, 1.0]


def test_sigmoid_is_stable_for_huge_inputs():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = mt.tensor([-1e4, -50.0, 0.0, 50.0, 1e4], requires_grad=True)
        y = x.sigmoid()
        y.sum().backward()
    assert y.tolist() == pytest.approx([0.0, 1.9287e-22, 0.5, 1.0, 1.0], rel=1e-3, abs=1e-30)
    assert np.isfinite(x.grad.numpy()).all()


def test_scalar_ops_keep_float32():
    x = mt.ones(3)
    for out in (x + 1.5, 1.5 + x, x * 2.0, x / 3.0, 2.0 / x, x**2.0, 2.0**x, 1.0 - x, -x):
        assert out.dtype == mt.float32


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (mt.tensor([1, 2]), 2.5, mt.float32),
        (mt.tensor([1, 2]), 2, mt.int64),
        (mt.tensor([1, 2], dtype=mt.int32), 2, mt.int32),
        (mt.tensor([True]), 1, mt.int64),
        (mt.tensor([True]), 1.0, mt.float32),
        (mt.tensor([1.0]), mt.tensor(1.0, dtype=mt.float64), mt.float32),
        (mt.tensor([1]), mt.tensor(1.0, dtype=mt.float64), mt.float64),
        (mt.tensor([1.0], dtype=mt.float16), mt.tensor([1.0]), mt.float32),
        (mt.tensor([1], dtype=mt.int64), mt.tensor([1.0], dtype=mt.float16), mt.float16),
        (mt.tensor([1], dtype=mt.uint8), mt.tensor([1], dtype=mt.int8), mt.int16),
    ],
)
def test_type_promotion_follows_pytorch(a, b, expected):
    assert (a + b).dtype == expected
    assert (a * b).dtype == expected


def test_integer_division_gives_default_float():
    assert (mt.tensor([1, 2]) / 2).dtype == mt.float32
    assert (mt.tensor([1, 2]) / mt.tensor([2, 2])).tolist() == [0.5, 1.0]
    assert (mt.tensor([3, 4]) // 2).tolist() == [1, 2]


def test_broadcast_mismatch_raises_runtime_error_naming_shapes():
    a, b = mt.ones(2, 3, requires_grad=True), mt.ones(4)
    with pytest.raises(RuntimeError, match=r"add.*\(3\).*\(4\)"):
        _ = a + b
    assert a.grad is None


def test_comparisons_return_bool():
    a = mt.tensor([1.0, 2.0, 3.0])
    assert (a > 2).dtype == mt.bool
    assert (a == mt.tensor([1.0, 0.0, 3.0])).tolist() == [True, False, True]
    assert (a <= 2).tolist() == [True, True, False]


def test_nan_and_inf_propagate():
    x = mt.tensor([float("nan"), float("inf"), 1.0])
    assert np.isnan((x * 2).numpy()[0]) and np.isinf((x + 1).numpy()[1])
    assert np.isnan(mt.maximum(x, mt.zeros(3)).numpy()[0])


@pytest.mark.parametrize("op", UNARY, ids=lambda o: o.name)
def test_unary_matches_torch(op):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a = away_from(rng.uniform(op.low, op.high, (3, 4)), getattr(op, "kinks", ()), 1e-2)
    x = mt.tensor(a, dtype=mt.float32, requires_grad=True)
    tx = torch.tensor(a, dtype=torch.float32, requires_grad=True)
    y, ty = op.fn(x), op.torch_fn(torch, tx)
    assert_close(y.detach(), mt.tensor(ty.detach().numpy()), rtol=1e-5, atol=1e-6)
    g = rng.standard_normal((3, 4)).astype(np.float32)
    y.backward(mt.tensor(g))
    ty.backward(torch.tensor(g))
    assert_close(x.grad, mt.tensor(tx.grad.numpy()), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("op", BINARY, ids=lambda o: o.name)
def test_binary_matches_torch(op):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    a = rng.uniform(op.low, op.high, (2, 3, 4))
    b = rng.uniform(op.b_low or op.low, op.b_high or op.high, (3, 1))
    x, y = mt.tensor(a, requires_grad=True), mt.tensor(b, requires_grad=True)
    tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    out, tout = op.fn(x, y), op.torch_fn(torch, tx, ty)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-12)
    out.sum().backward()
    tout.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(y.grad.numpy(), ty.grad.numpy(), rtol=1e-10, atol=1e-12)
