"""Depthwise convolution gradients (groups == C_in == C_out) as shifted multiply-adds.

``kernels.conv`` sends depthwise gradients here when ``_DEPTHWISE`` is on (pure numpy, no
autograd).
"""

from __future__ import annotations

import math

import numpy as np

from .._backend import xp
from .buffers import fresh_copy, fresh_zeros
from .conv import _Block, _flat_view, _FlatGrid, workspace
from .windows import pad_spatial, sum_windows, window_view

# --- depthwise gradients (groups == C_in == C_out): multiply-adds of shifted rows --------
#
# One input and one output channel per group makes every GEMM of the input and weight
# gradients a 1-row product that BLAS runs far below speed, after a K-fold copy. Instead
# each kernel offset is one broadcast multiply-add of a shifted view of the flat grid
# (stride 1) or a strided add of windows (other strides), and no columns are built. The
# forward is left on the GEMM routes, which measured as fast or faster for it.


def _depthwise_blocks(grid: _FlatGrid, itemsize: int, largest: int) -> list[_Block]:
    """Blocks whose spread gradient and temporary (C rows per item each) fit the chunk budget."""
    return grid.blocks(2 * grid.c, itemsize, largest)


def _depthwise_weight_stride1(x, g, kernel, pads, dilation):
    """Weight gradient of a depthwise stride-1 convolution: one channel-wise dot product per offset."""
    n, c = x.shape[:2]
    grid = _FlatGrid(x.shape, kernel, pads, dilation, tuple(g.shape[2:]), fold=False)
    flat = grid.flat_input(x)
    item = c * grid.channel
    offsets = grid.offsets()
    out = xp.zeros((c, len(offsets)), dtype=np.result_type(x.dtype, g.dtype))
    for blk in _depthwise_blocks(grid, x.itemsize, max(x.nbytes, g.nbytes)):
        length = grid.columns_of(blk)
        shape = (blk.count, c, length)
        gm = grid.spread(g, blk, c).reshape(shape)
        base = blk.start * item + blk.r0 * grid.rowlen
        for j, shift in enumerate(offsets):
            view = _flat_view(flat, base + shift, shape, (item, grid.channel, 1))
            out[:, j] += xp.einsum("ncl,ncl->c", gm, view)
    return out.reshape((c, 1) + tuple(kernel))


def _depthwise_transpose_stride1(g, w, pads, dilation, out_spatial):
    """Input gradient of a depthwise stride-1 convolution: one shifted multiply-add per offset."""
    n, c = g.shape[:2]
    kernel = tuple(w.shape[2:])
    grid = _FlatGrid((n, c) + out_spatial, kernel, pads, dilation, tuple(g.shape[2:]), fold=False)
    size = n * c * grid.channel
    flat = fresh_zeros((size + grid.slack,), g.dtype)
    item = c * grid.channel
    taps = xp.ascontiguousarray(w).reshape(c, -1).astype(g.dtype, copy=False)
    for blk in _depthwise_blocks(grid, g.itemsize, max(g.nbytes, flat.nbytes)):
        length = grid.columns_of(blk)
        shape = (blk.count, c, length)
        gm = grid.spread(g, blk, c).reshape(shape)  # zero at the garbage columns
        tmp = workspace(shape, g.dtype, "cols")
        base = blk.start * item + blk.r0 * grid.rowlen
        for j, shift in enumerate(grid.offsets()):
            xp.multiply(gm, taps[:, j, None], out=tmp)
            _flat_view(flat, base + shift, shape, (item, grid.channel, 1))[...] += tmp
    body = flat[:size].reshape((n, c) + grid.padded)
    inner = tuple(slice(b, b + s) for s, (b, _) in zip(out_spatial, pads))
    return fresh_copy(body[(Ellipsis,) + inner])


# Other strides: the same over strided window views of the padded input.


def _depthwise_windows(x, kernel, stride, pads, dilation, out_shape):
    """(N, C, *out, *kernel) window view of the zero-padded input."""
    xpad = xp.ascontiguousarray(pad_spatial(x, pads))
    return window_view(xpad, kernel, stride, dilation, out_shape)


def _depthwise_weight_strided(x, g, kernel, stride, pads, dilation):
    """Weight gradient of a depthwise convolution, any stride."""
    c = x.shape[1]
    win = _depthwise_windows(x, kernel, stride, pads, dilation, tuple(g.shape[2:]))
    out = xp.empty((c, math.prod(kernel)), dtype=np.result_type(x.dtype, g.dtype))
    axes = "nc" + "xyz"[: len(kernel)]
    for j, off in enumerate(np.ndindex(*kernel)):
        out[:, j] = xp.einsum(f"{axes},{axes}->c", g, win[(Ellipsis,) + off])
    return out.reshape((c, 1) + kernel)


def _depthwise_transpose_strided(g, w, stride, pads, dilation, out_spatial):
    """Input gradient of a depthwise convolution, any stride: one strided add per kernel offset."""
    n, c = g.shape[:2]
    kernel = tuple(w.shape[2:])
    k = len(kernel)
    osp = tuple(g.shape[2:])
    taps = xp.ascontiguousarray(w).reshape((c, -1) + (1,) * k).astype(g.dtype, copy=False)
    tmp = xp.empty(g.shape, dtype=g.dtype)
    return sum_windows(
        (n, c),
        out_spatial,
        pads,
        kernel,
        stride,
        dilation,
        osp,
        lambda j, off: xp.multiply(g, taps[:, j], out=tmp),
        g.dtype,
    )
