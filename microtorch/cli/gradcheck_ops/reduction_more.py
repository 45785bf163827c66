"""Statistics and scans: order statistics (distinct values, so the selected element is stable), nan-reductions,
cumulative products/maxima, differences, integration, covariance."""

from __future__ import annotations

import numpy as np

from ._core import family
from ._gen import along, dim_of, distinct, shape, t, ten

R = family("reduction")


def _signed(rng, s, low=0.5, high=1.5):
    """Magnitudes in ``[low, high)`` with random signs: no zeros (cumprod's gradient divides by none)."""
    return ten(rng.uniform(low, high, size=s) * rng.choice([-1.0, 1.0], size=s))


def _with_nans(a: np.ndarray, rng, dim: int, share: float = 0.2) -> np.ndarray:
    """``a`` with about ``share`` of it NaN, never its first slice along ``dim``: no slice is all NaN."""
    nan = rng.random(size=a.shape) < share
    np.moveaxis(nan, dim, 0)[0] = False
    return np.where(nan, np.nan, a)


def _nan_reduce(rng, f):
    s = shape(rng, 1, 3)
    dim, keepdim = dim_of(rng, len(s)), bool(rng.random() < 0.5)
    x = ten(_with_nans(rng.uniform(-1.0, 1.0, size=s), rng, dim))
    if rng.random() < 0.3:
        return f, (x,)
    return (lambda x: f(x, dim, keepdim)), (x,)


def _median(nan: bool):
    """``median``/``nanmedian`` of all elements: distinct values (NaNs, skipped, for nanmedian)."""

    def build(rng, f):
        x = distinct(rng, shape(rng, 0))
        if nan and x.ndim:
            x = ten(_with_nans(x.detach().numpy(), rng, 0))
        return f, (x,)

    return build


def _select_dim(nan: bool):
    """``median``/``nanmedian``/``mode`` along a dim: ``f(x, dim, keepdim)`` of distinct values (some NaN)."""

    def build(rng, f):
        s = shape(rng, 1, 3)
        dim, keepdim = dim_of(rng, len(s)), bool(rng.random() < 0.5)
        x = distinct(rng, s)
        if nan:
            x = ten(_with_nans(x.detach().numpy(), rng, dim))
        return (lambda x: f(x, dim, keepdim)), (x,)

    return build


def _kthvalue(rng, f):
    s = shape(rng, 1, 3)
    dim, keepdim = dim_of(rng, len(s)), bool(rng.random() < 0.5)
    k = int(rng.integers(1, s[dim] + 1))
    return (lambda x: f(x, k, dim, keepdim)), (distinct(rng, s),)


def _aminmax(rng, f):
    s = shape(rng, 1, 3)
    if rng.random() < 0.3:
        return f, (distinct(rng, s),)
    dim, keepdim = dim_of(rng, len(s)), bool(rng.random() < 0.5)
    return (lambda x: f(x, dim=dim, keepdim=keepdim)), (distinct(rng, s),)


def _quantile(nan: bool):
    """``quantile``/``nanquantile``: q a float or a 1-d tensor, an interpolation drawn, distinct values."""

    def build(rng, f):
        s = shape(rng, 1, 3)
        dim = dim_of(rng, len(s))
        x = distinct(rng, s).detach().numpy()
        if nan:
            x = _with_nans(x, rng, dim, 0.15)
        q = float(rng.uniform(0.05, 0.95)) if rng.random() < 0.5 else ten(rng.uniform(0.05, 0.95, size=2), False)
        kw = dict(interpolation=str(rng.choice(["linear", "lower", "higher", "midpoint", "nearest"])))
        if rng.random() < 0.3:
            return (lambda x: f(x, q, **kw)), (ten(x),)
        kw.update(dim=dim, keepdim=bool(rng.random() < 0.5))
        return (lambda x: f(x, q, **kw)), (ten(x),)

    return build


def _cumprod(rng, f):
    s = shape(rng, 1, 3)
    dim = dim_of(rng, len(s))
    return (lambda x: f(x, dim)), (_signed(rng, s),)


def _diff(rng, f):
    s = shape(rng, 1, 3, min_side=2)
    dim = dim_of(rng, len(s))
    n = int(rng.integers(1, 3))
    side = list(s)
    side[dim] = int(rng.integers(1, 3))
    extra = {k: t(rng, tuple(side)) for k in ("prepend", "append") if rng.random() < 0.4}
    keys = tuple(extra)

    def fn(x, *e):
        return f(x, n, dim, **dict(zip(keys, e)))

    return fn, (t(rng, s), *extra.values())


def _renorm(rng, f):
    s = shape(rng, 2, 3, min_side=2)
    dim = dim_of(rng, len(s))
    p = float(rng.choice([1.0, 2.0, 3.0]))
    x = _signed(rng, s, 0.3, 1.3)
    norms = np.sort(np.linalg.norm(np.moveaxis(x.detach().numpy(), dim, 0).reshape(s[dim], -1), ord=p, axis=1))
    cut = np.concatenate([[0.0], norms, [norms[-1] * 2]])
    i = int(rng.integers(0, len(cut) - 1))
    maxnorm = float((cut[i] + cut[i + 1]) / 2)  # halfway between two slices' norms: off the kink
    return (lambda x: f(x, p, dim, maxnorm)), (x,)


def _cov(rng, f):
    s = (int(rng.integers(1, 4)), int(rng.integers(3, 6)))
    correction = int(rng.integers(0, 2))
    obs = s[1]
    fw = ten(rng.integers(1, 4, size=obs), False).long() if rng.random() < 0.3 else None
    if rng.random() < 0.4:
        aw = t(rng, (obs,), 0.5, 1.5)
        return (lambda x, w: f(x, correction=correction, fweights=fw, aweights=w)), (t(rng, s), aw)
    return (lambda x: f(x, correction=correction, fweights=fw)), (t(rng, s),)


def _corrcoef(rng, f):
    s = (int(rng.integers(1, 4)), int(rng.integers(3, 6)))
    return f, (t(rng, s),)


def _trapezoid(rng, f):
    s = shape(rng, 1, 3, min_side=2)
    dim = dim_of(rng, len(s))
    r = rng.random()
    if r < 0.4:
        xs = np.cumsum(rng.uniform(0.2, 1.0, size=s[dim]))
        return (lambda y, x: f(y, x, dim=dim)), (t(rng, s), ten(xs))
    dx = float(rng.uniform(0.2, 2.0))
    kw = dict(dx=dx) if r < 0.7 else {}
    return (lambda y: f(y, dim=dim, **kw)), (t(rng, s),)


def _gradient(rng, f):
    s = shape(rng, 1, 3, min_side=3)
    edge = int(rng.integers(1, 3))
    r = rng.random()
    kw = dict(edge_order=edge)
    if r < 0.3:
        kw["dim"] = dim_of(rng, len(s))
    elif r < 0.6:
        kw["spacing"] = float(rng.uniform(0.5, 2.0))
    elif r < 0.8:
        kw["dim"] = 0
        kw["spacing"] = (ten(np.cumsum(rng.uniform(0.3, 1.0, size=s[0])), False),)
    return (lambda x: f(x, **kw)), (t(rng, s),)


def _dist(rng, f):
    s = shape(rng, 1, 3)
    p = [2, 1, 3, float("inf"), 0.5][int(rng.integers(5))]
    a = rng.uniform(-1.0, 1.0, size=s)
    d = distinct(rng, s, 0.2, 1.2, grad=False).detach().numpy() * rng.choice([-1.0, 1.0], size=s)
    return (lambda a, b: f(a, b, p)), (ten(a + d), ten(a))


OPS = [
    R("median", _median(False)),
    R("median(dim)", _select_dim(False), "torch.median Tensor.median"),
    R("nanmedian", _median(True)),
    R("nanmedian(dim)", _select_dim(True), "torch.nanmedian Tensor.nanmedian"),
    R("mode", _select_dim(False)),
    R("kthvalue", _kthvalue),
    R("aminmax", _aminmax),
    R("msort", lambda rng, f: (f, (distinct(rng, shape(rng, 1, 3)),))),
    R("quantile", _quantile(False)),
    R("nanquantile", _quantile(True)),
    R("nansum", _nan_reduce),
    R("nanmean", _nan_reduce),
    R("cumprod", _cumprod),
    R("cummax", along(distinct_values=True)),
    R("cummin", along(distinct_values=True)),
    R("logcumsumexp", along(low=-2.0, high=2.0)),
    R("diff", _diff),
    R("renorm", _renorm),
    R("cov", _cov),
    R("corrcoef", _corrcoef),
    R("trapezoid", _trapezoid, "torch"),
    R("trapz", _trapezoid, "torch"),
    R("cumulative_trapezoid", _trapezoid, "torch"),
    R("gradient", _gradient, "torch"),
    R("dist", _dist),
]
