"""alpha_dropout, feature_alpha_dropout and rrelu: eval-mode values against torch, seeded and statistical tests."""

from __future__ import annotations

import numpy as np
import pytest

import microtorch as mt
import microtorch.nn.functional as F

_ALPHA = 1.7580993408473766


def _normal(shape, seed=0):
    return mt.tensor(np.random.default_rng(seed).standard_normal(shape))


@pytest.mark.parametrize("fn", [F.alpha_dropout, F.feature_alpha_dropout])
def test_alpha_dropout_is_identity_without_training(fn):
    x = _normal((3, 4))
    assert fn(x, 0.5, training=False) is x
    assert fn(x, 0.0, training=True) is x


def test_alpha_dropout_keeps_selu_statistics():
    mt.manual_seed(0)
    out = F.alpha_dropout(_normal((200, 500)), 0.3, training=True).numpy()
    assert abs(out.mean()) < 0.02 and abs(out.var() - 1) < 0.03
    a = 1 / np.sqrt((_ALPHA**2 * 0.3 + 1) * 0.7)
    dropped = np.isclose(out, -_ALPHA * a + _ALPHA * a * 0.3)
    assert abs(dropped.mean() - 0.3) < 0.01  # the dropped units all take one value


def test_alpha_dropout_is_seeded_and_differentiable():
    x = _normal((5, 6))
    x.requires_grad_(True)
    mt.manual_seed(3)
    a = F.alpha_dropout(x, 0.4, training=True)
    mt.manual_seed(3)
    b = F.alpha_dropout(x, 0.4, training=True)
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    a.sum().backward()
    scale = 1 / np.sqrt((_ALPHA**2 * 0.4 + 1) * 0.6)
    assert set(np.unique(x.grad.numpy()).round(12)) <= {0.0, round(scale, 12)}


def test_feature_alpha_dropout_drops_whole_channels():
    mt.manual_seed(1)
    out = F.feature_alpha_dropout(mt.ones(8, 16, 5, 5), 0.5, training=True).numpy()
    per_channel = out.reshape(8, 16, -1)
    assert (per_channel == per_channel[..., :1]).all()
    assert len(np.unique(per_channel[..., 0].round(6))) == 2


@pytest.mark.parametrize(
    "call, exc",
    [
        (lambda: F.alpha_dropout(_normal(3), 1.5, True), ValueError),
        (lambda: F.alpha_dropout(_normal(3), float("nan"), True), RuntimeError),
        (lambda: F.alpha_dropout(mt.tensor([1, 2]), 0.5, True), RuntimeError),
        (lambda: F.feature_alpha_dropout(_normal(3), 0.5, True), RuntimeError),
        (lambda: F.feature_alpha_dropout(_normal((2, 3)), 0.5, "yes"), TypeError),
        (lambda: F.rrelu(_normal(3), 0.5, 0.2), RuntimeError),
        (lambda: F.rrelu(_normal(3), "a"), TypeError),
        (lambda: F.rrelu(mt.tensor([1, 2]), training=True), NotImplementedError),
        (lambda: F.rrelu(mt.tensor([1, 2])), NotImplementedError),
    ],
)
def test_bad_input_raises_like_torch(call, exc):
    with pytest.raises(exc):
        call()


def test_rrelu_eval_is_leaky_relu_with_the_mean_slope():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(2).standard_normal((4, 5))
    want = torch.nn.functional.rrelu(torch.tensor(x), 0.1, 0.3)
    np.testing.assert_allclose(F.rrelu(mt.tensor(x), 0.1, 0.3).numpy(), want.numpy(), rtol=1e-15)
    assert mt.nn.RReLU(0.1, 0.3).eval()(mt.tensor(x)).allclose(mt.tensor(want.numpy()))


def test_rrelu_training_slopes_and_gradient():
    mt.manual_seed(5)
    x = _normal((100, 100))
    x.requires_grad_(True)
    out = F.rrelu(x, 0.1, 0.3, training=True)
    out.sum().backward()
    xs, g = x.detach().numpy(), x.grad.numpy()
    neg = xs <= 0
    assert (g[~neg] == 1).all()
    assert ((g[neg] >= 0.1) & (g[neg] <= 0.3)).all() and abs(g[neg].mean() - 0.2) < 0.005
    np.testing.assert_allclose(out.detach().numpy(), xs * g)  # the slope that scaled each element is its gradient


def test_rrelu_inplace_and_modules():
    mt.manual_seed(7)
    x = _normal(50)
    y = x.clone()
    F.rrelu_(y, training=True)
    assert ((y.numpy() == x.numpy()) | (x.numpy() <= 0)).all() and (y.numpy() >= x.numpy()).all()
    drop = mt.nn.AlphaDropout(0.2)
    assert drop.eval()(x) is x
    with pytest.raises(ValueError):
        mt.nn.FeatureAlphaDropout(2.0)
