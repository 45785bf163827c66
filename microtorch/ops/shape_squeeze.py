"""Adding and removing size-1 dimensions (``squeeze``, ``unsqueeze``, views) and the in-place
view ops that restride a tensor (``squeeze_``, ``unsqueeze_``, ``transpose_``, ``t_``)."""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Op
from .shape import T, Transpose, _check_tensor, _int_dim

__all__ = ["squeeze", "unsqueeze"]


def _squeeze_dims(dim, ndim: int) -> tuple:
    """The dims ``squeeze`` may remove: int or sequence of ints (empty: none)."""
    if isinstance(dim, (int, np.integer)) and not isinstance(dim, bool):
        dim = (dim,)
    if not isinstance(dim, (tuple, list)):
        raise TypeError(f"squeeze(): argument 'dim' must be int or tuple of ints, not {type(dim).__name__}")
    dims = [_int_dim(d, ndim, "squeeze") for d in dim]
    seen: set = set()
    for d in dims:
        if d in seen:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        seen.add(d)
    return tuple(dims) if ndim else ()


class Squeeze(Op):
    """``squeeze()``: every dimension of size 1 removed (a view)."""

    torch_name = "SqueezeBackward0"
    is_view = True

    def forward(self, x, dims):
        self.dims = dims  # the dims removed, ascending
        return x._data.reshape(tuple(s for i, s in enumerate(x._data.shape) if i not in dims))

    def backward(self, g):
        for d in self.dims:
            g = Unsqueeze.apply(g, dim=d)
        return g


class SqueezeDim(Squeeze):
    """``squeeze(dim)``."""

    torch_name = "SqueezeBackward1"


class SqueezeDims(Squeeze):
    """``squeeze(dims)`` with a sequence of dims."""

    torch_name = "SqueezeBackward2"


def squeeze(input: Tensor, dim=None) -> Tensor:
    """Remove dimensions of size 1 (all of them, or those in ``dim``)."""
    _check_tensor("squeeze", input)
    shape = input._data.shape
    if dim is None:
        return Squeeze.apply(input, dims=tuple(i for i, s in enumerate(shape) if s == 1))
    node = SqueezeDims if isinstance(dim, (tuple, list)) else SqueezeDim
    return node.apply(input, dims=tuple(sorted(d for d in _squeeze_dims(dim, input.ndim) if shape[d] == 1)))


class Unsqueeze(Op):
    """A new dimension of size 1 at ``dim`` (a view)."""

    torch_name = "UnsqueezeBackward0"
    is_view = True

    def forward(self, x, dim):
        self.dim = dim
        return x._data[(slice(None),) * dim + (None,)]

    def backward(self, g):
        return SqueezeDim.apply(g, dims=(self.dim,))


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a dimension of size 1 at ``dim``."""
    _check_tensor("unsqueeze", input)
    return Unsqueeze.apply(input, dim=_int_dim(dim, input.ndim + 1, "unsqueeze"))


class SqueezeInplace(Squeeze):
    torch_name = "SqueezeBackward3"


class SqueezeDimInplace(Squeeze):
    torch_name = "SqueezeBackward4"


class SqueezeDimsInplace(Squeeze):
    torch_name = "SqueezeBackward5"


class UnsqueezeInplace(Unsqueeze):
    torch_name = "UnsqueezeBackward1"


class TransposeInplace(Transpose):
    torch_name = "TransposeBackward1"


class TInplace(T):
    torch_name = "TBackward1"


def squeeze_view_(x: Tensor, dim=None) -> Tensor:
    """The view ``x.squeeze_(dim)`` turns ``x`` into, with the node torch records for the in-place op."""
    _check_tensor("squeeze_", x)
    shape = x._data.shape
    if dim is None:
        return SqueezeInplace.apply(x, dims=tuple(i for i, s in enumerate(shape) if s == 1))
    node = SqueezeDimsInplace if isinstance(dim, (tuple, list)) else SqueezeDimInplace
    return node.apply(x, dims=tuple(sorted(d for d in _squeeze_dims(dim, x.ndim) if shape[d] == 1)))


def unsqueeze_view_(x: Tensor, dim: int) -> Tensor:
    """The view ``x.unsqueeze_(dim)`` turns ``x`` into (``UnsqueezeBackward1``)."""
    _check_tensor("unsqueeze_", x)
    return UnsqueezeInplace.apply(x, dim=_int_dim(dim, x.ndim + 1, "unsqueeze"))


def transpose_view_(x: Tensor, dim0: int, dim1: int) -> Tensor:
    """The view ``x.transpose_(dim0, dim1)`` turns ``x`` into (``TransposeBackward1``)."""
    _check_tensor("transpose_", x)
    n = x.ndim
    d0, d1 = _int_dim(dim0, n, "transpose", "dim0"), _int_dim(dim1, n, "transpose", "dim1")
    return TransposeInplace.apply(x, dim0=d0, dim1=d1)


def t_view_(x: Tensor) -> Tensor:
    """The view ``x.t_()`` turns ``x`` into (``TBackward1``)."""
    if x.ndim > 2:
        raise RuntimeError(f"t_() expects a tensor with <= 2 dimensions, but self is {x.ndim}D")
    return TInplace.apply(x)
