"""Backward formulas computed on the arrays (no create_graph, nothing instrumented) against the
recorded Tensor-op formulas (create_graph=True), torch, and finite differences."""

import numpy as np
import pytest

import microtorch
from microtorch.autograd import gradcheck, gradgradcheck


def _F(t):
    """The ``nn.functional`` of the library ``t`` belongs to (the cases run on both)."""
    if type(t).__module__.startswith("torch"):
        import torch

        return torch.nn.functional
    return microtorch.nn.functional


# (name, function of the inputs, input shapes): shapes that broadcast exercise the sum back to shape
CASES = [
    ("exp", lambda x: x.exp(), [(3, 4)]),
    ("sin", lambda x: x.sin(), [(3, 4)]),
    ("tanh", lambda x: x.tanh(), [(3, 4)]),
    ("sigmoid", lambda x: x.sigmoid(), [(3, 4)]),
    ("relu", lambda x: x.relu(), [(3, 4)]),
    ("mul", lambda a, b: a * b, [(3, 4), (3, 4)]),
    ("mul_broadcast", lambda a, b: a * b, [(2, 3, 4), (3, 1)]),
    ("mul_scalar", lambda x: x * 2.5, [(3, 4)]),
    ("sub", lambda a, b: a - b, [(3, 4), (3, 4)]),
    ("sub_broadcast", lambda a, b: a - b, [(3, 1), (2, 1, 4)]),
    ("cos", lambda x: x.cos(), [(3, 4)]),
    ("div", lambda a, b: a / b, [(3, 4), (3, 4)]),
    ("div_broadcast", lambda a, b: a / b, [(2, 3, 4), (4,)]),
    ("div_scalar", lambda x: x / 3.0, [(3, 4)]),
    ("pow2", lambda x: x**2, [(3, 4)]),
    ("pow3", lambda x: x**3, [(3, 4)]),
    ("pow_half", lambda x: x**0.5, [(3, 4)]),
    ("pow_neg", lambda x: x**-1.5, [(3, 4)]),
    ("view", lambda x: x.view(4, 3), [(3, 4)]),
    ("reshape", lambda x: x.reshape(-1), [(3, 4)]),
    ("permute", lambda x: x.permute(2, 0, 1), [(2, 3, 4)]),
    ("transpose", lambda x: x.transpose(0, 2), [(2, 3, 4)]),
    ("transpose_0d", lambda x: x.transpose(0, -1), [()]),
    ("t", lambda x: x.t(), [(3, 4)]),
    ("sum", lambda x: x.sum(), [(3, 4)]),
    ("sum_0d", lambda x: x.sum(), [()]),
    ("sum_dim_keepdim", lambda x: x.sum((0, 1), keepdim=True), [(1, 10)]),
    ("mean", lambda x: x.mean(), [(2, 5)]),
    ("conv2d", lambda x, w, b: _F(x).conv2d(x, w, b, padding=1), [(2, 3, 5, 5), (4, 3, 3, 3), (4,)]),
    ("conv1d_no_bias", lambda x, w: _F(x).conv1d(x, w, stride=2), [(2, 3, 9), (4, 3, 3)]),
    ("conv2d_groups", lambda x, w: _F(x).conv2d(x, w, groups=2), [(1, 4, 6, 6), (4, 2, 2, 2)]),
    ("max_pool2d", lambda x: _F(x).max_pool2d(x, 2), [(2, 3, 4, 4)]),
    ("max_pool2d_overlap", lambda x: _F(x).max_pool2d(x, 3, 1, 1), [(1, 2, 5, 5)]),
]


def _inputs(lib, shapes, dtype, special: bool = False):
    rng = np.random.default_rng(0)
    arrays = []
    for shape in shapes:
        a = rng.uniform(0.3, 2.0, shape)
        if special and a.size >= 4:
            a.flat[:4] = [np.nan, np.inf, -np.inf, 0.0]
        arrays.append(a)
    return [lib.tensor(a, dtype=getattr(lib, dtype), requires_grad=True) for a in arrays]


def _grads(lib, fn, shapes, dtype, create_graph: bool, special: bool = False):
    xs = _inputs(lib, shapes, dtype, special)
    out = fn(*xs)
    r = lib.tensor(np.random.default_rng(1).standard_normal(tuple(out.shape)), dtype=getattr(lib, dtype))
    grads = lib.autograd.grad((out * r).sum(), xs, create_graph=create_graph)
    return [g.detach().numpy() for g in grads]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("special", [False, True])
@pytest.mark.parametrize("name,fn,shapes", CASES, ids=[c[0] for c in CASES])
def test_array_route_matches_recorded_route(name, fn, shapes, dtype, special):
    """The array route gives bit for bit the recorded formula's gradients (NaN and inf included)."""
    plain = _grads(microtorch, fn, shapes, dtype, create_graph=False, special=special)
    recorded = _grads(microtorch, fn, shapes, dtype, create_graph=True, special=special)
    for p, r in zip(plain, recorded):
        assert p.dtype == r.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(p, r)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("special", [False, True])
@pytest.mark.parametrize("name,fn,shapes", CASES, ids=[c[0] for c in CASES])
def test_array_route_matches_torch(name, fn, shapes, dtype, special):
    """The plain backward pass gives torch's gradients, dtypes and shapes."""
    torch = pytest.importorskip("torch")
    if special and name.startswith("conv"):
        pytest.skip("inf and -inf meeting in a convolution's sums: NaN or inf by summation order")
    ours = _grads(microtorch, fn, shapes, dtype, create_graph=False, special=special)
    theirs = _grads(torch, fn, shapes, dtype, create_graph=False, special=special)
    tol = 1e-5 if dtype == "float32" else 1e-12
    for o, t in zip(ours, theirs):
        assert o.dtype == t.dtype and o.shape == t.shape
        np.testing.assert_allclose(o, t, rtol=tol, atol=tol, equal_nan=True)


@pytest.mark.parametrize("name,fn,shapes", CASES, ids=[c[0] for c in CASES])
def test_second_derivatives_still_recorded(name, fn, shapes):
    """create_graph still records differentiable formulas: finite-difference first and second derivatives."""
    xs = _inputs(microtorch, shapes, "float64")
    assert gradcheck(fn, xs)
    assert gradgradcheck(fn, xs)


def test_plain_backward_records_nothing():
    """Without create_graph the gradients are plain tensors with no grad_fn."""
    x = microtorch.tensor([0.5, 1.5], requires_grad=True)
    (g,) = microtorch.autograd.grad((x.sigmoid() * x).sum(), [x])
    assert g.grad_fn is None and not g.requires_grad
    (g2,) = microtorch.autograd.grad((x.sigmoid() * x).sum(), [x], create_graph=True)
    assert g2.grad_fn is not None
    np.testing.assert_array_equal(g.numpy(), g2.detach().numpy())


def test_saved_tensor_version_check_kept():
    """A saved tensor modified in place still fails the backward pass on the array route."""
    x = microtorch.tensor([0.5, 1.5], requires_grad=True)
    y = x.sigmoid()
    z = (y * 2.0).sum()
    y.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.backward()


@pytest.mark.parametrize("s", [0.5, -0.5, -1.5])
def test_pow_half_exponents_at_negative_infinity_as_torch(s):
    """torch computes ``x ** -0.5`` as ``1 / sqrt(x)``: nan at -inf (also in ``x ** 0.5``'s gradient)."""
    torch = pytest.importorskip("torch")
    values = [-float("inf"), -1.0, 0.0, 4.0, float("inf")]
    x, a = torch.tensor(values, requires_grad=True), microtorch.tensor(values, requires_grad=True)
    (x**s).sum().backward()
    y = a**s
    y.sum().backward()
    np.testing.assert_array_equal(y.detach().numpy(), (x.detach() ** s).numpy())
    np.testing.assert_array_equal(a.grad.numpy(), x.grad.numpy())


def test_implicit_root_gradient_is_a_fresh_array():
    """backward() of a one-element output starts from its own ones: accumulating into a leaf's .grad
    in place never changes a later implicit gradient."""
    y = microtorch.tensor(3.0, requires_grad=True)
    y.backward()
    y.backward()
    z = microtorch.tensor(5.0, requires_grad=True)
    z.backward()
    assert y.grad.item() == 2.0 and z.grad.item() == 1.0
    w = microtorch.ones(1, 1, dtype=microtorch.float64, requires_grad=True)
    (w * 3.0).backward()
    assert w.grad.dtype == microtorch.float64 and w.grad.shape == (1, 1) and w.grad.item() == 3.0


def test_root_gradient_errors_as_torch():
    """The checks of backward()'s outputs and gradients keep torch's error classes and messages."""
    torch = pytest.importorskip("torch")
    for lib in (torch, microtorch):
        x = lib.ones(2, requires_grad=True)
        with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
            (x * 2.0).backward()
        with pytest.raises(RuntimeError, match="Mismatch in shape"):
            (x * 2.0).backward(lib.ones(3))
        with pytest.raises(RuntimeError, match="does not require grad"):
            lib.ones(1).backward()


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_sigmoid_values_as_torch(dtype):
    """sigmoid (scipy's expit for float32/float64 when installed) keeps torch's values at the extremes,
    NaN and infinities, and a 0-d result is an array that in-place ops can write."""
    torch = pytest.importorskip("torch")
    values = [-1e4, -100.0, -20.0, -1.0, -0.0, 0.0, 1e-8, 3.0, 50.0, float("inf"), -float("inf"), float("nan")]
    ours = microtorch.tensor(values, dtype=getattr(microtorch, dtype)).sigmoid().numpy()
    theirs = torch.tensor(values, dtype=getattr(torch, dtype)).sigmoid().numpy()
    assert ours.dtype == theirs.dtype
    np.testing.assert_allclose(ours, theirs, rtol=1e-3 if dtype == "float16" else 1e-6, atol=0, equal_nan=True)
    y = microtorch.tensor(0.5).sigmoid()
    y.add_(1.0)
    assert y.item() == pytest.approx(float(torch.tensor(0.5).sigmoid()) + 1.0)


def test_sigmoid_without_scipy_uses_the_numpy_formula(monkeypatch):
    """Without scipy the numpy formula gives the same values to rounding."""
    from microtorch.ops import unary

    x = microtorch.tensor([-30.0, -1.0, 0.0, 2.0, 40.0, float("nan")], dtype=microtorch.float64)
    fast = x.sigmoid().numpy()
    monkeypatch.setattr(unary, "_EXPIT", [None])
    slow = x.sigmoid().numpy()
    np.testing.assert_allclose(slow, fast, rtol=1e-15, atol=0, equal_nan=True)


@pytest.mark.parametrize("create_graph", [False, True])
def test_relu_gradient_is_zero_where_blocked_even_for_inf_nan_gradients(create_graph):
    """torch's threshold_backward selects: an inf or NaN incoming gradient gives 0 where the output is
    <= 0 (a product with a 0/1 mask would give NaN); NaN outputs pass the gradient."""
    torch = pytest.importorskip("torch")
    results = []
    for lib in (torch, microtorch):
        x = lib.tensor([-1.0, 2.0, 0.0, float("nan"), -3.0], requires_grad=True)
        g = lib.tensor([float("inf"), 1.0, float("nan"), 3.0, -float("inf")])
        (gx,) = lib.autograd.grad(x.relu(), x, g, create_graph=create_graph)
        results.append(gx.detach().numpy())
    np.testing.assert_array_equal(results[1], results[0])


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("s", [2, 3, -1, 0.5, 2.5, 0, True])
def test_pow_python_number_short_path_as_torch(dtype, s):
    """``x ** s`` for a float tensor and a Python number: torch's dtype, values and gradient."""
    torch = pytest.importorskip("torch")
    values = [0.5, 1.5, 3.0, 0.0]
    out = []
    for lib in (torch, microtorch):
        x = lib.tensor(values, dtype=getattr(lib, dtype), requires_grad=True)
        y = x**s
        y.sum().backward()
        out.append((str(y.dtype).split(".")[-1], y.detach().numpy(), x.grad.numpy()))
    assert out[0][0] == out[1][0]
    for theirs, ours in zip(out[0][1:], out[1][1:]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-3 if dtype == "float16" else 1e-6, equal_nan=True)
