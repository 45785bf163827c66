"""scatter / scatter_add / one_hot / diag / roll / tile / meshgrid / unique."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import microtorch as mt
from microtorch.autograd import gradcheck, gradgradcheck
from microtorch.ops.indexing import one_hot


@given(st.integers(1, 4), st.integers(1, 4), st.integers(0, 2**31 - 1))
def test_scatter_add_matches_loop_and_gradients(rows, cols, seed):
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, rows, size=(rows, cols))
    src = rng.standard_normal((rows, cols))
    expected = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            expected[idx[i, j], j] += src[i, j]
    s = mt.tensor(src, requires_grad=True)
    out = mt.zeros(rows, cols, dtype=mt.float64).scatter_add(0, mt.tensor(idx), s)
    np.testing.assert_allclose(out.detach().numpy(), expected)
    assert gradcheck(lambda t: mt.zeros(rows, cols, dtype=mt.float64).scatter_add(0, mt.tensor(idx), t), (s,))


def test_scatter_one_hot_pattern_and_errors():
    labels = mt.tensor([2, 0, 1])
    x = mt.zeros(3, 4).scatter_(1, labels.unsqueeze(1), 1.0)
    assert x.tolist() == [[0, 0, 1, 0], [1, 0, 0, 0], [0, 1, 0, 0]]
    assert one_hot(labels, 4).tolist() == x.long().tolist()
    assert one_hot(labels).shape == (3, 3) and one_hot(labels).dtype == mt.int64
    with pytest.raises(RuntimeError, match="out of bounds"):
        mt.zeros(3, 4).scatter(1, mt.tensor([[4], [0], [0]]), 1.0)
    with pytest.raises(RuntimeError, match="smaller than num_classes"):
        one_hot(labels, 2)


def test_diag_roll_tile_gradients():
    v = mt.tensor([1.0, 2.0, 3.0], dtype=mt.float64, requires_grad=True)
    assert mt.diag(v).tolist() == [[1, 0, 0], [0, 2, 0], [0, 0, 3]]
    assert mt.diag(mt.diag(v)).tolist() == [1, 2, 3]
    assert mt.roll(v, 1).tolist() == [3, 1, 2]
    assert mt.tile(v, (2,)).tolist() == [1, 2, 3, 1, 2, 3]
    assert gradcheck(lambda t: mt.diag(t, 1), (v,))
    assert gradgradcheck(lambda t: mt.roll(t, -1) * t, (v,))
    assert gradcheck(lambda t: mt.tile(t.reshape(1, 3), (2, 2)), (v,))


def test_unique_and_meshgrid():
    vals, inv, counts = mt.unique(mt.tensor([3, 1, 3, 2]), return_inverse=True, return_counts=True)
    assert vals.tolist() == [1, 2, 3] and inv.tolist() == [2, 0, 2, 1] and counts.tolist() == [1, 1, 2]
    gx, gy = mt.meshgrid(mt.arange(2), mt.arange(3), indexing="xy")
    assert gx.shape == (3, 2) and gx.tolist()[0] == [0, 1] and gy.tolist()[2] == [2, 2]


def test_indexing_ops_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    src = rng.standard_normal((2, 5))
    idx = rng.integers(0, 3, (2, 5))
    a = mt.zeros(3, 5, dtype=mt.float64).scatter_add(0, mt.tensor(idx), mt.tensor(src))
    b = torch.zeros(3, 5, dtype=torch.float64).scatter_add(0, torch.tensor(idx), torch.tensor(src))
    np.testing.assert_allclose(a.numpy(), b.numpy())
    x = rng.standard_normal((3, 4))
    np.testing.assert_array_equal(
        mt.roll(mt.tensor(x), (1, -2), (0, 1)).numpy(), torch.roll(torch.tensor(x), (1, -2), (0, 1)).numpy()
    )
    np.testing.assert_array_equal(mt.diag(mt.tensor(x), -1).numpy(), torch.diag(torch.tensor(x), -1).numpy())


# --- gather / scatter family: regressions against torch ----------------------------------
def _both(torch, data, dtype="float64", requires_grad=False):
    """The same values as a microtorch and a torch tensor."""
    a = np.asarray(data, dtype=dtype)
    m = mt.tensor(a).requires_grad_(requires_grad)
    t = torch.tensor(a).requires_grad_(requires_grad)
    return m, t


def _raises_like(torch_call, mt_call):
    """Both calls raise; microtorch an instance of torch's class with torch's message."""
    with pytest.raises(Exception) as t_err:
        torch_call()
    with pytest.raises(type(t_err.value)) as m_err:
        mt_call()
    assert str(m_err.value).splitlines()[0] == str(t_err.value).splitlines()[0]


def test_gather_backward_accumulates_repeated_indices():
    x = mt.arange(6.0).reshape(2, 3).requires_grad_()
    x.gather(1, mt.tensor([[0, 0, 0]])).sum().backward()
    assert x.grad.tolist() == [[3.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    xd = mt.tensor(np.random.default_rng(0).standard_normal((3, 4)), requires_grad=True)
    idx = mt.tensor([[0, 0, 2], [1, 1, 1]])
    assert gradcheck(lambda t: t.gather(1, idx), (xd,))
    assert gradgradcheck(lambda t: t.gather(1, idx), (xd,))


def test_gather_grad_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    m, t = _both(torch, rng.standard_normal((4, 3)), requires_grad=True)
    idx = rng.integers(0, 4, (6, 2))
    w = rng.standard_normal((6, 2))
    (mt.gather(m, 0, mt.tensor(idx)) * mt.tensor(w)).sum().backward()
    (torch.gather(t, 0, torch.tensor(idx)) * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(m.grad.numpy(), t.grad.numpy())


@pytest.mark.parametrize("op", ["scatter", "scatter_add"])
def test_scatter_backward_with_index_smaller_than_input(op):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    mx, tx = _both(torch, rng.standard_normal((5, 4)), requires_grad=True)
    ms, ts = _both(torch, rng.standard_normal((2, 2)), requires_grad=True)
    idx = np.array([[0, 4], [2, 1]])  # smaller than x apart from dim 0
    w = rng.standard_normal((5, 4))
    (getattr(mx, op)(0, mt.tensor(idx), ms) * mt.tensor(w)).sum().backward()
    (getattr(tx, op)(0, torch.tensor(idx), ts) * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(mx.grad.numpy(), tx.grad.numpy())
    np.testing.assert_allclose(ms.grad.numpy(), ts.grad.numpy())


@pytest.mark.parametrize("op", ["scatter", "scatter_add"])
def test_scatter_gradcheck_with_index_smaller_than_src(op):
    # torch's own backward raises here (it returns a gradient of the index's shape for src)
    rng = np.random.default_rng(3)
    x = mt.tensor(rng.standard_normal((5, 4)), requires_grad=True)
    src = mt.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    idx = mt.tensor([[0, 4], [2, 1]])
    assert gradcheck(lambda a, b: getattr(a, op)(0, idx, b), (x, src))
    assert gradgradcheck(lambda a, b: getattr(a, op)(0, idx, b), (x, src))
    src.sum().backward()
    getattr(x, op)(0, idx, src).sum().backward()
    assert src.grad[2].tolist() == [1.0] * 4 and src.grad[0, 2:].tolist() == [1.0, 1.0]  # unread: only the first sum


@pytest.mark.filterwarnings("ignore:The reduce argument of torch.scatter")
@pytest.mark.parametrize("reduce", ["add", "multiply"])
def test_scatter_reduce_combines_repeated_writes(reduce):
    torch = pytest.importorskip("torch")
    idx = [[0, 0, 1], [2, 2, 2]]
    src = [[2.0, 3.0, 4.0], [5.0, 6.0, 7.0]]
    m = mt.full((3, 3), 1.5).scatter(0, mt.tensor(idx), mt.tensor(src), reduce=reduce)
    t = torch.full((3, 3), 1.5).scatter(0, torch.tensor(idx), torch.tensor(src), reduce=reduce)
    np.testing.assert_allclose(m.numpy(), t.numpy())
    m = mt.ones(3).scatter(0, mt.tensor([0, 0, 1]), 2.0, reduce=reduce)
    t = torch.ones(3).scatter(0, torch.tensor([0, 0, 1]), 2.0, reduce=reduce)
    np.testing.assert_allclose(m.numpy(), t.numpy())
    if reduce == "multiply":
        assert m.tolist() == [4.0, 2.0, 1.0]  # the product, not the last write
    with pytest.raises(RuntimeError, match="derivative for aten::scatter is not implemented"):
        mt.ones(3, requires_grad=True).scatter(0, mt.tensor([0, 0]), 2.0, reduce=reduce).sum().backward()
    with pytest.raises(RuntimeError, match="reduce argument must be either add or multiply"):
        mt.ones(3).scatter(0, mt.tensor([0]), 2.0, reduce="mean")


def _index_error_cases(lib):
    x = lib.arange(6.0).reshape(2, 3)
    return [
        lambda: x.gather(1, lib.tensor([[5]])),
        lambda: x.gather(1, lib.tensor([[-1]])),
        lambda: x.gather(2, lib.tensor([[0]])),
        lambda: x.gather(1, lib.tensor([0])),
        lambda: x.gather(0, lib.tensor([[0, 1, 1, 0]])),
        lambda: x.gather(1, lib.tensor([[0.0]])),
        lambda: x.index_select(0, lib.tensor([5])),
        lambda: x.index_select(0, lib.tensor([-1])),
        lambda: x.index_select(-3, lib.tensor([0])),
        lambda: x.index_select(0, lib.tensor([[0]])),
        lambda: x.index_select(0, lib.tensor([1], dtype=lib.int16)),
        lambda: lib.zeros(3).scatter(0, lib.tensor([5]), 1.0),
        lambda: lib.zeros(3).scatter(0, lib.tensor([-1]), 1.0),
        lambda: lib.zeros(3).scatter(1, lib.tensor([0]), 1.0),
        lambda: lib.zeros(3).scatter_add(0, lib.tensor([3]), lib.ones(1)),
        lambda: lib.zeros(3).scatter(0, lib.tensor([0]), lib.ones(1, dtype=lib.float64)),
        lambda: lib.zeros(3).scatter(0, lib.tensor([0, 1, 1, 1]), lib.ones(2)),
        lambda: lib.zeros(3).scatter(0, lib.tensor([[0]]), 1.0),
        lambda: lib.take_along_dim(x, lib.tensor([0, 2]), 1),
        lambda: lib.take_along_dim(x, lib.tensor([[0]], dtype=lib.int32), 1),
        lambda: lib.roll(x, ()),
        lambda: lib.roll(x, (1, 2)),
        lambda: lib.roll(x, (1,), (0, 1)),
        lambda: lib.roll(lib.tensor(1.0), 0, 0),
        lambda: lib.zeros(2, 3, 4).t(),
        lambda: lib.zeros(2, 3, 4).t_(),
        lambda: x.masked_fill(lib.tensor([1, 0, 1]), 1.0),
        lambda: x.masked_fill(lib.tensor([True, False, True]), lib.tensor([1.0])),
        lambda: x.masked_fill(lib.tensor([True, False, True]), 1j),
        lambda: x.masked_fill(lib.tensor([True, False]), 1.0),
        lambda: lib.zeros(3, dtype=lib.uint8).masked_fill(lib.tensor([True, False, True]), 300),
    ]


def test_bad_indices_and_dims_raise_as_torch():
    torch = pytest.importorskip("torch")
    for t_call, m_call in zip(_index_error_cases(torch), _index_error_cases(mt)):
        _raises_like(t_call, m_call)


def test_bad_index_message_without_torch():
    with pytest.raises(RuntimeError, match="^index 5 is out of bounds for dimension 0 with size 3$"):
        mt.zeros(3).gather(0, mt.tensor([5]))
    with pytest.raises(IndexError, match="index out of range in self"):
        mt.zeros(3).index_select(0, mt.tensor([-1]))


def _put_cases(lib, x):
    return [
        lambda: x.__setitem__([0, 1], lib.tensor([1.0, 2.0], dtype=lib.float64)),
        lambda: x.__setitem__(lib.tensor([True, False, True]), lib.tensor([1.0, 2.0], dtype=lib.float64)),
        lambda: x.__setitem__([0, 1], lib.tensor(5.0, dtype=lib.float64)),
        lambda: x.__setitem__([0, 1], lib.tensor([3, 4])),
        lambda: x.index_put_((lib.tensor([0, 1]),), lib.tensor([1.0, 2.0], dtype=lib.float64)),
        lambda: lib.index_put(x, (lib.tensor([1]),), lib.tensor(5)),
    ]


def test_index_put_source_dtype_must_match():
    torch = pytest.importorskip("torch")
    x = mt.zeros(3)
    for t_call, m_call in zip(_put_cases(torch, torch.zeros(3)), _put_cases(mt, x)):
        _raises_like(t_call, m_call)
    assert x.tolist() == [0.0, 0.0, 0.0] and x._version == 0
    # a 0-d source through one bool mask is a fill, cast to the destination's dtype (as torch)
    x[mt.tensor([True, False, True])] = mt.tensor(7.0, dtype=mt.float64)
    assert x.tolist() == [7.0, 0.0, 7.0] and x.dtype == mt.float32


def test_index_put_accumulate_matches_torch_and_gradcheck():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x, v = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    key = ([0, 0, 2],)
    for acc in (False, True):
        m = mt.index_put(mt.tensor(x), tuple(mt.tensor(k) for k in key), mt.tensor(v), accumulate=acc)
        t = torch.index_put(torch.tensor(x), tuple(torch.tensor(k) for k in key), torch.tensor(v), accumulate=acc)
        if acc:  # duplicate positions have no defined winner without accumulate
            np.testing.assert_allclose(m.numpy(), t.numpy())
    mk = (mt.tensor([0, 0, 2]),)
    args = (mt.tensor(x, requires_grad=True), mt.tensor(v, requires_grad=True))
    assert gradcheck(lambda a, b: mt.index_put(a, mk, b, accumulate=True), args)
    assert gradgradcheck(lambda a, b: mt.index_put(a, mk, b, accumulate=True), args)
    m = mt.zeros(2, 2).index_put_((mt.tensor([0, 0]),), mt.tensor([[5.0, 6], [1, 1]]), accumulate=True)
    assert m.tolist() == [[6.0, 7.0], [0.0, 0.0]]


def test_take_along_dim_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 3))
    for idx, dim in (([[0, 2]], None), ([[0, 2]], 1), ([[0], [2]], 1), ([[0, 2, -1, 1]], 1), ([[1, 0, 1]], 0)):
        m = mt.take_along_dim(mt.tensor(x), mt.tensor(idx), dim)
        t = torch.take_along_dim(torch.tensor(x), torch.tensor(idx), dim)
        np.testing.assert_allclose(m.numpy(), t.numpy())
    xd = mt.tensor(x, requires_grad=True)
    assert gradcheck(lambda a: mt.take_along_dim(a, mt.tensor([[0, 0, 2]]), 1), (xd,))


# --- out= ---------------------------------------------------------------------------------
def test_gather_and_index_select_write_into_out():
    x = mt.arange(6.0).reshape(2, 3)
    out = mt.zeros(1, 3)
    assert mt.gather(x, 1, mt.tensor([[2, 0, 2]]), out=out) is out
    assert out.tolist() == [[2.0, 0.0, 2.0]] and out._version == 1
    base = mt.zeros(3, 3)
    view = base[:2]
    assert mt.index_select(x, 0, mt.tensor([1, 1]), out=view) is view
    assert base.tolist() == [[3.0, 4.0, 5.0], [3.0, 4.0, 5.0], [0.0, 0.0, 0.0]]
    grow = mt.zeros(5)
    with pytest.warns(UserWarning, match="was resized"):
        mt.gather(x, 1, mt.tensor([[0, 1]]), out=grow)
    assert grow.shape == (1, 2) and grow.tolist() == [[0.0, 1.0]]
    empty = mt.empty(0)
    mt.index_select(x, 1, mt.tensor([2]), out=empty)  # no warning for an empty out
    assert empty.tolist() == [[2.0], [5.0]]


@pytest.mark.filterwarnings("ignore:An output with one or more elements was resized")
def test_out_errors_match_torch():
    torch = pytest.importorskip("torch")

    def cases(lib):
        x = lib.arange(6.0).reshape(2, 3)
        i = lib.tensor([[0, 0, 0]])
        src = lib.rand(6)
        return [
            lambda: lib.gather(x, 1, i, out=lib.empty(1, 3, dtype=lib.float64)),
            lambda: lib.gather(x, 1, i, out=lib.empty(1, 3, dtype=lib.long)),
            lambda: lib.gather(x, 1, i, out=lib.empty(1, 3, requires_grad=True)),
            lambda: lib.gather(x.clone().requires_grad_(), 1, i, out=lib.empty(1, 3)),
            lambda: lib.gather(src, 0, lib.tensor([2, 1, 0]), out=lib.rand(1).expand(3)),
            lambda: lib.gather(src, 0, lib.tensor([2, 1, 0]), out=src),
            lambda: lib.index_select(x, 0, lib.tensor([1]), out=lib.empty(1, 3, dtype=lib.float64)),
            lambda: lib.index_select(x, 0, lib.tensor([1]), out=lib.empty(1, 3, requires_grad=True)),
            lambda: lib.index_select(x, 0, lib.tensor([1, 1]), out=x),
            lambda: lib.index_select(x, 1, lib.tensor([0, 1]), out=lib.rand(1, 2).expand(2, 2)),
        ]

    for t_call, m_call in zip(cases(torch), cases(mt)):
        _raises_like(t_call, m_call)
    out = mt.full((1, 3), 9.0)
    with pytest.raises(RuntimeError):
        mt.gather(mt.zeros(2, 3), 1, mt.tensor([[0, 0, 0]]), out=mt.empty(1, 3, dtype=mt.float64))
    with pytest.raises(RuntimeError):
        mt.gather(mt.zeros(2, 3), 1, mt.tensor([[5, 0, 0]]), out=out)
    assert out.tolist() == [[9.0, 9.0, 9.0]] and out._version == 0


# --- __getitem__ / __setitem__ keys ---------------------------------------------------------
_KEYS = [
    lambda lib: ([0, 1], slice(None), (1, 2)),
    lambda lib: range(2),
    lambda lib: (range(2), range(2)),
    lambda lib: (range(0, 2, 1), 0, range(3, 1, -1)),
    lambda lib: [0, slice(None)],
    lambda lib: [[0, 1], [1, 0]],
    lambda lib: [[0, 1]],
    lambda lib: [0, [1]],
    lambda lib: [None, 0],
    lambda lib: (range(2),),
    lambda lib: [lib.tensor(0), 1],
    lambda lib: [lib.tensor([0]), 1],
    lambda lib: (0, (1, 2)),
    lambda lib: (0, ((1, 2), (0, 1))),
    lambda lib: (0, [(1, 2), (0, 1)]),
    lambda lib: (0, (True, False, True)),
    lambda lib: [(0, 1), (1, 0)],
    lambda lib: [],
    lambda lib: [0] * 33,
    lambda lib: (0, [lib.tensor(1), 2]),
    # integers are applied before the advanced indices (numpy would count them as advanced)
    lambda lib: (1, slice(None, 2), [[0, 0], [0, 1]]),
    lambda lib: (1, Ellipsis, []),
    lambda lib: (-1, slice(1, 2, 2), range(0)),
    lambda lib: [0, slice(None, -1, 1), True],
    lambda lib: (-2, Ellipsis, True),
    lambda lib: (0, lib.tensor([[True, False, True]] * 2)[0], 1),
    lambda lib: (True, [1, 1]),
    lambda lib: (False, slice(1, None), True),
]


@pytest.mark.parametrize("key", range(len(_KEYS)))
def test_index_with_ranges_and_mixed_sequences_as_torch(key):
    torch = pytest.importorskip("torch")
    data = np.arange(24).reshape(2, 3, 4)
    m, t = mt.tensor(data), torch.tensor(data)
    with warnings.catch_warnings(record=True) as t_warned:
        warnings.simplefilter("always")
        want = t[_KEYS[key](torch)]
        t[_KEYS[key](torch)] = -1
    with warnings.catch_warnings(record=True) as m_warned:
        warnings.simplefilter("always")
        got = m[_KEYS[key](mt)]
        m[_KEYS[key](mt)] = -1
    assert got.shape == tuple(want.shape) and got.tolist() == want.tolist()
    assert m.tolist() == t.tolist()
    assert [str(w.message)[:60] for w in m_warned] == [str(w.message)[:60] for w in t_warned]


def test_index_sequences_gradient():
    x = mt.tensor(np.random.default_rng(5).standard_normal((2, 3, 4)), requires_grad=True)
    assert gradcheck(lambda a: a[[0, 1], :, (1, 1)], (x,))
    assert gradcheck(lambda a: a[range(2), 0, range(3, 1, -1)], (x,))
    assert gradcheck(lambda a: a[1, :2, [[0, 0], [0, 3]]], (x,))
    assert gradgradcheck(lambda a: a[1, :2, [[0, 0], [0, 3]]] ** 2, (x,))
    v = mt.tensor(np.ones((2, 2, 2)), requires_grad=True)

    def put(a, b):
        c = a * 1
        c[1, :2, [[0, 1], [2, 3]]] = b  # distinct positions: a repeated write has no defined winner
        return c

    assert gradcheck(put, (x, v))


def test_failed_index_leaves_tensor_unchanged():
    x = mt.tensor([1.0, 2.0, 3.0])
    with pytest.raises(IndexError, match="index 5 is out of bounds"):
        x[[0, 5]] = 9.0
    with pytest.raises(RuntimeError, match="shape mismatch: value tensor of shape \\[3\\]"):
        x[[0, 1]] = mt.tensor([7.0, 8.0, 9.0])
    with pytest.raises(RuntimeError, match="Index put requires"):
        x[range(2)] = mt.tensor([7.0, 8.0], dtype=mt.float64)
    with pytest.raises(IndexError):
        mt.index_put(x, (mt.tensor([0, 3]),), mt.tensor([1.0, 1.0]))
    with pytest.raises(RuntimeError):
        x.scatter_(0, mt.tensor([0, 4]), 5.0)
    with pytest.raises(RuntimeError):
        x.masked_fill_(mt.tensor([[True, False, True]]), 0.0)
    assert x.tolist() == [1.0, 2.0, 3.0] and x._version == 0


def test_masked_fill_value_tensor_gradient_and_t_():
    torch = pytest.importorskip("torch")
    mask = [[True, False, True], [False, False, True]]
    m, t = _both(torch, 2.0, requires_grad=True)
    mx, tx = _both(torch, np.ones((2, 3)), requires_grad=True)
    (mx.masked_fill(mt.tensor(mask), m) * 3).sum().backward()
    (tx.masked_fill(torch.tensor(mask), t) * 3).sum().backward()
    assert m.grad.item() == t.grad.item() == 9.0
    np.testing.assert_array_equal(mx.grad.numpy(), tx.grad.numpy())
    a = mt.arange(6.0).reshape(2, 3)
    assert a.t_() is a and a.shape == (3, 2) and a.tolist() == [[0, 3], [1, 4], [2, 5]] and a._version == 1
    assert mt.t(mt.arange(3.0)).tolist() == [0.0, 1.0, 2.0]


def _bad_argument_cases(lib):
    x = lib.zeros(2, 3)
    i = lib.tensor([[0, 1]])
    return [
        lambda: lib.gather("a", 0, i),
        lambda: lib.gather(x, 0.5, i),
        lambda: lib.gather(x, None, i),
        lambda: lib.gather(x, 0, [[0]]),
        lambda: lib.index_select(x, 1.5, lib.tensor([0])),
        lambda: lib.index_select(x, 0, 1.5),
        lambda: lib.index_select(lib.zeros(3, 0), 1, lib.tensor([0])),
        lambda: lib.index_select(lib.zeros(0), 0, lib.tensor([0])),
        lambda: lib.scatter(x, 0, [[0]], 1.0),
        lambda: lib.scatter(x, 0, i, "tensor"),
        lambda: lib.scatter(x, 0, i, 1.0, reduce=3),
        lambda: lib.scatter(x, 0, lib.zeros(2, 2, dtype=lib.long), lib.ones(2)),
        lambda: lib.scatter(x, 0, lib.zeros(2, 2, dtype=lib.long), lib.tensor(1.0)),
        lambda: lib.scatter_add(x, 0, i, 1.0),
        lambda: lib.take_along_dim(x, [0]),
        lambda: lib.take_along_dim(x, i, "1"),
        lambda: lib.index_put(x, (lib.tensor([0]),), lib.ones(3), accumulate="a"),
        lambda: lib.index_put(x, (lib.tensor([0]),), [1.0]),
        lambda: lib.index_put(x, (lib.tensor([0, 4]),), lib.ones(2, 2, 3)),
        lambda: lib.index_put(x, (lib.tensor([0, 4]),), lib.ones(2, 3)),
        lambda: lib.masked_fill(x, [True], 1.0),
        lambda: lib.masked_fill(x, lib.tensor([True]), None),
        lambda: lib.roll(x, "a"),
        lambda: lib.roll(x, (1, 1.5), (0, 0)),
        lambda: lib.roll([1], 1),
        lambda: lib.roll(x, 1, 99),
        lambda: lib.t([1]),
        lambda: lib.tile(x, 1.5),
        lambda: lib.tile("a", (1,)),
        lambda: lib.nn.functional.one_hot("a"),
        lambda: lib.nn.functional.one_hot(lib.tensor([1]), 1.5),
        lambda: lib.nn.functional.one_hot(lib.tensor([1]), 2**40),
        lambda: lib.unique(x, sorted="a"),
        lambda: lib.unique("a"),
        lambda: lib.diag("a"),
        lambda: lib.diag(lib.arange(3.0), 1.5),
        lambda: lib.meshgrid(lib.arange(3.0), lib.arange(2.0), indexing=3),
        lambda: lib.meshgrid(lib.arange(3.0), 1.5),
        lambda: lib.meshgrid(lib.zeros(2, 2), lib.arange(2.0), indexing="ij"),
        lambda: lib.meshgrid(lib.arange(3.0), lib.arange(2.0), indexing="zz"),
        lambda: lib.meshgrid(lib.arange(3.0), lib.arange(2.0, dtype=lib.float64), indexing="ij"),
        lambda: lib.argwhere([1]),
    ]


def test_bad_argument_types_raise_as_torch():
    torch = pytest.importorskip("torch")
    for k, (t_call, m_call) in enumerate(zip(_bad_argument_cases(torch), _bad_argument_cases(mt))):
        with pytest.raises(Exception) as t_err:
            t_call()
        try:
            m_call()
        except type(t_err.value):
            continue
        except Exception as exc:  # noqa: BLE001 - reported with the case number
            pytest.fail(f"case {k}: torch raises {type(t_err.value).__name__}, microtorch {exc!r}")
        pytest.fail(f"case {k}: torch raises {t_err.value!r}, microtorch returned a result")
    assert mt.roll(mt.zeros(0, 3), 1, 99).shape == (0, 3)  # torch skips the dim check on empty tensors
    with pytest.warns(UserWarning, match="it will be required to pass the indexing argument"):
        gx, gy = mt.meshgrid(mt.tensor(1.0), mt.arange(3.0))
    assert gx.shape == gy.shape == (1, 3)


# --- index_add / index_copy / index_fill / take / masked_select -----------------------------
def _family_calls(lib, x, src, value):
    i = lib.tensor([2, 0, 2])
    return [
        lambda: lib.index_add(x, 1, i, src),
        lambda: lib.index_add(x, 1, i.int(), src, alpha=-2.5),
        lambda: lib.index_copy(x, 1, lib.tensor([3, 0, 1]), src),
        lambda: lib.index_fill(x, 1, lib.tensor([3, 0]), value),  # torch's own backward fails on negatives
        lambda: lib.take(x, lib.tensor([[0, 11], [-1, -12]])),
        lambda: lib.masked_select(x, lib.tensor([True, False, True, False])),
        lambda: lib.masked_select(x, lib.tensor([[[True]], [[False]]])),
    ]


def test_index_family_matches_torch_values_and_grads():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    xs, ss = rng.standard_normal((3, 4)), rng.standard_normal((3, 3))
    for k in range(7):
        mx, tx = _both(torch, xs, requires_grad=True)
        ms, ts = _both(torch, ss, requires_grad=True)
        mv, tv = _both(torch, 1.5, requires_grad=True)
        m_out, t_out = _family_calls(mt, mx, ms, mv)[k](), _family_calls(torch, tx, ts, tv)[k]()
        np.testing.assert_allclose(m_out.detach().numpy(), t_out.detach().numpy(), err_msg=f"case {k}")
        w = rng.standard_normal(tuple(t_out.shape))
        (m_out * mt.tensor(w)).sum().backward()
        (t_out * torch.tensor(w)).sum().backward()
        for m, t in ((mx, tx), (ms, ts), (mv, tv)):
            if t.grad is None:
                assert m.grad is None, f"case {k}"
            else:
                np.testing.assert_allclose(m.grad.numpy(), t.grad.numpy(), err_msg=f"case {k}")


def test_index_family_gradcheck_and_inplace():
    rng = np.random.default_rng(7)
    x = mt.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    s = mt.tensor(rng.standard_normal((3, 3)), requires_grad=True)
    v = mt.tensor(0.5, dtype=mt.float64, requires_grad=True)
    i = mt.tensor([2, 0, 2])
    assert gradcheck(lambda a, b: mt.index_add(a, 1, i, b, alpha=3), (x, s))
    assert gradgradcheck(lambda a, b: mt.index_add(a, 1, i, b, alpha=3), (x, s))
    assert gradcheck(lambda a, b: mt.index_copy(a, 1, mt.tensor([3, 0, 1]), b), (x, s))
    assert gradcheck(lambda a, b: mt.index_fill(a, 1, mt.tensor([-1, 0]), b), (x, v))
    assert gradgradcheck(lambda a: mt.take(a, mt.tensor([0, 0, -1])) ** 2, (x,))
    assert gradcheck(lambda a: mt.masked_select(a, mt.tensor([True, False, True, True])), (x,))
    y = mt.zeros(3)
    assert y.index_add_(0, mt.tensor([0, 0]), mt.tensor([1.0, 2.0])) is y and y.tolist() == [3.0, 0.0, 0.0]
    assert y.index_fill_(0, mt.tensor([1]), 7.0).tolist() == [3.0, 7.0, 0.0]
    assert y.index_copy_(0, mt.tensor([2]), mt.tensor([5.0])).tolist() == [3.0, 7.0, 5.0] and y._version == 3
    u = mt.zeros(3, dtype=mt.uint8).index_add(0, mt.tensor([0]), mt.tensor([2], dtype=mt.uint8), alpha=-1)
    assert u.tolist() == [254, 0, 0]  # alpha is cast to the dtype first, as torch


def _family_error_cases(lib):
    x = lib.zeros(2, 3)
    i = lib.tensor([0, 2, 0])
    return [
        lambda: x.index_add(1, i, lib.ones(2, 2)),
        lambda: x.index_add(1, lib.tensor([5, 0, 0]), lib.ones(2, 3)),
        lambda: x.index_add(1, i, lib.ones(2, 3, dtype=lib.float64)),
        lambda: x.index_add(1, i.short(), lib.ones(2, 3)),
        lambda: x.index_add(1, i[None], lib.ones(2, 3)),
        lambda: x.index_add(1, i, lib.ones(3, 3)),
        lambda: x.index_add(1, i, lib.ones(6)),
        lambda: lib.zeros(2).index_add(0, lib.tensor([0]), lib.tensor(1.0)),
        lambda: lib.tensor(1.0).index_add(0, lib.tensor([0, 0]), lib.tensor(1.0)),
        lambda: lib.tensor(1.0).index_add(0, lib.tensor(1), lib.tensor(1.0)),
        lambda: x.index_fill(1, lib.tensor([-1.0]), 1.0),
        lambda: x.index_fill(1, i, lib.tensor([-1.0])),
        lambda: x.index_fill(1, lib.tensor([5]), -1.0),
        lambda: x.index_fill(1, i.int(), -1.0),
        lambda: x.index_fill(1, i[None], -1.0),
        lambda: lib.zeros(0).index_fill(0, lib.tensor([0]), 1.0),
        lambda: x.index_copy(1, lib.tensor([2, 0]), lib.ones(2, 3)),
        lambda: x.index_copy(1, lib.tensor([5, 0]), lib.ones(2, 2)),
        lambda: x.index_copy(1, lib.tensor([2, 0]), lib.ones(2, 2, dtype=lib.float64)),
        lambda: x.index_copy(1, lib.tensor([2, 0]).int(), lib.ones(2, 2)),
        lambda: lib.zeros(2, 1).index_copy(0, lib.tensor([0]), lib.zeros(1)),
        lambda: lib.zeros(2, 3).index_copy(0, lib.tensor([0]), lib.zeros(1, 4)),
        lambda: lib.tensor(1.0).index_copy(0, lib.tensor([0]), lib.zeros(2)),
        lambda: lib.take(x, lib.tensor([6])),
        lambda: lib.take(x, lib.tensor([1], dtype=lib.int32)),
        lambda: lib.masked_select(x, lib.tensor([1, 0, 1])),
        lambda: lib.masked_select(x, lib.tensor([True, False])),
    ]


def test_index_family_errors_match_torch():
    torch = pytest.importorskip("torch")
    for t_call, m_call in zip(_family_error_cases(torch), _family_error_cases(mt)):
        with pytest.raises(Exception) as t_err:
            t_call()
        with pytest.raises(type(t_err.value)):
            m_call()


# --- scatter_reduce -------------------------------------------------------------------------
@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_matches_torch(reduce, include_self):
    torch = pytest.importorskip("torch")
    x = np.array([[1.0, 0.0, 2.0, 3.0], [2.0, 2.0, -1.0, 0.5]])
    src = np.array([[2.0, 0.0, 2.0], [0.0, 5.0, 2.0]])  # zeros and ties on purpose
    idx = np.array([[0, 0, 2], [1, 1, 1]])
    mx, tx = _both(torch, x, requires_grad=True)
    ms, ts = _both(torch, src, requires_grad=True)
    m = mt.scatter_reduce(mx, 1, mt.tensor(idx), ms, reduce, include_self=include_self)
    t = torch.scatter_reduce(tx, 1, torch.tensor(idx), ts, reduce, include_self=include_self)
    np.testing.assert_allclose(m.detach().numpy(), t.detach().numpy())
    w = np.arange(8.0).reshape(2, 4) - 3
    (m * mt.tensor(w)).sum().backward()
    (t * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(mx.grad.numpy(), tx.grad.numpy())
    np.testing.assert_allclose(ms.grad.numpy(), ts.grad.numpy())
    ints = mt.tensor([1, 2, 3]).scatter_reduce(0, mt.tensor([0, 0]), mt.tensor([-4, -5]), reduce)
    want = torch.tensor([1, 2, 3]).scatter_reduce(0, torch.tensor([0, 0]), torch.tensor([-4, -5]), reduce)
    assert ints.tolist() == want.tolist()


def test_scatter_reduce_gradcheck_and_errors():
    rng = np.random.default_rng(8)
    x = mt.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    s = mt.tensor(np.array([[0.0, 1.5, -2.0], [0.7, 0.0, 0.0], [1.0, 2.0, 3.0]]), requires_grad=True)
    i = mt.tensor([[0, 0, 3], [1, 2, 2], [3, 3, 3]])
    one_zero = mt.tensor(np.array([[0.0, 1.5, -2.0], [0.7, 0.0, 0.4], [1.0, 2.0, 3.0]]), requires_grad=True)
    for reduce in ("sum", "prod", "mean"):
        assert gradcheck(lambda a, b, r=reduce: mt.scatter_reduce(a, 1, i, b, r, include_self=False), (x, s))
        assert gradgradcheck(lambda a, b, r=reduce: mt.scatter_reduce(a, 1, i, b, r), (x, one_zero))
    # two zeros on one position: first derivative as torch, no second one (torch's DelayedError)
    (gs,) = mt.autograd.grad(mt.scatter_reduce(x, 1, i, s, "prod").sum(), (s,), create_graph=True)
    with pytest.raises(RuntimeError, match="Double backward is unsupported"):
        gs.sum().backward()
    y = mt.zeros(3)
    assert y.scatter_reduce_(0, mt.tensor([1, 1]), mt.tensor([2.0, 3.0]), "amax", include_self=False) is y
    assert y.tolist() == [0.0, 3.0, 0.0]
    with pytest.raises(RuntimeError, match="reduce argument must be either sum, prod, mean, amax or amin, got foo"):
        mt.zeros(3).scatter_reduce(0, mt.tensor([0]), mt.ones(1), "foo")
    with pytest.raises(NotImplementedError):
        mt.zeros(3, dtype=mt.bool).scatter_reduce(0, mt.tensor([0]), mt.ones(1, dtype=mt.bool), "mean")
    with pytest.raises(TypeError, match="must be Tensor"):
        mt.zeros(3).scatter_reduce(0, mt.tensor([0]), 1.0, "sum")


# --- masked_scatter / put ---------------------------------------------------------------------
def test_masked_scatter_and_put_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(9)
    mask = [[True, False, True], [False, True, False]]
    calls = [
        lambda lib, x, s: lib.masked_scatter(x, lib.tensor(mask), s),
        lambda lib, x, s: lib.masked_scatter(x, lib.tensor([[[True, False, True]]]), s),
        lambda lib, x, s: lib.put(x, lib.tensor([0, 4, -1, 2, 3, 1]), s.reshape(-1)),
        lambda lib, x, s: lib.put(x, lib.tensor([[0, 0, -6], [1, 1, 1]]), s, accumulate=True),
    ]
    for k, call in enumerate(calls):
        mx, tx = _both(torch, rng.standard_normal((2, 3)), requires_grad=True)
        ms, ts = _both(torch, rng.standard_normal((2, 3)), requires_grad=True)
        m, t = call(mt, mx, ms), call(torch, tx, ts)
        np.testing.assert_allclose(m.detach().numpy(), t.detach().numpy(), err_msg=f"case {k}")
        w = rng.standard_normal(tuple(t.shape))
        (m * mt.tensor(w)).sum().backward()
        (t * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(mx.grad.numpy(), tx.grad.numpy(), err_msg=f"case {k}")
        np.testing.assert_allclose(ms.grad.numpy(), ts.grad.numpy(), err_msg=f"case {k}")
        assert gradgradcheck(
            lambda a, b, c=call: c(mt, a, b) ** 2, (mx.detach().requires_grad_(), ms.detach().requires_grad_())
        )

    def errors(lib):
        x, m = lib.zeros(2, 3), lib.tensor(mask)
        return [
            lambda: x.masked_scatter(m, lib.arange(2.0)),
            lambda: x.masked_scatter(m.int(), lib.arange(6.0)),
            lambda: x.masked_scatter(m, lib.arange(6.0, dtype=lib.float64)),
            lambda: x.put(lib.tensor([6]), lib.tensor([1.0])),
            lambda: x.put(lib.tensor([0, 1]), lib.tensor([1.0])),
            lambda: x.put(lib.tensor([0], dtype=lib.int32), lib.tensor([1.0])),
            lambda: x.put(lib.tensor([0]), lib.tensor([1.0], dtype=lib.float64)),
        ]

    for t_call, m_call in zip(errors(torch), errors(mt)):
        _raises_like(t_call, m_call)
    y = mt.zeros(3)
    assert y.put_(mt.tensor([0, 0]), mt.tensor([1.0, 2.0]), accumulate=True) is y and y.tolist() == [3.0, 0.0, 0.0]
    assert y.masked_scatter_(mt.tensor([False, True, True]), mt.tensor([5.0, 6.0])).tolist() == [3.0, 5.0, 6.0]


@pytest.mark.filterwarnings("ignore:index_reduce\\(\\) is in beta")
@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
def test_index_reduce_matches_torch(reduce):
    torch = pytest.importorskip("torch")
    x = np.array([[1.0, 0.0, 2.0], [2.0, 2.0, -1.0]])
    src = np.array([[2.0, 0.0, 2.0, 1.0], [0.0, 5.0, 2.0, -1.0]])
    idx = [0, 0, 2, 0]
    for include_self in (True, False):
        mx, tx = _both(torch, x, requires_grad=True)
        ms, ts = _both(torch, src, requires_grad=True)
        m = mx.index_reduce(1, mt.tensor(idx), ms, reduce, include_self=include_self)
        t = tx.index_reduce(1, torch.tensor(idx), ts, reduce, include_self=include_self)
        np.testing.assert_allclose(m.detach().numpy(), t.detach().numpy())
        (m * mt.tensor([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]])).sum().backward()
        (t * torch.tensor([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]])).sum().backward()
        np.testing.assert_allclose(mx.grad.numpy(), tx.grad.numpy())
        np.testing.assert_allclose(ms.grad.numpy(), ts.grad.numpy())
    with pytest.warns(UserWarning, match="index_reduce\\(\\) is in beta"):
        mt.zeros(3).index_reduce(0, mt.tensor([0]), mt.ones(1), reduce)
    _raises_like(
        lambda: torch.zeros(3).index_reduce(0, torch.tensor([0]), torch.ones(1), "sum"),
        lambda: mt.zeros(3).index_reduce(0, mt.tensor([0]), mt.ones(1), "sum"),
    )
    with pytest.raises(IndexError, match="index out of range in self"):
        mt.zeros(3).index_reduce(0, mt.tensor([3]), mt.ones(1), reduce)


def test_gather_out_resized_onto_its_own_index_is_refused():
    """An ``out`` that torch resizes into memory its index occupies must raise, also for as_strided numpy views."""
    storage = np.arange(3, dtype=np.int64)
    strided = np.lib.stride_tricks.as_strided
    index = mt.from_numpy(strided(storage[1:], (2,), (8,)))
    out = mt.from_numpy(strided(storage, (1,), (8,)))
    with pytest.raises(RuntimeError, match="refer to a single memory location"):
        mt.gather(mt.arange(3), 0, index, out=out)
    np.testing.assert_array_equal(storage, [0, 1, 2])


# --- index_put with uint8 masks: a one-element value goes through torch's masked_fill_ ---------------
_IP_U8_MASK = [[1, 0, 1], [0, 1, 0]]
_IP_U8_CASES = {
    "mask_number": (lambda T: (T.tensor(_IP_U8_MASK, dtype=T.uint8),), lambda T: T.tensor(9.0), False),
    "mask_one_element": (lambda T: (T.tensor(_IP_U8_MASK, dtype=T.uint8),), lambda T: T.tensor([9.0]), False),
    "mask_accumulate": (lambda T: (T.tensor(_IP_U8_MASK, dtype=T.uint8),), lambda T: T.tensor(9.0), True),
    "rows_values": (lambda T: (T.tensor([1, 0], dtype=T.uint8),), lambda T: T.tensor([1.0, 2.0, 3.0]), False),
    "rows_accumulate": (lambda T: (T.tensor([0, 1], dtype=T.uint8),), lambda T: T.tensor([1.0, 2.0, 3.0]), True),
    "two_masks": (
        lambda T: (T.tensor([1, 0], dtype=T.uint8), T.tensor([1, 0, 1], dtype=T.uint8)),
        lambda T: T.tensor(9.0),
        False,
    ),
    "bad_shape_fill": (lambda T: (T.ones(3, 2, dtype=T.uint8),), lambda T: T.tensor(9.0), False),
    "bad_shape_values": (lambda T: (T.ones(3, 2, dtype=T.uint8),), lambda T: T.tensor([1.0, 2.0, 3.0]), False),
    "0d_mask_fill": (lambda T: (T.tensor(1, dtype=T.uint8),), lambda T: T.tensor(9.0), False),
    "0d_bool_fill": (lambda T: (T.tensor(True),), lambda T: T.tensor(9.0), False),
    "0d_bool_false": (lambda T: (T.tensor(False),), lambda T: T.tensor(9.0), False),
    "bool_one_element_double": (
        lambda T: (T.tensor([True, False]),),
        lambda T: T.tensor([1.0], dtype=T.float64),
        False,
    ),
    "bool_accumulate_double": (lambda T: (T.tensor([True, False]),), lambda T: T.tensor(1.0, dtype=T.float64), True),
}


def _index_put_u8(T, case):
    indices, values, accumulate = _IP_U8_CASES[case]
    x = T.arange(6.0).reshape(2, 3)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        try:
            out = ("ok", x.index_put_(indices(T), values(T), accumulate=accumulate).tolist())
        except Exception as e:  # noqa: BLE001 - compared with torch's
            out = ("err", type(e).__name__, str(e), x.tolist())
    return (*out, sum("torch.uint8 is now deprecated" in str(w.message) for w in seen))


@pytest.mark.parametrize("case", sorted(_IP_U8_CASES))
def test_index_put_uint8_as_torch(case):
    torch = pytest.importorskip("torch")
    assert _index_put_u8(mt, case) == _index_put_u8(torch, case)


def test_index_put_uint8_one_element_value_raises():
    x = mt.arange(6.0).reshape(2, 3)
    mask = mt.tensor([[1, 0, 1], [0, 1, 0]], dtype=mt.uint8)
    for fn in (lambda: x.index_put_((mask,), mt.tensor(9.0)), lambda: mt.index_put(x, (mask,), mt.tensor([9.0]))):
        with pytest.raises(
            RuntimeError, match="^masked_fill_ only supports boolean masks, but got mask with dtype unsigned char$"
        ):
            fn()
    assert x.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]] and x._version == 0
    with pytest.warns(UserWarning, match="uint8"):
        y = x.index_put((mask,), mt.tensor(1.0), accumulate=True)
    assert y.tolist() == [[1.0, 1.0, 3.0], [3.0, 5.0, 5.0]]


def test_index_put_0d_bool_mask_fills_and_differentiates():
    x = mt.arange(6.0, dtype=mt.float64).reshape(2, 3).requires_grad_()
    v = mt.tensor(2.0, dtype=mt.float64, requires_grad=True)
    assert mt.index_put(x, (mt.tensor(True),), v).tolist() == [[2.0] * 3] * 2
    assert mt.index_put(x, (mt.tensor(False),), v).tolist() == x.tolist()
    assert gradcheck(lambda a, b: mt.index_put(a, (mt.tensor(True),), b), (x, v))
    with pytest.raises(RuntimeError, match="0-dim bool or byte index"):
        mt.index_put(x, (mt.tensor(True),), mt.ones(3, dtype=mt.float64))
