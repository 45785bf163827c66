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


# --- regressions: gradients at edge inputs, dtype rules and errors, as torch --------------
def _run_both(fn, arrays, grads_for, upstream=None):
    """Run ``fn(F, lib, *tensors)`` in microtorch and torch; return (ours, theirs) of (value, grads)."""
    torch = pytest.importorskip("torch")
    import torch.nn.functional as TF

    results = []
    for lib, f in ((mt, F), (torch, TF)):
        ts = [lib.tensor(a, requires_grad=i in grads_for) for i, a in enumerate(arrays)]
        out = fn(f, lib, *ts)
        g = np.ones(tuple(out.shape)) if upstream is None else upstream
        out.backward(lib.tensor(g))
        results.append((out.detach().numpy(), [ts[i].grad.numpy() for i in grads_for]))
    return results


def _assert_same(ours, theirs, rtol=1e-12):
    np.testing.assert_allclose(ours[0], theirs[0], rtol=rtol, atol=1e-300, equal_nan=True)
    for a, b in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-300, equal_nan=True)


LOGIT_EDGE = np.array([0.0, 0.0, 1e-12, -1e-12, 1e-6, -1e-6, 40.0, -40.0, 800.0, -800.0])
TARGET_EDGE = np.array([0.0, 1.0, 0.5, 0.25, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", ["plain", "weight", "pos_weight", "both"])
def test_bce_with_logits_gradient_at_and_near_zero_logit(reduction, weighted):
    # log1p(exp(-|x|)) + relu(-x) has a zero derivative at x = 0 (abs' and relu' there): the
    # gradient of zero-initialised logits was sigmoid(0) - t - 0.5 instead of sigmoid(0) - t
    w = np.linspace(0.5, 2.0, LOGIT_EDGE.size)
    pw = np.linspace(3.0, 0.2, LOGIT_EDGE.size)
    use_w, use_pw = weighted in ("weight", "both"), weighted in ("pos_weight", "both")

    def fn(f, lib, x, t):
        kw = {"weight": lib.tensor(w) if use_w else None, "pos_weight": lib.tensor(pw) if use_pw else None}
        return f.binary_cross_entropy_with_logits(x, t, reduction=reduction, **kw)

    ours, theirs = _run_both(fn, (LOGIT_EDGE, TARGET_EDGE), grads_for=(0, 1))
    _assert_same(ours, theirs)
    zeros = mt.zeros(6, dtype=mt.float64, requires_grad=True)
    t = mt.tensor(TARGET_EDGE[:6], requires_grad=True)
    kw = {"weight": mt.tensor(w[:6]) if use_w else None, "pos_weight": mt.tensor(pw[:6]) if use_pw else None}
    assert gradcheck(lambda a, b: F.binary_cross_entropy_with_logits(a, b, reduction=reduction, **kw), (zeros, t))
    assert gradgradcheck(lambda a, b: F.binary_cross_entropy_with_logits(a, b, reduction=reduction, **kw), (zeros, t))


def test_bce_with_logits_zero_logit_gradient_value():
    x = mt.zeros(4, requires_grad=True)
    F.binary_cross_entropy_with_logits(x, mt.tensor([0.0, 1.0, 1.0, 0.0]), reduction="sum").backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.5, -0.5, -0.5, 0.5])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_bce_on_saturated_sigmoid_is_finite_as_torch(reduction, dtype):
    # sigmoid(40) rounds to 1 and sigmoid(-800) to 0: torch clamps the logs at -100 and
    # divides the gradient by max(x (1 - x), 1e-12) instead of producing inf * 0 = NaN
    x = np.array([-800.0, -40.0, -17.0, 0.0, 17.0, 40.0, 800.0]).astype(dtype)
    t = np.array([1.0, 1.0, 0.0, 0.5, 1.0, 0.0, 0.0]).astype(dtype)

    def fn(f, lib, a, b):
        return f.binary_cross_entropy(lib.sigmoid(a), b, reduction=reduction)

    ours, theirs = _run_both(fn, (x, t), grads_for=(0, 1))
    assert np.isfinite(ours[1][0]).all()
    _assert_same(ours, theirs, rtol=1e-5 if dtype == "float32" else 1e-9)


@pytest.mark.parametrize("weighted", [False, True])
def test_bce_at_exact_zero_and_one_matches_torch(weighted):
    p = np.array([0.0, 1.0, 1.0, 0.0, 1e-30, 1 - 1e-16, 0.5, 0.3])
    t = np.array([0.0, 1.0, 0.3, 0.7, 1.0, 0.0, 1.0, 0.0])
    w = np.linspace(0.5, 2.0, p.size)

    def fn(f, lib, a, b):
        return f.binary_cross_entropy(a, b, weight=lib.tensor(w) if weighted else None, reduction="none")

    ours, theirs = _run_both(fn, (p, t), grads_for=(0, 1))
    _assert_same(ours, theirs)


@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.parametrize("reduction", ["batchmean", "sum", "mean", "none"])
@pytest.mark.filterwarnings("ignore:reduction. .mean. divides the total loss")
def test_kl_div_negative_target_gradient_as_torch(log_target, reduction):
    # torch computes xlogy(t, t) - t * x: the input gradient is -t also where t < 0 (and the
    # value there is NaN), not 0
    x = np.array([[0.3, -1.2, 0.0], [2.0, -0.5, 0.7]])
    t = np.array([[-1.0, 0.0, 0.5], [2.0, -0.25, 1e-300]])

    def fn(f, lib, a, b):
        return f.kl_div(a, b, reduction=reduction, log_target=log_target)

    ours, theirs = _run_both(fn, (x, t), grads_for=(0, 1))
    _assert_same(ours, theirs)


def test_kl_div_gradient_where_target_is_negative():
    x = mt.zeros(2, requires_grad=True)
    loss = F.kl_div(x, mt.tensor([-1.0, 0.5]), reduction="sum")
    loss.backward()
    assert np.isnan(loss.item())
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, -0.5])


TARGET_GRAD_CASES = [
    ("mse", lambda f, lib, x, t: f.mse_loss(x, t)),
    ("smooth_l1", lambda f, lib, x, t: f.smooth_l1_loss(x, t, beta=0.4, reduction="sum")),
    ("huber", lambda f, lib, x, t: f.huber_loss(x, t, delta=0.3)),
    ("l1", lambda f, lib, x, t: f.l1_loss(x, t, reduction="none")),
    ("bce", lambda f, lib, x, t: f.binary_cross_entropy(lib.sigmoid(x), lib.sigmoid(t))),
    ("bce_logits", lambda f, lib, x, t: f.binary_cross_entropy_with_logits(x, lib.sigmoid(t))),
    (
        "bce_logits_pw",
        lambda f, lib, x, t: f.binary_cross_entropy_with_logits(x, lib.sigmoid(t), pos_weight=lib.tensor(WEIGHT)),
    ),
    ("kl", lambda f, lib, x, t: f.kl_div(x, lib.sigmoid(t), reduction="batchmean")),
    ("kl_log", lambda f, lib, x, t: f.kl_div(x, t, reduction="sum", log_target=True)),
    ("ce_probs", lambda f, lib, x, t: f.cross_entropy(x, lib.softmax(t, 1), label_smoothing=0.1)),
]


@pytest.mark.parametrize(("name", "fn"), TARGET_GRAD_CASES, ids=[c[0] for c in TARGET_GRAD_CASES])
def test_input_and_target_gradients_match_torch(name, fn):
    ours, theirs = _run_both(fn, (LOGITS, REAL), grads_for=(0, 1))
    _assert_same(ours, theirs, rtol=1e-10)


@pytest.mark.parametrize(("name", "fn"), TARGET_GRAD_CASES, ids=[c[0] for c in TARGET_GRAD_CASES])
def test_second_order_through_input_and_target(name, fn):
    x, t = mt.tensor(LOGITS[:3], requires_grad=True), mt.tensor(REAL[:3] * 0.5, requires_grad=True)
    assert gradgradcheck(lambda a, b: fn(F, mt, a, b), (x, t))


SECOND_ORDER = [
    ("nll_none", lambda x: F.nll_loss(x, mt.tensor(TARGET), reduction="none")),
    ("nll_weight", lambda x: F.nll_loss(x, mt.tensor(TARGET), mt.tensor(WEIGHT))),
    ("nll_4d", lambda x: F.nll_loss(reshape4(x), mt.tensor([[[0, 1], [3, 2]]]), mt.tensor(WEIGHT))),
    ("ce_label_smoothing", lambda x: F.cross_entropy(x, mt.tensor(TARGET), mt.tensor(WEIGHT), label_smoothing=0.2)),
    ("huber_sum", lambda x: F.huber_loss(x, mt.tensor(REAL), delta=0.6, reduction="sum")),
    ("smooth_l1", lambda x: F.smooth_l1_loss(x, mt.tensor(REAL), beta=0.7)),
    ("bce", lambda x: F.binary_cross_entropy(mt.sigmoid(x), mt.tensor(PRED), weight=mt.tensor(WEIGHT))),
]


def reshape4(x):
    return x[:4].reshape(1, 4, 2, 2)


@pytest.mark.parametrize(("name", "fn"), SECOND_ORDER, ids=[c[0] for c in SECOND_ORDER])
def test_second_order_each_loss(name, fn):
    x = mt.tensor(LOGITS, requires_grad=True)
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
def test_weighted_pointwise_losses_match_torch(name, reduction):
    # torch's weighted mse / l1 mean divides by sum(weight); huber's weighted mean is a plain mean
    w = RNG.uniform(0.1, 2.0, LOGITS.shape)
    ours, theirs = _run_both(
        lambda f, lib, x, t: getattr(f, name)(x, t, reduction=reduction, weight=lib.tensor(w)),
        (LOGITS, REAL),
        grads_for=(0, 1),
    )
    _assert_same(ours, theirs, rtol=1e-10)


NLL_SHAPES = [((5,), ()), ((3, 5, 4), (3, 4)), ((2, 5, 3, 2), (2, 3, 2)), ((2, 5, 2, 1, 3), (2, 2, 1, 3))]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize(("xshape", "tshape"), NLL_SHAPES)
def test_nll_and_cross_entropy_nd_match_torch(xshape, tshape, reduction):
    rng = np.random.default_rng(len(xshape))
    x = rng.standard_normal(xshape)
    t = rng.integers(0, 5, tshape)
    if t.ndim:
        t.flat[0] = -100
    w = np.array([0.5, 2.0, 1.0, 1.5, 3.0])
    for name in ("nll_loss", "cross_entropy"):
        ours, theirs = _run_both(
            lambda f, lib, a, name=name: getattr(f, name)(a, lib.tensor(t), lib.tensor(w), reduction=reduction),
            (x,),
            grads_for=(0,),
        )
        _assert_same(ours, theirs, rtol=1e-10)


def test_nll_mean_with_every_target_ignored_is_nan_with_zero_gradient():
    ours, theirs = _run_both(
        lambda f, lib, a: f.nll_loss(a, lib.tensor([-100, -100])), (LOGITS[:2],), grads_for=(0,), upstream=np.array(1.0)
    )
    assert np.isnan(ours[0])
    np.testing.assert_array_equal(ours[1][0], 0.0)
    _assert_same(ours, theirs)


def _f32(lib, shape=(4, 3)):
    return lib.tensor(np.full(shape, 0.5, dtype=np.float32))


BAD_INPUTS = {
    "mse_long": lambda f, lib: f.mse_loss(_f32(lib).long(), _f32(lib).long()),
    "mse_bool": lambda f, lib: f.mse_loss(_f32(lib).bool(), _f32(lib).bool()),
    "smooth_l1_long": lambda f, lib: f.smooth_l1_loss(_f32(lib).long(), _f32(lib).long()),
    "huber_long": lambda f, lib: f.huber_loss(_f32(lib).long(), _f32(lib).long()),
    "l1_long": lambda f, lib: f.l1_loss(_f32(lib).long(), _f32(lib).long()),
    "bce_long_input": lambda f, lib: f.binary_cross_entropy(_f32(lib).long(), _f32(lib)),
    "bce_long_target": lambda f, lib: f.binary_cross_entropy(_f32(lib), _f32(lib).long()),
    "bce_double_target": lambda f, lib: f.binary_cross_entropy(_f32(lib), _f32(lib).double()),
    "bce_long_long": lambda f, lib: f.binary_cross_entropy(_f32(lib).long(), _f32(lib).long()),
    "bce_target_range": lambda f, lib: f.binary_cross_entropy(_f32(lib), _f32(lib) + 1),
    "bce_nan_input": lambda f, lib: f.binary_cross_entropy(_f32(lib) * float("nan"), _f32(lib)),
    "bce_weight_grad": lambda f, lib: f.binary_cross_entropy(_f32(lib), _f32(lib), weight=_f32(lib).requires_grad_()),
    "bce_logits_long_input": lambda f, lib: f.binary_cross_entropy_with_logits(_f32(lib).long(), _f32(lib)),
    "bce_logits_int_target": lambda f, lib: f.binary_cross_entropy_with_logits(_f32(lib), _f32(lib).int()),
    "bce_logits_bool_target": lambda f, lib: f.binary_cross_entropy_with_logits(_f32(lib), _f32(lib).bool()),
    "bce_logits_shape": lambda f, lib: f.binary_cross_entropy_with_logits(_f32(lib), _f32(lib, (3,))),
    "bce_logits_pos_weight_grad": lambda f, lib: f.binary_cross_entropy_with_logits(
        _f32(lib), _f32(lib), pos_weight=_f32(lib, (3,)).requires_grad_()
    ),
    "kl_long_input": lambda f, lib: f.kl_div(_f32(lib).long(), _f32(lib), reduction="sum"),
    "kl_bool_target": lambda f, lib: f.kl_div(_f32(lib), _f32(lib).bool(), reduction="sum"),
    "kl_log_target_type": lambda f, lib: f.kl_div(_f32(lib), _f32(lib), reduction="sum", log_target="yes"),
    "nll_float_target": lambda f, lib: f.nll_loss(_f32(lib), lib.tensor([0.0, 1.0, 2.0, 0.0])),
    "nll_int_target": lambda f, lib: f.nll_loss(_f32(lib), lib.tensor([0, 1, 2, 0], dtype=lib.int32)),
    "nll_bool_target": lambda f, lib: f.nll_loss(_f32(lib), lib.tensor([True, False, True, True])),
    "nll_long_input": lambda f, lib: f.nll_loss(_f32(lib).long(), lib.tensor([0, 1, 2, 0])),
    "nll_long_input_4d": lambda f, lib: f.nll_loss(_f32(lib, (1, 3, 2, 2)).long(), lib.tensor([[[0, 1], [2, 0]]])),
    "nll_double_weight": lambda f, lib: f.nll_loss(_f32(lib), lib.tensor([0, 1, 2, 0]), lib.ones(3).double()),
    "nll_weight_grad": lambda f, lib: f.nll_loss(_f32(lib), lib.tensor([0, 1, 2, 0]), lib.ones(3).requires_grad_()),
    "nll_0d": lambda f, lib: f.nll_loss(lib.tensor(1.0), lib.tensor(0)),
    "nll_out_of_bounds": lambda f, lib: f.nll_loss(_f32(lib), lib.tensor([0, 1, 3, 0])),
    "nll_multi_target": lambda f, lib: f.nll_loss(_f32(lib), lib.zeros(4, 2, dtype=lib.long)),
    "nll_1d_target_size": lambda f, lib: f.nll_loss(_f32(lib, (3,)), lib.tensor([0, 1])),
    "nll_3d_target_shape": lambda f, lib: f.nll_loss(_f32(lib, (2, 3, 4)), lib.zeros(2, 5, dtype=lib.long)),
    "nll_4d_target_shape": lambda f, lib: f.nll_loss(_f32(lib, (2, 3, 4, 4)), lib.zeros(2, 4, 5, dtype=lib.long)),
    "nll_ignore_index_type": lambda f, lib: f.nll_loss(_f32(lib), lib.tensor([0, 1, 2, 0]), ignore_index="1"),
    "nll_list_target": lambda f, lib: f.nll_loss(_f32(lib), [0, 1, 2, 0]),
    "ce_float_target": lambda f, lib: f.cross_entropy(_f32(lib), lib.tensor([0.0, 1.0, 2.0, 0.0])),
    "ce_long_input": lambda f, lib: f.cross_entropy(_f32(lib).long(), lib.tensor([0, 1, 2, 0])),
    "ce_long_input_3d": lambda f, lib: f.cross_entropy(_f32(lib, (2, 3, 4)).long(), lib.zeros(2, 4, dtype=lib.long)),
    "ce_long_probs": lambda f, lib: f.cross_entropy(_f32(lib), _f32(lib).long()),
    "ce_probs_ignore_index": lambda f, lib: f.cross_entropy(_f32(lib), _f32(lib), ignore_index=1),
    "ce_label_smoothing_type": lambda f, lib: f.cross_entropy(_f32(lib), lib.tensor([0, 1]), label_smoothing="0.1"),
    "ce_list_weight": lambda f, lib: f.cross_entropy(_f32(lib), lib.tensor([0, 1, 2, 0]), weight=[1.0, 2.0, 3.0]),
    "smooth_l1_beta_type": lambda f, lib: f.smooth_l1_loss(_f32(lib), _f32(lib), beta="0.5"),
    "mse_weight_shape": lambda f, lib: f.mse_loss(_f32(lib), _f32(lib), weight=lib.ones(3)),
    "huber_weight_shape_first": lambda f, lib: f.huber_loss(_f32(lib).long(), _f32(lib).long(), weight=lib.ones(2)),
    "bce_weight_broadcast": lambda f, lib: f.binary_cross_entropy(_f32(lib), _f32(lib), weight=lib.ones(2, 3)),
    "bce_weight_too_big": lambda f, lib: f.binary_cross_entropy(_f32(lib), _f32(lib), weight=lib.ones(5, 4, 3)),
    "bce_weight_grad_first": lambda f, lib: f.binary_cross_entropy(
        _f32(lib).long(), _f32(lib), weight=_f32(lib).requires_grad_()
    ),
    "nll_weight_grad_first": lambda f, lib: f.nll_loss(
        _f32(lib).long(), lib.tensor([0, 1, 2, 0]), lib.ones(3).requires_grad_()
    ),
}


@pytest.mark.parametrize("name", list(BAD_INPUTS))
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_bad_loss_inputs_raise_as_torch(name):
    torch = pytest.importorskip("torch")
    import re

    import torch.nn.functional as TF

    with pytest.raises(Exception) as theirs:  # noqa: PT011 - whatever torch raises
        BAD_INPUTS[name](TF, torch)
    with pytest.raises(type(theirs.value), match=re.escape(str(theirs.value))):
        BAD_INPUTS[name](F, mt)


DTYPE_CASES = {
    "mse_f32_f64": lambda f, lib: f.mse_loss(_f32(lib), _f32(lib).double()),
    "mse_long_f32": lambda f, lib: f.mse_loss(_f32(lib).long(), _f32(lib)),
    "l1_f32_f64": lambda f, lib: f.l1_loss(_f32(lib), _f32(lib).double()),
    "smooth_l1_f32_f64": lambda f, lib: f.smooth_l1_loss(_f32(lib), _f32(lib).double()),
    "huber_f32_f64": lambda f, lib: f.huber_loss(_f32(lib), _f32(lib).double()),
    "bce_double_weight": lambda f, lib: f.binary_cross_entropy(_f32(lib), _f32(lib), weight=_f32(lib).double()),
    "bce_logits_f32_f64": lambda f, lib: f.binary_cross_entropy_with_logits(_f32(lib), _f32(lib).double()),
    "bce_logits_double_weights": lambda f, lib: f.binary_cross_entropy_with_logits(
        _f32(lib), _f32(lib), weight=_f32(lib).double(), pos_weight=_f32(lib, (3,)).double()
    ),
    "kl_f32_f64": lambda f, lib: f.kl_div(_f32(lib), _f32(lib).double(), reduction="sum"),
    "ce_double_probs": lambda f, lib: f.cross_entropy(_f32(lib), _f32(lib).double()),
    "nll_byte_target": lambda f, lib: f.nll_loss(_f32(lib), lib.tensor([0, 1, 2, 0], dtype=lib.uint8)),
}


@pytest.mark.parametrize("name", list(DTYPE_CASES))
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_loss_result_dtypes_match_torch(name):
    torch = pytest.importorskip("torch")
    import torch.nn.functional as TF

    ours, theirs = DTYPE_CASES[name](F, mt), DTYPE_CASES[name](TF, torch)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
