"""Normalization layers' functions: batch, instance, group and layer norm, with and without affine parameters."""

from __future__ import annotations

from ._core import family
from ._gen import t

N = family("norm")


def _affine(rng, c):
    """``(weight, bias)`` tensors of ``c`` elements, or ``None`` for one or both."""
    k = int(rng.integers(3))
    w = t(rng, (c,), 0.5, 1.5) if k < 2 else None
    b = t(rng, (c,)) if k < 1 else None
    return w, b


def _params(w, b):
    return tuple(p for p in (w, b) if p is not None)


def _bind(f, w, b, call):
    """``fn(x, *params)`` putting the params that are tensors in their slots of ``call``."""

    def fn(x, *params):
        it = iter(params)
        return call(f, x, next(it) if w is not None else None, next(it) if b is not None else None)

    return fn


def _batch_norm(rng, f):
    n, c = int(rng.integers(2, 4)), int(rng.integers(1, 3))
    spatial = tuple(int(v) for v in rng.integers(1, 3, size=int(rng.integers(0, 3))))
    training = bool(rng.random() < 0.7)
    w, b = _affine(rng, c)
    mean, var = t(rng, (c,), grad=False), t(rng, (c,), 0.5, 1.5, grad=False)
    fn = _bind(f, w, b, lambda f, x, w, b: f(x, mean, var, w, b, training=training, eps=1e-3))
    return fn, (t(rng, (n, c, *spatial)), *_params(w, b))


def _instance_norm(rng, f):
    n, c = int(rng.integers(1, 3)), int(rng.integers(1, 3))
    spatial = tuple(int(v) for v in rng.integers(2, 4, size=int(rng.integers(1, 3))))
    w, b = _affine(rng, c)
    fn = _bind(f, w, b, lambda f, x, w, b: f(x, weight=w, bias=b, eps=1e-3))
    return fn, (t(rng, (n, c, *spatial)), *_params(w, b))


def _group_norm(rng, f):
    groups = int(rng.integers(1, 3))
    n, c = int(rng.integers(1, 3)), groups * int(rng.integers(1, 3))
    spatial = tuple(int(v) for v in rng.integers(1, 3, size=int(rng.integers(1, 3))))
    w, b = _affine(rng, c)
    fn = _bind(f, w, b, lambda f, x, w, b: f(x, groups, w, b, eps=1e-3))
    return fn, (t(rng, (n, c, *spatial)), *_params(w, b))


def _layer_norm(rng, f):
    s = tuple(int(v) for v in rng.integers(2, 4, size=int(rng.integers(2, 4))))  # >= 2 normalized elements
    k = int(rng.integers(1, len(s)))
    normalized = s[-k:]
    w, b = (t(rng, normalized, 0.5, 1.5), t(rng, normalized)) if rng.random() < 0.6 else (None, None)
    fn = _bind(f, w, b, lambda f, x, w, b: f(x, normalized, w, b, eps=1e-3))
    return fn, (t(rng, s), *_params(w, b))


OPS = [
    N("batch_norm", _batch_norm, "F"),
    N("instance_norm", _instance_norm, "F"),
    N("group_norm", _group_norm, "F"),
    N("layer_norm", _layer_norm, "F"),
]
