"""Arithmetic with broadcasting and PyTorch's type promotion: + - * / ** // % and friends.

Binary ops reduce each gradient back to its input's shape (``sum_to_size``). Python
scalars take separate ``*Scalar`` ops: no tensor is made for them and, as in PyTorch, a
float32 tensor combined with a Python float stays float32. Integer division by zero
raises PyTorch's ``RuntimeError: ZeroDivisionError``.
"""

from __future__ import annotations

import numpy as np

from .. import _dtype as dt
from .._backend import xp
from .._tensor import Tensor
from ..autograd import engine as _engine
from ..autograd.function import OUTPUT, Op, save_needed, wants_grad
from ..autograd.grad_mode import _state
from ..kernels import buffers as _buf
from ._out import torch_args
from ._promote import TYPE_WORD, _align, _binary, _py, _pyscalar, _scalar_target, fit_int, invalid_arguments
from ._util import as_tensor_arg, broadcast_error
from .comparison import eq, ge, where
from .shape import _sum_to_array, sum_to_size
from .unary import log, neg

_BIG = _buf.ELEMENTWISE_FROM  # results from this many elements go to recycled buffers

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
    "fmod",
    "lerp",
]


def _plain(g: Tensor, dtype: np.dtype) -> bool:
    """Whether a backward formula may run on the arrays: nothing recorded (no create_graph), no
    profiler / anomaly instrumentation, and a real floating gradient of ``dtype`` (then the numpy
    calls are exactly those of the Tensor-op formula, without its nodes)."""
    if _state.enabled or _engine._instrument is not None:
        return False
    gdt = g._data.dtype
    return gdt == dtype and gdt.kind == "f"


def _to_shape(a: np.ndarray, shape: tuple) -> Tensor:
    """``sum_to_size`` of a gradient array whose shape broadcasts from ``shape``."""
    return Tensor._make(a if a.shape == shape else _sum_to_array(a, shape))


def _operands(op: str, a, b, number_first: bool = True, numbers_only: bool = True):
    """Check PyTorch's accepted argument types; of two numbers the first becomes a 0-dim tensor."""
    a, b = _py(a), _py(b)
    a_ok = isinstance(a, (Tensor, np.ndarray)) or (number_first and isinstance(a, _pyscalar))
    b_ok = isinstance(b, (Tensor, np.ndarray, *_pyscalar))
    if not (a_ok and b_ok):
        raise invalid_arguments(op, a, b)
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        if not numbers_only:
            raise invalid_arguments(op, a, b)
        a = as_tensor_arg(a, op)
    return a, b


# --- add / sub ---------------------------------------------------------------------
class Add(Op):
    def forward(self, a, b):
        self.shapes = (a._data.shape, b._data.shape)
        ad = a._data
        return ad + b._data if ad.size < _BIG else _buf.binary(xp.add, ad, b._data)

    def backward(self, g):
        na, nb = self.needs_input_grad
        return (sum_to_size(g, self.shapes[0]) if na else None, sum_to_size(g, self.shapes[1]) if nb else None)


class AddScalar(Op):
    torch_name = "AddBackward0"
    scalar_operand = True

    def forward(self, x, s):
        xd = x._data
        return xd + s if xd.size < _BIG else _buf.binary(xp.add, xd, s)

    def backward(self, g):
        return g


class SubScalar(Op):
    """``x - s``."""

    torch_name = "SubBackward0"
    scalar_operand = True

    def forward(self, x, s):
        xd = x._data
        return xd - s if xd.size < _BIG else _buf.binary(xp.subtract, xd, s)

    def backward(self, g):
        return g


class Sub(Op):
    def forward(self, a, b):
        self.shapes = (a._data.shape, b._data.shape)
        ad = a._data
        return ad - b._data if ad.size < _BIG else _buf.binary(xp.subtract, ad, b._data)

    def backward(self, g):
        na, nb = self.needs_input_grad
        ga = sum_to_size(g, self.shapes[0]) if na else None
        if not nb:
            return ga, None
        if _plain(g, g._data.dtype):
            return ga, _to_shape(-g._data, self.shapes[1])
        return ga, sum_to_size(neg(g), self.shapes[1])


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
    a, b = _operands("add", a, b)
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
    if isinstance(a, Tensor):  # the common float cases first (no numpy scalar among them)
        ad = a._data
        if type(b) is float or type(b) is int:
            if ad.dtype.kind == "f":
                return SubScalar.apply(a, s=b * alpha)
        elif isinstance(b, Tensor) and ad.dtype == b._data.dtype and ad.dtype.kind == "f":
            try:
                return Sub.apply(a, b) if alpha == 1 else Sub.apply(a, mul(b, alpha))
            except ValueError:
                raise broadcast_error("sub", a.shape, b.shape) from None
    a, b = _operands("sub", a, b)
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
        return RSubScalar.apply(b, s=fit_int(b, a))
    if isinstance(b, _pyscalar) and isinstance(a, Tensor):
        target = _scalar_target(a, b)
        if target is not None:
            a = a.to(target)
        return SubScalar.apply(a, s=fit_int(a, b))
    return _binary(Sub, None, a, b, "sub")


# --- mul / div ----------------------------------------------------------------------
class Mul(Op):
    def forward(self, a, b):
        self.shapes = (a._data.shape, b._data.shape)
        self.save_for_backward(*save_needed(a, b))
        ad = a._data
        return ad * b._data if ad.size < _BIG else _buf.binary(xp.multiply, ad, b._data)

    def backward(self, g):
        a, b = self.saved_tensors
        na, nb = self.needs_input_grad
        if _plain(g, (a if a is not None else b)._data.dtype):
            gd = g._data
            if gd.size < _BIG:
                ga = _to_shape(gd * b._data, self.shapes[0]) if na else None
                return ga, _to_shape(gd * a._data, self.shapes[1]) if nb else None
            ga = _to_shape(_buf.binary(xp.multiply, gd, b._data), self.shapes[0]) if na else None
            return ga, _to_shape(_buf.binary(xp.multiply, gd, a._data), self.shapes[1]) if nb else None
        return (sum_to_size(g * b, self.shapes[0]) if na else None, sum_to_size(g * a, self.shapes[1]) if nb else None)


class MulScalar(Op):
    torch_name = "MulBackward0"
    scalar_operand = True

    def forward(self, x, s):
        self.s = s
        xd = x._data
        return xd * s if xd.size < _BIG else _buf.binary(xp.multiply, xd, s)

    def backward(self, g):
        if _plain(g, g._data.dtype):
            gd = g._data
            return Tensor._make(gd * self.s if gd.size < _BIG else _buf.binary(xp.multiply, gd, self.s))
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
    a, b = _operands("mul", a, b)
    if not isinstance(a, Tensor):
        a, b = b, a
    if a._data.dtype.kind == "b" and isinstance(b, Tensor) and b._data.dtype.kind == "b":
        return Tensor._make(a._data & b._data)
    return _binary(Mul, MulScalar, a, b, "mul")


class Div(Op):
    def forward(self, a, b):
        self.shapes = (a._data.shape, b._data.shape)
        self.save_for_backward(a if wants_grad(b) else None, b)
        return a._data / b._data

    def backward(self, g):
        a, b = self.saved_tensors
        na, nb = self.needs_input_grad
        if _plain(g, b._data.dtype):
            gd, bd = g._data, b._data
            ga = _to_shape(gd / bd, self.shapes[0]) if na else None
            return ga, _to_shape(-gd * a._data / (bd * bd), self.shapes[1]) if nb else None
        ga = sum_to_size(g / b, self.shapes[0]) if na else None
        gb = sum_to_size(neg(g) * a / (b * b), self.shapes[1]) if nb else None
        return ga, gb


class DivScalar(Op):
    torch_name = "DivBackward0"
    scalar_operand = True

    def forward(self, x, s):
        self.s = s
        return x._data / s

    def backward(self, g):
        if _plain(g, g._data.dtype):
            return Tensor._make(g._data / self.s)
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
    """True division ``a / b`` (integers give the default float dtype), or rounded ``'trunc'`` / ``'floor'``."""
    if rounding_mode is not None:
        if not isinstance(rounding_mode, str):
            raise TypeError(f"div(): argument 'rounding_mode' must be str or None, not {type(rounding_mode).__name__}")
        if rounding_mode == "floor" or rounding_mode == "trunc":
            return _rounded_div(a, b, rounding_mode)
        raise RuntimeError(
            f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'"
        )
    if isinstance(a, Tensor) and a._data.dtype.kind == "f":  # the common float cases, without promotion
        if type(b) is float or type(b) is int:
            return DivScalar.apply(a, s=b)
        if isinstance(b, Tensor) and a._data.dtype == b._data.dtype:
            try:
                return Div.apply(a, b)
            except ValueError:
                raise broadcast_error("div", a.shape, b.shape) from None
    a, b = _operands("div", a, b)
    if not isinstance(a, Tensor):
        if b._data.dtype.kind != "f":
            b = b.to(dt.get_default_dtype())
        return RDivScalar.apply(b, s=a)
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


def true_divide(a, b) -> Tensor:
    """True division ``a / b``, as ``div`` without a rounding mode."""
    return div(a, b)


# --- rounded division and remainders -----------------------------------------------
_KERNEL_NAME = {"floor": "div_floor", "trunc": "div_trunc", "remainder": "remainder", "fmod": "fmod"}


def _tensor_pair(op: str, kernel: str, a, b, number_first: bool, numbers_only: bool = False):
    """Both operands as tensors of the promoted dtype, checked as PyTorch's integer kernels do."""
    a, b = _operands(op, a, b, number_first, numbers_only)
    if not isinstance(a, Tensor):
        a = Tensor._make(np.asarray(a).astype(dt.result_type(a, b).np))
    elif not isinstance(b, Tensor):
        b = Tensor._make(np.asarray(b).astype(dt.result_type(a, b).np))
    a, b = _align(a, b, op)
    kind = a._data.dtype.kind
    if kind == "b":
        raise NotImplementedError(f"\"{_KERNEL_NAME[kernel]}_cpu\" not implemented for 'Bool'")
    if kind in "iu" and not b._data.all():
        raise RuntimeError("ZeroDivisionError")
    return a, b


def _trunc_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.dtype.kind == "f":
        return xp.trunc(a / b)
    q = xp.floor_divide(a, b)
    # floor and trunc differ by one where the exact quotient is negative and not whole
    return q + ((q < 0) & (q * b != a)).astype(q.dtype)


class RoundedDiv(Op):
    """``floor(a / b)`` or ``trunc(a / b)``: piecewise constant, so PyTorch's gradient is zero."""

    torch_name = "DivBackward2"

    def forward(self, a, b, mode):
        self.shapes = (a._data.shape, b._data.shape)
        self.dtype = a._data.dtype
        return xp.floor_divide(a._data, b._data) if mode == "floor" else _trunc_div(a._data, b._data)

    def backward(self, g):
        na, nb = self.needs_input_grad
        zeros = [
            Tensor._make(np.zeros(shape, self.dtype)) if need else None for shape, need in zip(self.shapes, (na, nb))
        ]
        return tuple(zeros)


def _rounded_div(a, b, mode: str) -> Tensor:
    a, b = _tensor_pair("div", mode, a, b, number_first=True, numbers_only=True)
    try:
        return RoundedDiv.apply(a, b, mode=mode)
    except ValueError:
        raise broadcast_error("div", a.shape, b.shape) from None


def floor_divide(a, b) -> Tensor:
    """``floor(a / b)``, integer-valued when both are integers (not differentiable, as PyTorch)."""
    a, b = _tensor_pair("floor_divide", "floor", a, b, number_first=True, numbers_only=True)
    try:
        return Tensor._make(xp.floor_divide(a._data, b._data))
    except ValueError:
        raise broadcast_error("floor_divide", a.shape, b.shape) from None


class Remainder(Op):
    """``a - b * round(a / b)`` with floor rounding (``remainder``) or trunc rounding (``fmod``)."""

    torch_name = "RemainderBackward1"

    def forward(self, a, b, mode, number_self=False):
        self.shapes = (a._data.shape, b._data.shape)
        self.mode, self.number_self = mode, number_self
        self.save_for_backward(a, b)
        return xp.mod(a._data, b._data) if mode == "remainder" else xp.fmod(a._data, b._data)

    def backward(self, g):
        na, nb = self.needs_input_grad
        if nb and self.number_self:
            raise RuntimeError(f"derivative for aten::{self.mode} is not implemented")
        ga = sum_to_size(g, self.shapes[0]) if na else None
        gb = None
        if nb:
            ad, bd = (t._data for t in self.saved_tensors)
            # the rounded quotient is piecewise constant (zero derivative): a constant here
            q = xp.floor_divide(ad, bd) if self.mode == "remainder" else _trunc_div(ad, bd)
            gb = sum_to_size(neg(g) * Tensor._make(q), self.shapes[1])
        return ga, gb


def _remainder(op: str, a, b, number_first: bool) -> Tensor:
    number_self = not isinstance(_py(a), (Tensor, np.ndarray))
    a, b = _tensor_pair(op, op, a, b, number_first)
    try:
        return Remainder.apply(a, b, mode=op, number_self=number_self)
    except ValueError:
        raise broadcast_error(op, a.shape, b.shape) from None


def remainder(a, b) -> Tensor:
    """Python-style modulus: the result has the sign of the divisor."""
    return _remainder("remainder", a, b, number_first=True)


def fmod(a, b) -> Tensor:
    """C-style modulus: the result has the sign of the dividend."""
    return _remainder("fmod", a, b, number_first=False)


# --- pow ----------------------------------------------------------------------------
def _int_pow(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Integer powers, negative exponents included (PyTorch: 1 for base 1, +-1 for base -1, else 0)."""
    negative = b < 0
    if not negative.any():
        return a**b
    out = a ** xp.where(negative, 0, b)
    odd = (b % 2).astype(bool)
    special = xp.where(a == 1, 1, xp.where(a == -1, xp.where(odd, -1, 1), 0)).astype(out.dtype)
    return xp.where(negative, special, out)


def _power(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.dtype.kind in "iu" and np.asarray(b).dtype.kind in "iu":
        return _int_pow(a, b)
    out = np.result_type(a, b)
    if out.kind == "f" and out.itemsize < 8:
        # numpy's vectorised float32 pow is often 1 ulp off; through float64 it rounds correctly (as torch)
        return (a.astype(np.float64) ** np.asarray(b, dtype=np.float64)).astype(out)
    return a**b


class Pow(Op):
    torch_name = "PowBackward1"

    def forward(self, a, b):
        self.shapes = (a._data.shape, b._data.shape)
        self.save_for_backward(a, b, OUTPUT)
        return _power(a._data, b._data)

    def backward(self, g):
        a, b, out = self.saved_tensors
        na, nb = self.needs_input_grad
        zero = Tensor._make(np.zeros((), g._data.dtype))
        ga = gb = None
        if na:
            # PyTorch: exactly 0 where the exponent is 0 (so x**x has gradient 0 at x == 0, not nan)
            ga = sum_to_size(where(eq(b, 0), zero, g * b * a ** (b - 1)), self.shapes[0])
        if nb:
            # d/db a**b = a**b * log(a); PyTorch defines it as 0 where a == 0 and b >= 0 (and,
            # as PyTorch, masks after multiplying, so second derivatives there are nan as its)
            gb = sum_to_size(g * where(eq(a, 0) & ge(b, 0), zero, out * log(a)), self.shapes[1])
        return ga, gb


def _scalar_power(a: np.ndarray, s) -> np.ndarray:
    """``a ** s`` for a number ``s``; torch takes ``1 / sqrt`` for ``s == -0.5`` (so ``-inf`` gives nan)."""
    if s == -0.5 and a.dtype.kind == "f":
        return 1 / xp.sqrt(a)
    return a**s


class PowScalar(Op):
    """``x ** s``."""

    torch_name = "PowBackward0"

    def forward(self, x, s):
        self.s = s
        self.save_for_backward(x)
        return _scalar_power(x._data, s)

    def backward(self, g):
        (x,) = self.saved_tensors
        s = self.s
        if s == 0:
            return g * 0
        if s == 1:
            return g
        if (type(s) is int or type(s) is float) and _plain(g, x._data.dtype):
            return Tensor._make(self._plain_grad(g._data, x._data, s))
        if s == 2:
            return g * x * 2
        return g * s * PowScalar.apply(x, s=s - 1)

    @staticmethod
    def _plain_grad(gd: np.ndarray, xd: np.ndarray, s) -> np.ndarray:
        """The formulas above for a Python-number exponent, on the arrays."""
        return gd * xd * 2 if s == 2 else gd * s * _scalar_power(xd, s - 1)


class RPowScalar(Op):
    """``s ** x``."""

    torch_name = "PowBackward2"

    def forward(self, x, s):
        self.s = s
        self.save_for_backward(x, OUTPUT)
        return _power(np.asarray(s, dtype=x._data.dtype), x._data)

    def backward(self, g):
        x, out = self.saved_tensors
        if self.s > 0:
            return g * out * float(np.log(self.s))
        if self.s < 0:
            return g * out * float("nan")
        # 0 ** x: PyTorch's gradient is 0 where x >= 0 and out * log(0) = -inf * g elsewhere
        return where(ge(x, 0), Tensor._make(np.zeros((), g._data.dtype)), g * out * float("-inf"))


def pow(a, b) -> Tensor:  # noqa: A001 - PyTorch's name
    """``a ** b`` elementwise."""
    if isinstance(a, Tensor) and (type(b) is float or type(b) is int) and a._data.dtype.kind == "f":
        return PowScalar.apply(a, s=b)  # the common case: no promotion, no integer-power checks
    a, b = _operands("pow", a, b, numbers_only=False)
    if not isinstance(a, Tensor):
        if not isinstance(b, Tensor):
            b = as_tensor_arg(b, "pow")
        target = _scalar_target(b, a)
        if target is not None:
            b = b.to(target)
        return RPowScalar.apply(b, s=a)
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


class Reciprocal(Op):
    """``1 / x``."""

    torch_name = "ReciprocalBackward0"

    def forward(self, x):
        self.save_for_backward(OUTPUT)
        return np.reciprocal(x._data)

    def backward(self, g):
        (out,) = self.saved_tensors
        return neg(g) * (out * out)


def reciprocal(x: Tensor) -> Tensor:
    """Elementwise 1 / x (integer and bool inputs give the default float dtype)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"reciprocal(): argument 'input' (position 1) must be Tensor, not {type(x).__name__}")
    if x._data.dtype.kind != "f":
        x = x.to(dt.get_default_dtype())
    return Reciprocal.apply(x)


_C_TYPE = {
    "float64": "double",
    "float32": "float",
    "float16": "c10::Half",
    "int64": "long int",
    "int32": "int",
    "int16": "short int",
    "int8": "signed char",
    "uint8": "unsigned char",
    "bool": "bool",
}


def lerp(start: Tensor, end: Tensor, weight) -> Tensor:
    """``start + weight * (end - start)`` (``weight`` a number or a tensor of ``start``'s dtype)."""
    tensor_weight = isinstance(weight, Tensor)
    if not (isinstance(start, Tensor) and isinstance(end, Tensor) and (tensor_weight or isinstance(weight, _pyscalar))):
        raise invalid_arguments("lerp", start, end, weight)
    want = start._data.dtype
    for name, t in (("end", end), ("weight", weight if tensor_weight else None)):
        if t is not None and t._data.dtype != want:
            raise RuntimeError(
                f"lerp: expected dtype {_C_TYPE[want.name]} for `{name}` but got dtype {_C_TYPE[t._data.dtype.name]}"
            )
    if want.kind != "f":
        kernel = "lerp_kernel_tensor" if tensor_weight else "lerp_kernel_scalar"
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{TYPE_WORD[want.name]}'")
    return start + (end - start) * weight


# torch's keyword names and out= (ops/_out.py); positional calls go straight to the ops
_NAMES = {"pow": ("input", "exponent"), "square": ("input",)}
_NAMES.update(reciprocal=("input",), lerp=("input",))
for _name in __all__:
    globals()[_name] = torch_args(*_NAMES.get(_name, ("input", "other")))(globals()[_name])
