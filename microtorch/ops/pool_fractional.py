"""Fractional max pooling (``fractional_max_pool2d`` / ``3d``), torch's pseudo-random window starts.

Each (batch, channel) plane gets one sample ``u`` in [0, 1) per spatial dim (given as
``_random_samples``, else drawn from microtorch's generator); window ``i`` of ``n_out`` over
an input of ``n_in`` starts at ``int((i + u) * alpha) - int(u * alpha)`` with
``alpha = (n_in - k) / (n_out - 1)`` computed in the input's dtype, and the last window ends
at the input's end. The maximum is the first one in window order (a NaN wins), and the
output is a ``gather`` of the input, so gradients of any order follow.
"""

from __future__ import annotations

import numpy as np

from .. import random as _random
from .._tensor import Tensor
from ..kernels.windows import is_int
from .linalg import _tname as _word

__all__ = [
    "fractional_max_pool2d",
    "fractional_max_pool2d_with_indices",
    "fractional_max_pool3d",
    "fractional_max_pool3d_with_indices",
]

_DIM_NAMES = {2: ("height", "width"), 3: ("time", "height", "width")}


def _tuple(value, d: int, what: str, op: str) -> tuple:
    if is_int(value) or isinstance(value, float):
        return (value,) * d
    value = tuple(value)
    if len(value) == 1:
        return value * d
    if len(value) != d:
        raise RuntimeError(f"{op}: {what} must either be a single Int or tuple of Ints")
    return value


def _output_size(input: Tensor, d: int, output_size, output_ratio, op: str) -> tuple:
    if output_size is None and output_ratio is None:
        raise ValueError(f"{op} requires specifying either an output_size or an output_ratio")
    if output_size is not None:
        return tuple(int(v) for v in _tuple(output_size, d, "output_size", op))
    if d == 2 and (is_int(output_ratio) or isinstance(output_ratio, float)):  # torch's 2-d wrapper takes len()
        raise TypeError(f"object of type '{type(output_ratio).__name__}' has no len()")
    if not (is_int(output_ratio) or isinstance(output_ratio, float)) and len(output_ratio) > d:
        raise ValueError(f"{op} requires output_ratio to either be a single Int or tuple of Ints.")
    ratio = _tuple(output_ratio, d, "output_ratio", op)
    return tuple(int(input.shape[input.ndim - d + i] * ratio[i]) for i in range(d))


def _check_input(input: Tensor, d: int, kernel: tuple, out: tuple, op: str) -> None:
    if input.ndim not in (d + 1, d + 2):
        raise RuntimeError(f"{op}(): Expected {d + 1}D or {d + 2}D tensor, but got: {list(input.shape)}")
    for i in range(1, input.ndim):
        if input.shape[i] == 0:
            raise RuntimeError(
                f"{op}(): Expected input to have non-zero size for non-batch dimensions, but got"
                f"{list(input.shape)} with dimension {i} being empty."
            )
    if any(o < 0 for o in out):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(out)}: {list(out)}")
    where = f"{op}_out()" if d == 3 else f"{op}()"
    for name, k, o, n in zip(_DIM_NAMES[d], kernel, out, input.shape[input.ndim - d :]):
        if o + k - 1 > n:
            raise RuntimeError(f"{where}: pool {name} {k} too large relative to input {name} {n}")
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"\"{op}_out_frame\" not implemented for '{_word(input)}'")


def _samples(input: Tensor, d: int, samples: Tensor | None) -> np.ndarray:
    n = 1 if input.ndim == d + 1 else input.shape[0]
    c = input.shape[input.ndim - d - 1]
    if samples is None:
        return _random.rng(None).random((n, c, d)).astype(input._data.dtype)
    if samples.ndim != 3:
        raise RuntimeError(f"Expect _random_samples to have 3 dimensions, got {samples.ndim}")
    if samples.shape[2] != d:
        raise RuntimeError(f"Expect _random_samples.size(2) equals to {d}; got {samples.shape[2]}.")
    if samples.shape[1] != c:
        raise RuntimeError("Expect _random_samples.size(1) equals to input channel size.")
    if samples.shape[0] < n:
        raise RuntimeError(f"Expect _random_samples.size(0) no less than input batch size {n}; got {samples.shape[0]}.")
    if samples._data.dtype != input._data.dtype:
        raise RuntimeError("Expect _random_samples to have the same dtype as input")
    return samples._data[:n]


def _starts(u: np.ndarray, n_in: int, n_out: int, k: int) -> np.ndarray:
    """Window starts, shape ``u.shape + (n_out,)``, in ``u``'s dtype as torch's ``generate_intervals``."""
    starts = np.full(u.shape + (n_out,), n_in - k, dtype=np.int64)
    if n_out > 1:
        ft = u.dtype.type
        alpha = ft(n_in - k) / ft(n_out - 1)
        i = np.arange(n_out - 1, dtype=u.dtype)
        first = ((i + u[..., None]) * alpha).astype(np.int64)
        starts[..., :-1] = first - (u * alpha).astype(np.int64)[..., None]
    return starts


def _window_indices(x: np.ndarray, d: int, kernel: tuple, out: tuple, u: np.ndarray) -> np.ndarray:
    """Flat (per plane) index of each output's maximum, shape ``(N, C, *out)``."""
    spatial = x.shape[2:]
    flat = np.zeros(x.shape[:2] + out + (1,) * d, dtype=np.int64)
    stride = 1
    for axis in reversed(range(d)):
        # sample order: (W, H) in 2-d, (T, H, W) in 3-d, as torch's kernels read them
        s = u[..., (d - 1 - axis) if d == 2 else axis]
        pos = _starts(s, spatial[axis], out[axis], kernel[axis])[..., None] + np.arange(kernel[axis])
        shape = [1] * (2 * d)
        shape[axis], shape[d + axis] = out[axis], kernel[axis]
        flat = flat + pos.reshape(x.shape[:2] + tuple(shape)) * stride
        stride *= spatial[axis]
    flat = flat.reshape(x.shape[:2] + out + (-1,))
    vals = np.take_along_axis(x.reshape(x.shape[:2] + (1,) * d + (-1,)), flat, -1)
    best = vals.argmax(-1)
    nan = np.isnan(vals)
    if nan.any():  # the kernel's ``val > max || isnan(val)`` keeps the last NaN
        last_nan = vals.shape[-1] - 1 - nan[..., ::-1].argmax(-1)
        best = np.where(nan.any(-1), last_nan, best)
    return np.take_along_axis(flat, best[..., None], -1)[..., 0]


def _fractional(input, kernel_size, output_size, output_ratio, samples, d: int) -> tuple[Tensor, Tensor]:
    op = f"fractional_max_pool{d}d"
    kernel = tuple(int(k) for k in _tuple(kernel_size, d, "kernel_size", op))
    out = _output_size(input, d, output_size, output_ratio, op)
    _check_input(input, d, kernel, out, op)
    u = _samples(input, d, samples)
    x = input if input.ndim == d + 2 else input.unsqueeze(0)
    if 0 in kernel or 0 in out or x.shape[0] == 0:
        return _empty_windows(x, d, kernel, out, u, input.ndim == d + 2)
    idx = _window_indices(x._data, d, kernel, out, u)
    planes = x.reshape(*x.shape[:2], -1)
    values = planes.gather(2, Tensor._make(idx.reshape(*x.shape[:2], -1))).reshape(*x.shape[:2], *out)
    indices = Tensor._make(idx)
    if input.ndim == d + 1:
        return values.squeeze(0), indices.squeeze(0)
    return values, indices


def _empty_windows(x: Tensor, d: int, kernel: tuple, out: tuple, u: np.ndarray, batched: bool):
    """torch's result when a window or the output is empty: -inf at each window's start."""
    shape = tuple(x.shape[:2]) + out
    starts = np.zeros(shape, dtype=np.int64)
    stride = 1
    for axis in reversed(range(d)):
        s = u[..., (d - 1 - axis) if d == 2 else axis] if x.shape[0] else np.zeros(x.shape[:2], x._data.dtype)
        pos = _starts(s, x.shape[2 + axis], out[axis], kernel[axis])
        view = [1] * d
        view[axis] = out[axis]
        starts = starts + pos.reshape(x.shape[:2] + tuple(view)) * stride
        stride *= x.shape[2 + axis]
    values = Tensor._make(np.full(shape, -np.inf, dtype=x._data.dtype))
    indices = Tensor._make(starts)
    return (values, indices) if batched else (values.squeeze(0), indices.squeeze(0))


def fractional_max_pool2d_with_indices(
    input: Tensor, kernel_size, output_size=None, output_ratio=None, return_indices: bool = False,
    _random_samples: Tensor | None = None,
) -> tuple[Tensor, Tensor]:  # fmt: skip
    """2-d fractional max pooling with the flat (H*W) indices of the maxima."""
    return _fractional(input, kernel_size, output_size, output_ratio, _random_samples, 2)


def fractional_max_pool2d(
    input: Tensor, kernel_size, output_size=None, output_ratio=None, return_indices: bool = False,
    _random_samples: Tensor | None = None,
):  # fmt: skip
    """2-d max pooling over pseudo-randomly placed windows (``(N, C, H, W)`` or ``(C, H, W)``)."""
    values, indices = _fractional(input, kernel_size, output_size, output_ratio, _random_samples, 2)
    return (values, indices) if return_indices else values


def fractional_max_pool3d_with_indices(
    input: Tensor, kernel_size, output_size=None, output_ratio=None, return_indices: bool = False,
    _random_samples: Tensor | None = None,
) -> tuple[Tensor, Tensor]:  # fmt: skip
    """3-d fractional max pooling with the flat (T*H*W) indices of the maxima."""
    return _fractional(input, kernel_size, output_size, output_ratio, _random_samples, 3)


def fractional_max_pool3d(
    input: Tensor, kernel_size, output_size=None, output_ratio=None, return_indices: bool = False,
    _random_samples: Tensor | None = None,
):  # fmt: skip
    """3-d max pooling over pseudo-randomly placed windows (``(N, C, T, H, W)`` or ``(C, T, H, W)``)."""
    values, indices = _fractional(input, kernel_size, output_size, output_ratio, _random_samples, 3)
    return (values, indices) if return_indices else values
