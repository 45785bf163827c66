"""The ops ``microtorch gradcheck`` checks, each with a generator of random shapes, options and values.

Builders import their op lazily, so families that are not part of this build are skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class GradOp:
    """One checked op: its name, family, and a builder ``rng -> (fn, inputs)``."""

    name: str
    family: str
    build: Callable


def build_case(op: GradOp, rng: np.random.Generator):
    """The function and float64 inputs of one generated case of ``op``."""
    return op.build(rng)


def _t(rng, shape, low=-1.0, high=1.0, away=None, grad=True):
    import microtorch as mt

    a = rng.uniform(low, high, size=shape)
    if away is not None:  # keep values off a kink, so finite differences are valid
        a = np.where(np.abs(a - away) < 0.1, a + 0.2, a)
    return mt.tensor(a, dtype=mt.float64, requires_grad=grad)


def _distinct(rng, shape):
    """A float64 tensor of well-separated distinct values (no ties within 1e-6 perturbations)."""
    import microtorch as mt

    n = int(np.prod(shape))
    return mt.tensor((rng.permutation(n) / n + 0.1).reshape(shape), dtype=mt.float64, requires_grad=True)


def _shape(rng, min_dims=1, max_dims=3, max_side=4):
    return tuple(int(s) for s in rng.integers(1, max_side + 1, size=rng.integers(min_dims, max_dims + 1)))


def _unary(fn_name, low=-1.0, high=1.0, away=None):
    def build(rng):
        import microtorch as mt

        fn = getattr(mt, fn_name)
        return fn, (_t(rng, _shape(rng), low, high, away),)

    return build


def _binary(fn, low=-1.0, high=1.0, b_low=None, b_high=None):
    def build(rng):
        s = _shape(rng)
        t = tuple(1 if rng.random() < 0.3 else d for d in s)  # broadcast some dims
        b_low_, b_high_ = (low if b_low is None else b_low), (high if b_high is None else b_high)
        return fn, (_t(rng, s, low, high), _t(rng, t, b_low_, b_high_))

    return build


def _reduce(method, **kw):
    def build(rng):
        s = _shape(rng, 1, 3)
        dim = int(rng.integers(0, len(s)))
        keepdim = bool(rng.random() < 0.5)
        fn = lambda x: getattr(x, method)(dim=dim, keepdim=keepdim, **kw)
        return fn, (_t(rng, s),)

    return build


def _conv(nd, transpose=False):
    def build(rng):
        import microtorch.nn.functional as F

        fn_ = getattr(F, f"conv_transpose{nd}d" if transpose else f"conv{nd}d")
        groups = int(rng.integers(1, 3))
        cin, cout = groups * int(rng.integers(1, 3)), groups * int(rng.integers(1, 3))
        k = tuple(int(v) for v in rng.integers(1, 4 if nd < 3 else 3, size=nd))
        stride = int(rng.integers(1, 3))
        padding = 0 if transpose else int(rng.integers(0, 2))
        dilation = int(rng.integers(1, 3)) if nd < 3 else 1
        size = tuple(int(dilation * (kk - 1) + 1 + rng.integers(0, 3)) for kk in k)
        n = int(rng.integers(1, 3))
        x = _t(rng, (n, cin, *size))
        w_shape = (cin, cout // groups, *k) if transpose else (cout, cin // groups, *k)
        w, b = _t(rng, w_shape), _t(rng, (cout,))
        opts = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
        return (lambda x, w, b: fn_(x, w, b, **opts)), (x, w, b)

    return build


def _pool(kind, nd=2):
    def build(rng):
        import microtorch.nn.functional as F

        name = {"max": "max_pool", "avg": "avg_pool", "lp": "lp_pool", "adaptive": "adaptive_avg_pool"}[kind]
        pool = getattr(F, f"{name}{nd}d")  # resolved now: a missing op is skipped, not failed
        k = int(rng.integers(1, 4))
        stride = int(rng.integers(1, 3))
        size = tuple(int(k + rng.integers(0, 4)) for _ in range(nd))
        shape = (int(rng.integers(1, 3)), int(rng.integers(1, 3)), *size)
        x = _t(rng, shape, 0.1, 2.0)
        if kind == "max":
            # distinct values, well separated, so the argmax is stable under perturbation
            x = _distinct(rng, shape)
            fn = lambda x: pool(x, k, stride=stride, padding=min(k // 2, 1) if k > 1 else 0)
        elif kind == "avg":
            pad = min(k // 2, 1) if k > 1 else 0
            fn = lambda x: pool(x, k, stride=stride, padding=pad, count_include_pad=stride == 1)
        elif kind == "lp":
            fn = lambda x: pool(x, 2.0, k, stride=stride)
        else:
            out = tuple(int(v) for v in rng.integers(1, 3, size=nd))
            fn = lambda x: pool(x, out)
        return fn, (x,)

    return build


def _loss(name):
    def build(rng):
        import microtorch as mt
        import microtorch.nn.functional as F

        loss = getattr(F, name)  # resolved now: a missing op is skipped, not failed
        n, c = int(rng.integers(1, 4)), int(rng.integers(2, 5))
        red = str(rng.choice(["mean", "sum", "none"]))
        if name in ("cross_entropy", "nll_loss"):
            target = mt.tensor(rng.integers(0, c, size=n), dtype=mt.int64)
            x = _t(rng, (n, c))
            if name == "nll_loss":
                return (lambda x: loss(F.log_softmax(x, dim=1), target, reduction=red)), (x,)
            return (lambda x: loss(x, target, reduction=red)), (x,)
        if name == "binary_cross_entropy":
            y = mt.tensor(rng.uniform(0, 1, size=(n, c)), dtype=mt.float64)
            return (lambda p: loss(p, y, reduction=red)), (_t(rng, (n, c), 0.1, 0.9),)
        return (lambda a, b: loss(a, b, reduction=red)), (_t(rng, (n, c)), _t(rng, (n, c)))

    return build


def _signal(name):
    def build(rng):
        import microtorch.signal as signal

        nd = int(rng.integers(1, 3))
        mode = str(rng.choice(["full", "valid", "same"]))
        xs = tuple(int(v) for v in rng.integers(3, 6, size=nd))
        ks = tuple(int(v) for v in rng.integers(1, 4, size=nd))
        fn_ = getattr(signal, name)
        return (lambda x, k: fn_(x, k, mode=mode)), (_t(rng, xs), _t(rng, ks))

    return build


def _linear(rng):
    import microtorch.nn.functional as F

    n, i, o = (int(v) for v in rng.integers(1, 5, size=3))
    return F.linear, (_t(rng, (n, i)), _t(rng, (o, i)), _t(rng, (o,)))


def _matmul(rng):
    import microtorch as mt

    b, n, k, m = (int(v) for v in rng.integers(1, 4, size=4))
    return mt.matmul, (_t(rng, (b, n, k)), _t(rng, (k, m)))


def _getitem(rng):
    s = _shape(rng, 2, 3, 5)
    return (lambda x: x[1:, ::2] * 1.0), (_t(rng, s),)


def _permute(rng):
    s = _shape(rng, 3, 3)
    perm = tuple(int(v) for v in rng.permutation(3))
    return (lambda x: x.permute(*perm).reshape(-1)), (_t(rng, s),)


def _cat(rng):
    import microtorch as mt

    s = _shape(rng, 2, 3)
    t = (int(rng.integers(1, 4)), *s[1:])
    return (lambda a, b: mt.cat([a, b], dim=0)), (_t(rng, s), _t(rng, t))


def _stack(rng):
    import microtorch as mt

    s = _shape(rng)
    return (lambda a, b: mt.stack([a, b], dim=-1)), (_t(rng, s), _t(rng, s))


def _expand(rng):
    s = _shape(rng, 2, 3)
    s1 = (1, *s[1:])
    return (lambda x: x.expand(3, *s[1:])), (_t(rng, s1),)


def _softmax(name):
    def build(rng):
        import microtorch as mt

        s = _shape(rng, 1, 3)
        dim = int(rng.integers(0, len(s)))
        return (lambda x: getattr(mt, name)(x, dim=dim)), (_t(rng, s, -2, 2),)

    return build


def _where(rng):
    import microtorch as mt

    s = _shape(rng)
    cond = mt.tensor(rng.random(s) < 0.5)
    return (lambda a, b: mt.where(cond, a, b)), (_t(rng, s), _t(rng, s))


def _pad(rng):
    import microtorch.nn.functional as F

    pad = F.pad
    pads = tuple(int(v) for v in rng.integers(0, 3, size=4))
    mode = str(rng.choice(["constant", "reflect", "replicate", "circular"]))
    return (lambda x: pad(x, pads, mode=mode)), (_t(rng, (1, 2, 4, 4)),)


def _unfold(rng):
    import microtorch.nn.functional as F

    kernel = tuple(int(v) for v in rng.integers(1, 3, size=2))
    stride = tuple(int(v) for v in rng.integers(1, 3, size=2))
    padding = int(rng.integers(0, 2))
    return (lambda x: F.unfold(x, kernel, padding=padding, stride=stride)), (_t(rng, (1, 2, 4, 5)),)


def _fold(rng):
    import microtorch.nn.functional as F

    kernel = tuple(int(v) for v in rng.integers(1, 3, size=2))
    stride = tuple(int(v) for v in rng.integers(1, 3, size=2))
    blocks = [(s - k) // st + 1 for s, k, st in zip((4, 5), kernel, stride)]
    cols = _t(rng, (1, 2 * kernel[0] * kernel[1], blocks[0] * blocks[1]))
    return (lambda c: F.fold(c, (4, 5), kernel, stride=stride)), (cols,)


def _max_dim(rng):
    s = _shape(rng, 1, 3)
    dim = int(rng.integers(0, len(s)))
    return (lambda x: x.max(dim=dim).values), (_distinct(rng, s),)


OPS: list[GradOp] = [
    GradOp("exp", "elementwise", _unary("exp")),
    GradOp("log", "elementwise", _unary("log", 0.2, 3.0)),
    GradOp("sqrt", "elementwise", _unary("sqrt", 0.2, 3.0)),
    GradOp("tanh", "elementwise", _unary("tanh", -2, 2)),
    GradOp("sigmoid", "elementwise", _unary("sigmoid", -3, 3)),
    GradOp("relu", "elementwise", _unary("relu", away=0.0)),
    GradOp("abs", "elementwise", _unary("abs", away=0.0)),
    GradOp("sin", "elementwise", _unary("sin")),
    GradOp("add", "elementwise", _binary(lambda a, b: a + b)),
    GradOp("sub", "elementwise", _binary(lambda a, b: a - b)),
    GradOp("mul", "elementwise", _binary(lambda a, b: a * b)),
    GradOp("div", "elementwise", _binary(lambda a, b: a / b, b_low=0.5, b_high=2.0)),
    GradOp("pow", "elementwise", _binary(lambda a, b: a**b, 0.5, 2.0)),
    GradOp("where", "elementwise", _where),
    GradOp("sum", "reduction", _reduce("sum")),
    GradOp("mean", "reduction", _reduce("mean")),
    GradOp("max(dim)", "reduction", _max_dim),
    GradOp("softmax", "reduction", _softmax("softmax")),
    GradOp("log_softmax", "reduction", _softmax("log_softmax")),
    GradOp("getitem", "shape", _getitem),
    GradOp("permute", "shape", _permute),
    GradOp("cat", "shape", _cat),
    GradOp("stack", "shape", _stack),
    GradOp("expand", "shape", _expand),
    GradOp("matmul", "linalg", _matmul),
    GradOp("linear", "linalg", _linear),
    GradOp("conv1d", "conv", _conv(1)),
    GradOp("conv2d", "conv", _conv(2)),
    GradOp("conv3d", "conv", _conv(3)),
    GradOp("conv_transpose1d", "conv", _conv(1, transpose=True)),
    GradOp("conv_transpose2d", "conv", _conv(2, transpose=True)),
    GradOp("pad", "conv", _pad),
    GradOp("unfold", "conv", _unfold),
    GradOp("fold", "conv", _fold),
    GradOp("convolve", "signal", _signal("convolve")),
    GradOp("correlate", "signal", _signal("correlate")),
    GradOp("max_pool1d", "pool", _pool("max", 1)),
    GradOp("max_pool2d", "pool", _pool("max", 2)),
    GradOp("avg_pool1d", "pool", _pool("avg", 1)),
    GradOp("avg_pool2d", "pool", _pool("avg", 2)),
    GradOp("lp_pool2d", "pool", _pool("lp", 2)),
    GradOp("adaptive_avg_pool2d", "pool", _pool("adaptive", 2)),
    GradOp("mse_loss", "loss", _loss("mse_loss")),
    GradOp("cross_entropy", "loss", _loss("cross_entropy")),
    GradOp("nll_loss", "loss", _loss("nll_loss")),
    GradOp("binary_cross_entropy", "loss", _loss("binary_cross_entropy")),
]
