"""torch's public native_* normalisations (output and saved statistics), rsub, angle and nonzero_static."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import microtorch as mt
from microtorch.autograd import gradcheck, gradgradcheck


@given(st.integers(1, 3), st.integers(2, 4), st.integers(1, 3))
def test_native_layer_norm_against_numpy(n, c, k):
    x = np.random.default_rng(n * 31 + c * 7 + k).standard_normal((n, c, k))
    out, mean, rstd = mt.native_layer_norm(mt.tensor(x), (c, k), None, None, 1e-5)
    m = x.mean(axis=(1, 2), keepdims=True)
    r = 1 / np.sqrt(x.var(axis=(1, 2), keepdims=True) + 1e-5)
    np.testing.assert_allclose(mean.numpy(), m, rtol=1e-12)
    np.testing.assert_allclose(rstd.numpy(), r, rtol=1e-12)
    np.testing.assert_allclose(out.numpy(), (x - m) * r, rtol=1e-10, atol=1e-12)


def test_native_norms_gradients_flow_into_the_statistics():
    x = mt.randn(3, 4, 2, dtype=mt.float64, requires_grad=True)
    w = mt.randn(4, dtype=mt.float64, requires_grad=True)
    assert gradcheck(lambda a, b: mt.native_group_norm(a, b, None, 3, 4, 2, 2, 1e-5), (x, w))
    assert gradgradcheck(lambda a: mt.native_layer_norm(a, (2,), None, None, 1e-5), (x,))
    assert gradcheck(lambda a, b: mt.native_batch_norm(a, b, None, None, None, True, 0.1, 1e-5), (x, w))


def test_native_batch_norm_updates_running_stats_and_eval_returns_empty_saves():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((6, 3, 4))
    for training in (True, False):
        rm, rv = np.zeros(3), np.ones(3)
        t_rm, t_rv, m_rm, m_rv = torch.tensor(rm), torch.tensor(rv), mt.tensor(rm), mt.tensor(rv)
        t = torch.native_batch_norm(torch.tensor(x), None, None, t_rm, t_rv, training, 0.3, 1e-5)
        m = mt.native_batch_norm(mt.tensor(x), None, None, m_rm, m_rv, training, 0.3, 1e-5)
        for a, b in zip(m, t):
            assert tuple(a.shape) == tuple(b.shape)
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(m_rm.numpy(), t_rm.numpy(), rtol=1e-12)
        np.testing.assert_allclose(m_rv.numpy(), t_rv.numpy(), rtol=1e-12)


def test_native_batch_norm_checks_before_touching_running_stats():
    rm = mt.zeros(3)
    with pytest.raises(RuntimeError, match="mixed dtype"):
        mt.native_batch_norm(mt.randn(4, 3), mt.ones(3, dtype=mt.float64), None, rm, None, True, 0.1, 1e-5)
    with pytest.raises(TypeError):
        mt.native_batch_norm(mt.randn(4, 3), None, None, "rm", None, True, 0.1, 1e-5)
    assert rm.tolist() == [0.0, 0.0, 0.0]


def test_rsub_angle_nonzero_static_as_torch():
    torch = pytest.importorskip("torch")
    values = [1.0, -2.0, 0.0, float("nan"), float("inf"), -float("inf")]
    np.testing.assert_array_equal(mt.angle(mt.tensor(values)).numpy(), torch.angle(torch.tensor(values)).numpy())
    assert mt.angle(mt.tensor([1, -2])).dtype == mt.float32
    a = mt.tensor([-1.0, 2.0], requires_grad=True)
    mt.angle(a).sum().backward()
    assert a.grad.tolist() == [0.0, 0.0]
    assert (
        mt.rsub(mt.tensor([1.0, 2.0]), 5, alpha=2).tolist() == torch.rsub(torch.tensor([1.0, 2.0]), 5, alpha=2).tolist()
    )
    x = [[1, 0], [0, 3]]
    for size in (0, 1, 4):
        expected = torch.nonzero_static(torch.tensor(x), size=size, fill_value=-7)
        assert mt.nonzero_static(mt.tensor(x), size=size, fill_value=-7).tolist() == expected.tolist()
    with pytest.raises(RuntimeError):
        mt.nonzero_static(mt.tensor(x), size=-1)
