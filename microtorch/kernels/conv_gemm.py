"""The GEMMs of the convolution kernels, with the orientation and chunking that measured fastest.

Pure numpy, no autograd; ``kernels.conv`` calls ``forward_gemm`` and ``weight_gemm``. The
switches below are module globals that the tests set both ways.
"""

from __future__ import annotations

import numpy as np

from .._backend import xp

__all__ = ["forward_gemm", "weight_gemm", "weight_result"]


# Which operand of the weight gradient's GEMM comes first. The product contracts the long
# position axis of the columns (R rows) and the output gradient (M rows); computing the
# transposed result, columns first (R x L @ L x M), measured 1.1-2x faster than
# gradient first (M x L @ L x R) on the four benchmark shapes with both OpenBLAS kernels
# (AVX-512 SkylakeX: 165 against 101 GFLOP/s for conv2d 16->32 3x3). Tests flip it.
_WEIGHT_COLS_FIRST = True


# The weight gradient's GEMM contracts a long axis (batch x positions) into a small
# (R x M) result. As one GEMM, OpenBLAS runs that at 40-50 GFLOP/s per thread here for
# thin results (conv2d 1->8 5x5: 25 x 8); cut into chunks of this many positions, one
# batched GEMM per chunk and a sum over chunks, each chunk's panels stay in cache: 100-130
# GFLOP/s for the thin shapes and no loss on the wide ones (16 x 150, 32 x 144).
_WEIGHT_CHUNK = 2048


def weight_gemm(gm, cols):
    """Per group ``gm @ cols^T`` (..., M, R), or its transpose (..., R, M) when columns come first."""
    length = cols.shape[-1]
    if _WEIGHT_CHUNK and length >= 2 * _WEIGHT_CHUNK:
        return _chunked_weight_gemm(gm, cols, length)
    if _WEIGHT_COLS_FIRST:
        return xp.matmul(cols, gm.swapaxes(-1, -2))
    return xp.matmul(gm, cols.swapaxes(-1, -2))


def _chunked_weight_gemm(gm, cols, length: int):
    """``_weight_gemm`` as one batched GEMM over chunks of the contracted axis, summed."""
    nb = length // _WEIGHT_CHUNK
    main = nb * _WEIGHT_CHUNK

    def chunks(a):  # (..., rows, main) -> (..., nb, rows, chunk): a view
        lead = a.shape[:-1]
        return a[..., :main].reshape(lead + (nb, _WEIGHT_CHUNK)).swapaxes(-3, -2)

    c, g = chunks(cols), chunks(gm)
    if _WEIGHT_COLS_FIRST:
        acc = xp.matmul(c, g.swapaxes(-1, -2)).sum(axis=-3)
        rest = (cols[..., main:], gm[..., main:].swapaxes(-1, -2))
    else:
        acc = xp.matmul(g, c.swapaxes(-1, -2)).sum(axis=-3)
        rest = (gm[..., main:], cols[..., main:].swapaxes(-1, -2))
    if main < length:
        acc += xp.matmul(*rest)
    return acc


# A forward GEMM with few output channels per group (W is Mg x R with Mg small) over many
# columns runs at 70-105 GFLOP/s per thread here as one call (conv2d 1->8 5x5: 8 x 25 @
# 25 x 8736); as one batched call over column chunks of this size, writing into the same
# result, each chunk's panel stays in cache: 135-215 GFLOP/s. Wider W (16 rows and more)
# gains nothing from it.
_FORWARD_CHUNK = 1024
_FORWARD_CHUNK_MAX_ROWS = 8


def forward_gemm(wm, cols, out):
    """``matmul(wm, cols, out=out)``, in column chunks when ``wm`` has few rows."""
    length = cols.shape[-1]
    if not _FORWARD_CHUNK or wm.shape[-2] > _FORWARD_CHUNK_MAX_ROWS or length < 2 * _FORWARD_CHUNK:
        return xp.matmul(wm, cols, out=out)
    nb = length // _FORWARD_CHUNK
    main = nb * _FORWARD_CHUNK

    def chunks(a):  # (..., rows, main) -> (..., nb, rows, chunk): a view
        return a[..., :main].reshape(a.shape[:-1] + (nb, _FORWARD_CHUNK)).swapaxes(-3, -2)

    xp.matmul(wm[..., None, :, :], chunks(cols), out=chunks(out))
    if main < length:
        xp.matmul(wm, cols[..., main:], out=out[..., main:])
    return out


def weight_result(acc, shape: tuple, dtype) -> np.ndarray:
    """The weight gradient from the accumulated (G, M, R) or (G, R, M) products (None: empty batch)."""
    if acc is None:
        return xp.zeros(shape, dtype=dtype)
    if _WEIGHT_COLS_FIRST:
        acc = acc.swapaxes(-1, -2)
    return xp.ascontiguousarray(acc).reshape(shape)
