"""Matrix products: matmul in all its rank combinations, mm/bmm/mv/dot/outer, einsum, linear."""

from __future__ import annotations

from ._core import family, swapped
from ._gen import t

L = family("linalg")


def _sides(rng, n):
    return [int(v) for v in rng.integers(1, 4, size=n)]


def _matmul(rng, f):
    b, n, k, m = _sides(rng, 4)
    a_shape, b_shape = [
        ((k,), (k,)),
        ((n, k), (k,)),
        ((k,), (k, m)),
        ((n, k), (k, m)),
        ((b, n, k), (k, m)),
        ((n, k), (b, k, m)),
        ((b, 1, n, k), (2, k, m)),
    ][int(rng.integers(7))]
    return f, (t(rng, a_shape), t(rng, b_shape))


def _pair(make_shapes):
    def build(rng, f):
        a_shape, b_shape = make_shapes(*_sides(rng, 4))
        return f, (t(rng, a_shape), t(rng, b_shape))

    return build


_EQUATIONS = [
    ("ij,jk->ik", lambda n, k, m: [(n, k), (k, m)]),
    ("bij,bjk->bik", lambda n, k, m: [(2, n, k), (2, k, m)]),
    ("ii->i", lambda n, k, m: [(n, n)]),
    ("ij->", lambda n, k, m: [(n, k)]),
    ("i,j->ij", lambda n, k, m: [(n,), (m,)]),
    ("ij,ij,ij->i", lambda n, k, m: [(n, k)] * 3),
    ("...ij->...ji", lambda n, k, m: [(2, n, k)]),
]


def _einsum(rng, f):
    eq, shapes = _EQUATIONS[int(rng.integers(len(_EQUATIONS)))]
    n, k, m = _sides(rng, 3)
    return (lambda *xs: f(eq, *xs)), tuple(t(rng, s) for s in shapes(n, k, m))


def _linear(rng, f):
    n, i, o = _sides(rng, 3)
    x = t(rng, (2, n, i) if rng.random() < 0.3 else (n, i))
    if rng.random() < 0.3:
        return f, (x, t(rng, (o, i)))
    return f, (x, t(rng, (o, i)), t(rng, (o,)))


OPS = [
    L("matmul", _matmul, "torch Tensor Tensor.__matmul__ linalg"),
    L("rmatmul", swapped(_matmul), "Tensor.__rmatmul__"),
    L("mm", _pair(lambda b, n, k, m: ((n, k), (k, m)))),
    L("bmm", _pair(lambda b, n, k, m: ((b, n, k), (b, k, m)))),
    L("mv", _pair(lambda b, n, k, m: ((n, k), (k,)))),
    L("dot", _pair(lambda b, n, k, m: ((k,), (k,)))),
    L("outer", _pair(lambda b, n, k, m: ((n,), (m,)))),
    L("einsum", _einsum, "torch"),
    L("linear", _linear, "F"),
]
