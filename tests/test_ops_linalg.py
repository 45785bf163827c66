"""matmul / mm / bmm / linear with PyTorch's shape rules."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import microtorch as mt
from microtorch.autograd import gradcheck, gradgradcheck

SHAPE_PAIRS = [
    ((3,), (3,)),
    ((3,), (3, 4)),
    ((2, 3), (3,)),
    ((2, 3), (3, 4)),
    ((5, 2, 3), (3, 4)),
    ((2, 3), (5, 3, 4)),
    ((5, 2, 3), (5, 3, 4)),
    ((2, 1, 2, 3), (4, 3, 2)),
    ((4,), (2, 4, 3)),
    ((2, 4, 3), (3,)),
]


@pytest.mark.parametrize(("sa", "sb"), SHAPE_PAIRS)
def test_matmul_shapes_values_gradients(sa, sb):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    x, y = mt.tensor(a, requires_grad=True), mt.tensor(b, requires_grad=True)
    out = x @ y
    np.testing.assert_allclose(out.detach().numpy(), np.matmul(a, b), rtol=1e-12)
    assert gradcheck(mt.matmul, (x, y))
    assert gradgradcheck(mt.matmul, (x, y))


@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4), st.booleans())
def test_linear_matches_reference(n, i, o, bias):
    rng = np.random.default_rng(n * 100 + i * 10 + o)
    x = mt.tensor(rng.standard_normal((n, i)), requires_grad=True)
    w = mt.tensor(rng.standard_normal((o, i)), requires_grad=True)
    b = mt.tensor(rng.standard_normal(o), requires_grad=True) if bias else None
    ref = x.detach().numpy() @ w.detach().numpy().T + (b.detach().numpy() if bias else 0)
    np.testing.assert_allclose(mt.nn.functional.linear(x, w, b).detach().numpy(), ref, rtol=1e-12)
    args = (x, w, b) if bias else (x, w)
    assert gradcheck(mt.nn.functional.linear, args)
    assert gradgradcheck(mt.nn.functional.linear, args)


def test_matmul_errors_name_shapes():
    with pytest.raises(RuntimeError, match=r"2x3 and 4x5"):
        mt.ones(2, 3) @ mt.ones(4, 5)
    with pytest.raises(RuntimeError, match="bmm"):
        mt.bmm(mt.ones(2, 3), mt.ones(3, 2))
    with pytest.raises(RuntimeError, match="mm"):
        mt.mm(mt.ones(3), mt.ones(3, 2))
    with pytest.raises(RuntimeError, match="at least 1D"):
        mt.matmul(mt.tensor(1.0), mt.ones(2))


@pytest.mark.parametrize(("sa", "sb"), SHAPE_PAIRS)
def test_matmul_matches_torch(sa, sb):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal(sa).astype(np.float32), rng.standard_normal(sb).astype(np.float32)
    x, y = mt.tensor(a, requires_grad=True), mt.tensor(b, requires_grad=True)
    tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    out, tout = x @ y, tx @ ty
    assert tuple(out.shape) == tuple(tout.shape)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-5, atol=1e-5)
    out.sum().backward()
    tout.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(y.grad.numpy(), ty.grad.numpy(), rtol=1e-5, atol=1e-5)


LINEAR_CASES = [
    ((5, 3), (4, 3), (4,)),
    ((2, 5, 3), (4, 3), (4,)),
    ((2, 2, 5, 3), (4, 3), (4,)),
    ((3,), (4, 3), (4,)),
    ((3,), (4, 3), None),
    ((2, 5, 3), (4, 3), None),
    ((2, 5, 3), (4, 3), ()),
    ((5, 3), (4, 3), (5, 4)),
    ((5, 3), (4, 3), (1, 4)),
    ((2, 5, 3), (4, 3), (2, 1, 4)),
    ((5, 3), (3,), None),
    ((2, 0, 3), (4, 3), (4,)),
]


@pytest.mark.parametrize(("xs", "ws", "bs"), LINEAR_CASES)
@pytest.mark.parametrize("transposed", [False, True])
def test_linear_all_paths_match_torch(xs, ws, bs, transposed):
    torch = pytest.importorskip("torch")
    if transposed and (len(xs) < 3 or (bs is not None and len(bs) > 1)):
        pytest.skip("a transposed batch only applies to N-D input with a bias that broadcasts")
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal(xs), rng.standard_normal(ws)] + ([rng.standard_normal(bs)] if bs is not None else [])
    results = []
    for lib in (mt, torch):
        ts = [lib.tensor(a, requires_grad=True) for a in arrays]
        x = ts[0].transpose(0, -2) if transposed else ts[0]
        out = lib.nn.functional.linear(x, *ts[1:])
        out.backward(lib.tensor(np.linspace(-1, 1, out.numel()).reshape(tuple(out.shape))))
        results.append((out.detach().numpy(), [t.grad.numpy() for t in ts]))
    (ov, og), (tv, tg) = results
    assert ov.shape == tv.shape
    np.testing.assert_allclose(ov, tv, rtol=1e-12, atol=1e-14)
    for a, b in zip(og, tg):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(("xs", "ws", "bs"), LINEAR_CASES[:7])
def test_linear_second_order_on_every_path(xs, ws, bs):
    rng = np.random.default_rng(3)
    ts = [mt.tensor(rng.standard_normal(s), requires_grad=True) for s in (xs, ws, bs) if s is not None]
    assert gradgradcheck(mt.nn.functional.linear, tuple(ts))


BAD_LINALG = {
    "linear_0d_input": lambda lib: lib.nn.functional.linear(lib.tensor(1.0), lib.ones(3, 3)),
    "linear_0d_weight": lambda lib: lib.nn.functional.linear(lib.ones(3), lib.tensor(2.0)),
    "linear_3d_weight": lambda lib: lib.nn.functional.linear(lib.ones(2, 3), lib.ones(3, 3, 3)),
    "linear_shapes": lambda lib: lib.nn.functional.linear(lib.ones(2, 3), lib.ones(4, 4)),
    "linear_bias_shape": lambda lib: lib.nn.functional.linear(lib.ones(2, 3), lib.ones(4, 3), lib.ones(3)),
    "linear_bias_shape_3d": lambda lib: lib.nn.functional.linear(lib.ones(2, 5, 3), lib.ones(4, 3), lib.ones(3)),
    "linear_bias_rank": lambda lib: lib.nn.functional.linear(lib.ones(5, 3), lib.ones(4, 3), lib.ones(1, 1, 4)),
    "linear_vector_weight_bias": lambda lib: lib.nn.functional.linear(lib.ones(5, 3), lib.ones(3), lib.ones(5)),
    "linear_weight_dtype": lambda lib: lib.nn.functional.linear(lib.ones(2, 3), lib.ones(4, 3).double()),
    "linear_bias_dtype": lambda lib: lib.nn.functional.linear(lib.ones(2, 3), lib.ones(4, 3), lib.ones(4).double()),
    "linear_str_weight": lambda lib: lib.nn.functional.linear(lib.ones(2, 3), "w"),
    "linear_list_bias": lambda lib: lib.nn.functional.linear(lib.ones(2, 3), lib.ones(4, 3), [1.0] * 4),
    "mm_str": lambda lib: lib.mm(lib.ones(2, 2), "m"),
    "bmm_list": lambda lib: lib.bmm([[[1.0]]], lib.ones(1, 1, 1)),
    "mv_str": lambda lib: lib.mv(lib.ones(2, 2), "v"),
    "dot_list": lambda lib: lib.dot(lib.ones(2), [1.0, 2.0]),
    "dot_sizes": lambda lib: lib.dot(lib.ones(3), lib.ones(2)),
    "matmul_str": lambda lib: lib.matmul(lib.ones(2), "x"),
    "outer_2d": lambda lib: lib.outer(lib.ones(2, 2), lib.ones(2)),
    "outer_0d": lambda lib: lib.outer(lib.ones(2), lib.tensor(1.0)),
    "outer_list": lambda lib: lib.outer([1.0], lib.ones(2)),
    "einsum_equation_type": lambda lib: lib.einsum(3, lib.ones(2)),
    "einsum_operand_type": lambda lib: lib.einsum("i,i", lib.ones(2), "x"),
    "einsum_subscripts": lambda lib: lib.einsum("ij", lib.ones(2)),
    "einsum_too_few": lambda lib: lib.einsum("i,i", lib.ones(2)),
    "einsum_too_many": lambda lib: lib.einsum("i", lib.ones(2), lib.ones(2)),
    "einsum_sizes": lambda lib: lib.einsum("i,i->i", lib.ones(2), lib.ones(3)),
    "mv_0d_matrix": lambda lib: lib.mv(lib.tensor(1.0), lib.ones(3)),
    "mv_0d_vector": lambda lib: lib.mv(lib.ones(2, 3), lib.tensor(1.0)),
    "mv_sizes": lambda lib: lib.mv(lib.ones(2, 3), lib.ones(2)),
}


@pytest.mark.parametrize("name", list(BAD_LINALG))
def test_bad_linalg_inputs_raise_as_torch(name):
    torch = pytest.importorskip("torch")
    import re

    with pytest.raises(Exception) as theirs:  # noqa: PT011 - whatever torch raises
        BAD_LINALG[name](torch)
    with pytest.raises(type(theirs.value), match=re.escape(str(theirs.value))):
        BAD_LINALG[name](mt)


EINSUM_CASES = [
    ("iji->j", [(2, 3, 2)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("i...->...", [(3, 3)]),
    ("...ik,...j->ij", [(1, 2, 3), (3,)]),
    ("...ij,...jk->...ik", [(2, 1, 2, 3), (4, 3, 2)]),
    ("ij,ij->", [(2, 3), (1, 3)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("ijk,ik->j", [(1, 2, 3), (1, 3)]),
    ("bii,bj->bij", [(2, 3, 3), (2, 4)]),
]


@pytest.mark.parametrize(("equation", "shapes"), EINSUM_CASES)
def test_einsum_values_gradients_match_torch(equation, shapes):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    arrays = [rng.standard_normal(s) for s in shapes]
    results = []
    for lib in (mt, torch):
        ts = [lib.tensor(a, requires_grad=True) for a in arrays]
        out = lib.einsum(equation, *ts)
        out.backward(lib.tensor(np.linspace(-1, 2, out.numel()).reshape(tuple(out.shape))))
        results.append((out.detach().numpy(), [t.grad.numpy() for t in ts]))
    (ov, og), (tv, tg) = results
    assert ov.shape == tv.shape
    np.testing.assert_allclose(ov, tv, rtol=1e-12, atol=1e-14)
    for a, b in zip(og, tg):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    ts = [mt.tensor(a, requires_grad=True) for a in arrays]
    assert gradgradcheck(lambda *xs: mt.einsum(equation, *xs), tuple(ts))


@pytest.mark.parametrize(
    ("equation", "shapes"),
    [("ij->", [(2, 3)]), ("ij->ji", [(2, 3)]), ("i,k->k", [(3,), (4,)]), ("ij,j->i", [(2, 3), (3,)])],
)
def test_einsum_integer_result_dtype_as_torch(equation, shapes):
    # torch sums a letter that only one operand has with sum(), which gives int64
    torch = pytest.importorskip("torch")
    ours = mt.einsum(equation, *[mt.ones(*s, dtype=mt.int32) for s in shapes])
    theirs = torch.einsum(equation, *[torch.ones(*s, dtype=torch.int32) for s in shapes])
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
