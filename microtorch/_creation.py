"""Tensor factories: ``tensor``, ``zeros``, ``arange``, ``rand``, ... (PyTorch's signatures)."""

from __future__ import annotations

import math

import numpy as np

from . import _dtype as dt
from ._backend import xp
from ._device import check_device
from ._tensor import Tensor, _check_shape_args, _data_of
from .random import rng

__all__ = [
    "tensor",
    "as_tensor",
    "from_numpy",
    "zeros",
    "ones",
    "full",
    "empty",
    "zeros_like",
    "ones_like",
    "full_like",
    "empty_like",
    "rand",
    "randn",
    "randint",
    "rand_like",
    "randn_like",
    "randint_like",
    "randperm",
    "arange",
    "linspace",
    "logspace",
    "eye",
    "normal",
    "bernoulli",
    "multinomial",
    "scalar_tensor",
    "tril",
    "triu",
]


def _finish(data: np.ndarray, requires_grad: bool, device=None, op: str = "tensor") -> Tensor:
    check_device(device, op)
    t = Tensor._make(data)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _float_np(dtype) -> np.dtype:
    return dt.to_numpy_dtype(dtype) if dtype is not None else dt.get_default_dtype().np


def tensor(data, dtype=None, device=None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A new tensor copying ``data`` (nested lists, numbers, arrays or tensors)."""
    if isinstance(data, Tensor):
        arr = data._data.astype(dt.to_numpy_dtype(dtype) if dtype is not None else data._data.dtype, copy=True)
    else:
        arr = _data_of(data, dtype)
        if arr is data or (isinstance(data, np.ndarray) and np.may_share_memory(arr, data)):
            arr = arr.copy()
    return _finish(arr, requires_grad, device)


def scalar_tensor(value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A 0-dim tensor holding ``value`` (default float dtype)."""
    return _finish(np.asarray(value, dtype=_float_np(dtype)), requires_grad, device)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like ``tensor`` but shares memory with a numpy array or tensor when it can."""
    if isinstance(data, Tensor):
        return data if dtype is None or data.dtype == dt.to_dtype(dtype) else data.to(dtype)
    if isinstance(data, np.ndarray):
        return _finish(_data_of(data, dtype), False, device)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array`` (writes to either show in both)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    return Tensor._make(_data_of(array))


def _size_arg(args: tuple, size) -> tuple:
    """Sizes given positionally (``zeros(2, 3)``, ``zeros((2, 3))``) or as ``size=``."""
    return args if size is None else (tuple(size),)


def _sized(name, fill, size, dtype, requires_grad, device, default_float=True):
    shape = _check_shape_args(name, size)
    if any(s < 0 for s in shape):
        raise RuntimeError(f"{name}: Trying to create tensor with negative dimension {min(shape)}: {list(shape)}")
    npdt = _float_np(dtype) if default_float or dtype is not None else np.dtype(np.int64)
    return _finish(fill(shape, npdt), requires_grad, device, name)


def zeros(*args, size=None, dtype=None, device=None, requires_grad: bool = False, out=None) -> Tensor:
    """A tensor of zeros of the given shape."""
    return _sized("zeros", lambda s, d: xp.zeros(s, d), _size_arg(args, size), dtype, requires_grad, device)


def ones(*args, size=None, dtype=None, device=None, requires_grad: bool = False, out=None) -> Tensor:
    """A tensor of ones of the given shape."""
    return _sized("ones", lambda s, d: xp.ones(s, d), _size_arg(args, size), dtype, requires_grad, device)


def empty(*args, size=None, dtype=None, device=None, requires_grad: bool = False, memory_format=None) -> Tensor:
    """An uninitialised tensor (zero-filled here, for reproducibility)."""
    return _sized("empty", lambda s, d: xp.zeros(s, d), _size_arg(args, size), dtype, requires_grad, device)


def full(size, fill_value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ``fill_value``; its dtype is inferred from the value when not given."""
    if dtype is None:
        if isinstance(fill_value, bool):
            dtype = dt.bool_
        elif isinstance(fill_value, int):
            dtype = dt.int64
    return _sized("full", lambda s, d: xp.full(s, fill_value, d), (tuple(size),), dtype, requires_grad, device)


def _like(x: Tensor, dtype):
    return dt.to_numpy_dtype(dtype) if dtype is not None else x._data.dtype


def zeros_like(x: Tensor, dtype=None, device=None, requires_grad: bool = False, memory_format=None) -> Tensor:
    """Zeros with ``x``'s shape and dtype."""
    return _finish(xp.zeros(x.shape, _like(x, dtype)), requires_grad, device)


def ones_like(x: Tensor, dtype=None, device=None, requires_grad: bool = False, memory_format=None) -> Tensor:
    """Ones with ``x``'s shape and dtype."""
    return _finish(xp.ones(x.shape, _like(x, dtype)), requires_grad, device)


def empty_like(x: Tensor, dtype=None, device=None, requires_grad: bool = False, memory_format=None) -> Tensor:
    """An (zero-filled) tensor with ``x``'s shape and dtype."""
    return zeros_like(x, dtype, device, requires_grad)


def full_like(
    x: Tensor, fill_value, dtype=None, device=None, requires_grad: bool = False, memory_format=None
) -> Tensor:
    """``fill_value`` with ``x``'s shape and dtype."""
    return _finish(xp.full(x.shape, fill_value, _like(x, dtype)), requires_grad, device)


def rand(*args, size=None, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Uniform samples on [0, 1)."""
    return _sized(
        "rand",
        lambda s, d: rng(generator).random(s, dtype=np.float64).astype(d),
        _size_arg(args, size),
        dtype,
        requires_grad,
        device,
    )


def randn(*args, size=None, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples."""
    return _sized(
        "randn",
        lambda s, d: rng(generator).standard_normal(s, dtype=np.float64).astype(d),
        _size_arg(args, size),
        dtype,
        requires_grad,
        device,
    )


def randint(
    low, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad: bool = False
) -> Tensor:
    """Uniform integers in [low, high) (int64 by default)."""
    if high is None:
        low, high = 0, low
    if size is None:
        raise TypeError("randint() missing required argument 'size'")
    if high <= low:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    npdt = dt.to_numpy_dtype(dtype) if dtype is not None else np.dtype(np.int64)
    shape = _check_shape_args("randint", (tuple(size),))
    return _finish(rng(generator).integers(low, high, size=shape).astype(npdt), requires_grad, device)


def rand_like(x: Tensor, dtype=None, generator=None) -> Tensor:
    """Uniform samples with ``x``'s shape and dtype."""
    return rand(x.shape, generator=generator, dtype=dtype or x.dtype)


def randn_like(x: Tensor, dtype=None, generator=None) -> Tensor:
    """Normal samples with ``x``'s shape and dtype."""
    return randn(x.shape, generator=generator, dtype=dtype or x.dtype)


def randint_like(x: Tensor, low, high=None, dtype=None) -> Tensor:
    """Uniform integers with ``x``'s shape."""
    return randint(low, high, x.shape, dtype=dtype or x.dtype)


def randperm(n: int, *, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A random permutation of 0..n-1 (int64)."""
    npdt = dt.to_numpy_dtype(dtype) if dtype is not None else np.dtype(np.int64)
    return _finish(rng(generator).permutation(int(n)).astype(npdt), requires_grad, device)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None) -> Tensor:
    """Normal samples with the given mean and std (numbers or tensors)."""
    m = mean._data if isinstance(mean, Tensor) else mean
    s = std._data if isinstance(std, Tensor) else std
    shape = tuple(size) if size is not None else np.broadcast(np.asarray(m), np.asarray(s)).shape
    npdt = _float_np(dtype) if dtype is not None else (m.dtype if isinstance(m, np.ndarray) else _float_np(None))
    return Tensor._make((rng(generator).standard_normal(shape) * s + m).astype(npdt))


def bernoulli(p: Tensor, *, generator=None) -> Tensor:
    """1 with probability ``p`` elementwise, else 0 (same dtype as ``p``)."""
    return Tensor._make((rng(generator).random(p.shape) < p._data).astype(p._data.dtype))


def multinomial(probs: Tensor, num_samples: int, replacement: bool = False, *, generator=None) -> Tensor:
    """Sample category indices in proportion to ``probs`` (rows of a 2-D input independently)."""
    p = probs._data.astype(np.float64)
    rows = p.reshape(-1, p.shape[-1])
    out = np.stack(
        [rng(generator).choice(rows.shape[1], size=num_samples, replace=replacement, p=r / r.sum()) for r in rows]
    )
    return Tensor._make(out.reshape(p.shape[:-1] + (num_samples,)).astype(np.int64))


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive) by ``step``; int64 unless a float is given."""
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    start, end, step = vals
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(
            f"arange: upper bound and larger bound inconsistent with step sign (start={start}, end={end}, step={step})"
        )
    if dtype is None:
        npdt = np.dtype(np.int64) if all(isinstance(v, (int, np.integer)) for v in vals) else _float_np(None)
    else:
        npdt = dt.to_numpy_dtype(dtype)
    n = max(math.ceil((end - start) / step), 0)
    data = (start + np.arange(n, dtype=np.float64 if npdt.kind == "f" else np.int64) * step).astype(npdt)
    return _finish(data, requires_grad, device, "arange")


def linspace(start, end, steps: int, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    if steps < 0:
        raise RuntimeError("linspace: number of steps must be non-negative")
    return _finish(np.linspace(start, end, int(steps)).astype(_float_np(dtype)), requires_grad, device, "linspace")


def logspace(start, end, steps: int, base: float = 10.0, *, dtype=None) -> Tensor:
    """``base ** linspace(start, end, steps)``."""
    return Tensor._make((base ** np.linspace(start, end, int(steps))).astype(_float_np(dtype)))


def eye(n: int, m: int | None = None, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """The identity matrix (n x m)."""
    if n < 0 or (m is not None and m < 0):
        raise RuntimeError(f"eye: n and m must be non-negative, got n={n}, m={m}")
    return _finish(np.eye(n, m, dtype=_float_np(dtype)), requires_grad, device, "eye")


def tril(x: Tensor, diagonal: int = 0) -> Tensor:
    """Lower triangle of the last two dims (the rest zeroed); differentiable."""
    mask = np.tril(np.ones(x.shape[-2:], dtype=bool), diagonal)
    return x * Tensor._make(mask)


def triu(x: Tensor, diagonal: int = 0) -> Tensor:
    """Upper triangle of the last two dims (the rest zeroed); differentiable."""
    mask = np.triu(np.ones(x.shape[-2:], dtype=bool), diagonal)
    return x * Tensor._make(mask)
