"""conv1d/2d/3d: forward vs a naive reference, gradients, double backward, torch, errors."""

from __future__ import annotations

import numpy as np
import pytest
from _conv_ref import kernel_path, naive_conv
from hypothesis import given, settings
from hypothesis import strategies as st

import microtorch as mt
import microtorch.nn.functional as F
from microtorch.autograd import gradcheck, gradgradcheck
from microtorch.testing.strategies import conv_configs

CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}


def _make(cfg, seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(cfg["input_shape"]).astype(dtype)
    w = rng.standard_normal(cfg["weight_shape"]).astype(dtype)
    b = rng.standard_normal(cfg["weight_shape"][0]).astype(dtype) if cfg["bias"] else None
    return x, w, b


def _call(cfg, x, w, b):
    k = len(cfg["input_shape"]) - 2
    return CONV[k](
        x, w, b, stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"], groups=cfg["groups"]
    )


@given(conv_configs(), st.integers(0, 2**16), st.booleans())
def test_forward_matches_naive(cfg, seed, small):
    with kernel_path(small):
        x, w, b = _make(cfg, seed)
        out = _call(cfg, mt.tensor(x), mt.tensor(w), None if b is None else mt.tensor(b))
        ref = naive_conv(x, w, b, cfg["stride"], cfg["padding"], cfg["dilation"], cfg["groups"])
        assert tuple(out.shape) == ref.shape
        np.testing.assert_allclose(out.numpy(), ref, rtol=1e-10, atol=1e-10)


@settings(max_examples=10)
@given(conv_configs(max_side=4, max_kernel=2, max_channels=1), st.integers(0, 2**16), st.booleans())
def test_gradients_match_finite_differences(cfg, seed, small):
    with kernel_path(small):
        x, w, b = _make(cfg, seed)
        ins = [mt.tensor(x, requires_grad=True), mt.tensor(w, requires_grad=True)]
        if b is not None:
            ins.append(mt.tensor(b, requires_grad=True))
        assert gradcheck(lambda *a: _call(cfg, a[0], a[1], a[2] if len(a) > 2 else None), tuple(ins))


@settings(max_examples=5)
@given(conv_configs(dims=(1, 2), max_side=4, max_kernel=2, max_channels=1), st.integers(0, 2**16), st.booleans())
def test_double_backward(cfg, seed, small):
    with kernel_path(small):
        x, w, _ = _make(cfg, seed)
        ins = (mt.tensor(x, requires_grad=True), mt.tensor(w, requires_grad=True))
        assert gradgradcheck(lambda a, c: _call(cfg, a, c, None), ins)


def test_unbatched_and_float32_stays_float32():
    x = mt.randn(3, 6, 7)
    w = mt.randn(4, 3, 2, 2, requires_grad=True)
    b = mt.randn(4, requires_grad=True)
    out = F.conv2d(x, w, b, padding=1)
    assert out.shape == (4, 7, 8) and out.dtype == mt.float32
    out.sum().backward()
    assert w.grad.dtype == mt.float32 and b.grad.dtype == mt.float32
    batched = F.conv2d(x.unsqueeze(0), w, b, padding=1)
    np.testing.assert_allclose(out.detach().numpy(), batched[0].detach().numpy(), rtol=1e-6)


def test_top_level_exports():
    assert mt.conv1d is F.conv1d and mt.conv2d is F.conv2d and mt.conv3d is F.conv3d


def test_same_padding_even_kernel_pads_right():
    x = np.arange(6.0).reshape(1, 1, 6)
    w = np.ones((1, 1, 2))
    out = F.conv1d(mt.tensor(x), mt.tensor(w), padding="same").numpy()
    np.testing.assert_allclose(out[0, 0], [1, 3, 5, 7, 9, 5])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(weight=(3, 3)), "expected weight of 4 dims"),
        (dict(weight=(4, 2, 3, 3)), "to have 2 channels, but got 3"),
        (dict(weight=(3, 1, 3, 3), groups=2), "divisible by 2"),
        (dict(weight=(4, 3, 9, 9)), "Kernel size can't be greater"),
        (dict(stride=0), "non-positive stride"),
        (dict(stride=-1), "non-positive stride"),
        (dict(dilation=0), "dilation should be greater than zero"),
        (dict(padding=-1), "negative padding"),
        (dict(padding="same", stride=2), "padding='same' is not supported for strided"),
        (dict(padding="full"), "Invalid padding string"),
        (dict(groups=0), "non-positive groups"),
        (dict(bias=(3,)), "expected bias to be 1-dimensional with 4 elements"),
        (dict(x=(3, 5)), "Expected 3D (unbatched) or 4D (batched) input to conv2d"),
    ],
)
def test_bad_input_raises_runtime_error(kwargs, message):
    x = mt.randn(*kwargs.pop("x", (2, 3, 5, 5)), requires_grad=True)
    w = mt.randn(*kwargs.pop("weight", (4, 3, 3, 3)), requires_grad=True)
    b = mt.randn(*kwargs.pop("bias")) if "bias" in kwargs else None
    before = x.detach().numpy().copy()
    with pytest.raises(RuntimeError, match=message.replace("(", r"\(").replace(")", r"\)")):
        F.conv2d(x, w, b, **kwargs)
    assert x.grad is None and w.grad is None
    np.testing.assert_array_equal(x.detach().numpy(), before)


def test_dtype_mismatch_raises():
    with pytest.raises(RuntimeError, match="expected scalar type Double but found Float"):
        F.conv1d(mt.randn(1, 1, 5, dtype=mt.float64), mt.randn(1, 1, 2))


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@settings(max_examples=8)
@given(conv_configs(), st.integers(0, 2**16), st.booleans())
def test_matches_torch_forward_and_backward(cfg, seed, small):
    with kernel_path(small):
        torch = pytest.importorskip("torch")
        x, w, b = _make(cfg, seed, np.float32)
        mts = [mt.tensor(a, requires_grad=True) if a is not None else None for a in (x, w, b)]
        ts = [torch.tensor(a, requires_grad=True) if a is not None else None for a in (x, w, b)]
        k = len(x.shape) - 2
        tf = getattr(torch.nn.functional, f"conv{k}d")
        opts = dict(stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"], groups=cfg["groups"])
        out = _call(cfg, *mts)
        tout = tf(*ts, **opts)
        assert out.dtype == mt.float32
        np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-4, atol=1e-4)
        g = np.random.default_rng(seed).standard_normal(tuple(tout.shape)).astype(np.float32)
        out.backward(mt.tensor(g))
        tout.backward(torch.tensor(g))
        for m, t in zip(mts, ts):
            if m is not None:
                np.testing.assert_allclose(m.grad.numpy(), t.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_batch_chunking_gives_same_results(monkeypatch):
    """Forward, input and weight gradients agree when the batch is split into tiny chunks."""
    from microtorch.kernels import conv as kernels

    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 4, 6, 5))
    w = rng.standard_normal((6, 2, 3, 2))
    b = rng.standard_normal(6)

    def run():
        xt, wt = mt.tensor(x, requires_grad=True), mt.tensor(w, requires_grad=True)
        out = F.conv2d(xt, wt, mt.tensor(b), stride=(2, 1), padding=1, dilation=(1, 2), groups=2)
        out.backward(mt.ones_like(out))
        return out.detach().numpy(), xt.grad.numpy(), wt.grad.numpy()

    whole = run()
    monkeypatch.setattr(kernels, "_CHUNK_BYTES", 1)
    for a, c in zip(whole, run()):
        np.testing.assert_allclose(a, c, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(whole[0], naive_conv(x, w, b, (2, 1), (1, 1), (1, 2), 2), rtol=1e-10)
