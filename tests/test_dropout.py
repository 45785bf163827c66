"""Dropout: inverted scaling, channel-wise variants, reproducibility, gradients, errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import microtorch as mt
import microtorch.nn.functional as F
from microtorch.autograd import gradcheck


@given(st.floats(0.0, 0.95), st.integers(0, 1000))
def test_dropout_zeroes_or_scales_each_element(p, seed):
    mt.manual_seed(seed)
    x = mt.rand(4, 50) + 0.5
    y = F.dropout(x, p)
    xa, ya = x.numpy(), y.numpy()
    kept = ya != 0
    np.testing.assert_allclose(ya[kept], xa[kept] / (1 - p), rtol=1e-6)
    assert y.dtype == mt.float32


def test_dropout_rate_is_about_p():
    mt.manual_seed(0)
    y = F.dropout(mt.ones(200_000), 0.3)
    frac = float((y.numpy() == 0).mean())
    assert abs(frac - 0.3) < 0.01
    assert abs(float(y.numpy().mean()) - 1.0) < 0.02  # inverted scaling keeps the mean


def test_dropout_reproducible_under_manual_seed():
    x = mt.randn(10, 10)
    mt.manual_seed(123)
    a = F.dropout(x, 0.5).numpy()
    mt.manual_seed(123)
    b = F.dropout(x, 0.5).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, F.dropout(x, 0.5).numpy())


def test_eval_mode_p0_p1_and_inplace():
    x = mt.randn(5, 5)
    assert F.dropout(x, 0.5, training=False) is x
    np.testing.assert_array_equal(F.dropout(x, 0.0).numpy(), x.numpy())
    np.testing.assert_array_equal(F.dropout(x, 1.0).numpy(), np.zeros((5, 5), np.float32))
    z = x.clone()
    mt.manual_seed(1)
    out = F.dropout(z, 0.5, inplace=True)
    assert out is z
    mt.manual_seed(1)
    np.testing.assert_array_equal(z.numpy(), F.dropout(x, 0.5).numpy())


def test_dropout_gradient_is_the_mask():
    x = mt.tensor(np.random.default_rng(0).standard_normal((6, 7)), requires_grad=True)
    mt.manual_seed(5)
    y = F.dropout(x, 0.4)
    y.sum().backward()
    mask = y.detach().numpy() / x.detach().numpy()
    np.testing.assert_allclose(x.grad.numpy(), mask)
    assert set(np.round(np.unique(mask), 6)) <= {0.0, round(1 / 0.6, 6)}

    def fn(t):
        mt.manual_seed(7)
        return F.dropout(t, 0.4)

    assert gradcheck(fn, (x.detach().requires_grad_(),))


@pytest.mark.parametrize(
    "fn, shape, mask_shape",
    [
        (F.dropout1d, (3, 4, 20), (3, 4, 1)),
        (F.dropout1d, (4, 20), (4, 1)),
        (F.dropout2d, (3, 4, 5, 6), (3, 4, 1, 1)),
        (F.dropout3d, (2, 3, 4, 5, 6), (2, 3, 1, 1, 1)),
        (F.dropout3d, (3, 4, 5, 6), (3, 1, 1, 1)),
    ],
)
def test_channel_dropout_drops_whole_channels(fn, shape, mask_shape):
    mt.manual_seed(3)
    y = fn(mt.ones(*shape), 0.5).numpy()
    axes = tuple(i for i, m in enumerate(mask_shape) if m == 1)
    lo, hi = y.min(axis=axes, keepdims=True), y.max(axis=axes, keepdims=True)
    np.testing.assert_array_equal(lo, hi)  # constant over each channel
    assert set(np.unique(lo)) <= {0.0, 2.0}


def test_dropout2d_3d_input_is_read_as_n_c_l_with_warning():
    with pytest.warns(UserWarning, match="dropout2d: Received a 3D input"):
        y = F.dropout2d(mt.ones(3, 4, 20), 0.5).numpy()
    np.testing.assert_array_equal(y.min(axis=2), y.max(axis=2))


@pytest.mark.parametrize("p", [-0.1, 1.5])
@pytest.mark.parametrize("fn", [F.dropout, F.dropout1d, F.dropout2d, F.dropout3d])
def test_bad_p_raises_value_error(fn, p):
    x = mt.ones(2, 3, 4, 5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match=r"dropout\w*: dropout probability has to be between 0 and 1, but got"):
            fn(x, p)
    np.testing.assert_array_equal(x.numpy(), np.ones((2, 3, 4, 5)))


def test_dropout1d_wrong_rank():
    with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input"):
        F.dropout1d(mt.ones(2, 3, 4, 5))


def test_matches_torch_in_distribution_and_errors():
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError):
        torch.nn.functional.dropout(torch.ones(3), 1.5)
    t = torch.nn.functional.dropout(torch.ones(1000), 0.25)
    m = F.dropout(mt.ones(1000), 0.25)
    assert set(np.unique(m.numpy())) == set(np.unique(t.numpy()))
