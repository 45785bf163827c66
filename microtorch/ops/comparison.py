"""Comparisons, logical ops, NaN/inf tests and ``where`` (bool results, no gradient but ``where``'s)."""

from __future__ import annotations

import numpy as np

from .. import _dtype as dt
from .._backend import xp
from .._tensor import Tensor
from ..autograd.function import Op
from ._promote import _align
from ._util import broadcast_error
from .shape import sum_to_size

__all__ = [
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
    "where",
]


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
