"""Convolution kernels on arrays: im2col on window views + GEMM, col2im, weight gradient.

Layout: input (N, C, *spatial), weight (C_out, C_in/groups, *kernel). Padding is a list
of ``(before, after)`` pairs per spatial dim. Groups are a batch dimension of matmul.
Nothing here records gradients; scratch buffers come from a small cache because nothing
saves them for backward.
"""

from __future__ import annotations

import math

import numpy as np

from .._backend import xp
from .windows import output_size, pad_spatial, window_view

__all__ = ["conv_nd", "conv_transpose_nd", "conv_weight_nd", "workspace"]

_CACHE: dict = {}
_CACHE_LIMIT = 4
# bound on the im2col buffer: the batch is processed in chunks of whole items so that the
# columns stay cache-sized and peak memory stays near the input's own size
_CHUNK_BYTES = 4 << 20


def workspace(shape: tuple, dtype, tag: str = "cols") -> np.ndarray:
    """A reusable scratch buffer (never returned to callers, never saved for backward)."""
    key = (tag, shape, np.dtype(dtype).str)
    buf = _CACHE.get(key)
    if buf is None:
        if len(_CACHE) >= _CACHE_LIMIT:
            _CACHE.pop(next(iter(_CACHE)))
        buf = _CACHE[key] = xp.empty(shape, dtype=dtype)
    return buf


def _chunks(n: int, item_bytes: int):
    """Batch slices of whole items whose columns fit in ``_CHUNK_BYTES``."""
    step = max(1, _CHUNK_BYTES // max(item_bytes, 1))
    return [slice(i, min(i + step, n)) for i in range(0, n, step)], min(step, n)


def _im2col(xpad, kernel, stride, dilation, groups, out_shape, rows):
    """Columns (B, G, Cg*K, L) of an already padded input chunk, output positions innermost."""
    b, c = xpad.shape[:2]
    k = len(kernel)
    win = window_view(xpad, kernel, stride, dilation, out_shape)  # (B, C, *out, *k)
    # reorder to (B, C, *k, *out) so each kernel offset's output positions are contiguous
    win = win.transpose((0, 1) + tuple(range(2 + k, win.ndim)) + tuple(range(2, 2 + k)))
    kk, ll = math.prod(kernel), math.prod(out_shape)
    buf = workspace((rows, groups, (c // groups) * kk, ll), xpad.dtype)[:b]
    np.copyto(buf.reshape(win.shape), win)
    return buf


def _out_shape(spatial, kernel, stride, pads, dilation):
    return tuple(
        output_size(s, kk, st, b + a, d) for s, kk, st, (b, a), d in zip(spatial, kernel, stride, pads, dilation)
    )


def conv_nd(x, w, stride, pads, dilation, groups, out_shape=None):
    """Cross-correlation of ``x`` with ``w`` (PyTorch's convolution), no bias."""
    kernel = tuple(w.shape[2:])
    out_shape = tuple(out_shape) if out_shape is not None else _out_shape(x.shape[2:], kernel, stride, pads, dilation)
    n, c = x.shape[:2]
    cout = w.shape[0]
    wm = xp.ascontiguousarray(w).reshape(groups, cout // groups, -1)
    xpad = pad_spatial(x, pads)
    ll = math.prod(out_shape)
    out = xp.empty((n, groups, cout // groups, ll), dtype=np.result_type(x.dtype, w.dtype))
    chunks, rows = _chunks(n, c * math.prod(kernel) * ll * x.itemsize)
    for sl in chunks:
        cols = _im2col(xpad[sl], kernel, stride, dilation, groups, out_shape, rows)
        xp.matmul(wm, cols, out=out[sl])
    return out.reshape((n, cout) + out_shape)


def conv_transpose_nd(g, w, stride, pads, dilation, groups, out_spatial):
    """Adjoint of ``conv_nd`` in its input: maps (N, C_out, *o) to (N, C_in, *out_spatial)."""
    # gradients often arrive as broadcast views (zero strides); BLAS needs real strides
    g = xp.ascontiguousarray(g)
    n, cout = g.shape[:2]
    kernel = tuple(w.shape[2:])
    cg = w.shape[1]
    cin = cg * groups
    osp = tuple(g.shape[2:])
    ll, kk = math.prod(osp), math.prod(kernel)
    wm = xp.ascontiguousarray(w).reshape(groups, cout // groups, cg * kk).transpose(0, 2, 1)
    gm = g.reshape(n, groups, cout // groups, ll)
    out = xp.zeros((n, cin) + tuple(out_spatial), dtype=g.dtype)
    # col2im straight into the unpadded output: per kernel offset, the output positions
    # whose input position falls inside (not in the padding) form one strided slice
    ranges = [
        [_clip_range(j, st, d, b, size, o) for j in range(kq)]
        for kq, st, d, (b, _), size, o in zip(kernel, stride, dilation, pads, out_spatial, osp)
    ]
    moves = []
    for off in np.ndindex(*kernel):
        rs = [ranges[i][j] for i, j in enumerate(off)]
        if all(r is not None for r in rs):
            moves.append((tuple(r[0] for r in rs), off + tuple(r[1] for r in rs)))
    everything = (slice(None), slice(None))
    chunks, rows = _chunks(n, cin * kk * ll * g.itemsize)
    for sl in chunks:
        cols = workspace((rows, groups, cg * kk, ll), g.dtype)[: sl.stop - sl.start]
        xp.matmul(wm, gm[sl], out=cols)
        cols = cols.reshape((-1, cin) + kernel + osp)
        dst_all = out[sl]
        for dst, src in moves:
            dst_all[everything + dst] += cols[everything + src]
    return out


def _clip_range(j, st, d, lo, size, count):
    """(destination slice, source slice) of kernel offset ``j`` along one dim, or None."""
    shift = j * d - lo  # input position of output 0
    first = -(shift // st) if shift < 0 else 0  # ceil(-shift / st): first position inside
    last = min(count - 1, (size - 1 - shift) // st)
    if first > last:
        return None
    start = first * st + shift
    return slice(start, start + (last - first) * st + 1, st), slice(first, last + 1)


def conv_weight_nd(x, g, kernel, stride, pads, dilation, groups):
    """Gradient of ``conv_nd`` in its weight: sum over N and positions of g * windows of x."""
    g = xp.ascontiguousarray(g)
    kernel = tuple(kernel)
    n, cin = x.shape[:2]
    cout = g.shape[1]
    osp = tuple(g.shape[2:])
    ll = math.prod(osp)
    gm = g.reshape(n, groups, cout // groups, ll)
    xpad = pad_spatial(x, pads)
    out = None
    chunks, rows = _chunks(n, cin * math.prod(kernel) * ll * x.itemsize)
    for sl in chunks:
        cols = _im2col(xpad[sl], kernel, stride, dilation, groups, osp, rows)  # (B, G, CgK, L)
        # batched GEMM with the columns transposed by strides (BLAS takes it without a copy),
        # then a small sum over the chunk; far cheaper than tensordot's transposing copies
        part = xp.matmul(gm[sl], cols.transpose(0, 1, 3, 2)).sum(axis=0)
        out = part if out is None else out.__iadd__(part)
    return out.reshape((cout, cin // groups) + kernel)
