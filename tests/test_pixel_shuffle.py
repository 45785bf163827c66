"""pixel_shuffle / pixel_unshuffle: against a reference, inverse of each other, gradients, torch, errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microtorch as mt
import microtorch.nn.functional as F
from microtorch.autograd import gradcheck, gradgradcheck


@st.composite
def shuffle_cases(draw):
    r = draw(st.integers(1, 3))
    lead = tuple(draw(st.integers(1, 2)) for _ in range(draw(st.integers(0, 2))))
    shape = lead + (draw(st.integers(1, 2)) * r * r, draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    return shape, r


def reference_shuffle(x, r):
    """out[..., c, h*r + i, w*r + j] = x[..., c*r*r + i*r + j, h, w], written with loops."""
    *lead, cr, h, w = x.shape
    c = cr // (r * r)
    out = np.zeros((*lead, c, h * r, w * r))
    for ch in range(c):
        for i in range(r):
            for j in range(r):
                out[..., ch, i::r, j::r] = x[..., ch * r * r + i * r + j, :, :]
    return out


@given(shuffle_cases(), st.integers(0, 2**16))
def test_shuffle_matches_reference_and_unshuffle_inverts_it(case, seed):
    shape, r = case
    x = np.random.default_rng(seed).standard_normal(shape)
    out = F.pixel_shuffle(mt.tensor(x), r)
    np.testing.assert_array_equal(out.numpy(), reference_shuffle(x, r))
    np.testing.assert_array_equal(F.pixel_unshuffle(out, r).numpy(), x)


@settings(max_examples=10)
@given(shuffle_cases(), st.integers(0, 2**16))
def test_gradients_and_double_backward(case, seed):
    shape, r = case
    x = mt.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)
    assert gradcheck(lambda t: F.pixel_shuffle(t, r), (x,))
    assert gradgradcheck(lambda t: F.pixel_shuffle(t, r) ** 2, (x,))
    assert gradcheck(lambda t: F.pixel_unshuffle(F.pixel_shuffle(t, r) * 3, r), (x,))


def test_modules_repr():
    assert repr(mt.nn.PixelShuffle(3)) == "PixelShuffle(upscale_factor=3)"
    assert repr(mt.nn.PixelUnshuffle(2)) == "PixelUnshuffle(downscale_factor=2)"
    assert tuple(mt.nn.PixelShuffle(2)(mt.zeros(1, 8, 3, 3)).shape) == (1, 2, 6, 6)


@settings(max_examples=10)
@given(shuffle_cases(), st.integers(0, 2**16))
def test_matches_torch(case, seed):
    torch = pytest.importorskip("torch")
    shape, r = case
    x = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    a, b = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ya, yb = F.pixel_shuffle(a, r), torch.nn.functional.pixel_shuffle(b, r)
    np.testing.assert_array_equal(ya.detach().numpy(), yb.detach().numpy())
    g = np.random.default_rng(seed + 1).standard_normal(tuple(yb.shape)).astype(np.float32)
    ya.backward(mt.tensor(g))
    yb.backward(torch.tensor(g))
    np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())
    assert ya.grad_fn.name() == yb.grad_fn.name()


BAD = [
    ("pixel_shuffle", (4, 4), 2),
    ("pixel_shuffle", (5, 2, 2), 2),
    ("pixel_shuffle", (4, 2, 2), 0),
    ("pixel_unshuffle", (4, 3, 2), 2),
    ("pixel_unshuffle", (4, 4), 2),
    ("pixel_unshuffle", (4, 4, 3), 2),
    ("pixel_unshuffle", (4, 2, 2), -1),
]


@pytest.mark.parametrize("name, shape, factor", BAD)
def test_bad_input_raises_torchs_error(name, shape, factor):
    with pytest.raises(RuntimeError, match=name) as ours:
        getattr(F, name)(mt.zeros(*shape), factor)
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError) as theirs:
        getattr(torch.nn.functional, name)(torch.zeros(*shape), factor)
    assert str(ours.value) == str(theirs.value)
