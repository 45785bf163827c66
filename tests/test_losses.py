"""Losses: values and gradients against torch and finite differences, reductions, errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import microtorch as mt
import microtorch.nn.functional as F
from microtorch.autograd import gradcheck, gradgradcheck

RNG = np.random.default_rng(0)
LOGITS = RNG.standard_normal((5, 4))
LOGITS3 = RNG.standard_normal((2, 4, 3))
TARGET = np.array([1, 0, 3, 3, 2])
TARGET3 = np.array([[0, 3, 1], [2, 2, -100]])
PROBS = RNG.dirichlet(np.ones(4), 5)
PRED = RNG.uniform(0.05, 0.95, (5, 4))
REAL = RNG.standard_normal((5, 4))
WEIGHT = np.array([0.5, 2.0, 1.0, 1.5])

CASES = [
    ("mse", lambda f, lib, x, r: f.mse_loss(x, lib.tensor(REAL), reduction=r), LOGITS),
    ("l1", lambda f, lib, x, r: f.l1_loss(x, lib.tensor(REAL), reduction=r), LOGITS),
    ("smooth_l1", lambda f, lib, x, r: f.smooth_l1_loss(x, lib.tensor(REAL), reduction=r, beta=0.5), LOGITS),
    ("huber", lambda f, lib, x, r: f.huber_loss(x, lib.tensor(REAL), reduction=r, delta=0.7), LOGITS),
    ("ce", lambda f, lib, x, r: f.cross_entropy(x, lib.tensor(TARGET), reduction=r), LOGITS),
    (
        "ce_weight_smooth",
        lambda f, lib, x, r: f.cross_entropy(
            x, lib.tensor(TARGET), lib.tensor(WEIGHT), reduction=r, label_smoothing=0.2
        ),
        LOGITS,
    ),
    (
        "ce_nd_ignore",
        lambda f, lib, x, r: f.cross_entropy(
            x, lib.tensor(TARGET3), lib.tensor(WEIGHT), reduction=r, label_smoothing=0.1
        ),
        LOGITS3,
    ),
    ("ce_probs", lambda f, lib, x, r: f.cross_entropy(x, lib.tensor(PROBS), reduction=r, label_smoothing=0.1), LOGITS),
    (
        "nll",
        lambda f, lib, x, r: f.nll_loss(f.log_softmax(x, 1), lib.tensor(TARGET), lib.tensor(WEIGHT), reduction=r),
        LOGITS,
    ),
    ("bce", lambda f, lib, x, r: f.binary_cross_entropy(lib.sigmoid(x), lib.tensor(PRED), reduction=r), LOGITS),
    (
        "bce_logits",
        lambda f, lib, x, r: f.binary_cross_entropy_with_logits(
            x, lib.tensor(PRED), reduction=r, pos_weight=lib.tensor(WEIGHT)
        ),
        LOGITS,
    ),
    ("kl_div", lambda f, lib, x, r: f.kl_div(f.log_softmax(x, 1), lib.tensor(PROBS), reduction=r), LOGITS),
]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize(("name", "fn", "data"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.filterwarnings("ignore:reduction. .mean. divides the total loss")
def test_loss_matches_torch(name, fn, data, reduction):
    torch = pytest.importorskip("torch")
    import torch.nn.functional as TF

    x, tx = mt.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    out, tout = fn(F, mt, x, reduction), fn(TF, torch, tx, reduction)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = np.random.default_rng(1).standard_normal(tuple(tout.shape))
    out.backward(mt.tensor(g))
    tout.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(("name", "fn", "data"), CASES, ids=[c[0] for c in CASES])
def test_loss_gradients_finite_differences(name, fn, data):
    x = mt.tensor(data, requires_grad=True)
    assert gradcheck(lambda t: fn(F, mt, t, "mean"), (x,))
    if name in ("mse", "ce", "bce_logits"):
        assert gradgradcheck(lambda t: fn(F, mt, t, "mean"), (x,))


@given(st.integers(1, 6), st.integers(2, 5), st.integers(0, 10_000))
def test_cross_entropy_equals_manual_log_softmax_formula(n, c, seed):
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((n, c)) * 5
    target = rng.integers(0, c, n)
    loss = F.cross_entropy(mt.tensor(logits), mt.tensor(target)).item()
    shifted = logits - logits.max(1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
    assert loss == pytest.approx(-logp[np.arange(n), target].mean(), rel=1e-10)


def test_cross_entropy_stable_at_huge_logits():
    x = mt.tensor([[1000.0, -1000.0], [-1000.0, 1000.0]], requires_grad=True)
    loss = F.cross_entropy(x, mt.tensor([0, 0]))
    assert loss.item() == pytest.approx(1000.0)
    loss.backward()
    assert np.isfinite(x.grad.numpy()).all()


def test_notes_loss_is_sum_of_squared_errors():
    z = mt.tensor([0.7, 0.2])
    y = mt.tensor([1.0, 0.0])
    assert F.mse_loss(z, y, reduction="sum").item() == pytest.approx(0.3**2 + 0.2**2)
    assert mt.nn.MSELoss(reduction="sum")(z, y).item() == pytest.approx(0.13)


def test_loss_errors():
    with pytest.raises(IndexError, match="out of bounds"):
        F.cross_entropy(mt.randn(2, 3), mt.tensor([0, 3]))
    with pytest.raises(ValueError, match="batch_size"):
        F.cross_entropy(mt.randn(2, 3), mt.tensor([0, 1, 2]))
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        F.mse_loss(mt.ones(2), mt.ones(2), reduction="avg")
    with pytest.raises(RuntimeError, match="size of tensor"):
        F.mse_loss(mt.ones(2, 3), mt.ones(4))
    with pytest.raises(ValueError, match="different to the input size"):
        F.binary_cross_entropy(mt.full((2,), 0.5), mt.ones(2, 1))
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.binary_cross_entropy(mt.tensor([1.5]), mt.tensor([1.0]))
