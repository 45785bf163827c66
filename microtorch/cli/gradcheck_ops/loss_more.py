"""Margin, embedding, ranking, triplet and likelihood losses; hinge arguments kept off their kink at 0.

Cases of the hinge losses are drawn until every ``max(0, z)`` argument ``z`` is at least ``GAP``
away from 0 (the losses are not differentiable there), computed from the drawn values in numpy.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._core import family
from ._gen import GAP, index, shape, t, ten

Lo = family("loss")

REDUCTIONS = ("mean", "sum", "none")


def _reduction(rng) -> str:
    return str(rng.choice(REDUCTIONS))


def _off_kinks(rng, draw: Callable, hinge: Callable):
    """``draw(rng)`` repeated until ``hinge(*arrays)`` (the ``max(0, z)`` arguments) stays off 0."""
    while True:
        arrays = draw(rng)
        if np.all(np.abs(hinge(*arrays)) >= GAP):
            return arrays


def _signs(rng, s):
    return np.where(rng.random(size=s) < 0.5, 1.0, -1.0)


def _cos(a, b):
    return (a * b).sum(-1) / np.sqrt((a * a).sum(-1) * (b * b).sum(-1))


def _cosine_embedding(rng, f):
    n, d = int(rng.integers(1, 4)), int(rng.integers(2, 4))
    margin = float(rng.choice([0.0, 0.3, -0.2]))
    s = (n, d) if rng.random() < 0.7 else (d,)

    def draw(rng):
        return rng.uniform(-1, 1, size=s), rng.uniform(-1, 1, size=s), _signs(rng, s[:-1])

    a, b, y = _off_kinks(rng, draw, lambda a, b, y: np.where(y < 0, _cos(a, b) - margin, 1.0))
    kw = dict(margin=margin, reduction=_reduction(rng))
    return (lambda a, b: f(a, b, ten(y, False), **kw)), (ten(a), ten(b))


def _hinge_embedding(rng, f):
    s = shape(rng, 1, 3)
    margin = float(rng.choice([1.0, 0.5]))

    def draw(rng):
        return rng.uniform(-1.5, 1.5, size=s), _signs(rng, s)

    x, y = _off_kinks(rng, draw, lambda x, y: np.where(y < 0, margin - x, 1.0))
    kw = dict(margin=margin, reduction=_reduction(rng))
    return (lambda x: f(x, ten(y, False), **kw)), (ten(x),)


def _margin_ranking(rng, f):
    s = shape(rng, 1, 1)
    margin = float(rng.choice([0.0, 0.5]))

    def draw(rng):
        return rng.uniform(-1, 1, size=s), rng.uniform(-1, 1, size=s), _signs(rng, s)

    a, b, y = _off_kinks(rng, draw, lambda a, b, y: -y * (a - b) + margin)
    kw = dict(margin=margin, reduction=_reduction(rng))
    return (lambda a, b: f(a, b, ten(y, False), **kw)), (ten(a), ten(b))


def _multi_margin(rng, f):
    n, c = int(rng.integers(1, 4)), int(rng.integers(2, 5))
    p, margin = int(rng.choice([1, 2])), float(rng.choice([1.0, 0.5]))
    y = rng.integers(0, c, size=n)

    def draw(rng):
        return (rng.uniform(-1, 1, size=(n, c)),)

    (x,) = _off_kinks(rng, draw, lambda x: margin - x[np.arange(n), y][:, None] + x)
    kw = dict(p=p, margin=margin, reduction=_reduction(rng))
    if rng.random() < 0.3:
        kw["weight"] = ten(rng.uniform(0.5, 1.5, size=c), False)
    target = ten(y, False).long()
    return (lambda x: f(x, target, **kw)), (ten(x),)


def _multilabel_target(rng, n, c):
    """Rows of distinct labels, each ended by -1 (or filling the row), as torch's multilabel target."""
    rows = np.full((n, c), -1)
    for r in rows:
        k = int(rng.integers(0, c + 1))
        r[:k] = rng.permutation(c)[:k]
    return rows


def _multilabel_margin(rng, f):
    n, c = int(rng.integers(1, 4)), int(rng.integers(2, 5))
    y = _multilabel_target(rng, n, c)

    def draw(rng):
        return (rng.uniform(-1, 1, size=(n, c)),)

    (x,) = _off_kinks(rng, draw, lambda x: 1 - x[:, :, None] + x[:, None, :])  # every pair (j, i), a superset
    target = ten(y, False).long()
    kw = dict(reduction=_reduction(rng))
    if rng.random() < 0.3:
        return (lambda x: f(x, target[0], **kw)), (ten(x[0]),)
    return (lambda x: f(x, target, **kw)), (ten(x),)


def _multilabel_soft_margin(rng, f):
    n, c = int(rng.integers(1, 4)), int(rng.integers(1, 5))
    kw = dict(reduction=_reduction(rng))
    if rng.random() < 0.3:
        kw["weight"] = ten(rng.uniform(0.5, 1.5, size=c), False)
    y = ten(rng.integers(0, 2, size=(n, c)), False)
    return (lambda x: f(x, y, **kw)), (t(rng, (n, c), -2.0, 2.0),)


def _soft_margin(rng, f):
    s = shape(rng, 1, 3)
    y = ten(_signs(rng, s), False)
    kw = dict(reduction=_reduction(rng))
    return (lambda x: f(x, y, **kw)), (t(rng, s, -2.0, 2.0),)


def _gaussian_nll(rng, f):
    n, d = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    var_shape = [(n, d), (n, 1), (n,)][int(rng.integers(3))]
    kw = dict(full=bool(rng.random() < 0.5), reduction=_reduction(rng))
    if rng.random() < 0.2:
        var = float(rng.uniform(0.5, 1.5))
        return (lambda x, y: f(x, y, var, **kw)), (t(rng, (n, d)), t(rng, (n, d)))
    return (lambda x, y, v: f(x, y, v, **kw)), (t(rng, (n, d)), t(rng, (n, d)), t(rng, var_shape, 0.3, 1.5))


def _poisson_nll(rng, f):
    s = shape(rng, 1, 3)
    log_input, full = bool(rng.random() < 0.5), bool(rng.random() < 0.5)
    x = t(rng, s, -1.0, 1.0) if log_input else t(rng, s, 0.3, 2.0)
    y = t(rng, s, 0.0, 3.0, kinks=(1.0,))  # full's Stirling term switches on at target 1
    kw = dict(log_input=log_input, full=full, reduction=_reduction(rng))
    return (lambda x, y: f(x, y, **kw)), (x, y)


def _dist(a, b, p, eps=1e-6):
    return (np.abs(a - b + eps) ** p).sum(-1) ** (1 / p)


def _squared(x, y):
    """A custom distance for ``triplet_margin_with_distance_loss`` (works on numpy arrays and tensors alike)."""
    return ((x - y) ** 2).sum(-1)


def _triplet(with_distance: bool):
    """``triplet_margin_loss`` (p drawn) or ``..._with_distance_loss`` (its default distance, or a custom one)."""

    def build(rng, f):
        n, d = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        s = (n, d) if rng.random() < 0.8 else (d,)
        margin, swap = float(rng.choice([1.0, 0.3])), bool(rng.random() < 0.5)
        p = 2.0 if with_distance else float(rng.choice([1.0, 2.0, 3.0]))
        custom = with_distance and rng.random() < 0.4
        dist = _squared if custom else (lambda a, b: _dist(a, b, p))

        def hinge(a, q, m):
            dn = np.minimum(dist(a, m), dist(q, m)) if swap else dist(a, m)
            ties = dist(a, m) - dist(q, m) if swap else np.ones(1)  # swap's min has a kink at its tie
            return np.concatenate([np.ravel(dist(a, q) - dn + margin), np.ravel(ties)])

        a, q, m = _off_kinks(rng, lambda rng: [rng.uniform(-1, 1, size=s) for _ in range(3)], hinge)
        kw = dict(margin=margin, swap=swap, reduction=_reduction(rng))
        if custom:
            kw["distance_function"] = _squared
        elif not with_distance:
            kw["p"] = p
        return (lambda a, q, m: f(a, q, m, **kw)), (ten(a), ten(q), ten(m))

    return build


def _linear_ce(rng, f):
    n, i, c = int(rng.integers(1, 4)), int(rng.integers(1, 4)), int(rng.integers(2, 5))
    target = index(rng, c, (n,))
    kw = dict(reduction=_reduction(rng))
    if rng.random() < 0.3:
        kw["label_smoothing"] = 0.2
    if rng.random() < 0.3:
        kw["weight"] = ten(rng.uniform(0.5, 1.5, size=c), False)
    if rng.random() < 0.4:
        return (lambda x, w, b: f(x, w, target, linear_bias=b, **kw)), (t(rng, (n, i)), t(rng, (c, i)), t(rng, (c,)))
    return (lambda x, w: f(x, w, target, **kw)), (t(rng, (n, i)), t(rng, (c, i)))


def _ctc(rng, f):
    """Targets feasible (every input length >= 2 * target length + 1), padded or concatenated, blank drawn.

    Called on ``log_softmax`` of logits: torch's ctc gradient is the derivative through log_softmax only
    (on free log_probs torch's own gradcheck fails).
    """
    n, c = int(rng.integers(1, 4)), int(rng.integers(2, 5))
    blank = int(rng.integers(0, c))
    tl = rng.integers(0, 3, size=n)
    il = 2 * tl + 1 + rng.integers(0, 2, size=n)
    labels = [int(v) for v in range(c) if v != blank]
    rows = rng.choice(labels, size=(n, max(int(tl.max()), 1)))
    targets = ten(rows, False).long()
    if rng.random() < 0.4:
        targets = ten(np.concatenate([r[:k] for r, k in zip(rows, tl)]), False).long()
    kw = dict(blank=blank, reduction=_reduction(rng), zero_infinity=bool(rng.random() < 0.3))
    lengths = [int(v) for v in il], [int(v) for v in tl]
    return (lambda x: f(x.log_softmax(2), targets, *lengths, **kw)), (t(rng, (int(il.max()), n, c), -2.0, 2.0),)


OPS = [
    Lo("cosine_embedding_loss", _cosine_embedding, "F"),
    Lo("hinge_embedding_loss", _hinge_embedding, "F"),
    Lo("margin_ranking_loss", _margin_ranking, "F"),
    Lo("multi_margin_loss", _multi_margin, "F"),
    Lo("multilabel_margin_loss", _multilabel_margin, "F"),
    Lo("multilabel_soft_margin_loss", _multilabel_soft_margin, "F"),
    Lo("soft_margin_loss", _soft_margin, "F"),
    Lo("gaussian_nll_loss", _gaussian_nll, "F"),
    Lo("poisson_nll_loss", _poisson_nll, "F"),
    Lo("triplet_margin_loss", _triplet(False), "F"),
    Lo("triplet_margin_with_distance_loss", _triplet(True), "F"),
    Lo("linear_cross_entropy", _linear_ce, "F"),
    # torch has no second derivative: "derivative for aten::_ctc_loss_backward is not implemented"
    Lo("ctc_loss", _ctc, "F", order2=False),
]
