"""``grid_sample`` / ``grid_sampler_2d`` / ``grid_sampler_3d`` and ``affine_grid``, as torch's CPU kernels.

The sampling positions are differentiable Tensor expressions of the grid (unnormalise,
then the padding's clip / reflection); the input values at the integer taps are
``gather``-ed, and each tap's weight (bilinear, or bicubic with A = -0.75) is a Tensor
polynomial of the fractional position. So the input and grid gradients, and their second
order, are torch's (the clip's gradient is 0 at and beyond the borders, as its kernel).
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np

import microtorch as _mt

from .._tensor import Tensor
from ..kernels.windows import is_int
from .linalg import _tensor_arg
from .linalg import _tname as _word

__all__ = ["grid_sample", "affine_grid", "grid_sampler", "grid_sampler_2d", "grid_sampler_3d"]

_MODES = {"bilinear": 0, "nearest": 1, "bicubic": 2}
_PADDINGS = {"zeros": 0, "border": 1, "reflection": 2}
_CUBIC_A = -0.75
_ALIGN_WARNING = (
    "Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. Please specify "
    "align_corners=True if the old behavior is desired. See the documentation of grid_sample for details."
)


def _const(a: np.ndarray, like: Tensor) -> Tensor:
    return Tensor._make(np.asarray(a, dtype=like._data.dtype))


def _unnormalize(c: Tensor, size: int, align: bool) -> Tensor:
    """[-1, 1] to pixel units: corners at pixel centres (``align``) or at pixel edges."""
    if align:
        return (c + 1) * ((size - 1) / 2)
    if c.dtype == _mt.float32:  # torch's kernel fuses the multiply-subtract (one rounding)
        return ((c + 1).to(_mt.float64) * (size / 2) - 0.5).to(_mt.float32)
    return (c + 1) * (size / 2) - 0.5


def _clip(x: Tensor, size: int) -> Tensor:
    """``clamp(x, 0, size - 1)`` whose gradient is 0 at and beyond the borders, as torch's kernel."""
    hi = size - 1
    a = x._data
    inside = Tensor._make((a > 0) & (a < hi))
    # torch's vectorised max(x, 0) turns NaN into 0 here (and +-inf clip to the borders)
    return _mt.where(inside, x, _const(np.clip(np.nan_to_num(a, nan=0.0), 0, hi), x))


def _reflect(x: Tensor, twice_low: int, twice_high: int) -> Tensor:
    """Fold ``x`` back into ``[low, high]`` by reflection (torch's ``reflect_coordinates``)."""
    if twice_low == twice_high:
        return _const(np.zeros(x.shape), x)
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    d = x - low
    d = _mt.where(Tensor._make(d._data < 0), -d, d)
    even = Tensor._make(np.floor(d._data / span) % 2 == 0)
    extra = _mt.fmod(d, span)
    return _mt.where(even, extra + low, span - extra + low)


def _pad_coordinate(x: Tensor, size: int, padding: int, align: bool) -> Tensor:
    if padding == 1:
        return _clip(x, size)
    if padding == 2:
        x = _reflect(x, 0, 2 * (size - 1)) if align else _reflect(x, -1, 2 * size - 1)
        return _clip(x, size)
    return x


def _pad_taps(i: np.ndarray, size: int, padding: int, align: bool) -> np.ndarray:
    """The padding applied to integer tap positions (bicubic reads its 4x4 taps through it)."""
    if padding == 0:
        return i
    return _pad_coordinate(Tensor._make(i.astype(np.float64)), size, padding, align)._data


class _Sampler:
    """Gathers input values at integer taps (zero outside), for one (input, output grid) pair."""

    def __init__(self, input: Tensor, spatial: tuple, out_shape: tuple) -> None:
        n, c = input.shape[:2]
        self.planes = input.reshape(n, c, -1)
        self.spatial, self.n, self.c, self.q = spatial, n, c, int(np.prod(out_shape))
        self.strides = [int(np.prod(spatial[a + 1 :])) for a in range(len(spatial))]

    def tap(self, coords: list) -> tuple[Tensor, Tensor]:
        """(values (N, C, Q), in-bounds mask (N, 1, Q)) at integer ``coords`` per spatial axis."""
        inside = np.ones((self.n, self.q), dtype=bool)
        flat = np.zeros((self.n, self.q), dtype=np.int64)
        for a, ci in enumerate(coords):
            ci = ci.reshape(self.n, self.q)
            inside &= (ci >= 0) & (ci < self.spatial[a])
            flat += np.where(inside, ci, 0).astype(np.int64) * self.strides[a]
        flat = np.where(inside, flat, 0)
        idx = np.broadcast_to(flat[:, None, :], (self.n, self.c, self.q))
        return self.planes.gather(2, Tensor._make(idx)), Tensor._make(inside[:, None, :])


def _ints(f: np.ndarray) -> np.ndarray:
    """Integral float positions as int64; NaN and huge ones land far outside (out of bounds)."""
    return np.clip(np.nan_to_num(f, nan=-(2.0**40)), -(2.0**40), 2.0**40).astype(np.int64)


def _zero(like: Tensor) -> Tensor:
    return Tensor._make(np.zeros((), like._data.dtype))


def _bilinear(sampler: _Sampler, pos: list) -> Tensor:
    n, q = sampler.n, sampler.q
    floors = [np.floor(p._data) for p in pos]
    fracs = [(p - _const(f, p)).reshape(n, 1, q) for p, f in zip(pos, floors)]
    out = None
    for bits in itertools.product((0, 1), repeat=len(pos)):
        weight = None
        for b, t in zip(bits, fracs):
            w = t if b else 1 - t
            weight = w if weight is None else weight * w
        coords = [_ints(f) + b for f, b in zip(floors, bits)]
        values, inside = sampler.tap(coords)
        term = weight * _mt.where(inside, values, _zero(values))  # a NaN weight stays NaN, as torch
        out = term if out is None else out + term
    return out


def _no_gradient_through(t: Tensor) -> Tensor:
    """0 with ``t`` as a graph input: torch's nearest mode gives the grid a zero (not a missing) gradient."""
    return _mt.where(Tensor._make(np.zeros((), dtype=bool)), t, _zero(t))


def _nearest(sampler: _Sampler, pos: list) -> Tensor:
    coords = [_ints(np.rint(p._data)) for p in pos]
    values, inside = sampler.tap(coords)
    tie = sum(_no_gradient_through(p) for p in pos).reshape(sampler.n, 1, sampler.q)
    return _mt.where(inside, values, _zero(values)) + tie


def _cubic_coefficients(t: Tensor) -> list:
    """torch's ``get_cubic_upsample_coefficients``: the 4 tap weights at fractional offset ``t``."""
    a = _CUBIC_A

    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def _bicubic(sampler: _Sampler, raw: list, padding: int, align: bool) -> Tensor:
    n, q = sampler.n, sampler.q
    floors = [np.floor(p._data) for p in raw]
    coeffs = [_cubic_coefficients((p - _const(f, p)).reshape(n, 1, q)) for p, f in zip(raw, floors)]
    out = None
    for taps in itertools.product(range(4), repeat=2):
        coords = []
        for a, (f, k) in enumerate(zip(floors, taps)):
            coords.append(_ints(_pad_taps(_ints(f) - 1 + k, sampler.spatial[a], padding, align)))
        values, inside = sampler.tap(coords)
        weight = coeffs[0][taps[0]] * coeffs[1][taps[1]]
        term = weight * _mt.where(inside, values, _zero(values))  # a NaN weight stays NaN, as torch
        out = term if out is None else out + term
    return out


def _check_grid_args(input: Tensor, grid: Tensor, mode: int, d: int) -> None:
    if input.ndim != d + 2 or grid.ndim != input.ndim:
        raise RuntimeError(
            f"grid_sampler(): expected {d + 2}D input and grid with same number of dimensions, but got input with "
            f"sizes {list(input.shape)} and grid with sizes {list(grid.shape)}"
        )
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"\"grid_sampler_{d}d_cpu_kernel_impl\" not implemented for '{_word(input)}'")
    if input._data.dtype != grid._data.dtype:
        raise RuntimeError(
            f"grid_sampler(): expected input and grid to have same dtype, but input has {input.dtype} and grid "
            f"has {grid.dtype}"
        )
    if input.shape[0] != grid.shape[0]:
        raise RuntimeError(
            "grid_sampler(): expected grid and input to have same batch size, but got input with sizes "
            f"{list(input.shape)} and grid with sizes {list(grid.shape)}"
        )
    if grid.shape[-1] != d:
        raise RuntimeError(
            f"grid_sampler(): expected grid to have size {d} in last dimension, but got grid with sizes "
            f"{list(grid.shape)}"
        )
    for i in range(2, input.ndim):
        if input.shape[i] <= 0:
            raise RuntimeError(
                "grid_sampler(): expected input to have non-empty spatial dimensions, but input has sizes "
                f"{list(input.shape)} with dimension {i} being empty"
            )
    if d == 3 and mode == 2:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")


def _sample(input: Tensor, grid: Tensor, mode: int, padding: int, align, d: int) -> Tensor:
    _tensor_arg(input, f"grid_sampler_{d}d", "input", 1)
    _tensor_arg(grid, f"grid_sampler_{d}d", "grid", 2)
    if not isinstance(align, bool):
        raise TypeError(
            f"grid_sampler_{d}d(): argument 'align_corners' (position 5) must be bool, not {type(align).__name__}"
        )
    for pos, (name, value) in enumerate((("interpolation_mode", mode), ("padding_mode", padding)), 3):
        if not is_int(value):
            raise TypeError(
                f"grid_sampler_{d}d(): argument '{name}' (position {pos}) must be int, not {type(value).__name__}"
            )
    if mode not in (0, 1, 2) or padding not in (0, 1, 2):  # torch reads uninitialised memory for these
        raise RuntimeError(f"grid_sampler(): unknown interpolation mode {mode} or padding mode {padding}")
    if input.ndim == 0 or grid.ndim == 0:
        raise IndexError("Dimension specified as -1 but tensor has no dimensions")
    _check_grid_args(input, grid, mode, d)
    spatial = tuple(input.shape[2:])
    out_shape = tuple(grid.shape[1:-1])
    n, c = input.shape[:2]
    if n == 0 or int(np.prod(out_shape)) == 0 or c == 0:
        empty = _mt.zeros((n, c, *out_shape), dtype=input.dtype)
        return empty + _no_gradient_through(input).sum() + _no_gradient_through(grid).sum()
    sampler = _Sampler(input, spatial, out_shape)
    # grid[..., 0] indexes the last spatial dim (x = width), grid[..., d - 1] the first
    raw = [_unnormalize(grid[..., d - 1 - a], spatial[a], align) for a in range(d)]
    if mode == 2:
        out = _bicubic(sampler, raw, padding, align)
    else:
        pos = [_pad_coordinate(p, spatial[a], padding, align) for a, p in enumerate(raw)]
        out = _bilinear(sampler, pos) if mode == 0 else _nearest(sampler, pos)
    return out.reshape(n, c, *out_shape)


def grid_sampler_2d(input: Tensor, grid: Tensor, interpolation_mode: int, padding_mode: int, align_corners: bool):
    """Sample ``(N, C, H, W)`` input at ``(N, H', W', 2)`` grid positions (modes and paddings as integers)."""
    return _sample(input, grid, interpolation_mode, padding_mode, align_corners, 2)


def grid_sampler_3d(input: Tensor, grid: Tensor, interpolation_mode: int, padding_mode: int, align_corners: bool):
    """Sample ``(N, C, D, H, W)`` input at ``(N, D', H', W', 3)`` grid positions."""
    return _sample(input, grid, interpolation_mode, padding_mode, align_corners, 3)


def grid_sampler(input: Tensor, grid: Tensor, interpolation_mode: int, padding_mode: int, align_corners: bool):
    """``grid_sampler_2d`` for 4-d input, else ``grid_sampler_3d``."""
    d = 2 if isinstance(input, Tensor) and input.ndim == 4 else 3
    return _sample(input, grid, interpolation_mode, padding_mode, align_corners, d)


def grid_sample(
    input: Tensor, grid: Tensor, mode: str = "bilinear", padding_mode: str = "zeros", align_corners: bool | None = None
) -> Tensor:
    """Sample ``input`` at the normalised ``grid`` positions (``bilinear``, ``nearest`` or ``bicubic``)."""
    if mode not in _MODES:
        raise ValueError(
            f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', but got: '{mode}'"
        )
    if padding_mode not in _PADDINGS:
        raise ValueError(
            "nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or 'reflection', "
            f"but got: '{padding_mode}'"
        )
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    return grid_sampler(input, grid, _MODES[mode], _PADDINGS[padding_mode], align_corners)


def _linspace(steps: int, align: bool, like: Tensor) -> np.ndarray:
    if steps <= 1:
        return np.zeros(max(steps, 1), dtype=like._data.dtype)
    r = np.linspace(-1, 1, steps, dtype=like._data.dtype)
    return r if align else r * like._data.dtype.type((steps - 1) / steps)


def _check_theta(theta: Tensor, size) -> tuple:
    if not theta.dtype.is_floating_point:
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    if len(size) == 4:
        if theta.ndim != 3 or tuple(theta.shape[-2:]) != (2, 3):
            raise ValueError(
                f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {size}. Got {theta.shape}."
            )
        return tuple(size[-2:])
    if len(size) == 5:
        if theta.ndim != 3 or tuple(theta.shape[-2:]) != (3, 4):
            raise ValueError(
                f"Expected a batch of 3D affine matrices of shape Nx3x4 for size {size}. Got {theta.shape}."
            )
        return tuple(size[-3:])
    raise NotImplementedError(
        f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, respectively. Got size {size}."
    )


def affine_grid(theta: Tensor, size, align_corners: bool | None = None) -> Tensor:
    """The sampling grid of the affine maps ``theta`` ((N, 2, 3) or (N, 3, 4)) for an output of ``size``."""
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    spatial = _check_theta(theta, size)
    if align_corners and min(spatial) == 1:
        warnings.warn(
            "Since version 1.3.0, affine_grid behavior has changed for unit-size grids when align_corners=True. "
            "This is not an intended use case of affine_grid. See the documentation of affine_grid for details.",
            stacklevel=2,
        )
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    d = len(spatial)
    axes = [_linspace(s, align_corners, theta) for s in spatial]
    mesh = np.meshgrid(*axes, indexing="ij")  # (D,) H, W order
    base = np.stack([m for m in reversed(mesh)] + [np.ones_like(mesh[0])], axis=-1)  # x, y, (z,) 1
    base = Tensor._make(base.reshape(1, -1, d + 1).astype(theta._data.dtype))
    grid = _mt.matmul(base, theta.transpose(1, 2))
    return grid.reshape(size[0], *spatial, d)
