"""Property tests of the elementwise ops: forward vs numpy, gradients and second
derivatives vs finite differences (float64), and agreement with torch when installed."""

from __future__ import annotations

import numpy as np
import pytest
from _optable import BINARY, UNARY
from hypothesis import given, settings
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


# --- regressions: PyTorch's behaviour at the edges ------------------------------------------
def _grads_vs_torch(fn_mt, fn_t, *arrays):
    """Values and float64 gradients of ``sum(fn(*inputs) * w)`` in microtorch and torch."""
    torch = pytest.importorskip("torch")
    w = np.random.RandomState(0).standard_normal(np.broadcast_shapes(*(a.shape for a in arrays)))
    m_in = [mt.tensor(a, requires_grad=True) for a in arrays]
    t_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    m_out, t_out = fn_mt(*m_in), fn_t(*t_in)
    np.testing.assert_array_equal(m_out.detach().numpy(), t_out.detach().numpy())
    assert m_out.requires_grad and t_out.requires_grad
    m_g = mt.autograd.grad((m_out * mt.tensor(w)).sum(), m_in)
    t_g = torch.autograd.grad((t_out * torch.tensor(w)).sum(), t_in)
    for m, t in zip(m_g, t_g):
        np.testing.assert_allclose(m.numpy(), t.numpy(), rtol=1e-12, atol=1e-12)


_DIVIDEND = np.array([5.0, -3.0, 7.5, -0.5, 4.0])
_DIVISOR = np.array([2.0, 2.0, -3.0, 0.75, -2.5])


@pytest.mark.parametrize(
    "name, call",
    [
        ("remainder", lambda lib, a, b: lib.remainder(a, b)),
        ("fmod", lambda lib, a, b: lib.fmod(a, b)),
        ("div floor", lambda lib, a, b: lib.div(a, b, rounding_mode="floor")),
        ("div trunc", lambda lib, a, b: lib.div(a, b, rounding_mode="trunc")),
    ],
)
def test_rounded_division_requires_grad_with_torch_gradients(name, call):
    torch = pytest.importorskip("torch")
    _grads_vs_torch(lambda a, b: call(mt, a, b), lambda a, b: call(torch, a, b), _DIVIDEND, _DIVISOR)


def test_remainder_gradients_vs_finite_differences():
    a = mt.tensor(_DIVIDEND, requires_grad=True)
    b = mt.tensor(_DIVISOR, requires_grad=True)
    assert gradcheck(mt.remainder, (a, b))
    assert gradcheck(mt.fmod, (a, b))


@pytest.mark.parametrize(
    "expr",
    ["a // b", "a % b", "mt.remainder(a, b)", "mt.fmod(a, b)", "mt.div(a, b, rounding_mode='trunc')", "a // 0"],
)
def test_integer_division_by_zero_raises_runtime_error(expr):
    names = {"mt": mt, "a": mt.tensor([7, -7]), "b": mt.tensor([2, 0])}
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        eval(expr, names)


def test_float_division_by_zero_is_silent_inf_and_nan():
    import warnings

    x = mt.tensor([1.0, -1.0, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal((x / 0).numpy(), [np.inf, -np.inf, np.nan])
        assert mt.exp(mt.tensor([1000.0])).item() == np.inf
        assert mt.log(mt.tensor([0.0])).item() == -np.inf
        assert np.isnan((x % 0).numpy()).all()


def test_pow_x_to_the_x_gradient_at_zero_as_torch():
    _grads_vs_torch(lambda x: x**x, lambda x: x**x, np.array([0.0, 0.5, 2.0]))
    _grads_vs_torch(lambda a, b: a**b, lambda a, b: a**b, np.array([0.0, 0.0, 3.0]), np.array([0.0, -1.0, 0.0]))


def test_integer_pow_with_negative_exponents_as_torch():
    torch = pytest.importorskip("torch")
    base, exp = [0, 1, -1, 2, -2, -1], [-1, -2, -3, -2, -1, -2]
    got = mt.tensor(base) ** mt.tensor(exp)
    assert got.tolist() == (torch.tensor(base) ** torch.tensor(exp)).tolist()
    assert (2 ** mt.tensor([-1, 3])).tolist() == [0, 8]


@pytest.mark.parametrize("bad", ["2", None, [1, 2]])
def test_pow_with_a_wrong_type_raises_type_error(bad):
    x = mt.tensor([1.0, 2.0])
    with pytest.raises(TypeError):
        mt.pow(x, bad)
    with pytest.raises(TypeError):
        mt.pow(bad, x)
    with pytest.raises(TypeError):
        x**bad


@pytest.mark.parametrize("fn", [mt.maximum, mt.minimum, mt.logical_and, mt.isclose])
def test_tensor_only_binary_ops_refuse_python_numbers(fn):
    x = mt.tensor([1.0, 2.0])
    with pytest.raises(TypeError, match="must be Tensor, not int"):
        fn(x, 1)
    with pytest.raises(TypeError, match="must be Tensor, not int"):
        fn(1, x)


def test_sign_of_nan_is_zero_and_sign_of_bool_is_bool():
    torch = pytest.importorskip("torch")
    x = [float("nan"), -2.0, 0.0, 3.0]
    assert mt.sign(mt.tensor(x)).tolist() == torch.sign(torch.tensor(x)).tolist()
    b = mt.sign(mt.tensor([True, False]))
    assert b.dtype == mt.bool and b.tolist() == [True, False]


def test_abs_and_clamp_gradients_at_nan_are_zero():
    torch = pytest.importorskip("torch")
    x = np.array([np.nan, -1.0, 0.0, 0.5, 2.0])
    _grads_vs_torch(mt.abs, torch.abs, x)
    _grads_vs_torch(lambda t: mt.clamp(t, 0.0, 1.0), lambda t: torch.clamp(t, 0.0, 1.0), x)
    lo, hi = np.array([0.0, 0.0, 0.0, 1.0, np.nan]), np.array([1.0, 1.0, -1.0, 0.0, 3.0])
    _grads_vs_torch(mt.clamp, torch.clamp, x, lo, hi)


def test_maximum_gradient_at_nan_goes_to_both_inputs():
    torch = pytest.importorskip("torch")
    a, b = np.array([np.nan, 1.0, 2.0, 3.0]), np.array([1.0, np.nan, 2.0, 0.0])
    _grads_vs_torch(mt.maximum, torch.maximum, a, b)
    _grads_vs_torch(mt.minimum, torch.minimum, a, b)


def test_uint8_arithmetic_with_out_of_range_python_ints_wraps():
    torch = pytest.importorskip("torch")
    for expr in ["x - 5", "x + (-3)", "x * 300", "2 - x"]:
        m = eval(expr, {"x": mt.tensor([3, 200], dtype=mt.uint8)})
        t = eval(expr, {"x": torch.tensor([3, 200], dtype=torch.uint8)})
        assert m.tolist() == t.tolist() and m.dtype == mt.uint8, expr


@pytest.mark.parametrize(
    "name, args",
    [
        ("eq_", (1.0,)),
        ("lt_", (2.5,)),
        ("ge_", ("other",)),
        ("logical_and_", ("other",)),
        ("logical_not_", ()),
        ("true_divide_", (2.0,)),
        ("remainder_", (1.5,)),
        ("floor_divide_", (1.5,)),
        ("fmod_", (-1.5,)),
        ("tan_", ()),
        ("log2_", ()),
        ("log10_", ()),
        ("log1p_", ()),
        ("expm1_", ()),
        ("erf_", ()),
    ],
)
def test_inplace_variants_keep_self_dtype_as_torch(name, args):
    torch = pytest.importorskip("torch")
    a, other = [0.5, 1.0, 2.5, 3.0], [1.0, 1.0, 3.0, 0.0]
    m, t = mt.tensor(a), torch.tensor(a)
    m_args = [mt.tensor(other) if x == "other" else x for x in args]
    t_args = [torch.tensor(other) if x == "other" else x for x in args]
    assert getattr(m, name)(*m_args) is m
    getattr(t, name)(*t_args)
    assert m.dtype == mt.float32 and m._version == 1
    np.testing.assert_allclose(m.numpy(), t.numpy(), rtol=1e-6)


def test_inplace_integer_result_into_bool_raises_as_torch():
    with pytest.raises(RuntimeError, match="result type Long can't be cast to the desired output type Bool"):
        mt.tensor([True, False]).square_()
    with pytest.raises(RuntimeError, match="Long can't be cast"):
        mt.tensor([True]).add_(1)
    x = mt.tensor([1, 2])
    assert x.eq_(1.0).tolist() == [1, 0] and x.dtype == mt.int64


def test_methods_refuse_a_non_tensor_self():
    with pytest.raises(TypeError, match="descriptor 'add'"):
        mt.Tensor.add(2, mt.tensor([1.0]))


def test_comparison_with_none_falls_back_to_identity():
    x = mt.tensor([1.0])
    assert (x == None) is False  # noqa: E711
    assert (x != "a") is True


def test_erf_is_vectorised_and_accurate():
    import math

    x = np.concatenate([np.linspace(-7, 7, 2001), [0.0, 1e-300, 0.84375, 1.25, 1 / 0.35, 6.0, np.inf, -np.inf]])
    ref = np.array([math.erf(v) for v in x])
    np.testing.assert_allclose(mt.erf(mt.tensor(x)).numpy(), ref, rtol=4e-16, atol=0)
    assert np.isnan(mt.erf(mt.tensor([np.nan])).item())
    assert mt.erf(mt.tensor([0.5], dtype=mt.float32)).dtype == mt.float32
    assert gradgradcheck(mt.erf, (mt.tensor([-1.5, 0.3, 2.0], dtype=mt.float64, requires_grad=True),))


def test_clamp_min_max_and_fix_as_torch():
    torch = pytest.importorskip("torch")
    a = [-2.0, 0.5, 3.0]
    m, t = mt.tensor(a), torch.tensor(a)
    assert mt.clamp_min(m, 0).tolist() == torch.clamp_min(t, 0).tolist()
    assert m.clamp_max(1.0).tolist() == t.clamp_max(1.0).tolist()
    assert m.fix().tolist() == t.fix().tolist() == mt.fix(m).tolist()
    assert m.clone().clamp_min_(0.0).tolist() == t.clone().clamp_min_(0.0).tolist()


@settings(max_examples=15)
@given(data=st.data())
def test_remainder_fmod_property_vs_numpy_and_finite_differences(data):
    shape = data.draw(shapes(1, 2, 1, 4))
    a = data.draw(arrays(shape, "float64", -5.0, 5.0))
    b = data.draw(arrays(shape, "float64", 0.5, 3.0)) * data.draw(st.sampled_from([1.0, -1.0]))
    q = a / b
    frac = np.abs(q - np.round(q))
    a = np.where(frac < 1e-3, a + 0.25 * b, a)  # keep finite differences off the jumps
    for fn, ref in ((mt.remainder, np.mod), (mt.fmod, np.fmod)):
        np.testing.assert_allclose(fn(mt.tensor(a), mt.tensor(b)).numpy(), ref(a, b), rtol=1e-12, atol=1e-12)
        ta, tb = mt.tensor(a, requires_grad=True), mt.tensor(b, requires_grad=True)
        assert gradcheck(fn, (ta, tb))
        assert gradgradcheck(fn, (ta, tb))


@settings(max_examples=15)
@given(data=st.data())
def test_erf_property_vs_math(data):
    import math

    a = data.draw(arrays(data.draw(shapes(0, 3, 1, 4)), "float64", -8.0, 8.0))
    ref = np.vectorize(math.erf, otypes=[np.float64])(a) if a.size else a
    np.testing.assert_allclose(mt.erf(mt.tensor(a)).numpy(), ref, rtol=4e-16, atol=1e-300)


def _raises_as_torch(torch, run):
    """``run(lib)`` raises in microtorch exactly what (class and message) it raises in torch."""
    with pytest.raises(Exception) as want:
        run(torch)
    with pytest.raises(type(want.value)) as got:
        run(mt)
    assert type(got.value) is type(want.value)
    assert str(got.value) == str(want.value)


ROUNDING = {
    "floor": lambda lib, x: lib.floor(x),
    "ceil": lambda lib, x: lib.ceil(x),
    "trunc": lambda lib, x: lib.trunc(x),
    "round": lambda lib, x: lib.round(x),
    "round_decimals_0": lambda lib, x: lib.round(x, decimals=0),
    "round_decimals_3": lambda lib, x: lib.round(x, decimals=3),
    "round_decimals_neg_3": lambda lib, x: lib.round(x, decimals=-3),
}


@pytest.mark.parametrize("name", list(ROUNDING))
@pytest.mark.parametrize("dtype", ["bool", "int64", "uint8"])
def test_rounding_of_integers_and_bools_as_torch(name, dtype):
    torch = pytest.importorskip("torch")
    values = np.array([1, 0, 1]).astype(dtype)
    try:
        want = ROUNDING[name](torch, torch.tensor(values))
    except NotImplementedError:
        _raises_as_torch(torch, lambda lib: ROUNDING[name](lib, lib.tensor(values)))
        return
    got = ROUNDING[name](mt, mt.tensor(values))  # integers are whole: a copy of the same dtype
    assert str(got.dtype) == str(want.dtype) and got.tolist() == want.tolist()


@pytest.mark.parametrize("name", [*ROUNDING, "isnan", "isinf", "isfinite", "abs", "exp"])
@pytest.mark.parametrize("bad", [[1.5, 2.0], "tensor"])
def test_unary_of_a_non_tensor_raises_torchs_type_error(name, bad):
    torch = pytest.importorskip("torch")
    call = ROUNDING.get(name, lambda lib, x: getattr(lib, name)(x))
    _raises_as_torch(torch, lambda lib: call(lib, bad))


@pytest.mark.parametrize("decimals", [1.5, "1", None, True])
def test_round_decimals_of_the_wrong_type_raises_torchs_type_error(decimals):
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match=r"round\(\) received an invalid combination of arguments"):
        torch.round(torch.ones(2), decimals=decimals)
    with pytest.raises(TypeError, match=r"round\(\) received an invalid combination of arguments"):
        mt.round(mt.ones(2), decimals=decimals)
    with pytest.raises(TypeError):
        mt.round(mt.ones(2), 3)  # decimals is keyword-only, as in torch


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("decimals", [0, 2, -2, 39, 99, -99, 400, 2**40])
def test_round_decimals_matches_torch_also_beyond_the_dtypes_range(dtype, decimals):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    a = (rng.standard_normal(50) * 10.0 ** rng.integers(-4, 5, 50)).astype(dtype)
    a = np.concatenate([a, np.array([0.0, -0.0, 0.5, 2.5, 1234.5, np.inf, -np.inf, np.nan], dtype)])
    want = torch.round(torch.tensor(a), decimals=decimals).numpy()
    got = mt.round(mt.tensor(a), decimals=decimals).numpy()
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


def test_round_decimals_against_numpy_and_zero_gradient():
    a = np.array([1.23456, -2.5e-3, 1234.5678, 0.125])
    np.testing.assert_array_equal(mt.round(mt.tensor(a), decimals=2).numpy(), np.round(a, 2))
    x = mt.tensor(a, requires_grad=True)
    mt.round(x, decimals=1).sum().backward()
    assert x.grad.tolist() == [0.0] * 4


@pytest.mark.parametrize("fn", ["isclose", "allclose"])
@pytest.mark.parametrize(
    "case",
    [
        lambda lib, f: f(lib.ones(3, dtype=lib.int64), lib.ones(3, dtype=lib.float64)),
        lambda lib, f: f(lib.ones(3), lib.ones(3, dtype=lib.float64)),
        lambda lib, f: f(lib.ones(3), lib.ones(3), atol=float("nan")),
        lambda lib, f: f(lib.ones(3), lib.ones(3), rtol=float("nan")),
        lambda lib, f: f(lib.ones(3), lib.ones(3), atol=-1.0),
        lambda lib, f: f(lib.ones(3), lib.ones(3), rtol=-1e-10),
        lambda lib, f: f(lib.ones(3), lib.ones(3), atol="0.5"),
        lambda lib, f: f(lib.ones(3), lib.ones(3), equal_nan=1),
        lambda lib, f: f([1.0], lib.ones(1)),
        lambda lib, f: f(lib.ones(1), "tensor"),
    ],
)
def test_isclose_and_allclose_bad_arguments_raise_as_torch(fn, case):
    torch = pytest.importorskip("torch")
    _raises_as_torch(torch, lambda lib: case(lib, getattr(lib, fn)))


def test_isclose_and_allclose_values_as_torch():
    torch = pytest.importorskip("torch")
    a = np.array([1.0, np.nan, np.inf, 2.0, -np.inf, 0.0])
    b = np.array([1.0 + 1e-9, np.nan, np.inf, 2.1, np.inf, 1e-9])
    for kw in ({}, {"equal_nan": True}, {"atol": 0.2}, {"atol": float("inf")}, {"rtol": 0, "atol": 0}):
        want = torch.isclose(torch.tensor(a), torch.tensor(b), **kw)
        assert mt.isclose(mt.tensor(a), mt.tensor(b), **kw).tolist() == want.tolist()
        assert mt.allclose(mt.tensor(a[:1]), mt.tensor(b[:1]), **kw) == torch.allclose(
            torch.tensor(a[:1]), torch.tensor(b[:1]), **kw
        )
    assert mt.allclose(mt.tensor([3]), mt.tensor([1]), atol=2.5) and not mt.allclose(mt.tensor([3]), mt.tensor([1]))


@pytest.mark.parametrize("bad", [[1.0, 2.0], "tensor", None, (2,)])
def test_equal_with_a_non_tensor_raises_torchs_type_error(bad):
    torch = pytest.importorskip("torch")
    _raises_as_torch(torch, lambda lib: lib.equal(lib.ones(2), bad))
    _raises_as_torch(torch, lambda lib: lib.equal(bad, lib.ones(2)))
    assert mt.equal(mt.ones(2), mt.ones(2, dtype=mt.int64)) and not mt.equal(mt.ones(2), mt.ones(1))


@pytest.mark.parametrize("bad", [[1.0, 2.0], "tensor"])
def test_tensor_equal_method_with_a_non_tensor_raises_torchs_type_error(bad):
    torch = pytest.importorskip("torch")
    _raises_as_torch(torch, lambda lib: lib.ones(2).equal(bad))
    assert mt.ones(2).equal(mt.ones(2)) and not mt.ones(2).equal(mt.zeros(2))
