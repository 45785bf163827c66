"""Convolution kernels for small problems: the fewest numpy calls (pure numpy, no autograd).

Below a few thousand im2col elements the arithmetic costs less than the Python around it,
so small convolutions (batch-1 inference, the notes' 5x5 network) gather their columns in
one indexing call through a table cached per geometry and make one batched matmul.
``kernels.conv`` decides when (``_SMALL_ELEMENTS``).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from .._backend import xp
from .windows import pad_spatial, sum_windows


@functools.lru_cache(maxsize=256)
def _small_index(padded: tuple, kernel: tuple, stride: tuple, dilation: tuple, out_shape: tuple, cg: int) -> np.ndarray:
    """im2col as a gather: (output positions, Cg*K) flat indices into a group's (Cg, *padded) block."""
    plane = math.prod(padded)
    pstrides = [math.prod(padded[i + 1 :]) for i in range(len(padded))]
    delta = np.zeros(1, dtype=np.intp)
    for kk, d, ps in zip(kernel, dilation, pstrides):
        delta = (delta[:, None] + np.arange(kk, dtype=np.intp)[None, :] * (d * ps)).ravel()
    delta = (np.arange(cg, dtype=np.intp)[:, None] * plane + delta[None, :]).ravel()
    base = np.zeros((), dtype=np.intp)
    for o, st, ps in zip(out_shape, stride, pstrides):
        base = np.add.outer(base, np.arange(o, dtype=np.intp) * (st * ps))
    return base.reshape(-1, 1) + delta


def _gathered_columns(x, kernel, stride, pads, dilation, groups, out_shape):
    """im2col as (N, G, L, Cg*K), by one gather from the padded input."""
    n, c = x.shape[:2]
    xpad = pad_spatial(x, pads) if any(b or a for b, a in pads) else x
    idx = _small_index(
        tuple(xpad.shape[2:]), tuple(kernel), tuple(stride), tuple(dilation), tuple(out_shape), c // groups
    )
    return xpad.reshape(n, groups, math.prod(xpad.shape[1:]) // groups).take(idx, axis=2)


def _small_columns(x, kernel, stride, pads, dilation, groups, out_shape):
    """im2col as (G, N*L, Cg*K): output positions as rows."""
    cols = _gathered_columns(x, kernel, stride, pads, dilation, groups, out_shape)
    return cols.swapaxes(0, 1).reshape(groups, -1, cols.shape[-1])


def _conv_small(x, w, stride, pads, dilation, groups, out_shape, bias=None):
    """``conv_nd`` for small problems: a gather, then per item and group W @ columns^T in the output's layout."""
    n = x.shape[0]
    cout = w.shape[0]
    cols = _gathered_columns(x, tuple(w.shape[2:]), stride, pads, dilation, groups, out_shape)  # (N, G, L, CgK)
    res = xp.matmul(w.reshape(groups, cout // groups, -1), cols.swapaxes(-1, -2))  # (N, G, Mg, L)
    out = res.reshape((n, cout) + tuple(out_shape))
    if bias is not None:
        out += bias
    return out


def _conv_weight_small(x, g, kernel, stride, pads, dilation, groups):
    """``conv_weight_nd`` for small problems."""
    n, c = x.shape[:2]
    cout = g.shape[1]
    mg = cout // groups
    cols = _small_columns(x, kernel, stride, pads, dilation, groups, tuple(g.shape[2:]))
    lo = math.prod(g.shape[2:])
    gm = g.reshape(n, groups, mg, lo).transpose(1, 2, 0, 3).reshape(groups, mg, n * lo)
    return xp.matmul(gm, cols).reshape((cout, c // groups) + kernel)


def _conv_transpose_small(g, w, stride, pads, dilation, groups, out_spatial):
    """``conv_transpose_nd`` for small problems: one GEMM to columns, one strided add per kernel offset."""
    n, cout = g.shape[:2]
    kernel = tuple(w.shape[2:])
    k = len(kernel)
    cg = w.shape[1]
    mg = cout // groups
    osp = tuple(g.shape[2:])
    gm = g.reshape(n, groups, mg, math.prod(osp)).transpose(1, 0, 3, 2)  # (G, N, L, Mg)
    cols = xp.matmul(gm, w.reshape(groups, 1, mg, -1))  # (G, N, L, Cg*K)
    cols = cols.reshape((groups, n) + osp + (cg,) + kernel)
    order = (1, 0, 2 + k) + tuple(range(2, 2 + k)) + tuple(range(3 + k, 3 + 2 * k))
    cols = cols.transpose(order).reshape((n, groups * cg) + osp + kernel)
    return sum_windows(
        (n, groups * cg),
        out_spatial,
        pads,
        kernel,
        stride,
        dilation,
        osp,
        lambda j, off: cols[(Ellipsis,) + off],
        cols.dtype,
    )
