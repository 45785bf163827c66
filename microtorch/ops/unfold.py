"""``unfold`` (im2col) and ``fold`` (col2im) with PyTorch's arguments: the convolution's columns, exposed.

``unfold`` maps (N, C, H, W) to (N, C*kH*kW, L): column ``l`` holds the window of output
position ``l`` (row-major), rows ordered channel first, then kernel offsets row-major.
``fold`` is its adjoint: it adds every column back into its window, summing overlaps.
Each is the other's gradient, so double backward is native.
"""

from __future__ import annotations

import math

import numpy as np

from .._backend import xp
from .._tensor import Tensor
from ..autograd.function import Op
from ..kernels.windows import is_int, pad_spatial, sum_windows, window_arg, window_view

__all__ = ["fold", "unfold"]

_DIMS = 2  # PyTorch's unfold / fold are 2-D only


def _blocks(spatial, kernel, dilation, padding, stride) -> tuple:
    """Sliding blocks per dim (may be < 1 for bad geometry, which the callers report)."""
    return tuple(
        (s + 2 * p - d * (k - 1) - 1) // st + 1 for s, k, d, p, st in zip(spatial, kernel, dilation, padding, stride)
    )


def unfold_array(x: np.ndarray, kernel, dilation, padding, stride) -> np.ndarray:
    """Columns (N, C*K, L) of a batched array (no autograd)."""
    n, c = x.shape[:2]
    k = len(kernel)
    blocks = _blocks(x.shape[2:], kernel, dilation, padding, stride)
    xpad = xp.ascontiguousarray(pad_spatial(x, [(p, p) for p in padding]))
    win = window_view(xpad, tuple(kernel), stride, dilation, blocks)  # (N, C, *blocks, *kernel)
    order = (0, 1) + tuple(range(2 + k, 2 + 2 * k)) + tuple(range(2, 2 + k))
    return win.transpose(order).reshape(n, c * math.prod(kernel), math.prod(blocks))


def fold_array(cols: np.ndarray, out_spatial, kernel, dilation, padding, stride) -> np.ndarray:
    """Sum of columns (N, C*K, L) back into (N, C, *out_spatial) (no autograd)."""
    n = cols.shape[0]
    c = cols.shape[1] // math.prod(kernel)
    blocks = _blocks(out_spatial, kernel, dilation, padding, stride)
    cols = cols.reshape((n, c) + tuple(kernel) + blocks)
    pads = [(p, p) for p in padding]
    return sum_windows(
        (n, c),
        out_spatial,
        pads,
        kernel,
        stride,
        dilation,
        blocks,
        lambda j, off: cols[(slice(None), slice(None)) + off],
        cols.dtype,
    )


class Unfold(Op):
    """im2col: (N, C, H, W) -> (N, C*kH*kW, L)."""

    torch_name = "Im2ColBackward0"

    def forward(self, x, *, kernel, dilation, padding, stride):
        self.opts = (kernel, dilation, padding, stride)
        self.spatial = x._data.shape[2:]
        return unfold_array(x._data, kernel, dilation, padding, stride)

    def backward(self, g):
        return Fold.apply(g, out_spatial=self.spatial, **_named(self.opts))


class Fold(Op):
    """col2im: (N, C*kH*kW, L) -> (N, C, *out_spatial), overlaps summed."""

    torch_name = "Col2ImBackward0"

    def forward(self, cols, *, out_spatial, kernel, dilation, padding, stride):
        self.opts = (kernel, dilation, padding, stride)
        return fold_array(cols._data, out_spatial, kernel, dilation, padding, stride)

    def backward(self, g):
        return Unfold.apply(g, **_named(self.opts))


def _named(opts) -> dict:
    kernel, dilation, padding, stride = opts
    return {"kernel": kernel, "dilation": dilation, "padding": padding, "stride": stride}


# --- argument checks ------------------------------------------------------------------


def _pair(value, name: str, op: str) -> tuple:
    """An int or a sequence of exactly two ints (PyTorch accepts nothing else here)."""
    vals = window_arg(value, name, op)
    if len(vals) == 1 and is_int(value):
        return vals * 2
    if len(vals) != _DIMS:
        raise RuntimeError(f"It is expected {name} equals to 2, but got size {len(vals)}")
    return vals


def _check_geometry(kernel, dilation, padding, stride) -> None:
    checks = [
        (kernel, lambda v: v > 0, "kernel size should be greater than zero", "kernel"),
        (dilation, lambda v: v > 0, "dilation should be greater than zero", "dilation"),
        (padding, lambda v: v >= 0, "padding should be non-negative", "pad"),
        (stride, lambda v: v > 0, "stride should be greater than zero", "stride"),
    ]
    for vals, ok, text, label in checks:
        if not all(ok(v) for v in vals):
            raise RuntimeError(f"{text}, but got {label}_height: {vals[0]} {label}_width: {vals[1]}")


def _check_float(t: Tensor, kernel_name: str) -> None:
    """Float and bool, as PyTorch's CPU im2col / col2im (bool overlaps combine as logical or)."""
    if t._data.dtype.kind not in "fb":
        names = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}
        raise NotImplementedError(
            f"\"{kernel_name}\" not implemented for '{names.get(t._data.dtype.name, t._data.dtype.name)}'"
        )


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Sliding local blocks of a (N, C, H, W) or (C, H, W) tensor as columns (N, C*kH*kW, L)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"unfold(): argument 'input' must be Tensor, not {type(input).__name__}")
    kernel = _pair(kernel_size, "kernel_size", "unfold")
    dilation = _pair(dilation, "dilation", "unfold")
    padding = _pair(padding, "padding", "unfold")
    stride = _pair(stride, "stride", "unfold")
    if input.ndim < 3:
        raise IndexError(
            f"unfold: Dimension out of range (expected a (C, H, W) or (N, C, H, W) input, got {input.ndim} dims)"
        )
    shape = tuple(input.shape)
    if input.ndim > 4 or any(s == 0 for s in shape[-3:]):
        raise RuntimeError(
            "Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero dimensions for "
            f"input, but got: {list(shape)}"
        )
    _check_geometry(kernel, dilation, padding, stride)
    _check_float(input, "im2col_out_cpu")
    blocks = _blocks(shape[-2:], kernel, dilation, padding, stride)
    if any(b < 1 for b in blocks):
        raise RuntimeError(
            f"Given input with spatial size {tuple(shape[-2:])}, kernel_size={kernel}, dilation={dilation}, "
            f"padding={padding}, calculated shape of the array of sliding blocks as {blocks}, but its components "
            "must be at least one."
        )
    unbatched = input.ndim == 3
    x = input.unsqueeze(0) if unbatched else input
    out = Unfold.apply(x, kernel=kernel, dilation=dilation, padding=padding, stride=stride)
    return out.squeeze(0) if unbatched else out


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Sum columns (N, C*kH*kW, L) back into a (N, C, *output_size) tensor: the adjoint of ``unfold``."""
    if not isinstance(input, Tensor):
        raise TypeError(f"fold(): argument 'input' must be Tensor, not {type(input).__name__}")
    out_spatial = _pair(output_size, "output_size", "fold")
    kernel = _pair(kernel_size, "kernel_size", "fold")
    dilation = _pair(dilation, "dilation", "fold")
    padding = _pair(padding, "padding", "fold")
    stride = _pair(stride, "stride", "fold")
    shape = tuple(input.shape)
    if input.ndim not in (2, 3) or any(s == 0 for s in shape[-2:]):
        raise RuntimeError(
            "Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero dimensions "
            f"for input, but got: {list(shape)}"
        )
    _check_geometry(kernel, dilation, padding, stride)
    _check_float(input, "col2im_out_cpu")
    kk = kernel[0] * kernel[1]
    if shape[-2] % kk:
        raise RuntimeError(
            "Expected size of input's dimension 1 to be divisible by the product of kernel_size, but got "
            f"input.size(1)={shape[-2]} and kernel_size={kernel}."
        )
    blocks = _blocks(out_spatial, kernel, dilation, padding, stride)
    if any(b < 1 for b in blocks) or blocks[0] * blocks[1] != shape[-1]:
        raise RuntimeError(
            f"Given output_size={out_spatial}, kernel_size={kernel}, dilation={dilation}, padding={padding}, "
            f"stride={stride}, expected size of input's dimension 2 to match the calculated number of sliding "
            f"blocks {blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, but got input.size(2)={shape[-1]}."
        )
    unbatched = input.ndim == 2
    x = input.unsqueeze(0) if unbatched else input
    out = Fold.apply(x, out_spatial=out_spatial, kernel=kernel, dilation=dilation, padding=padding, stride=stride)
    return out.squeeze(0) if unbatched else out
