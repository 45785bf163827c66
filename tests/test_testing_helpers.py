"""The public testing helpers and strategies work as documented."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given

import microtorch as mt
from microtorch.autograd import Function, GradcheckError
from microtorch.testing import assert_close, assert_gradgrads_match, assert_gradients_match, make_tensor
from microtorch.testing.strategies import arrays, away_from, broadcastable_shapes, tensors


@given(tensors(shape=(2, 3), low=-2, high=2, requires_grad=True, away_from_points=(0.0,), margin=1e-2))
def test_assert_gradients_match_on_a_user_op(x):
    assert x.requires_grad and x.dtype == mt.float64
    assert np.all(np.abs(x.detach().numpy()) >= 1e-2)
    assert_gradients_match(lambda t: (t.abs() * t.exp()).sum(1), x)
    assert_gradgrads_match(lambda t: t.exp() * t, x)


@given(broadcastable_shapes(3))
def test_broadcastable_shapes_broadcast(shapes):
    np.broadcast_shapes(*shapes)


@given(arrays((12,), "float64", -1, 1, min_gap=0.1))
def test_min_gap_gives_distinct_values(a):
    assert np.min(np.diff(np.sort(a))) >= 0.1 - 1e-12


def test_away_from_moves_values():
    out = away_from(np.array([0.0, 1e-5, -1e-5, 0.5]), (0.0,), 1e-3)
    assert np.all(np.abs(out) >= 1e-3) and out[3] == 0.5


class Bad(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.sin()

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x.cos() * 1.01


def test_assert_gradients_match_catches_a_wrong_gradient():
    with pytest.raises(GradcheckError, match="input 0"):
        assert_gradients_match(Bad.apply, mt.tensor([0.3, 1.2]))


def test_assert_close_and_make_tensor():
    x = make_tensor(3, 4, low=-1, high=1)
    assert x.shape == (3, 4) and x.dtype == mt.float32 and float(x.abs().max()) <= 1
    assert_close(x, x.clone())
    with pytest.raises(AssertionError, match="not close"):
        assert_close(x, x + 1)
    with pytest.raises(AssertionError, match="shape"):
        assert_close(x, x[0])
