"""Unary math (exp, log, trig, roots, abs, rounding, erf), clamp and maximum / minimum."""

from __future__ import annotations

import numpy as np

from .. import _dtype as dt
from .._backend import xp
from .._tensor import Tensor
from ..autograd.function import OUTPUT, Op
from ._promote import _align, _float_array
from ._util import broadcast_error
from .comparison import gt, lt, where
from .shape import sum_to_size

__all__ = [
    "neg",
    "exp",
    "log",
    "log1p",
    "expm1",
    "log2",
    "log10",
    "sqrt",
    "rsqrt",
    "abs",
    "sin",
    "cos",
    "tan",
    "tanh",
    "sigmoid",
    "erf",
    "sign",
    "floor",
    "ceil",
    "round",
    "trunc",
    "clamp",
    "maximum",
    "minimum",
]


class Neg(Op):
    def forward(self, x):
        return -x._data

    def backward(self, g):
        return neg(g)


def neg(x: Tensor) -> Tensor:
    """``-x``."""
    if x._data.dtype.kind == "b":
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use "
            "the `~` or `logical_not()` operator instead."
        )
    return Neg.apply(x)


class Exp(Op):
    def forward(self, x):
        self.save_for_backward(OUTPUT)
        return xp.exp(_float_array(x))

    def backward(self, g):
        (y,) = self.saved_tensors
        return g * y


class Log(Op):
    def forward(self, x):
        self.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return xp.log(_float_array(x))

    def backward(self, g):
        (x,) = self.saved_tensors
        return g / x


class Log1p(Op):
    def forward(self, x):
        self.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return xp.log1p(_float_array(x))

    def backward(self, g):
        (x,) = self.saved_tensors
        return g / (x + 1)


class Expm1(Op):
    def forward(self, x):
        self.save_for_backward(OUTPUT)
        return xp.expm1(_float_array(x))

    def backward(self, g):
        (y,) = self.saved_tensors
        return g * (y + 1)


class Sqrt(Op):
    def forward(self, x):
        self.save_for_backward(OUTPUT)
        with np.errstate(invalid="ignore"):
            return xp.sqrt(_float_array(x))

    def backward(self, g):
        (y,) = self.saved_tensors
        return g / (y * 2)


class Rsqrt(Op):
    def forward(self, x):
        self.save_for_backward(OUTPUT)
        with np.errstate(invalid="ignore", divide="ignore"):
            return 1 / xp.sqrt(_float_array(x))

    def backward(self, g):
        (y,) = self.saved_tensors
        return g * y * y * y * -0.5


class Abs(Op):
    def forward(self, x):
        self.save_for_backward(x)
        return xp.abs(x._data)

    def backward(self, g):
        (x,) = self.saved_tensors
        return g * sign(x)


class Sin(Op):
    def forward(self, x):
        self.save_for_backward(x)
        return xp.sin(_float_array(x))

    def backward(self, g):
        (x,) = self.saved_tensors
        return g * cos(x)


class Cos(Op):
    def forward(self, x):
        self.save_for_backward(x)
        return xp.cos(_float_array(x))

    def backward(self, g):
        (x,) = self.saved_tensors
        return neg(g * sin(x))


class Tan(Op):
    def forward(self, x):
        self.save_for_backward(OUTPUT)
        return xp.tan(_float_array(x))

    def backward(self, g):
        (y,) = self.saved_tensors
        return g * (y * y + 1)


class Tanh(Op):
    def forward(self, x):
        self.save_for_backward(OUTPUT)
        return xp.tanh(_float_array(x))

    def backward(self, g):
        (y,) = self.saved_tensors
        return g * (1 - y * y)


def _stable_sigmoid(a: np.ndarray) -> np.ndarray:
    # exp(-|a|) never overflows; both branches of the formula are then finite
    e = xp.exp(-xp.abs(a))
    return xp.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)


class Sigmoid(Op):
    def forward(self, x):
        self.save_for_backward(OUTPUT)
        return _stable_sigmoid(_float_array(x))

    def backward(self, g):
        (y,) = self.saved_tensors
        return g * y * (1 - y)


class Clamp(Op):
    torch_name = "ClampBackward1"

    def forward(self, x, lo, hi):
        self.lo, self.hi = lo, hi
        self.save_for_backward(x)
        a = x._data
        out = a
        if lo is not None:
            out = xp.maximum(out, a.dtype.type(lo) if a.dtype.kind == "f" else lo)
        if hi is not None:
            out = xp.minimum(out, a.dtype.type(hi) if a.dtype.kind == "f" else hi)
        return out if out is not a else a.copy()

    def backward(self, g):
        (x,) = self.saved_tensors
        a = x._data
        mask = np.ones(a.shape, dtype=bool)
        if self.lo is not None:
            mask &= a >= self.lo
        if self.hi is not None:
            mask &= a <= self.hi
        return g * Tensor._make(mask)


def clamp(x: Tensor, min=None, max=None) -> Tensor:  # noqa: A002 - PyTorch's names
    """Limit values to ``[min, max]``; the gradient passes where ``min <= x <= max``."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = x
        if min is not None:
            out = where(lt(out, min), min, out)
        if max is not None:
            out = where(gt(out, max), max, out)
        return out
    if x._data.dtype.kind in "iu" and (isinstance(min, float) or isinstance(max, float)):
        x = x.to(dt.get_default_dtype())
    return Clamp.apply(x, lo=min, hi=max)


class Maximum(Op):
    """Elementwise max; at ties each input gets half the gradient (as PyTorch)."""

    def forward(self, a, b, take_max=True):
        self.shapes = (a._data.shape, b._data.shape)
        self.save_for_backward(a, b)
        self.take_max = take_max
        return xp.maximum(a._data, b._data) if take_max else xp.minimum(a._data, b._data)

    def backward(self, g):
        a, b = self.saved_tensors
        ad, bd = a._data, b._data
        wins = ad > bd if self.take_max else ad < bd
        wa = (wins + 0.5 * (ad == bd)).astype(g._data.dtype)
        wb = (1 - wa).astype(g._data.dtype)
        na, nb = self.needs_input_grad
        return (
            sum_to_size(g * Tensor._make(wa), self.shapes[0]) if na else None,
            sum_to_size(g * Tensor._make(wb), self.shapes[1]) if nb else None,
        )


def maximum(a: Tensor, b: Tensor) -> Tensor:
    """Elementwise maximum of two tensors."""
    a, b = _align(a, b, "maximum")
    try:
        return Maximum.apply(a, b, take_max=True)
    except ValueError:
        raise broadcast_error("maximum", a.shape, b.shape) from None


def minimum(a: Tensor, b: Tensor) -> Tensor:
    """Elementwise minimum of two tensors."""
    a, b = _align(a, b, "minimum")
    try:
        return Maximum.apply(a, b, take_max=False)
    except ValueError:
        raise broadcast_error("minimum", a.shape, b.shape) from None


def _simple(cls):
    def fn(x: Tensor) -> Tensor:
        return cls.apply(x)

    return fn


exp = _simple(Exp)
exp.__doc__ = "Elementwise e**x."
log = _simple(Log)
log.__doc__ = "Elementwise natural logarithm."
log1p = _simple(Log1p)
log1p.__doc__ = "Elementwise log(1 + x), accurate for small x."
expm1 = _simple(Expm1)
expm1.__doc__ = "Elementwise exp(x) - 1, accurate for small x."
sqrt = _simple(Sqrt)
sqrt.__doc__ = "Elementwise square root."
rsqrt = _simple(Rsqrt)
rsqrt.__doc__ = "Elementwise 1 / sqrt(x)."
abs = _simple(Abs)  # noqa: A001
abs.__doc__ = "Elementwise absolute value (gradient sign(x), 0 at 0)."
sin = _simple(Sin)
sin.__doc__ = "Elementwise sine."
cos = _simple(Cos)
cos.__doc__ = "Elementwise cosine."
tan = _simple(Tan)
tan.__doc__ = "Elementwise tangent."
tanh = _simple(Tanh)
tanh.__doc__ = "Elementwise hyperbolic tangent."
sigmoid = _simple(Sigmoid)
sigmoid.__doc__ = "Elementwise logistic function 1 / (1 + e**-x), computed without overflow."


def log2(x: Tensor) -> Tensor:
    """Elementwise base-2 logarithm."""
    return log(x) / float(np.log(2.0))


def log10(x: Tensor) -> Tensor:
    """Elementwise base-10 logarithm."""
    return log(x) / float(np.log(10.0))


class Erf(Op):
    def forward(self, x):
        from math import erf as _erf

        self.save_for_backward(x)
        a = _float_array(x)
        return np.vectorize(_erf, otypes=[a.dtype])(a) if a.size else a.copy()

    def backward(self, g):
        (x,) = self.saved_tensors
        return g * exp(neg(x * x)) * float(2 / np.sqrt(np.pi))


erf = _simple(Erf)
erf.__doc__ = "Elementwise error function."


# --- non-differentiable (zero-gradient) elementwise ops ------------------------------
class _ZeroGrad(Op):
    """Piecewise-constant functions: PyTorch defines their gradient as zero."""

    torch_name = "SignBackward0"

    def forward(self, x, fn):
        return fn(x._data)

    def backward(self, g):
        return g * 0


def sign(x: Tensor) -> Tensor:
    """Elementwise sign (-1, 0 or 1)."""
    return _ZeroGrad.apply(x, fn=xp.sign)


def floor(x: Tensor) -> Tensor:
    """Round down elementwise."""
    return _ZeroGrad.apply(x, fn=xp.floor)


def ceil(x: Tensor) -> Tensor:
    """Round up elementwise."""
    return _ZeroGrad.apply(x, fn=xp.ceil)


def trunc(x: Tensor) -> Tensor:
    """Round toward zero elementwise."""
    return _ZeroGrad.apply(x, fn=xp.trunc)


def round(x: Tensor, decimals: int = 0) -> Tensor:  # noqa: A001
    """Round half to even, as PyTorch."""
    return _ZeroGrad.apply(x, fn=lambda a: xp.round(a, decimals))
