"""More elementwise math as PyTorch has it: inverse trig and hyperbolic functions, two-argument
math (atan2, hypot, logaddexp, copysign, xlogy, ...), integer and bit operations, and checks.

Every function follows PyTorch's dtype rules (integer input to a float function gives the
default float dtype), keeps NaN / inf as torch does, and writes its gradient in microtorch
Tensor ops so that second-order gradients work.
"""

from __future__ import annotations

import numpy as np

from .. import _dtype as dt
from .._backend import xp
from .._tensor import Tensor
from ..autograd.function import OUTPUT, Op
from ._promote import TYPE_WORD, _pyscalar, not_a_tensor, type_name
from ._util import broadcast_error
from .arithmetic import pow as _pow
from .comparison import where
from .shape import sum_to_size
from .unary import _masked, exp, rsqrt, sign

__all__ = [
    "asin",
    "acos",
    "atan",
    "sinh",
    "cosh",
    "asinh",
    "acosh",
    "atanh",
    "exp2",
    "frac",
    "sgn",
    "signbit",
    "deg2rad",
    "rad2deg",
    "nan_to_num",
    "positive",
    "isneginf",
    "isposinf",
    "isreal",
    "atan2",
    "logaddexp",
    "logaddexp2",
    "hypot",
    "copysign",
    "heaviside",
    "float_power",
    "fmax",
    "fmin",
    "gcd",
    "lcm",
    "ldexp",
    "nextafter",
    "xlogy",
    "logit",
    "bitwise_and",
    "bitwise_or",
    "bitwise_xor",
    "bitwise_not",
    "bitwise_left_shift",
    "bitwise_right_shift",
]

_LN2 = float(np.log(2.0))


# --- the shared op: a numpy kernel plus a gradient in Tensor ops ------------------------
class Pointwise(Op):
    """An elementwise op: subclasses set ``kernel(*arrays, **params)`` and ``grad(g, *inputs, out, **params)``."""

    uses_output = False

    def forward(self, *xs, **params):
        self.params = params
        self.shapes = tuple(x._data.shape for x in xs)
        self.save_for_backward(*xs, OUTPUT) if self.uses_output else self.save_for_backward(*xs)
        return self.kernel(*(x._data for x in xs), **params)

    def backward(self, g):
        saved = self.saved_tensors
        xs, out = (saved[:-1], saved[-1]) if self.uses_output else (saved, None)
        grads = self.grad(g, *xs, out, **self.params)
        if type(grads) is not tuple:
            grads = (grads,)
        return tuple(
            sum_to_size(gr, shape) if need and gr is not None else None
            for gr, shape, need in zip(grads, self.shapes, self.needs_input_grad)
        )


def pointwise(torch_name: str, kernel, grad, uses_output: bool = False) -> type:
    """A ``Pointwise`` op class named as PyTorch's backward node."""
    attrs = {"torch_name": torch_name, "kernel": staticmethod(kernel), "grad": staticmethod(grad)}
    return type(torch_name, (Pointwise,), {**attrs, "uses_output": uses_output})


def not_implemented(op: str, a: np.ndarray) -> NotImplementedError:
    """PyTorch's error for a dtype an op's CPU kernel does not cover."""
    return NotImplementedError(f"\"{op}_cpu\" not implemented for '{TYPE_WORD.get(a.dtype.name, a.dtype.name)}'")


def check_tensor(op: str, x, name: str = "input", position: int = 1) -> None:
    """PyTorch's TypeError unless ``x`` is a Tensor."""
    if not isinstance(x, Tensor):
        raise not_a_tensor(op, x, name, position)


def to_float(x: Tensor) -> Tensor:
    """``x`` itself when floating, else converted to the default float dtype."""
    return x if x._data.dtype.kind == "f" else x.to(dt.get_default_dtype())


def as_dtype(x, target: dt.dtype) -> Tensor:
    """A Tensor or Python number as a Tensor of ``target`` (numbers become 0-dim constants)."""
    if isinstance(x, Tensor):
        return x if x._data.dtype == target.np else x.to(target)
    return Tensor._make(np.asarray(x, target.np))


def operands(op: str, a, b, *, scalars: bool = False, names=("input", "other"), floating: bool = False):
    """Both operands of a binary op as Tensors of PyTorch's common dtype (``floating``: at least float)."""
    ok = (Tensor, *_pyscalar) if scalars else (Tensor,)
    if not isinstance(a, ok) or not isinstance(b, ok) or not (isinstance(a, Tensor) or isinstance(b, Tensor)):
        if scalars:
            raise TypeError(
                f"{op}() received an invalid combination of arguments - got ({type_name(a)}, {type_name(b)})"
            )
        check_tensor(op, a, names[0], 1)
        check_tensor(op, b, names[1], 2)
    target = dt.result_type(a, b)
    if floating and not target.is_floating_point:
        target = dt.get_default_dtype()
    return as_dtype(a, target), as_dtype(b, target)


def apply_binary(op: str, cls, a: Tensor, b: Tensor, **params) -> Tensor:
    """``cls.apply(a, b)`` with PyTorch's error when the shapes do not broadcast."""
    try:
        return cls.apply(a, b, **params)
    except ValueError:
        raise broadcast_error(op, a.shape, b.shape) from None


def constant(x: Tensor, value) -> Tensor:
    """A 0-dim constant of ``x``'s dtype."""
    return Tensor._make(np.asarray(value, x._data.dtype))


def _unary_float(torch_name: str, kernel, grad, uses_output: bool = False, name: str = ""):
    """A float function of one tensor (integers and bools computed in the default float dtype)."""
    cls = pointwise(torch_name, kernel, grad, uses_output)
    op = name or torch_name.removesuffix("Backward0").lower()

    def fn(input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
        check_tensor(op, input)
        return cls.apply(to_float(input))

    fn.__name__ = op
    return fn


# --- inverse trig and hyperbolic functions -------------------------------------------------
asin = _unary_float("AsinBackward0", xp.arcsin, lambda g, x, y: g * rsqrt(1 - x * x))
asin.__doc__ = "Elementwise arcsine."
acos = _unary_float("AcosBackward0", xp.arccos, lambda g, x, y: -(g * rsqrt(1 - x * x)))
acos.__doc__ = "Elementwise arccosine."
atan = _unary_float("AtanBackward0", xp.arctan, lambda g, x, y: g / (x * x + 1))
atan.__doc__ = "Elementwise arctangent."
sinh = _unary_float("SinhBackward0", xp.sinh, lambda g, x, y: g * cosh(x))
sinh.__doc__ = "Elementwise hyperbolic sine."
cosh = _unary_float("CoshBackward0", xp.cosh, lambda g, x, y: g * sinh(x))
cosh.__doc__ = "Elementwise hyperbolic cosine."
asinh = _unary_float("AsinhBackward0", xp.arcsinh, lambda g, x, y: g * rsqrt(x * x + 1))
asinh.__doc__ = "Elementwise inverse hyperbolic sine."
acosh = _unary_float("AcoshBackward0", xp.arccosh, lambda g, x, y: g * rsqrt(x * x - 1))
acosh.__doc__ = "Elementwise inverse hyperbolic cosine."
atanh = _unary_float("AtanhBackward0", xp.arctanh, lambda g, x, y: g / (1 - x * x))
atanh.__doc__ = "Elementwise inverse hyperbolic tangent."
exp2 = _unary_float("Exp2Backward0", xp.exp2, lambda g, x, y: g * y * _LN2, uses_output=True)
exp2.__doc__ = "Elementwise 2**x."


def deg2rad(input: Tensor) -> Tensor:  # noqa: A002
    """Degrees to radians."""
    check_tensor("deg2rad", input)
    return to_float(input) * float(np.pi / 180)


def rad2deg(input: Tensor) -> Tensor:  # noqa: A002
    """Radians to degrees."""
    check_tensor("rad2deg", input)
    return to_float(input) * float(180 / np.pi)


# --- functions that keep the dtype ---------------------------------------------------------
_Frac = pointwise("FracBackward0", lambda a: a - xp.trunc(a), lambda g, x, y: g)


def frac(input: Tensor) -> Tensor:  # noqa: A002
    """Fractional part ``x - trunc(x)`` (floating tensors only, as PyTorch)."""
    check_tensor("frac", input)
    if input._data.dtype.kind != "f":
        raise not_implemented("frac", input._data)
    return _Frac.apply(input)


_Sgn = pointwise("SgnBackward0", lambda a: sign(Tensor._make(a))._data, lambda g, x, y: zeros_of(x))


def sgn(input: Tensor) -> Tensor:  # noqa: A002
    """Sign of each element (for real tensors the same as ``sign``; its gradient is 0)."""
    check_tensor("sgn", input)
    return _Sgn.apply(input)


def signbit(input: Tensor) -> Tensor:  # noqa: A002
    """Whether each element has its sign bit set (also -0.0 and -nan)."""
    check_tensor("signbit", input)
    a = input._data
    return Tensor._make(np.asarray(xp.signbit(a) if a.dtype.kind == "f" else a < 0))


def _nan_to_num_kernel(a, nan, posinf, neginf):
    info = np.finfo(a.dtype)
    hi = info.max if posinf is None else posinf
    lo = info.min if neginf is None else neginf
    return np.asarray(xp.nan_to_num(a, nan=nan, posinf=hi, neginf=lo))


_NanToNum = pointwise(
    "NanToNumBackward0",
    _nan_to_num_kernel,
    lambda g, x, y, **_: _masked(np.isfinite(x._data), g),
)


def nan_to_num(input: Tensor, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None) -> Tensor:  # noqa: A002
    """NaN, +inf and -inf replaced (by default with 0 and the dtype's largest and smallest values)."""
    check_tensor("nan_to_num", input)
    if input._data.dtype.kind != "f":
        return input.clone()
    return _NanToNum.apply(input, nan=nan, posinf=posinf, neginf=neginf)


def positive(input: Tensor) -> Tensor:  # noqa: A002
    """``input`` itself (``+x``); bool tensors are refused, as PyTorch."""
    check_tensor("positive", input)
    if input._data.dtype.kind == "b":
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def _isinf_signed(op: str, x: Tensor, positive_side: bool) -> Tensor:
    check_tensor(op, x)
    a = x._data
    if a.dtype.kind != "f":
        return Tensor._make(np.zeros(a.shape, bool))
    return Tensor._make(np.asarray(a == (np.inf if positive_side else -np.inf)))


def isposinf(input: Tensor) -> Tensor:  # noqa: A002
    """Where each element is +inf."""
    return _isinf_signed("isposinf", input, True)


def isneginf(input: Tensor) -> Tensor:  # noqa: A002
    """Where each element is -inf."""
    return _isinf_signed("isneginf", input, False)


def isreal(input: Tensor) -> Tensor:  # noqa: A002
    """Where each element is real: every element of a real tensor."""
    check_tensor("isreal", input)
    return Tensor._make(np.ones(input._data.shape, bool))


# --- two-argument float functions ----------------------------------------------------------
def _atan2_grad(g, y, x, out):
    denom = x * x + y * y
    vanishing = denom._data == 0  # PyTorch: no gradient where x**2 + y**2 is 0 (or underflows to it)
    recip = 1 / denom
    return _masked(~vanishing, g * x * recip), _masked(~vanishing, -(g * y * recip))


_Atan2 = pointwise("Atan2Backward0", xp.arctan2, _atan2_grad)
_LogAddExp = pointwise(
    "LogaddexpBackward0",
    xp.logaddexp,
    lambda g, a, b, out: (g / (exp(b - a) + 1), g / (exp(a - b) + 1)),
)


def _logaddexp2_kernel(a, b):
    # PyTorch's formula (numpy's logaddexp2 rounds differently in the last bit)
    m = xp.maximum(a, b)
    out = m + xp.log1p(xp.exp2(-xp.abs(a - b))) * a.dtype.type(1 / np.log(2.0))
    return np.asarray(xp.where(xp.isinf(a) & (a == b), a, out))


_LogAddExp2 = pointwise(
    "Logaddexp2Backward0",
    _logaddexp2_kernel,
    lambda g, a, b, out: (g / (_pow(2.0, b - a) + 1), g / (_pow(2.0, a - b) + 1)),
)
_Hypot = pointwise("HypotBackward0", xp.hypot, lambda g, a, b, out: (g * a / out, g * b / out), uses_output=True)


def _float_binary(op: str, cls, a, b, names=("input", "other"), float_only: bool = False) -> Tensor:
    a, b = operands(op, a, b, names=names, floating=not float_only)
    if float_only and a._data.dtype.kind != "f":
        raise not_implemented(op, a._data)
    return apply_binary(op, cls, a, b)


def atan2(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Elementwise arctangent of ``input / other`` in the right quadrant."""
    return _float_binary("atan2", _Atan2, input, other)


def logaddexp(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """``log(exp(input) + exp(other))`` without overflow."""
    return _float_binary("logaddexp", _LogAddExp, input, other, float_only=True)


def logaddexp2(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """``log2(2**input + 2**other)`` without overflow."""
    return _float_binary("logaddexp2", _LogAddExp2, input, other, float_only=True)


def hypot(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """``sqrt(input**2 + other**2)`` without overflow."""
    return _float_binary("hypot", _Hypot, input, other, float_only=True)


def _copysign_grad(g, a, b, out):
    # PyTorch's form: result / self with 0 where self is 0 (so its double backward has NaN there too)
    return _masked(a._data != 0, g * (out / a)), zeros_of(b)


def zeros_of(x: Tensor) -> Tensor:
    """A constant zero gradient of ``x``'s shape and dtype (PyTorch's ``zeros_like``: not ``g * 0``, which is NaN at inf)."""
    return Tensor._make(np.zeros(x._data.shape, x._data.dtype))


_Copysign = pointwise("CopysignBackward0", xp.copysign, _copysign_grad, uses_output=True)


def copysign(input: Tensor, other) -> Tensor:  # noqa: A002
    """``|input|`` with the sign of ``other`` (a tensor or a number)."""
    if not isinstance(input, Tensor) or not isinstance(other, (Tensor, *_pyscalar)):
        raise TypeError(
            f"copysign() received an invalid combination of arguments - got ({type_name(input)}, {type_name(other)})"
        )
    a, b = operands("copysign", input, other, scalars=True, floating=True)
    return apply_binary("copysign", _Copysign, a, b)


def _xlogy_kernel(a, b):
    out = a * xp.log(b)
    return np.asarray(xp.where((a == 0) & ~xp.isnan(b), np.zeros((), out.dtype), out))


def _xlogy_grad(g, x, y, out):
    dx = _masked(~((x._data == 0) & (y._data <= 0)), xlogy(g, y))
    return dx, g * x / y


_Xlogy = pointwise("XlogyBackward0", _xlogy_kernel, _xlogy_grad)


def xlogy(input, other) -> Tensor:  # noqa: A002
    """``input * log(other)``, 0 where ``input`` is 0 (unless ``other`` is NaN)."""
    a, b = operands("xlogy", input, other, scalars=True, floating=True)
    return apply_binary("xlogy", _Xlogy, a, b)


def _logit_kernel(a, eps):
    if eps is not None:
        a = xp.clip(a, a.dtype.type(eps), a.dtype.type(1 - eps))
    return np.asarray(xp.log(a / (1 - a)))


def _logit_grad(g, x, out, eps):
    a = x._data
    dx = g / (x * (1 - x))
    if eps is None:
        return where(Tensor._make((a < 0) | (a > 1)), constant(x, np.nan), dx)
    return _masked(~((a < eps) | (a > 1 - eps)), dx)


_Logit = pointwise("LogitBackward0", _logit_kernel, _logit_grad)


def logit(input: Tensor, eps: float | None = None) -> Tensor:  # noqa: A002
    """``log(p / (1 - p))``; with ``eps``, ``p`` is first clamped to ``[eps, 1 - eps]``."""
    check_tensor("logit", input)
    return _Logit.apply(to_float(input), eps=eps)


def _heaviside_kernel(a, v):
    return np.asarray(xp.where(a == 0, v, (a > 0).astype(a.dtype)))


def heaviside(input: Tensor, values: Tensor) -> Tensor:  # noqa: A002
    """Step function: 0 below zero, 1 above, ``values`` at zero (both tensors of one dtype)."""
    check_tensor("heaviside", input)
    check_tensor("heaviside", values, "values", 2)
    if input._data.dtype != values._data.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    try:
        out = np.asarray(_heaviside_kernel(input._data, values._data))
    except ValueError:
        raise broadcast_error("heaviside", input.shape, values.shape) from None
    result = Tensor._make(out)
    if (input._requires_grad or values._requires_grad) and _grad_enabled():
        return _NoDerivative.apply(input, values, result=result, op="aten::heaviside")
    return result


def _grad_enabled() -> bool:
    from ..autograd.grad_mode import is_grad_enabled

    return is_grad_enabled()


class _NoDerivative(Op):
    """A result whose derivative PyTorch does not implement: backward raises its error."""

    torch_name = "NotImplemented"

    def forward(self, *inputs, result, op):
        self.op = op
        return result._data

    def backward(self, g):
        raise RuntimeError(f"derivative for {self.op} is not implemented")


def float_power(input, exponent) -> Tensor:  # noqa: A002
    """``input ** exponent`` computed in float64, as PyTorch."""
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError(
            f"float_power() received an invalid combination of arguments - got ({type_name(input)}, {type_name(exponent)})"
        )
    for v in (input, exponent):
        if not isinstance(v, (Tensor, *_pyscalar)):
            raise TypeError(
                f"float_power() received an invalid combination of arguments - got ({type_name(input)}, {type_name(exponent)})"
            )
    base = input.to(dt.float64) if isinstance(input, Tensor) else float(input)
    exp_ = exponent.to(dt.float64) if isinstance(exponent, Tensor) else float(exponent)
    return _pow(base, exp_)


# --- fmax / fmin: NaN-ignoring maximum and minimum --------------------------------------
def _fmax_grad(g, a, b, out):
    ad, bd = a._data, b._data
    self_wins = (ad >= bd) | np.isnan(bd)
    return _masked(self_wins, g), _masked(~self_wins, g)


def _fmin_grad(g, a, b, out):
    ad, bd = a._data, b._data
    self_wins = (ad <= bd) | np.isnan(bd)
    return _masked(self_wins, g), _masked(~self_wins, g)


_Fmax = pointwise("FmaxBackward0", xp.fmax, _fmax_grad)
_Fmin = pointwise("FminBackward0", xp.fmin, _fmin_grad)


def fmax(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Elementwise maximum that ignores NaN (NaN only where both are NaN)."""
    a, b = operands("fmax", input, other)
    return apply_binary("fmax", _Fmax, a, b)


def fmin(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Elementwise minimum that ignores NaN (NaN only where both are NaN)."""
    a, b = operands("fmin", input, other)
    return apply_binary("fmin", _Fmin, a, b)


def ldexp(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """``input * 2**other``."""
    check_tensor("ldexp", input)
    check_tensor("ldexp", other, "other", 2)
    if other._data.dtype == np.bool_ and input._data.dtype.kind == "f":  # torch's float kernel has no bool exponent
        raise NotImplementedError("\"ldexp_cpu_exp\" not implemented for 'Bool'")
    try:
        return input * _pow(2.0, other)  # PyTorch's composite, so its gradients are pow's
    except RuntimeError as exc:
        if "must match" in str(exc):
            raise broadcast_error("ldexp", input.shape, other.shape) from None
        raise


# PyTorch passes the gradient to ``input`` where the step was taken (input != other), none to ``other``
_Nextafter = pointwise(
    "NextafterBackward0", xp.nextafter, lambda g, a, b, out: (_masked(a._data != b._data, g), zeros_of(b))
)


def nextafter(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """The next floating-point value after ``input`` towards ``other``."""
    return _float_binary("nextafter", _Nextafter, input, other, float_only=True)


# --- integer and bit operations -------------------------------------------------------------
def _integer_operands(op: str, kernel_name: str, a, b, *, bools: bool = True):
    a, b = operands(op, a, b, scalars=True)
    kind = a._data.dtype.kind
    if kind == "f" or (kind == "b" and not bools):
        raise not_implemented(kernel_name, a._data)
    return a, b


def _integer_result(op: str, kernel, a: Tensor, b: Tensor) -> Tensor:
    try:
        return Tensor._make(np.asarray(kernel(a._data, b._data)))
    except ValueError:
        raise broadcast_error(op, a.shape, b.shape) from None


def _gcd(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """PyTorch's Euclid: |a| and |b| in the dtype (so |-128| stays -128 in int8), C remainders."""
    a, b = np.broadcast_arrays(xp.abs(a), xp.abs(b))
    while True:
        nonzero = a != 0
        if not nonzero.any():
            return np.asarray(b)
        a, b = xp.where(nonzero, xp.fmod(b, xp.where(nonzero, a, 1)), 0), xp.where(nonzero, a, b)


def _lcm(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    g = _gcd(a, b)
    zero = g == 0
    # C++ computes small integer types in int (then wraps on the cast back): int64 here
    wide = xp.abs(a.astype(np.int64) // xp.where(zero, 1, g) * b)
    return np.asarray(xp.where(zero, 0, wide).astype(g.dtype))


def gcd(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Elementwise greatest common divisor (integer tensors, always >= 0)."""
    check_tensor("gcd", input)
    check_tensor("gcd", other, "other", 2)
    a, b = _integer_operands("gcd", "gcd", input, other, bools=False)
    return _integer_result("gcd", _gcd, a, b)


def lcm(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Elementwise least common multiple (integer tensors, always >= 0)."""
    check_tensor("lcm", input)
    check_tensor("lcm", other, "other", 2)
    a, b = _integer_operands("lcm", "lcm", input, other, bools=False)
    return _integer_result("lcm", _lcm, a, b)


def bitwise_and(input, other) -> Tensor:  # noqa: A002
    """Elementwise AND of integer or bool tensors."""
    return _integer_result(
        "bitwise_and", xp.bitwise_and, *_integer_operands("bitwise_and", "bitwise_and", input, other)
    )


def bitwise_or(input, other) -> Tensor:  # noqa: A002
    """Elementwise OR of integer or bool tensors."""
    return _integer_result("bitwise_or", xp.bitwise_or, *_integer_operands("bitwise_or", "bitwise_or", input, other))


def bitwise_xor(input, other) -> Tensor:  # noqa: A002
    """Elementwise XOR of integer or bool tensors."""
    return _integer_result(
        "bitwise_xor", xp.bitwise_xor, *_integer_operands("bitwise_xor", "bitwise_xor", input, other)
    )


def bitwise_not(input: Tensor) -> Tensor:  # noqa: A002
    """Elementwise NOT (logical NOT for bool tensors)."""
    check_tensor("bitwise_not", input)
    a = input._data
    if a.dtype.kind == "f":
        raise not_implemented("bitwise_not", a)
    return Tensor._make(np.asarray(~a))


def _shift(a: np.ndarray, b: np.ndarray, left: bool) -> np.ndarray:
    # C++ shifts by a negative count or by the bit width or more are undefined; PyTorch gives 0
    # (left) or the sign fill (right) there
    if a.dtype.kind == "b":
        a, b = a.astype(np.uint8), b.astype(np.uint8)
        return _shift(a, b, left).astype(bool)
    bits = a.dtype.itemsize * 8
    valid = (b >= 0) & (b < bits)
    count = xp.where(valid, b, 0).astype(a.dtype)
    if left:
        shifted = (a.astype(a.dtype.str.replace("i", "u")) << count.astype(a.dtype.str.replace("i", "u"))).astype(
            a.dtype
        )
        return np.asarray(xp.where(valid, shifted, np.zeros((), a.dtype)))
    fill = a >> (bits - 1) if a.dtype.kind == "i" else np.zeros((), a.dtype)
    return np.asarray(xp.where(valid, a >> count, fill))


def bitwise_left_shift(input, other) -> Tensor:  # noqa: A002
    """``input << other`` elementwise (integer tensors)."""
    a, b = _integer_operands("bitwise_left_shift", "lshift", input, other)
    return _integer_result("bitwise_left_shift", lambda x, y: _shift(x, y, True), a, b)


def bitwise_right_shift(input, other) -> Tensor:  # noqa: A002
    """``input >> other`` elementwise (arithmetic shift for signed integers)."""
    a, b = _integer_operands("bitwise_right_shift", "rshift", input, other)
    return _integer_result("bitwise_right_shift", lambda x, y: _shift(x, y, False), a, b)
