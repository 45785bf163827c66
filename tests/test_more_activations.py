"""hardswish, hardsigmoid, mish, logsigmoid, selu, celu, softsign, tanhshrink, softshrink, hardshrink,
threshold, glu, prelu, softmin: references, gradients (kinks included), layers and torch."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microtorch as mt
import microtorch.nn as nn
import microtorch.nn.functional as F
from microtorch.autograd import gradcheck

ALPHA, SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946

REFERENCES = {
    "hardswish": (lambda f: f.hardswish, lambda x: x * np.clip(x + 3, 0, 6) / 6),
    "hardsigmoid": (lambda f: f.hardsigmoid, lambda x: np.clip(x + 3, 0, 6) / 6),
    "mish": (lambda f: f.mish, lambda x: x * np.tanh(np.log1p(np.exp(x)))),
    "logsigmoid": (lambda f: f.logsigmoid, lambda x: -np.logaddexp(0, -x)),
    "selu": (lambda f: f.selu, lambda x: SCALE * np.where(x > 0, x, ALPHA * np.expm1(x))),
    "celu": (lambda f: lambda x: f.celu(x, 1.5), lambda x: np.where(x > 0, x, 1.5 * np.expm1(x / 1.5))),
    "softsign": (lambda f: f.softsign, lambda x: x / (1 + np.abs(x))),
    "tanhshrink": (lambda f: f.tanhshrink, lambda x: x - np.tanh(x)),
    "softshrink": (lambda f: f.softshrink, lambda x: np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0))),
    "hardshrink": (lambda f: f.hardshrink, lambda x: np.where(np.abs(x) > 0.5, x, 0)),
    "threshold": (lambda f: lambda x: f.threshold(x, 0.1, 20.0), lambda x: np.where(x > 0.1, x, 20.0)),
}
KINKS = np.array([-3.0, 3.0, 0.0, 0.5, -0.5, 0.1, -2.0, 2.5, 4.0, -4.0, 1e-3, 30.0, -30.0])


def _values(seed, n=12):
    return np.concatenate([np.random.default_rng(seed).uniform(-5, 5, n), KINKS])


@pytest.mark.parametrize("name", list(REFERENCES))
@given(seed=st.integers(0, 2**16))
def test_forward_matches_numpy_reference(name, seed):
    fn, ref = REFERENCES[name]
    x = _values(seed)
    np.testing.assert_allclose(fn(F)(mt.tensor(x)).numpy(), ref(x), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", list(REFERENCES))
@settings(max_examples=10)
@given(seed=st.integers(0, 2**16))
def test_gradients_match_finite_differences_off_the_kinks(name, seed):
    fn, _ = REFERENCES[name]
    x = np.random.default_rng(seed).uniform(-5, 5, 8)
    x = np.where(np.min(np.abs(x[:, None] - KINKS[None, :]), axis=1) < 0.05, x + 0.1, x)
    assert gradcheck(fn(F), (mt.tensor(x, requires_grad=True),))


@pytest.mark.parametrize("name", list(REFERENCES))
def test_values_and_gradients_equal_torch_including_kinks(name):
    torch = pytest.importorskip("torch")
    fn, _ = REFERENCES[name]
    x = _values(0)
    a, b = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ya, yb = fn(F)(a), fn(torch.nn.functional)(b)
    np.testing.assert_allclose(ya.detach().numpy(), yb.detach().numpy(), rtol=1e-12, atol=1e-12)
    ya.sum().backward()
    yb.sum().backward()
    # torch computes hardsigmoid's 1/6 slope in float32 even for float64 input
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-7, atol=1e-12)


def test_softplus_gradient_is_sigmoid_even_at_zero():
    x = mt.tensor([0.0, 1.0, -1.0, 25.0, 0.6], requires_grad=True)
    F.softplus(x, beta=2.0, threshold=1.0).sum().backward()
    bx = np.array([0.0, 2.0, -2.0, 50.0, 1.2])
    np.testing.assert_allclose(x.grad.numpy(), np.where(bx > 1.0, 1.0, 1 / (1 + np.exp(-bx))), rtol=1e-6)
    assert gradcheck(
        lambda t: F.softplus(t, beta=2.0), (mt.tensor([0.0, 0.3, -0.7], dtype=mt.float64, requires_grad=True),)
    )


def test_glu_prelu_softmin_match_torch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).standard_normal((3, 4, 6))
    w = np.array([0.25, -0.5, 1.5, 0.1])
    cases = [
        (lambda f, t, _: f.glu(t, 1), None),
        (lambda f, t, _: f.glu(t), None),
        (lambda f, t, p: f.prelu(t, p), w),
        (lambda f, t, p: f.prelu(t, p), w[:1]),
        (lambda f, t, _: f.softmin(t, dim=2), None),
    ]
    for call, weight in cases:
        a, b = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        pa = mt.tensor(weight, requires_grad=True) if weight is not None else None
        pb = torch.tensor(weight, requires_grad=True) if weight is not None else None
        ya, yb = call(F, a, pa), call(torch.nn.functional, b, pb)
        np.testing.assert_allclose(ya.detach().numpy(), yb.detach().numpy(), rtol=1e-12, atol=1e-12)
        g = np.random.default_rng(2).standard_normal(tuple(yb.shape))
        ya.backward(mt.tensor(g))
        yb.backward(torch.tensor(g))
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12, atol=1e-12)
        if weight is not None:
            np.testing.assert_allclose(pa.grad.numpy(), pb.grad.numpy(), rtol=1e-12, atol=1e-12)


LAYERS = [
    ("Hardswish", ()),
    ("Hardsigmoid", ()),
    ("Mish", ()),
    ("LogSigmoid", ()),
    ("SELU", ()),
    ("SELU", (True,)),
    ("CELU", ()),
    ("CELU", (2.0, True)),
    ("Softsign", ()),
    ("Tanhshrink", ()),
    ("Softshrink", ()),
    ("Hardshrink", (0.3,)),
    ("Threshold", (0.1, 20)),
    ("GLU", ()),
    ("PReLU", ()),
    ("PReLU", (3, 0.1)),
    ("Softmin", (1,)),
    ("ELU", (1.0, True)),
    ("SiLU", (True,)),
    ("ReLU6", (True,)),
    ("Hardtanh", (-1.0, 1.0, True)),
]


@pytest.mark.parametrize("name, args", LAYERS)
def test_layers_repr_and_output_match_torch(name, args):
    torch = pytest.importorskip("torch")
    ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(ours) == repr(theirs)
    x = np.random.default_rng(3).standard_normal((2, 3, 4)).astype(np.float32)
    np.testing.assert_allclose(
        ours(mt.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(), rtol=1e-6, atol=1e-6
    )


def test_prelu_layer_learns_its_slopes():
    layer = nn.PReLU(3)
    assert [p.shape for p in layer.parameters()] == [(3,)]
    np.testing.assert_array_equal(layer.weight.detach().numpy(), [0.25] * 3)
    out = layer(mt.full((2, 3, 4), -1.0))
    out.sum().backward()
    np.testing.assert_array_equal(layer.weight.grad.numpy(), [-8.0] * 3)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: F.glu(mt.zeros(2, 3), 1), "Halving dimension must be even, but dimension 1 is size 3"),
        (lambda: F.prelu(mt.zeros(2, 3), mt.zeros(2)), "Found parameter numbers = 2 and channel size = 3"),
    ],
)
def test_bad_input_raises_torchs_errors(call, message):
    with pytest.raises(RuntimeError, match=message):
        call()
