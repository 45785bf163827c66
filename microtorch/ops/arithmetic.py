"""Arithmetic with broadcasting and PyTorch's type promotion: + - * / ** // % and friends.

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
from ._promote import _align, _binary, _py, _pyscalar, _scalar_target
from ._util import as_tensor_arg, broadcast_error
from .comparison import eq, ge, where
from .shape import sum_to_size
from .unary import log, neg, trunc

__all__ = [
    "add",
    "sub",
    "mul",
    "div",
    "true_divide",
    "pow",
    "square",
    "reciprocal",
    "floor_divide",
    "remainder",
    "lerp",
]


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


def square(x: Tensor) -> Tensor:
    """Elementwise x**2."""
    return pow(x, 2)


def reciprocal(x: Tensor) -> Tensor:
    """Elementwise 1 / x."""
    return div(1.0, x)


def lerp(start: Tensor, end: Tensor, weight) -> Tensor:
    """``start + weight * (end - start)``."""
    return start + (end - start) * weight


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
