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
_CACHE_BYTES = 24 << 20  # cached scratch kept between calls, oldest dropped first
# bound on the im2col buffer: the batch is processed in chunks of whole items so that the
# columns stay cache-sized and peak memory stays near the input's own size
_CHUNK_BYTES = 4 << 20


def workspace(shape: tuple, dtype, tag="cols", zeroed: bool = False) -> np.ndarray:
    """A reusable scratch buffer (never returned to callers, never saved for backward).

    ``zeroed`` buffers are created filled with zeros; callers that ask for one must only
    ever write the part of it their ``tag`` names, so the rest stays zero between calls.
    """
    key = (tag, shape, np.dtype(dtype).str)
    buf = _CACHE.get(key)
    if buf is None:
        need = math.prod(shape) * np.dtype(dtype).itemsize
        while _CACHE and sum(b.nbytes for b in _CACHE.values()) + need > _CACHE_BYTES:
            _CACHE.pop(next(iter(_CACHE)))
        buf = _CACHE[key] = (xp.zeros if zeroed else xp.empty)(shape, dtype=dtype)
    else:
        _CACHE[key] = _CACHE.pop(key)  # most recently used last
    return buf


def _chunks(n: int, item_bytes: int):
    """Batch slices of whole items whose columns fit in ``_CHUNK_BYTES``, sizes differing by at most one."""
    if n == 0:
        return [], 0
    step = max(1, _CHUNK_BYTES // max(item_bytes, 1))
    base, extra = divmod(n, -(-n // step))
    sizes = [base + 1] * extra + [base] * (-(-n // step) - extra)
    starts = np.cumsum([0] + sizes).tolist()
    return [slice(a, b) for a, b in zip(starts, starts[1:])], sizes[0]


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
    if all(s == 1 for s in stride):
        return _conv_stride1(x, w, pads, dilation, groups, out_shape)
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
    if all(s == 1 for s in stride):
        return _conv_transpose_stride1(g, w, pads, dilation, groups, out_spatial)
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
    if all(s == 1 for s in stride):
        return _conv_weight_stride1(x, g, kernel, pads, dilation, groups)
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
    if out is None:  # empty batch
        return xp.zeros((cout, cin // groups) + kernel, dtype=np.result_type(x.dtype, g.dtype))
    return out.reshape((cout, cin // groups) + kernel)


# --- stride 1: im2col as shifted rows of a flat padded grid ----------------------------
#
# With stride 1 the window at output position o reads x_pad[o + d*j]. Laid out flat per
# channel, kernel offset j is a constant shift of the flat index, so every im2col row is
# one contiguous run (memcpy speed) instead of a pattern of short strided runs. The price:
# outputs are computed on the padded grid's rows (every spatial dim but the first at its
# padded width) and the valid ones cropped out afterwards.
#
# Two column layouts: "per item" (B, G, Cg*K, L), one GEMM per item, used when each item
# has many columns and no crop is needed (1-D); "folded" (G, Cg*K, B*L), one GEMM per
# group for the whole chunk, far better for small per-item GEMMs, its output transposed
# back to (B, C, ...) by the crop copy that 2-D and 3-D need anyway.

_FOLD_BELOW = 512  # 1-D: fold the batch into the GEMM's columns below this many columns per item


def _flat_view(flat: np.ndarray, offset: int, shape: tuple, strides: tuple) -> np.ndarray:
    """A strided view into the 1-D contiguous ``flat`` (offset and strides in elements).

    Built with the ndarray constructor: ``as_strided`` costs ~8 us a call, too much for
    the per-kernel-offset views of col2im.
    """
    it = flat.itemsize
    return np.ndarray(shape, flat.dtype, flat, offset * it, tuple(st * it for st in strides))


class _FlatGrid:
    """Geometry of a stride-1 convolution over a flat, zero-padded input."""

    def __init__(self, x_shape, kernel, pads, dilation, out_shape=None):
        self.n, self.c = x_shape[:2]
        self.kernel = tuple(kernel)
        self.pads = pads
        self.padded = tuple(s + b + a for s, (b, a) in zip(x_shape[2:], pads))
        natural = tuple(p - d * (k - 1) for p, k, d in zip(self.padded, self.kernel, dilation))
        self.out = tuple(out_shape) if out_shape is not None else natural
        self.channel = math.prod(self.padded)
        self.length = self.out[0] * math.prod(self.padded[1:])  # columns per item, garbage ones included
        pstrides = [math.prod(self.padded[i + 1 :]) for i in range(len(self.padded))]
        self.shifts = tuple(d * ps for d, ps in zip(dilation, pstrides))
        # the last channel's windows read this far past its end (for garbage columns only)
        self.slack = sum((k - 1) * sh for k, sh in zip(self.kernel[1:], self.shifts[1:]))
        self.cropped = len(self.kernel) > 1
        self.folded = self.length < _FOLD_BELOW

    def offsets(self) -> list[int]:
        """Flat shift of each kernel offset, in weight order."""
        return [sum(j * sh for j, sh in zip(off, self.shifts)) for off in np.ndindex(*self.kernel)]

    def valid(self, arr, count: int, channels: int):
        """View of the valid outputs of a GEMM result, as (count, channels, *out).

        ``arr`` is (channels, count*length) when folded, else (count, channels*length).
        """
        grid = (self.out[0],) + self.padded[1:]
        if self.folded:
            view = arr.reshape((channels, count) + grid).swapaxes(0, 1)
        else:
            view = arr.reshape((count, channels) + grid)
        return view[(Ellipsis,) + tuple(slice(0, o) for o in self.out[1:])]

    def flat_input(self, x):
        """``x`` zero-padded and flattened, followed by ``slack`` zeros."""
        if not self.slack and not any(b or a for b, a in self.pads) and x.flags.c_contiguous:
            return x.reshape(-1)
        size = self.n * self.c * self.channel
        flat = xp.zeros(size + self.slack, dtype=x.dtype)
        body = flat[:size].reshape((self.n, self.c) + self.padded)
        body[(Ellipsis,) + tuple(slice(b, b + s) for s, (b, _) in zip(x.shape[2:], self.pads))] = x
        return flat

    def columns(self, flat, start: int, count: int, groups: int):
        """im2col of items ``start:start+count`` in this grid's layout, with one copy."""
        item = self.c * self.channel
        shape = (count, self.c) + self.kernel + (self.length,)
        view = _flat_view(flat, start * item, shape, (item, self.channel) + self.shifts + (1,))
        rows = (self.c // groups) * math.prod(self.kernel)
        if self.folded:
            buf = workspace((groups, rows, count * self.length), flat.dtype)
            np.copyto(
                buf.reshape(self.c, -1, count, self.length),
                view.reshape(count, self.c, -1, self.length).transpose(1, 2, 0, 3),
            )
        else:
            buf = workspace((self.rows, groups, rows, self.length), flat.dtype)[:count]
            np.copyto(buf.reshape(shape), view)
        return buf

    def spread(self, g, start: int, count: int, groups: int):
        """Output gradient items in the column layout, zero at the garbage columns."""
        cout = g.shape[1]
        if not self.cropped and not self.folded:
            return g[start : start + count].reshape(count, groups, cout // groups, self.length)
        # only the valid part of the cached buffer is ever written, so the rest stays zero
        tag = ("spread", self.out, self.padded)
        if self.folded:
            buf = workspace((groups, cout // groups, count * self.length), g.dtype, tag, zeroed=True)
        else:
            buf = workspace((self.rows, groups, cout // groups, self.length), g.dtype, tag, zeroed=True)[:count]
        np.copyto(self.valid(buf, count, cout), g[start : start + count])
        return buf

    def chunks(self, rows_per_item: int, itemsize: int):
        """Batch slices whose columns fit in the chunk budget."""
        slices, self.rows = _chunks(self.n, rows_per_item * self.length * itemsize)
        return slices


def _crop_negative_pads(x, pads):
    """Negative padding crops: returns (x sliced, pads clipped at zero)."""
    if all(b >= 0 and a >= 0 for b, a in pads):
        return x, pads
    index = (Ellipsis,) + tuple(slice(max(0, -b), s - max(0, -a)) for s, (b, a) in zip(x.shape[2:], pads))
    return x[index], [(max(0, b), max(0, a)) for b, a in pads]


def _conv_stride1(x, w, pads, dilation, groups, out_shape=None):
    """``conv_nd`` for stride 1 on the flat grid (pads may be negative: that crops ``x``)."""
    x, pads = _crop_negative_pads(x, pads)
    kernel = tuple(w.shape[2:])
    grid = _FlatGrid(x.shape, kernel, pads, dilation, out_shape)
    n, c = x.shape[:2]
    cout = w.shape[0]
    mg = cout // groups
    wm = xp.ascontiguousarray(w).reshape(groups, mg, -1)
    flat = grid.flat_input(x)
    dtype = np.result_type(x.dtype, w.dtype)
    out = xp.empty((n, cout) + grid.out, dtype=dtype)
    for sl in grid.chunks(c * math.prod(kernel), x.itemsize):
        count = sl.stop - sl.start
        cols = grid.columns(flat, sl.start, count, groups)
        if grid.folded:
            res = workspace((groups, mg, count * grid.length), dtype, "res")
            xp.matmul(wm, cols, out=res)
            np.copyto(out[sl], grid.valid(res, count, cout))
        elif grid.cropped:
            res = workspace((grid.rows, groups, mg, grid.length), dtype, "res")[:count]
            xp.matmul(wm, cols, out=res)
            np.copyto(out[sl], grid.valid(res, count, cout))
        else:
            xp.matmul(wm, cols, out=out[sl].reshape(count, groups, mg, grid.length))
    return out


def _conv_transpose_stride1(g, w, pads, dilation, groups, out_spatial):
    """Stride-1 transposed convolution (the input gradient of a stride-1 convolution).

    With few result channels per group it is a GEMM then shifted adds (col2im) on the flat
    grid; otherwise a convolution of ``g`` with the flipped kernel, whose GEMM is larger.
    """
    cout, cg = w.shape[:2]
    if cg <= _SCATTER_MAX_CHANNELS:
        return _col2im_stride1(g, w, pads, dilation, groups, out_spatial)
    kernel = tuple(w.shape[2:])
    k = len(kernel)
    mg = cout // groups
    # (G*Mg, Cg, *k) -> (G*Cg, Mg, *k), each kernel reversed along every spatial dim
    wt = w.reshape((groups, mg, cg) + kernel).swapaxes(1, 2).reshape((groups * cg, mg) + kernel)
    wt = wt[(Ellipsis,) + (slice(None, None, -1),) * k]
    new_pads = []
    for i in range(k):
        span = dilation[i] * (kernel[i] - 1)
        before = span - pads[i][0]
        new_pads.append((before, out_spatial[i] - g.shape[2 + i] - before + span))
    return _conv_stride1(g, wt, new_pads, dilation, groups)


_SCATTER_MAX_CHANNELS = 4  # measured: the flipped-kernel GEMM wins from about 8 channels per group


def _col2im_stride1(g, w, pads, dilation, groups, out_spatial):
    """Stride-1 transposed convolution as one GEMM to columns, then one shifted add per kernel offset."""
    g = xp.ascontiguousarray(g)
    n, cout = g.shape[:2]
    kernel = tuple(w.shape[2:])
    cg = w.shape[1]
    cin = cg * groups
    mg = cout // groups
    kk = math.prod(kernel)
    grid = _FlatGrid((n, cin) + tuple(out_spatial), kernel, pads, dilation, tuple(g.shape[2:]))
    wt = xp.ascontiguousarray(w).reshape(groups, mg, cg * kk).transpose(0, 2, 1)
    size = n * cin * grid.channel
    flat = xp.zeros(size + grid.slack, dtype=g.dtype)
    item = cin * grid.channel
    offsets = grid.offsets()
    for sl in grid.chunks(cin * kk, flat.itemsize):
        count = sl.stop - sl.start
        gm = grid.spread(g, sl.start, count, groups)
        if grid.folded:
            cols = workspace((groups, cg * kk, count * grid.length), g.dtype)
            xp.matmul(wt, gm, out=cols)
            cols = cols.reshape(cin, kk, count, grid.length).transpose(2, 0, 1, 3)
        else:
            cols = workspace((grid.rows, groups, cg * kk, grid.length), g.dtype)[:count]
            xp.matmul(wt, gm, out=cols)
            cols = cols.reshape(count, cin, kk, grid.length)
        # columns are zero at garbage positions (the spread gradient is), so adding them
        # whole only ever puts zeros outside the valid windows
        base = sl.start * item
        for j, shift in enumerate(offsets):
            dst = _flat_view(flat, base + shift, (count, cin, grid.length), (item, grid.channel, 1))
            dst += cols[:, :, j]
    body = flat[:size].reshape((n, cin) + grid.padded)
    inner = tuple(slice(b, b + s) for s, (b, _) in zip(out_spatial, pads))
    return np.ascontiguousarray(body[(Ellipsis,) + inner])


def _conv_weight_stride1(x, g, kernel, pads, dilation, groups):
    """``conv_weight_nd`` for stride 1 on the flat grid."""
    g = xp.ascontiguousarray(g)
    c = x.shape[1]
    cout = g.shape[1]
    grid = _FlatGrid(x.shape, kernel, pads, dilation, tuple(g.shape[2:]))
    flat = grid.flat_input(x)
    out = None
    for sl in grid.chunks(c * math.prod(kernel), x.itemsize):
        count = sl.stop - sl.start
        cols = grid.columns(flat, sl.start, count, groups)
        gm = grid.spread(g, sl.start, count, groups)
        part = xp.matmul(gm, cols.swapaxes(-1, -2))
        if not grid.folded:
            part = part.sum(axis=0)
        out = part if out is None else out.__iadd__(part)
    if out is None:  # empty batch
        return xp.zeros((cout, c // groups) + tuple(kernel), dtype=np.result_type(x.dtype, g.dtype))
    return out.reshape((cout, c // groups) + tuple(kernel))
