"""conv_transpose1d/2d/3d: naive reference, adjointness, gradients, double backward, torch, errors."""

from __future__ import annotations

import numpy as np
import pytest
from _conv_ref import kernel_path, naive_conv_transpose
from hypothesis import given, settings
from hypothesis import strategies as st

import microtorch as mt
import microtorch.nn.functional as F
from microtorch.autograd import gradcheck, gradgradcheck
from microtorch.testing.strategies import conv_configs

CONVT = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}
CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}


def _make(cfg, seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(cfg["input_shape"]).astype(dtype)
    w = rng.standard_normal(cfg["weight_shape"]).astype(dtype)
    cout = cfg["weight_shape"][1] * cfg["groups"]
    b = rng.standard_normal(cout).astype(dtype) if cfg["bias"] else None
    return x, w, b


def _call(cfg, x, w, b):
    k = len(cfg["input_shape"]) - 2
    return CONVT[k](
        x,
        w,
        b,
        stride=cfg["stride"],
        padding=cfg["padding"],
        output_padding=cfg["output_padding"],
        groups=cfg["groups"],
        dilation=cfg["dilation"],
    )


@given(conv_configs(transposed=True), st.integers(0, 2**16), st.booleans())
def test_forward_matches_naive(cfg, seed, small):
    with kernel_path(small):
        x, w, b = _make(cfg, seed)
        out = _call(cfg, mt.tensor(x), mt.tensor(w), None if b is None else mt.tensor(b))
        ref = naive_conv_transpose(
            x, w, b, cfg["stride"], cfg["padding"], cfg["output_padding"], cfg["dilation"], cfg["groups"]
        )
        assert tuple(out.shape) == ref.shape
        np.testing.assert_allclose(out.numpy(), ref, rtol=1e-10, atol=1e-10)


@given(conv_configs(transposed=True), st.integers(0, 2**16), st.booleans())
def test_is_adjoint_of_conv(cfg, seed, small):
    """<conv_transpose(x, w), y> == <x, conv(y, w)> for the matching convolution."""
    with kernel_path(small):
        x, w, _ = _make(cfg, seed)
        k = len(x.shape) - 2
        out = _call(cfg, mt.tensor(x), mt.tensor(w), None).numpy()
        y = np.random.default_rng(seed + 1).standard_normal(out.shape)
        back = CONV[k](mt.tensor(y), mt.tensor(w), None, cfg["stride"], cfg["padding"], cfg["dilation"], cfg["groups"])
        back = back.numpy()[(Ellipsis,) + tuple(slice(0, n) for n in x.shape[2:])]
        np.testing.assert_allclose(np.vdot(out, y), np.vdot(x, back), rtol=1e-9, atol=1e-9)


@settings(max_examples=10)
@given(conv_configs(transposed=True, max_side=4, max_kernel=2, max_channels=1), st.integers(0, 2**16), st.booleans())
def test_gradients_match_finite_differences(cfg, seed, small):
    with kernel_path(small):
        x, w, b = _make(cfg, seed)
        ins = [mt.tensor(x, requires_grad=True), mt.tensor(w, requires_grad=True)]
        if b is not None:
            ins.append(mt.tensor(b, requires_grad=True))
        assert gradcheck(lambda *a: _call(cfg, a[0], a[1], a[2] if len(a) > 2 else None), tuple(ins))


@settings(max_examples=5)
@given(
    conv_configs(dims=(1, 2), transposed=True, max_side=4, max_kernel=2, max_channels=1),
    st.integers(0, 2**16),
    st.booleans(),
)
def test_double_backward(cfg, seed, small):
    with kernel_path(small):
        x, w, _ = _make(cfg, seed)
        ins = (mt.tensor(x, requires_grad=True), mt.tensor(w, requires_grad=True))
        assert gradgradcheck(lambda a, c: _call(cfg, a, c, None), ins)


def test_full_convolution_is_stride1_padding0_case():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    k = np.array([1.0, -1.0, 2.0])
    out = F.conv_transpose1d(mt.tensor(x).reshape(1, 1, 4), mt.tensor(k).reshape(1, 1, 3))
    np.testing.assert_allclose(out.numpy().ravel(), np.convolve(x, k, "full"))


def test_unbatched_float32():
    out = F.conv_transpose2d(mt.randn(2, 3, 3), mt.randn(2, 4, 2, 2), stride=2)
    assert out.shape == (4, 6, 6) and out.dtype == mt.float32


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(output_padding=2, stride=2), "output padding must be smaller than either stride or dilation"),
        (dict(weight=(3, 3)), "expected weight of 4 dims"),
        (dict(weight=(2, 4, 2, 2)), "to have 2 channels, but got 3"),
        (dict(weight=(3, 2, 2, 2), groups=2), "divisible by 2"),
        (dict(stride=0), "non-positive stride"),
        (dict(dilation=-1), "dilation should be greater than zero"),
        (dict(padding=-1), "negative padding"),
        (dict(padding=5), "too small"),
        (dict(bias=(2,)), "expected bias to be 1-dimensional with 4 elements"),
    ],
)
def test_bad_input_raises(kwargs, message):
    x = mt.randn(1, 3, 4, 4, requires_grad=True)
    w = mt.randn(*kwargs.pop("weight", (3, 4, 2, 2)), requires_grad=True)
    b = mt.randn(*kwargs.pop("bias")) if "bias" in kwargs else None
    with pytest.raises(RuntimeError, match=message):
        F.conv_transpose2d(x, w, b, **kwargs)
    assert x.grad is None and w.grad is None


@settings(max_examples=8)
@given(conv_configs(transposed=True), st.integers(0, 2**16), st.booleans())
def test_matches_torch(cfg, seed, small):
    with kernel_path(small):
        torch = pytest.importorskip("torch")
        x, w, b = _make(cfg, seed, np.float32)
        mts = [mt.tensor(a, requires_grad=True) if a is not None else None for a in (x, w, b)]
        ts = [torch.tensor(a, requires_grad=True) if a is not None else None for a in (x, w, b)]
        k = len(x.shape) - 2
        tf = getattr(torch.nn.functional, f"conv_transpose{k}d")
        out = _call(cfg, *mts)
        tout = tf(*ts, cfg["stride"], cfg["padding"], cfg["output_padding"], cfg["groups"], cfg["dilation"])
        np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-4, atol=1e-4)
        g = np.random.default_rng(seed).standard_normal(tuple(tout.shape)).astype(np.float32)
        out.backward(mt.tensor(g))
        tout.backward(torch.tensor(g))
        for m, t in zip(mts, ts):
            if m is not None:
                np.testing.assert_allclose(m.grad.numpy(), t.grad.numpy(), rtol=1e-4, atol=1e-4)
