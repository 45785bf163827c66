"""BatchNorm1d/2d: batch statistics, running buffers, momentum, train/eval, gradients."""

from __future__ import annotations

import numpy as np
import pytest

import microtorch as mt
import microtorch.nn as nn
from microtorch.autograd import gradcheck

RNG = np.random.RandomState(0)
BATCHES = [RNG.randn(6, 3, 4, 5) * (i + 1) + i for i in range(3)]


def _reference_run(momentum, batches):
    """Numpy reference: biased variance to normalise, unbiased for the running variance."""
    mean, var = np.zeros(3), np.ones(3)
    outs = []
    for t, x in enumerate(batches, start=1):
        mu = x.mean(axis=(0, 2, 3))
        v = x.var(axis=(0, 2, 3))
        n = x.size / 3
        outs.append((x - mu[None, :, None, None]) / np.sqrt(v[None, :, None, None] + 1e-5))
        f = 1.0 / t if momentum is None else momentum
        mean = (1 - f) * mean + f * mu
        var = (1 - f) * var + f * v * n / (n - 1)
    return outs, mean, var


@pytest.mark.parametrize("momentum", [0.1, None, 0.5])
def test_batchnorm2d_training_and_running_stats_match_reference(momentum):
    bn = nn.BatchNorm2d(3, momentum=momentum).double()
    outs, mean, var = _reference_run(momentum, BATCHES)
    for x, ref in zip(BATCHES, outs):
        np.testing.assert_allclose(bn(mt.tensor(x)).detach().numpy(), ref, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(bn.running_mean.numpy(), mean, rtol=1e-12)
    np.testing.assert_allclose(bn.running_var.numpy(), var, rtol=1e-12)
    assert bn.num_batches_tracked.item() == 3
    bn.eval()
    x = BATCHES[0]
    expect = (x - mean[None, :, None, None]) / np.sqrt(var[None, :, None, None] + 1e-5)
    np.testing.assert_allclose(bn(mt.tensor(x)).detach().numpy(), expect, rtol=1e-10)
    assert bn.num_batches_tracked.item() == 3


def test_batchnorm_gradcheck_float64():
    bn = nn.BatchNorm1d(3).double()
    with mt.no_grad():
        bn.weight.copy_(mt.tensor([0.5, 1.5, -2.0], dtype=mt.float64))
        bn.bias.copy_(mt.tensor([0.1, 0.0, 0.3], dtype=mt.float64))
    x = mt.tensor(RNG.randn(5, 3, 2), requires_grad=True)
    assert gradcheck(
        lambda inp, w, b: nn.functional.batch_norm(inp, None, None, w, b, training=True), (x, bn.weight, bn.bias)
    )
    assert gradcheck(lambda inp: bn(inp), (x,))


def test_batchnorm_errors_and_no_running_stats():
    bn = nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        bn(mt.ones(1, 3))
    with pytest.raises(ValueError, match="expected 4D input"):
        nn.BatchNorm2d(3)(mt.ones(2, 3, 4))
    bn = nn.BatchNorm2d(3, track_running_stats=False)
    assert bn.running_mean is None and list(bn.state_dict()) == ["weight", "bias"]
    bn.eval()
    y = bn(mt.tensor(BATCHES[1], dtype=mt.float32))
    assert abs(float(y.mean())) < 1e-5


@pytest.mark.parametrize("shape,momentum", [((8, 4), 0.1), ((8, 4, 6), None)])
def test_batchnorm1d_matches_torch_over_steps(shape, momentum):
    torch = pytest.importorskip("torch")
    ours, theirs = nn.BatchNorm1d(4, momentum=momentum).double(), torch.nn.BatchNorm1d(4, momentum=momentum).double()
    with torch.no_grad():
        theirs.weight.uniform_(0.5, 1.5)
        theirs.bias.uniform_(-0.5, 0.5)
    ours.load_state_dict({k: mt.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    assert list(ours.state_dict()) == list(theirs.state_dict())
    rng = np.random.RandomState(1)
    for step in range(3):
        x = rng.randn(*shape) * 2 + step
        g = rng.randn(*shape)
        a, b = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        ya, yb = ours(a), theirs(b)
        np.testing.assert_allclose(ya.detach().numpy(), yb.detach().numpy(), rtol=1e-9, atol=1e-10)
        ya.backward(mt.tensor(g))
        yb.backward(torch.tensor(g))
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-8)
    for k, v in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[k].numpy(), v.numpy(), rtol=1e-10)
    ours.eval()
    theirs.eval()
    x = rng.randn(*shape)
    np.testing.assert_allclose(
        ours(mt.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(), rtol=1e-9, atol=1e-12
    )


def test_batch_norm_of_empty_batch_as_torch():
    """An empty batch normalises to an empty result, leaves the running statistics alone, and
    gives zero affine gradients (PyTorch's behaviour)."""
    import microtorch.nn.functional as F

    rm, rv = mt.ones(3), mt.full((3,), 2.0)
    x = mt.zeros(0, 3, 4, requires_grad=True)
    w, b = mt.ones(3, requires_grad=True), mt.ones(3, requires_grad=True)
    out = F.batch_norm(x, rm, rv, w, b, training=True)
    assert out.shape == (0, 3, 4)
    np.testing.assert_array_equal(rm.numpy(), np.ones(3))
    np.testing.assert_array_equal(rv.numpy(), np.full(3, 2.0))
    out.sum().backward()
    assert x.grad.shape == (0, 3, 4)
    np.testing.assert_array_equal(w.grad.numpy(), np.zeros(3))
    np.testing.assert_array_equal(b.grad.numpy(), np.zeros(3))
    assert F.batch_norm(mt.zeros(2, 0), mt.ones(0), mt.ones(0), training=True).shape == (2, 0)


@pytest.mark.parametrize(
    "shape, stats, training",
    [((0,), 0, True), ((0,), 0, False), ((3,), 3, False), ((3,), 0, True), ((1, 3), 3, True), ((), 1, False)],
)
def test_batch_norm_below_two_dims_as_torch(shape, stats, training):
    """Below 2 dims PyTorch counts no channels: empty inputs pass through, others raise."""
    torch = pytest.importorskip("torch")
    import microtorch.nn.functional as F

    def call(lib, fn):
        return fn(lib.ones(shape), lib.ones(stats), lib.ones(stats), training=training)

    try:
        theirs = call(torch, torch.nn.functional.batch_norm)
    except Exception as exc:  # noqa: BLE001 - the class is compared
        with pytest.raises(type(exc)):
            call(mt, F.batch_norm)
        return
    ours = call(mt, F.batch_norm)
    assert ours.shape == tuple(theirs.shape)


@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.nn.functional.batch_norm(lib.ones(5, 5, 5, dtype=lib.int64), None, None, training=True),
        lambda lib: lib.nn.functional.batch_norm(
            lib.ones(5, 5, 5, dtype=lib.float64),
            lib.zeros(5, dtype=lib.float64),
            lib.ones(5, dtype=lib.int64),
            None,
            None,
            True,
        ),
        lambda lib: lib.nn.functional.batch_norm(lib.ones(5, 5, 5), None, None, lib.ones(5, dtype=lib.float64)),
        lambda lib: lib.nn.functional.batch_norm(lib.ones(5, 5, 5), None, None, "tensor", None, True),
    ],
)
def test_bad_dtypes_raise_as_torch_and_leave_the_statistics(call):
    """Integer inputs are not implemented; parameters and statistics must share the input's dtype."""
    torch = pytest.importorskip("torch")
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)):
        call(mt)


def test_failed_batch_norm_leaves_running_statistics():
    import microtorch.nn.functional as F

    rm, rv = mt.zeros(5, dtype=mt.float64), mt.ones(5, dtype=mt.int64)
    with pytest.raises(RuntimeError, match="mixed dtype"):
        F.batch_norm(mt.randn(5, 5, 5, dtype=mt.float64), rm, rv, training=True)
    np.testing.assert_array_equal(rm.numpy(), np.zeros(5))
    out = F.batch_norm(mt.ones(5, 0, 5, dtype=mt.int64), mt.ones(5), mt.ones(5), mt.ones(5), mt.ones(5), True)
    assert out.shape == (5, 0, 5)  # empty: PyTorch checks nothing


@pytest.mark.parametrize("eps, training", [(-1.0, True), (0.0, True), (-1.0, False)])
def test_non_positive_eps_is_a_value_error_as_torch(eps, training):
    import microtorch.nn.functional as F

    with pytest.raises(ValueError, match="eps must be"):
        F.batch_norm(mt.ones(2, 3), mt.zeros(3), mt.ones(3), training=training, eps=eps)
    assert F.batch_norm(mt.ones(2, 3), mt.zeros(3), mt.ones(3), training=False, eps=0.0).shape == (2, 3)


def test_failed_forward_leaves_module_state():
    """A forward that fails (wrong channels, bad eps) changes no buffer, num_batches_tracked included."""
    bn = nn.BatchNorm1d(3, eps=-1.0)
    with pytest.raises(ValueError):
        bn(mt.ones(4, 3))
    assert bn.num_batches_tracked.item() == 0
    bn = nn.BatchNorm1d(3, momentum=None)
    with pytest.raises(RuntimeError):
        bn(mt.ones(4, 5))
    assert bn.num_batches_tracked.item() == 0
    x = mt.tensor(np.random.default_rng(0).standard_normal((4, 3)), dtype=mt.float32)
    bn(x)
    bn(x * 2)
    assert bn.num_batches_tracked.item() == 2
    # momentum=None: the cumulative average of the two batches' statistics
    a = x.numpy()
    np.testing.assert_allclose(bn.running_mean.numpy(), (a.mean(0) + 2 * a.mean(0)) / 2, rtol=1e-5, atol=1e-6)
    assert bn(mt.ones(0, 5)).shape == (0, 5)  # empty: PyTorch checks no channel count
