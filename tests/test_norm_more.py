"""rms_norm, local_response_norm, channel_shuffle and their layers: against torch, numpy and finite differences."""

from __future__ import annotations

import numpy as np
import pytest

import microtorch as mt
import microtorch.nn.functional as F
from microtorch.autograd import gradcheck, gradgradcheck

RNG = np.random.default_rng(1)


def _t(a, grad=False):
    return mt.tensor(np.asarray(a), requires_grad=grad)


def test_rms_norm_against_numpy_and_default_eps():
    x, w = RNG.standard_normal((2, 3, 4)), RNG.standard_normal(4)
    want = x / np.sqrt((x * x).mean(-1, keepdims=True) + np.finfo(np.float64).eps) * w
    np.testing.assert_allclose(F.rms_norm(_t(x), [4], _t(w)).numpy(), want, rtol=1e-12)
    x32 = x.astype(np.float32)
    out = F.rms_norm(_t(x32), (4,), _t(w.astype(np.float64)))
    assert out.dtype == mt.float32  # the result has the input's dtype


def test_rms_norm_gradients():
    x, w = _t(RNG.standard_normal((2, 5)), True), _t(RNG.standard_normal(5), True)
    assert gradcheck(lambda a, b: F.rms_norm(a, [5], b, eps=1e-3), (x, w))
    assert gradgradcheck(lambda a, b: F.rms_norm(a, [5], b, eps=1e-3), (x, w))


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: F.rms_norm(_t(np.ones((2, 3))), []), RuntimeError, "at least 1-dimensional"),
        (lambda: F.rms_norm(_t(np.ones((2, 3))), [3], _t(np.ones(2))), RuntimeError, "weight"),
        (lambda: F.rms_norm(_t(np.ones((2, 3))), [1, 2, 3]), ValueError, "at least 3 dimensions"),
        (lambda: F.rms_norm(_t(np.ones((2, 3))), [4]), RuntimeError, "expected input with shape"),
        (lambda: F.rms_norm(_t(np.ones((2, 3), int)), [3]), NotImplementedError, "Long"),
        (lambda: F.local_response_norm(_t(np.ones((2, 3))), 2), ValueError, "3D or higher"),
        (lambda: F.channel_shuffle(_t(np.ones((2, 6, 3))), 4), RuntimeError, "divisible"),
        (lambda: F.channel_shuffle(_t(np.ones((2, 6, 3))), 0), RuntimeError, "positive"),
        (lambda: F.channel_shuffle(_t(np.ones((6, 3))), 2), RuntimeError, "> 2 dims"),
        (lambda: F.channel_shuffle(_t(np.ones((2, 6, 3))), 2.0), TypeError, "groups"),
        (lambda: mt.nn.Softmax2d()(_t(np.ones(3))), ValueError, "3D or 4D"),
    ],
)
def test_bad_input_raises_like_torch(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def _lrn_reference(x, size, alpha, beta, k):
    c = x.shape[1]
    sq = x * x
    div = np.empty_like(x)
    for i in range(c):
        lo, hi = i - size // 2, i + (size - 1) // 2
        div[:, i] = sq[:, max(lo, 0) : min(hi, c - 1) + 1].sum(1) / size
    return x / (k + alpha * div) ** beta


@pytest.mark.parametrize("shape", [(2, 5, 3), (1, 4, 2, 3), (2, 3, 2, 2, 2)])
@pytest.mark.parametrize("size", [1, 2, 3])
def test_local_response_norm_against_a_loop(shape, size):
    x = RNG.standard_normal(shape)
    got = F.local_response_norm(_t(x), size, alpha=0.3, beta=0.6, k=1.5).numpy()
    np.testing.assert_allclose(got, _lrn_reference(x, size, 0.3, 0.6, 1.5), rtol=1e-12)


def test_local_response_norm_gradients_and_module():
    x = _t(RNG.standard_normal((2, 4, 3)), True)
    assert gradgradcheck(lambda a: F.local_response_norm(a, 3, alpha=0.5), (x,))
    out = mt.nn.LocalResponseNorm(3, alpha=0.5)(x)
    np.testing.assert_array_equal(out.detach().numpy(), F.local_response_norm(x, 3, alpha=0.5).detach().numpy())


def test_channel_shuffle_order_and_gradient():
    x = np.arange(2 * 6 * 2, dtype=np.float64).reshape(2, 6, 2)
    got = mt.nn.ChannelShuffle(3)(_t(x)).numpy()
    np.testing.assert_array_equal(got, x[:, [0, 2, 4, 1, 3, 5]])
    assert gradcheck(lambda a: F.channel_shuffle(a, 2), (_t(x, True),))


def test_against_torch():
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((2, 6, 3, 2))
    pairs = [
        (F.rms_norm(_t(x), [3, 2]), torch.nn.functional.rms_norm(torch.tensor(x), [3, 2])),
        (F.local_response_norm(_t(x), 4), torch.nn.functional.local_response_norm(torch.tensor(x), 4)),
        (F.channel_shuffle(_t(x), 2), torch.nn.functional.channel_shuffle(torch.tensor(x), 2)),
        (mt.nn.Softmax2d()(_t(x)), torch.nn.Softmax2d()(torch.tensor(x))),
    ]
    for got, want in pairs:
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-15)
    layer = mt.nn.RMSNorm([3, 2])
    assert layer.weight.shape == (3, 2) and [n for n, _ in layer.named_parameters()] == ["weight"]
