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
