"""The shape family of issue 11: diagonal / as_strided views, *_copy and *_scatter ops,
stacking and splitting helpers, rot90, repeat_interleave, constant_pad_nd, unravel_index,
fill, resize_ and the complex no-ops of real tensors (against torch where installed, and
against numpy / finite differences)."""

from __future__ import annotations

import numpy as np
import pytest

import microtorch as mt
from microtorch.autograd import gradcheck, gradgradcheck

A = np.arange(24, dtype=np.float64).reshape(2, 3, 4) / 7 - 1


def _leaf(a=A):
    return mt.tensor(a, requires_grad=True)


# --- views -------------------------------------------------------------------------------
def test_diagonal_is_a_writable_view_with_torch_grad_fn():
    x = mt.zeros(3, 4)
    d = x.diagonal(1)
    d.add_(1)
    np.testing.assert_array_equal(x.numpy(), np.eye(3, 4, 1))
    assert d._base is x
    assert mt.diagonal(_leaf(), 0, 0, 2).grad_fn.name() == "DiagonalBackward0"
    assert mt.diagonal_copy(_leaf()).grad_fn.name() == "DiagonalBackward0_copy"


@pytest.mark.parametrize("offset, d1, d2", [(0, 0, 1), (1, -1, 0), (-2, 1, 2), (5, 0, 1)])
def test_diagonal_matches_numpy_and_gradchecks(offset, d1, d2):
    x = _leaf()
    np.testing.assert_allclose(mt.diagonal(x, offset, d1, d2).detach().numpy(), np.diagonal(A, offset, d1, d2))
    assert gradcheck(lambda t: mt.diagonal(t, offset, d1, d2), (x,))
    assert gradgradcheck(lambda t: mt.diagonal_copy(t, offset, d1, d2), (x,))


def test_as_strided_overlapping_gradient_accumulates():
    x = mt.tensor(np.arange(6.0), requires_grad=True)
    y = x.as_strided((5, 2), (1, 1))  # elements 1..4 appear twice
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1, 2, 2, 2, 2, 1])
    assert y.grad_fn.name() == "AsStridedBackward0"
    assert gradgradcheck(lambda t: t.as_strided((2, 2), (1, 2), 1), (x,))


def test_as_strided_of_a_view_uses_the_storage():
    base = mt.tensor(np.arange(20.0))
    view = base[5:15]
    assert view.as_strided((2, 2), (1, 2)).tolist() == [[5, 7], [6, 8]]
    assert view.as_strided((2, 2), (1, 2), 0).tolist() == [[0, 2], [1, 3]]
    with pytest.raises(RuntimeError, match="out of bounds for storage"):
        base.as_strided((2, 2), (1, 2), 18)


def test_as_strided_of_a_strided_numpy_array_uses_its_memory_as_torch():
    torch = pytest.importorskip("torch")
    arr = np.arange(12.0).reshape(3, 4).T  # memory order differs from the logical C order
    assert (
        mt.from_numpy(arr).as_strided((2, 2), (1, 4), 1).tolist()
        == torch.from_numpy(arr).as_strided((2, 2), (1, 4), 1).tolist()
    )


def test_as_strided_copy_of_a_partial_view_sends_the_gradient_to_the_base():
    w = mt.tensor(np.arange(20.0), requires_grad=True)
    out = mt.as_strided_copy((w * 1)[5:15], (2, 2), (1, 2), 3)
    assert out.tolist() == [[3, 5], [4, 6]]
    out.sum().backward()
    assert np.flatnonzero(w.grad.numpy()).tolist() == [5, 6]  # storage 3 and 4 lie outside the view


def test_as_strided_inplace_restrides_self():
    x = mt.arange(6.0).reshape(2, 3)
    x.as_strided_((3, 2), (1, 3))
    assert x.tolist() == [[0, 3], [1, 4], [2, 5]]


@pytest.mark.parametrize(
    "fn, src_shape",
    [
        (lambda x, s: mt.diagonal_scatter(x, s, 1, 0, 2), (3, 2)),
        (lambda x, s: mt.select_scatter(x, s, 1, -1), (2, 4)),
        (lambda x, s: mt.slice_scatter(x, s, 2, 1, None, 2), (2, 3, 2)),
        (lambda x, s: mt.as_strided_scatter(x, s, (2, 2), (4, 1), 3), (2, 2)),
    ],
)
def test_scatters_gradcheck(fn, src_shape):
    x = _leaf()
    s = mt.tensor(np.full(src_shape, 0.5), requires_grad=True)
    assert gradcheck(fn, (x, s))
    assert gradgradcheck(fn, (x, s))


def test_as_strided_scatter_input_gradient_is_zero_where_overwritten():
    # torch 2.13 returns the opposite mask here (its own test marks it expectedFailure)
    x = mt.tensor([1.0, 2, 3, 4], requires_grad=True)
    s = mt.tensor([9.0, 8], requires_grad=True)
    mt.as_strided_scatter(x, s, (2,), (1,), 1).backward(mt.tensor([1.0, 2, 3, 4]))
    assert x.grad.tolist() == [1, 0, 0, 4]
    assert s.grad.tolist() == [2, 3]


def test_scatter_src_of_another_dtype_is_cast():
    out = mt.select_scatter(mt.zeros(2, 2), mt.tensor([1, 2]), 0, 0)
    assert out.dtype == mt.float32 and out.tolist() == [[1, 2], [0, 0]]


@pytest.mark.parametrize(
    "name, args",
    [
        ("alias_copy", ()),
        ("expand_copy", ((2, 2, 3, 4),)),
        ("narrow_copy", (2, 1, 2)),
        ("permute_copy", ((2, 0, 1),)),
        ("squeeze_copy", ()),
        ("transpose_copy", (0, 2)),
        ("unsqueeze_copy", (1,)),
        ("unfold_copy", (2, 2, 1)),
        ("view_copy", ((4, 6),)),
    ],
)
def test_copy_variants_are_copies_with_the_view_values(name, args):
    x = _leaf()
    out = getattr(mt, name)(x, *args)
    view = {"alias_copy": lambda t: t[...], "squeeze_copy": lambda t: t.squeeze()}.get(
        name, lambda t: getattr(t, name[: -len("_copy")])(*args)
    )(x)
    np.testing.assert_array_equal(out.detach().numpy(), view.detach().numpy())
    assert out._base is None
    assert gradcheck(lambda t: getattr(mt, name)(t, *args), (x,))


def test_copy_variants_take_torch_keywords():
    x = mt.ones(2, 3)
    assert mt.permute_copy(x, dims=(1, 0)).shape == (3, 2)
    assert mt.view_copy(x, size=(6,)).shape == (6,) and mt.view_copy(x, mt.int32).dtype == mt.int32
    assert mt.expand_copy(x, size=(2, 2, 3)).shape == (2, 2, 3)
    with pytest.raises(TypeError):
        mt.view_copy(x, 6)  # torch: a size is a sequence here


def test_t_copy_and_multi_output_copies():
    x = mt.tensor(A[0], requires_grad=True)
    assert mt.t_copy(x).grad_fn.name() == "TBackward0_copy"
    pieces = mt.split_with_sizes_copy(x, [1, 2])
    assert [p.shape for p in pieces] == [(1, 4), (2, 4)] and all(p._base is None for p in pieces)
    assert gradcheck(lambda t: mt.unbind_copy(t, 1), (x,))


def test_more_copy_variants_and_unsafe_split_with_sizes():
    x = mt.tensor(A[0], requires_grad=True)
    assert mt.select_copy(x, 1, 2).grad_fn.name() == "SelectBackward0_copy"
    assert mt.slice_copy(x, 1, 1, None, 2).tolist() == x[:, 1::2].tolist()
    assert [p.shape for p in mt.split_copy(x, 2, 1)] == [(3, 2), (3, 2)]
    pieces = x.unsafe_split_with_sizes([2, 1])
    assert pieces[0].grad_fn.name() == "UnsafeSplitWithSizesBackward0" and pieces[0]._base is None
    assert mt.row_stack([x, x]).shape == (6, 4)


def test_slice_op_is_a_view_and_rejects_bad_step():
    """aten's slice (torch has no top-level torch.slice, so neither do we: it would shadow the builtin)."""
    from microtorch.ops.shape_views import slice as aten_slice

    assert not hasattr(mt, "slice")
    x = mt.arange(10.0)
    s = aten_slice(x, 0, 1, -2, 3)
    assert s.tolist() == [1, 4, 7] and s._base is x
    with pytest.raises(RuntimeError, match="slice step must be positive"):
        aten_slice(x, 0, 0, 5, 0)
    with pytest.raises(RuntimeError):
        aten_slice(x, 0, "a")  # an aten op: bad argument types are RuntimeError


def test_ravel_swapdims_moveaxis():
    x = mt.tensor(A)
    assert x.ravel().shape == (24,) and x.ravel()._base is x
    assert mt.swapdims(x, 0, 2).shape == (4, 3, 2) and x.moveaxis(0, -1).shape == (3, 4, 2)


# --- combining ---------------------------------------------------------------------------
def test_stack_helpers_match_numpy():
    a, b = np.arange(3.0), np.arange(3.0, 6.0)
    ta, tb = mt.tensor(a), mt.tensor(b)
    np.testing.assert_array_equal(mt.hstack([ta, tb]).numpy(), np.hstack([a, b]))
    np.testing.assert_array_equal(mt.vstack([ta, tb]).numpy(), np.vstack([a, b]))
    np.testing.assert_array_equal(mt.dstack([ta, tb]).numpy(), np.dstack([a, b]))
    np.testing.assert_array_equal(mt.column_stack([ta, tb]).numpy(), np.column_stack([a, b]))
    assert mt.atleast_3d(mt.tensor(1.0)).shape == (1, 1, 1)
    assert [t.shape for t in mt.atleast_2d(ta, mt.tensor(2.0))] == [(1, 3), (1, 1)]
    with pytest.raises(RuntimeError, match="hstack expects a non-empty TensorList"):
        mt.hstack([])


def test_block_diag_promotes_and_casts_gradients_back():
    a = mt.tensor([[1.0, 2.0]], dtype=mt.float64, requires_grad=True)
    b = mt.tensor(3.0, requires_grad=True)
    out = mt.block_diag(a, b, mt.tensor([4, 5]))
    assert out.dtype == mt.float64 and out.tolist() == [[1, 2, 0, 0, 0], [0, 0, 3, 0, 0], [0, 0, 0, 4, 5]]
    out.sum().backward()
    assert b.grad.dtype == mt.float32 and a.grad.tolist() == [[1, 1]]
    assert mt.block_diag().shape == (1, 0)


def test_cartesian_prod_and_combinations_match_itertools():
    import itertools

    x = mt.tensor([1.0, 2.0, 3.0])
    assert mt.cartesian_prod(x, mt.tensor([4.0, 5.0])).tolist() == [
        list(p) for p in itertools.product([1, 2, 3], [4, 5])
    ]
    assert mt.combinations(x, 2).tolist() == [list(p) for p in itertools.combinations([1, 2, 3], 2)]
    assert mt.combinations(x, 2, True).shape == (6, 2)
    assert mt.combinations(x, 4).shape == (0, 4) and mt.combinations(x, 0).shape == (0,)
    with pytest.raises(TypeError):
        mt.combinations(x, 2, "yes")


def test_huge_results_raise_runtime_error_not_memory_error():
    with pytest.raises(RuntimeError, match="allocate"):
        mt.repeat_interleave(mt.ones(3), 2**40)
    with pytest.raises(RuntimeError, match="allocate"):
        mt.tensor_split(mt.ones(3), 2**40)
    with pytest.raises(RuntimeError, match="allocate"):
        mt.combinations(mt.ones(3), 2**40)  # must not hang enumerating 3 ** (2 ** 40) candidates


def test_broadcast_shapes_and_tensors():
    assert mt.broadcast_shapes((2, 1), (3,), 1) == (2, 3)
    with pytest.raises(RuntimeError, match="Attempting to broadcast a dimension of length 3"):
        mt.broadcast_shapes((2,), (3,))
    with pytest.raises(ValueError):
        mt.broadcast_shapes((-1,))
    with pytest.raises(TypeError):
        mt.broadcast_shapes((1.5,))
    with pytest.raises(RuntimeError):
        mt.broadcast_shapes((3,), (1.5,))
    x, y = mt.ones(3, 1), mt.ones(4)
    bx, by = mt.broadcast_tensors(x, y)
    assert bx.shape == by.shape == (3, 4) and bx._base is x


def test_diag_embed_diagflat_trace_gradcheck():
    x = _leaf(A[0])
    np.testing.assert_array_equal(mt.diagflat(x.detach()[0], 1).numpy(), np.diagflat(A[0, 0], 1))
    np.testing.assert_allclose(mt.trace(x).item(), np.trace(A[0]))
    assert mt.trace(mt.ones(2, 2, dtype=mt.int32)).dtype == mt.int64
    for fn in (lambda t: mt.diag_embed(t, -1, 0, 2), lambda t: mt.diagflat(t, 2), mt.trace):
        assert gradcheck(fn, (x,)) and gradgradcheck(fn, (x,))


# --- splitting ---------------------------------------------------------------------------
def test_tensor_split_matches_numpy_array_split():
    x = mt.tensor(A)
    for spec in (3, [1, 3], [3, 1], mt.tensor([1, 2])):
        ours = x.tensor_split(spec, dim=2)
        ref = np.array_split(A, spec if isinstance(spec, int) else list(np.asarray(spec)), axis=2)
        if spec == [3, 1]:
            ref = [A[..., :3], A[..., 3:1], A[..., 1:]]
        assert [p.numpy().tolist() for p in ours] == [r.tolist() for r in ref]
    with pytest.raises(RuntimeError, match="not divisible"):
        mt.hsplit(x, 2)
    assert [p.shape for p in mt.dsplit(x, 2)] == [(2, 3, 2), (2, 3, 2)]


def test_tensor_split_keywords_of_torch_overloads():
    x = mt.arange(6.0)
    assert [p.tolist() for p in mt.tensor_split(x, sections=3)] == [[0, 1], [2, 3], [4, 5]]
    assert [p.shape[0] for p in x.tensor_split(indices=[1, 2])] == [1, 1, 4]
    assert [p.shape[0] for p in mt.tensor_split(x, tensor_indices_or_sections=mt.tensor(2))] == [3, 3]
    assert [p.shape[0] for p in mt.hsplit(x, indices=[1])] == [1, 5]
    with pytest.raises(TypeError):
        mt.tensor_split(x, sections=[1])
    with pytest.raises(TypeError):
        mt.tensor_split(x, 2, sections=2)


def test_unsafe_split_pieces_are_not_views():
    x = _leaf()
    pieces = mt.unsafe_chunk(x, 2, 1)
    assert [p.shape for p in pieces] == [(2, 2, 4), (2, 1, 4)] and pieces[0]._base is None
    assert pieces[0].grad_fn.name() == "UnsafeSplitBackward0"
    assert gradcheck(lambda t: mt.unsafe_split(t, 3, 2)[0], (x,))


# --- rearranging -------------------------------------------------------------------------
@pytest.mark.parametrize("k", [-1, 0, 1, 2, 3, 6])
def test_rot90_matches_numpy(k):
    x = _leaf()
    np.testing.assert_array_equal(mt.rot90(x, k, [2, 0]).detach().numpy(), np.rot90(A, k, (2, 0)))
    assert gradcheck(lambda t: mt.rot90(t, k, [2, 0]), (x,))


def test_fliplr_flipud():
    x = mt.tensor(A)
    np.testing.assert_array_equal(x.fliplr().numpy(), np.fliplr(A))
    np.testing.assert_array_equal(x.flipud().numpy(), np.flipud(A))
    with pytest.raises(RuntimeError, match="Input must be >= 2-d."):
        mt.fliplr(mt.ones(3))


def test_repeat_interleave_matches_numpy():
    x = _leaf()
    np.testing.assert_array_equal(mt.repeat_interleave(x, 2).detach().numpy(), np.repeat(A, 2))
    counts = mt.tensor([1, 0, 2])
    np.testing.assert_array_equal(x.repeat_interleave(counts, dim=1).detach().numpy(), np.repeat(A, [1, 0, 2], 1))
    assert mt.repeat_interleave(mt.tensor([2, 1])).tolist() == [0, 0, 1]
    assert gradcheck(lambda t: mt.repeat_interleave(t, counts, 1), (x,))
    with pytest.raises(RuntimeError, match="allocated size does not match"):
        mt.repeat_interleave(x, counts, 1, output_size=4)


def test_repeat_interleave_of_a_transposed_tensor():
    x = mt.tensor(A[0]).t()  # not contiguous: the copy before the view must be made contiguous
    np.testing.assert_array_equal(x.repeat_interleave(2, 0).numpy(), np.repeat(A[0].T, 2, 0))


def test_constant_pad_nd_crops_and_pads():
    x = _leaf()
    out = mt.constant_pad_nd(x, [1, -1, 0, 2], 3.5)
    np.testing.assert_array_equal(
        out.detach().numpy(), np.pad(A[..., :3], [(0, 0), (0, 2), (1, 0)], constant_values=3.5)
    )
    assert out.grad_fn.name() == "ConstantPadNdBackward0"
    assert gradgradcheck(lambda t: mt.constant_pad_nd(t, [2, -3]), (x,))
    with pytest.raises(RuntimeError, match="Length of pad must be even"):
        mt.constant_pad_nd(x, [1])


def test_unravel_index_wraps_like_torch():
    rows, cols = mt.unravel_index(mt.tensor([5, 7, -1]), (2, 3))
    assert rows.tolist() == [1, 0, 1] and cols.tolist() == [2, 1, 2]
    assert mt.unravel_index(mt.tensor(4), (3, 2))[0].shape == ()
    with pytest.raises(TypeError):
        mt.unravel_index(mt.tensor([1.0]), (2,))


def test_fill_and_resize():
    v = mt.tensor(2.0, requires_grad=True)
    x = mt.ones(2, 3, requires_grad=True)
    out = mt.fill(x, v)
    assert out.tolist() == [[2, 2, 2]] * 2 and out.grad_fn.name() == "FillBackward1"
    out.sum().backward()
    assert v.grad.item() == 6 and x.grad.abs().sum().item() == 0
    y = mt.arange(6.0)
    assert y.resize_(2, 2).tolist() == [[0, 1], [2, 3]] and y._version == 1
    assert mt.resize_as_(mt.arange(4.0), mt.ones(1, 2)).tolist() == [[0, 1]]
    with pytest.raises(RuntimeError, match="cannot resize variables that require grad"):
        x.resize_(6)


def test_resize_memory_formats_match_torch():
    torch = pytest.importorskip("torch")
    for lib in (torch, mt):
        out = lib.arange(8.0).reshape(2, 4).resize_(1, 2, 2, 2, memory_format=lib.channels_last)
        assert out.stride() == (8, 1, 4, 2) and out.flatten().tolist() == [0, 2, 4, 6, 1, 3, 5, 7]
        with pytest.raises(RuntimeError, match="Unsupported memory format"):
            lib.ones(2).resize_(2, memory_format=lib.preserve_format)


def test_real_tensor_complex_helpers():
    x = mt.ones(2, 3)
    for name in ("conj", "conj_physical", "resolve_conj", "resolve_neg", "real"):
        assert getattr(mt, name)(x) is x
    assert x.real is x and not x.is_conj() and x.H.shape == (3, 2)
    with pytest.raises(RuntimeError, match="imag is not implemented"):
        _ = x.imag
    with pytest.raises(RuntimeError, match="tensor.H is only supported on matrices"):
        _ = mt.ones(3).H


# --- against torch -----------------------------------------------------------------------
_TORCH_CASES = [
    ("diagonal", lambda m, x: m.diagonal(x, 1, 2, 0)),
    ("diag_embed", lambda m, x: m.diag_embed(x, 1, 0, 2)),
    ("rot90", lambda m, x: m.rot90(x, 3, [1, 2])),
    ("repeat_interleave", lambda m, x: m.repeat_interleave(x, 2, 1)),
    ("tensor_split", lambda m, x: m.tensor_split(x, [1, 5], 2)[1]),
    ("slice_scatter", lambda m, x: m.slice_scatter(x, x[:, 1:], 1, 1)),
    ("as_strided", lambda m, x: m.as_strided(x, (3, 3), (1, 2), 2)),
    ("column_stack", lambda m, x: m.column_stack([x[0], x[1]])),
    ("trace", lambda m, x: m.trace(x[1])),
]


@pytest.mark.parametrize("name, fn", _TORCH_CASES, ids=[c[0] for c in _TORCH_CASES])
def test_values_and_gradients_match_torch(name, fn):
    torch = pytest.importorskip("torch")
    x, tx = _leaf(), torch.tensor(A, requires_grad=True)
    out, t_out = fn(mt, x), fn(torch, tx)
    np.testing.assert_allclose(out.detach().numpy(), t_out.detach().numpy())
    w = np.random.RandomState(0).standard_normal(tuple(t_out.shape))
    (out * mt.tensor(w)).sum().backward()
    (t_out * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())
    assert out.grad_fn.name() == t_out.grad_fn.name()


def test_error_classes_match_torch():
    torch = pytest.importorskip("torch")
    calls = [
        lambda m: m.diagonal(m.ones(2, 2), 0, 1, 1),
        lambda m: m.trace(m.ones(3)),
        lambda m: m.tensor_split(m.ones(3), 0),
        lambda m: m.vsplit(m.ones(3), 1),
        lambda m: m.rot90(m.ones(2, 2), 1, [0, 2]),
        lambda m: m.narrow_copy(m.ones(2, 3, 4), 3, 0, 1),
        lambda m: m.narrow_copy(m.ones(2, 3, 4), -4, 0, 1),
        lambda m: m.block_diag(m.ones(2, 2, 2)),
        lambda m: m.unravel_index(m.tensor(1), (2, -3)),
        lambda m: m.fill(m.ones(2), m.ones(2)),
        lambda m: m.select_scatter(m.ones(2, 2), m.ones(3), 0, 0),
    ]
    for call in calls:
        with pytest.raises(Exception) as t_err:
            call(torch)
        with pytest.raises(type(t_err.value)):
            call(mt)
