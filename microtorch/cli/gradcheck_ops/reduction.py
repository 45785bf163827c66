"""Reductions, scans, softmax and friends, sorting (values are kept distinct so argmax/argsort are stable)."""

from __future__ import annotations

import numpy as np

from ._core import family
from ._gen import along, dim_of, distinct, reduce, shape, t, ten

R = family("reduction")


def _signed_distinct(rng, s):
    """Distinct magnitudes in [0.3, 1.3) with random signs: no ties of |x|, no zeros."""
    x = distinct(rng, s, 0.3, 1.3, grad=False).numpy()
    return ten(x * rng.choice([-1.0, 1.0], size=s))


def _prod(rng, f):
    s = shape(rng, 1, 3)
    x = ten(np.abs(rng.uniform(0.5, 1.5, size=s)) * rng.choice([-1.0, 1.0], size=s))
    if rng.random() < 0.3:
        return f, (x,)
    dim, keepdim = dim_of(rng, len(s)), bool(rng.random() < 0.5)
    return (lambda x: f(x, dim, keepdim=keepdim)), (x,)


def _norm(rng, f):
    s = shape(rng, 1, 3)
    p = [2, 1, 3, "fro", float("inf"), 0.5][int(rng.integers(6))]
    x = _signed_distinct(rng, s)
    if rng.random() < 0.4 or p == "fro":
        return (lambda x: f(x, p)), (x,)
    dim, keepdim = dim_of(rng, len(s)), bool(rng.random() < 0.5)
    return (lambda x: f(x, p, dim, keepdim)), (x,)


def _spread(tuple_out: bool):
    """std / var (and their ``_mean`` forms): correction or unbiased drawn, reduced dims of size >= 2."""

    def build(rng, f):
        s = shape(rng, 1, 3, min_side=2)
        x = t(rng, s)
        kw = [dict(), dict(correction=0), dict(correction=1), dict(unbiased=False)][int(rng.integers(4))]
        if rng.random() < 0.3:
            return (lambda x: f(x, **kw)), (x,)
        dim, keepdim = dim_of(rng, len(s)), bool(rng.random() < 0.5)
        return (lambda x: f(x, dim, keepdim=keepdim, **kw)), (x,)

    return build


def _max_all(rng, f):
    return f, (distinct(rng, shape(rng, 0)),)


def _max_dim(rng, f):
    s = shape(rng, 1, 3)
    dim, keepdim = dim_of(rng, len(s)), bool(rng.random() < 0.5)
    return (lambda x: f(x, dim, keepdim)), (distinct(rng, s),)


def _sort(rng, f):
    s = shape(rng, 1, 3)
    dim, descending = dim_of(rng, len(s)), bool(rng.random() < 0.5)
    return (lambda x: f(x, dim, descending)), (distinct(rng, s),)


def _topk(rng, f):
    s = shape(rng, 1, 3)
    dim = dim_of(rng, len(s))
    k = int(rng.integers(0, s[dim] + 1))
    largest, sorted_ = bool(rng.random() < 0.5), bool(rng.random() < 0.7)
    return (lambda x: f(x, k, dim, largest, sorted_)), (distinct(rng, s),)


OPS = [
    R("sum", reduce(dim_tuple=True)),
    R("mean", reduce(dim_tuple=True)),
    R("prod", _prod),
    R("amax", reduce(distinct_values=True, dim_tuple=True)),
    R("amin", reduce(distinct_values=True, dim_tuple=True)),
    R("max", _max_all),
    R("min", _max_all),
    R("max(dim)", _max_dim, "torch.max Tensor.max"),
    R("min(dim)", _max_dim, "torch.min Tensor.min"),
    R("logsumexp", reduce(all_dims=False, dim_tuple=True), "torch Tensor special.logsumexp"),
    R("norm", _norm),
    R("std", _spread(False)),
    R("var", _spread(False)),
    R("std_mean", _spread(True), "torch"),
    R("var_mean", _spread(True), "torch"),
    R("cumsum", along()),
    R("softmax", along(low=-2.0, high=2.0), "torch Tensor F special.softmax"),
    R("log_softmax", along(low=-2.0, high=2.0), "torch Tensor F special.log_softmax"),
    R("softmin", along(low=-2.0, high=2.0), "F"),
    R("sort", _sort),
    R("topk", _topk),
]
