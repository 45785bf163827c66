"""The shape family of issue 11: diagonal / as_strided views and their copy / scatter forms,
stacking and splitting helpers, rot90, repeat_interleave, constant_pad_nd, fill, conj no-ops."""

from __future__ import annotations

import numpy as np

from ._core import family
from ._gen import dim_of, shape, t

S = family("shape")


def _in(min_dims, make_args=lambda rng, s: ()):
    def build(rng, f):
        s = shape(rng, min_dims, 3)
        args = make_args(rng, s)
        return (lambda x: f(x, *args)), (t(rng, s),)

    return build


def _two_dims(rng, s):
    a, b = (int(v) for v in rng.choice(len(s), size=2, replace=False))
    return a, b


def _diagonal(rng, s):
    return (int(rng.integers(-2, 3)), *_two_dims(rng, s))


def _diag_embed(rng, s):
    a, b = (int(v) for v in rng.choice(len(s) + 1, size=2, replace=False))
    return (int(rng.integers(-2, 3)), a, b)


def _strided(rng, s):
    n = int(np.prod(s))
    return ((2, 2), (1, int(rng.integers(0, 2))), int(rng.integers(0, max(n - 2, 1))))


def _strided_scatter(rng, f):
    s = shape(rng, 1, 3, min_side=2)
    return (lambda x, src: f(x, src, (2,), (1,), 1)), (t(rng, s), t(rng, (2,)))


def _with_src(view):
    """A scatter case: ``src`` has the shape of ``view(x)``, the region it fills."""

    def build(rng, f):
        s = shape(rng, 2, 3)
        args = view.args(rng, s)
        import microtorch as mt

        region = view.fn(mt.zeros(s), *args).shape
        return (lambda x, src: f(x, src, *args)), (t(rng, s), t(rng, tuple(region)))

    return build


class _View:
    def __init__(self, fn, args):
        self.fn, self.args = fn, args


def _diagonal_view():
    import microtorch as mt

    return _View(mt.diagonal, _diagonal)


def _select_view():
    import microtorch as mt

    def args(rng, s):
        d = dim_of(rng, len(s))
        return (d, int(rng.integers(-s[d], s[d])))

    return _View(mt.select, args)


def _slice_view():
    from microtorch.ops.shape_views import slice as aten_slice  # aten's slice: torch has no public torch.slice

    def args(rng, s):
        d = dim_of(rng, len(s))
        return (d, int(rng.integers(0, s[d])), None, int(rng.integers(1, 3)))

    return _View(aten_slice, args)


def _lazy_src(make_view):
    def build(rng, f):
        return _with_src(make_view())(rng, f)

    return build


def _dim_and_size(rng, s):
    d = dim_of(rng, len(s))
    return (d, 0, s[d])


def _split_spec(rng, s):
    d = dim_of(rng, len(s))
    return ([1, s[d] + 1] if rng.random() < 0.5 else int(rng.integers(1, 4)), d)


def _sizes(rng, s):
    d = dim_of(rng, len(s))
    first = int(rng.integers(0, s[d] + 1))
    return ([first, s[d] - first], d)


def _tensors(count_dims):
    def build(rng, f):
        shapes = [shape(rng, *count_dims) for _ in range(int(rng.integers(1, 4)))]
        xs = tuple(t(rng, s) for s in shapes)
        return (lambda *ts: f(*ts)), xs

    return build


def _stacked(make_shape):
    def build(rng, f):
        s = make_shape(rng)
        xs = tuple(t(rng, s) for _ in range(int(rng.integers(1, 4))))
        return (lambda *ts: f(list(ts))), xs

    return build


def _vectors(rng, f):
    xs = tuple(t(rng, (int(rng.integers(1, 4)),)) for _ in range(int(rng.integers(1, 4))))
    return (lambda *ts: f(*ts)), xs


def _combinations(rng, f):
    r, rep = int(rng.integers(1, 4)), bool(rng.random() < 0.5)
    return (lambda x: f(x, r, rep)), (t(rng, (int(rng.integers(1, 5)),)),)


def _broadcast(rng, f):
    s = shape(rng, 1, 3)
    small = tuple(1 if rng.random() < 0.5 else d for d in s)
    return (lambda a, b: f(a, b)), (t(rng, s), t(rng, small))


def _rot90(rng, s):
    return (int(rng.integers(-4, 5)), list(_two_dims(rng, s)))


def _repeat_interleave(rng, f):
    import microtorch as mt

    s = shape(rng, 1, 3)
    d = dim_of(rng, len(s))
    if rng.random() < 0.5:
        r = int(rng.integers(0, 3))
        return (lambda x: f(x, r, d)), (t(rng, s),)
    counts = mt.tensor(rng.integers(0, 3, size=s[d]), dtype=mt.int64)
    return (lambda x: f(x, counts, d)), (t(rng, s),)


def _pad(rng, s):
    k = int(rng.integers(1, len(s) + 1))
    pads = []
    for d in range(k):
        n = s[len(s) - 1 - d]
        pads += [int(rng.integers(-(n // 2), 3)), int(rng.integers(-(n // 2), 3))]
    return (pads, float(rng.uniform(-1, 1)))


def _fill(rng, f):
    s = shape(rng, 0, 3)
    if rng.random() < 0.5:
        return (lambda x: f(x, 0.5)), (t(rng, s),)
    return (lambda x, v: f(x, v)), (t(rng, s), t(rng, ()))


def _matrix(rng, f):
    return (lambda x: f(x)), (t(rng, shape(rng, 2, 2)),)


OPS = [
    S("diagonal(dims)", _in(2, _diagonal)),
    S("diagonal_copy", _in(2, _diagonal), "torch"),
    S("diagonal_scatter", _lazy_src(_diagonal_view)),
    S("select_scatter", _lazy_src(_select_view)),
    S("slice_scatter", _lazy_src(_slice_view)),
    S("as_strided", _in(1, _strided)),
    S("as_strided_copy", _in(1, _strided), "torch"),
    S("as_strided_scatter", _strided_scatter),
    S("alias_copy", _in(0), "torch"),
    S("expand_copy", _in(1, lambda rng, s: ((2, *s),)), "torch"),
    S("narrow_copy", _in(1, _dim_and_size)),
    S("permute_copy", _in(1, lambda rng, s: (tuple(int(v) for v in rng.permutation(len(s))),)), "torch"),
    S("squeeze_copy", _in(0), "torch"),
    S("t_copy", _matrix, "torch"),
    S("transpose_copy", _in(2, _two_dims), "torch"),
    S("unsqueeze_copy", _in(0, lambda rng, s: (0,)), "torch"),
    S("unfold_copy", _in(1, lambda rng, s: (0, 1, 1)), "torch"),
    S("view_copy", _in(1, lambda rng, s: ((-1,),)), "torch"),
    S("unbind_copy", _in(1, lambda rng, s: (dim_of(rng, len(s)),)), "torch"),
    S("split_with_sizes_copy", _in(1, _sizes), "torch"),
    S("split_with_sizes", _in(1, _sizes)),
    S("unsafe_split_with_sizes", _in(1, _sizes)),
    S("select_copy", _in(1, lambda rng, s: _select_view().args(rng, s)), "torch"),
    S("slice_copy", _in(1, lambda rng, s: _slice_view().args(rng, s)), "torch"),
    S("split_copy", _in(1, lambda rng, s: (int(rng.integers(1, 4)), dim_of(rng, len(s)))), "torch"),
    S("row_stack", _stacked(lambda rng: shape(rng, 1, 3)), "torch"),
    S("ravel", _in(0)),
    S("swapdims", _in(2, _two_dims)),
    S("moveaxis", _in(2, _two_dims)),
    S("atleast_1d", _tensors((0, 3)), "torch"),
    S("atleast_2d", _tensors((0, 3)), "torch"),
    S("atleast_3d", _tensors((0, 3)), "torch"),
    S("hstack", _stacked(lambda rng: shape(rng, 1, 3)), "torch"),
    S("vstack", _stacked(lambda rng: shape(rng, 1, 3)), "torch"),
    S("dstack", _stacked(lambda rng: shape(rng, 1, 3)), "torch"),
    S("column_stack", _stacked(lambda rng: shape(rng, 1, 2)), "torch"),
    S("block_diag", _tensors((0, 2)), "torch"),
    S("cartesian_prod", _vectors, "torch"),
    S("combinations", _combinations, "torch"),
    S("broadcast_tensors", _broadcast, "torch"),
    S("diag_embed", _in(1, _diag_embed)),
    S("diagflat", _in(1, lambda rng, s: (int(rng.integers(-2, 3)),))),
    S("trace", _matrix),
    S("tensor_split", _in(1, _split_spec)),
    S("hsplit", _in(2, lambda rng, s: (1,) if rng.random() < 0.5 else ([1],))),
    S("vsplit", _in(2, lambda rng, s: ([1],))),
    S("dsplit", _in(3, lambda rng, s: ([1],))),
    S("unsafe_split", _in(1, lambda rng, s: (int(rng.integers(1, 4)), dim_of(rng, len(s))))),
    S("unsafe_chunk", _in(1, lambda rng, s: (int(rng.integers(1, 4)), dim_of(rng, len(s))))),
    S("rot90", _in(2, _rot90)),
    S("fliplr", _in(2)),
    S("flipud", _in(1)),
    S("repeat_interleave", _repeat_interleave),
    S("constant_pad_nd", _in(1, _pad), "torch"),
    S("fill", _fill, "torch"),
    S("conj", _in(0)),
    S("conj_physical", _in(0)),
    S("resolve_conj", _in(0)),
    S("resolve_neg", _in(0)),
    S("real", _in(0)),
    S("H", _matrix, "Tensor"),
]
