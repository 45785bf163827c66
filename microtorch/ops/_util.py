"""Helpers shared by the op families: argument normalisation and PyTorch's messages."""

from __future__ import annotations

import numpy as np

from .. import _dtype as dt
from .._foreign import foreign_tensor_error, is_torch_tensor
from .._tensor import Tensor, _data_of, _wrap_dim

__all__ = ["as_tensor_arg", "wrap_dim", "dims_arg", "broadcast_error", "broadcast_shapes"]

wrap_dim = _wrap_dim
_NUMBERS = frozenset((int, float, bool, complex))


def as_tensor_arg(x, op: str, dtype=None) -> Tensor:
    """Accept a Tensor as is; turn numbers and arrays into constant tensors."""
    if isinstance(x, Tensor):
        return x
    if type(x) not in _NUMBERS and is_torch_tensor(x):
        raise foreign_tensor_error(op, x)
    try:
        return Tensor._make(_data_of(x, dtype))
    except TypeError:
        raise TypeError(f"{op}(): expected a Tensor or a number, got {type(x).__name__}") from None


def dims_arg(dim, ndim: int, op: str) -> tuple:
    """Normalise ``dim`` (None, int, or sequence) to a sorted tuple of non-negative dims."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (int, np.integer)):
        return (_wrap_dim(int(dim), ndim, op),)
    dims = tuple(_wrap_dim(int(d), ndim, op) for d in dim)
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"{op}: dim {dims} appears multiple times in the list of dims")
    return tuple(sorted(dims)) if dims else tuple(range(ndim))


def broadcast_shapes(*shapes) -> tuple:
    """PyTorch's broadcasting of shapes, with its RuntimeError on mismatch."""
    ndim = max(len(s) for s in shapes)
    result = [1] * ndim
    for s in shapes:
        for i, n in enumerate(s, ndim - len(s)):
            if n == result[i] or n == 1:
                continue
            if result[i] == 1:
                result[i] = n
            else:
                raise RuntimeError(
                    f"The size of tensor a ({result[i]}) must match the size of tensor b ({n}) "
                    f"at non-singleton dimension {i - ndim + ndim}"
                )
    return tuple(result)


def broadcast_error(op: str, a_shape, b_shape) -> RuntimeError:
    """The error PyTorch raises when two shapes do not broadcast (naming the op)."""
    ndim = max(len(a_shape), len(b_shape))
    a = (1,) * (ndim - len(a_shape)) + tuple(a_shape)
    b = (1,) * (ndim - len(b_shape)) + tuple(b_shape)
    for i in range(ndim - 1, -1, -1):
        if a[i] != b[i] and a[i] != 1 and b[i] != 1:
            return RuntimeError(
                f"{op}: The size of tensor a ({a[i]}) must match the size of tensor b ({b[i]}) at "
                f"non-singleton dimension {i} (shapes {list(a_shape)} and {list(b_shape)})"
            )
    return RuntimeError(f"{op}: shapes {list(a_shape)} and {list(b_shape)} are not broadcastable")


def float_dtype_for(arr: np.ndarray) -> np.dtype:
    """The dtype a float-valued op produces from ``arr`` (integers -> default float)."""
    return arr.dtype if arr.dtype.kind == "f" else dt.get_default_dtype().np
