"""Recycled result buffers for the hot kernels (activations, pooling, convolution).

A large array numpy frees goes back to glibc, which returns the memory to the system
when the top of its heap is free; the next allocation of the same size then page-faults
on every 4 KiB page it touches (1.5-3 us a page on these machines). A LeNet5 training
step at batch 64 took ~1,300 such faults, a third of its time. Here a kernel asks for its
result buffer with ``fresh``: an array of the shape and dtype that nobody references any
more (its only reference is this cache's) is handed out again, already mapped and warm;
otherwise a new one is allocated and remembered. Nothing else changes: no allocator
setting, no other library's memory.

CPython's reference count tells that nobody holds an array: every view, Tensor and
user variable holds a reference to it (views through ``.base``).
"""

from __future__ import annotations

import sys
import threading

import numpy as np

__all__ = ["binary", "cached_bytes", "clear", "fresh", "fresh_copy", "fresh_zeros", "unary"]

#: only buffers at least this large are kept (smaller ones come from glibc's free lists)
MIN_BYTES = 1 << 16
#: at most this many bytes are kept in all, and this many buffers per (shape, dtype)
MAX_BYTES = 64 << 20
PER_KEY = 8
ENABLED = True  # tests switch it off to compare with plain allocation

_cache: dict = {}  # (shape, dtype) -> list of arrays
_bytes = [0]
_lock = threading.Lock()


def _references(kept: list, i: int) -> int:
    """The reference count of ``kept[i]`` as this interpreter reports it from here."""
    return sys.getrefcount(kept[i])


# what ``_references`` reports for an array only the cache holds, measured rather than
# assumed (interpreters differ in the temporary references they count)
_UNREFERENCED = _references([np.empty(0)], 0)
if hasattr(sys, "_is_gil_enabled") and not sys._is_gil_enabled():
    ENABLED = False  # free-threaded builds defer reference counts: the test above is not reliable


def fresh(shape: tuple, dtype) -> np.ndarray:
    """An uninitialised C-contiguous array of ``shape`` and ``dtype`` (recycled when one is free)."""
    shape, dtype = tuple(shape), np.dtype(dtype)
    nbytes = dtype.itemsize
    for s in shape:
        nbytes *= s
    if not ENABLED or nbytes < MIN_BYTES:
        return np.empty(shape, dtype=dtype)
    key = (shape, dtype)
    with _lock:
        kept = _cache.get(key)
        if kept is not None:
            for i in range(len(kept)):
                if _references(kept, i) != _UNREFERENCED:  # before any local name refers to it
                    continue
                arr = kept[i]
                # (shape, dtype and the writeable flag of an array can be reassigned in place)
                if arr.shape == shape and arr.dtype == dtype and arr.flags.writeable:
                    return arr
        arr = np.empty(shape, dtype=dtype)
        if _bytes[0] + nbytes <= MAX_BYTES and (kept is None or len(kept) < PER_KEY):
            _cache.setdefault(key, []).append(arr)
            _bytes[0] += nbytes
        return arr


def fresh_zeros(shape: tuple, dtype) -> np.ndarray:
    """``fresh``, filled with zeros."""
    arr = fresh(shape, dtype)
    arr.fill(0)
    return arr


def fresh_copy(view: np.ndarray) -> np.ndarray:
    """``view`` copied into a (recycled) C-contiguous array."""
    out = fresh(view.shape, view.dtype)
    np.copyto(out, view)
    return out


def clear() -> None:
    """Forget every kept buffer (arrays still in use stay valid: they are only dropped here)."""
    with _lock:
        _cache.clear()
        _bytes[0] = 0


def cached_bytes() -> int:
    """Bytes held by the cache (in use or free)."""
    return _bytes[0]


#: elementwise results of at least this many elements go to recycled buffers
ELEMENTWISE_FROM = 1 << 15


def _full(a) -> bool:
    """A large C-contiguous floating array (the result takes its shape, dtype and layout)."""
    return type(a) is np.ndarray and a.size >= ELEMENTWISE_FROM and a.dtype.kind == "f" and a.flags.c_contiguous


def _partner(b, a: np.ndarray) -> bool:
    """Whether ``b`` combines with ``a`` into a result of ``a``'s shape, dtype and C layout."""
    if type(b) is np.ndarray:
        # (a broadcast operand, all strides 0, leaves the layout to ``a``)
        return b.shape == a.shape and b.dtype == a.dtype and (b.flags.c_contiguous or not any(b.strides))
    return type(b) is float or type(b) is int  # a Python number keeps a floating array's dtype


def binary(ufunc, a, b) -> np.ndarray:
    """``ufunc(a, b)``, into a recycled buffer when the result is one large C-ordered floating array."""
    # small operands leave after the first test (this runs in every elementwise op)
    if (type(a) is np.ndarray and a.size >= ELEMENTWISE_FROM) or (type(b) is np.ndarray and b.size >= ELEMENTWISE_FROM):
        if ENABLED:
            if _full(a) and _partner(b, a):
                return ufunc(a, b, out=fresh(a.shape, a.dtype))
            if _full(b) and _partner(a, b):
                return ufunc(a, b, out=fresh(b.shape, b.dtype))
    return ufunc(a, b)


def unary(ufunc, a) -> np.ndarray:
    """``ufunc(a)``, into a recycled buffer when ``a`` is a large C-contiguous floating array."""
    if type(a) is np.ndarray and a.size >= ELEMENTWISE_FROM and ENABLED and _full(a):
        return ufunc(a, out=fresh(a.shape, a.dtype))
    return ufunc(a)
