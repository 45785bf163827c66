"""``nn.functional.interpolate``: nearest, nearest-exact, (bi/tri)linear and area resizing
with PyTorch's source-coordinate rules, separable per spatial dim and differentiable
(built from index selection and weighted sums, so double backward works)."""

from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor
from ..kernels.windows import is_int, scalar_name

__all__ = ["interpolate"]

_LINEAR = {"linear": 1, "bilinear": 2, "trilinear": 3, "bicubic": 2}  # interpolating modes: spatial dims
_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "trilinear", "area", "bicubic")


def _src_scale(n_in: int, n_out: int, scale, align_corners: bool, dtype) -> np.floating:
    """PyTorch's ``area_pixel_compute_scale``, in the input's float type as PyTorch computes it."""
    f = dtype.type
    if align_corners:
        return f(n_in - 1) / f(n_out - 1) if n_out > 1 else f(0)
    return f(1.0 / scale) if scale is not None and scale > 0 else f(n_in) / f(n_out)


def _nearest_index(n_in: int, n_out: int, scale, exact: bool) -> np.ndarray:
    # PyTorch computes these source indices in float32 whatever the input dtype
    s = np.float32(1.0 / scale if scale is not None and scale > 0 else n_in / n_out)
    dst = np.arange(n_out, dtype=np.float32)
    src = np.floor((dst + np.float32(0.5)) * s) if exact else np.floor(dst * s)
    return np.minimum(src, n_in - 1).astype(np.int64)


def _source(n_in: int, n_out: int, scale, align_corners: bool, cubic: bool, dtype):
    """(index, fraction) of each output's source coordinate (PyTorch's ``guard_index_and_lambda``).

    Linear clamps coordinates left of the first input to it; cubic keeps them (its taps do the clamping).
    """
    s = np.float64(_src_scale(n_in, n_out, scale, align_corners, dtype))
    dst = np.arange(n_out, dtype=np.float64)
    # PyTorch's kernels compute s * (dst + 0.5) - 0.5 as one fused multiply-add in the
    # input's type; in float64 and rounded once it is the same number for float32
    src = (dst * s if align_corners else s * (dst + 0.5) - 0.5).astype(dtype)
    if not cubic:
        src = np.maximum(src, 0)
    index = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    return index, np.clip(src - index, 0, 1).astype(dtype)


def _linear_taps(n_in: int, n_out: int, scale, align_corners: bool, dtype) -> list:
    """[(source index, weight)] of the two taps of linear interpolation along one dim."""
    i0, lam = _source(n_in, n_out, scale, align_corners, False, dtype)
    return [(i0, 1 - lam), (np.minimum(i0 + 1, n_in - 1), lam)]


_CUBIC_A = -0.75  # PyTorch's (and OpenCV's) bicubic kernel parameter


def _cubic_taps(n_in: int, n_out: int, scale, align_corners: bool, dtype) -> list:
    """[(source index, weight)] of the four taps of bicubic interpolation (Keys kernel, A = -0.75)
    along one dim; taps outside the input repeat its edge."""
    i0, t = _source(n_in, n_out, scale, align_corners, True, dtype)
    a = _CUBIC_A

    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    weights = [far(t + 1), near(t), near(1 - t), far(2 - t)]
    return [(np.clip(i0 + j - 1, 0, n_in - 1), w.astype(dtype)) for j, w in enumerate(weights)]


def _aa_filter(x: np.ndarray, cubic: bool) -> np.ndarray:
    """PyTorch's (Pillow's) antialiasing filters: the triangle, or the cubic kernel with A = -0.5."""
    x = np.abs(x)
    if not cubic:
        return np.maximum(1 - x, 0)
    a = x.dtype.type(-0.5)
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    far = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return np.where(x < 1, near, np.where(x < 2, far, 0))


def _antialias_matrix(n_in: int, n_out: int, scale, align_corners: bool, cubic: bool, dtype) -> np.ndarray:
    """(n_out, n_in) weights of antialiased resampling along one dim (PyTorch's ``_compute_weights_aa``):
    the filter stretched by the scale when downsampling, truncated to its support, rows normalised.

    Computed in the input's float type, as PyTorch does: float32 window bounds and weights
    move float32 results by up to 4e-5 against float64 ones.
    """
    f = dtype.type
    s = _src_scale(n_in, n_out, scale, align_corners, dtype)
    one = f(1)
    support = f(2.0 if cubic else 1.0) * (s if s >= 1 else one)
    invscale = one / s if s >= 1 else one
    center = s * (np.arange(n_out, dtype=dtype) + f(0.5))
    lo = np.maximum(np.trunc(center - support + f(0.5)), 0)
    width = np.clip(np.minimum(np.trunc(center + support + f(0.5)), n_in) - lo, 0, math.ceil(support) * 2 + 1)
    j = np.arange(n_in, dtype=dtype)[None, :]
    inside = (j >= lo[:, None]) & (j < (lo + width)[:, None])
    w = np.where(inside, _aa_filter((j - center[:, None] + f(0.5)) * invscale, cubic), f(0)).astype(dtype)
    total = w.sum(axis=1, keepdims=True)
    return np.divide(w, total, out=w, where=total != 0)


def _resample_matrix(x: Tensor, dim: int, weights: np.ndarray) -> Tensor:
    """``x`` resampled along ``dim`` by a (n_out, n_in) weight matrix."""
    moved = x.transpose(dim, -1) if dim != x.ndim - 1 else x
    out = moved.matmul(Tensor._make(np.ascontiguousarray(weights.T)))
    return out.transpose(dim, -1) if dim != x.ndim - 1 else out


def _select(x: Tensor, dim: int, index: np.ndarray) -> Tensor:
    return x[(slice(None),) * dim + (Tensor._make(index),)]


def _along(weight: np.ndarray, dim: int, ndim: int) -> Tensor:
    """Per-position weights along ``dim``, broadcastable against an ``ndim``-dim tensor."""
    shape = [1] * ndim
    shape[dim] = weight.shape[0]
    return Tensor._make(weight.reshape(shape))


def _resample(x: Tensor, dim: int, taps: list) -> Tensor:
    """``sum_j x[..., index_j, ...] * weight_j`` along ``dim``, summed in tap order (as PyTorch)."""
    out = None
    for index, weight in taps:
        term = _select(x, dim, index) * _along(weight, dim, x.ndim)
        out = term if out is None else out + term
    return out


_KERNELS = {  # PyTorch's kernel for each mode, as its "not implemented for" message names it
    "nearest": "compute_indices_weights_nearest",
    "nearest-exact": "compute_indices_weights_nearest",
    "linear": "compute_indices_weights_linear",
    "bilinear": "compute_indices_weights_linear",
    "trilinear": "compute_indices_weights_linear",
    "bicubic": "compute_indices_weights_cubic",
    "area": "adaptive_avg_pool2d",
}


def _output_sizes(spatial: tuple, size, scale_factor, recompute_scale_factor) -> tuple:
    """(output sizes, scales passed to the kernels) from ``size`` or ``scale_factor``, PyTorch's checks."""
    k = len(spatial)
    if size is not None and scale_factor is not None:
        raise ValueError("interpolate: only one of size or scale_factor should be defined")
    if size is not None:
        items = (size,) * k if is_int(size) else tuple(size) if isinstance(size, (tuple, list)) else None
        if items is None or not all(is_int(s) for s in items):
            raise TypeError(
                "interpolate: expected size to be one of int or Tuple[int] or Tuple[int, int] or "
                f"Tuple[int, int, int], but got size {size!r}"
            )
        if len(items) != k:
            raise ValueError(
                "interpolate: Input and output must have the same number of spatial dimensions, but got input with "
                f"spatial dimensions of {list(spatial)} and output size of {list(items)}."
            )
        return tuple(int(s) for s in items), (None,) * k
    if scale_factor is None:
        raise ValueError("interpolate: either size or scale_factor should be defined")
    items = (
        (scale_factor,) * k
        if isinstance(scale_factor, (int, float, np.number, str))
        else tuple(scale_factor)
        if isinstance(scale_factor, (tuple, list))
        else None
    )
    if items is not None and len(items) != k:
        raise ValueError(
            "interpolate: Input and scale_factor must have the same number of spatial dimensions, but got input "
            f"with spatial dimensions of {list(spatial)} and scale_factor of shape {list(items)}."
        )
    if recompute_scale_factor and items is not None and any(isinstance(f, str) for f in items):
        # PyTorch's Python floors float(size * factor): a str factor repeats into a string float() rejects
        raise ValueError(f"interpolate: could not convert a string scale_factor to float: {scale_factor!r}")
    if items is None or not all(isinstance(f, (int, float, np.integer, np.floating)) for f in items):
        raise TypeError(
            "interpolate: expected scale_factor to be a float or a tuple of floats, but got scale_factor "
            f"{scale_factor!r}"
        )
    sf = tuple(float(f) for f in items)
    for n, f in zip(spatial, sf):
        v = n * f
        if recompute_scale_factor:  # PyTorch's Python floors the sizes, then its kernel unpacks them as int64
            if math.isnan(v):
                raise ValueError("interpolate: cannot convert float NaN to integer")
            if math.isinf(v):
                raise OverflowError("interpolate: cannot convert float infinity to integer")
            if abs(v) >= 2.0**63:
                raise TypeError("interpolate: argument 'output_size' failed to unpack: Overflow unpacking long long")
        elif not math.isfinite(v) or abs(v) >= 2.0**63:
            raise RuntimeError("interpolate: value cannot be converted to type int64_t without overflow")
    out = tuple(int(math.floor(n * f)) for n, f in zip(spatial, sf))
    return out, ((None,) * k if recompute_scale_factor else sf)


def _check_input(input: Tensor, mode: str, k: int, align_corners, out: tuple) -> None:
    """Rank, mode, dtype and size rules of PyTorch's resampling kernels."""
    if k < 1 or k > 3:
        raise NotImplementedError(
            f"interpolate: Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) for the "
            f"modes: nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact (got {mode})"
        )
    if mode in _LINEAR and _LINEAR[mode] != k:
        raise NotImplementedError(
            f"interpolate: Got {input.ndim}D input, but {mode} mode needs {_LINEAR[mode] + 2}D input"
        )
    if mode in _LINEAR and align_corners is not None and not isinstance(align_corners, (bool, np.bool_)):
        raise TypeError(f"interpolate: align_corners must be bool or None, not {type(align_corners).__name__}")
    dtype = input._data.dtype
    if dtype.kind != "f" and not (dtype == np.uint8 and mode in ("nearest", "nearest-exact")):
        raise NotImplementedError(f"interpolate: \"{_KERNELS[mode]}\" not implemented for '{scalar_name(dtype)}'")
    if mode != "area" and 0 in input.shape[1:]:
        raise RuntimeError(
            f"interpolate: Non-empty {input.ndim}D data tensor expected but got a tensor with sizes {list(input.shape)}"
        )
    if any(o <= 0 for o in out):
        raise RuntimeError(
            f"interpolate: Input and output sizes should be greater than 0, but got input {list(input.shape[2:])} "
            f"and output {list(out)}"
        )


def interpolate(
    input: Tensor,
    size=None,
    scale_factor=None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:
    """Resize the spatial dims of a (N, C, d1, ..., dk) input (k = 1, 2, 3)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"interpolate(): argument 'input' must be Tensor, not {type(input).__name__}")
    if mode not in _MODES:
        raise NotImplementedError(f"interpolate: mode {mode!r} is not supported; expected one of {_MODES}")
    if align_corners is not None and mode not in _LINEAR:
        raise ValueError(
            "interpolate: align_corners option can only be set with the interpolating modes: "
            f"linear | bilinear | bicubic | trilinear (got mode={mode!r})"
        )
    if antialias and (mode not in ("bilinear", "bicubic") or not isinstance(input, Tensor) or input.ndim != 4):
        raise ValueError(
            "interpolate: Anti-alias option is restricted to bilinear and bicubic modes and requires a 4-D tensor "
            "as input"
        )
    k = input.ndim - 2
    spatial = tuple(input.shape[2:])
    out, scales = _output_sizes(spatial, size, scale_factor, recompute_scale_factor or mode == "area")
    _check_input(input, mode, k, align_corners, out)
    if mode == "area":
        from .pool import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d

        return (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[k - 1](input, out)
    if mode in ("nearest", "nearest-exact"):
        x = input
        for i in range(k):
            x = _select(x, 2 + i, _nearest_index(spatial[i], out[i], scales[i], mode == "nearest-exact"))
        return x
    if antialias:
        x = input
        for i in reversed(range(k)):  # the last dim first, as PyTorch's separable passes
            if out[i] != spatial[i]:  # PyTorch skips a dim that keeps its size (its weights are the identity)
                weights = _antialias_matrix(
                    spatial[i], out[i], scales[i], bool(align_corners), mode == "bicubic", input._data.dtype
                )
                x = _resample_matrix(x, 2 + i, weights)
        return x if x is not input else input.clone()
    taps = _cubic_taps if mode == "bicubic" else _linear_taps
    x = input
    # the last dim first: PyTorch interpolates along it innermost, then combines the results
    for i in reversed(range(k)):
        x = _resample(x, 2 + i, taps(spatial[i], out[i], scales[i], bool(align_corners), input._data.dtype))
    return x
