"""Elementwise selection (``np.where``) without numpy's branching loop.

numpy's ``where`` runs ~3.5 ns per element on a random mask here (a branch per element)
against ~0.3 ns for a ufunc: a ReLU backward on a (64, 6, 28, 28) batch spent 1.1 ms in it.
Selecting through the bit patterns (``b ^ ((a ^ b) & -mask)`` on integer views) is exact,
keeps signed zeros and NaN payloads, and costs a few ufunc passes.
"""

from __future__ import annotations

import numpy as np

from .buffers import fresh

__all__ = ["select", "zero_where"]

# below this many elements numpy's where is as fast as the passes of the bitwise route
_BITWISE_FROM = 4096

_SAME_WIDTH_INT = {1: np.int8, 2: np.int16, 4: np.int32, 8: np.int64}


def _int_view(a: np.ndarray) -> np.ndarray:
    return a.view(_SAME_WIDTH_INT[a.dtype.itemsize])


def _bitwise_ok(cond: np.ndarray, *arrays: np.ndarray) -> bool:
    """Whether the bitwise route applies: big, bool mask, plain numeric arrays of one dtype."""
    if cond.size < _BITWISE_FROM or cond.dtype != np.bool_:
        return False
    dtype = arrays[0].dtype
    for a in arrays:
        if type(a) is not np.ndarray or a.dtype != dtype:
            return False
    return dtype.kind in "fiub" and dtype.itemsize in _SAME_WIDTH_INT


def _int_mask(cond: np.ndarray, itype) -> np.ndarray:
    """``cond`` as 0 / 1 integers of ``itype``, in a recycled buffer (it becomes the result)."""
    mask = fresh(cond.shape, itype)
    np.copyto(mask, cond.view(np.int8))
    return mask


def _full_mask(cond: np.ndarray, itype) -> np.ndarray:
    """``cond`` as all-ones / all-zeros integers of ``itype``."""
    mask = _int_mask(cond, itype)
    return np.negative(mask, out=mask)


def select(cond: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.where(cond, a, b)``, bit for bit, for arrays ``a`` and ``b`` of one dtype."""
    if not _bitwise_ok(cond, a, b) or np.broadcast_shapes(cond.shape, a.shape, b.shape) != cond.shape:
        return np.where(cond, a, b)
    ai, bi = _int_view(a), _int_view(b)
    mask = _full_mask(cond, ai.dtype)
    diff = np.bitwise_xor(ai, bi)
    np.bitwise_and(mask, diff, out=mask)
    np.bitwise_xor(mask, bi, out=mask)
    return mask.view(a.dtype)


def zero_where(cond: np.ndarray, a: np.ndarray) -> np.ndarray:
    """``np.where(cond, 0, a)`` (a positive zero of ``a``'s dtype), bit for bit."""
    if not _bitwise_ok(cond, a) or np.broadcast_shapes(cond.shape, a.shape) != cond.shape:
        return np.where(cond, a.dtype.type(0), a)
    ai = _int_view(a)
    keep = _int_mask(cond, ai.dtype)
    np.subtract(keep, 1, out=keep)  # 0 where cond, all ones elsewhere
    np.bitwise_and(keep, ai, out=keep)
    return keep.view(a.dtype)
