"""Ranges and triangles: ``arange``, ``linspace``, ``logspace``, ``eye``, ``tril``/``triu`` and their indices."""

from __future__ import annotations

import math

import numpy as np

from . import _dtype as dt
from ._creation import (  # noqa: I001
    _allocates,
    _check_options,
    _check_tensor_arg,
    _finish,
    _float_np,
    _into_out,
    _out_dtype,
    _scalar_name,
)
from ._creation_random import _int_arg
from ._tensor import (
    Tensor,
)
from .autograd.function import Op


# --- ranges ----------------------------------------------------------------------------------
def _number(value, op: str, name: str):
    """A Python number from a number or a one-element tensor."""
    if isinstance(value, Tensor):
        return value.item()
    if isinstance(value, np.generic):
        return value.item()
    if not isinstance(value, (int, float)):
        raise TypeError(f"{op}(): argument '{name}' must be Number, not {type(value).__name__}")
    return value


def _arange_values(start, end, step, npdt: np.dtype) -> np.ndarray:
    """PyTorch's CPU arange: bounds and step cast to the accumulation type (int64 for integer
    results); the length from those for int64, from the values as given for the other types."""
    integral = npdt.kind in "iu"
    first, last, stride = (int(start), int(end), int(step)) if integral else (start, end, float(step))
    if stride == 0:
        raise ValueError("arange: step must be nonzero")
    if (last - first) * stride < 0:
        raise RuntimeError(
            f"arange: upper bound and larger bound inconsistent with step sign (start={start}, end={end}, step={step})"
        )
    if npdt == np.int64:
        sign = 1 if stride > 0 else -1
        length = abs(last - first + stride - sign) // abs(stride)
    else:
        length = math.ceil((end - start) / step)
    if length >= 2**63:
        raise RuntimeError("arange: invalid size, possible overflow?")
    return (first + np.arange(max(length, 0)) * stride).astype(npdt)


@_allocates
def arange(
    start=None,
    end=None,
    step=1,
    *,
    out=None,
    dtype=None,
    layout=None,
    device=None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive) by ``step``; int64 unless a float is given."""
    _check_options("arange", layout, device, pin_memory)
    if start is None and end is None:
        raise TypeError("arange() missing 1 required positional argument: 'end'")
    if end is None:
        start, end = 0, start
    elif start is None:
        start = 0
    start, end, step = (_number(v, "arange", n) for v, n in ((start, "start"), (end, "end"), (step, "step")))
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if not (math.isfinite(start) and math.isfinite(end)):
        raise RuntimeError(f"arange: unsupported range: {start} -> {end}")
    dtype = _out_dtype(out, dtype, "arange")
    if dtype is None:
        ints = all(isinstance(v, int) for v in (start, end, step))
        npdt = np.dtype(np.int64) if ints else _float_np(None)
    else:
        npdt = dt.to_numpy_dtype(dtype)
    if npdt.kind == "b":
        raise NotImplementedError("\"arange_cpu\" not implemented for 'Bool'")
    return _finish(_arange_values(start, end, step, npdt), requires_grad, "arange", out)


def _range_endpoint(value, op: str, name: str):
    if isinstance(value, Tensor) and value.ndim != 0:
        return None
    return _number(value, op, name)


def _check_steps(steps, op: str) -> int:
    if isinstance(steps, Tensor) and steps.ndim == 0 and steps._data.dtype.kind in "iu":
        steps = int(steps.item())
    if not isinstance(steps, (int, np.integer)) or isinstance(steps, bool):
        raise TypeError(
            f"{op}() received an invalid combination of arguments - got steps of type {type(steps).__name__}, "
            "but expected one of: (Number start, Number end, int steps, ...)"
        )
    if steps < 0:
        raise RuntimeError(f"{op}: number of steps must be non-negative")
    return int(steps)


def _range_args(op: str, start, end, steps, out, dtype):
    """Checked (start, end, steps, result dtype) of linspace / logspace."""
    s, e = _range_endpoint(start, op, "start"), _range_endpoint(end, op, "end")
    if s is None or e is None:
        dims = [f"{n} with {v.ndim} dimension(s)" for n, v in (("start", start), ("end", end)) if isinstance(v, Tensor)]
        raise RuntimeError(f"{op} only supports 0-dimensional start and end tensors, but got {' and '.join(dims)}.")
    steps = _check_steps(steps, op)
    npdt = _float_np(_out_dtype(out, dtype, op))
    if npdt.kind == "b":
        raise NotImplementedError(f"\"{op}_cpu\" not implemented for 'Bool'")
    if npdt.kind in "iu":
        s, e = int(s), int(e)
    return s, e, steps, npdt


def _symmetric_linspace(start, end, steps: int, npdt: np.dtype) -> np.ndarray:
    """PyTorch's linspace kernel: the first half counts up from ``start``, the second down from ``end``."""
    work = npdt if npdt.kind == "f" else np.dtype(np.float64)
    if steps == 1:
        return np.full(1, start, dtype=work)
    idx = np.arange(steps, dtype=work)
    step = (work.type(end) - work.type(start)) / work.type(max(steps - 1, 1))
    return np.where(idx < steps // 2, start + step * idx, end - step * (steps - 1 - idx)).astype(work)


@_allocates
def linspace(
    start,
    end,
    steps: int,
    *,
    out=None,
    dtype=None,
    layout=None,
    device=None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    _check_options("linspace", layout, device, pin_memory)
    s, e, steps, npdt = _range_args("linspace", start, end, steps, out, dtype)
    values = _symmetric_linspace(s, e, steps, npdt)
    return _finish(values.astype(npdt), requires_grad, "linspace", out)


@_allocates
def logspace(
    start,
    end,
    steps: int,
    base: float = 10.0,
    *,
    out=None,
    dtype=None,
    layout=None,
    device=None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """``base ** linspace(start, end, steps)``."""
    _check_options("logspace", layout, device, pin_memory)
    s, e, steps, npdt = _range_args("logspace", start, end, steps, out, dtype)
    exponents = _symmetric_linspace(s, e, steps, np.dtype(np.float64))
    with np.errstate(over="ignore", invalid="ignore"):  # out-of-range integer results wrap as in PyTorch
        values = np.power(float(_number(base, "logspace", "base")), exponents).astype(npdt)
    return _finish(values, requires_grad, "logspace", out)


@_allocates
def eye(
    n: int,
    m: int | None = None,
    *,
    out=None,
    dtype=None,
    layout=None,
    device=None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """The identity matrix (n x m)."""
    _check_options("eye", layout, device, pin_memory)
    n = _int_arg(n, "eye", "n", 1)
    if n < 0:
        raise RuntimeError(f"eye: n must be greater or equal to 0, got {n}")
    m = n if m is None else _int_arg(m, "eye", "m", 2)
    if m < 0:
        raise RuntimeError(f"eye: m must be greater or equal to 0, got {m}")
    npdt = _float_np(_out_dtype(out, dtype, "eye"))
    return _finish(np.eye(n, m, dtype=npdt), requires_grad, "eye", out)


# --- triangles -------------------------------------------------------------------------------
class Tril(Op):
    """Lower triangle of the last two dims; the gradient is the same triangle of the incoming one."""

    keep = staticmethod(np.tril)

    def forward(self, x, diagonal):
        self.diagonal = diagonal
        a = x._data
        return np.where(self.keep(np.ones(a.shape[-2:], dtype=bool), diagonal), a, a.dtype.type(0))

    def backward(self, g):
        return type(self).apply(g, diagonal=self.diagonal)


class Triu(Tril):
    """Upper triangle of the last two dims."""

    keep = staticmethod(np.triu)


def _triangle(name: str, x: Tensor, diagonal: int, keep, out) -> Tensor:
    _check_tensor_arg(x, name)
    if x.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
    diagonal = _int_arg(diagonal, name, "diagonal", 2)
    result = (Tril if keep is np.tril else Triu).apply(x, diagonal=diagonal)
    if out is not None:
        return _into_out(out, result._data, name)
    return result


def tril(input: Tensor, diagonal: int = 0, *, out=None) -> Tensor:  # noqa: A002
    """Lower triangle of the last two dims (the rest zeroed); differentiable."""
    return _triangle("tril", input, diagonal, np.tril, out)


def triu(input: Tensor, diagonal: int = 0, *, out=None) -> Tensor:  # noqa: A002
    """Upper triangle of the last two dims (the rest zeroed); differentiable."""
    return _triangle("triu", input, diagonal, np.triu, out)


@_allocates
def _triangle_indices(name: str, row, col, offset, lower, dtype, layout, device, pin_memory, requires_grad):
    _check_options(name, layout, device, pin_memory)
    row, col = _int_arg(row, name, "row", 1), _int_arg(col, name, "col", 2)
    offset = _int_arg(offset, name, "offset", 3)
    for label, value in (("row", row), ("col", col)):
        if value < 0:
            raise RuntimeError(f"{label} must be non-negative, got{value}")
    npdt = dt.to_numpy_dtype(dtype) if dtype is not None else np.dtype(np.int64)
    if npdt not in (np.int32, np.int64):
        raise NotImplementedError(f"\"{name}\" not implemented for '{_scalar_name(npdt)}'")
    rows, cols = _triangle_coordinates(row, col, offset, lower)
    return _finish(np.stack([rows, cols]).astype(npdt), requires_grad, name)


def _triangle_coordinates(row: int, col: int, offset: int, lower: bool) -> tuple:
    """Row-major coordinates of a triangle, computed per row (the full matrix may be huge)."""
    if lower:
        first, stop = max(0, -offset), row if col else 0
    else:
        first, stop = 0, min(row, max(0, col - offset))
    i = np.arange(first, max(first, stop))
    low = np.zeros_like(i) if lower else np.maximum(i + offset, 0)
    high = np.minimum(i + offset + 1, col) if lower else np.full_like(i, col)
    counts = np.maximum(high - low, 0)
    starts = np.cumsum(counts) - counts
    rows = np.repeat(i, counts)
    cols = np.arange(counts.sum()) - np.repeat(starts - low, counts)
    return rows, cols


def tril_indices(
    row: int,
    col: int,
    offset: int = 0,
    *,
    dtype=None,
    layout=None,
    device=None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """The (2, N) coordinates of the lower triangle of a ``row`` x ``col`` matrix (diagonal ``offset``)."""
    return _triangle_indices("tril_indices", row, col, offset, True, dtype, layout, device, pin_memory, requires_grad)


def triu_indices(
    row: int,
    col: int,
    offset: int = 0,
    *,
    dtype=None,
    layout=None,
    device=None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """The (2, N) coordinates of the upper triangle of a ``row`` x ``col`` matrix (diagonal ``offset``)."""
    return _triangle_indices("triu_indices", row, col, offset, False, dtype, layout, device, pin_memory, requires_grad)
