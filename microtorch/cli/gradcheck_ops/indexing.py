"""Indexing ops: gather/scatter, index_select/index_put, take_along_dim (indices always in range)."""

from __future__ import annotations

import numpy as np

from ._core import family
from ._gen import dim_of, index, shape, t, ten

I = family("indexing")  # noqa: E741


def _smaller(rng, s, d):
    """A shape no larger than ``s`` in every dim, at least 1 along ``d``."""
    return tuple(int(rng.integers(1, v + 1)) for v in s)


def _gather(rng, f):
    s = shape(rng, 1, 3)
    d = dim_of(rng, len(s))
    idx = index(rng, s[d], _smaller(rng, s, d))
    return (lambda x: f(x, d, idx)), (t(rng, s),)


def _unique_index(rng, s, d, idx_shape):
    """An index of ``idx_shape`` whose values along ``d`` are distinct (scatter without reduce is then exact)."""
    import microtorch as mt

    d = d % len(s)
    full = list(idx_shape)
    full[d] = s[d]
    perms = np.argsort(rng.random(full), axis=d)
    return mt.tensor(np.take(perms, np.arange(idx_shape[d]), axis=d), dtype=mt.int64)


def _scatter(rng, f):
    s = shape(rng, 1, 3)
    d = dim_of(rng, len(s))
    idx_shape = _smaller(rng, s, d)
    idx = _unique_index(rng, s, d, idx_shape)
    if rng.random() < 0.3:
        value = float(rng.uniform(-1, 1))
        return (lambda x: f(x, d, idx, value=value)), (t(rng, s),)
    return (lambda x, src: f(x, d, idx, src)), (t(rng, s), t(rng, idx_shape))


def _scatter_add(rng, f):
    s = shape(rng, 1, 3)
    d = dim_of(rng, len(s))
    idx_shape = _smaller(rng, s, d)
    idx = index(rng, s[d], idx_shape)  # duplicates accumulate
    return (lambda x, src: f(x, d, idx, src)), (t(rng, s), t(rng, idx_shape))


def _index_select(rng, f):
    s = shape(rng, 1, 3)
    d = dim_of(rng, len(s))
    idx = index(rng, s[d], (int(rng.integers(0, 5)),))
    return (lambda x: f(x, d, idx)), (t(rng, s),)


def _index_put(rng, f):
    """One index tensor (rows) or two (elements); distinct positions unless accumulating; values broadcast."""
    import microtorch as mt

    s = shape(rng, 2, 3)
    accumulate = bool(rng.random() < 0.5)
    n_idx = int(rng.integers(1, 3))
    cells = int(np.prod(s[:n_idx]))
    k = int(rng.integers(1, cells + 1))
    flat = rng.integers(0, cells, size=k) if accumulate else rng.permutation(cells)[:k]
    idx = tuple(mt.tensor(i, dtype=mt.int64) for i in np.unravel_index(flat, s[:n_idx]))
    rest = s[n_idx:]
    v_shape = (k, *rest) if rng.random() < 0.6 else tuple(1 for _ in rest) or (1,)
    return (lambda x, v: f(x, idx, v, accumulate)), (t(rng, s), t(rng, v_shape))


def _index_add(rng, f):
    s = shape(rng, 1, 3)
    d = dim_of(rng, len(s))
    k = int(rng.integers(0, 5))
    idx = index(rng, s[d], (k,))  # duplicates accumulate
    src = tuple(k if i == d % len(s) else v for i, v in enumerate(s))
    alpha = float(rng.choice([1.0, -0.5, 2.0]))
    return (lambda x, y: f(x, d, idx, y, alpha=alpha)), (t(rng, s), t(rng, src))


def _index_copy(rng, f):
    import microtorch as mt

    s = shape(rng, 1, 3)
    d = dim_of(rng, len(s))
    k = int(rng.integers(0, s[d] + 1))
    idx = mt.tensor(rng.permutation(s[d])[:k], dtype=mt.int64)  # distinct: a copy has one source per slot
    src = tuple(k if i == d % len(s) else v for i, v in enumerate(s))
    return (lambda x, y: f(x, d, idx, y)), (t(rng, s), t(rng, src))


def _index_fill(rng, f):
    s = shape(rng, 1, 3)
    d = dim_of(rng, len(s))
    idx = index(rng, s[d], (int(rng.integers(0, 4)),))
    if rng.random() < 0.5:  # a 0-d tensor value gets a gradient too
        return (lambda x, v: f(x, d, idx, v)), (t(rng, s), t(rng, ()))
    value = float(rng.uniform(-1, 1))
    return (lambda x: f(x, d, idx, value)), (t(rng, s),)


def _masked_select(rng, f):
    import microtorch as mt

    s = shape(rng, 1, 3)
    mask = mt.tensor(rng.random(tuple(1 if rng.random() < 0.3 else d for d in s)) < 0.5)
    return (lambda x: f(x, mask)), (t(rng, s),)


def _take(rng, f):
    s = shape(rng, 0, 3)
    idx = index(rng, int(np.prod(s)), shape(rng, 0, 2))
    return (lambda x: f(x, idx)), (t(rng, s),)


def _distinct_pair(rng, s_x, s_src):
    """``(input, source)``: values distinct across both (amax/amin have no ties), magnitudes in [0.3, 1.3), no zeros."""
    n_x, n_src = int(np.prod(s_x)), int(np.prod(s_src))
    v = (0.3 + rng.permutation(n_x + n_src) / max(n_x + n_src, 1)) * rng.choice([-1.0, 1.0], size=n_x + n_src)
    return ten(v[:n_x].reshape(s_x)), ten(v[n_x:].reshape(s_src))


def _scatter_reduce(rng, f):
    s = shape(rng, 1, 3)
    d = dim_of(rng, len(s))
    idx_shape = _smaller(rng, s, d)
    idx = index(rng, s[d], idx_shape)  # duplicates reduce together
    reduce = str(rng.choice(["sum", "prod", "mean", "amax", "amin"]))
    include_self = bool(rng.random() < 0.6)
    x, src = _distinct_pair(rng, s, idx_shape)
    return (lambda x, y: f(x, d, idx, y, reduce, include_self=include_self)), (x, src)


def _index_reduce(rng, f):
    s = shape(rng, 1, 3)
    d = dim_of(rng, len(s))
    k = int(rng.integers(0, 5))
    idx = index(rng, s[d], (k,))
    reduce = str(rng.choice(["prod", "mean", "amax", "amin"]))
    include_self = bool(rng.random() < 0.6)
    x, src = _distinct_pair(rng, s, tuple(k if i == d % len(s) else v for i, v in enumerate(s)))
    return (lambda x, y: f(x, d, idx, y, reduce, include_self=include_self)), (x, src)


def _masked_scatter(rng, f):
    import microtorch as mt

    s = shape(rng, 1, 3)
    mask = mt.tensor(rng.random(tuple(1 if rng.random() < 0.3 else d for d in s)) < 0.5)
    n = int(np.prod(s)) + int(rng.integers(0, 3))  # at least as many source elements as the mask selects
    return (lambda x, y: f(x, mask, y)), (t(rng, s), t(rng, (n,)))


def _put(rng, f):
    import microtorch as mt

    s = shape(rng, 0, 3)
    n = int(np.prod(s))
    accumulate = bool(rng.random() < 0.5)
    k = int(rng.integers(0, n + 1))
    flat = rng.integers(-n, n, size=k) if accumulate else rng.permutation(n)[:k] - n * rng.integers(0, 2, size=k)
    idx = mt.tensor(flat.reshape((k,) if rng.random() < 0.5 else (1, k)), dtype=mt.int64)
    return (lambda x, y: f(x, idx, y, accumulate)), (t(rng, s), t(rng, tuple(idx.shape)))


def _take_along_dim(rng, f):
    s = shape(rng, 1, 3)
    if rng.random() < 0.3:
        idx = index(rng, int(np.prod(s)), (int(rng.integers(1, 5)),))
        return (lambda x: f(x, idx)), (t(rng, s),)
    d = dim_of(rng, len(s))
    idx_shape = tuple(
        int(rng.integers(1, 4)) if i == d % len(s) else (1 if rng.random() < 0.3 else v) for i, v in enumerate(s)
    )
    idx = index(rng, s[d], idx_shape)
    return (lambda x: f(x, idx, d)), (t(rng, s),)


OPS = [
    I("gather", _gather),
    I("scatter", _scatter),
    I("scatter_add", _scatter_add),
    I("index_select", _index_select),
    I("index_put", _index_put),
    I("take_along_dim", _take_along_dim),
    I("index_add", _index_add),
    I("index_copy", _index_copy),
    I("index_fill", _index_fill),
    I("masked_select", _masked_select),
    I("take", _take),
    I("scatter_reduce", _scatter_reduce),
    I("index_reduce", _index_reduce),
    I("masked_scatter", _masked_scatter),
    I("put", _put),
]
