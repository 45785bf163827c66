"""Activation functions (relu family, softplus, gelu, elu family, shrinkage, glu, prelu)."""

from __future__ import annotations

import numpy as np

from .._backend import xp
from .._tensor import Tensor
from ..autograd.function import OUTPUT, Op
from ._promote import _float_array
from .comparison import ge, gt, le, logical_and, lt, where
from .unary import abs, clamp, erf, expm1, sigmoid, tanh

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


def relu(x: Tensor) -> Tensor:
    """Elementwise max(x, 0); the gradient at 0 is 0."""
    return Relu.apply(x)


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
