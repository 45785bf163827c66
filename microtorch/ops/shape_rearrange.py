"""Rearranging copies and windows: ``flip``, ``repeat``, ``unfold`` (a view) and ``pixel_shuffle`` / ``pixel_unshuffle``."""

from __future__ import annotations

import numpy as np

from .._backend import xp
from .._tensor import Tensor, _check_shape_args
from ..autograd.function import Op
from .shape import _check_tensor, _int_dim, reshape

__all__ = ["flip", "repeat", "unfold", "pixel_shuffle", "pixel_unshuffle"]


class Flip(Op):
    """Reverse the order of elements along dims (a copy, as in PyTorch)."""

    def forward(self, x, dims):
        self.dims = dims
        return xp.flip(x._data, dims).copy()

    def backward(self, g):
        return Flip.apply(g, dims=self.dims)


def flip(input: Tensor, *args, dims=None) -> Tensor:
    """Reverse ``x`` along each of ``dims`` (a sequence, or ints as ``Tensor.flip(0, 1)``)."""
    _check_tensor("flip", input)
    if (dims is None) == (not args):
        raise TypeError("flip() missing required argument 'dims' (pos 2)" if not args else "flip(): dims given twice")
    if dims is None:
        dims = args[0] if len(args) == 1 else args
    seq = (dims,) if isinstance(dims, (int, np.integer)) and not isinstance(dims, bool) else dims
    if not isinstance(seq, (tuple, list)):
        raise TypeError(f"flip(): argument 'dims' must be tuple of ints, not {type(dims).__name__}")
    wrapped = [_int_dim(d, input.ndim, "flip", "dims") for d in seq]
    if len(set(wrapped)) != len(wrapped):
        raise RuntimeError(
            f"dim {next(d for i, d in enumerate(wrapped) if d in wrapped[:i])} appears multiple times in the list of dims"
        )
    dims = tuple(sorted(wrapped)) if input.ndim else ()
    return Flip.apply(input, dims=dims)


class Repeat(Op):
    """``Tensor.repeat``: ``x`` tiled ``sizes[i]`` times along each dimension (leading ones added)."""

    torch_name = "RepeatBackward0"

    def forward(self, x, sizes):
        self.sizes, self.in_shape = sizes, x._data.shape
        return np.tile(x._data, sizes)

    def backward(self, g):
        sizes, lead = self.sizes, len(self.sizes) - len(self.in_shape)
        shape = (1,) * lead + self.in_shape
        inter = tuple(v for r, n in zip(sizes, shape) for v in (r, n))
        from .reduction import sum as _sum  # reduction imports this module

        # a leading (added) dim sums both its repeat and its size-1 axis away
        return _sum(reshape(g, inter), tuple(range(2 * lead)) + tuple(range(2 * lead, len(inter), 2)))


def repeat(x: Tensor, *sizes) -> Tensor:
    """Tile ``x`` ``sizes[i]`` times along each dimension (PyTorch's ``Tensor.repeat``)."""
    sizes = _check_shape_args("repeat", sizes)
    if len(sizes) < x.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor")
    target = [r * n for r, n in zip(sizes, (1,) * (len(sizes) - x.ndim) + x._data.shape)]
    if any(n < 0 for n in target):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(target)}: {target}")
    # a negative repeat of an empty dimension is allowed (the result is empty either way)
    return Repeat.apply(x, sizes=tuple(max(r, 0) for r in sizes))


class UnfoldDim(Op):
    """``Tensor.unfold``: windows of ``size`` every ``step`` along ``dim``, as a new last dim (a view)."""

    is_view = True
    torch_name = "UnfoldBackward0"

    def forward(self, x, *, dim, size, step):
        a = x._data
        self.opts = (a.shape, dim, size, step)
        count = (a.shape[dim] - size) // step + 1
        shape = a.shape[:dim] + (count,) + a.shape[dim + 1 :] + (size,)
        strides = a.strides[:dim] + (a.strides[dim] * step,) + a.strides[dim + 1 :] + (a.strides[dim],)
        # read-only: windows overlap, so writing through the view would be ambiguous
        return np.lib.stride_tricks.as_strided(a, shape, strides, writeable=False)

    def backward(self, g):
        in_shape, dim, size, step = self.opts
        return UnfoldDimBackward.apply(g, in_shape=in_shape, dim=dim, size=size, step=step)


class UnfoldDimBackward(Op):
    """Adjoint of ``UnfoldDim``: every window added back where it was read, overlaps summed."""

    torch_name = "UnfoldBackwardBackward0"

    def forward(self, g, *, in_shape, dim, size, step):
        self.opts = (dim, size, step)
        windows = g._data  # (..., count, ..., size)
        count = windows.shape[dim]
        out = xp.zeros(in_shape, dtype=windows.dtype)
        lead = (slice(None),) * dim
        if size <= count:  # one strided add per offset within the window
            for j in range(size):
                out[lead + (slice(j, j + (count - 1) * step + 1, step),)] += windows[..., j]
        else:  # one add per window
            moved = np.moveaxis(windows, dim, -2)  # (..., count, size) with the rest in order
            for i in range(count):
                np.moveaxis(out[lead + (slice(i * step, i * step + size),)], dim, -1)[...] += moved[..., i, :]
        return out

    def backward(self, gg):
        dim, size, step = self.opts
        return UnfoldDim.apply(gg, dim=dim, size=size, step=step)


def unfold(x: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """All windows of ``size`` elements every ``step`` along ``dimension``, as a new last dim (a view)."""
    for pos, (name, value) in enumerate((("dimension", dimension), ("size", size), ("step", step)), 1):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer, Tensor)):
            raise TypeError(f"unfold(): argument '{name}' (position {pos}) must be int, not {type(value).__name__}")
    d = _int_dim(dimension, x.ndim, "unfold", "dimension")
    length = x.shape[d] if x.ndim else 1
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {length} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if x.ndim == 0:
        return x.reshape(1)[:size]
    return UnfoldDim.apply(x, dim=d, size=int(size), step=int(step))


def _shuffled(a: np.ndarray, r: int) -> np.ndarray:
    """(*, C*r*r, H, W) -> (*, C, H*r, W*r)."""
    *lead, c, h, w = a.shape
    blocks = a.reshape(tuple(lead) + (c // (r * r), r, r, h, w))
    k = len(lead)
    order = tuple(range(k)) + (k, k + 3, k + 1, k + 4, k + 2)
    return xp.ascontiguousarray(blocks.transpose(order)).reshape(tuple(lead) + (c // (r * r), h * r, w * r))


def _unshuffled(a: np.ndarray, r: int) -> np.ndarray:
    """(*, C, H*r, W*r) -> (*, C*r*r, H, W)."""
    *lead, c, h, w = a.shape
    blocks = a.reshape(tuple(lead) + (c, h // r, r, w // r, r))
    k = len(lead)
    order = tuple(range(k)) + (k, k + 2, k + 4, k + 1, k + 3)
    return xp.ascontiguousarray(blocks.transpose(order)).reshape(tuple(lead) + (c * r * r, h // r, w // r))


class PixelShuffle(Op):
    """(*, C*r*r, H, W) -> (*, C, H*r, W*r): channel blocks become r x r pixel blocks."""

    def forward(self, x, *, factor):
        self.factor = factor
        return _shuffled(x._data, factor)

    def backward(self, g):
        return PixelUnshuffle.apply(g, factor=self.factor)


class PixelUnshuffle(Op):
    """(*, C, H*r, W*r) -> (*, C*r*r, H, W): the inverse of ``PixelShuffle``."""

    def forward(self, x, *, factor):
        self.factor = factor
        return _unshuffled(x._data, factor)

    def backward(self, g):
        return PixelShuffle.apply(g, factor=self.factor)


def _pixel_factor(op: str, input, factor, name: str) -> int:
    """Check a pixel (un)shuffle call as PyTorch: a Tensor of >= 3 dims and a positive int factor."""
    _check_tensor(op, input)
    if not isinstance(factor, (int, np.integer)) or isinstance(factor, (bool, np.bool_)):
        raise TypeError(f"{op}(): argument '{name}' (position 2) must be int, not {type(factor).__name__}")
    if input.ndim < 3:
        raise RuntimeError(
            f"{op} expects input to have at least 3 dimensions, but got input with {input.ndim} dimension(s)"
        )
    r = int(factor)
    if r <= 0:
        raise RuntimeError(f"{op} expects a positive {name}, but got {r}")
    return r


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """Rearrange (*, C*r^2, H, W) into (*, C, H*r, W*r) with r = ``upscale_factor``."""
    r = _pixel_factor("pixel_shuffle", input, upscale_factor, "upscale_factor")
    if r * r > np.iinfo(np.int64).max:
        raise ValueError(f"upscale factor is too large, (upscale_factor)^2 overflowed: upscale_factor={r}")
    c = input.shape[-3]
    if c % (r * r):
        raise RuntimeError(
            "pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of upscale_factor, "
            f"but input.size(-3)={c} is not divisible by {r * r}"
        )
    return PixelShuffle.apply(input, factor=r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """Rearrange (*, C, H*r, W*r) into (*, C*r^2, H, W) with r = ``downscale_factor``."""
    r = _pixel_factor("pixel_unshuffle", input, downscale_factor, "downscale_factor")
    for name, i in (("height", -2), ("width", -1)):
        if input.shape[i] % r:
            raise RuntimeError(
                f"pixel_unshuffle expects {name} to be divisible by downscale_factor, but input.size({i})="
                f"{input.shape[i]} is not divisible by {r}"
            )
    # PyTorch returns an empty input as it is (a copy), whatever the factor
    return PixelUnshuffle.apply(input, factor=r if input.numel() else 1)
