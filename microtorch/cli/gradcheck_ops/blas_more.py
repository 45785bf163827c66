"""BLAS-like products (add*mm family, inner/vdot/kron/tensordot), distances and similarities, bilinear."""

from __future__ import annotations

from ._core import family
from ._gen import shape, t, ten

B = family("blas")


def _scales(rng) -> dict:
    """``beta``/``alpha`` keywords: absent, or drawn (beta 0 included: the input then gets no gradient)."""
    r = rng.random()
    if r < 0.4:
        return {}
    return dict(beta=float(rng.choice([0.0, 0.5, 2.0])), alpha=float(rng.choice([1.0, -0.7, 1.5])))


def _bias_shape(rng, full: tuple[int, ...]) -> tuple[int, ...]:
    """The shape of an input broadcast to ``full``: itself, with some sides 1, or trailing sides only."""
    r = rng.random()
    if r < 0.5:
        return full
    if r < 0.8:
        return tuple(1 if rng.random() < 0.5 else d for d in full)
    return full[1:]


def _add_product(shapes):
    """``addmm``-like ops: ``shapes(b, n, k, m) -> (mat1, mat2, out)`` shapes; input broadcast to ``out``."""

    def build(rng, f):
        b, n, k, m = (int(v) for v in rng.integers(1, 4, size=4))
        s1, s2, out = shapes(b, n, k, m)
        kw = _scales(rng)
        return (lambda i, x, y: f(i, x, y, **kw)), (t(rng, _bias_shape(rng, out)), t(rng, s1), t(rng, s2))

    return build


def _inner(rng, f):
    s = shape(rng, 0, 2)
    k = int(rng.integers(1, 4))
    s1 = (*s, k) if s or rng.random() < 0.7 else ()
    s2 = (*shape(rng, 0, 2), k) if s1 else shape(rng, 0, 2)
    return f, (t(rng, s1), t(rng, s2))


def _vdot(rng, f):
    k = int(rng.integers(1, 5))
    return f, (t(rng, (k,)), t(rng, (k,)))


def _kron(rng, f):
    return f, (t(rng, shape(rng, 0, 3, max_side=3)), t(rng, shape(rng, 0, 3, max_side=3)))


def _tensordot(rng, f):
    k = int(rng.integers(0, 3))
    contracted = tuple(int(v) for v in rng.integers(1, 4, size=k))
    a_free, b_free = shape(rng, 0, 2, max_side=3), shape(rng, 0, 2, max_side=3)
    a, b = t(rng, (*a_free, *contracted)), t(rng, (*contracted, *b_free))
    if rng.random() < 0.5 or k == 0:
        return (lambda a, b: f(a, b, dims=k)), (a, b)
    dims = ([len(a_free) + i for i in range(k)], list(range(k)))
    return (lambda a, b: f(a, b, dims=dims)), (a, b)


_PS = (2.0, 1.0, 3.0, float("inf"), 1.5)


def _cdist(rng, f):
    b = shape(rng, 0, 1, max_side=2)
    p1, p2, d = (int(v) for v in rng.integers(1, 4, size=3))
    p = float(rng.choice(_PS))
    return (lambda x, y: f(x, y, p)), (t(rng, (*b, p1, d)), t(rng, (*b, p2, d)))


def _pdist(rng, f):
    n, d = int(rng.integers(2, 5)), int(rng.integers(1, 4))
    p = float(rng.choice(_PS))
    return (lambda x: f(x, p)), (t(rng, (n, d)),)


def _pairwise(rng, f):
    s = shape(rng, 1, 2)
    p = float(rng.choice(_PS))
    keepdim = bool(rng.random() < 0.5)
    return (lambda x, y: f(x, y, p, 1e-6, keepdim)), (t(rng, s), t(rng, s[-1:] if rng.random() < 0.3 else s))


def _cosine(rng, f):
    s = shape(rng, 1, 3, min_side=2)
    dim = int(rng.integers(-len(s), len(s)))
    return (lambda x, y: f(x, y, dim)), (
        t(rng, s, 0.2, 1.2),
        t(rng, s, -1.2, -0.2) if rng.random() < 0.5 else t(rng, s),
    )


def _normalize(rng, f):
    s = shape(rng, 1, 3, min_side=2)
    dim = int(rng.integers(-len(s), len(s)))
    p = float(rng.choice([2.0, 3.0, 1.5]))
    x = rng.uniform(0.2, 1.2, size=s) * rng.choice([-1.0, 1.0], size=s)  # off |x|'s kink at 0
    return (lambda x: f(x, p, dim)), (ten(x),)


def _bilinear(rng, f):
    n, i1, i2, o = (int(v) for v in rng.integers(1, 4, size=4))
    batch = (n,) if rng.random() < 0.7 else (n, 2)
    x1, x2, w = t(rng, (*batch, i1)), t(rng, (*batch, i2)), t(rng, (o, i1, i2))
    if rng.random() < 0.5:
        return (lambda a, b, w, c: f(a, b, w, c)), (x1, x2, w, t(rng, (o,)))
    return f, (x1, x2, w)


OPS = [
    B("addmm", _add_product(lambda b, n, k, m: ((n, k), (k, m), (n, m)))),
    B("addbmm", _add_product(lambda b, n, k, m: ((b, n, k), (b, k, m), (n, m)))),
    B("baddbmm", _add_product(lambda b, n, k, m: ((b, n, k), (b, k, m), (b, n, m)))),
    B("addmv", _add_product(lambda b, n, k, m: ((n, k), (k,), (n,)))),
    B("addr", _add_product(lambda b, n, k, m: ((n,), (m,), (n, m)))),
    B("inner", _inner),
    B("vdot", _vdot),
    B("kron", _kron),
    B("tensordot", _tensordot, "torch"),
    B("cdist", _cdist, "torch"),
    B("pdist", _pdist, "torch F"),
    B("pairwise_distance", _pairwise, "torch F"),
    B("cosine_similarity", _cosine, "torch F"),
    B("normalize", _normalize, "F"),
    B("bilinear", _bilinear, "F"),
]
