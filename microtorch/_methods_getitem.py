"""Index keys as torch reads them (sequences, numpy arrays, uint8 masks) and ``Tensor.__getitem__``."""

from __future__ import annotations

import warnings

import numpy as np

from ._tensor import Tensor
from .autograd.grad_mode import _state
from .ops import shape as S


def _sequence_as_tuple(key) -> bool:
    """torch's ``treatSequenceAsTuple``: a short list holding a slice, None, ..., tensor or sequence is a tuple."""
    if not isinstance(key, (list, range)) or len(key) >= 32:
        return False
    return any(
        k is None or k is Ellipsis or isinstance(k, (slice, Tensor, list, tuple, range, np.ndarray)) for k in key
    )


def _plain_index(seq):
    """Nested lists / tuples / ranges (and 0-d tensors inside them) as nested lists of numbers."""
    if isinstance(seq, Tensor):
        return seq._data
    if isinstance(seq, (list, tuple, range)):
        return [_plain_index(e) for e in seq]
    return seq


def _sequence_index(seq) -> np.ndarray:
    """A list / tuple / range used as an index: bool stays a mask, numbers become int64 (torch's rule)."""
    if isinstance(seq, str):
        raise TypeError("new(): invalid data type 'str'")
    try:
        arr = np.asarray(_plain_index(seq))
    except ValueError:
        raise IndexError("too many indices: the nested index sequence is not rectangular") from None
    if arr.dtype.kind == "b":
        return arr
    if arr.dtype == np.uint64 or (arr.dtype.kind == "O" and all(type(v) is int for v in np.ravel(arr))):
        raise ValueError("Overflow when unpacking long long")  # Python ints past int64
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"new(): invalid data type '{type(np.ravel(arr)[0]).__name__}'")
    if arr.dtype.kind == "f" and arr.size and not (np.isfinite(arr).all() and np.abs(arr).max() < 2.0**63):
        raise RuntimeError("value cannot be converted to type int64 without overflow")
    return arr.astype(np.int64)


_SEQUENCE_KEY_WARNING = (
    "Using a non-tuple sequence for multidimensional indexing is deprecated and will be changed in pytorch 2.9; use "
    "x[tuple(seq)] instead of x[seq]. In pytorch 2.9 this will be interpreted as tensor index, x[torch.tensor(seq)], "
    "which will result either in an error or a different result"
)


_PLAIN_KEYS = frozenset({int, slice, type(None), type(Ellipsis), Tensor})


def _plain_key(k) -> bool:
    """An index item numpy reads as torch does (a uint8 tensor is a mask in torch, indices in numpy)."""
    return type(k) in _PLAIN_KEYS and not (type(k) is Tensor and k._data.dtype == np.uint8)


def _torch_key(key) -> tuple:
    """An index as torch reads it: a tuple whose sequences (lists, tuples, ranges, numpy arrays) are index arrays."""
    if _plain_key(key):
        return (key,)
    if isinstance(key, tuple):
        if all(_plain_key(k) for k in key):
            return key
        items = key
    elif _sequence_as_tuple(key):
        warnings.warn(_SEQUENCE_KEY_WARNING, UserWarning, stacklevel=3)
        items = tuple(key)
    else:
        items = (key,)
    return tuple(_key_item(k) for k in items)


_UINT8_KEY_WARNING = "indexing with dtype torch.uint8 is now deprecated, please use a dtype torch.bool instead."


def _key_item(k):
    """One item of an index tuple as torch converts it: sequences and numpy arrays become int64 index
    arrays (bool ones stay masks, uint8 ones become masks with torch's deprecation warning)."""
    if isinstance(k, (list, tuple, range, str)):
        return _sequence_index(k)
    if isinstance(k, np.ndarray):
        return _array_index(k)
    if isinstance(k, Tensor) and k._data.dtype == np.uint8:
        if k._data.ndim:  # torch reads a 0-d one as a Python bool, without the warning
            warnings.warn(_UINT8_KEY_WARNING, UserWarning, stacklevel=4)
        return Tensor._make(k._data.astype(bool))
    if isinstance(k, np.generic) and not isinstance(k, (np.integer, np.bool_)):
        raise IndexError(
            "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices "
            f"(got numpy.{type(k).__name__})"
        )
    return k


def _array_index(arr: np.ndarray) -> np.ndarray:
    """A numpy array used as an index, read as torch reads it (as the tensor ``torch.tensor(arr)``)."""
    if arr.dtype == np.uint8:
        warnings.warn(_UINT8_KEY_WARNING, UserWarning, stacklevel=5)
        return arr.astype(bool)
    if arr.dtype.kind == "b":
        return arr
    if arr.dtype.kind == "c":
        warnings.warn("Casting complex values to real discards the imaginary part", UserWarning, stacklevel=5)
        arr = arr.real
    if arr.dtype.kind not in "iuf":
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{arr.dtype.type.__name__}. The only supported types are: "
            "float64, float32, float16, complex64, complex128, int64, int32, int16, int8, uint64, uint32, uint16, "
            "uint8, and bool."
        )
    return arr.astype(np.int64)


def _split_key(nkey: tuple):
    """torch applies integer indices before the advanced ones (arrays, masks, bools), where numpy
    counts them as advanced too: ``(basic key, advanced rest)`` when that differs, else None."""
    kinds = {type(k) for k in nkey}
    if int not in kinds or not kinds & {np.ndarray, bool, np.bool_}:
        return None
    first, rest = [], []
    for k in nkey:
        if isinstance(k, (bool, np.bool_)):  # a 0-d mask: consumes no dimension
            rest.append(k)
        elif isinstance(k, (int, np.integer)):
            first.append(k)
        elif isinstance(k, np.ndarray):
            first.extend([slice(None)] * (k.ndim if k.dtype == np.bool_ else 1))
            rest.append(k)
        else:
            first.append(k)
            rest.append(k if k is Ellipsis else slice(None))
    return tuple(first), tuple(rest)


def _getitem(self, key):
    """``self[key]`` with torch's indexing rules (ints, slices, None, ..., masks, index sequences)."""
    if not self._data.ndim:
        _check_0d_key(key)
    nkey, basic = S._normalize_key(self, _torch_key(key))
    S._check_key_bounds(self._data.shape, nkey)
    if basic and not (
        _state.enabled and (self._requires_grad or (self._base is not None and self._view_ver != self._vc.value))
    ):
        return S.GetItem.apply(self, key=nkey, basic=True)  # no graph to record: one numpy index
    return S.index_chain(self, nkey)


def _check_0d_key(key) -> None:
    """torch's own messages for a bare integer or slice on a 0-d tensor."""
    if isinstance(key, (int, np.integer)) and not isinstance(key, (bool, np.bool_)):
        raise IndexError(
            "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ to convert "
            "a 0-dim tensor to a number"
        )
    if isinstance(key, slice):
        raise IndexError("slice() cannot be applied to a 0-dim tensor.")


Tensor.__getitem__ = _getitem
