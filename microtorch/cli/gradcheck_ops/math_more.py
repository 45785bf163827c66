"""angle of real tensors, rsub, frexp's mantissa, the regularized incomplete gammas (in their second argument), randomized low-rank SVD/PCA."""

from __future__ import annotations

import numpy as np

from ._core import family
from ._gen import shape, t, ten, unary

M = family("math")


def _frexp(rng, f):
    """Values off the powers of two, where the exponent (and the mantissa's slope) jumps."""
    s = shape(rng, 0)
    e = rng.integers(-3, 4, size=s)
    m = rng.uniform(0.55, 0.95, size=s) * rng.choice([-1.0, 1.0], size=s)
    return f, (ten(np.ldexp(m, e)),)


def _igamma(rng, f):
    """Gradient to ``other`` only: torch has no derivative in ``input`` ("igamma: input ... not implemented")."""
    s = shape(rng)
    a = t(rng, s, 0.5, 3.0, grad=False)
    return (lambda x: f(a, x)), (t(rng, s[-1:] if rng.random() < 0.3 else s, 0.2, 3.0),)


def _lowrank(centered: bool):
    """The gauge-free reconstruction ``U diag(S) V^T`` and ``S``, the random projection seeded inside.

    ``centered`` (pca_lowrank) removes the column means, one rank: ``q`` stays below the centered rank.
    """

    def build(rng, f):
        return _lowrank_case(rng, f, centered)

    return build


def _lowrank_case(rng, f, centered: bool):
    import microtorch as mt

    m, n = int(rng.integers(2 + centered, 5)), int(rng.integers(2, 5))
    q = int(rng.integers(1, min(m - centered, n) + 1))
    batch = (2,) if rng.random() < 0.3 else ()

    def fn(a):
        mt.manual_seed(0)
        u, s, v = f(a, q=q, niter=2)
        return (u * s.unsqueeze(-2)) @ v.mT, s

    # well separated singular values, so the rank-q truncation is smooth
    a = np.linalg.qr(rng.normal(size=(*batch, m, m)))[0][..., :, : min(m, n)]
    b = np.linalg.qr(rng.normal(size=(*batch, n, n)))[0][..., :, : min(m, n)]
    sv = 3.0 * 0.5 ** np.arange(min(m, n))
    return fn, (ten((a * sv) @ np.swapaxes(b, -1, -2)),)


def _rsub(rng, f):
    """``other - alpha * input``, other a tensor (broadcast) or a number."""
    s = shape(rng)
    alpha = float(rng.choice([1.0, 2.5, -0.5]))
    if rng.random() < 0.3:
        other = float(rng.uniform(-1, 1))
        return (lambda x: f(x, other, alpha=alpha)), (t(rng, s),)
    return (lambda x, y: f(x, y, alpha=alpha)), (t(rng, s), t(rng, s[-1:] if s and rng.random() < 0.3 else s))


OPS = [
    M("frexp", _frexp),
    M("angle", unary(kinks=(0.0,))),  # of a real tensor: 0 or pi, a zero gradient off its jump at 0
    M("rsub", _rsub, "torch"),
    M("igamma", _igamma),
    M("igammac", _igamma),
    M("svd_lowrank", _lowrank(False), "torch"),
    M("pca_lowrank", _lowrank(True), "torch"),
]
