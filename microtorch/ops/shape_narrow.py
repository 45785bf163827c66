"""Copies (``contiguous``, ``clone``) and single-index views: ``narrow``, ``select``, slices and aliases."""

from __future__ import annotations

import numpy as np

from .. import _dtype as dt
from .._backend import xp
from .._tensor import Tensor, check_format_rank, copy_as
from ..autograd.function import Op
from .shape import _check_tensor, _int_dim


class Contiguous(Op):
    """Copy into C order (identity gradient); torch records it as a clone."""

    torch_name = "CloneBackward0"

    def forward(self, x):
        return xp.ascontiguousarray(x._data)

    def backward(self, g):
        return g


def contiguous(x: Tensor) -> Tensor:
    """``x`` itself if already C-contiguous, else a C-ordered copy."""
    if x._data.flags.c_contiguous:
        return x
    return Contiguous.apply(x)


class Clone(Op):
    """A copy with its own storage, laid out in memory format ``fmt``."""

    def forward(self, x, fmt):
        return copy_as(x._data, x._data.dtype, fmt)

    def backward(self, g):
        return g


def clone(input: Tensor, memory_format=None) -> Tensor:
    """A copy of ``x`` that is still connected to the graph (``preserve_format`` keeps ``x``'s strides)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"clone(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    fmt = dt.check_memory_format(memory_format, "clone")
    check_format_rank(fmt, input._data.ndim)
    return Clone.apply(input, fmt=fmt)


class CopyNode(Op):
    """A copy with the identity gradient, under the name torch records for the op it stands for
    (subclasses): a sort or cumsum of a 0-d tensor, a scatter with an empty index."""

    def forward(self, x):
        return x._data.copy()

    def backward(self, g):
        return g


def _narrow_start(start) -> int:
    """``narrow``'s start: an int or a 0-dim integer tensor."""
    if isinstance(start, Tensor):
        if start.ndim != 0 or start._data.dtype.kind not in "iu":
            raise RuntimeError("start must be an 0-dim integral Tensor.")
        return int(start._data)
    if not isinstance(start, (int, np.integer)) or isinstance(start, bool):
        raise TypeError(f"narrow(): argument 'start' must be int, not {type(start).__name__}")
    return int(start)


def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """The slice ``start:start+length`` along ``dim`` (a view)."""
    _check_tensor("narrow", input)
    if input.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = _int_dim(dim, input.ndim, "narrow")
    start = _narrow_start(start)
    if not isinstance(length, (int, np.integer)) or isinstance(length, bool):
        raise TypeError(f"narrow(): argument 'length' must be int, not {type(length).__name__}")
    size = input.shape[d]
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    if start < 0:
        start += size
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return Slice.apply(input, key=(slice(None),) * d + (slice(start, start + length),))


class Select(Op):
    """``x[..., index, ...]``: one index along a dimension, which is removed (a view)."""

    torch_name = "SelectBackward0"
    is_view = True

    def forward(self, x, key):
        self.key, self.in_shape = key, x._data.shape
        return x._data[key]

    def backward(self, g):
        return SelectBackward.apply(g, key=self.key, shape=self.in_shape)


class SelectBackward(Op):
    """Zeros of ``shape`` with ``g`` written at ``key`` (the adjoint of a select or a slice)."""

    torch_name = "SelectBackwardBackward0"

    def forward(self, g, key, shape):
        self.key = key
        out = xp.zeros(shape, dtype=g._data.dtype)
        out[key] = g._data
        return out

    def backward(self, gg):
        return Select.apply(gg, key=self.key)


class Slice(Select):
    """``x[..., start:stop:step, ...]`` along one dimension (a view)."""

    torch_name = "SliceBackward0"

    def backward(self, g):
        return SliceBackward.apply(g, key=self.key, shape=self.in_shape)


class SliceBackward(SelectBackward):
    torch_name = "SliceBackwardBackward0"

    def backward(self, gg):
        return Slice.apply(gg, key=self.key)


class Alias(Op):
    """The whole tensor as a new view of it (``x[...]``)."""

    torch_name = "AliasBackward0"
    is_view = True

    def forward(self, x):
        return x._data[...]

    def backward(self, g):
        return g


def select(input: Tensor, dim: int, index: int) -> Tensor:
    """The slice at ``index`` along ``dim``, with that dimension removed."""
    _check_tensor("select", input)
    d = _int_dim(dim, input.ndim, "select")
    if isinstance(index, Tensor) and index.ndim == 0 and index._data.dtype.kind in "iu":
        index = int(index._data)
    if not isinstance(index, (int, np.integer)) or isinstance(index, bool):
        raise TypeError(f"select(): argument 'index' (position 2) must be int, not {type(index).__name__}")
    n = input.shape[d]
    if not -n <= index < n:
        raise IndexError(
            f"select(): index {index} out of range for tensor of size {list(input.shape)} at dimension {d}"
        )
    return Select.apply(input, key=(slice(None),) * d + (int(index) % n, Ellipsis))
