"""ctc_loss: against a brute-force sum over alignments, against torch (values, gradients), errors."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import microtorch as mt
import microtorch.nn.functional as F

RNG = np.random.default_rng(5)


def _log_softmax(a):
    a = a - a.max(-1, keepdims=True)
    return a - np.log(np.exp(a).sum(-1, keepdims=True))


def _collapse(path, blank):
    out = [k for k, _ in itertools.groupby(path)]
    return [k for k in out if k != blank]


def _brute_nll(lp, target, blank):
    """-log sum over every length-T path that collapses to ``target``."""
    t_len, c = lp.shape
    total = -np.inf
    for path in itertools.product(range(c), repeat=t_len):
        if _collapse(path, blank) == list(target):
            total = np.logaddexp(total, sum(lp[t, k] for t, k in enumerate(path)))
    return -total


@pytest.mark.parametrize("blank", [0, 2])
def test_matches_a_sum_over_all_alignments(blank):
    lp = _log_softmax(RNG.standard_normal((5, 2, 3)))
    targets = np.array([[1, 1], [0 if blank else 2, 0]])
    targets[targets == blank] = 1
    in_len, tgt_len = np.array([5, 4]), np.array([2, 1])
    got = F.ctc_loss(mt.tensor(lp), mt.tensor(targets), mt.tensor(in_len), mt.tensor(tgt_len), blank, "none")
    want = [_brute_nll(lp[: in_len[i], i], targets[i, : tgt_len[i]], blank) for i in range(2)]
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-10)


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("zero_infinity", [False, True])
@pytest.mark.parametrize("concatenated", [False, True])
def test_matches_torch_values_and_gradient(reduction, zero_infinity, concatenated):
    torch = pytest.importorskip("torch")
    t_max, n, c, s = 8, 4, 5, 4
    lp = _log_softmax(RNG.standard_normal((t_max, n, c)))
    targets = RNG.integers(1, c, (n, s))
    in_len = np.array([8, 3, 6, 1])  # sample 1 and 3 cannot fit their targets: infinite loss
    tgt_len = np.array([4, 3, 0, 2])
    if concatenated:
        targets = np.concatenate([targets[i, :k] for i, k in enumerate(tgt_len)])
    tl = torch.tensor(lp, requires_grad=True)
    want = torch.nn.functional.ctc_loss(
        tl, torch.tensor(targets), torch.tensor(in_len), torch.tensor(tgt_len), 0, reduction, zero_infinity
    )
    ml = mt.tensor(lp, requires_grad=True)
    got = F.ctc_loss(ml, mt.tensor(targets), mt.tensor(in_len), mt.tensor(tgt_len), 0, reduction, zero_infinity)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-10)
    r = RNG.standard_normal(tuple(want.shape))
    if not np.isfinite(want.detach().numpy()).all():
        return  # torch's gradient of an infinite loss is NaN; compared where finite below
    (want * torch.tensor(r)).sum().backward()
    (got * mt.tensor(r)).sum().backward()
    np.testing.assert_allclose(ml.grad.numpy(), tl.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_unbatched_and_list_lengths_and_module():
    lp = _log_softmax(RNG.standard_normal((6, 1, 4)))
    batched = F.ctc_loss(mt.tensor(lp), mt.tensor([[1, 2, 3]]), [6], [3], reduction="sum")
    unbatched = F.ctc_loss(mt.tensor(lp[:, 0]), mt.tensor([1, 2, 3]), mt.tensor(6), mt.tensor(3), reduction="sum")
    np.testing.assert_allclose(float(unbatched), float(batched), rtol=1e-12)
    layer = mt.nn.CTCLoss(reduction="sum")
    np.testing.assert_allclose(float(layer(mt.tensor(lp), mt.tensor([[1, 2, 3]]), [6], [3])), float(batched))


def test_gradient_has_no_derivative_as_torch():
    lp = mt.tensor(_log_softmax(RNG.standard_normal((4, 1, 3))), requires_grad=True)
    loss = F.ctc_loss(lp, mt.tensor([[1, 2]]), [4], [2])
    (g,) = mt.autograd.grad(loss, lp, create_graph=True)
    with pytest.raises(RuntimeError, match="not implemented"):
        mt.autograd.grad(g.sum(), lp)


@pytest.mark.parametrize(
    "call, exc",
    [
        (lambda lp: F.ctc_loss(lp, mt.tensor([[1, 2]]), [5], [2], blank=4), RuntimeError),
        (lambda lp: F.ctc_loss(lp, mt.tensor([[1, 2]]), [7], [2]), RuntimeError),
        (lambda lp: F.ctc_loss(lp, mt.tensor([[1, 2]]), [5], [3]), RuntimeError),
        (lambda lp: F.ctc_loss(lp, mt.tensor([[1, 2]]), [5, 5], [2]), RuntimeError),
        (lambda lp: F.ctc_loss(lp, mt.tensor([[1, 2]]), mt.tensor([5.0]), [2]), RuntimeError),
        (lambda lp: F.ctc_loss(lp, mt.tensor([[1, 2]]), [5], [2], reduction="x"), ValueError),
        (lambda lp: F.ctc_loss(lp, mt.tensor([[1, 2]]), [5], [-1]), RuntimeError),
        (lambda lp: F.ctc_loss(lp.long(), mt.tensor([[1, 2]]), [5], [2]), NotImplementedError),
        (lambda lp: F.ctc_loss(lp, mt.ones(1, 1, 2).long(), [5], [2]), RuntimeError),
        (lambda lp: F.ctc_loss(lp[0, 0, 0], mt.tensor([[1, 2]]), [5], [2]), IndexError),
        (lambda lp: F.ctc_loss(lp, mt.tensor([[1, 2]]), [5], [2], zero_infinity="no"), TypeError),
    ],
)
def test_bad_input_raises_like_torch(call, exc):
    lp = mt.tensor(_log_softmax(RNG.standard_normal((5, 1, 4))))
    with pytest.raises(exc):
        call(lp)
