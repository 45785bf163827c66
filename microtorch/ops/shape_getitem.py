"""Tensor indexing by a key (``x[key]``): basic keys are views, advanced (integer / mask) keys copies."""

from __future__ import annotations

import numpy as np

from .._backend import xp
from .._tensor import Tensor
from ..autograd.function import Op
from .shape import Alias, Select, Slice
from .shape_squeeze import Unsqueeze

__all__ = ["getitem", "index_chain", "index_add_into"]


def _normalize_key(x: Tensor, key):
    """Convert an index (ints, slices, None, Ellipsis, lists, tensors) to a numpy key.

    Returns ``(key, basic)`` where ``basic`` means numpy returns a view.
    """
    if not isinstance(key, tuple):
        key = (key,)
    out = []
    basic = True
    for k in key:
        if isinstance(k, Tensor):
            arr = k._data
            if arr.dtype.kind == "f":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            if arr.ndim == 0 and arr.dtype.kind in "iu":
                out.append(int(arr))
                continue
            out.append(arr)
            basic = False
        elif isinstance(k, (list, np.ndarray)):
            arr = np.asarray([int(e) if isinstance(e, Tensor) else e for e in k] if isinstance(k, list) else k)
            if arr.dtype.kind == "f":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            out.append(arr)
            basic = False
        elif isinstance(k, bool):
            out.append(k)
            basic = False
        elif isinstance(k, (int, np.integer)):
            out.append(int(k))
        elif k is None or k is Ellipsis or isinstance(k, slice):
            if isinstance(k, slice) and k.step is not None and int(k.step) <= 0:
                raise ValueError("step must be greater than zero")
            out.append(k)
        else:
            raise IndexError(
                "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices "
                f"(got {type(k).__name__})"
            )
    return tuple(out), basic


def _check_key_bounds(shape, key) -> None:
    """Raise PyTorch's IndexError for out-of-range integer indices."""
    dim = 0
    n_consumed = sum(
        1
        for k in key
        if k is not None
        and k is not Ellipsis
        and not (isinstance(k, np.ndarray) and k.dtype == bool)
        and not isinstance(k, bool)
    )
    n_consumed += sum(k.ndim for k in key if isinstance(k, np.ndarray) and k.dtype == bool)
    if n_consumed > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
    for at, k in enumerate(key):
        if k is Ellipsis:
            dim = len(shape) - (n_consumed - dim)
            continue
        if k is None or isinstance(k, bool):
            continue
        if isinstance(k, int):
            n = shape[dim]
            if not -n <= k < n:
                raise IndexError(f"index {k} is out of bounds for dimension {dim} with size {n}")
        elif isinstance(k, np.ndarray):
            if k.dtype == bool:
                if k.shape != tuple(shape[dim : dim + k.ndim]):
                    raise _mask_shape_error(shape, key, at, n_consumed)
                dim += k.ndim
                continue
            n = shape[dim]
            if k.size and (k.max() >= n or k.min() < -n):
                bad = int(k.max()) if k.max() >= n else int(k.min())
                raise IndexError(f"index {bad} is out of bounds for dimension {dim} with size {n}")
        dim += 1


def _mask_shape_error(shape: tuple, key: tuple, at: int, n_consumed: int) -> IndexError:
    """torch's IndexError for the mask ``key[at]``: its first mismatching dim, against the shape that the
    basic items of ``key`` (ints, slices, None, bools) leave, which torch applies before the masks."""
    view: list = []
    src = 0
    for i, k in enumerate(key):
        if k is Ellipsis:
            n = len(shape) - n_consumed
            view.extend(shape[src : src + n])
            src += n
        elif k is None or isinstance(k, bool):
            view.append(0 if k is False else 1)
        elif isinstance(k, int):
            src += 1
        elif isinstance(k, slice):
            view.append(len(range(*k.indices(shape[src]))))
            src += 1
        else:
            if i == at:
                pos = len(view)
            n = k.ndim if k.dtype == bool else 1
            view.extend(shape[src : src + n])
            src += n
    view.extend(shape[src:])
    mask = key[at]
    j = next(j for j in range(mask.ndim) if pos + j >= len(view) or mask.shape[j] != view[pos + j])
    return IndexError(
        f"The shape of the mask {list(mask.shape)} at index {j} does not match the shape of the indexed tensor "
        f"{view} at index {pos + j}"
    )


class GetItem(Op):
    """Indexing: basic keys give views; advanced keys (index arrays, masks) give copies."""

    torch_name = "IndexBackward0"

    @property
    def is_view(self):
        return self.basic

    def forward(self, x, key, basic):
        self.key = key
        self.basic = basic
        self.in_shape = x._data.shape
        self.in_dtype = x._data.dtype
        out = x._data[key]
        if basic and type(out) is not np.ndarray and Ellipsis not in key:
            out = x._data[key + (Ellipsis,)]  # an integer per dim: a 0-d view, as torch (numpy gives a scalar)
        return out

    def backward(self, g):
        return IndexAddInto.apply(g, key=self.key, shape=self.in_shape, basic=self.basic)


def _is_scalar_mask(k) -> bool:
    return type(k) is bool or (type(k) is np.ndarray and k.ndim == 0 and k.dtype == np.bool_)


def _consumed(key: tuple) -> int:
    """How many of the input's dimensions ``key`` indexes (what ``...`` does not stand for)."""
    n = 0
    for k in key:
        if type(k) is np.ndarray:
            n += k.ndim if k.dtype == np.bool_ else 1
        elif k is not None and k is not Ellipsis and type(k) is not bool:
            n += 1
    return n


def _full_slice(k: slice, n: int) -> bool:
    """torch skips a slice of a multi-entry index that keeps the whole dimension as it is."""
    return k.start in (None, 0) and k.step in (None, 1) and (k.stop is None or k.stop >= n)


def _advanced_key(adv: dict) -> tuple:
    """The numpy key of the advanced entries ``{dim: array}``, full slices in between."""
    key, d, last = [], 0, max(adv)
    while d <= last:
        a = adv.get(d)
        if a is None:
            key.append(slice(None))
            d += 1
        else:
            key.append(a)
            d += a.ndim if a.dtype == np.bool_ else 1
    return tuple(key)


def index_chain(x: Tensor, key: tuple) -> Tensor:
    """``x[key]`` for a normalized, bounds-checked key, recorded as torch's ``applySlicing`` does: a
    select, slice or unsqueeze per entry (full slices skipped), then one advanced index."""
    if len(key) == 1 and type(key[0]) is slice:
        return Slice.apply(x, key=key)
    t, dim, adv = x, 0, None
    for k in key:
        tk = type(k)
        if tk is int:
            t = Select.apply(t, key=(slice(None),) * dim + (k, Ellipsis))
        elif tk is slice:
            if not _full_slice(k, t._data.shape[dim]):
                t = Slice.apply(t, key=(slice(None),) * dim + (k,))
            dim += 1
        elif k is None:
            t = Unsqueeze.apply(t, dim=dim)
            dim += 1
        elif k is Ellipsis:
            dim += x._data.ndim - _consumed(key)
        else:
            if _is_scalar_mask(k):  # a new dimension, indexed by [0] (True) or [] (False)
                t = Unsqueeze.apply(t, dim=dim)
                k = np.zeros(1 if k else 0, np.int64)
            adv = adv or {}
            adv[dim] = k
            dim += k.ndim if k.dtype == np.bool_ else 1
    if adv is not None:
        return GetItem.apply(t, key=_advanced_key(adv), basic=False)
    return Alias.apply(x) if t is x else t


class IndexAddInto(Op):
    """Scatter-add ``g`` into zeros of ``shape`` at ``key`` (the adjoint of indexing)."""

    torch_name = "IndexPutBackward0"

    def forward(self, g, key, shape, basic):
        self.key = key
        self.basic = basic
        out = xp.zeros(shape, dtype=g._data.dtype)
        if basic:
            out[key] = g._data
        else:
            xp.add.at(out, key, g._data)
        return out

    def backward(self, gg):
        return GetItem.apply(gg, key=self.key, basic=self.basic)


def index_add_into(g: Tensor, key, shape) -> Tensor:
    """Zeros of ``shape`` with ``g`` added at ``key`` (duplicates accumulate)."""
    key, basic = _normalize_key(Tensor._make(np.empty(shape)), key)
    return IndexAddInto.apply(g, key=key, shape=tuple(shape), basic=basic)


def getitem(x: Tensor, key) -> Tensor:
    """``x[key]`` with PyTorch's indexing rules; differentiable."""
    key, basic = _normalize_key(x, key)
    _check_key_bounds(x._data.shape, key)
    return index_chain(x, key)
