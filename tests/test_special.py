"""Special functions and the extra elementwise math (ops/special*.py, ``microtorch.special``).

Forward values against numpy / scipy (hypothesis), gradients against finite differences
(gradcheck / gradgradcheck in float64), edge values, dtypes and errors against torch when
it is installed.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microtorch as mt
from microtorch.autograd import gradcheck, gradgradcheck
from microtorch.testing.strategies import arrays, broadcastable_shapes, shapes

sc = pytest.importorskip("scipy.special")

# name -> (microtorch function, reference on float64 arrays, low, high)
UNARY = {
    "asin": (mt.asin, np.arcsin, -0.95, 0.95),
    "acos": (mt.acos, np.arccos, -0.95, 0.95),
    "atan": (mt.atan, np.arctan, -5, 5),
    "sinh": (mt.sinh, np.sinh, -5, 5),
    "cosh": (mt.cosh, np.cosh, -5, 5),
    "asinh": (mt.asinh, np.arcsinh, -5, 5),
    "acosh": (mt.acosh, np.arccosh, 1.1, 5),
    "atanh": (mt.atanh, np.arctanh, -0.95, 0.95),
    "exp2": (mt.exp2, np.exp2, -5, 5),
    "frac": (mt.frac, lambda a: a - np.trunc(a), 0.05, 0.95),
    "deg2rad": (mt.deg2rad, np.deg2rad, -400, 400),
    "rad2deg": (mt.rad2deg, np.rad2deg, -7, 7),
    "logit": (mt.logit, sc.logit, 0.05, 0.95),
    "erfc": (mt.erfc, sc.erfc, -4, 4),
    "erfinv": (mt.erfinv, sc.erfinv, -0.95, 0.95),
    "lgamma": (mt.lgamma, sc.gammaln, 0.2, 6),
    "digamma": (mt.digamma, sc.psi, 0.2, 6),
    "i0": (mt.i0, sc.i0, -5, 5),
    "sinc": (mt.sinc, np.sinc, 0.1, 3),
    "special.i0e": (mt.special.i0e, sc.i0e, 0.1, 5),  # a kink at 0 (exp(-|x|))
    "special.i1": (mt.special.i1, sc.i1, 0.1, 5),
    "special.i1e": (mt.special.i1e, sc.i1e, 0.1, 5),
    "special.ndtr": (mt.special.ndtr, sc.ndtr, -5, 5),
    "special.ndtri": (mt.special.ndtri, sc.ndtri, 0.05, 0.95),
    "special.log_ndtr": (mt.special.log_ndtr, sc.log_ndtr, -5, 5),
    "special.erfcx": (mt.special.erfcx, sc.erfcx, -3, 5),
    "special.entr": (mt.special.entr, sc.entr, 0.05, 3),
    "special.expit": (mt.special.expit, sc.expit, -5, 5),
    "polygamma1": (lambda x: mt.polygamma(1, x), lambda a: sc.polygamma(1, a), 0.3, 6),
    "polygamma3": (lambda x: mt.special.polygamma(3, x), lambda a: sc.polygamma(3, a), 0.3, 6),
    "mvlgamma3": (lambda x: mt.mvlgamma(x, 3), lambda a: sc.multigammaln(a, 3) if a.ndim else None, 1.2, 5),
}

# name -> (function, reference, (low, high) of a, (low, high) of b)
BINARY = {
    "atan2": (mt.atan2, np.arctan2, (-3, 3), (0.2, 3)),
    "hypot": (mt.hypot, np.hypot, (0.2, 3), (-3, -0.2)),
    "logaddexp": (mt.logaddexp, np.logaddexp, (-5, 5), (-5, 5)),
    "logaddexp2": (mt.logaddexp2, np.logaddexp2, (-5, 5), (-5, 5)),
    "copysign": (mt.copysign, np.copysign, (0.2, 3), (-3, -0.2)),
    "xlogy": (mt.xlogy, sc.xlogy, (-3, 3), (0.2, 3)),
    "xlog1py": (mt.special.xlog1py, sc.xlog1py, (-3, 3), (-0.8, 3)),
    "float_power": (mt.float_power, np.power, (0.2, 3), (0.2, 2)),  # pow masks exponent == 0 (as torch)
    "ldexp": (mt.ldexp, lambda a, b: a * 2.0**b, (-3, 3), (-3, 3)),
    "fmax": (mt.fmax, np.fmax, (-3, 3), (-3, 3)),
    "fmin": (mt.fmin, np.fmin, (-3, 3), (-3, 3)),
}


@pytest.mark.parametrize("name", UNARY)
@settings(max_examples=15)
@given(data=st.data())
def test_unary_forward_matches_reference(name, data):
    fn, ref, lo, hi = UNARY[name]
    a = data.draw(arrays(data.draw(shapes(0, 3, 1, 4)), "float64", lo, hi))
    out = fn(mt.tensor(a))
    assert out.dtype == mt.float64
    if name == "mvlgamma3":  # scipy's multigammaln takes one scalar
        expected = np.vectorize(lambda v: sc.multigammaln(v, 3))(a)
    else:
        expected = ref(a)
    rtol = 1e-8 if name == "polygamma1" else 1e-10  # torch's trigamma series is good to ~5e-10
    np.testing.assert_allclose(out.numpy(), expected, rtol=rtol, atol=1e-12)
    out32 = fn(mt.tensor(a, dtype=mt.float32))
    assert out32.dtype == mt.float32
    np.testing.assert_allclose(out32.numpy(), expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name", [n for n in UNARY if n != "special.expit"])
@settings(max_examples=8)
@given(data=st.data())
def test_unary_gradients(name, data):
    fn, _, lo, hi = UNARY[name]
    a = data.draw(arrays(data.draw(shapes(0, 2, 1, 3)), "float64", lo, hi))
    x = mt.tensor(a, requires_grad=True)
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


def _draw_pair(data, name):
    _, _, (alo, ahi), (blo, bhi) = BINARY[name]
    sa, sb = data.draw(broadcastable_shapes(2, 0, 3, 3))
    a = data.draw(arrays(sa, "float64", alo, ahi))
    b = data.draw(arrays(sb, "float64", blo, bhi))
    if name in ("fmax", "fmin"):  # no ties: the gradient jumps there
        b = np.where(np.abs(a - b) < 0.05, b + 0.5, b) if a.shape == b.shape else b + 0.013
    return a, b


@pytest.mark.parametrize("name", BINARY)
@settings(max_examples=15)
@given(data=st.data())
def test_binary_forward_matches_reference(name, data):
    fn, ref, _, _ = BINARY[name]
    a, b = _draw_pair(data, name)
    out = fn(mt.tensor(a), mt.tensor(b))
    assert out.shape == np.broadcast_shapes(a.shape, b.shape)
    np.testing.assert_allclose(out.numpy(), ref(a, b), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", BINARY)
@settings(max_examples=8)
@given(data=st.data())
def test_binary_gradients(name, data):
    fn = BINARY[name][0]
    a, b = _draw_pair(data, name)
    x, y = mt.tensor(a, requires_grad=True), mt.tensor(b, requires_grad=True)
    assert gradcheck(fn, (x, y))
    assert gradgradcheck(fn, (x, y))


def test_zeta_matches_scipy_and_differentiates_in_q():
    x = np.array([1.5, 2.0, 3.0, 7.5])
    q = np.array([0.5, 1.0, 2.5, 10.0])
    out = mt.special.zeta(mt.tensor(x), mt.tensor(q))
    np.testing.assert_allclose(out.numpy(), sc.zeta(x, q), rtol=1e-13)
    qt = mt.tensor(q, requires_grad=True)
    assert gradcheck(lambda t: mt.special.zeta(mt.tensor(x), t), (qt,))
    xt = mt.tensor(x, requires_grad=True)
    with pytest.raises(NotImplementedError, match="zeta"):
        mt.special.zeta(xt, mt.tensor(q)).sum().backward()


NON_DIFF = {
    "bessel_j0": sc.j0,
    "bessel_j1": sc.j1,
    "bessel_y0": sc.y0,
    "bessel_y1": sc.y1,
    "modified_bessel_i0": sc.i0,
    "modified_bessel_i1": sc.i1,
    "modified_bessel_k0": sc.k0,
    "modified_bessel_k1": sc.k1,
    "scaled_modified_bessel_k0": sc.k0e,
    "scaled_modified_bessel_k1": sc.k1e,
    "spherical_bessel_j0": lambda a: sc.spherical_jn(0, a),
    "airy_ai": lambda a: sc.airy(a)[0],
}


@pytest.mark.parametrize("name", NON_DIFF)
def test_non_differentiable_special_functions(name):
    a = np.array([0.25, 1.0, 2.5, 7.0, 30.0])
    x = mt.tensor(a, requires_grad=True)
    out = getattr(mt.special, name)(x)
    np.testing.assert_allclose(out.numpy(), NON_DIFF[name](a), rtol=1e-12)
    assert not out.requires_grad  # as torch: these have no derivative
    assert getattr(mt.special, name)(mt.tensor([1, 2])).dtype == mt.float32


POLYS = {
    "chebyshev_polynomial_t": sc.eval_chebyt,
    "chebyshev_polynomial_u": sc.eval_chebyu,
    "hermite_polynomial_h": sc.eval_hermite,
    "hermite_polynomial_he": sc.eval_hermitenorm,
    "laguerre_polynomial_l": sc.eval_laguerre,
    "legendre_polynomial_p": sc.eval_legendre,
    "shifted_chebyshev_polynomial_t": lambda n, x: sc.eval_chebyt(n, 2 * x - 1),
    "shifted_chebyshev_polynomial_u": lambda n, x: sc.eval_chebyu(n, 2 * x - 1),
}


@pytest.mark.parametrize("name", POLYS)
def test_polynomials_match_scipy(name):
    x = np.linspace(-0.9, 0.9, 7)[:, None]
    n = np.arange(0, 12)[None, :]
    out = getattr(mt.special, name)(mt.tensor(x), mt.tensor(n))
    np.testing.assert_allclose(out.numpy(), POLYS[name](n, x), rtol=1e-9, atol=1e-9)
    assert (getattr(mt.special, name)(mt.tensor(x), -1).numpy() == 0).all()
    # a NaN or out-of-range degree is INT64_MIN after torch's C++ cast: the value is 0
    bad_degree = getattr(mt.special, name)(mt.tensor(x), mt.tensor([np.nan, np.inf, 1e20]))
    assert (bad_degree.numpy() == 0).all()


def test_chebyshev_v_w_closed_forms():
    theta = np.linspace(0.2, 2.9, 5)
    x = np.cos(theta)
    for n in (3, 12):
        v = mt.special.chebyshev_polynomial_v(mt.tensor(x), n).numpy()
        w = mt.special.chebyshev_polynomial_w(mt.tensor(x), n).numpy()
        np.testing.assert_allclose(v, np.cos((n + 0.5) * theta) / np.cos(theta / 2), rtol=1e-9)
        np.testing.assert_allclose(w, np.sin((n + 0.5) * theta) / np.sin(theta / 2), rtol=1e-9)


# --- bit and integer operations ---------------------------------------------------------------
@settings(max_examples=20)
@given(a=st.lists(st.integers(-(2**40), 2**40), min_size=1, max_size=6), s=st.integers(0, 63))
def test_integer_ops_match_numpy(a, s):
    x = np.array(a, np.int64)
    y = np.roll(x, 1) | 1
    t, u = mt.tensor(x), mt.tensor(y)
    np.testing.assert_array_equal(mt.gcd(t, u).numpy(), np.gcd(x, y))
    np.testing.assert_array_equal((t & u).numpy(), x & y)
    np.testing.assert_array_equal((t | u).numpy(), x | y)
    np.testing.assert_array_equal((t ^ u).numpy(), x ^ y)
    np.testing.assert_array_equal((~t).numpy(), ~x)
    np.testing.assert_array_equal((t >> s).numpy(), x >> s)
    np.testing.assert_array_equal((t << s).numpy(), (x.astype(np.uint64) << np.uint64(s)).astype(np.int64))


def test_shifts_out_of_range_follow_torch():
    x = mt.tensor([5, -5, 1], dtype=mt.int64)
    assert (x << 64).tolist() == [0, 0, 0]
    assert (x << -1).tolist() == [0, 0, 0]
    assert (x >> 70).tolist() == [0, -1, 0]
    assert (2 << mt.tensor([1, 2])).tolist() == [4, 8]
    assert (mt.tensor([200], dtype=mt.uint8) >> 9).tolist() == [0]


def test_reflected_and_inplace_operators():
    x = mt.tensor([1, 2, 3])
    assert (6 ^ x).tolist() == [7, 4, 5]
    assert (6 & x).tolist() == [0, 2, 2]
    y = x.clone()
    y <<= 2
    y |= 1
    y ^= 3
    y &= 14
    y >>= 1
    assert y.tolist() == [3, 5, 7]
    assert mt.tensor([2.0]).__rdiv__(1).tolist() == [0.5]


# --- dtypes, edge values and in-place variants -----------------------------------------------
def test_integer_inputs_give_the_default_float():
    i = mt.tensor([1, 2, 3])
    for fn in (mt.asin, mt.exp2, mt.erfc, mt.lgamma, mt.special.ndtr, mt.deg2rad, mt.logit, mt.sinc):
        assert fn(i).dtype == mt.float32
    assert mt.atan2(i, i).dtype == mt.float32
    assert mt.xlogy(i, 2).dtype == mt.float32
    assert mt.float_power(i, 2).dtype == mt.float64
    assert mt.fmax(i, i).dtype == mt.int64
    assert mt.sgn(i).dtype == mt.int64
    assert mt.nan_to_num(i).dtype == mt.int64


def test_inplace_variants_write_self_and_keep_gradients():
    a = mt.tensor([0.1, 0.5, -0.3], dtype=mt.float64, requires_grad=True)
    x = a * 1
    out = x.asin_()
    assert out is x
    np.testing.assert_allclose(x.detach().numpy(), np.arcsin([0.1, 0.5, -0.3]))
    x.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), 1 / np.sqrt(1 - np.array([0.1, 0.5, -0.3]) ** 2))
    with pytest.raises(RuntimeError, match="Long"):
        mt.tensor([1, 2]).asin_()
    with pytest.raises(RuntimeError, match="Double"):
        mt.tensor([1.0]).float_power_(2)
    y = mt.tensor([4, 6])
    y.gcd_(mt.tensor([6, 9]))
    assert y.tolist() == [2, 3]


def test_mvlgamma_outside_its_domain_follows_torch():
    torch = pytest.importorskip("torch")
    x = [0.0, -5.0, 0.2, -5.5, 3.0]
    for p in (1, 3):
        expected = torch.mvlgamma(torch.tensor(x, dtype=torch.float64), p).numpy()
        np.testing.assert_allclose(mt.mvlgamma(mt.tensor(x, dtype=mt.float64), p).numpy(), expected, rtol=1e-12)


def test_nan_to_num_and_predicates():
    x = mt.tensor([np.nan, np.inf, -np.inf, 1.0], requires_grad=True)
    out = mt.nan_to_num(x, nan=2.0, neginf=-3.0)
    assert out.tolist()[:1] == [2.0] and out.tolist()[2:] == [-3.0, 1.0]
    assert out.tolist()[1] == np.finfo(np.float32).max
    out.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0, 1.0]
    assert mt.isposinf(x).tolist() == [False, True, False, False]
    assert mt.isneginf(x).tolist() == [False, False, True, False]
    assert mt.signbit(mt.tensor([-0.0, 0.0, -1.0])).tolist() == [True, False, True]
    assert mt.isreal(x).all()


def test_gradients_at_edges():
    x = mt.tensor([0.0, 1.0, -2.0], dtype=mt.float64, requires_grad=True)
    mt.xlogy(x, mt.tensor([0.0, 2.0, 3.0], dtype=mt.float64)).sum().backward()
    assert x.grad.tolist()[0] == 0.0  # x == 0 and y <= 0: no gradient, as torch
    z = mt.tensor([0.0, 0.5], dtype=mt.float64, requires_grad=True)
    mt.sinc(z).sum().backward()
    assert z.grad.tolist()[0] == 0.0
    assert gradcheck(
        lambda t: mt.logit(t, eps=0.2), (mt.tensor([0.3, 0.5, 0.7], dtype=mt.float64, requires_grad=True),)
    )


# --- errors -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "call, exc",
    [
        (lambda: mt.gcd(mt.tensor([1.0]), mt.tensor([2.0])), NotImplementedError),
        (lambda: mt.lcm(mt.tensor([True]), mt.tensor([True])), NotImplementedError),
        (lambda: mt.bitwise_and(mt.tensor([1.0]), 1), NotImplementedError),
        (lambda: mt.bitwise_not(mt.tensor([1.0])), NotImplementedError),
        (lambda: mt.tensor([1.0]) << 1, NotImplementedError),
        (lambda: mt.frac(mt.tensor([1])), NotImplementedError),
        (lambda: mt.hypot(mt.tensor([1]), mt.tensor([1])), NotImplementedError),
        (lambda: mt.nextafter(mt.tensor([1]), mt.tensor([1])), NotImplementedError),
        (lambda: mt.atan2(mt.tensor([1.0]), 2.0), TypeError),
        (lambda: mt.gcd(mt.tensor([1]), 2), TypeError),
        (lambda: mt.copysign(2.0, mt.tensor([1.0])), TypeError),
        (lambda: mt.heaviside(mt.tensor([1]), mt.tensor([1.0])), RuntimeError),
        (lambda: mt.mvlgamma(mt.tensor([0.5]), 0), RuntimeError),
        (lambda: mt.polygamma(-1, mt.tensor([0.5])), RuntimeError),
        (lambda: mt.positive(mt.tensor([True])), RuntimeError),
        (lambda: mt.atan2(mt.ones(3), mt.ones(2)), RuntimeError),
        (lambda: mt.special.chebyshev_polynomial_t(mt.ones(3), mt.ones(2)), RuntimeError),
    ],
)
def test_bad_input_raises_torch_class(call, exc):
    with pytest.raises(exc):
        call()


def test_without_scipy_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "scipy", None)
    monkeypatch.setitem(sys.modules, "scipy.special", None)
    with pytest.raises(ImportError, match="scipy"):
        mt.special.bessel_j0(mt.tensor([1.0]))
    assert mt.asin(mt.tensor([0.5])).shape == (1,)  # numpy-only ops do not need it
    assert mt.special.zeta(mt.tensor([2.0]), 1.0).shape == (1,)


# --- against torch ---------------------------------------------------------------------------
EDGE = [0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 2.0, -2.5, 1e-300, 30.0, -30.0, np.inf, -np.inf, np.nan]
TORCH_UNARY = [
    "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "exp2", "frac", "sgn", "deg2rad",
    "rad2deg", "logit", "erfc", "erfinv", "lgamma", "digamma", "i0", "sinc", "nan_to_num", "signbit",
    "special.i0e", "special.i1", "special.i1e", "special.ndtr", "special.ndtri", "special.log_ndtr",
    "special.erfcx", "special.entr", "special.expit", "special.bessel_j1", "special.modified_bessel_k0",
    "special.scaled_modified_bessel_k1", "special.spherical_bessel_j0", "special.airy_ai",
]  # fmt: skip


def _resolve(module, name):
    for part in name.split("."):
        module = getattr(module, part)
    return module


@pytest.mark.parametrize("name", TORCH_UNARY)
@pytest.mark.parametrize("dtype", ["float64", "float32", "int64"])
def test_unary_edge_values_against_torch(name, dtype):
    torch = pytest.importorskip("torch")
    values = EDGE if dtype != "int64" else [0, 1, -1, 2, 5, -7]
    if name == "frac" and dtype == "int64":
        return
    t_in = torch.tensor(values, dtype=getattr(torch, dtype))
    expected = _resolve(torch, name)(t_in)
    got = _resolve(mt, name)(mt.tensor(t_in.numpy()))
    assert str(got.dtype) == str(expected.dtype)
    if name == "special.airy_ai":
        values = [v for v in values if not -30 <= v < -2]  # torch's Ai is off by ~2e-6 there; scipy is right
        t_in = torch.tensor(values, dtype=getattr(torch, dtype))
        expected = _resolve(torch, name)(t_in)
        got = _resolve(mt, name)(mt.tensor(t_in.numpy()))
    # torch's float32 Bessel kernels are only good to a few float32 ulps; ours round the float64 value
    rtol = 2e-6 if dtype == "float64" or "bessel" not in name else 2e-5
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=rtol, atol=1e-300)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_polygamma_edges_against_torch(n):
    torch = pytest.importorskip("torch")
    t_in = torch.tensor(EDGE + [-7.9, 0.3], dtype=torch.float64)
    expected = torch.polygamma(n, t_in).numpy()
    np.testing.assert_allclose(mt.polygamma(n, mt.tensor(t_in.numpy())).numpy(), expected, rtol=1e-12)
    f32 = torch.polygamma(n, t_in.float()).numpy()
    np.testing.assert_allclose(mt.polygamma(n, mt.tensor(t_in.float().numpy())).numpy(), f32, rtol=1e-6)


def test_zeta_edges_against_torch():
    torch = pytest.importorskip("torch")
    x = torch.tensor(EDGE, dtype=torch.float64).reshape(-1, 1)
    q = torch.tensor(EDGE + [-3.0, -2.5], dtype=torch.float64)
    expected = torch.special.zeta(x, q).numpy()
    got = mt.special.zeta(mt.tensor(x.numpy()), mt.tensor(q.numpy())).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-12)


TORCH_BINARY = ["atan2", "hypot", "logaddexp", "logaddexp2", "copysign", "xlogy", "fmax", "fmin", "nextafter",
                "special.xlog1py", "float_power", "heaviside", "ldexp"]  # fmt: skip


@pytest.mark.parametrize("name", TORCH_BINARY)
def test_binary_edge_values_and_gradients_against_torch(name):
    torch = pytest.importorskip("torch")
    a = torch.tensor(EDGE, dtype=torch.float64).reshape(-1, 1).requires_grad_()
    b = torch.tensor(EDGE, dtype=torch.float64).requires_grad_()
    fn_t, fn_m = _resolve(torch, name), _resolve(mt, name)
    expected = fn_t(a, b)
    ma = mt.tensor(a.detach().numpy(), requires_grad=True)
    mb = mt.tensor(b.detach().numpy(), requires_grad=True)
    got = fn_m(ma, mb)
    np.testing.assert_allclose(got.detach().numpy(), expected.detach().numpy(), rtol=1e-12, atol=1e-15)
    if name in ("heaviside",):
        return
    w = np.random.default_rng(0).standard_normal(expected.shape)
    grads_t = torch.autograd.grad((expected * torch.from_numpy(w)).sum(), [a, b])
    grads_m = mt.autograd.grad((got * mt.tensor(w)).sum(), [ma, mb])
    for gt, gm in zip(grads_t, grads_m):
        np.testing.assert_allclose(gm.numpy(), gt.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", sorted(POLYS) + ["chebyshev_polynomial_v", "chebyshev_polynomial_w"])
def test_polynomials_against_torch(name):
    torch = pytest.importorskip("torch")
    x = torch.tensor([-1.0, -0.7, 0.0, 0.3, 1.0, 1.5, -2.0, np.nan], dtype=torch.float64).reshape(-1, 1)
    n = torch.tensor([-1.0, 0.0, 1.0, 2.0, 3.7, 7.0, 10.0, 15.0], dtype=torch.float64)
    expected = getattr(torch.special, name)(x, n).numpy()
    got = getattr(mt.special, name)(mt.tensor(x.numpy()), mt.tensor(n.numpy())).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


def test_shifts_against_torch():
    torch = pytest.importorskip("torch")
    for dtype in ("int64", "int32", "int8", "uint8"):
        a = torch.tensor([5, 3, 100, 1, 0], dtype=getattr(torch, dtype))
        s = torch.tensor([0, 1, 7, 8, 70], dtype=getattr(torch, dtype))
        for op in ("bitwise_left_shift", "bitwise_right_shift"):
            expected = getattr(torch, op)(a, s)
            got = getattr(mt, op)(mt.tensor(a.numpy()), mt.tensor(s.numpy()))
            assert got.tolist() == expected.tolist(), (dtype, op)


@pytest.mark.parametrize("dtype", ["int8", "int16", "int64", "uint8"])
def test_gcd_lcm_wrap_like_torch(dtype):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    lo = 0 if dtype == "uint8" else -128
    a = rng.integers(lo, 128, 300).astype(dtype)
    b = rng.integers(lo, 128, 300).astype(dtype)
    a[:3], b[:3] = [0, 0, 127], [0, 5, 0]
    for name in ("gcd", "lcm"):
        expected = getattr(torch, name)(torch.from_numpy(a), torch.from_numpy(b)).numpy()
        got = getattr(mt, name)(mt.tensor(a), mt.tensor(b)).numpy()
        np.testing.assert_array_equal(got, expected)  # |-128| stays -128 in int8, lcm wraps as C++


def test_polynomials_in_float32_keep_float64_accuracy():
    # the recurrence cancels: float32 arithmetic would be off in the 5th digit here
    x = mt.tensor([-3.327921], dtype=mt.float32)
    out = mt.special.hermite_polynomial_he(x, 6)
    assert out.dtype == mt.float32
    expected = sc.eval_hermitenorm(6, np.float64(np.float32(-3.327921)))
    np.testing.assert_allclose(out.numpy(), [expected], rtol=1e-7)
    mixed = mt.special.legendre_polynomial_p(mt.tensor([0.3, 0.5]), mt.tensor([3, 400]))
    np.testing.assert_allclose(mixed.numpy(), sc.eval_legendre([3, 400], [0.3, 0.5]), rtol=1e-5, atol=1e-6)


def test_polygamma_of_huge_order_and_mvlgamma_of_bool_as_torch():
    x = mt.tensor([[0.5, 2.0, float("nan")]], dtype=mt.float64)
    out = mt.polygamma(2**40, x).numpy()
    assert out[0, 0] == -np.inf and out[0, 1] == -np.inf and np.isnan(out[0, 2])
    with pytest.raises(RuntimeError, match="may not be a boolean tensor"):
        mt.mvlgamma(mt.tensor([True, False]), 5)


def test_zeta_far_below_zero_is_quick_and_as_torch():
    """q = -1e8 took one vectorised step per unit of |q| (hours); the reflected sums agree with torch."""
    torch = pytest.importorskip("torch")
    x = torch.tensor([2.0, 3.0, 4.0, 5.0, 1e20, 1e20], dtype=torch.float64)
    q = torch.tensor([-1e8 + 0.3, -1e8 - 0.7, -70.3, -9999.75, -1001.2, -4988429.2], dtype=torch.float64)
    expected = torch.special.zeta(x, q).numpy()
    got = mt.special.zeta(mt.tensor(x.numpy()), mt.tensor(q.numpy())).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    for n in (1, 2, 3, 4):
        t_in = torch.tensor([-1e8 + 0.3, -1234.6], dtype=torch.float64)
        np.testing.assert_allclose(
            mt.polygamma(n, mt.tensor(t_in.numpy())).numpy(), torch.polygamma(n, t_in).numpy(), rtol=1e-12
        )


def test_zeta_far_below_zero_against_the_direct_sum():
    """Without torch: the reflected route equals the plain sum of (q + k) ** -x plus the zeta beyond it."""
    from microtorch.ops.special_functions import _zeta_kernel

    q = -100.25
    direct = sum((q + k) ** -3.0 for k in range(101)) + _zeta_kernel(np.array(3.0), np.array(q + 101))
    np.testing.assert_allclose(_zeta_kernel(np.array([3.0]), np.array([q])), [direct], rtol=1e-13)


def test_ldexp_of_a_float_by_a_bool_exponent_is_not_implemented_as_torch():
    with pytest.raises(NotImplementedError, match="ldexp_cpu_exp"):
        mt.ldexp(mt.ones(2), mt.tensor([True, False]))
    assert mt.ldexp(mt.tensor([1, 2]), mt.tensor([True, False])).tolist() == [2.0, 2.0]
