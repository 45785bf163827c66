"""Elementwise ops: unary math, arithmetic and its operators, comparisons-by-value (maximum, clamp, where...)."""

from __future__ import annotations

import numpy as np

from ._core import family, swapped
from ._gen import apart, arr, binary, off, shape, t, ten, unary

E = family("elementwise")

INTEGERS = tuple(range(-3, 4))
HALVES = tuple(k + 0.5 for k in range(-4, 4))


def _off_multiples(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a`` moved so that ``a / b`` is off the integers (the jumps of fmod and remainder)."""
    return b * off(a / b, INTEGERS + tuple(range(-8, -3)) + tuple(range(4, 9)))


def _signed(low, high):
    """A builder option: ``b`` values of magnitude in ``[low, high)`` and random sign."""

    def make(rng, s):
        return arr(rng, s, low, high) * rng.choice([-1.0, 1.0], size=s)

    return make


def _fmod_like(rng, f):
    s = shape(rng)
    s_b = tuple(1 if rng.random() < 0.3 else d for d in s)
    b = _signed(0.5, 2.0)(rng, s_b)
    a = _off_multiples(arr(rng, s, -3.0, 3.0), np.broadcast_to(b, s))
    return f, (ten(a), ten(b))


def _clamp(rng, f):
    """Float bounds, or tensor bounds (broadcast, getting gradients too); one or both."""
    which = [("min", "max"), ("min",), ("max",)][int(rng.integers(3))]
    s = shape(rng, 0)
    if rng.random() < 0.5:
        lo, hi = float(rng.uniform(-0.8, 0.0)), float(rng.uniform(0.1, 0.8))
        bounds = {k: v for k, v in (("min", lo), ("max", hi)) if k in which}
        return (lambda x: f(x, **bounds)), (t(rng, s, kinks=(lo, hi)),)
    s_b = tuple(1 if rng.random() < 0.3 else d for d in s)
    lo, hi = arr(rng, s_b, -0.8, 0.0), arr(rng, s_b, 0.1, 0.8)
    x = arr(rng, s)
    for b in (lo, hi):
        x = apart(x, np.broadcast_to(b, s))
    named = [k for k in ("min", "max") if k in which]
    bound_values = [ten(lo if k == "min" else hi) for k in named]
    return (lambda x, *b: f(x, **dict(zip(named, b)))), (ten(x), *bound_values)


def _clamp_bound(rng, f):
    """clamp_min / clamp_max: a float bound, or a tensor bound (broadcast) that gets a gradient too."""
    s = shape(rng)
    if rng.random() < 0.5:
        bound = float(rng.uniform(-0.5, 0.5))
        return (lambda x: f(x, bound)), (t(rng, s, kinks=(bound,)),)
    b = arr(rng, tuple(1 if rng.random() < 0.3 else d for d in s))
    return f, (ten(apart(arr(rng, s), np.broadcast_to(b, s))), ten(b))


def _lerp(rng, f):
    s = shape(rng)
    weight = t(rng, s, 0.0, 1.0) if rng.random() < 0.5 else float(rng.uniform(0, 1))
    if isinstance(weight, float):
        return (lambda a, b: f(a, b, weight)), (t(rng, s), t(rng, s))
    return f, (t(rng, s), t(rng, s), weight)


def _addc(divide: bool):
    def build(rng, f):
        s = shape(rng)
        value = float(rng.choice([1.0, 0.5, -2.0]))
        t2 = ten(_signed(0.5, 2.0)(rng, s)) if divide else t(rng, s)
        return (lambda x, a, b: f(x, a, b, value=value)), (t(rng, s), t(rng, s), t2)

    return build


def _where(rng, f):
    import microtorch as mt

    s = shape(rng)
    cond = mt.tensor(rng.random(s) < 0.5)
    return (lambda a, b: f(cond, a, b)), (t(rng, s), t(rng, s))


def _where_method(rng, f):
    import microtorch as mt

    s = shape(rng)
    cond = mt.tensor(rng.random(s) < 0.5)
    return (lambda a, b: f(a, cond, b)), (t(rng, s), t(rng, s))


def _masked_fill(rng, f):
    import microtorch as mt

    s = shape(rng)
    mask = mt.tensor(rng.random(tuple(1 if rng.random() < 0.3 else d for d in s)) < 0.5)
    if rng.random() < 0.5:  # a 0-d tensor value gets a gradient too
        return (lambda x, v: f(x, mask, v)), (t(rng, s), t(rng, ()))
    value = float(rng.uniform(-1, 1))
    return (lambda x: f(x, mask, value)), (t(rng, s),)


def _pow_scalar(rng, f):
    exponent = float(rng.choice([2.0, 3.0, 0.5, -1.5, 2.5]))
    low = -1.0 if exponent in (2.0, 3.0) else 0.3
    return (lambda x: f(x, exponent)), (t(rng, shape(rng, 0), low, 1.5),)


def _rpow_scalar(rng, f):
    base = float(rng.choice([2.0, 0.5, 3.5]))
    return (lambda x: f(base, x)), (t(rng, shape(rng, 0)),)


def _round_decimals(rng, f):
    decimals = int(rng.integers(0, 2))
    step = 10.0**-decimals
    kinks = tuple(step * (k + 0.5) for k in range(-20, 20))
    x = ten(off(arr(rng, shape(rng, 0), -1.9, 1.9), kinks, gap=step / 10))
    return (lambda x: f(x, decimals=decimals)), (x,)


def _signed_unary(low, high):
    """Values of magnitude in ``[low, high)`` with random signs, for ops singular at 0."""

    def build(rng, f):
        s = shape(rng, 0)
        return f, (ten(_signed(low, high)(rng, s)),)

    return build


_SCALAR_OPERATORS = " ".join(
    f"Tensor.__{n}__" for n in ("add", "radd", "sub", "rsub", "mul", "rmul", "truediv", "rtruediv", "pow", "rpow")
)


def _scalar_operand(rng, f):
    """An op with a Python number as its other operand (the scalar-wrapping path): ``x + 1.5``, ``2 ** x``..."""
    scalar = float(rng.choice([0.5, 1.5, 2.0, 3.0]))
    return (lambda x: f(x, scalar)), (t(rng, shape(rng, 0), 0.5, 2.0),)


OPS = [
    E("abs", unary(kinks=(0.0,)), "torch Tensor torch.absolute Tensor.absolute Tensor.__abs__"),
    E("pos", unary(), "Tensor.__pos__"),
    E("neg", unary(), "torch Tensor torch.negative Tensor.negative Tensor.__neg__"),
    E("exp", unary()),
    E("expm1", unary(), "torch Tensor special.expm1"),
    E("log", unary(0.2, 3.0)),
    E("log2", unary(0.2, 3.0)),
    E("log10", unary(0.2, 3.0)),
    E("log1p", unary(-0.5, 2.0), "torch Tensor special.log1p"),
    E("sqrt", unary(0.2, 3.0)),
    E("rsqrt", unary(0.2, 3.0)),
    E("reciprocal", _signed_unary(0.3, 2.0)),
    E("square", unary()),
    E("sin", unary(-3.0, 3.0)),
    E("cos", unary(-3.0, 3.0)),
    E("tan", unary(-1.2, 1.2)),
    E("tanh", unary(-2.0, 2.0), "torch Tensor F"),
    E("sigmoid", unary(-3.0, 3.0), "torch Tensor F special.expit"),
    E("erf", unary(-2.0, 2.0), "torch Tensor special.erf"),
    E("sign", unary(kinks=(0.0,))),
    E("floor", unary(-2.9, 2.9, INTEGERS)),
    E("ceil", unary(-2.9, 2.9, INTEGERS)),
    E("trunc", unary(-2.9, 2.9, INTEGERS), "torch Tensor torch.fix Tensor.fix"),
    E("round", unary(-2.9, 2.9, HALVES), "torch Tensor special.round"),
    E("round(decimals)", _round_decimals),
    E("clamp", _clamp, "torch Tensor torch.clip Tensor.clip"),
    E("clamp_min", _clamp_bound),
    E("clamp_max", _clamp_bound),
    E("add", binary(), "torch Tensor Tensor.__add__ Tensor.__radd__"),
    E("add(alpha)", binary(kw=lambda rng: dict(alpha=float(rng.choice([2.0, -0.5]))))),
    E("sub", binary(), "torch Tensor torch.subtract Tensor.subtract Tensor.__sub__ Tensor.__rsub__"),
    E("sub(alpha)", binary(kw=lambda rng: dict(alpha=float(rng.choice([2.0, -0.5]))))),
    E("mul", binary(), "torch Tensor torch.multiply Tensor.multiply Tensor.__mul__ Tensor.__rmul__"),
    E(
        "div",
        binary(0.5, 2.0),
        "torch Tensor torch.divide Tensor.divide torch.true_divide Tensor.true_divide"
        " Tensor.__truediv__ Tensor.__rtruediv__ Tensor.__rdiv__",
    ),
    E("pow", binary(0.5, 2.0), "torch Tensor Tensor.__pow__ Tensor.__rpow__"),
    E("operators(scalar)", _scalar_operand, f"{_SCALAR_OPERATORS} torch.add torch.sub torch.mul torch.div"),
    E("pow(scalar exponent)", _pow_scalar, "torch.pow Tensor.pow Tensor.__pow__"),
    E("pow(scalar base)", _rpow_scalar, "torch.pow"),
    E("maximum", binary(fix=apart)),
    E("minimum", binary(fix=apart)),
    E("max(other)", binary(fix=apart), "torch.max Tensor.max"),
    E("min(other)", binary(fix=apart), "torch.min Tensor.min"),
    E("fmod", _fmod_like),
    E("remainder", _fmod_like, "torch Tensor Tensor.__mod__"),
    E("rmod", swapped(_fmod_like), "Tensor.__rmod__"),
    E("lerp", _lerp),
    E("addcmul", _addc(divide=False), "Tensor"),
    E("addcdiv", _addc(divide=True), "Tensor"),
    E("where", _where, "torch"),
    E("where(method)", _where_method, "Tensor.where"),
    E("masked_fill", _masked_fill),
]
