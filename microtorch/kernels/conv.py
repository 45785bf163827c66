"""Convolution kernels on arrays: the forward (``conv_nd``), the input gradient, which is
also the transposed convolution (``conv_transpose_nd``), and the weight gradient
(``conv_weight_nd``).

Each picks a route by size and geometry (docs/internals.md, "Convolution kernels"):
small problems take the fewest numpy calls; stride 1 runs im2col as contiguous shifted
rows of a flat padded grid; depthwise gradients are multiply-adds of shifted views; other
strides run im2col on strided window views. All end in batched GEMMs except the
depthwise gradients.

Layout: input (N, C, *spatial), weight (C_out, C_in/groups, *kernel). Padding is a list
of ``(before, after)`` pairs per spatial dim. Groups are a batch dimension of matmul.
Nothing here records gradients; scratch comes from per-thread arenas because nothing
saves it for backward.
"""

from __future__ import annotations

import math
import threading
from typing import NamedTuple

import numpy as np

from .._backend import xp
from .buffers import fresh, fresh_copy, fresh_zeros
from .conv_gemm import forward_gemm, weight_gemm, weight_result
from .windows import output_size, pad_spatial, window_view

__all__ = ["arenas", "conv_nd", "conv_transpose_nd", "conv_weight_nd", "workspace"]

# Scratch arenas, one per role ("cols", "res", "spread"), each a flat buffer grown to the
# largest request and viewed in whatever shape the call needs: convolutions of different
# shapes (forward, input and weight gradients) then share one buffer per role instead of
# each keeping its own. Requests over ``_CACHE_BYTES`` get a fresh buffer, never kept.
# Arenas are per thread: numpy releases the GIL inside copies and GEMMs, so two threads
# running convolutions at once must never share scratch.
_LOCAL = threading.local()
_CACHE_BYTES = 8 << 20
# the batch is processed in chunks of whole items so that the columns stay cache-sized;
# the budget per chunk shrinks with the call's own arrays so that scratch never
# dominates the peak memory of a small convolution
_CHUNK_BYTES = 4 << 20
_CHUNK_MIN_BYTES = 1 << 20


def arenas() -> dict:
    """This thread's scratch arenas, by (role, dtype)."""
    found = getattr(_LOCAL, "arenas", None)
    if found is None:
        found = _LOCAL.arenas = {}
    return found


def workspace(shape: tuple, dtype, tag: str = "cols") -> np.ndarray:
    """A reusable scratch buffer for one role (never returned to callers, never saved for backward).

    Two buffers alive at once in one call must have different tags.
    """
    dtype = np.dtype(dtype)
    size = math.prod(shape)
    if size * dtype.itemsize > _CACHE_BYTES:
        return xp.empty(shape, dtype=dtype)
    key = (tag, dtype.str)
    cache = arenas()
    arena = cache.get(key)
    if arena is None or arena.size < size:
        cache.pop(key, None)  # let the old arena go before the new one is made
        arena = cache[key] = xp.empty(size, dtype=dtype)
    return arena[:size].reshape(shape)


def _chunk_budget(largest_bytes: int) -> int:
    """Bytes of columns per chunk: half the call's largest array, within fixed bounds."""
    return max(_CHUNK_MIN_BYTES, min(_CHUNK_BYTES, largest_bytes // 2))


def _chunks(n: int, item_bytes: int, budget: int | None = None):
    """Batch slices of whole items whose columns fit in ``budget``, sizes differing by at most one."""
    if n == 0:
        return []
    step = max(1, (budget or _CHUNK_BYTES) // max(item_bytes, 1))
    count = -(-n // step)
    base, extra = divmod(n, count)
    slices, start = [], 0
    for i in range(count):
        stop = start + base + (i < extra)
        slices.append(slice(start, stop))
        start = stop
    return slices


def _im2col(xpad, kernel, stride, dilation, groups, out_shape):
    """Columns (B, G, Cg*K, L) of an already padded input chunk, output positions innermost."""
    b, c = xpad.shape[:2]
    k = len(kernel)
    win = window_view(xpad, kernel, stride, dilation, out_shape)  # (B, C, *out, *k)
    # reorder to (B, C, *k, *out) so each kernel offset's output positions are contiguous
    win = win.transpose((0, 1) + tuple(range(2 + k, win.ndim)) + tuple(range(2, 2 + k)))
    kk, ll = math.prod(kernel), math.prod(out_shape)
    buf = workspace((b, groups, (c // groups) * kk, ll), xpad.dtype)
    np.copyto(buf.reshape(win.shape), win)
    return buf


def _out_shape(spatial, kernel, stride, pads, dilation):
    return tuple(
        output_size(s, kk, st, b + a, d) for s, kk, st, (b, a), d in zip(spatial, kernel, stride, pads, dilation)
    )


_HALF = np.dtype(np.float16)


def _in_float32(kernel, *args):
    """``kernel`` on float16 arrays computed in float32, rounded once at the end (PyTorch's CPU path).

    numpy has no float16 BLAS: its float16 matmul is a plain loop, tens of times slower.
    """
    up = [a.astype(np.float32) if isinstance(a, np.ndarray) and a.dtype == _HALF else a for a in args]
    return kernel(*up).astype(_HALF)


def conv_nd(x, w, stride, pads, dilation, groups, out_shape=None, bias=None):
    """Cross-correlation of ``x`` with ``w`` (PyTorch's convolution), plus a per-channel ``bias`` if given.

    Integer arrays are computed exactly in their own dtype (wrapping as PyTorch's do).
    """
    if x.dtype == _HALF:
        return _in_float32(conv_nd, x, w, stride, pads, dilation, groups, out_shape, bias)
    kernel = tuple(w.shape[2:])
    out_shape = tuple(out_shape) if out_shape is not None else _out_shape(x.shape[2:], kernel, stride, pads, dilation)
    if bias is not None:  # broadcastable against (N, C_out, *spatial)
        bias = bias.reshape((1, -1) + (1,) * len(kernel))
    if _is_small(x.shape[0], x.shape[1], kernel, out_shape):
        return _conv_small(x, w, stride, pads, dilation, groups, out_shape, bias)
    # depthwise forwards stay on the GEMM routes: measured as fast or faster there, unlike
    # the gradients (see ``_depthwise_*``)
    if all(s == 1 for s in stride):
        return _conv_stride1(x, w, pads, dilation, groups, out_shape, bias)
    n, c = x.shape[:2]
    cout = w.shape[0]
    wm = xp.ascontiguousarray(w).reshape(groups, cout // groups, -1)
    xpad = pad_spatial(x, pads)
    ll = math.prod(out_shape)
    out = fresh((n, groups, cout // groups, ll), np.result_type(x.dtype, w.dtype))
    chunks = _chunks(n, c * math.prod(kernel) * ll * x.itemsize, _chunk_budget(max(x.nbytes, out.nbytes)))
    for sl in chunks:
        cols = _im2col(xpad[sl], kernel, stride, dilation, groups, out_shape)
        xp.matmul(wm, cols, out=out[sl])
    out = out.reshape((n, cout) + out_shape)
    if bias is not None:
        out += bias
    return out


def conv_transpose_nd(g, w, stride, pads, dilation, groups, out_spatial, bias=None):
    """Adjoint of ``conv_nd`` in its input: maps (N, C_out, *o) to (N, C_in, *out_spatial), plus ``bias``."""
    if g.dtype == _HALF:
        return _in_float32(conv_transpose_nd, g, w, stride, pads, dilation, groups, out_spatial, bias)
    out = _conv_transpose(g, w, stride, pads, dilation, groups, out_spatial)
    if bias is not None:
        out += bias.reshape((1, -1) + (1,) * (out.ndim - 2))
    return out


def _conv_transpose(g, w, stride, pads, dilation, groups, out_spatial):
    """``conv_transpose_nd`` without the bias, by route."""
    if _is_small(g.shape[0], w.shape[1] * groups, w.shape[2:], g.shape[2:]):
        return _conv_transpose_small(g, w, stride, pads, dilation, groups, tuple(out_spatial))
    if _is_depthwise(groups, g.shape[1], w.shape[1] * groups):
        if all(s == 1 for s in stride):
            return _depthwise_transpose_stride1(g, w, pads, dilation, tuple(out_spatial))
        return _depthwise_transpose_strided(g, w, stride, pads, dilation, tuple(out_spatial))
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
    chunks = _chunks(n, cin * kk * ll * g.itemsize, _chunk_budget(max(g.nbytes, out.nbytes)))
    for sl in chunks:
        cols = workspace((sl.stop - sl.start, groups, cg * kk, ll), g.dtype)
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
    if x.dtype == _HALF:
        return _in_float32(conv_weight_nd, x, g, kernel, stride, pads, dilation, groups)
    if _is_small(x.shape[0], x.shape[1], kernel, g.shape[2:]):
        return _conv_weight_small(x, g, tuple(kernel), stride, pads, dilation, groups)
    if _is_depthwise(groups, x.shape[1], g.shape[1]):
        if all(s == 1 for s in stride):
            return _depthwise_weight_stride1(x, g, tuple(kernel), pads, dilation)
        return _depthwise_weight_strided(x, g, tuple(kernel), stride, pads, dilation)
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
    chunks = _chunks(n, cin * math.prod(kernel) * ll * x.itemsize, _chunk_budget(max(x.nbytes, g.nbytes)))
    for sl in chunks:
        cols = _im2col(xpad[sl], kernel, stride, dilation, groups, osp)  # (B, G, CgK, L)
        # batched GEMM with one operand transposed by strides (BLAS takes it without a copy),
        # then a small sum over the chunk; far cheaper than tensordot's transposing copies
        part = weight_gemm(gm[sl], cols).sum(axis=0)
        out = part if out is None else out.__iadd__(part)
    return weight_result(out, (cout, cin // groups) + kernel, np.result_type(x.dtype, g.dtype))


# --- stride 1: im2col as shifted rows of a flat padded grid ----------------------------
#
# With stride 1 the window at output position o reads x_pad[o + d*j]. Laid out flat per
# channel, kernel offset j is a constant shift of the flat index, so every im2col row is
# one contiguous run (memcpy speed) instead of a pattern of short strided runs. The price:
# outputs are computed on the padded grid's rows (every spatial dim but the first at its
# padded width) and the valid ones cropped out afterwards.
#
# Two column layouts: "per item" (B, G, Cg*K, L), one GEMM per item writing straight
# into the output, used for 1-D signals of at least ``_FOLD_BELOW`` positions; "folded"
# (G, Cg*K, B*L), one GEMM per group for the whole block, far better for small per-item
# GEMMs, its output transposed back to (B, C, ...) by the crop copy that 2-D and 3-D
# need anyway (measured: never slower there).

_FOLD_BELOW = 512
# an item whose columns exceed this is processed in blocks of output rows (first spatial
# dim), so that scratch stays bounded for large images and volumes
_ROW_SPLIT_BYTES = 4 << 20


def _flat_view(flat: np.ndarray, offset: int, shape: tuple, strides: tuple) -> np.ndarray:
    """A strided view into the 1-D contiguous ``flat`` (offset and strides in elements).

    Built with the ndarray constructor: ``as_strided`` costs ~8 us a call, too much for
    the per-kernel-offset views of col2im.
    """
    it = flat.itemsize
    return np.ndarray(shape, flat.dtype, flat, offset * it, tuple(st * it for st in strides))


class _Block(NamedTuple):
    """A unit of work: items ``start:start+count``, output rows ``r0:r1`` of the first spatial dim."""

    start: int
    count: int
    r0: int
    r1: int

    def target(self) -> tuple:
        """Index of this block in an (N, C, *spatial) array."""
        return (slice(self.start, self.start + self.count), slice(None), slice(self.r0, self.r1))


class _FlatGrid:
    """Geometry of a stride-1 convolution over a flat, zero-padded input."""

    def __init__(self, x_shape, kernel, pads, dilation, out_shape=None, fold: bool | None = None):
        self.n, self.c = x_shape[:2]
        self.kernel = tuple(kernel)
        self.pads = pads
        self.padded = tuple(s + b + a for s, (b, a) in zip(x_shape[2:], pads))
        natural = tuple(p - d * (k - 1) for p, k, d in zip(self.padded, self.kernel, dilation))
        self.out = tuple(out_shape) if out_shape is not None else natural
        self.channel = math.prod(self.padded)
        self.rowlen = math.prod(self.padded[1:])  # columns per output row, garbage ones included
        self.length = self.out[0] * self.rowlen
        pstrides = [math.prod(self.padded[i + 1 :]) for i in range(len(self.padded))]
        self.shifts = tuple(d * ps for d, ps in zip(dilation, pstrides))
        # the last channel's windows read this far past its end (for garbage columns only)
        self.slack = sum((k - 1) * sh for k, sh in zip(self.kernel[1:], self.shifts[1:]))
        self.cropped = len(self.kernel) > 1
        self.folded = (self.cropped or self.length < _FOLD_BELOW) if fold is None else fold

    def offsets(self) -> list[int]:
        """Flat shift of each kernel offset, in weight order."""
        return [sum(j * sh for j, sh in zip(off, self.shifts)) for off in np.ndindex(*self.kernel)]

    def valid(self, arr, blk: _Block, channels: int, whole: bool = False):
        """View of the valid outputs of a block's GEMM result, as (count, channels, rows, *out[1:]).

        ``arr`` is (channels, count*columns) when folded, else (count, channels*columns).
        With ``whole`` the garbage columns are kept: (count, channels, rows, *padded[1:]).
        """
        grid = (blk.r1 - blk.r0,) + self.padded[1:]
        if self.folded:
            view = arr.reshape((channels, blk.count) + grid).swapaxes(0, 1)
        else:
            view = arr.reshape((blk.count, channels) + grid)
        if whole:
            return view
        return view[(Ellipsis,) + tuple(slice(0, o) for o in self.out[1:])]

    def flat_input(self, x):
        """``x`` zero-padded and flattened, followed by ``slack`` zeros."""
        if not self.slack and not any(b or a for b, a in self.pads) and x.flags.c_contiguous:
            return x.reshape(-1)
        size = self.n * self.c * self.channel
        flat = fresh_zeros((size + self.slack,), x.dtype)
        body = flat[:size].reshape((self.n, self.c) + self.padded)
        body[(Ellipsis,) + tuple(slice(b, b + s) for s, (b, _) in zip(x.shape[2:], self.pads))] = x
        return flat

    def columns(self, flat, blk: _Block, groups: int, ones_row: bool = False):
        """im2col of one block in this grid's layout, with one copy.

        With ``ones_row`` (folded layout, one group) a last row of ones follows, so that a
        bias appended to the weight is added by the GEMM itself.
        """
        item = self.c * self.channel
        count, length = blk.count, self.columns_of(blk)
        shape = (count, self.c) + self.kernel + (length,)
        strides = (item, self.channel) + self.shifts + (1,)
        view = _flat_view(flat, blk.start * item + blk.r0 * self.rowlen, shape, strides)
        rows = (self.c // groups) * math.prod(self.kernel)
        if self.folded:
            extra = 1 if ones_row else 0
            buf = workspace((groups, rows + extra, count * length), flat.dtype)
            # the view's kernel axes cannot be merged without a copy: move the batch axis
            # instead and let the destination take the view's shape
            k = len(self.kernel)
            order = tuple(range(1, 2 + k)) + (0, 2 + k)
            body = buf[0, :rows] if extra else buf
            np.copyto(body.reshape((self.c,) + self.kernel + (count, length)), view.transpose(order))
            if extra:
                buf[0, rows] = 1
        else:
            buf = workspace((count, groups, rows, length), flat.dtype)
            np.copyto(buf.reshape(shape), view)
        return buf

    def columns_of(self, blk: _Block) -> int:
        """GEMM columns per item of a block."""
        return (blk.r1 - blk.r0) * self.rowlen

    def spread(self, g, blk: _Block, groups: int):
        """A block of the output gradient in the column layout, zero at the garbage columns."""
        cout = g.shape[1]
        count, length = blk.count, self.columns_of(blk)
        items = g[blk.target()]
        if not self.cropped and not self.folded and items.flags.c_contiguous:
            return items.reshape(count, groups, cout // groups, length)
        if self.folded:
            buf = workspace((groups, cout // groups, count * length), g.dtype, "spread")
        else:
            buf = workspace((count, groups, cout // groups, length), g.dtype, "spread")
        grid = self.valid(buf, blk, cout, whole=True)
        np.copyto(grid[(Ellipsis,) + tuple(slice(0, o) for o in self.out[1:])], items)
        for i, o in enumerate(self.out[1:]):  # garbage columns: past the valid end of each dim
            grid[(slice(None),) * (3 + i) + (slice(o, None),)] = 0
        return buf

    def blocks(self, rows_per_item: int, itemsize: int, largest_bytes: int) -> list[_Block]:
        """Blocks of whole items whose columns fit the chunk budget, or of rows of one item."""
        budget = _chunk_budget(largest_bytes)
        item_bytes = rows_per_item * self.length * itemsize
        full = self.out[0]
        if item_bytes <= max(budget, _ROW_SPLIT_BYTES) or full == 1:
            return [_Block(s.start, s.stop - s.start, 0, full) for s in _chunks(self.n, item_bytes, budget)]
        ranges = _chunks(full, rows_per_item * self.rowlen * itemsize, max(budget, _ROW_SPLIT_BYTES))
        return [_Block(b, 1, r.start, r.stop) for b in range(self.n) for r in ranges]


def _crop_negative_pads(x, pads):
    """Negative padding crops: returns (x sliced, pads clipped at zero)."""
    if all(b >= 0 and a >= 0 for b, a in pads):
        return x, pads
    index = (Ellipsis,) + tuple(slice(max(0, -b), s - max(0, -a)) for s, (b, a) in zip(x.shape[2:], pads))
    return x[index], [(max(0, b), max(0, a)) for b, a in pads]


_FOLD_BIAS = True  # switch for tests: False adds the bias in the crop instead


def _conv_stride1(x, w, pads, dilation, groups, out_shape=None, bias=None):
    """``conv_nd`` for stride 1 on the flat grid (pads may be negative: that crops ``x``).

    A bias is added by the GEMM (folded layout, one group) or by the copy that crops each
    block's result into the output.
    """
    x, pads = _crop_negative_pads(x, pads)
    kernel = tuple(w.shape[2:])
    grid = _FlatGrid(x.shape, kernel, pads, dilation, out_shape)
    n, c = x.shape[:2]
    cout = w.shape[0]
    mg = cout // groups
    wm = xp.ascontiguousarray(w).reshape(groups, mg, -1)
    flat = grid.flat_input(x)
    dtype = np.result_type(x.dtype, w.dtype)
    out = fresh((n, cout) + grid.out, dtype)
    # a bias as one more weight column against a row of ones: the GEMM adds it, and the
    # crop is a plain copy (adding it in the crop's strided pass cost ~1.7x that copy)
    fold_bias = _FOLD_BIAS and bias is not None and grid.folded and groups == 1 and dtype.kind == "f"
    if fold_bias:
        wm = np.concatenate([wm, bias.reshape(1, cout, 1).astype(wm.dtype, copy=False)], axis=2)
        bias = None
    for blk in grid.blocks(c * math.prod(kernel), x.itemsize, max(x.nbytes, out.nbytes)):
        cols = grid.columns(flat, blk, groups, ones_row=fold_bias)
        length = grid.columns_of(blk)
        if not grid.folded and not grid.cropped and length == grid.length:
            target = out[blk.target()]
            forward_gemm(wm, cols, target.reshape(blk.count, groups, mg, length))
            if bias is not None:
                target += bias
            continue
        shape = (groups, mg, blk.count * length) if grid.folded else (blk.count, groups, mg, length)
        res = workspace(shape, dtype, "res")
        forward_gemm(wm, cols, res)
        if bias is None:
            np.copyto(out[blk.target()], grid.valid(res, blk, cout))
        else:
            xp.add(grid.valid(res, blk, cout), bias, out=out[blk.target()])
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


_COL2IM_MIN_ROWS = 8  # measured: thinner col2im GEMMs (fewer (channel, offset) rows) run far below speed
_SCATTER_MAX_CHANNELS = 8  # measured: col2im wins up to 6-8 channels per group, the flipped kernel from 16


def _col2im_stride1(g, w, pads, dilation, groups, out_spatial):
    """Stride-1 transposed convolution: GEMMs to columns, then one shifted add per kernel offset.

    Blocks hold as many items as the budget allows for one kernel offset's columns, so
    each shifted add covers many items; the kernel offsets are then taken in parts whose
    columns fit the budget (one GEMM per part), which bounds the scratch without making
    the adds any smaller.
    """
    n, cout = g.shape[:2]
    kernel = tuple(w.shape[2:])
    cg = w.shape[1]
    cin = cg * groups
    mg = cout // groups
    kk = math.prod(kernel)
    grid = _FlatGrid((n, cin) + tuple(out_spatial), kernel, pads, dilation, tuple(g.shape[2:]), fold=True)
    size = n * cin * grid.channel
    flat = fresh_zeros((size + grid.slack,), g.dtype)
    item = cin * grid.channel
    offsets = grid.offsets()
    it = flat.itemsize
    largest = max(g.nbytes, flat.nbytes)
    limit = _chunk_budget(largest) // 2  # a part's columns and the spread gradient share the budget
    # (G*Mg, Cg, *k) -> per group (Mg, Cg, K): the rows of a part are (channel, offset) pairs
    wk = xp.ascontiguousarray(w).reshape(groups, mg, cg, kk)
    # each part's GEMM should have at least _COL2IM_MIN_ROWS rows (channel, offset pairs):
    # thinner GEMMs run far below BLAS speed
    width = min(kk, -(-_COL2IM_MIN_ROWS // cg))
    # a block's spread gradient (Mg rows per item) and a part's columns fit half the budget each
    for blk in grid.blocks(max(mg, 2 * cin * width), it, largest):
        count, length = blk.count, grid.columns_of(blk)
        gm = grid.spread(g, blk, groups)  # (G, Mg, count*length)
        per_offset = count * cin * length * it
        parts = _chunks(kk, per_offset, max(limit, per_offset * width))
        base = blk.start * item + blk.r0 * grid.rowlen
        for part in parts:
            span = part.stop - part.start
            wt = wk[..., part].transpose(0, 2, 3, 1).reshape(groups, cg * span, mg)
            cols = workspace((groups, cg * span, count * length), g.dtype)
            xp.matmul(wt, gm, out=cols)
            cols = cols.reshape(cin, span, count, length)
            # columns are zero at garbage positions (the spread gradient is), so adding
            # them whole only ever puts zeros outside the valid windows
            for j in range(span):
                dst = _flat_view(flat, base + offsets[part.start + j], (count, cin, length), (item, grid.channel, 1))
                dst += cols[:, j].swapaxes(0, 1)
    body = flat[:size].reshape((n, cin) + grid.padded)
    inner = tuple(slice(b, b + s) for s, (b, _) in zip(out_spatial, pads))
    return fresh_copy(body[(Ellipsis,) + inner])


def _conv_weight_stride1(x, g, kernel, pads, dilation, groups):
    """``conv_weight_nd`` for stride 1 on the flat grid."""
    c = x.shape[1]
    cout = g.shape[1]
    grid = _FlatGrid(x.shape, kernel, pads, dilation, tuple(g.shape[2:]))
    flat = grid.flat_input(x)
    out = None
    for blk in grid.blocks(c * math.prod(kernel), x.itemsize, max(x.nbytes, g.nbytes)):
        cols = grid.columns(flat, blk, groups)
        gm = grid.spread(g, blk, groups)
        part = weight_gemm(gm, cols)
        if not grid.folded:
            part = part.sum(axis=0)
        out = part if out is None else out.__iadd__(part)
    return weight_result(out, (cout, c // groups) + tuple(kernel), np.result_type(x.dtype, g.dtype))


# --- route switches read by the entry points above (tests set them) -------------------

_SMALL_ELEMENTS = 1 << 14  # im2col elements (N * C_in * K * output positions)


def _is_small(n: int, c: int, kernel, out_shape) -> bool:
    return n * c * math.prod(kernel) * math.prod(out_shape) <= _SMALL_ELEMENTS


_DEPTHWISE = True  # switch for tests: False sends depthwise gradients down the GEMM routes


def _is_depthwise(groups: int, c_in: int, c_out: int) -> bool:
    return _DEPTHWISE and groups > 1 and groups == c_in == c_out


# the small-problem and depthwise kernels live in their own modules; the depthwise ones use
# this module's flat grid and workspaces, so they are imported once those exist
from .conv_depthwise import (  # noqa: E402
    _depthwise_transpose_stride1,
    _depthwise_transpose_strided,
    _depthwise_weight_stride1,
    _depthwise_weight_strided,
)
from .conv_small import _conv_small, _conv_transpose_small, _conv_weight_small  # noqa: E402
