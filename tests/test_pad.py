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


@st.composite
def replicate_signed_cases(draw):
    """Replicate pads of either sign that leave every padded dim non-empty."""
    k = draw(st.integers(1, 3))
    spatial = tuple(draw(st.integers(1, 4)) for _ in range(k))
    pad = []
    for n in reversed(spatial):
        before = draw(st.integers(-5, 5))
        pad += [before, draw(st.integers(max(-5, 1 - n - before), 5))]
    return (2, 1) + spatial, tuple(pad)


def _naive_replicate(a, pad):
    """Output position j of each padded dim reads clip(j - before, 0, n - 1)."""
    k = len(pad) // 2
    for i in range(k):
        d = a.ndim - 1 - i
        n, before, after = a.shape[d], pad[2 * i], pad[2 * i + 1]
        a = np.take(a, np.clip(np.arange(n + before + after) - before, 0, n - 1), axis=d)
    return a


@given(replicate_signed_cases())
def test_replicate_with_negative_padding_keeps_edge_copies(case):
    """A negative amount on one side can leave only copies of the other edge (PyTorch's rule)."""
    shape, pad = case
    a = np.random.default_rng(0).standard_normal(shape)
    x = mt.tensor(a, requires_grad=True)
    out = F.pad(x, pad, mode="replicate")
    np.testing.assert_array_equal(out.detach().numpy(), _naive_replicate(a, pad))
    assert gradcheck(lambda t: F.pad(t, pad, mode="replicate"), (x,))
    assert gradgradcheck(lambda t: F.pad(t, pad, mode="replicate"), (x,))


@pytest.mark.parametrize(
    "pad", [(-4, 5, 0, 0), (5, -4, -4, 3), (-2, -1, 4, 6), (8, -1, -1, -3), (-2, -2, 0, 0), (1, 1, -5, 1)]
)  # the last three leave an empty dim: PyTorch returns an empty result there
def test_replicate_negative_matches_torch(pad):
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(1).standard_normal((2, 3, 4, 4))
    theirs = torch.nn.functional.pad(torch.tensor(a, requires_grad=True), pad, mode="replicate")
    x = mt.tensor(a, requires_grad=True)
    ours = F.pad(x, pad, mode="replicate")
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
    go = np.random.default_rng(2).standard_normal(theirs.shape)
    ours.backward(mt.tensor(go))
    theirs.backward(torch.tensor(go))
    tx = theirs.grad_fn.next_functions[0][0].variable
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "mode, shape, pad",
    [
        ("replicate", (2, 3, 4), (-2, -2)),
        ("reflect", (2, 3, 4), (-2, -2)),
        ("replicate", (2, 3, 4, 4), (0, 0, -3, -2)),
        ("circular", (2, 3, 4, 4), (0, 0, -3, -2)),
    ],
)
def test_padding_to_an_invalid_size_raises_as_torch(mode, shape, pad):
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError):
        torch.nn.functional.pad(torch.ones(shape), pad, mode=mode)
    with pytest.raises(RuntimeError):
        F.pad(mt.ones(shape), pad, mode=mode)


@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.nn.functional.pad(lib.ones(2, 4), (1.0, 1)),
        lambda lib: lib.nn.functional.pad(lib.ones(2, 4), (True, 1)),
        lambda lib: lib.nn.functional.pad(lib.ones(2, 4), (1, 1), mode=3),
        lambda lib: lib.nn.functional.pad(lib.ones(2, 4, dtype=lib.bool), (1, 1), mode="reflect"),
        lambda lib: lib.nn.functional.pad(lib.ones(1, 2, 4, 4, dtype=lib.bool), (1,) * 4, mode="replicate"),
        lambda lib: lib.nn.functional.pad(lib.ones(0, 4), (1, 1), mode="replicate"),
        lambda lib: lib.nn.functional.pad(lib.ones(2, 0, 4, 4), (1,) * 4, mode="reflect"),
    ],
)
def test_bad_pad_arguments_raise_as_torch(call):
    """Float / bool amounts and a non-str mode are TypeErrors; reflect and replicate have no bool
    kernel and only an empty batch dim is allowed."""
    torch = pytest.importorskip("torch")
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)) as ours:
        call(mt)
    assert str(theirs.value).split(":")[-1].strip() in str(ours.value)


def test_empty_batch_and_bool_circular_pad_as_torch():
    torch = pytest.importorskip("torch")
    assert F.pad(mt.ones(0, 2, 4), (1, 1), mode="replicate").shape == (0, 2, 6)
    x = np.random.default_rng(0).random((2, 3, 4)) > 0.5
    ours = F.pad(mt.tensor(x), (1, 2), mode="circular")
    np.testing.assert_array_equal(ours.numpy(), torch.nn.functional.pad(torch.tensor(x), (1, 2), mode="circular"))
