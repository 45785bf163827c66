"""Regularized incomplete gamma functions ``igamma`` (P) and ``igammac`` (Q), from
``scipy.special.gammainc`` / ``gammaincc`` through the optional scipy extra."""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from .special import Pointwise, _float_binary
from .special_functions import _scipy_kernel
from .special_functions import lgamma as _lgamma
from .unary import exp, log

__all__ = ["igamma", "igammac"]


def _kernel(name: str, lower: bool):
    """scipy's P or Q with torch's answers where scipy says NaN: torch tests x == 0 and x == inf before a NaN ``a``."""
    scipy_fn = _scipy_kernel(name, "igamma" if lower else "igammac")

    def kernel(a, x):
        out = scipy_fn(a, x)
        nan_a = np.isnan(a)
        low = (nan_a & (x == 0)) | (np.isposinf(a) & np.isnan(x))
        high = nan_a & np.isposinf(x)
        if low.any() or high.any():
            p_low, p_high = (0, 1) if lower else (1, 0)
            out = np.where(low, out.dtype.type(p_low), np.where(high, out.dtype.type(p_high), out))
        return np.asarray(out)

    return kernel


def _density(a: Tensor, x: Tensor) -> Tensor:
    """``x**(a-1) exp(-x) / Gamma(a)``: the derivative of P(a, x) in x."""
    return exp((a - 1) * log(x) - x - _lgamma(a))


class _IncompleteGamma(Pointwise):
    """P or Q; torch differentiates only in ``other`` (x)."""

    sign = 1.0

    def backward(self, g):
        if self.needs_input_grad[0]:
            raise NotImplementedError(f"the derivative for '{self.op_name}: input' is not implemented.")
        return super().backward(g)

    def grad(self, g, a, x, out):
        return None, g * _density(a, x) * self.sign


class Igamma(_IncompleteGamma):
    torch_name = "IgammaBackward0"
    op_name = "igamma"
    kernel = staticmethod(_kernel("gammainc", True))


class Igammac(_IncompleteGamma):
    torch_name = "IgammacBackward0"
    op_name = "igammac"
    sign = -1.0
    kernel = staticmethod(_kernel("gammaincc", False))


def igamma(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Regularized lower incomplete gamma function P(input, other)."""
    return _float_binary("igamma", Igamma, input, other, float_only=True)


def igammac(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Regularized upper incomplete gamma function Q(input, other)."""
    return _float_binary("igammac", Igammac, input, other, float_only=True)
