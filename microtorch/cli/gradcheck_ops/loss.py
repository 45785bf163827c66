"""Losses, with gradients to the input and (where PyTorch gives one) to the target; reductions drawn."""

from __future__ import annotations

import numpy as np

from ._core import family
from ._gen import GAP, arr, index, shape, t, ten

Lo = family("loss")

REDUCTIONS = ("mean", "sum", "none")


def _reduction(rng) -> str:
    return str(rng.choice(REDUCTIONS))


def _pair_off(rng, s, kinks):
    """(input, target) whose differences stay off ``kinks`` (0 for l1; +-delta for huber)."""
    a, b = arr(rng, s), arr(rng, s)
    d = a - b
    for p in kinks:
        d = np.where(np.abs(d - p) < GAP, p + 2 * GAP * np.where(d >= p, 1, -1), d)
    return ten(b + d), ten(b)


def _regression(kinks_of):
    """mse/l1/huber/smooth_l1: ``kinks_of(rng) -> (kinks, options)``."""

    def build(rng, f):
        kinks, kw = kinks_of(rng)
        kw = dict(kw, reduction=_reduction(rng))
        return (lambda a, b: f(a, b, **kw)), _pair_off(rng, shape(rng, 1, 3), kinks)

    return build


def _mse(rng):
    return (), {}


def _l1(rng):
    return (0.0,), {}


def _huber(rng):
    delta = float(rng.choice([1.0, 0.3]))
    return (0.0, -delta, delta), dict(delta=delta)


def _smooth_l1(rng):
    beta = float(rng.choice([1.0, 0.3]))
    return (0.0, -beta, beta), dict(beta=beta)


def _class_options(rng, c):
    kw = dict(reduction=_reduction(rng))
    if rng.random() < 0.3:
        kw["weight"] = ten(rng.uniform(0.5, 1.5, size=c), grad=False)
    return kw


def _nd_logits(rng):
    n, c = int(rng.integers(1, 4)), int(rng.integers(2, 5))
    extra = (int(rng.integers(1, 3)),) if rng.random() < 0.3 else ()
    return n, c, extra


def _cross_entropy(rng, f):
    n, c, extra = _nd_logits(rng)
    kw = _class_options(rng, c)
    if rng.random() < 0.3:
        kw["label_smoothing"] = float(rng.choice([0.1, 0.3]))
    x = t(rng, (n, c, *extra), -2.0, 2.0)
    if rng.random() < 0.3:  # class probabilities as the target
        p = rng.uniform(0.1, 1.0, size=(n, c, *extra))
        target = ten(p / p.sum(axis=1, keepdims=True), grad=False)
    else:
        target = index(rng, c, (n, *extra))
        if rng.random() < 0.3:
            kw["ignore_index"] = int(rng.integers(0, c))
    return (lambda x: f(x, target, **kw)), (x,)


def _nll(rng, f):
    n, c, extra = _nd_logits(rng)
    kw = _class_options(rng, c)
    if rng.random() < 0.3:
        kw["ignore_index"] = int(rng.integers(0, c))
    target = index(rng, c, (n, *extra))
    if "ignore_index" not in kw and rng.random() < 0.3:  # the default ignore_index, -100
        target = target.masked_fill(index(rng, 2, target.shape).bool(), -100)
    return (lambda x: f(x, target, **kw)), (t(rng, (n, c, *extra), -2.0, 0.0),)


def _bce(rng, f):
    s = shape(rng, 1, 3)
    kw = dict(reduction=_reduction(rng))
    if rng.random() < 0.3:
        kw["weight"] = ten(rng.uniform(0.5, 1.5, size=s[-1:]), grad=False)
    return (lambda p, y: f(p, y, **kw)), (t(rng, s, 0.1, 0.9), t(rng, s, 0.0, 1.0))


def _bce_logits(rng, f):
    s = shape(rng, 1, 3)
    kw = dict(reduction=_reduction(rng))
    if rng.random() < 0.3:
        kw["weight"] = ten(rng.uniform(0.5, 1.5, size=s[-1:]), grad=False)
    if rng.random() < 0.4:
        kw["pos_weight"] = ten(rng.uniform(0.5, 2.0, size=s[-1:]), grad=False)
    return (lambda x, y: f(x, y, **kw)), (t(rng, s, -3.0, 3.0), t(rng, s, 0.0, 1.0))


def _kl_div(rng, f):
    s = shape(rng, 1, 3)
    log_target = bool(rng.random() < 0.5)
    reduction = str(rng.choice(["mean", "sum", "none", "batchmean"]))
    x = t(rng, s, -3.0, -0.1)
    y = t(rng, s, -3.0, -0.1) if log_target else t(rng, s, 0.05, 1.0)
    return (lambda x, y: f(x, y, reduction=reduction, log_target=log_target)), (x, y)


OPS = [
    Lo("mse_loss", _regression(_mse), "F"),
    Lo("l1_loss", _regression(_l1), "F"),
    Lo("huber_loss", _regression(_huber), "F"),
    Lo("smooth_l1_loss", _regression(_smooth_l1), "F"),
    Lo("cross_entropy", _cross_entropy, "F"),
    Lo("nll_loss", _nll, "F"),
    Lo("binary_cross_entropy", _bce, "F"),
    Lo("binary_cross_entropy_with_logits", _bce_logits, "F"),
    Lo("kl_div", _kl_div, "F"),
]
