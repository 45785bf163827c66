"""Views and shape ops: reshape, permute, expand, split/cat, triangles, slicing, dtype casts."""

from __future__ import annotations

import numpy as np

from ._core import family
from ._gen import dim_of, shape, t

S = family("shape")

GRID_EPS = 1 / 64  # the finite-difference step of the cast cases: the cast is linear, the step exact


def _in(min_dims, make_args):
    def build(rng, f):
        s = shape(rng, min_dims, 3)
        args = make_args(rng, s)
        return (lambda x: f(x, *args)), (t(rng, s),)

    return build


def _perm(rng, s):
    return (tuple(int(v) for v in rng.permutation(len(s))),)


def _reshape_to(rng, s):
    n = int(np.prod(s))
    return ([(n,), (-1,), (1, n), (n, 1, -1)][int(rng.integers(4))],)


def _flatten(rng, s):
    a = dim_of(rng, len(s))
    b = int(rng.integers(a % len(s), len(s)))
    return (a, b)


def _unflatten(rng, s):
    d = dim_of(rng, len(s))
    return (d, (s[d], 1) if rng.random() < 0.5 else (-1, 1, 1))


def _squeeze(rng, s):
    return () if rng.random() < 0.3 else (dim_of(rng, len(s)),)


def _unsqueeze(rng, s):
    return (int(rng.integers(-len(s) - 1, len(s) + 1)),)


def _two_dims(rng, s):
    return (dim_of(rng, len(s)), dim_of(rng, len(s)))


def _movedim(rng, s):
    src = tuple(int(v) for v in rng.choice(len(s), size=min(2, len(s)), replace=False))
    dst = tuple(int(v) for v in rng.choice(len(s), size=len(src), replace=False))
    return (src, dst)


def _flip(rng, s):
    return (tuple(int(v) for v in rng.choice(len(s), size=int(rng.integers(1, len(s) + 1)), replace=False)),)


def _roll(rng, s):
    if rng.random() < 0.3:
        return (int(rng.integers(-3, 4)),)
    dims = tuple(int(v) for v in rng.choice(len(s), size=int(rng.integers(1, len(s) + 1)), replace=False))
    return (tuple(int(v) for v in rng.integers(-3, 4, size=len(dims))), dims)


def _narrow(rng, s):
    d = dim_of(rng, len(s))
    start = int(rng.integers(0, s[d]))
    return (d, start, int(rng.integers(1, s[d] - start + 1)))


def _select(rng, s):
    d = dim_of(rng, len(s))
    return (d, int(rng.integers(-s[d], s[d])))


def _chunk(rng, s):
    return (int(rng.integers(1, 4)), dim_of(rng, len(s)))


def _split(rng, s):
    d = dim_of(rng, len(s))
    if rng.random() < 0.5:
        return (int(rng.integers(1, 4)), d)
    first = int(rng.integers(0, s[d] + 1))
    return ([first, s[d] - first], d)


def _diagonal_offset(rng, s):
    return (int(rng.integers(-2, 3)),)


def _repeats(rng, s):
    return tuple(int(v) for v in rng.integers(1, 3, size=len(s) + int(rng.integers(0, 2))))


def _tile(rng, s):
    return (tuple(int(v) for v in rng.integers(1, 3, size=int(rng.integers(1, len(s) + 2)))),)


def _tensor_unfold(rng, s):
    d = dim_of(rng, len(s))
    size = int(rng.integers(1, s[d] + 1))
    return (d, size, int(rng.integers(1, 3)))


def _expand(rng, f):
    s = shape(rng, 1, 3)
    small = tuple(1 if rng.random() < 0.5 else d for d in s)
    target = (2, *s) if rng.random() < 0.5 else s
    x = t(rng, small)
    return (lambda x: f(x, target)), (x,)


def _expand_method(rng, f):
    s = shape(rng, 1, 3)
    small = tuple(1 if rng.random() < 0.5 else d for d in s)
    return (lambda x: f(x, *s)), (t(rng, small),)


def _expand_as(rng, f):
    s = shape(rng, 1, 3)
    small = tuple(1 if rng.random() < 0.5 else d for d in s)
    other = t(rng, s, grad=False)
    return (lambda x: f(x, other)), (t(rng, small),)


def _sum_to_size(rng, f):
    s = shape(rng, 1, 3)
    small = tuple(1 if rng.random() < 0.5 else d for d in s)
    return (lambda x: f(x, *small)), (t(rng, s),)


def _like(rng, f):
    s = shape(rng, 1, 3)
    n = int(np.prod(s))
    other = t(rng, (n,) if rng.random() < 0.5 else (1, n), grad=False)
    return (lambda x: f(x, other)), (t(rng, s),)


def _cast_to(rng, f):
    import microtorch as mt

    args = [(mt.float64,), ("cpu", mt.float64), (mt.float64, False, True)][int(rng.integers(3))]
    return (lambda x: f(x, *args)), (t(rng, shape(rng, 0)),)


def _type_as(rng, f):
    other = t(rng, (2,), grad=False)
    return (lambda x: f(x, other)), (t(rng, shape(rng, 0)),)


def _type(rng, f):
    import microtorch as mt

    return (lambda x: f(x, mt.float64)), (t(rng, shape(rng, 0)),)


def _exact_cast(rng, f):
    """float/half: values on a 1/64 grid, exact in half precision, as are their steps of ``GRID_EPS``."""
    import microtorch as mt

    x = mt.tensor(rng.integers(-32, 32, size=shape(rng, 0)) / 64.0, dtype=mt.float64, requires_grad=True)
    return (lambda x: f(x).double()), (x,)


def _cat(rng, f):
    s = shape(rng, 1, 3)
    d = dim_of(rng, len(s))
    others = [tuple(int(rng.integers(0, 3)) if i == d % len(s) else v for i, v in enumerate(s)) for _ in range(2)]
    return (lambda *xs: f(list(xs), dim=d)), (t(rng, s), *(t(rng, o) for o in others))


def _stack(rng, f):
    s = shape(rng, 0, 3)
    d = int(rng.integers(-len(s) - 1, len(s) + 1))
    return (lambda a, b: f([a, b], dim=d)), (t(rng, s), t(rng, s))


def _meshgrid(rng, f):
    indexing = str(rng.choice(["ij", "xy"]))
    return (lambda a, b: f(a, b, indexing=indexing)), (t(rng, (int(rng.integers(1, 4)),)), t(rng, (2,)))


def _diag(rng, f):
    d = int(rng.integers(-2, 3))
    s = shape(rng, 1, 2)
    return (lambda x: f(x, d)), (t(rng, s),)


def _matrix(min_dims, max_dims=3):
    def build(rng, f):
        return f, (t(rng, shape(rng, min_dims, max_dims)),)

    return build


def _getitem(rng, f):
    import microtorch as mt

    s = shape(rng, 2, 3, min_side=2)
    keys = [
        (slice(1, None), slice(None, None, 2)),
        (0, Ellipsis, None),
        (mt.tensor([1, 0, 1]),),
        (mt.tensor(rng.random(s) < 0.5),),
        (slice(None), mt.tensor([[0], [1]]), Ellipsis),
        (-1, slice(None, 1)),
        (mt.tensor([0, 1, 0]), mt.tensor([1, 1, 0])),
        (Ellipsis, mt.tensor([-1, 0])),
        (slice(None, None, 2), None, mt.tensor(True)),
    ]
    key = keys[int(rng.integers(len(keys)))]
    return (lambda x: f(x, key)), (t(rng, s),)


OPS = [
    S("reshape", _in(0, _reshape_to)),
    S("view", _in(0, _reshape_to), "Tensor"),
    S("view_as", _like, "Tensor"),
    S("reshape_as", _like, "Tensor"),
    S("flatten", _in(1, _flatten)),
    S("unflatten", _in(1, _unflatten)),
    S("squeeze", _in(1, _squeeze)),
    S("unsqueeze", _in(0, _unsqueeze)),
    S("permute", _in(0, _perm)),
    S("transpose", _in(1, _two_dims)),
    S("swapaxes", _in(1, _two_dims)),
    S("t", _matrix(0, 2)),
    S("T", _matrix(2, 2), "Tensor"),
    S("mT", _matrix(2, 3), "Tensor"),
    S("mH", _matrix(2, 3), "Tensor"),
    S("movedim", _in(1, _movedim)),
    S("expand", _expand_method, "Tensor"),
    S("expand_as", _expand_as, "Tensor"),
    S("broadcast_to", _expand),
    S("sum_to_size", _sum_to_size, "Tensor"),
    S("repeat", _in(1, _repeats), "Tensor"),
    S("tile", _in(1, _tile)),
    S("flip", _in(1, _flip)),
    S("roll", _in(1, _roll)),
    S("narrow", _in(1, _narrow)),
    S("select", _in(1, _select)),
    S("chunk", _in(1, _chunk)),
    S("split", _in(1, _split)),
    S("unbind", _in(1, lambda rng, s: (dim_of(rng, len(s)),))),
    S("unfold(Tensor)", _in(1, _tensor_unfold), "Tensor.unfold"),
    S("tril", _in(2, _diagonal_offset)),
    S("triu", _in(2, _diagonal_offset)),
    S("diag", _diag),
    S("cat", _cat, "torch torch.concat torch.concatenate"),
    S("stack", _stack, "torch"),
    S("meshgrid", _meshgrid, "torch"),
    S("getitem", _getitem, "Tensor.__getitem__"),
    S("clone", _matrix(0)),
    S("cpu", _in(0, lambda rng, s: ()), "Tensor"),
    S("contiguous", _in(0, lambda rng, s: ()), "Tensor"),
    S("to", _cast_to, "Tensor"),
    S("double", _matrix(0), "Tensor"),
    S("type", _type, "Tensor"),
    S("type_as", _type_as, "Tensor"),
    S("float", _exact_cast, "Tensor", eps=GRID_EPS),
    S("half", _exact_cast, "Tensor", eps=GRID_EPS),
]
