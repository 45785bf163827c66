"""Gathers and scatters by flat per-plane indices, and adaptive pooling's bounds (pure numpy).

Shared by the pooling ops (max pooling's chosen elements, max_unpool, adaptive pooling);
re-exported by ``kernels.pool``.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from .._backend import xp

__all__ = [
    "adaptive_avg_matrix",
    "adaptive_bounds",
    "adaptive_max_indices",
    "flat_gather",
    "flat_gather_masked",
    "flat_put",
    "flat_scatter_add",
]


def _flatten_lead(a: np.ndarray, k: int) -> np.ndarray:
    return a.reshape(a.shape[: a.ndim - k] + (math.prod(a.shape[a.ndim - k :]),))


def flat_gather(x: np.ndarray, idx: np.ndarray, k_in: int, k_idx: int) -> np.ndarray:
    """``out[..., i] = x_plane[idx[..., i]]`` per leading index (planes of ``k_in`` dims)."""
    xf = _flatten_lead(x, k_in)
    idf = _flatten_lead(idx, k_idx)
    out = np.take_along_axis(xf, idf, axis=-1)
    return out.reshape(idx.shape)


def flat_gather_masked(x: np.ndarray, idx: np.ndarray, valid, k: int) -> np.ndarray:
    """``flat_gather`` where ``valid`` (or everywhere when None); zero elsewhere."""
    if valid is None:
        return flat_gather(x, idx, k, k)
    out = flat_gather(x, np.where(valid, idx, 0), k, k)
    out[~np.broadcast_to(valid, out.shape)] = 0
    return out


def flat_scatter_add(src: np.ndarray, idx: np.ndarray, plane: tuple, k_idx: int) -> np.ndarray:
    """Adjoint of ``flat_gather``: sum ``src`` into planes of shape ``plane`` at ``idx``."""
    lead = src.shape[: src.ndim - k_idx]
    size = math.prod(plane)
    nlead = math.prod(lead)
    idf = _flatten_lead(idx, k_idx).reshape(nlead, math.prod(idx.shape[idx.ndim - k_idx :]))
    comb = (np.arange(nlead, dtype=np.int64)[:, None] * size + idf).ravel()
    out = xp.zeros(nlead * size, dtype=src.dtype)
    np.add.at(out, comb, src.reshape(-1))
    return out.reshape(lead + tuple(plane))


def flat_put(src: np.ndarray, idx: np.ndarray, plane: tuple, k_idx: int) -> np.ndarray:
    """Zeros of shape ``lead + plane`` with ``src`` written at the flat ``idx`` (max_unpool)."""
    lead = src.shape[: src.ndim - k_idx]
    out = xp.zeros(lead + (math.prod(plane),), dtype=src.dtype)
    np.put_along_axis(out, _flatten_lead(idx, k_idx), _flatten_lead(src, k_idx), axis=-1)
    return out.reshape(lead + tuple(plane))


def adaptive_bounds(n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray]:
    """PyTorch's adaptive windows: start = floor(i*In/Out), end = ceil((i+1)*In/Out)."""
    i = np.arange(n_out, dtype=np.int64)
    start = (i * n_in) // n_out
    end = -((-(i + 1) * n_in) // n_out)
    return start, end


def adaptive_avg_matrix(n_in: int, n_out: int, dtype) -> np.ndarray:
    """The (n_out, n_in) averaging matrix of adaptive average pooling along one dim."""
    start, end = adaptive_bounds(n_in, n_out)
    j = np.arange(n_in)
    inside = (j[None, :] >= start[:, None]) & (j[None, :] < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


def adaptive_max_indices(x: np.ndarray, out: tuple) -> np.ndarray:
    """Flat per-plane index of the first maximum of each adaptive window.

    Loops over output positions; each step is vectorised over all leading dims.
    """
    k = len(out)
    spatial = x.shape[-k:]
    lead = x.shape[:-k]
    bounds = [adaptive_bounds(n, o) for n, o in zip(spatial, out)]
    idx = np.empty(lead + tuple(out), dtype=np.int64)
    for pos in itertools.product(*[range(o) for o in out]):
        sl = tuple(slice(int(b[0][p]), int(b[1][p])) for b, p in zip(bounds, pos))
        win = x[(Ellipsis,) + sl]
        wshape = win.shape[-k:]
        local = win.reshape(lead + (math.prod(wshape),)).argmax(axis=-1)
        coords = np.unravel_index(local, wshape)
        flat = np.zeros(lead, dtype=np.int64)
        for c, s, n in zip(coords, sl, spatial):
            flat = flat * n + (c + s.start)
        idx[(Ellipsis,) + pos] = flat
    return idx
