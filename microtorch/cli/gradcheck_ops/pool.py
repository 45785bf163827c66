"""Pooling: max (distinct values, so the argmax is stable), average, power-average, adaptive, and max-unpooling."""

from __future__ import annotations

from ._core import family
from ._gen import distinct, t

P = family("pool")


def _window(rng, nd):
    """(kernel, stride, padding, input shape) of a valid pooling window."""
    k = int(rng.integers(1, 4 if nd < 3 else 3))
    stride = int(rng.integers(1, 3))
    padding = int(rng.integers(0, k // 2 + 1))
    size = tuple(int(k + rng.integers(0, 3)) for _ in range(nd))
    return k, stride, padding, (int(rng.integers(1, 3)), int(rng.integers(1, 3)), *size)


def _max(nd: int):
    def build(rng, f):
        k, stride, padding, s = _window(rng, nd)
        dilation = int(rng.integers(1, 3)) if k > 1 and nd < 3 else 1
        s = (*s[:2], *(v + (dilation - 1) * (k - 1) for v in s[2:]))
        ceil_mode = bool(rng.random() < 0.3)
        return (lambda x: f(x, k, stride, padding, dilation, ceil_mode)), (distinct(rng, s),)

    return build


def _avg(nd: int):
    def build(rng, f):
        k, stride, padding, s = _window(rng, nd)
        ceil_mode, include = bool(rng.random() < 0.3), bool(rng.random() < 0.5)
        divisor = int(rng.integers(1, 5)) if nd > 1 and rng.random() < 0.3 else None
        kw = dict(divisor_override=divisor) if divisor else {}
        return (lambda x: f(x, k, stride, padding, ceil_mode, include, **kw)), (t(rng, s),)

    return build


def _lp(nd: int):
    def build(rng, f):
        k, stride, _, s = _window(rng, nd)
        p = float(rng.choice([2.0, 1.5, 3.0]))
        ceil_mode = bool(rng.random() < 0.3)
        return (lambda x: f(x, p, k, stride, ceil_mode)), (t(rng, s, 0.2, 2.0),)

    return build


def _adaptive(nd: int, kind: str):
    def build(rng, f):
        s = (int(rng.integers(1, 3)), int(rng.integers(1, 3)), *(int(v) for v in rng.integers(1, 6, size=nd)))
        out = tuple(int(v) for v in rng.integers(1, 4, size=nd))
        x = distinct(rng, s) if kind == "max" else t(rng, s)
        return (lambda x: f(x, out)), (x,)

    return build


def _unpool(nd: int):
    def build(rng, f):
        import microtorch.nn.functional as F

        k = int(rng.integers(1, 3))
        stride = k  # windows that overlap can pick one element twice: unpooling then writes it twice
        s = (1, int(rng.integers(1, 3)), *(int(k + rng.integers(0, 3)) for _ in range(nd)))
        pool = getattr(F, f"max_pool{nd}d")
        values, indices = pool(distinct(rng, s, grad=False), k, stride, return_indices=True)
        return (lambda x: f(x, indices, k, stride, output_size=s[2:])), (t(rng, tuple(values.shape)),)

    return build


OPS = [
    P("max_pool1d", _max(1), "torch F"),
    P("max_pool2d", _max(2), "torch F"),
    P("max_pool3d", _max(3), "torch F"),
    P("max_pool1d_with_indices", _max(1), "F"),
    P("max_pool2d_with_indices", _max(2), "F"),
    P("max_pool3d_with_indices", _max(3), "F"),
    P("avg_pool1d", _avg(1), "torch F"),
    P("avg_pool2d", _avg(2), "F"),
    P("avg_pool3d", _avg(3), "F"),
    P("lp_pool1d", _lp(1), "F"),
    P("lp_pool2d", _lp(2), "F"),
    P("lp_pool3d", _lp(3), "F"),
    P("adaptive_avg_pool1d", _adaptive(1, "avg"), "torch F"),
    P("adaptive_avg_pool2d", _adaptive(2, "avg"), "F"),
    P("adaptive_avg_pool3d", _adaptive(3, "avg"), "F"),
    P("adaptive_max_pool1d", _adaptive(1, "max"), "torch F"),
    P("adaptive_max_pool2d", _adaptive(2, "max"), "F"),
    P("adaptive_max_pool3d", _adaptive(3, "max"), "F"),
    P("adaptive_max_pool1d_with_indices", _adaptive(1, "max"), "F"),
    P("adaptive_max_pool2d_with_indices", _adaptive(2, "max"), "F"),
    P("max_unpool1d", _unpool(1), "F"),
    P("max_unpool2d", _unpool(2), "F"),
    P("max_unpool3d", _unpool(3), "F"),
]
