"""F.pad: every mode against numpy.pad and torch, gradients, double backward, errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import microtorch as mt
import microtorch.nn.functional as F
from microtorch.autograd import gradcheck, gradgradcheck

NP_MODE = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


@st.composite
def pad_cases(draw):
    mode = draw(st.sampled_from(tuple(NP_MODE)))
    k = draw(st.integers(1, 3))
    extra = draw(st.integers(1, 2)) if mode != "constant" else draw(st.integers(0, 2))
    spatial = tuple(draw(st.integers(2, 4)) for _ in range(k))
    shape = tuple(draw(st.integers(1, 2)) for _ in range(extra)) + spatial
    pad = []
    for n in reversed(spatial):
        hi = n - 1 if mode == "reflect" else n
        pad += [draw(st.integers(0, hi)), draw(st.integers(0, hi))]
    return shape, tuple(pad), mode, draw(st.integers(0, 2**16))


@given(pad_cases())
def test_forward_matches_numpy_pad(case):
    shape, pad, mode, seed = case
    x = np.random.default_rng(seed).standard_normal(shape)
    k = len(pad) // 2
    widths = [(0, 0)] * (len(shape) - k) + [(pad[2 * i], pad[2 * i + 1]) for i in range(k)][::-1]
    kw = {"constant_values": 1.5} if mode == "constant" else {}
    ref = np.pad(x, widths, mode=NP_MODE[mode], **kw)
    out = F.pad(mt.tensor(x), pad, mode=mode, value=1.5 if mode == "constant" else None)
    np.testing.assert_array_equal(out.numpy(), ref)


@given(pad_cases())
def test_gradients_and_double_backward(case):
    shape, pad, mode, seed = case
    x = mt.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)
    assert gradcheck(lambda a: F.pad(a, pad, mode=mode), (x,))
    assert gradgradcheck(lambda a: F.pad(a, pad, mode=mode) ** 2, (x,))


@pytest.mark.parametrize(
    ("mode", "pad", "shape"),
    [
        ("constant", (-1, 2, 1, -2), (2, 4, 5)),
        ("reflect", (-1, 2), (2, 5)),
        ("circular", (3, -1, -1, 2), (1, 2, 4, 5)),
        ("replicate", (2, 0, 1, 3, 0, 1), (1, 1, 2, 3, 4)),
    ],
)
def test_matches_torch_incl_negative_padding(mode, pad, shape):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    m, t = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, tout = F.pad(m, pad, mode=mode), torch.nn.functional.pad(t, pad, mode=mode)
    assert out.dtype == mt.float32
    np.testing.assert_array_equal(out.detach().numpy(), tout.detach().numpy())
    g = np.random.default_rng(1).standard_normal(tuple(tout.shape)).astype(np.float32)
    out.backward(mt.tensor(g))
    tout.backward(torch.tensor(g))
    np.testing.assert_allclose(m.grad.numpy(), t.grad.numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        (dict(pad=(1,)), RuntimeError, "divisible by 2"),
        (dict(pad=(1,) * 8), RuntimeError, "less than or equal to two times"),
        (dict(pad=(1, 1), mode="foo"), NotImplementedError, "Unrecognised padding mode foo"),
        (dict(pad=(5, 5), mode="reflect"), RuntimeError, "Padding size should be less than"),
        (dict(pad=(-3, -3)), RuntimeError, "negative output size"),
    ],
)
def test_bad_input(args, error, message):
    x = mt.randn(1, 2, 5, requires_grad=True)
    with pytest.raises(error, match=message):
        F.pad(x, **args)
    assert x.grad is None
