"""Shape ops and indexing: values, views sharing storage, gradients (incl. duplicates)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import microtorch as mt
from microtorch.autograd import gradcheck, gradgradcheck
from microtorch.testing.strategies import arrays, shapes

A = np.arange(24, dtype=np.float64).reshape(2, 3, 4)

SHAPE_CASES = [
    ("reshape", lambda x: x.reshape(4, -1), lambda a: a.reshape(4, -1)),
    ("view", lambda x: x.view(6, 4), lambda a: a.reshape(6, 4)),
    ("flatten", lambda x: x.flatten(1), lambda a: a.reshape(2, 12)),
    ("transpose", lambda x: x.transpose(0, 2), lambda a: a.transpose(2, 1, 0)),
    ("permute", lambda x: x.permute(1, 2, 0), lambda a: a.transpose(1, 2, 0)),
    ("T", lambda x: x.T, lambda a: a.T),
    ("unsqueeze", lambda x: x.unsqueeze(1), lambda a: a[:, None]),
    ("squeeze", lambda x: x[:, :1].squeeze(1), lambda a: a[:, 0]),
    ("expand", lambda x: x[:, :1].expand(2, 5, 4), lambda a: np.broadcast_to(a[:, :1], (2, 5, 4))),
    ("cat", lambda x: mt.cat([x, x * 2], 1), lambda a: np.concatenate([a, a * 2], 1)),
    ("stack", lambda x: mt.stack([x, x + 1], -1), lambda a: np.stack([a, a + 1], -1)),
    ("split", lambda x: x.split(3, dim=2)[1], lambda a: a[:, :, 3:]),
    ("chunk", lambda x: x.chunk(2, 2)[0], lambda a: a[:, :, :2]),
    ("getitem_basic", lambda x: x[1, ::2, None, 1:], lambda a: a[1, ::2, None, 1:]),
    ("getitem_ellipsis", lambda x: x[..., -1], lambda a: a[..., -1]),
    ("getitem_int_array", lambda x: x[:, [2, 0, 2]], lambda a: a[:, [2, 0, 2]]),
    ("getitem_tensor_index", lambda x: x[mt.tensor([1, 1, 0])], lambda a: a[[1, 1, 0]]),
    ("getitem_mask", lambda x: x[mt.tensor(A > 10)], lambda a: a[A > 10]),
    ("flip", lambda x: x.flip(1), lambda a: a[:, ::-1]),
    ("repeat", lambda x: x.repeat(2, 1, 1), lambda a: np.tile(a, (2, 1, 1))),
    ("narrow", lambda x: x.narrow(2, 1, 2), lambda a: a[:, :, 1:3]),
    ("contiguous", lambda x: x.transpose(0, 1).contiguous(), lambda a: a.transpose(1, 0, 2)),
]


@pytest.mark.parametrize(("name", "fn", "ref"), SHAPE_CASES, ids=[c[0] for c in SHAPE_CASES])
def test_shape_op_values_and_gradients(name, fn, ref):
    x = mt.tensor(A, requires_grad=True)
    out = fn(x)
    np.testing.assert_array_equal(out.detach().numpy(), ref(A))
    assert gradcheck(fn, (mt.tensor(A / 7, requires_grad=True),))
    assert gradgradcheck(lambda t: fn(t) * fn(t), (mt.tensor(A / 7, requires_grad=True),))


def test_repeated_index_accumulates_gradient():
    x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[mt.tensor([0, 0, 2])].sum().backward()
    assert x.grad.tolist() == [2.0, 0.0, 1.0]


def test_views_share_storage_and_version():
    x = mt.zeros(2, 3)
    v = x.view(3, 2)
    t = x.t()
    s = x[0]
    x.add_(1)
    assert v.numpy().sum() == 6 and t.numpy().sum() == 6 and s.numpy().sum() == 3
    assert v._version == x._version == s._version == 1
    s.fill_(5)
    assert x.tolist() == [[5, 5, 5], [1, 1, 1]]


def test_view_errors_when_a_copy_is_needed():
    x = mt.zeros(2, 3).t()
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        x.view(6)
    assert x.reshape(6).shape == (6,)


def test_reshape_errors():
    with pytest.raises(RuntimeError, match=r"shape '\[4, 4\]' is invalid for input of size 6"):
        mt.zeros(2, 3).reshape(4, 4)
    with pytest.raises(RuntimeError, match="only one dimension can be inferred"):
        mt.zeros(6).reshape(-1, -1)


def test_index_errors():
    x = mt.zeros(2, 3)
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 1 with size 3"):
        x[:, 5]
    with pytest.raises(IndexError, match="too many indices"):
        x[0, 0, 0]


def test_cat_and_stack_errors():
    with pytest.raises(RuntimeError, match="Sizes of tensors must match"):
        mt.cat([mt.zeros(2, 3), mt.zeros(2, 4)], 0)
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        mt.stack([mt.zeros(2), mt.zeros(3)])


def test_setitem_is_differentiable():
    x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = mt.tensor(10.0, requires_grad=True)
    y = x * 2
    y[1] = v * 3
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 0.0, 2.0]
    assert float(v.grad) == 3.0


def test_setitem_plain_and_inplace_on_leaf_errors():
    x = mt.zeros(3)
    x[1:] = 4.0
    assert x.tolist() == [0.0, 4.0, 4.0]
    w = mt.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        w[0] = 1.0
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        w.add_(1)
    assert w.tolist() == [0.0, 0.0, 0.0] and w._version == 0
    with mt.no_grad():
        w.add_(1)
    assert w.tolist() == [1.0, 1.0, 1.0]


@given(st.data())
def test_permute_roundtrip_gradients(data):
    shape = data.draw(shapes(1, 4, 1, 3))
    a = data.draw(arrays(shape, "float64"))
    perm = data.draw(st.permutations(range(len(shape))))
    x = mt.tensor(a, requires_grad=True)
    np.testing.assert_array_equal(x.permute(*perm).detach().numpy(), a.transpose(perm))
    assert gradcheck(lambda t: t.permute(*perm) * 2, (x,))


@pytest.mark.parametrize(
    "call",
    [
        lambda x: x[1:, ::2],
        lambda x: x[:, [0, 2, 2]],
        lambda x: x.permute(2, 0, 1).reshape(4, -1),
        lambda x: x.unsqueeze(0).expand(2, 2, 3, 4),
        lambda x: x.transpose(1, 2)[..., 1],
        lambda x: x.flatten()[3:9].view(2, 3),
    ],
)
def test_shape_ops_match_torch(call):
    torch = pytest.importorskip("torch")
    x, tx = mt.tensor(A, requires_grad=True), torch.tensor(A, requires_grad=True)
    out, tout = call(x), call(tx)
    np.testing.assert_array_equal(out.detach().numpy(), tout.detach().numpy())
    (out * out).sum().backward()
    (tout * tout).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


@st.composite
def basic_index(draw, shape):
    """A basic-indexing key (ints, slices with steps, None, Ellipsis) valid for ``shape``."""
    key = []
    for n in shape:
        kind = draw(st.sampled_from(["int", "slice", "none_then_slice"]))
        if kind == "int":
            key.append(draw(st.integers(-n, n - 1)))
        else:
            if kind == "none_then_slice":
                key.append(None)
            start = draw(st.one_of(st.none(), st.integers(-n, n)))
            stop = draw(st.one_of(st.none(), st.integers(-n, n)))
            step = draw(st.one_of(st.none(), st.integers(1, 3)))
            key.append(slice(start, stop, step))
    if draw(st.booleans()) and key:
        key[0] = Ellipsis
    return tuple(key)


@given(st.data())
def test_generated_basic_indexing_values_and_gradients(data):
    shape = data.draw(shapes(1, 3, 1, 4))
    a = data.draw(arrays(shape, "float64"))
    key = data.draw(basic_index(shape))
    x = mt.tensor(a, requires_grad=True)
    out = x[key]
    np.testing.assert_array_equal(out.detach().numpy(), a[key])
    if out.numel():
        assert gradcheck(lambda t: t[key] * 2, (x,))


@given(st.data())
def test_generated_advanced_indexing_accumulates(data):
    shape = data.draw(shapes(1, 3, 1, 4))
    a = data.draw(arrays(shape, "float64"))
    idx = data.draw(st.lists(st.integers(-shape[0], shape[0] - 1), min_size=1, max_size=6))
    x = mt.tensor(a, requires_grad=True)
    np.testing.assert_array_equal(x[idx].detach().numpy(), a[idx])
    x[idx].sum().backward()
    expected = np.zeros_like(a)
    np.add.at(expected, np.array(idx), 1.0)
    np.testing.assert_array_equal(x.grad.numpy(), expected)
    mask = a > 0
    np.testing.assert_array_equal(x[mt.tensor(mask)].detach().numpy(), a[mask])


@given(st.data())
def test_generated_reshape_cat_stack(data):
    shape = data.draw(shapes(1, 3, 1, 4))
    a = data.draw(arrays(shape, "float64"))
    b = data.draw(arrays(shape, "float64"))
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    x, y = mt.tensor(a, requires_grad=True), mt.tensor(b, requires_grad=True)
    np.testing.assert_array_equal(mt.cat([x, y], dim).detach().numpy(), np.concatenate([a, b], dim))
    np.testing.assert_array_equal(mt.stack([x, y], dim).detach().numpy(), np.stack([a, b], dim))
    np.testing.assert_array_equal(x.reshape(-1).detach().numpy(), a.reshape(-1))
    assert gradcheck(lambda p, q: mt.cat([p * q, q], dim).sum(dim) * mt.stack([p, q], 0).mean(), (x, y))


# --- regressions: 0-d tensors, squeeze dims, argument errors, in-place view ops ---------------


def test_squeeze_with_an_empty_dim_list_keeps_every_dim():
    torch = pytest.importorskip("torch")
    for shape, dims in (((1, 1, 1), ()), ((5, 1, 5, 1), (1, 3)), ((), (0,)), ((1, 2), -2)):
        x, tx = mt.ones(shape), torch.ones(shape)
        assert tuple(mt.squeeze(x, dims).shape) == tuple(torch.squeeze(tx, dims).shape)


@pytest.mark.parametrize(
    "call",
    [
        lambda m, x: m.transpose(x, 0, -1),
        lambda m, x: m.movedim(x, 0, -1),
        lambda m, x: m.squeeze(x, -1),
        lambda m, x: m.unsqueeze(x, -1),
        lambda m, x: x.t(),
    ],
)
def test_zero_dim_shape_ops_match_torch(call):
    torch = pytest.importorskip("torch")
    x, tx = mt.tensor(2.0, requires_grad=True), torch.tensor(2.0, requires_grad=True)
    out, tout = call(mt, x), call(torch, tx)
    assert tuple(out.shape) == tuple(tout.shape)
    out.sum().backward()
    tout.sum().backward()
    assert float(x.grad) == float(tx.grad) == 1.0


BAD_SHAPE_CALLS = [
    lambda m: m.movedim(m.zeros(2, 3, 4, 5, 6), (3, -3), (1, 0, -1)),
    lambda m: m.movedim(m.zeros(2, 3, 4, 5, 6), (0, 4, -5), (1, 0, 2)),
    lambda m: m.movedim(m.zeros(2, 3, 4, 5, 6), (1, 0, 2), (0, 4, -5)),
    lambda m: m.movedim(m.zeros(2, 3), 0.5, 1),
    lambda m: m.narrow(m.tensor(1.0), 0, 0, 1),
    lambda m: m.narrow(m.zeros(20, 10), 1, 11, 0),
    lambda m: m.narrow(m.zeros(20, 10), 1, -11, 0),
    lambda m: m.narrow(m.zeros(20, 10), 1, 0, 11),
    lambda m: m.narrow(m.zeros(10), 0, 0, -1),
    lambda m: m.narrow(m.zeros(20, 10), 1, m.zeros(5, dtype=m.int64), 2),
    lambda m: m.narrow(m.zeros(20, 10), 1, m.tensor(1.0), 2),
    lambda m: m.cat([]),
    lambda m: m.cat(m.zeros(2, 3)),
    lambda m: m.cat([m.tensor(1.0), m.tensor(2.0)]),
    lambda m: m.cat([m.zeros(2), None]),
    lambda m: m.cat([m.zeros(2), m.zeros(2)], 0.5),
    lambda m: m.zeros(2, 3, 4).t(),
    lambda m: m.zeros(2, 3).transpose(0, 2),
    lambda m: m.zeros(2, 3).transpose(0, 1.0),
    lambda m: m.zeros(2, 1).squeeze((1, 1)),
    lambda m: m.zeros(2, 1).squeeze(1.0),
    lambda m: m.zeros(2, 1).unsqueeze(3),
    lambda m: m.flatten(m.zeros(2, 3), 0.5),
    lambda m: m.split(m.zeros(2, 3), 1, 0.5),
    lambda m: m.chunk(m.zeros(2, 3), 2, 0.5),
    lambda m: m.unbind(m.zeros(2, 3), 0.5),
    lambda m: m.unbind(m.tensor(1.0), 0),
    lambda m: m.select(m.zeros(2, 3), 0.5, 0),
    lambda m: m.select(m.zeros(2, 3), 1, 1.0),
    lambda m: m.flip(m.zeros(2, 3), (0.5,)),
    lambda m: m.flip(m.zeros(2, 3), (0, -2)),
    lambda m: m.stack([m.zeros(2)], 0.5),
    lambda m: m.stack(m.zeros(2, 3)),
    lambda m: m.stack([1, 2]),
    lambda m: m.zeros(2, 3).unfold(0.5, 1, 1),
    lambda m: m.zeros(2, 3).unflatten(0.5, (2, 1)),
    lambda m: m.movedim(m.zeros(2, 3), (0,), 1),
    lambda m: m.tensor(1.0).flatten(0, 1),
]


@pytest.mark.parametrize("call", BAD_SHAPE_CALLS)
def test_bad_shape_arguments_raise_torchs_error_class(call):
    torch = pytest.importorskip("torch")
    with pytest.raises(Exception) as expected:
        call(torch)
    with pytest.raises(type(expected.value)):
        call(mt)


def test_narrow_accepts_a_zero_dim_integer_start():
    torch = pytest.importorskip("torch")
    x, tx = mt.tensor(A), torch.tensor(A)
    out, tout = x.narrow(1, mt.tensor(1), 2), tx.narrow(1, torch.tensor(1), 2)
    np.testing.assert_array_equal(out.numpy(), tout.numpy())
    np.testing.assert_array_equal(x.narrow(2, -3, 2).numpy(), tx.narrow(2, -3, 2).numpy())


INPLACE_VIEW_CALLS = [
    ("squeeze_", (1,)),
    ("squeeze_", ()),
    ("squeeze_", ((0, 1),)),
    ("unsqueeze_", (-1,)),
    ("unsqueeze_", (0,)),
    ("transpose_", (0, 2)),
    ("t_", ()),
    ("cumsum_", (1,)),
]


@pytest.mark.parametrize(("name", "args"), INPLACE_VIEW_CALLS)
def test_inplace_view_ops_match_torch(name, args):
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(1).standard_normal((2, 1, 3) if name != "t_" else (2, 3))
    x, tx = mt.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = x * 2, tx * 2
    view, tview = y[:], ty[:]  # another view of the same storage sees the version bump
    assert getattr(y, name)(*args) is y
    getattr(ty, name)(*args)
    assert tuple(y.shape) == tuple(ty.shape)
    assert y._version == ty._version and view._version == tview._version
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy())
    w = np.arange(float(np.prod(ty.shape))).reshape(tuple(ty.shape))
    (y * mt.tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())


@pytest.mark.parametrize(("name", "args"), INPLACE_VIEW_CALLS)
def test_inplace_view_ops_on_leaves_and_saved_tensors(name, args):
    a = np.ones((2, 1, 3) if name != "t_" else (2, 3))
    leaf = mt.tensor(a, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        getattr(leaf, name)(*args)
    assert leaf.shape == a.shape and leaf._version == 0
    z = leaf.exp()  # exp saves its output, so changing it in place must be detected
    getattr(z, name)(*args)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()
    plain = mt.tensor(a)
    base_view = plain[:]
    getattr(plain, name)(*args)
    assert plain._version == 1 and base_view._version == 1
    with mt.no_grad():
        getattr(leaf, name)(*args)


def test_failed_inplace_view_op_leaves_tensor_unchanged():
    x = mt.ones(2, 1, 3)
    with pytest.raises(IndexError):
        x.squeeze_(4)
    with pytest.raises(IndexError):
        x.transpose_(0, 3)
    assert x.shape == (2, 1, 3) and x._version == 0


def test_cat_out_follows_torch():
    torch = pytest.importorskip("torch")
    a = np.arange(6.0).reshape(2, 3)
    x, tx = mt.tensor(a, dtype=mt.float32), torch.tensor(a, dtype=torch.float32)
    out, tout = mt.zeros(4, 3, dtype=mt.float64), torch.zeros(4, 3, dtype=torch.float64)
    assert mt.cat([x, x], out=out) is out
    torch.cat([tx, tx], out=tout)
    np.testing.assert_array_equal(out.numpy(), tout.numpy())
    assert out.dtype == mt.float64 and out._version == 1
    with pytest.raises(TypeError, match="can't be cast"):
        mt.cat([x, x], out=mt.zeros(4, 3, dtype=mt.int64))
    z = mt.zeros(4, 6)
    with pytest.raises(RuntimeError, match="single memory location"):
        mt.cat([mt.ones(4, 6), z], out=z[:2])
    e = mt.zeros(0)
    with pytest.raises(RuntimeError, match="single memory location"):
        mt.cat([e, mt.ones(4, 6)], dim=0, out=e)
    assert e.shape == (0,) and z.abs().sum().item() == 0.0


def test_flip_method_takes_dims_as_separate_ints():
    torch = pytest.importorskip("torch")
    x, tx = mt.tensor(A), torch.tensor(A)
    for dims in ((0, 1), (-1,), (2, 0)):
        np.testing.assert_array_equal(x.flip(*dims).numpy(), tx.flip(*dims).numpy())
        np.testing.assert_array_equal(mt.flip(x, dims).numpy(), torch.flip(tx, dims).numpy())
        np.testing.assert_array_equal(mt.flip(x, dims=dims).numpy(), torch.flip(tx, dims=dims).numpy())
    with pytest.raises(RuntimeError, match="appears multiple times"):
        x.flip(0, -3)


def test_chunk_of_an_empty_dim_gives_chunks_empty_pieces_of_one_node():
    x = mt.zeros(0, 3, requires_grad=True)
    pieces = x.chunk(5)
    assert len(pieces) == 5 and all(p.shape == (0, 3) for p in pieces)
    assert pieces[0].grad_fn is pieces[4].grad_fn and pieces[0].grad_fn.name() == "SplitWithSizesBackward0"


def test_repeat_negative_count_of_an_empty_dim_is_empty_else_error():
    assert mt.zeros(0).repeat(-1).shape == (0,)
    with pytest.raises(RuntimeError, match=r"negative dimension -2: \[-2\]"):
        mt.zeros(2).repeat(-1)


@pytest.mark.parametrize("fn", [lambda t: t.split(1), lambda t: t.chunk(2), lambda t: t.split([1])])
def test_split_and_chunk_of_a_0d_tensor_raise_as_torch(fn):
    with pytest.raises(RuntimeError, match="expects at least a 1-dimensional tensor"):
        fn(mt.tensor(1.0))


@pytest.mark.parametrize("name", ["flatten", "unbind", "chunk"])
def test_non_tensor_input_is_a_type_error(name):
    args = (2,) if name == "chunk" else ()
    with pytest.raises(TypeError, match=f"{name}\\(\\): argument 'input' \\(position 1\\) must be Tensor, not list"):
        getattr(mt, name)([1.0], *args)


@pytest.mark.parametrize("shape", [(), (3,), (0,), (2, 6)])
@pytest.mark.parametrize(
    "dim, sizes",
    [
        (0, (1,)),
        (1, (3,)),
        (-1, (3, 1)),
        (0, (-1,)),
        (0, (2, 2)),
        (0, (-1, -1)),
        (0, (-2, 3)),
        (0, (0, -1)),
        (1, (2, -1)),
    ],
)
def test_unflatten_results_and_errors_match_torch(shape, dim, sizes):
    torch = pytest.importorskip("torch")
    results = []
    for lib in (torch, mt):
        try:
            results.append(tuple(lib.zeros(shape).unflatten(dim, sizes).shape))
        except (RuntimeError, IndexError) as e:
            results.append((type(e).__name__, str(e).split("\nException raised")[0]))
    assert results[0] == results[1]


@pytest.mark.parametrize("sizes", [(2, 2.0), (8.5,), "ab", 8, (2, True, 4)])
def test_unflatten_bad_sizes_types_match_torch(sizes):
    torch = pytest.importorskip("torch")
    results = []
    for lib in (torch, mt):
        try:
            results.append(tuple(lib.zeros(8).unflatten(0, sizes).shape))
        except (RuntimeError, TypeError) as e:
            results.append((type(e).__name__, str(e)))
    assert results[0] == results[1]


@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.permute("a", (0, 1)),
        lambda lib: lib.select("a", 0, 0),
        lambda lib: lib.reshape("a", (2,)),
        lambda lib: lib.unflatten("a", 0, (2,)),
        lambda lib: lib.split(lib.zeros(4, 5), 1.5),
        lambda lib: lib.split(lib.zeros(4, 5), [1.0, 3]),
        lambda lib: lib.split(lib.zeros(4, 5), [1, 1, 1.0, 1]),
    ],
)
def test_bad_argument_types_are_torchs_type_errors(call):
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError) as theirs:
        call(torch)
    with pytest.raises(TypeError) as ours:
        call(mt)
    assert str(ours.value) == str(theirs.value)
