"""Activation functions (inputs kept off each one's kinks: 0, the clip bounds, the shrink thresholds)."""

from __future__ import annotations

from ._core import family
from ._gen import shape, t, unary

A = family("activation")


def _slope(rng):
    return dict(negative_slope=float(rng.choice([0.01, 0.2, 1.5])))


def _alpha(rng):
    return dict(alpha=float(rng.choice([1.0, 0.5, 2.0])))


def _lambd(rng, f):
    lambd = float(rng.choice([0.5, 0.2, 1.0]))
    x = t(rng, shape(rng, 0), -2.0, 2.0, (-lambd, lambd))
    return (lambda x: f(x, lambd)), (x,)


def _hardtanh(rng, f):
    lo, hi = float(rng.uniform(-1.5, -0.2)), float(rng.uniform(0.2, 1.5))
    x = t(rng, shape(rng, 0), -2.0, 2.0, (lo, hi))
    return (lambda x: f(x, lo, hi)), (x,)


def _threshold(rng, f):
    th, value = float(rng.uniform(-0.5, 0.5)), float(rng.uniform(-1, 1))
    x = t(rng, shape(rng, 0), -1.0, 1.0, (th,))
    return (lambda x: f(x, th, value)), (x,)


def _softplus(rng, f):
    beta = float(rng.choice([1.0, 2.0, 0.5]))
    threshold = float(rng.choice([20.0, 1.0]))
    x = t(rng, shape(rng, 0), -3.0, 3.0, (threshold / beta,))
    return (lambda x: f(x, beta, threshold)), (x,)


def _gelu(rng):
    return dict(approximate=str(rng.choice(["none", "tanh"])))


def _glu(rng, f):
    s = list(shape(rng, 1, 3))
    d = int(rng.integers(len(s)))
    s[d] *= 2
    return (lambda x: f(x, d - len(s))), (t(rng, tuple(s)),)


def _prelu(rng, f):
    s = shape(rng, 2, 4)
    w = t(rng, (s[1],) if rng.random() < 0.5 else (1,), 0.0, 0.5)
    return f, (t(rng, s, kinks=(0.0,)), w)


OPS = [
    A("relu", unary(kinks=(0.0,)), "torch Tensor F"),
    A("relu6", unary(-1.0, 7.0, (0.0, 6.0)), "F"),
    A("leaky_relu", unary(kinks=(0.0,), kw=_slope), "torch Tensor F"),
    A("elu", unary(-2.0, 2.0, (0.0,), kw=_alpha), "torch F"),
    A("celu", unary(-2.0, 2.0, (0.0,), kw=_alpha), "F"),
    A("selu", unary(-2.0, 2.0, (0.0,)), "F"),
    A("gelu", unary(-3.0, 3.0, kw=_gelu), "F"),
    A("silu", unary(-3.0, 3.0), "F"),
    A("mish", unary(-3.0, 3.0), "F"),
    A("softsign", unary(-3.0, 3.0, (0.0,)), "F"),
    A("logsigmoid", unary(-3.0, 3.0), "F"),
    A("tanhshrink", unary(-2.0, 2.0), "F"),
    A("hardsigmoid", unary(-4.0, 4.0, (-3.0, 3.0)), "F"),
    A("hardswish", unary(-4.0, 4.0, (-3.0, 3.0)), "F"),
    A("hardtanh", _hardtanh, "F"),
    A("hardshrink", _lambd, "F Tensor"),
    A("softshrink", _lambd, "F"),
    A("threshold", _threshold, "F"),
    A("softplus", _softplus, "F"),
    A("glu", _glu, "F"),
    A("prelu", _prelu, "F Tensor"),
]
