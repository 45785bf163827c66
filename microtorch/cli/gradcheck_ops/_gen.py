"""Input generators and the generic, table-driven builders most cases are made of.

Values are kept a gap away from each op's kinks, ties and singularities, so that central
finite differences (eps 1e-6) are valid; index arguments are always in range.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

GAP = 0.05  # distance kept from a kink; far more than eps, small against the value ranges


def off(a: np.ndarray, kinks: Sequence[float] = (), gap: float = GAP) -> np.ndarray:
    """``a`` with every value within ``gap`` of a kink moved to twice ``gap`` from it."""
    for p in kinks:
        near = np.abs(a - p) < gap
        a = np.where(near, np.where(a >= p, p + 2 * gap, p - 2 * gap), a)
    return a


def arr(rng, shape, low=-1.0, high=1.0, kinks: Sequence[float] = ()) -> np.ndarray:
    """Uniform float64 values in ``[low, high)`` kept off ``kinks``."""
    return off(rng.uniform(low, high, size=shape), kinks)


def ten(a, grad: bool = True):
    """A float64 microtorch tensor of ``a`` (requiring grad unless told otherwise)."""
    import microtorch as mt

    return mt.tensor(np.asarray(a, dtype=np.float64), dtype=mt.float64, requires_grad=grad)


def t(rng, shape, low=-1.0, high=1.0, kinks: Sequence[float] = (), grad: bool = True):
    """A float64 tensor of uniform values kept off ``kinks``."""
    return ten(arr(rng, shape, low, high, kinks), grad)


def distinct(rng, shape, low=0.1, high=1.1, grad: bool = True):
    """A float64 tensor of well-separated distinct values (no ties within finite-difference steps)."""
    n = int(np.prod(shape))
    return ten((low + (high - low) * rng.permutation(n) / max(n, 1)).reshape(shape), grad)


def index(rng, high: int, shape):
    """An int64 index tensor with values in ``[0, high)``."""
    import microtorch as mt

    return mt.tensor(rng.integers(0, high, size=shape), dtype=mt.int64)


def shape(rng, min_dims=1, max_dims=3, max_side=4, min_side=1) -> tuple[int, ...]:
    """A random shape of ``min_dims..max_dims`` sides in ``min_side..max_side``."""
    n = int(rng.integers(min_dims, max_dims + 1))
    return tuple(int(s) for s in rng.integers(min_side, max_side + 1, size=n))


def dim_of(rng, ndim: int) -> int:
    """A dim of an ``ndim``-dim tensor, negative half the time."""
    d = int(rng.integers(0, ndim))
    return d - ndim if rng.random() < 0.5 else d


def options(kw, rng) -> dict:
    """Keyword options: a dict as is, or a callable drawing them from ``rng``."""
    return dict(kw(rng) if callable(kw) else (kw or {}))


def unary(low=-1.0, high=1.0, kinks=(), kw=None, min_dims=0) -> Callable:
    """``f(x, **kw)`` on a random shape (0-d included), values in ``[low, high)`` off ``kinks``."""

    def build(rng, f):
        x = t(rng, shape(rng, min_dims), low, high, kinks)
        o = options(kw, rng)
        return (lambda x: f(x, **o)), (x,)

    return build


def binary(low=-1.0, high=1.0, b_low=None, b_high=None, fix=None, kw=None, b_grad=True) -> Callable:
    """``f(a, b, **kw)``, ``b`` broadcast along some dims; ``fix(a, b)`` moves ``a`` off kinks relative to ``b``."""

    def build(rng, f):
        s = shape(rng)
        s_b = tuple(1 if rng.random() < 0.3 else d for d in s)
        a = arr(rng, s, low, high)
        b = arr(rng, s_b, low if b_low is None else b_low, high if b_high is None else b_high)
        if fix is not None:
            a = fix(a, np.broadcast_to(b, s))
        o = options(kw, rng)
        return (lambda a, b: f(a, b, **o)), (ten(a), ten(b, b_grad))

    return build


def apart(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a`` moved off ties with ``b`` (for maximum/minimum and friends)."""
    return np.where(np.abs(a - b) < 2 * GAP, b + 4 * GAP, a)


def reduce(kw=None, distinct_values=False, low=-1.0, high=1.0, all_dims=True, dim_tuple=False) -> Callable:
    """``f(x, dim=..., keepdim=..., **kw)``: dim drawn from the shape (a tuple, or omitted, sometimes)."""

    def build(rng, f):
        s = shape(rng, 1, 3)
        x = distinct(rng, s) if distinct_values else t(rng, s, low, high)
        o = options(kw, rng)
        r = rng.random()
        if all_dims and r < 0.2:
            return (lambda x: f(x, **o)), (x,)
        dim = dim_of(rng, len(s))
        if dim_tuple and r > 0.7 and len(s) > 1:
            dim = tuple(int(d) for d in rng.choice(len(s), size=2, replace=False))
        keepdim = bool(rng.random() < 0.5)
        return (lambda x: f(x, dim=dim, keepdim=keepdim, **o)), (x,)

    return build


def along(kw=None, distinct_values=False, low=-1.0, high=1.0) -> Callable:
    """``f(x, dim, **kw)`` along one dim (softmax, cumsum, ...)."""

    def build(rng, f):
        s = shape(rng, 1, 3)
        x = distinct(rng, s) if distinct_values else t(rng, s, low, high)
        dim = dim_of(rng, len(s))
        o = options(kw, rng)
        return (lambda x: f(x, dim, **o)), (x,)

    return build


def custom(make: Callable) -> Callable:
    """A builder from ``make(rng, f) -> (fn, inputs)``, for cases whose arguments depend on each other."""
    return make
