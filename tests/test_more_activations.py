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
from microtorch.autograd import gradcheck, gradgradcheck

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
    "hardtanh": (lambda f: lambda x: f.hardtanh(x, -1.5, 2.0), lambda x: np.clip(x, -1.5, 2.0)),
    "relu6": (lambda f: f.relu6, lambda x: np.clip(x, 0, 6)),
}
KINKS = np.array([-3.0, 3.0, 0.0, 0.5, -0.5, 0.1, -2.0, 2.5, 4.0, -4.0, 1e-3, 30.0, -30.0, -1.5, 2.0, 6.0])


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


# --- regressions: PyTorch's values and gradients at kinks, NaN and inf -----------------------
def _vs_torch(name, x, *args, **kwargs):
    """Values and float64 gradients of ``F.<name>`` against torch on the same input."""
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    m_x, t_x = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    m_y, t_y = getattr(F, name)(m_x, *args, **kwargs), getattr(tf, name)(t_x, *args, **kwargs)
    np.testing.assert_allclose(m_y.detach().numpy(), t_y.detach().numpy(), rtol=1e-12, atol=0)
    (m_g,) = mt.autograd.grad(m_y.sum(), m_x)
    (t_g,) = torch.autograd.grad(t_y.sum(), t_x)
    np.testing.assert_allclose(m_g.numpy(), t_g.numpy(), rtol=1e-12, atol=0)
    return m_g.numpy()


# contiguous and a multiple of torch's SIMD chunk: torch's vectorised kernels give hardtanh and
# softshrink a 0 gradient at NaN (microtorch's rule; torch's scalar loop, for strided inputs and
# the last few elements of other lengths, would give 1)
_EDGES = np.tile([np.nan, -np.inf, -2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 6.0, 7.0, np.inf, 0.25, -0.75, 3.0, 5.9, -1.1], 2)


@pytest.mark.parametrize(
    "name, args",
    [("relu6", ()), ("hardtanh", ()), ("hardtanh", (-0.5, 2.0)), ("threshold", (0.5, -9.0)), ("softshrink", (0.5,))],
)
def test_kinks_nan_and_inf_as_torch(name, args):
    assert _vs_torch(name, _EDGES, *args)[0] == (1.0 if name == "threshold" else 0.0)  # at NaN


def test_relu6_and_hardtanh_gradient_is_zero_at_the_kinks():
    assert _vs_torch("relu6", np.array([0.0, 6.0, 3.0])).tolist() == [0.0, 0.0, 1.0]
    assert _vs_torch("hardtanh", np.array([-1.0, 1.0, 0.0])).tolist() == [0.0, 0.0, 1.0]


def test_softplus_at_inf_and_logsigmoid_at_minus_inf_as_torch():
    x = np.array([np.inf, -np.inf, 30.0, -30.0, 0.0, 800.0, -800.0])
    assert _vs_torch("softplus", x)[0] == 1.0
    assert _vs_torch("logsigmoid", x)[1] == 1.0


@pytest.mark.parametrize("name, args", [("relu6", ()), ("hardtanh", ()), ("threshold", (2.5, -1.5))])
def test_integer_inputs_keep_their_dtype(name, args):
    torch = pytest.importorskip("torch")
    x = [1, 7, -3, 0]
    m, t = getattr(F, name)(mt.tensor(x), *args), getattr(torch.nn.functional, name)(torch.tensor(x), *args)
    assert m.dtype == mt.int64 and m.tolist() == t.tolist()


def test_inplace_functional_forms():
    x = mt.tensor([-3.0, 0.5, 7.0])
    assert F.relu6(x, inplace=True) is x and x.tolist() == [0.0, 0.5, 6.0]
    y = mt.tensor([-3.0, 0.5])
    assert F.threshold(y, 0.0, 2.0, inplace=True) is y and y.tolist() == [2.0, 0.5]
    assert F.hardtanh_(mt.tensor([3.0])).tolist() == [1.0]


@pytest.mark.parametrize(
    "call, exc",
    [
        (lambda: F.hardtanh(mt.tensor([1.0]), 2.0, 1.0), ValueError),
        (lambda: F.hardtanh(mt.tensor([1], dtype=mt.uint8)), RuntimeError),
        (lambda: F.softshrink(mt.tensor([1.0]), -0.5), RuntimeError),
        (lambda: F.softshrink(mt.tensor([1.0]), float("inf")), RuntimeError),
        (lambda: F.softshrink(mt.tensor([1])), NotImplementedError),
        (lambda: F.gelu(mt.tensor([1.0]), approximate="x"), RuntimeError),
        (lambda: F.gelu(mt.tensor([True])), NotImplementedError),
        (lambda: F.prelu(mt.tensor([1.0]), mt.tensor([[1.0]])), RuntimeError),
        (lambda: F.prelu(mt.tensor([1.0], dtype=mt.float64), mt.tensor([True])), RuntimeError),
        (lambda: F.prelu(mt.tensor([1.0]), 0.25), TypeError),
        (lambda: F.threshold(mt.tensor([1.0]), 0.5, "a"), TypeError),
        (lambda: F.relu6("a"), TypeError),
    ],
)
def test_bad_arguments_raise_torchs_errors(call, exc):
    with pytest.raises(exc):
        call()


def test_hardshrink_and_prelu_methods():
    x = mt.tensor([[-1.0, 0.25, 2.0]])
    assert x.hardshrink(0.5).tolist() == F.hardshrink(x, 0.5).tolist()
    w = mt.tensor([0.25])
    assert x.prelu(w).tolist() == F.prelu(x, w).tolist() == [[-0.25, 0.25, 2.0]]


def _raises_as_torch(torch, run, *args, **kwargs):
    """``run(lib, *args)`` raises in microtorch exactly what (class and message) it raises in torch."""
    with pytest.raises(Exception) as want:
        run(torch, *args, **kwargs)
    with pytest.raises(type(want.value)) as got:
        run(mt, *args, **kwargs)
    assert type(got.value) is type(want.value)
    assert str(got.value) == str(want.value)


FLOAT_ONLY = {
    "leaky_relu": lambda f, x: f.leaky_relu(x),
    "softplus": lambda f, x: f.softplus(x),
    "elu": lambda f, x: f.elu(x),
    "celu": lambda f, x: f.celu(x),
    "selu": lambda f, x: f.selu(x),
    "silu": lambda f, x: f.silu(x),
    "hardswish": lambda f, x: f.hardswish(x),
    "hardsigmoid": lambda f, x: f.hardsigmoid(x),
    "mish": lambda f, x: f.mish(x),
    "logsigmoid": lambda f, x: f.logsigmoid(x),
    "hardshrink": lambda f, x: f.hardshrink(x),
    "glu": lambda f, x: f.glu(x),
}


@pytest.mark.parametrize("name", list(FLOAT_ONLY))
@pytest.mark.parametrize("dtype", ["int64", "uint8", "bool"])
def test_float_only_activations_reject_integer_and_bool_inputs_as_torch(name, dtype):
    torch = pytest.importorskip("torch")
    values = np.array([1, 0, 1, 1]).astype(dtype)
    _raises_as_torch(torch, lambda lib: FLOAT_ONLY[name](lib.nn.functional, lib.tensor(values)))


@pytest.mark.parametrize("name", [*FLOAT_ONLY, "relu", "gelu", "softshrink", "hardtanh", "threshold_"])
@pytest.mark.parametrize("bad", [[1.0, 2.0], "tensor", 1.5])
def test_activations_of_a_non_tensor_raise_torchs_type_error(name, bad):
    torch = pytest.importorskip("torch")
    calls = {**FLOAT_ONLY, "relu": lambda f, x: f.relu(x), "gelu": lambda f, x: f.gelu(x)}
    calls.update(softshrink=lambda f, x: f.softshrink(x), hardtanh=lambda f, x: f.hardtanh(x))
    calls["threshold_"] = lambda f, x: f.threshold(x, 0.5, 0.0)
    if name == "glu":  # torch's glu is Python code that fails on x.dim(); a TypeError is the API error
        with pytest.raises(TypeError, match="glu"):
            F.glu(bad)
        return
    _raises_as_torch(torch, lambda lib: calls[name](lib.nn.functional, bad))


@pytest.mark.parametrize(
    "call",
    [
        lambda f, x: f.softplus(x, beta="0.5"),
        lambda f, x: f.softplus(x, 1.0, "0.5"),
        lambda f, x: f.softplus(x, threshold=None),
        lambda f, x: f.leaky_relu(x, "0.5"),
        lambda f, x: f.leaky_relu(x, negative_slope=None),
        lambda f, x: f.elu(x, "0.5"),
        lambda f, x: f.elu(x, alpha="0.5"),
        lambda f, x: f.celu(x, alpha=None),
        lambda f, x: f.hardshrink(x, "0.5"),
        lambda f, x: f.hardshrink(x, lambd="0.5"),
        lambda f, x: f.glu(x, 1.5),
        lambda f, x: f.glu(x, True),
        lambda f, x: f.glu(x, None),
    ],
)
def test_activation_parameters_of_the_wrong_type_raise_torchs_type_error(call):
    torch = pytest.importorskip("torch")
    values = np.array([[1.0, -2.0, 3.0, 4.0]])
    _raises_as_torch(torch, lambda lib: call(lib.nn.functional, lib.tensor(values)))


@pytest.mark.parametrize("shape", [(), (3,), (2, 5)])
def test_glu_of_a_scalar_or_an_odd_dim_raises_as_torch(shape):
    torch = pytest.importorskip("torch")
    values = np.ones(shape)
    _raises_as_torch(torch, lambda lib: lib.nn.functional.glu(lib.tensor(values)))
    _raises_as_torch(torch, lambda lib: lib.nn.GLU()(lib.tensor(values)))


def test_relu_of_bool_raises_and_integers_stay_integer_as_torch():
    torch = pytest.importorskip("torch")
    _raises_as_torch(torch, lambda lib: lib.nn.functional.relu(lib.tensor([True, False])))
    _raises_as_torch(torch, lambda lib: lib.nn.functional.hardtanh(lib.tensor([True, False])))
    _raises_as_torch(torch, lambda lib: lib.nn.functional.softsign(lib.tensor([True, False])))
    got = F.relu(mt.tensor([-2, 0, 3]))
    assert got.dtype == mt.int64 and got.tolist() == [0, 0, 3]


@pytest.mark.parametrize(
    "make",
    [
        lambda nn_: nn_.ELU(),
        lambda nn_: nn_.CELU(),
        lambda nn_: nn_.SELU(),
        lambda nn_: nn_.SiLU(),
        lambda nn_: nn_.Softplus(),
        lambda nn_: nn_.Mish(),
        lambda nn_: nn_.LeakyReLU(),
        lambda nn_: nn_.LogSigmoid(),
        lambda nn_: nn_.Hardswish(),
        lambda nn_: nn_.Hardshrink(),
        lambda nn_: nn_.GLU(),
    ],
)
@pytest.mark.parametrize("bad", ["long", "bool", "list"])
def test_activation_layers_reject_bad_inputs_as_torch(make, bad):
    torch = pytest.importorskip("torch")
    values = np.array([[1.0, -2.0, 3.0, 4.0]])

    def run(lib):
        x = lib.tensor(values)
        x = x.long() if bad == "long" else x.bool() if bad == "bool" else x.tolist()
        return make(lib.nn)(x)

    if bad == "list" and make(nn).__class__.__name__ == "GLU":
        with pytest.raises(TypeError):
            run(mt)
        return
    _raises_as_torch(torch, run)


def test_checked_activations_keep_their_values_and_gradients():
    v = np.random.default_rng(7).uniform(-4, 4, 20)
    v = v[np.abs(np.abs(v) - 0.25) > 0.3]  # away from the kinks at 0 and +-0.5
    x = mt.tensor(v, dtype=mt.float64, requires_grad=True)
    for fn in (F.elu, F.celu, F.selu, F.silu, F.softplus, F.mish, F.logsigmoid, F.hardshrink, F.leaky_relu):
        assert gradcheck(fn, (x,))
    assert mt.allclose(F.elu(x, alpha=2.0), mt.where(x > 0, x, 2.0 * mt.expm1(mt.clamp(x, max=0))))


@pytest.mark.parametrize("name", ["relu", "hardsigmoid", "hardshrink"])
def test_values_and_gradients_at_nan_inf_and_kinks_as_torch(name):
    torch = pytest.importorskip("torch")
    special = [np.nan, np.inf, -np.inf, 0.0, 0.5, -0.5, 3.0, -3.0]
    v = np.concatenate([np.tile(special, 8), np.random.default_rng(2).uniform(-5, 5, 64)])
    tx = torch.tensor(v, requires_grad=True)
    getattr(torch.nn.functional, name)(tx).backward(torch.ones(v.size, dtype=torch.float64) * 0.25)
    mx = mt.tensor(v, requires_grad=True)
    out = getattr(F, name)(mx)
    out.backward(mt.ones(v.size, dtype=mt.float64) * 0.25)
    want = getattr(torch.nn.functional, name)(torch.tensor(v)).numpy()
    np.testing.assert_array_equal(out.detach().numpy(), want)
    np.testing.assert_array_equal(mx.grad.numpy(), tx.grad.numpy())


@pytest.mark.parametrize("lambd", [0.5, float("nan"), -1.0, float("inf")])
def test_hardshrink_with_odd_lambd_keeps_x_as_torch(lambd):
    torch = pytest.importorskip("torch")
    v = np.array([-5.0, -1.0, -0.5, 0.0, 0.5, 1.0, np.inf, -np.inf])
    np.testing.assert_array_equal(
        F.hardshrink(mt.tensor(v), lambd).numpy(), torch.nn.functional.hardshrink(torch.tensor(v), lambd).numpy()
    )


def test_elu_family_gradient_at_nan_passes_as_on_the_positive_side():
    x = mt.tensor([np.nan, -1.0, 2.0], dtype=mt.float64, requires_grad=True)
    for fn in (F.elu, F.celu):
        (g,) = mt.autograd.grad(fn(x).sum(), x)
        assert g[0].item() == 1.0 and np.isnan(fn(x)[0].item())


@pytest.mark.parametrize("name, kwargs", [("elu", {"alpha": 0.8}), ("celu", {"alpha": 0.8}), ("selu", {})])
def test_elu_family_first_and_second_derivatives_at_0_nan_and_both_sides_as_torch(name, kwargs):
    torch = pytest.importorskip("torch")
    v = np.array([0.0, -1.0, np.nan, 1.0, -30.0, 2.5])
    r = np.arange(1.0, 7.0)
    results = []
    for lib in (torch, mt):
        x = lib.tensor(v, requires_grad=True)
        (g,) = lib.autograd.grad(getattr(lib.nn.functional, name)(x, **kwargs).sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad((g * lib.tensor(r)).sum(), x)
        results.append((g.detach().numpy(), gg.numpy()))
    (tg, tgg), (mg, mgg) = results
    # torch's celu backward scales by 1/alpha rounded to float32 (its forward does not)
    np.testing.assert_allclose(mg, tg, rtol=1e-6)
    np.testing.assert_allclose(mgg, tgg, rtol=1e-6)
    x = mt.tensor(np.array([-1.5, -0.2, 0.7]), requires_grad=True)
    assert gradgradcheck(lambda t: getattr(F, name)(t, **kwargs), (x,))


def test_celu_alpha_0_raises_as_torch():
    torch = pytest.importorskip("torch")
    _raises_as_torch(torch, lambda lib: lib.nn.functional.celu(lib.ones(2), 0.0))
