"""Elementwise math beyond arithmetic: trigonometric and hyperbolic, gamma family, error functions, torch.special."""

from __future__ import annotations

from ._core import family
from ._gen import apart, arr, binary, shape, t, ten, unary

M = family("math")

INTEGERS = tuple(range(-3, 4))


def _signed(rng, s, low=0.3, high=1.5):
    """Magnitudes in ``[low, high)`` with random signs (off 0, where these ops have a kink or a jump)."""
    return arr(rng, s, low, high) * rng.choice([-1.0, 1.0], size=s)


def _signed_pair(rng, f):
    s = shape(rng)
    s_b = tuple(1 if rng.random() < 0.3 else d for d in s)
    return f, (ten(_signed(rng, s)), ten(_signed(rng, s_b)))


def _logit(rng, f):
    eps = [None, 0.05][int(rng.integers(2))]
    x = t(rng, shape(rng, 0), 0.1, 0.9)
    return (lambda x: f(x, eps)), (x,)


def _polygamma(method: bool):
    def build(rng, f):
        n = int(rng.integers(0, 3))
        x = t(rng, shape(rng, 0), 0.5, 3.0)
        return ((lambda x: f(x, n)) if method else (lambda x: f(n, x))), (x,)

    return build


def _mvlgamma(rng, f):
    p = int(rng.integers(1, 4))
    x = t(rng, shape(rng, 0), (p - 1) / 2 + 0.3, (p - 1) / 2 + 2.5)
    return (lambda x: f(x, p)), (x,)


def _nan_to_num(rng, f):
    kw = dict(nan=float(rng.uniform(-1, 1)), posinf=float(rng.uniform(1, 2)), neginf=float(rng.uniform(-2, -1)))
    return (lambda x: f(x, **kw)), (t(rng, shape(rng, 0)),)


def _xlogy_like(y_low):
    def build(rng, f):
        s = shape(rng)
        s_b = tuple(1 if rng.random() < 0.3 else d for d in s)
        return f, (t(rng, s), t(rng, s_b, y_low, 3.0))

    return build


def _ldexp(rng, f):
    s = shape(rng)
    return f, (t(rng, s), t(rng, tuple(1 if rng.random() < 0.3 else d for d in s)))


def _nextafter(rng, f):
    s = shape(rng)
    a = arr(rng, s)
    return f, (ten(a), ten(apart(arr(rng, s), a)))


OPS = [
    M("acos", unary(-0.9, 0.9), "torch Tensor torch.arccos Tensor.arccos"),
    M("asin", unary(-0.9, 0.9), "torch Tensor torch.arcsin Tensor.arcsin"),
    M("atan", unary(-2.0, 2.0), "torch Tensor torch.arctan Tensor.arctan"),
    M("acosh", unary(1.2, 3.0), "torch Tensor torch.arccosh Tensor.arccosh"),
    M("asinh", unary(-2.0, 2.0), "torch Tensor torch.arcsinh Tensor.arcsinh"),
    M("atanh", unary(-0.9, 0.9), "torch Tensor torch.arctanh Tensor.arctanh"),
    M("cosh", unary(-2.0, 2.0)),
    M("sinh", unary(-2.0, 2.0)),
    M("deg2rad", unary(-2.0, 2.0)),
    M("rad2deg", unary(-2.0, 2.0)),
    M("exp2", unary(-2.0, 2.0), "torch Tensor special.exp2"),
    M("sinc", unary(-2.0, 2.0), "torch Tensor special.sinc"),
    M("frac", unary(-2.9, 2.9, INTEGERS)),
    M("sgn", unary(kinks=(0.0,))),
    M("positive", unary()),
    M("nan_to_num", _nan_to_num),
    M("erfc", unary(-2.0, 2.0), "torch Tensor special.erfc"),
    M("erfinv", unary(-0.9, 0.9), "torch Tensor special.erfinv"),
    M("lgamma", unary(0.3, 3.0), "torch Tensor special.gammaln"),
    M("digamma", unary(0.3, 3.0), "torch Tensor special.digamma special.psi"),
    M("polygamma", _polygamma(method=False), "torch special"),
    M("polygamma(method)", _polygamma(method=True), "Tensor.polygamma"),
    M("mvlgamma", _mvlgamma, "torch Tensor special.multigammaln"),
    M("i0", unary(-2.0, 2.0), "torch Tensor special.i0"),
    M("logit", _logit, "torch Tensor special.logit"),
    M("i0e", unary(-2.0, 2.0), "special"),
    M("i1", unary(-2.0, 2.0), "special"),
    M("i1e", unary(-2.0, 2.0), "special"),
    M("erfcx", unary(-1.0, 2.0), "special"),
    M("entr", unary(0.1, 2.0), "special"),
    M("ndtr", unary(-3.0, 3.0), "special"),
    M("ndtri", unary(0.05, 0.95), "special"),
    M("log_ndtr", unary(-3.0, 3.0), "special"),
    M("atan2", _signed_pair, "torch Tensor torch.arctan2 Tensor.arctan2"),
    M("copysign", _signed_pair),
    M("hypot", _signed_pair),
    M("float_power", binary(0.5, 2.0)),
    M("fmax", binary(fix=apart)),
    M("fmin", binary(fix=apart)),
    M("ldexp", _ldexp),
    M("logaddexp", binary(-2.0, 2.0)),
    M("logaddexp2", binary(-2.0, 2.0)),
    M("nextafter", _nextafter),
    M("xlogy", _xlogy_like(0.2), "torch Tensor special.xlogy"),
    M("xlog1py", _xlogy_like(-0.5), "special"),
]
