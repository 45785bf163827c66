"""Activation functions (relu family, softplus, gelu, elu family, shrinkage, glu, prelu)."""

from __future__ import annotations

import functools
import inspect

import numpy as np

from .._backend import xp
from .._tensor import Tensor
from ..autograd import engine as _engine
from ..autograd.function import OUTPUT, Op
from ..autograd.grad_mode import _state
from ..kernels.buffers import ELEMENTWISE_FROM, fresh
from ..kernels.select import select, zero_where
from ._out import torch_args
from ._promote import TYPE_WORD, _float_array, check_number, check_tensor, not_a_tensor, not_implemented
from .comparison import gt, le, lt, where
from .unary import _masked, abs, erf, exp, sigmoid, tanh

__all__ = [
    "relu",
    "leaky_relu",
    "softplus",
    "elu",
    "gelu",
    "silu",
    "hardtanh",
    "relu6",
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


def _float_activation(kernel: str, *numbers: str, name: str | None = None, positional: bool = False):
    """Give an activation PyTorch's argument checks where it enters.

    The input must be a Tensor (TypeError) of a floating dtype (NotImplementedError naming
    PyTorch's ``kernel``); the scalar parameters ``numbers``, which follow the input in
    order, must be numbers. PyTorch names their position when they were passed by
    position, or always where its Python wrapper passes them on positionally.
    """

    def decorate(fn):
        op = name or fn.__name__

        @functools.wraps(fn)
        def checked(x, *args, **kwargs):
            if not isinstance(x, Tensor):
                raise not_a_tensor(op, x, "input", 1)
            for i, param in enumerate(numbers):
                if i < len(args):
                    check_number(op, args[i], param, i + 2)
                elif param in kwargs:
                    check_number(op, kwargs[param], param, i + 2 if positional else None)
            if x._data.dtype.kind != "f":
                raise not_implemented(kernel, x)
            return fn(x, *args, **kwargs)

        return checked

    return decorate


class Relu(Op):
    def forward(self, x):
        a = x._data
        self.save_for_backward(OUTPUT)
        if a.dtype.kind != "f":
            return xp.maximum(a, 0)
        # large results in a recycled buffer (a non-contiguous input: numpy keeps its layout)
        out = fresh(a.shape, a.dtype) if a.size >= ELEMENTWISE_FROM and a.flags.c_contiguous else None
        return xp.maximum(a, a.dtype.type(0), out=out)

    def backward(self, g):
        (y,) = self.saved_tensors
        # PyTorch's threshold_backward: the gradient where the output is not <= 0 (NaN included),
        # else exactly 0 (also for an inf or NaN gradient: a select, not a product with a mask)
        gd = g._data
        blocked = y._data <= 0
        zero = gd.dtype.type(0)
        if not _state.enabled and _engine._instrument is None:
            return Tensor._make(zero_where(blocked, gd))  # the select below, on the arrays
        return where(Tensor._make(blocked), Tensor._make(np.asarray(zero)), g)


class LeakyRelu(Op):
    def forward(self, x, slope):
        self.slope = slope
        self.save_for_backward(x)
        a = x._data
        return select(a > 0, a, a * a.dtype.type(slope))

    def backward(self, g):
        (x,) = self.saved_tensors
        return where(gt(x, 0), g, g * self.slope)


def relu(x: Tensor) -> Tensor:
    """Elementwise max(x, 0); the gradient at 0 is 0 (integer inputs stay integer)."""
    try:
        kind = x._data.dtype.kind
    except AttributeError:  # free on the normal path: no isinstance check per call
        if not isinstance(x, Tensor):
            raise not_a_tensor("relu", x, "input", 1) from None
        raise
    if kind == "b":
        raise RuntimeError("Boolean inputs not supported for relu")
    return Relu.apply(x)


@_float_activation("leaky_relu_cpu", "negative_slope", positional=True)
def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """``x`` where positive, ``negative_slope * x`` elsewhere."""
    return LeakyRelu.apply(x, slope=negative_slope)


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
        # the linear region's slope is the constant 1 (bx * 0 + 1 would be nan at inf)
        return g * where(gt(bx, threshold), _const(1, g), sigmoid(bx))


def _const(value, like: Tensor) -> Tensor:
    return Tensor._make(np.asarray(value, like._data.dtype))


@_float_activation("softplus_cpu", "beta", "threshold")
def softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta x)) / beta``, linear above ``threshold`` (as PyTorch)."""
    return Softplus.apply(x, beta=beta, threshold=threshold)


@_float_activation("elu_cpu", "alpha", positional=True)
def elu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """``alpha (e**x - 1)`` where ``x <= 0``, ``x`` elsewhere (NaN too: gradient 1 there, as PyTorch)."""
    return Elu.apply(x, alpha=alpha, scale=1.0, input_scale=1.0)


class Elu(Op):
    """PyTorch's elu kernel: ``scale * (alpha (exp(x * input_scale) - 1) if x <= 0 else x)``.

    The gradient takes the exponential side at 0 and the linear side at NaN (as PyTorch's
    scalar kernel); its own derivative is 0 at 0, as PyTorch's ``elu_double_backward``."""

    torch_name = "EluBackward0"

    def forward(self, x, alpha, scale, input_scale):
        self.coefs = (alpha, scale, input_scale)
        self.save_for_backward(x)
        a = x._data
        cast = a.dtype.type
        neg = xp.expm1(xp.minimum(a, cast(0)) * cast(input_scale)) * cast(alpha)
        out = xp.where(a <= 0, neg, a)
        return out * cast(scale) if scale != 1.0 else out

    def backward(self, g):
        (x,) = self.saved_tensors
        alpha, scale, input_scale = self.coefs
        zero = _const(0, x)
        below = where(lt(x, 0), x, zero)  # exp(below) is 1 at 0 with a zero derivative there
        return where(le(x, 0), g * exp(below * input_scale) * (alpha * input_scale * scale), g * scale)


@_float_activation("silu_cpu")
def silu(x: Tensor) -> Tensor:
    """``x * sigmoid(x)``."""
    return x * sigmoid(x)


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit (exact, or the tanh approximation)."""
    check_tensor("gelu", x)
    if not isinstance(approximate, str):
        raise TypeError(f"gelu(): argument 'approximate' must be str, not {type(approximate).__name__}")
    if approximate not in ("none", "tanh"):
        raise RuntimeError("gelu: approximate argument must be either none or tanh.")
    if x._data.dtype.kind != "f":
        raise NotImplementedError(f"\"GeluKernelImpl\" not implemented for '{TYPE_WORD[x._data.dtype.name]}'")
    if approximate == "tanh":
        return x * 0.5 * (1 + tanh((x + x * x * x * 0.044715) * float(np.sqrt(2 / np.pi))))
    return x * 0.5 * (1 + erf(x * float(1 / np.sqrt(2))))


class Hardtanh(Op):
    """Clamp to ``[lo, hi]`` keeping the dtype; PyTorch's gradient is 0 at and beyond the limits."""

    torch_name = "HardtanhBackward0"

    def forward(self, x, lo, hi):
        self.lo, self.hi = lo, hi
        self.save_for_backward(x)
        a = x._data
        cast = a.dtype.type
        return xp.minimum(xp.maximum(a, cast(lo)), cast(hi))

    def backward(self, g):
        (x,) = self.saved_tensors
        a = x._data
        # NaN gets 0, as PyTorch's vectorised kernel gives on contiguous data (its scalar loop,
        # run for strided inputs and the last few elements, would give 1)
        return _masked((a > self.lo) & (a < self.hi), g)


def hardtanh(x: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """Clamp to ``[min_val, max_val]``; integer inputs stay integer."""
    check_tensor("hardtanh", x)
    check_number("hardtanh", min_val, "min_val", 2)
    check_number("hardtanh", max_val, "max_val", 3)
    if min_val > max_val:
        raise ValueError("hardtanh: min_val cannot be greater than max_val")
    kind = x._data.dtype.kind
    if kind == "b":
        raise RuntimeError("Bool inputs not supported for hardtanh")
    if kind == "u" and min_val < 0:
        raise RuntimeError("hardtanh: cannot do hardtanh on an unsigned type with negative limits")
    return Hardtanh.apply(x, lo=min_val, hi=max_val)


def relu6(x: Tensor) -> Tensor:
    """Clamp to ``[0, 6]``; the gradient is 0 at 0 and 6."""
    check_tensor("relu6", x)
    return hardtanh(x, 0.0, 6.0)


@_float_activation("hardswish_cpu")
def hardswish(x: Tensor) -> Tensor:
    """``x * relu6(x + 3) / 6``; gradient ``x / 3 + 1 / 2`` strictly inside (-3, 3), 0 below, 1 above (as PyTorch)."""
    return where(le(x, -3.0), x * 0.0, where(lt(x, 3.0), x * (x + 3.0) / 6.0, x))


@_float_activation("hardsigmoid_cpu")
def hardsigmoid(x: Tensor) -> Tensor:
    """``relu6(x + 3) / 6``; gradient 1/6 strictly inside (-3, 3), 0 elsewhere (NaN: NaN, gradient 0)."""
    return Hardsigmoid.apply(x)


_ONE_SIXTH = float(np.float32(1) / np.float32(6))


class Hardsigmoid(Op):
    """PyTorch's ``min(max(x + 3, 0), 6) / 6`` (NaN stays NaN) and its gradient, 0 outside (-3, 3) and at NaN."""

    torch_name = "HardsigmoidBackward0"

    def forward(self, x):
        self.save_for_backward(x)
        a = x._data
        cast = a.dtype.type
        return xp.minimum(xp.maximum(a + cast(3), cast(0)), cast(6)) / cast(6)

    def backward(self, g):
        (x,) = self.saved_tensors
        a = x._data
        # PyTorch's kernel multiplies by 1/6 rounded to float32, in every dtype
        return _masked((a > -3) & (a < 3), g) * _ONE_SIXTH


@_float_activation("mish_cpu")
def mish(x: Tensor) -> Tensor:
    """``x * tanh(softplus(x))``."""
    return x * tanh(softplus(x))


class LogSigmoid(Op):
    """``min(x, 0) - log1p(exp(-|x|))``: finite for every finite ``x``, -inf at -inf; gradient ``sigmoid(-x)``."""

    torch_name = "LogSigmoidBackward0"

    def forward(self, x):
        self.save_for_backward(x)
        a = _float_array(x)
        return xp.minimum(a, a.dtype.type(0)) - xp.log1p(xp.exp(-xp.abs(a)))

    def backward(self, g):
        (x,) = self.saved_tensors
        return g * sigmoid(-x)


@_float_activation("log_sigmoid_cpu", name="log_sigmoid")
def logsigmoid(x: Tensor) -> Tensor:
    """``log(sigmoid(x))`` without overflow."""
    return LogSigmoid.apply(x)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


@_float_activation("elu_cpu")
def selu(x: Tensor) -> Tensor:
    """``scale * elu(x, alpha)`` with the self-normalising constants."""
    return Elu.apply(x, alpha=_SELU_ALPHA, scale=_SELU_SCALE, input_scale=1.0)


@_float_activation("elu_cpu", "alpha", positional=True)
def celu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """``alpha (exp(x / alpha) - 1)`` where ``x <= 0``, ``x`` elsewhere (NaN too, as PyTorch)."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    return Elu.apply(x, alpha=alpha, scale=1.0, input_scale=1.0 / alpha)


def softsign(x: Tensor) -> Tensor:
    """``x / (1 + |x|)``."""
    return x / (abs(x) + 1)  # torch adds an int: integer inputs wrap (int8: abs(-127) + 1 is -128)


def tanhshrink(x: Tensor) -> Tensor:
    """``x - tanh(x)``."""
    return x - tanh(x)


class Softshrink(Op):
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, 0 between; NaN stays NaN."""

    torch_name = "SoftshrinkBackward0"

    def forward(self, x, lambd):
        self.lambd = lambd
        self.save_for_backward(x)
        a = x._data
        lam = a.dtype.type(lambd)
        return xp.where(a > lam, a - lam, xp.where(a < -lam, a + lam, a * a.dtype.type(0)))

    def backward(self, g):
        (x,) = self.saved_tensors
        a = x._data
        # NaN gets 0, as PyTorch's vectorised kernel (see Hardtanh.backward)
        return _masked((a > self.lambd) | (a < -self.lambd), g)


_FLOAT_LIMIT = {
    "float16": ("Half", "65504"),
    "float32": ("Float", "3.40282e+38"),
    "float64": ("Double", "1.79769e+308"),
}


def softshrink(x: Tensor, lambd: float = 0.5) -> Tensor:
    """Shrink towards zero by ``lambd``; exactly 0 within ``[-lambd, lambd]``."""
    check_tensor("softshrink", x)
    check_number("softshrink", lambd, "lambd", 2)
    name = x._data.dtype.name
    if name not in _FLOAT_LIMIT:
        raise NotImplementedError(f"\"softshrink_check\" not implemented for '{TYPE_WORD[name]}'")
    if not 0 <= lambd <= np.finfo(x._data.dtype).max:
        word, limit = _FLOAT_LIMIT[name]
        raise RuntimeError(
            f"softshrink: lambda must be in range [0, {limit}] for input dtype {word}, but found {lambd}"
        )
    return Softshrink.apply(x, lambd=lambd)


@_float_activation("hardshrink_cpu", "lambd")
def hardshrink(x: Tensor, lambd: float = 0.5) -> Tensor:
    """0 where ``-lambd <= x <= lambd``, ``x`` elsewhere (NaN and a NaN ``lambd`` keep ``x``, as PyTorch)."""
    return Hardshrink.apply(x, lambd=lambd)


class Hardshrink(Op):
    """PyTorch's kernels: the value keeps ``x`` unless ``-lambd <= x <= lambd``; the gradient passes only
    where ``x < -lambd`` or ``x > lambd`` (so not at NaN, as its vectorised backward)."""

    torch_name = "HardshrinkBackward0"

    def forward(self, x, lambd):
        a = x._data
        self.lambd = a.dtype.type(lambd)
        self.save_for_backward(x)
        return xp.where((a >= -self.lambd) & (a <= self.lambd), a.dtype.type(0), a)

    def backward(self, g):
        (x,) = self.saved_tensors
        a = x._data
        return _masked((a > self.lambd) | (a < -self.lambd), g)


class Threshold(Op):
    """``value`` where ``x <= threshold``, ``x`` elsewhere (NaN stays NaN); the dtype is kept."""

    torch_name = "ThresholdBackward0"

    def forward(self, x, threshold, value):
        a = x._data
        # both scalars are cast to the input's dtype first (truncated, wrapped), as PyTorch does
        self.threshold = np.asarray(threshold).astype(a.dtype)
        self.save_for_backward(x)
        return xp.where(a <= self.threshold, np.asarray(value).astype(a.dtype), a)

    def backward(self, g):
        (x,) = self.saved_tensors
        return _masked(~(x._data <= self.threshold), g)


def threshold(x: Tensor, threshold: float, value: float) -> Tensor:
    """``x`` where ``x > threshold``, ``value`` elsewhere."""
    check_tensor("threshold", x)
    check_number("threshold", threshold, "threshold", 2)
    check_number("threshold", value, "value", 3)
    if x._data.dtype.kind == "b":
        raise NotImplementedError("\"threshold_cpu\" not implemented for 'Bool'")
    return Threshold.apply(x, threshold=threshold, value=value)


def glu(x: Tensor, dim: int = -1) -> Tensor:
    """Gated linear unit: ``a * sigmoid(b)`` for the two halves ``a, b`` of ``dim``."""
    from ._util import wrap_dim

    check_tensor("glu", x)
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, (bool, np.bool_)):
        raise TypeError(f"glu(): argument 'dim' (position 2) must be int, not {type(dim).__name__}")
    if x.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    if x._data.dtype.kind != "f":
        raise not_implemented("glu_cpu", x)
    d = wrap_dim(int(dim), x.ndim, "glu")
    if x.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {x.shape[d]}")
    a, b = x.chunk(2, d)
    return a * sigmoid(b)


def prelu(x: Tensor, weight: Tensor) -> Tensor:
    """``x`` where positive, ``weight * x`` elsewhere; ``weight`` has 1 element or one per channel (dim 1)."""
    check_tensor("prelu", x)
    check_tensor("prelu", weight, "weight", 2)
    if weight.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {weight.ndim}")
    xt, wt = x._data.dtype.name, weight._data.dtype.name
    if x._data.dtype.kind != "f":
        raise NotImplementedError(f"\"prelu_cpu\" not implemented for '{TYPE_WORD[xt]}'")
    if xt != wt:
        raise RuntimeError(f"prelu: Type promoting not supported. Got {TYPE_WORD[xt]} and {TYPE_WORD[wt]}")
    n = weight.numel()
    channels = x.shape[1] if x.ndim >= 2 else 1
    if n != 1 and n != channels:
        raise RuntimeError(
            "Mismatch of parameter numbers and input channel size. Found parameter numbers = "
            f"{n} and channel size = {channels}."
        )
    slope = weight.reshape(()) if n == 1 else weight.reshape((1, n) + (1,) * (x.ndim - 2))
    return where(gt(x, 0), x, slope * x)


def _inplace_option(fn):
    """torch.nn.functional's trailing ``inplace`` flag (positional or keyword): write the result into ``input``."""
    n = len(inspect.signature(fn).parameters)

    @functools.wraps(fn)
    def wrapper(*args, inplace: bool = False, **kwargs):
        if len(args) == n + 1:
            *args, inplace = args
        if not inplace:
            return fn(*args, **kwargs)
        from .._tensor_methods import _inplace  # the in-place machinery (version counter, autograd) lives there

        return _inplace(f"{fn.__name__}_", fn)(*args, **kwargs)

    return wrapper


# torch's keyword name ``input`` (ops/_out.py) and nn.functional's ``inplace`` flags
for _name in ("elu", "celu", "selu", "silu", "mish", "hardswish", "hardsigmoid"):
    globals()[_name] = _inplace_option(globals()[_name])
for _name in __all__:
    globals()[_name] = torch_args("input", has_out=False)(globals()[_name])
