"""Strided window views over the trailing spatial dimensions (shared by conv and pooling).

Everything here is plain numpy on arrays; nothing records gradients.
"""

from __future__ import annotations

import numpy as np

from .._backend import xp

__all__ = [
    "CheckedCache",
    "is_int",
    "output_size",
    "pad_spatial",
    "plain_ints",
    "scalar_name",
    "sum_windows",
    "window_arg",
    "window_view",
]

_SCALAR_NAMES = {
    "float32": "Float",
    "float64": "Double",
    "float16": "Half",
    "bfloat16": "BFloat16",
    "int64": "Long",
    "int32": "Int",
    "int16": "Short",
    "int8": "Char",
    "uint8": "Byte",
    "bool": "Bool",
}


def scalar_name(dtype: np.dtype) -> str:
    """PyTorch's ScalarType name of a numpy dtype, as its "not implemented for 'Long'" messages spell it."""
    return _SCALAR_NAMES.get(dtype.name, dtype.name)


def is_int(value) -> bool:
    """Whether PyTorch takes ``value`` as an int argument: an integer or an integer 0-d tensor, never a bool."""
    kind = type(value)
    if kind is int:  # the common case first: this runs on every convolution and pooling call
        return True
    if kind is bool or isinstance(value, np.bool_):
        return False
    if isinstance(value, (int, np.integer)):
        return True
    data = getattr(value, "_data", None)
    return isinstance(data, np.ndarray) and data.ndim == 0 and data.dtype.kind in "iu"


def plain_ints(value) -> bool:
    """An int or a tuple of ints, by exact type (a bool, float or list must reach the full checks)."""
    if type(value) is int:
        return True
    return type(value) is tuple and all(type(v) is int for v in value)


class CheckedCache:
    """What an op's argument checks computed, by the signature that passed them (a bounded dict).

    The checks depend only on shapes, dtypes and the arguments, and a training loop repeats
    one signature per layer every step, so a signature seen before skips them.
    """

    def __init__(self, limit: int = 512) -> None:
        self._entries: dict = {}
        self._limit = limit

    def get(self, key):
        """The stored value of ``key`` (None for an unseen signature or a None key)."""
        return None if key is None else self._entries.get(key)

    def put(self, key, value) -> None:
        """Remember ``value`` for ``key`` (forgetting everything once the limit is reached)."""
        if key is None:
            return
        if len(self._entries) >= self._limit:
            self._entries.clear()
        self._entries[key] = value


def window_arg(value, name: str, op: str) -> tuple:
    """An int argument as a 1-tuple, or a sequence of ints as a tuple (lengths are the caller's to check).

    Anything else is PyTorch's TypeError: floats and bools are refused, never truncated.
    """
    kind = type(value)
    if kind is int:
        return (value,)
    if kind is tuple and all(type(v) is int for v in value):
        return value
    if is_int(value):
        return (int(value),)
    if not isinstance(value, (tuple, list)):
        raise TypeError(f"{op}(): argument '{name}' must be tuple of ints, not {type(value).__name__}")
    for i, v in enumerate(value):
        if not is_int(v):
            raise TypeError(
                f"{op}(): argument '{name}' failed to unpack the object at pos {i + 1} with error "
                f'"type must be tuple of ints,but got {type(v).__name__}"'
            )
    return tuple(int(v) for v in value)


def output_size(
    size: int,
    kernel: int,
    stride: int,
    padding_total: int,
    dilation: int = 1,
    ceil_mode: bool = False,
    padding_left: int | None = None,
) -> int:
    """Number of windows along one dimension (floor: the last window that still fits).

    With ``ceil_mode`` one more window may be added, but (as PyTorch) never one that
    would start inside the right padding.
    """
    span = dilation * (kernel - 1) + 1
    avail = size + padding_total - span
    if avail < 0:
        return 0
    if ceil_mode:
        out = -(-avail // stride) + 1
        left = padding_total // 2 if padding_left is None else padding_left
        if (out - 1) * stride >= size + left:
            out -= 1
        return out
    return avail // stride + 1


def pad_spatial(x: np.ndarray, pads: list[tuple[int, int]], value: float = 0.0) -> np.ndarray:
    """Pad the last ``len(pads)`` dims by ``(before, after)`` pairs with a constant.

    Returns ``x`` itself when there is nothing to pad. Cheaper than ``np.pad`` on small
    arrays: one allocation and one slice assignment.
    """
    if not any(b or a for b, a in pads):
        return x
    lead = x.ndim - len(pads)
    shape = x.shape[:lead] + tuple(s + b + a for s, (b, a) in zip(x.shape[lead:], pads))
    out = xp.full(shape, value, dtype=x.dtype) if value != 0 else xp.zeros(shape, dtype=x.dtype)
    out[(Ellipsis,) + tuple(slice(b, b + s) for s, (b, _) in zip(x.shape[lead:], pads))] = x
    return out


def window_view(
    x: np.ndarray,
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    dilation: tuple[int, ...] | None = None,
    out_shape: tuple[int, ...] | None = None,
) -> np.ndarray:
    """A read-only view of shape ``x.shape[:-k] + out_shape + kernel`` over the last k dims.

    Element ``[..., o1..ok, j1..jk]`` is ``x[..., o1*s1 + j1*d1, ..., ok*sk + jk*dk]``.
    No data is copied.
    """
    k = len(kernel)
    dilation = dilation or (1,) * k
    spatial = x.shape[-k:]
    if out_shape is None:
        out_shape = tuple(output_size(n, kk, s, 0, d) for n, kk, s, d in zip(spatial, kernel, stride, dilation))
    strides = x.strides
    lead_strides = strides[:-k]
    sp = strides[-k:]
    new_strides = (
        lead_strides + tuple(st * s for st, s in zip(sp, stride)) + tuple(st * d for st, d in zip(sp, dilation))
    )
    new_shape = x.shape[:-k] + tuple(out_shape) + tuple(kernel)
    if x.flags.c_contiguous:
        # the ndarray constructor costs ~1 us; as_strided ~8 us, which dominates small calls
        view = np.ndarray(new_shape, x.dtype, x, 0, new_strides)
        view.flags.writeable = False
        return view
    return np.lib.stride_tricks.as_strided(x, new_shape, new_strides, writeable=False)


def sum_windows(lead: tuple, out_spatial, pads, kernel, stride, dilation, blocks, values, dtype) -> np.ndarray:
    """Add window values back where ``window_view`` read them, then drop the padding: col2im.

    ``values(j, offset)`` gives, for the ``j``-th kernel offset (row-major), an array of
    shape ``lead + blocks`` (one value per window). Returns ``lead + out_spatial``. One
    strided add per kernel offset: an offset's windows never overlap one another.
    """
    padded = tuple(s + b + a for s, (b, a) in zip(out_spatial, pads))
    canvas = xp.zeros(tuple(lead) + padded, dtype=dtype)
    for j, off in enumerate(np.ndindex(*kernel)):
        dst = tuple(slice(i * d, i * d + (o - 1) * st + 1, st) for i, d, o, st in zip(off, dilation, blocks, stride))
        canvas[(Ellipsis,) + dst] += values(j, off)
    inner = tuple(slice(b, b + s) for s, (b, _) in zip(out_spatial, pads))
    return xp.ascontiguousarray(canvas[(Ellipsis,) + inner])
