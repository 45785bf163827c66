"""Property tests of reductions, softmax family, and the tie rules of max/min."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import microtorch as mt
from microtorch.autograd import gradcheck, gradgradcheck
from microtorch.testing.strategies import arrays, shapes


@st.composite
def array_and_dim(draw, min_gap=0.0, min_dims=1):
    shape = draw(shapes(min_dims, 3, 1, 4))
    a = draw(arrays(shape, "float64", -3, 3, min_gap=min_gap))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    keepdim = draw(st.booleans())
    return a, dim, keepdim


REDUCTIONS = [
    ("sum", lambda x, d, k: x.sum(d, keepdim=k), lambda a, d, k: a.sum(d, keepdims=k), 0.0),
    ("mean", lambda x, d, k: x.mean(d, keepdim=k), lambda a, d, k: a.mean(d, keepdims=k), 0.0),
    ("var", lambda x, d, k: x.var(d, keepdim=k), lambda a, d, k: a.var(d, ddof=1, keepdims=k), 0.0),
    ("std", lambda x, d, k: x.std(d, keepdim=k), lambda a, d, k: a.std(d, ddof=1, keepdims=k), 0.01),
    ("amax", lambda x, d, k: x.amax(d, keepdim=k), lambda a, d, k: a.max(d, keepdims=k), 0.01),
    ("amin", lambda x, d, k: x.amin(d, keepdim=k), lambda a, d, k: a.min(d, keepdims=k), 0.01),
    ("max_dim", lambda x, d, k: x.max(d, keepdim=k).values, lambda a, d, k: a.max(d, keepdims=k), 0.01),
    ("min_dim", lambda x, d, k: x.min(d, keepdim=k)[0], lambda a, d, k: a.min(d, keepdims=k), 0.01),
    (
        "logsumexp",
        lambda x, d, k: x.logsumexp(d, keepdim=k),
        lambda a, d, k: np.log(np.exp(a).sum(d, keepdims=k)),
        0.0,
    ),
    (
        "softmax",
        lambda x, d, k: x.softmax(d),
        lambda a, d, k: np.exp(a) / np.exp(a).sum(d, keepdims=True),
        0.0,
    ),
    (
        "log_softmax",
        lambda x, d, k: x.log_softmax(d),
        lambda a, d, k: a - np.log(np.exp(a).sum(d, keepdims=True)),
        0.0,
    ),
]


@pytest.mark.parametrize(("name", "fn", "ref", "gap"), REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
@given(data=st.data())
def test_reduction_forward_and_gradients(name, fn, ref, gap, data):
    a, dim, keepdim = data.draw(array_and_dim(min_gap=gap))
    if name in ("var", "std") and a.shape[dim] < 2:
        a = np.concatenate([a, a + 0.5], axis=dim)
    x = mt.tensor(a, requires_grad=True)
    np.testing.assert_allclose(fn(x, dim, keepdim).detach().numpy(), ref(a, dim, keepdim), rtol=1e-10, atol=1e-12)
    assert gradcheck(lambda t: fn(t, dim, keepdim), (x,))
    assert gradgradcheck(lambda t: fn(t, dim, keepdim), (x,))


@given(arrays(shapes(0, 3, 1, 4), "float64", -3, 3))
def test_whole_tensor_reductions(a):
    x = mt.tensor(a, requires_grad=True)
    assert float(x.sum()) == pytest.approx(a.sum())
    assert float(x.mean()) == pytest.approx(a.mean())
    assert float(x.max()) == a.max() and float(x.min()) == a.min()
    assert gradcheck(lambda t: t.sum() * t.mean(), (x,))


def test_max_dim_gradient_goes_to_first_maximum():
    x = mt.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], requires_grad=True)
    values, indices = x.max(dim=1)
    assert indices.tolist() == [1, 0]
    values.sum().backward()
    assert x.grad.tolist() == [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]


def test_whole_max_and_amax_split_ties_evenly():
    x = mt.tensor([1.0, 3.0, 3.0, 0.0], requires_grad=True)
    x.max().backward()
    assert x.grad.tolist() == [0.0, 0.5, 0.5, 0.0]
    y = mt.tensor([[2.0, 2.0], [1.0, 5.0]], requires_grad=True)
    y.amax(dim=1).sum().backward()
    assert y.grad.tolist() == [[0.5, 0.5], [0.0, 1.0]]


def test_argmax_argmin_first_occurrence():
    x = mt.tensor([[1.0, 4.0, 4.0], [0.0, -1.0, -1.0]])
    assert x.argmax(dim=1).tolist() == [1, 0]
    assert x.argmin(dim=1).tolist() == [0, 1]
    assert int(x.argmax()) == 1
    assert x.argmax(dim=1, keepdim=True).shape == (2, 1)


def test_softmax_and_log_softmax_are_stable_at_large_logits():
    x = mt.tensor([[1000.0, 0.0, -1000.0], [-1000.0, -1000.0, -1000.0]], requires_grad=True)
    ls = x.log_softmax(dim=1)
    assert np.isfinite(ls.detach().numpy()).all()
    np.testing.assert_allclose(ls.detach().numpy()[0], [0.0, -1000.0, -2000.0])
    sm = x.softmax(dim=1)
    np.testing.assert_allclose(sm.detach().numpy()[1], [1 / 3] * 3, rtol=1e-6)
    ls.sum().backward()
    assert np.isfinite(x.grad.numpy()).all()


def test_integer_sum_is_int64_and_mean_rejects_integers():
    x = mt.tensor([1, 2, 3], dtype=mt.int32)
    assert x.sum().dtype == mt.int64
    with pytest.raises(RuntimeError, match="mean"):
        x.mean()


def test_var_correction_and_unbiased():
    a = np.array([1.0, 2.0, 4.0, 7.0])
    x = mt.tensor(a)
    assert float(x.var()) == pytest.approx(a.var(ddof=1))
    assert float(x.var(unbiased=False)) == pytest.approx(a.var())
    assert float(x.var(correction=0)) == pytest.approx(a.var())
    assert float(x.std(0)) == pytest.approx(a.std(ddof=1))


def test_reduction_dim_out_of_range():
    with pytest.raises(IndexError, match="Dimension out of range"):
        mt.ones(2, 3).sum(2)


@pytest.mark.parametrize(
    "call",
    [
        lambda m, x: m.sum(x, 1),
        lambda m, x: m.mean(x, (0, 2), keepdim=True),
        lambda m, x: m.amax(x, 1),
        lambda m, x: x.max(2)[0],
        lambda m, x: m.logsumexp(x, 0),
        lambda m, x: m.softmax(x, -1),
        lambda m, x: m.log_softmax(x, 1),
        lambda m, x: x.var(1),
        lambda m, x: x.std(0, keepdim=True),
        lambda m, x: x.max(),
    ],
)
def test_reductions_match_torch(call):
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(3).standard_normal((3, 4, 5))
    x, tx = mt.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    out, tout = call(mt, x), call(torch, tx)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-12, atol=1e-12)
    g = np.random.default_rng(4).standard_normal(tuple(tout.shape))
    out.backward(mt.tensor(g))
    tout.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)
