"""Sorting along a dim: sort, argsort, topk (NaN counts as the largest value, as torch)."""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from .._tensor import Tensor
from .reduction import TakeAlong, _check_args, _is_int, _one_dim
from .shape import CopyNode

__all__ = ["sort", "argsort", "topk"]

SortResult = namedtuple("sort", ["values", "indices"])
TopkResult = namedtuple("topk", ["values", "indices"])


def _sort_indices(a: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """Stable sort order along ``axis``; NaN counts as the largest value, as in torch."""
    if not descending:
        return np.argsort(a, axis=axis, kind="stable")
    # descending and stable: sort the reversed axis ascending, then reverse back
    n = a.shape[axis]
    rev = np.argsort(np.flip(a, axis), axis=axis, kind="stable")
    return n - 1 - np.flip(rev, axis)


def sort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False):
    """Sorted values and their indices along ``dim`` (differentiable in the values)."""
    _check_args("sort", input, descending=descending, stable=stable)
    d = _one_dim(dim, input.ndim, "sort")
    if input.ndim == 0:
        return SortResult(SortZeroDim.apply(input), Tensor._make(np.zeros((), np.int64)))
    idx = _sort_indices(input._data, d, descending)
    return SortResult(SortValues.apply(input, idx=idx, dim=d), Tensor._make(idx.astype(np.int64)))


class SortValues(TakeAlong):
    torch_name = "SortBackward0"


class TopkValues(TakeAlong):
    torch_name = "TopkBackward0"


def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """Indices that sort ``x`` along ``dim``."""
    _check_args("argsort", input, descending=descending, stable=stable)
    _one_dim(dim, input.ndim, "argsort")
    return sort(input, dim, descending)[1]


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):  # noqa: A002
    """The ``k`` largest (or smallest) values along ``dim`` and their indices (NaN counts as largest)."""
    _check_args("topk", input, largest=largest, sorted=sorted)
    d = _one_dim(dim, input.ndim, "topk")
    size = input.shape[d] if input.ndim else 1
    if not _is_int(k):
        raise TypeError(f"topk(): argument 'k' must be int, not {type(k).__name__}")
    if input._data.dtype == np.bool_:
        raise RuntimeError("topk does not support bool dtypes on CPU")
    if not 0 <= k <= size:
        raise RuntimeError("selected index k out of range")
    if input.ndim == 0:
        return TopkResult(TopkZeroDim.apply(input), Tensor._make(np.zeros((), np.int64)))
    idx = _sort_indices(input._data, d, largest)
    idx = np.ascontiguousarray(np.take(idx, np.arange(k), axis=d))
    return TopkResult(TopkValues.apply(input, idx=idx, dim=d), Tensor._make(idx.astype(np.int64)))


class SortZeroDim(CopyNode):
    torch_name = "SortBackward0"


class TopkZeroDim(CopyNode):
    torch_name = "TopkBackward0"
