"""``nn.functional.interpolate``: nearest, nearest-exact, (bi/tri)linear and area resizing
with PyTorch's source-coordinate rules, separable per spatial dim and differentiable
(built from index selection and weighted sums, so double backward works)."""

from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor

__all__ = ["interpolate"]

_LINEAR = {"linear": 1, "bilinear": 2, "trilinear": 3}
_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "trilinear", "area", "bicubic")


def _src_scale(n_in: int, n_out: int, scale, align_corners: bool) -> float:
    """PyTorch's ``area_pixel_compute_scale``."""
    if align_corners:
        return (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    return 1.0 / scale if scale is not None and scale > 0 else n_in / n_out


def _nearest_index(n_in: int, n_out: int, scale, exact: bool) -> np.ndarray:
    # PyTorch computes these source indices in float32 whatever the input dtype
    s = np.float32(1.0 / scale if scale is not None and scale > 0 else n_in / n_out)
    dst = np.arange(n_out, dtype=np.float32)
    src = np.floor((dst + np.float32(0.5)) * s) if exact else np.floor(dst * s)
    return np.minimum(src, n_in - 1).astype(np.int64)


def _linear_weights(n_in: int, n_out: int, scale, align_corners: bool):
    s = _src_scale(n_in, n_out, scale, align_corners)
    dst = np.arange(n_out, dtype=np.float64)
    src = dst * s if align_corners else np.maximum((dst + 0.5) * s - 0.5, 0.0)
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    i1 = np.minimum(i0 + 1, n_in - 1)
    lam = src - i0
    return i0, i1, lam


def _select(x: Tensor, dim: int, index: np.ndarray) -> Tensor:
    return x[(slice(None),) * dim + (Tensor._make(index),)]


def _shape_of(lam: np.ndarray, dim: int, ndim: int, dtype) -> Tensor:
    shape = [1] * ndim
    shape[dim] = lam.shape[0]
    return Tensor._make(lam.reshape(shape).astype(dtype))


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
    if mode == "bicubic":
        raise NotImplementedError("interpolate: mode 'bicubic' is not implemented in microtorch")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not implemented in microtorch")
    k = input.ndim - 2
    if k < 1 or k > 3:
        raise ValueError(f"interpolate: expected a 3D, 4D or 5D input (N, C, d1, ...), got shape {list(input.shape)}")
    if mode in _LINEAR and _LINEAR[mode] != k:
        raise NotImplementedError(
            f"interpolate: Got {input.ndim}D input, but {mode} mode needs {_LINEAR[mode] + 2}D input"
        )
    if align_corners is not None and mode not in _LINEAR:
        raise ValueError(
            "interpolate: align_corners option can only be set with the interpolating modes: "
            f"linear | bilinear | bicubic | trilinear (got mode={mode!r})"
        )
    if not input.dtype.is_floating_point and mode != "nearest":
        raise RuntimeError(f"interpolate: mode {mode!r} needs a floating point input, got {input.dtype}")
    spatial = tuple(input.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("interpolate: only one of size or scale_factor should be defined")
    scales = [None] * k
    if size is not None:
        out = (int(size),) * k if isinstance(size, (int, np.integer)) else tuple(int(s) for s in size)
        if len(out) != k:
            raise ValueError(
                "interpolate: Input and output must have the same number of spatial dimensions, but got input with "
                f"spatial dimensions of {list(spatial)} and output size of {list(out)}."
            )
    elif scale_factor is not None:
        sf = (float(scale_factor),) * k if isinstance(scale_factor, (int, float)) else tuple(map(float, scale_factor))
        if len(sf) != k:
            raise ValueError(
                "interpolate: Input and scale_factor must have the same number of spatial dimensions, but got input "
                f"with spatial dimensions of {list(spatial)} and scale_factor of shape {list(sf)}."
            )
        out = tuple(int(math.floor(n * f)) for n, f in zip(spatial, sf))
        if not recompute_scale_factor:
            scales = list(sf)
    else:
        raise ValueError("interpolate: either size or scale_factor should be defined")
    if any(o <= 0 for o in out):
        raise ValueError(f"interpolate: output size must be positive, got {list(out)} for input {list(spatial)}")
    if mode == "area":
        from .pool import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d

        return (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[k - 1](input, out)
    x = input
    dtype = input._data.dtype
    for i in range(k):
        dim = 2 + i
        n_in, n_out = spatial[i], out[i]
        if mode in ("nearest", "nearest-exact"):
            x = _select(x, dim, _nearest_index(n_in, n_out, scales[i], mode == "nearest-exact"))
        else:
            i0, i1, lam = _linear_weights(n_in, n_out, scales[i], bool(align_corners))
            lo, hi = _select(x, dim, i0), _select(x, dim, i1)
            w1 = _shape_of(lam, dim, x.ndim, dtype)
            w0 = _shape_of(1.0 - lam, dim, x.ndim, dtype)
            x = lo * w0 + hi * w1
    return x
