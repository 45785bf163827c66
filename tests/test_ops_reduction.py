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


# --- regressions: 0-d tensors, empty inputs, kinks, NaN, saved outputs, argument errors ---------

NAN = float("nan")


def _pair(torch, data, dtype="float64", requires_grad=False):
    a = np.asarray(data, dtype=dtype)
    return (
        mt.tensor(a, requires_grad=requires_grad),
        torch.tensor(a, requires_grad=requires_grad),
    )


def _assert_same(out, tout):
    if isinstance(tout, tuple):
        for o, t in zip(out, tout):
            _assert_same(o, t)
        return
    assert tuple(out.shape) == tuple(tout.shape)
    assert str(out.dtype).split(".")[-1] == str(tout.dtype).split(".")[-1]
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-12, atol=1e-12)


ZERO_DIM_CALLS = [
    lambda m, x, d: m.sum(x, d),
    lambda m, x, d: m.sum(x, d, keepdim=True),
    lambda m, x, d: m.mean(x, d),
    lambda m, x, d: m.amax(x, d),
    lambda m, x, d: m.amin(x, d, keepdim=True),
    lambda m, x, d: m.all(x, d),
    lambda m, x, d: m.any(x, d),
    lambda m, x, d: m.count_nonzero(x, d),
    lambda m, x, d: m.logsumexp(x, d),
    lambda m, x, d: m.topk(x, 1, d),
    lambda m, x, d: m.transpose(x, d, 0),
    lambda m, x, d: m.cumsum(x, d),
    lambda m, x, d: m.prod(x, d),
    lambda m, x, d: m.softmax(x, d),
    lambda m, x, d: m.max(x, d),
    lambda m, x, d: m.argmax(x, d),
]


@pytest.mark.parametrize("dim", [0, -1])
@pytest.mark.parametrize("call", ZERO_DIM_CALLS)
def test_zero_dim_tensors_accept_dim_0_and_minus_1(call, dim):
    torch = pytest.importorskip("torch")
    x, tx = _pair(torch, 2.5)
    _assert_same(call(mt, x, dim), call(torch, tx, dim))


@pytest.mark.parametrize("call", ZERO_DIM_CALLS)
def test_dim_out_of_range_and_non_int_dims(call):
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-1, 0\], but got 1\)"):
        call(mt, mt.tensor(2.5), 1)
    with pytest.raises(TypeError):
        call(mt, mt.tensor([2.5, 1.0]), 0.5)


def test_zero_dim_cumsum_gradient():
    x = mt.tensor(3.0, dtype=mt.float64, requires_grad=True)
    y = x.cumsum(0)
    assert y.shape == ()
    y.backward()
    assert float(x.grad) == 1.0


@pytest.mark.parametrize(
    "call",
    [
        lambda m, x: m.softmax(x, 1),
        lambda m, x: m.log_softmax(x, 1),
        lambda m, x: m.softmax(x, 0),
        lambda m, x: m.nn.functional.softmin(x, 1),
        lambda m, x: m.nn.functional.softmin(x, 0, dtype=m.float32),
    ],
)
def test_softmax_family_over_empty_dims(call):
    torch = pytest.importorskip("torch")
    x, tx = _pair(torch, np.zeros((3, 0)), requires_grad=True)
    out, tout = call(mt, x), call(torch, tx)
    _assert_same(out, tout)
    out.sum().backward()
    assert x.grad.shape == (3, 0)


@pytest.mark.parametrize(
    "call",
    [
        lambda m, x: m.var(x),
        lambda m, x: m.std(x),
        lambda m, x: m.var(x, 0),
        lambda m, x: m.std(x, 1, unbiased=False),
        lambda m, x: m.var(x, True),
        lambda m, x: m.var_mean(x, True),
        lambda m, x: m.std_mean(x, 0),
    ],
)
def test_var_std_of_empty_is_nan(call):
    torch = pytest.importorskip("torch")
    x, tx = _pair(torch, np.zeros((0, 3)))
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _assert_same(call(mt, x), call(torch, tx))


def test_var_with_correction_beyond_count():
    torch = pytest.importorskip("torch")
    import warnings

    for data in ([1.0, 2.0, 3.0], [2.0, 2.0, 2.0]):
        x, tx = _pair(torch, data)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _assert_same(x.var(correction=5), tx.var(correction=5))


def test_var_mean_positional_unbiased():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).standard_normal((4, 5))
    for unbiased in (True, False):
        x, tx = _pair(torch, a)
        _assert_same(mt.var_mean(x, unbiased), torch.var_mean(tx, unbiased))
        _assert_same(mt.std_mean(x, unbiased), torch.std_mean(tx, unbiased))


@pytest.mark.parametrize("data", [3.0, [], np.zeros((2, 0)), [2.0, 0.0, 3.0], [0.0, 0.0, 5.0], [1.5, -2.0, 0.5]])
def test_prod_gradients_match_torch(data):
    torch = pytest.importorskip("torch")
    x, tx = _pair(torch, data, requires_grad=True)
    out, tout = x.prod(), tx.prod()
    _assert_same(out, tout)
    out.backward()
    tout.backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())


@pytest.mark.parametrize(
    "a",
    [
        np.array([[1.5, 0.0, -2.0], [0.5, 0.7, 1.2]]),
        np.array([[0.0, 0.0, 2.0], [0.3, -1.1, 0.9]]),
        np.array([[1.5, -0.6, 2.0], [0.5, 0.7, 1.2]]),
    ],
)
def test_prod_second_order_with_zeros(a):
    x = mt.tensor(a, requires_grad=True)
    assert gradgradcheck(lambda t: t.prod(), (x,))
    assert gradgradcheck(lambda t: t.prod(1), (x,))
    assert gradgradcheck(lambda t: t.prod(0, keepdim=True), (x,))


def test_prod_second_order_with_zeros_matches_torch():
    torch = pytest.importorskip("torch")
    a = np.array([[0.0, 2.0, 3.0], [0.0, 0.0, 4.0]])
    x, tx = _pair(torch, a, requires_grad=True)
    (g,) = mt.autograd.grad(x.prod(1).sum(), x, create_graph=True)
    (tg,) = torch.autograd.grad(tx.prod(1).sum(), tx, create_graph=True)
    w = np.arange(6.0).reshape(2, 3)
    (gg,) = mt.autograd.grad((g * mt.tensor(w)).sum(), x)
    (tgg,) = torch.autograd.grad((tg * torch.tensor(w)).sum(), tx)
    np.testing.assert_allclose(gg.numpy(), tgg.numpy())


@pytest.mark.parametrize("p", [0, 1, 2, 3, 0.5, -1, -0.5, float("inf"), float("-inf"), "fro", "nuc"])
def test_norm_orders_match_torch(p):
    torch = pytest.importorskip("torch")
    a = np.array([[1.5, 0.0, -2.0], [0.5, -0.7, 1.2], [2.0, 1.0, 0.3]])
    x, tx = _pair(torch, a, requires_grad=True)
    out, tout = x.norm(p), tx.norm(p)
    _assert_same(out, tout)
    out.backward()
    tout.backward()
    tgrad = tx.grad.numpy() if tx.grad is not None else np.zeros_like(a)
    got = x.grad.numpy() if x.grad is not None else np.zeros_like(a)
    np.testing.assert_allclose(got, tgrad, rtol=1e-10, atol=1e-12)


def test_nuclear_norm_second_order():
    a = np.random.default_rng(5).standard_normal((2, 4, 3))
    x = mt.tensor(a, requires_grad=True)
    assert gradcheck(lambda t: mt.norm(t, "nuc", (1, 2)), (x,))
    assert gradgradcheck(lambda t: mt.norm(t, "nuc", (1, 2)), (x,))
    assert gradgradcheck(lambda t: mt.norm(t.transpose(1, 2), "nuc", (1, 2)), (x,))


@pytest.mark.parametrize(
    "call",
    [
        lambda x: (x * 0).norm(),
        lambda x: (x * 0).norm(dim=1),
        lambda x: (x * 0 + 2).std(),
        lambda x: (x * 0 + 2).std(0),
    ],
)
def test_zero_norm_and_constant_std_have_zero_gradient(call):
    torch = pytest.importorskip("torch")
    x, tx = _pair(torch, [[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    call(x).sum().backward()
    call(tx).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
    assert not np.isnan(x.grad.numpy()).any()


@pytest.mark.parametrize(
    "call",
    [
        lambda x: x.max(),
        lambda x: x.min(),
        lambda x: x.amax(),
        lambda x: x.amin(0),
        lambda x: x.max(0)[0],
        lambda x: x.logsumexp(0),
    ],
)
def test_reductions_with_nan_match_torch_gradient(call):
    torch = pytest.importorskip("torch")
    x, tx = _pair(torch, [1.0, NAN, 3.0, NAN, 3.0], requires_grad=True)
    out, tout = call(x), call(tx)
    _assert_same(out, tout)
    out.backward()
    tout.backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


@pytest.mark.parametrize("largest", [True, False])
def test_topk_and_sort_order_nan_as_largest(largest):
    torch = pytest.importorskip("torch")
    # topk's order among ties is unspecified in torch: only the NaNs tie here
    x, tx = _pair(torch, [[1.0, NAN, 3.0, -1.0, NAN, 2.5], [0.0, 2.0, 4.0, NAN, -5.0, 1.0]])
    v, i = x.topk(3, 1, largest=largest)
    tv, ti = tx.topk(3, 1, largest=largest)
    np.testing.assert_array_equal(v.numpy(), tv.numpy())
    np.testing.assert_array_equal(i.numpy(), ti.numpy())
    x, tx = _pair(torch, [[1.0, NAN, 3.0, -1.0, NAN, 3.0], [0.0, 2.0, 2.0, NAN, -5.0, 1.0]])
    v, i = x.sort(dim=1, descending=largest, stable=True)
    tv, ti = tx.sort(dim=1, descending=largest, stable=True)
    np.testing.assert_array_equal(v.numpy(), tv.numpy())
    np.testing.assert_array_equal(i.numpy(), ti.numpy())


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int32"])
def test_sort_descending_of_bool_and_unsigned(dtype):
    torch = pytest.importorskip("torch")
    x, tx = _pair(torch, [1, 0, 1, 1, 0], dtype=dtype)
    v, i = x.sort(descending=True, stable=True)
    tv, ti = tx.sort(descending=True, stable=True)
    np.testing.assert_array_equal(v.numpy(), tv.numpy())
    np.testing.assert_array_equal(i.numpy(), ti.numpy())


@pytest.mark.parametrize(
    "call",
    [
        lambda x: (x * 2).amax(),
        lambda x: (x * 2).amin(0),
        lambda x: (x * 2).max(),
        lambda x: (x * 2).min(),
        lambda x: (x * 2).logsumexp(0),
        lambda x: (x * 2).prod(),
        lambda x: (x * 2).softmax(0),
        lambda x: (x * 2).norm(),
        lambda x: (x * 2).norm(float("inf")),
    ],
)
def test_saved_outputs_detect_inplace_changes(call):
    x = mt.tensor([1.0, 2.0, 3.0, 3.0], requires_grad=True)
    y = call(x)
    y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_whole_amax_on_empty_is_runtime_error_dim_is_index_error():
    torch = pytest.importorskip("torch")
    x, tx = mt.zeros(5, 0, 5), torch.zeros(5, 0, 5)
    for call in (lambda t: t.amax(), lambda t: t.amin(()), lambda t: t.max()):
        with pytest.raises(RuntimeError):
            call(tx)
        with pytest.raises(RuntimeError, match="Expected reduction dim to be specified"):
            call(x)
    with pytest.raises(IndexError, match="Expected reduction dim 1 to have non-zero size"):
        x.amax(1)
    assert x.amax(0).shape == tx.amax(0).shape


def test_small_integer_reductions_keep_torch_dtypes():
    torch = pytest.importorskip("torch")
    for dtype in ("uint8", "int32", "bool"):
        x, tx = _pair(torch, [[1, 0, 1], [1, 1, 1]], dtype=dtype)
        if dtype == "bool":
            with pytest.raises(NotImplementedError):
                tx.cumsum(1, dtype=tx.dtype)
            with pytest.raises(NotImplementedError, match="cumsum"):
                x.cumsum(1, dtype=x.dtype)
        else:
            _assert_same(x.cumsum(1, dtype=x.dtype), tx.cumsum(1, dtype=tx.dtype))
        _assert_same(x.cumsum(1), tx.cumsum(1))
        _assert_same(x.sum(1), tx.sum(1))
        _assert_same(x.prod(1), tx.prod(1))
        _assert_same(x.all(1), tx.all(1))
        _assert_same(x.any(()), tx.any(()))


BAD_ARGUMENT_CALLS = [
    lambda m: m.sum("x"),
    lambda m: m.mean([1.0, 2.0]),
    lambda m: m.amax(m.ones(2, 3), 1, "no"),
    lambda m: m.argmax(m.ones(2, 3), 1, "no"),
    lambda m: m.logsumexp(m.ones(2, 3), 1, "no"),
    lambda m: m.max(m.ones(2, 3), 1, "no"),
    lambda m: m.min(2, m.ones(3)),
    lambda m: m.max(2, 3),
    lambda m: m.var(m.ones(2, 3), dim=1, unbiased="yes", keepdim=True),
    lambda m: m.std_mean(m.ones(2, 3), dim=1, unbiased="yes", keepdim=True),
    lambda m: m.sort(m.ones(3), 0, "down"),
    lambda m: m.topk(m.ones(3), 1.5),
    lambda m: m.cumsum([1.0], 0),
    lambda m: m.softmax("x", 0),
    lambda m: m.softmax(m.ones(3, dtype=m.int64), 0),
    lambda m: m.log_softmax(m.ones(3, dtype=m.bool), 0),
    lambda m: m.argmax(m.ones(3, dtype=m.bool)),
    lambda m: m.topk(m.ones(3, dtype=m.bool), 1),
    lambda m: m.norm(m.ones(3, 4, 5), "nuc"),
    lambda m: m.norm(m.ones(3), "nuc"),
    lambda m: m.norm(m.zeros(0, 3), float("inf"), 0),
    lambda m: m.var(m.ones(3, dtype=m.int64)),
    lambda m: m.std(m.ones(3, dtype=m.int64), 1),
    lambda m: m.amax(m.zeros(0), (0, -1)),
    lambda m: m.amin(m.zeros(3), (0, -1)),
    lambda m: m.norm(m.ones(2, 3, 4), "fro", (0, 1, 2)),
    lambda m: m.norm(m.ones(2, 3), "abc"),
    lambda m: m.logsumexp(m.ones(2, 3)),
    lambda m: m.logsumexp(m.ones(2, 3), None),
]


@pytest.mark.parametrize("call", BAD_ARGUMENT_CALLS)
def test_bad_reduction_arguments_raise_torchs_error_class(call):
    torch = pytest.importorskip("torch")
    with pytest.raises(Exception) as expected:
        call(torch)
    with pytest.raises(type(expected.value)):
        call(mt)


def test_amax_amin_out_follow_torch():
    torch = pytest.importorskip("torch")
    import warnings

    a = np.random.default_rng(2).standard_normal((4, 3))
    for name in ("amax", "amin"):
        x, tx = _pair(torch, a)
        out, tout = mt.zeros(1, dtype=mt.float64), torch.zeros(1, dtype=torch.float64)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert getattr(mt, name)(x, 0, out=out) is out
            getattr(torch, name)(tx, 0, out=tout)
        _assert_same(out, tout)
        assert out._version == 1
        with pytest.raises(RuntimeError, match="Expected the dtype for input and out to match"):
            getattr(mt, name)(x, 0, out=mt.zeros(3, dtype=mt.float32))
        with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
            getattr(mt, name)(mt.tensor(a, requires_grad=True), 0, out=mt.zeros(3, dtype=mt.float64))


def test_logsumexp_empty_dim_list_as_torch():
    torch = pytest.importorskip("torch")
    x, tx = _pair(torch, np.ones((2, 3)))
    with pytest.raises(RuntimeError):
        torch.logsumexp(tx, ())
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        mt.logsumexp(x, ())
    _assert_same(mt.logsumexp(x, (), keepdim=True), torch.logsumexp(tx, (), keepdim=True))
    _assert_same(mt.logsumexp(mt.tensor(2.0), ()), torch.logsumexp(torch.tensor(2.0), ()))
    _assert_same(mt.logsumexp(mt.zeros(0, 3), ()), torch.logsumexp(torch.zeros(0, 3), ()))


@pytest.mark.parametrize(
    ("call", "data"),
    [
        (lambda x: x.norm(), [[0.0, 0.0], [0.0, 0.0]]),
        (lambda x: x.norm(dim=1), [[0.0, 0.0], [1.0, -2.0]]),
        (lambda x: x.norm(0.5), [[0.0, 1.0], [-1.0, 2.0]]),
        (lambda x: x.norm(3, dim=0), [[0.0, 1.0], [0.0, 2.0]]),
        (lambda x: x.std(), [[2.0, 2.0], [2.0, 2.0]]),
        (lambda x: x.var(), [[1.5]]),
        (lambda x: x[0, 0].var(0), [[1.5]]),
        (lambda x: x.var(correction=5), [[1.0, 2.0], [3.0, 4.0]]),
    ],
)
def test_second_derivatives_at_singular_points_match_torch(call, data):
    torch = pytest.importorskip("torch")
    import warnings

    x, tx = _pair(torch, data, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (g,) = mt.autograd.grad(call(x).sum(), x, create_graph=True)
        (tg,) = torch.autograd.grad(call(tx).sum(), tx, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), tg.detach().numpy(), rtol=1e-12)
    w = np.arange(1.0, 1.0 + np.size(data)).reshape(np.shape(data))
    gg = mt.autograd.grad((g * mt.tensor(w)).sum(), x, allow_unused=True)[0] if g.requires_grad else None
    tgg = torch.autograd.grad((tg * torch.tensor(w)).sum(), tx, allow_unused=True)[0] if tg.requires_grad else None
    gg = np.zeros(np.shape(data)) if gg is None else gg.numpy()
    tgg = np.zeros(np.shape(data)) if tgg is None or tgg._is_zerotensor() else tgg.numpy()
    np.testing.assert_allclose(gg, tgg, rtol=1e-12)  # NaN where torch has NaN


@pytest.mark.parametrize(
    "call",
    [lambda x: x.var(), lambda x: x.var(0), lambda x: x.std(1, correction=0), lambda x: x.var(1, correction=3)],
)
def test_var_gradient_is_torchs_formula_with_infinite_inputs(call):
    torch = pytest.importorskip("torch")
    import warnings

    a = [[float("inf"), 1.0, float("inf")], [2.0, float("-inf"), 3.0]]
    x, tx = _pair(torch, a, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _assert_same(call(x), call(tx))
        call(x).sum().backward()
        call(tx).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


def test_softmax_of_empty_integer_tensor_as_torch():
    torch = pytest.importorskip("torch")
    for name in ("softmax", "log_softmax"):
        x, tx = _pair(torch, np.zeros((0, 3)), dtype="int64")
        _assert_same(getattr(mt, name)(x, 1), getattr(torch, name)(tx, 1))
