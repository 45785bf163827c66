"""Elementwise arithmetic and math with broadcasting and PyTorch's type promotion.

Binary ops reduce each gradient back to its input's shape (``sum_to_size``). Python
scalars take separate ``*Scalar`` ops: no tensor is made for them and, as in PyTorch, a
float32 tensor combined with a Python float stays float32.
"""

from __future__ import annotations

import numpy as np

from .. import _dtype as dt
from .._backend import xp
from .._tensor import Tensor
from ..autograd.function import OUTPUT, Op
from ._util import as_tensor_arg, broadcast_error
from .shape import sum_to_size

__all__ = [
    "add",
    "sub",
    "mul",
    "div",
    "true_divide",
    "pow",
    "neg",
    "exp",
    "log",
    "sqrt",
    "rsqrt",
    "abs",
    "sin",
    "cos",
    "tan",
    "tanh",
    "sigmoid",
    "relu",
    "leaky_relu",
    "clamp",
    "maximum",
    "minimum",
    "where",
    "square",
    "reciprocal",
    "log1p",
    "expm1",
    "log2",
    "log10",
    "sign",
    "floor",
    "ceil",
    "round",
    "trunc",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "logical_and",
    "logical_or",
    "logical_not",
    "logical_xor",
    "isnan",
    "isinf",
    "isfinite",
    "floor_divide",
    "remainder",
    "erf",
    "softplus",
    "elu",
    "gelu",
    "silu",
    "hardtanh",
    "relu6",
    "lerp",
    "hardswish",
    "hardsigmoid",
    "mish",
    "logsigmoid",
    "selu",
    "celu",
    "softsign",
    "tanhshrink",
    "softshrink",
    "hardshrink",
    "threshold",
    "glu",
    "prelu",
]

_pyscalar = (int, float, bool, np.number, np.bool_)


def _py(x):
    """numpy scalars behave as Python scalars (weakly typed), as in PyTorch."""
    return x.item() if isinstance(x, np.generic) else x


def _float_array(x: Tensor) -> np.ndarray:
    a = x._data
    return a if a.dtype.kind == "f" else a.astype(dt.get_default_dtype().np)


def _align(a, b, op: str):
    """Return (a, b) as Tensors of PyTorch's common dtype for a binary op."""
    if not isinstance(a, Tensor):
        a = as_tensor_arg(a, op)
    if not isinstance(b, Tensor):
        b = as_tensor_arg(b, op)
    if a._data.dtype != b._data.dtype:
        target = dt.result_type(a, b).np
        if a._data.dtype != target:
            a = a.to(target)
        if b._data.dtype != target:
            b = b.to(target)
    return a, b


def _scalar_target(x: Tensor, s) -> np.dtype | None:
    """The dtype of ``x (op) s`` for a Python scalar, or None when it is ``x``'s dtype."""
    kind = x._data.dtype.kind
    if kind == "f":
        return None
    if isinstance(s, (bool, np.bool_)):
        return None
    if isinstance(s, (int, np.integer)):
        return None if kind in "iu" else np.dtype(np.int64)
    return dt.get_default_dtype().np


def _binary(cls, scalar_cls, a, b, op: str):
    if isinstance(b, np.generic):
        b = b.item()  # numpy scalars act as Python scalars (weak dtype), as in PyTorch
    if isinstance(b, _pyscalar) and isinstance(a, Tensor):
        target = _scalar_target(a, b)
        if target is not None:
            a = a.to(target)
        return scalar_cls.apply(a, s=b)
    a, b = _align(a, b, op)
    try:
        return cls.apply(a, b)
    except ValueError:
        raise broadcast_error(op, a.shape, b.shape) from None


# --- add / sub ---------------------------------------------------------------------
class Add(Op):
    def forward(self, a, b):
        self.shapes = (a._data.shape, b._data.shape)
        return a._data + b._data

    def backward(self, g):
        na, nb = self.needs_input_grad
        return (sum_to_size(g, self.shapes[0]) if na else None, sum_to_size(g, self.shapes[1]) if nb else None)


class AddScalar(Op):
    torch_name = "AddBackward0"

    def forward(self, x, s):
        return x._data + s

    def backward(self, g):
        return g


class Sub(Op):
    def forward(self, a, b):
        self.shapes = (a._data.shape, b._data.shape)
        return a._data - b._data

    def backward(self, g):
        na, nb = self.needs_input_grad
        return (sum_to_size(g, self.shapes[0]) if na else None, sum_to_size(neg(g), self.shapes[1]) if nb else None)


class RSubScalar(Op):
    """``s - x``."""

    torch_name = "RsubBackward1"

    def forward(self, x, s):
        return s - x._data

    def backward(self, g):
        return neg(g)


def add(a, b, alpha=1) -> Tensor:
    """``a + alpha * b`` with broadcasting."""
    if isinstance(alpha, Tensor) and not isinstance(b, Tensor):
        b, alpha = alpha, b  # legacy add(scalar, tensor) order: a + scalar * tensor
    if isinstance(a, Tensor):
        ad = a._data
        if type(b) is float or type(b) is int:
            if ad.dtype.kind == "f":
                return AddScalar.apply(a, s=b * alpha)
        elif isinstance(b, Tensor) and ad.dtype == b._data.dtype and ad.dtype.kind == "f":
            try:
                return Add.apply(a, b) if alpha == 1 else Add.apply(a, mul(b, alpha))
            except ValueError:
                raise broadcast_error("add", a.shape, b.shape) from None
    if alpha != 1:
        b = mul(b, alpha)
    if not isinstance(a, Tensor):
        return _binary(Add, AddScalar, b, a, "add")
    if a._data.dtype.kind == "b" and isinstance(b, Tensor) and b._data.dtype.kind == "b":
        return Tensor._make(a._data | b._data)
    return _binary(Add, AddScalar, a, b, "add")


def sub(a, b, alpha=1) -> Tensor:
    """``a - alpha * b`` with broadcasting."""
    if isinstance(alpha, Tensor) and not isinstance(b, Tensor):
        b, alpha = alpha, b
    a, b = _py(a), _py(b)
    if isinstance(a, Tensor):
        ad = a._data
        if type(b) is float or type(b) is int:
            if ad.dtype.kind == "f":
                return AddScalar.apply(a, s=-b * alpha)
        elif isinstance(b, Tensor) and ad.dtype == b._data.dtype and ad.dtype.kind == "f":
            try:
                return Sub.apply(a, b) if alpha == 1 else Sub.apply(a, mul(b, alpha))
            except ValueError:
                raise broadcast_error("sub", a.shape, b.shape) from None
    if alpha != 1:
        b = mul(b, alpha)
    for x in (a, b):
        if isinstance(x, Tensor) and x._data.dtype.kind == "b":
            raise RuntimeError(
                "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a "
                "mask, use the `~` or `logical_not()` operator instead."
            )
    if not isinstance(a, Tensor) and isinstance(a, _pyscalar):
        target = _scalar_target(b, a)
        if target is not None:
            b = b.to(target)
        return RSubScalar.apply(b, s=a)
    if isinstance(b, _pyscalar) and isinstance(a, Tensor):
        target = _scalar_target(a, b)
        if target is not None:
            a = a.to(target)
        return AddScalar.apply(a, s=-b)
    return _binary(Sub, None, a, b, "sub")


# --- mul / div ----------------------------------------------------------------------
class Mul(Op):
    def forward(self, a, b):
        self.shapes = (a._data.shape, b._data.shape)
        self.save_for_backward(a, b)
        return a._data * b._data

    def backward(self, g):
        a, b = self.saved_tensors
        na, nb = self.needs_input_grad
        return (sum_to_size(g * b, self.shapes[0]) if na else None, sum_to_size(g * a, self.shapes[1]) if nb else None)


class MulScalar(Op):
    torch_name = "MulBackward0"

    def forward(self, x, s):
        self.s = s
        return x._data * s

    def backward(self, g):
        return MulScalar.apply(g, s=self.s)


def mul(a, b) -> Tensor:
    """Elementwise product with broadcasting."""
    if isinstance(a, Tensor):
        ad = a._data
        if type(b) is float or type(b) is int:
            if ad.dtype.kind == "f":
                return MulScalar.apply(a, s=b)
        elif isinstance(b, Tensor) and ad.dtype == b._data.dtype and ad.dtype.kind == "f":
            try:
                return Mul.apply(a, b)
            except ValueError:
                raise broadcast_error("mul", a.shape, b.shape) from None
    if not isinstance(a, Tensor):
        a, b = b, a
    if a._data.dtype.kind == "b" and isinstance(b, Tensor) and b._data.dtype.kind == "b":
        return Tensor._make(a._data & b._data)
    return _binary(Mul, MulScalar, a, b, "mul")


class Div(Op):
    def forward(self, a, b):
        self.shapes = (a._data.shape, b._data.shape)
        self.save_for_backward(a, b)
        return a._data / b._data

    def backward(self, g):
        a, b = self.saved_tensors
        na, nb = self.needs_input_grad
        ga = sum_to_size(g / b, self.shapes[0]) if na else None
        gb = sum_to_size(neg(g) * a / (b * b), self.shapes[1]) if nb else None
        return ga, gb


class DivScalar(Op):
    torch_name = "DivBackward0"

    def forward(self, x, s):
        self.s = s
        return x._data / s

    def backward(self, g):
        return DivScalar.apply(g, s=self.s)


class RDivScalar(Op):
    """``s / x``."""

    torch_name = "DivBackward0"

    def forward(self, x, s):
        self.s = s
        self.save_for_backward(x)
        return s / x._data

    def backward(self, g):
        (x,) = self.saved_tensors
        return neg(g) * self.s / (x * x)


def div(a, b, rounding_mode: str | None = None) -> Tensor:
    """True division ``a / b`` (integers give the default float dtype)."""
    a, b = _py(a), _py(b)
    if rounding_mode is not None:
        if rounding_mode == "floor":
            return floor_divide(a, b)
        if rounding_mode == "trunc":
            return trunc(div(a, b)).to(dt.result_type(a, b))
        raise RuntimeError(
            f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'"
        )
    if not isinstance(a, Tensor):
        if isinstance(a, _pyscalar):
            if b._data.dtype.kind != "f":
                b = b.to(dt.get_default_dtype())
            return RDivScalar.apply(b, s=a)
        a = as_tensor_arg(a, "div")
    if isinstance(b, _pyscalar):
        if a._data.dtype.kind != "f":
            a = a.to(dt.get_default_dtype())
        return DivScalar.apply(a, s=b)
    a, b = _align(a, b, "div")
    if a._data.dtype.kind != "f":
        a, b = a.to(dt.get_default_dtype()), b.to(dt.get_default_dtype())
    try:
        return Div.apply(a, b)
    except ValueError:
        raise broadcast_error("div", a.shape, b.shape) from None


true_divide = div


# --- pow ----------------------------------------------------------------------------
class Pow(Op):
    torch_name = "PowBackward1"

    def forward(self, a, b):
        self.shapes = (a._data.shape, b._data.shape)
        self.save_for_backward(a, b, OUTPUT)
        with np.errstate(divide="ignore", invalid="ignore"):
            return a._data**b._data

    def backward(self, g):
        a, b, out = self.saved_tensors
        na, nb = self.needs_input_grad
        ga = sum_to_size(g * b * a ** (b - 1), self.shapes[0]) if na else None
        gb = None
        if nb:
            # d/db a**b = a**b * log(a); PyTorch defines it as 0 where a == 0 and b >= 0
            safe = where(eq(a, 0) & ge(b, 0), Tensor._make(np.ones((), a._data.dtype)), a)
            gb = sum_to_size(g * out * log(safe), self.shapes[1])
        return ga, gb


class PowScalar(Op):
    """``x ** s``."""

    torch_name = "PowBackward0"

    def forward(self, x, s):
        self.s = s
        self.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return x._data**s

    def backward(self, g):
        (x,) = self.saved_tensors
        s = self.s
        if s == 0:
            return g * 0
        if s == 1:
            return g
        if s == 2:
            return g * x * 2
        return g * s * PowScalar.apply(x, s=s - 1)


class RPowScalar(Op):
    """``s ** x``."""

    torch_name = "PowBackward1"

    def forward(self, x, s):
        self.s = s
        self.save_for_backward(OUTPUT)
        return np.asarray(s, dtype=x._data.dtype) ** x._data

    def backward(self, g):
        (out,) = self.saved_tensors
        return g * out * float(np.log(self.s)) if self.s > 0 else g * out * float("nan") if self.s < 0 else g * 0


def pow(a, b) -> Tensor:  # noqa: A001 - PyTorch's name
    """``a ** b`` elementwise."""
    a, b = _py(a), _py(b)
    if not isinstance(a, Tensor):
        if isinstance(a, _pyscalar):
            target = _scalar_target(b, a)
            if target is not None:
                b = b.to(target)
            return RPowScalar.apply(b, s=a)
        a = as_tensor_arg(a, "pow")
    if isinstance(b, _pyscalar):
        target = _scalar_target(a, b)
        if target is not None:
            a = a.to(target)
        if a._data.dtype.kind in "iu" and b < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        return PowScalar.apply(a, s=b)
    return _binary(Pow, None, a, b, "pow")


# --- unary ----------------------------------------------------------------------------
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


class Relu(Op):
    def forward(self, x):
        a = x._data
        self.save_for_backward(OUTPUT)
        return xp.maximum(a, 0) if a.dtype.kind != "f" else xp.maximum(a, a.dtype.type(0))

    def backward(self, g):
        (y,) = self.saved_tensors
        # the mask is a constant: build it in g's dtype at once (no bool tensor, no cast op)
        return g * Tensor._make((y._data > 0).astype(g._data.dtype, copy=False))


class LeakyRelu(Op):
    def forward(self, x, slope):
        self.slope = slope
        self.save_for_backward(x)
        a = x._data
        return xp.where(a > 0, a, a * a.dtype.type(slope))

    def backward(self, g):
        (x,) = self.saved_tensors
        return where(gt(x, 0), g, g * self.slope)


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


class Where(Op):
    def forward(self, a, b, cond):
        self.cond = cond
        self.shapes = (a._data.shape, b._data.shape)
        return xp.where(cond, a._data, b._data)

    def backward(self, g):
        zero = Tensor._make(np.zeros((), g._data.dtype))
        c = Tensor._make(self.cond)
        na, nb = self.needs_input_grad
        return (
            sum_to_size(where(c, g, zero), self.shapes[0]) if na else None,
            sum_to_size(where(c, zero, g), self.shapes[1]) if nb else None,
        )


def where(condition, input=None, other=None) -> Tensor:  # noqa: A002
    """Pick ``input`` where ``condition`` holds, else ``other`` (broadcasting all three)."""
    if input is None and other is None:
        from .reduction import nonzero

        return nonzero(condition, as_tuple=True)
    cond = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != bool:
        raise RuntimeError(
            f"where expected condition to be a boolean tensor, but got a tensor with dtype {dt.from_numpy_dtype(cond.dtype)}"
        )
    a, b = _align(input, other, "where")
    try:
        return Where.apply(a, b, cond=cond)
    except ValueError:
        raise broadcast_error("where", a.shape, cond.shape if a.ndim <= b.ndim else b.shape) from None


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
relu = _simple(Relu)
relu.__doc__ = "Elementwise max(x, 0); the gradient at 0 is 0."


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """``x`` where positive, ``negative_slope * x`` elsewhere."""
    return LeakyRelu.apply(x, slope=negative_slope)


def log2(x: Tensor) -> Tensor:
    """Elementwise base-2 logarithm."""
    return log(x) / float(np.log(2.0))


def log10(x: Tensor) -> Tensor:
    """Elementwise base-10 logarithm."""
    return log(x) / float(np.log(10.0))


def square(x: Tensor) -> Tensor:
    """Elementwise x**2."""
    return pow(x, 2)


def reciprocal(x: Tensor) -> Tensor:
    """Elementwise 1 / x."""
    return div(1.0, x)


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


class Softplus(Op):
    """``log(1 + exp(beta x)) / beta``, ``x`` where ``beta x > threshold``; gradient ``sigmoid(beta x)``."""

    def forward(self, x, *, beta, threshold):
        self.opts = (beta, threshold)
        self.save_for_backward(x)
        a = _float_array(x)
        bx = a * a.dtype.type(beta)
        soft = (xp.log1p(xp.exp(-xp.abs(bx))) + xp.maximum(bx, 0)) / a.dtype.type(beta)
        return xp.where(bx > threshold, a, soft)

    def backward(self, g):
        (x,) = self.saved_tensors
        beta, threshold = self.opts
        bx = x * beta
        return g * where(gt(bx, threshold), bx * 0.0 + 1.0, sigmoid(bx))


def softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta x)) / beta``, linear above ``threshold`` (as PyTorch)."""
    return Softplus.apply(x, beta=beta, threshold=threshold)


def elu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """``x`` where positive, ``alpha (e**x - 1)`` elsewhere."""
    return where(gt(x, 0), x, expm1(clamp(x, max=0)) * alpha)


def silu(x: Tensor) -> Tensor:
    """``x * sigmoid(x)``."""
    return x * sigmoid(x)


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit (exact, or the tanh approximation)."""
    if approximate == "tanh":
        return x * 0.5 * (1 + tanh((x + x * x * x * 0.044715) * float(np.sqrt(2 / np.pi))))
    return x * 0.5 * (1 + erf(x * float(1 / np.sqrt(2))))


def hardtanh(x: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """Clamp to ``[min_val, max_val]``."""
    return clamp(x, min_val, max_val)


def relu6(x: Tensor) -> Tensor:
    """Clamp to ``[0, 6]``."""
    return clamp(x, 0.0, 6.0)


def hardswish(x: Tensor) -> Tensor:
    """``x * relu6(x + 3) / 6``; gradient ``x / 3 + 1 / 2`` strictly inside (-3, 3), 0 below, 1 above (as PyTorch)."""
    return where(le(x, -3.0), x * 0.0, where(lt(x, 3.0), x * (x + 3.0) / 6.0, x))


def hardsigmoid(x: Tensor) -> Tensor:
    """``relu6(x + 3) / 6``; gradient 1/6 strictly inside (-3, 3), 0 elsewhere."""
    inside = logical_and(gt(x, -3.0), lt(x, 3.0))
    return where(inside, x / 6.0 + 0.5, ge(x, 3.0).to(x.dtype))


def mish(x: Tensor) -> Tensor:
    """``x * tanh(softplus(x))``."""
    return x * tanh(softplus(x))


def logsigmoid(x: Tensor) -> Tensor:
    """``log(sigmoid(x))`` without overflow: ``-softplus(-x)``."""
    return -softplus(-x)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(x: Tensor) -> Tensor:
    """``scale * elu(x, alpha)`` with the self-normalising constants."""
    return elu(x, _SELU_ALPHA) * _SELU_SCALE


def celu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """``x`` where positive, ``alpha (exp(x / alpha) - 1)`` elsewhere."""
    return where(gt(x, 0), x, expm1(clamp(x, max=0) / alpha) * alpha)


def softsign(x: Tensor) -> Tensor:
    """``x / (1 + |x|)``."""
    return x / (abs(x) + 1.0)


def tanhshrink(x: Tensor) -> Tensor:
    """``x - tanh(x)``."""
    return x - tanh(x)


def softshrink(x: Tensor, lambd: float = 0.5) -> Tensor:
    """Shrink towards zero by ``lambd``; exactly 0 within ``[-lambd, lambd]``."""
    return where(gt(x, lambd), x - lambd, where(lt(x, -lambd), x + lambd, x * 0.0))


def hardshrink(x: Tensor, lambd: float = 0.5) -> Tensor:
    """``x`` where ``|x| > lambd``, 0 elsewhere."""
    return where(gt(abs(x), lambd), x, x * 0.0)


def threshold(x: Tensor, threshold: float, value: float) -> Tensor:
    """``x`` where ``x > threshold``, ``value`` elsewhere."""
    return where(gt(x, threshold), x, x * 0.0 + value)


def glu(x: Tensor, dim: int = -1) -> Tensor:
    """Gated linear unit: ``a * sigmoid(b)`` for the two halves ``a, b`` of ``dim``."""
    from ._util import wrap_dim

    d = wrap_dim(dim, x.ndim, "glu")
    if x.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {x.shape[d]}")
    a, b = x.chunk(2, d)
    return a * sigmoid(b)


def prelu(x: Tensor, weight: Tensor) -> Tensor:
    """``x`` where positive, ``weight * x`` elsewhere; ``weight`` has 1 element or one per channel (dim 1)."""
    n = weight.numel()
    channels = x.shape[1] if x.ndim >= 2 else 1
    if n != 1 and n != channels:
        raise RuntimeError(
            "Mismatch of parameter numbers and input channel size. Found parameter numbers = "
            f"{n} and channel size = {channels}."
        )
    slope = weight.reshape((1, n) + (1,) * (x.ndim - 2)) if n > 1 else weight.reshape(())
    return where(gt(x, 0), x, slope * x)


def lerp(start: Tensor, end: Tensor, weight) -> Tensor:
    """``start + weight * (end - start)``."""
    return start + (end - start) * weight


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


def floor_divide(a, b) -> Tensor:
    """``floor(a / b)``, integer-valued when both are integers."""
    a, b = _align(as_tensor_arg(a, "floor_divide"), as_tensor_arg(b, "floor_divide"), "floor_divide")
    with np.errstate(divide="ignore", invalid="ignore"):
        return Tensor._make(xp.floor_divide(a._data, b._data))


def remainder(a, b) -> Tensor:
    """Python-style modulus (the sign of the divisor)."""
    a, b = _align(as_tensor_arg(a, "remainder"), as_tensor_arg(b, "remainder"), "remainder")
    with np.errstate(divide="ignore", invalid="ignore"):
        return Tensor._make(xp.mod(a._data, b._data))


# --- comparisons and logic (bool results, no gradient) --------------------------------
def _compare(ufunc, name):
    def fn(a, b) -> Tensor:
        ad = a._data if isinstance(a, Tensor) else a
        bd = b._data if isinstance(b, Tensor) else b
        if isinstance(ad, np.ndarray) and isinstance(bd, np.ndarray) and ad.dtype != bd.dtype:
            target = dt.result_type(a, b).np
            ad, bd = ad.astype(target, copy=False), bd.astype(target, copy=False)
        try:
            return Tensor._make(np.asarray(ufunc(ad, bd)))
        except ValueError:
            raise broadcast_error(name, np.shape(ad), np.shape(bd)) from None

    fn.__name__ = name
    fn.__doc__ = f"Elementwise ``{name}`` comparison, as a bool tensor."
    return fn


eq = _compare(np.equal, "eq")
ne = _compare(np.not_equal, "ne")
lt = _compare(np.less, "lt")
le = _compare(np.less_equal, "le")
gt = _compare(np.greater, "gt")
ge = _compare(np.greater_equal, "ge")
logical_and = _compare(np.logical_and, "logical_and")
logical_or = _compare(np.logical_or, "logical_or")
logical_xor = _compare(np.logical_xor, "logical_xor")


def logical_not(x: Tensor) -> Tensor:
    """Elementwise logical negation, as a bool tensor."""
    return Tensor._make(np.logical_not(x._data))


def isnan(x: Tensor) -> Tensor:
    """Where the values are NaN."""
    return Tensor._make(np.isnan(x._data) if x._data.dtype.kind == "f" else np.zeros(x.shape, bool))


def isinf(x: Tensor) -> Tensor:
    """Where the values are +-inf."""
    return Tensor._make(np.isinf(x._data) if x._data.dtype.kind == "f" else np.zeros(x.shape, bool))


def isfinite(x: Tensor) -> Tensor:
    """Where the values are neither NaN nor infinite."""
    return Tensor._make(np.isfinite(x._data) if x._data.dtype.kind == "f" else np.ones(x.shape, bool))
