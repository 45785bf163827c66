"""group_norm / GroupNorm and instance_norm / InstanceNorm1d-3d: reference, gradients, running stats, torch."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microtorch as mt
import microtorch.nn as nn
import microtorch.nn.functional as F
from microtorch.autograd import gradcheck


def reference_group_norm(x, groups, weight, bias, eps=1e-5):
    n, c = x.shape[:2]
    g = x.reshape(n, groups, -1)
    out = ((g - g.mean(2, keepdims=True)) / np.sqrt(g.var(2, keepdims=True) + eps)).reshape(x.shape)
    shape = (1, c) + (1,) * (x.ndim - 2)
    return out * weight.reshape(shape) + bias.reshape(shape)


@st.composite
def group_cases(draw):
    groups = draw(st.integers(1, 3))
    c = groups * draw(st.integers(1, 3))
    spatial = tuple(draw(st.integers(1, 4)) for _ in range(draw(st.integers(0, 2))))
    return (draw(st.integers(1, 3)), c) + spatial, groups


@given(group_cases(), st.integers(0, 2**16))
def test_group_norm_matches_reference(case, seed):
    shape, groups = case
    rng = np.random.default_rng(seed)
    x, w, b = rng.standard_normal(shape), rng.standard_normal(shape[1]), rng.standard_normal(shape[1])
    out = F.group_norm(mt.tensor(x), groups, mt.tensor(w), mt.tensor(b))
    np.testing.assert_allclose(out.numpy(), reference_group_norm(x, groups, w, b), rtol=1e-10, atol=1e-10)


@settings(max_examples=10)
@given(group_cases(), st.integers(0, 2**16))
def test_group_and_instance_norm_gradients(case, seed):
    shape, groups = case
    rng = np.random.default_rng(seed)
    x = mt.tensor(rng.standard_normal(shape), requires_grad=True)
    w = mt.tensor(rng.standard_normal(shape[1]), requires_grad=True)
    b = mt.tensor(rng.standard_normal(shape[1]), requires_grad=True)
    assert gradcheck(lambda *a: F.group_norm(a[0], groups, a[1], a[2]), (x, w, b))
    if len(shape) > 2 and np.prod(shape[2:]) > 1:
        assert gradcheck(lambda *a: F.instance_norm(a[0], weight=a[1], bias=a[2]), (x, w, b))


@pytest.mark.parametrize("shape, groups", [((3, 4, 5, 6), 2), ((2, 6, 7), 3), ((2, 4), 4), ((2, 6, 3, 2, 2), 1)])
def test_group_norm_layer_matches_torch(shape, groups):
    torch = pytest.importorskip("torch")
    ours, theirs = nn.GroupNorm(groups, shape[1]).double(), torch.nn.GroupNorm(groups, shape[1]).double()
    assert repr(ours) == repr(theirs)
    x = np.random.default_rng(0).standard_normal(shape)
    a, b = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ya, yb = ours(a), theirs(b)
    np.testing.assert_allclose(ya.detach().numpy(), yb.detach().numpy(), rtol=1e-10, atol=1e-10)
    g = np.random.default_rng(1).standard_normal(shape)
    ya.backward(mt.tensor(g))
    yb.backward(torch.tensor(g))
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("dims", [1, 2, 3])
@pytest.mark.parametrize("affine, track", [(False, False), (True, True), (True, False), (False, True)])
def test_instance_norm_layers_match_torch_in_train_and_eval(dims, affine, track):
    torch = pytest.importorskip("torch")
    name = f"InstanceNorm{dims}d"
    ours = getattr(nn, name)(3, affine=affine, track_running_stats=track).double()
    theirs = getattr(torch.nn, name)(3, affine=affine, track_running_stats=track).double()
    assert repr(ours) == repr(theirs)
    rng = np.random.default_rng(dims)
    for step in range(2):
        x = rng.standard_normal((2, 3) + (4,) * dims) * (step + 1)
        a, b = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        ya, yb = ours(a), theirs(b)
        np.testing.assert_allclose(ya.detach().numpy(), yb.detach().numpy(), rtol=1e-10, atol=1e-10)
        g = rng.standard_normal(x.shape)
        ya.backward(mt.tensor(g))
        yb.backward(torch.tensor(g))
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9, atol=1e-9)
    if track:
        np.testing.assert_allclose(ours.running_mean.numpy(), theirs.running_mean.numpy(), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(ours.running_var.numpy(), theirs.running_var.numpy(), rtol=1e-12, atol=1e-12)
    ours.eval()
    theirs.eval()
    x = rng.standard_normal((3,) + (4,) * dims)  # unbatched
    np.testing.assert_allclose(
        ours(mt.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(), rtol=1e-10, atol=1e-10
    )


def test_errors():
    with pytest.raises(ValueError, match=r"num_channels \(4\) must be divisible by num_groups \(3\)"):
        nn.GroupNorm(3, 4)
    with pytest.raises(RuntimeError, match="Expected number of channels in input to be divisible by num_groups"):
        F.group_norm(mt.zeros(2, 4, 3), 3)
    with pytest.raises(ValueError, match="Expected more than 1 spatial element when training"):
        nn.InstanceNorm2d(3)(mt.zeros(2, 3, 1, 1))
    with pytest.raises(ValueError, match="expected 3D or 4D input"):
        nn.InstanceNorm2d(3)(mt.zeros(2, 3))


@pytest.mark.parametrize("dims", [1, 2, 3])
def test_instance_norm_without_bias_as_torch(dims):
    """``bias=False`` (keyword-only, as PyTorch): a weight but no bias parameter."""
    torch = pytest.importorskip("torch")
    ours = getattr(nn, f"InstanceNorm{dims}d")(3, affine=True, bias=False)
    theirs = getattr(torch.nn, f"InstanceNorm{dims}d")(3, affine=True, bias=False)
    assert ours.bias is None and ours.weight is not None
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    assert repr(ours) == repr(theirs)
    a = np.random.default_rng(dims).standard_normal((2, 3) + (4,) * dims)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor([0.5, -2.0, 3.0]))
    ours.weight.data = mt.tensor(np.array([0.5, -2.0, 3.0], dtype=np.float32))
    x, tx = mt.tensor(a, dtype=mt.float32, requires_grad=True), torch.tensor(a, dtype=torch.float32, requires_grad=True)
    y, ty = ours(x), theirs(tx)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-5)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-4, atol=1e-4)
    with pytest.raises(TypeError):
        nn.InstanceNorm1d(3, 1e-5, 0.1, True, False, None, None, False)  # bias is keyword-only


@pytest.mark.parametrize("shape, groups", [((0, 2), 1), ((0, 4, 3), 2), ((2, 0), 1)])
def test_group_norm_of_empty_input_as_torch(shape, groups):
    """An empty batch (or no channels) gives an empty result and zero affine gradients."""
    c = shape[1]
    x = mt.zeros(*shape, dtype=mt.float64, requires_grad=True)
    w = mt.ones(c, dtype=mt.float64, requires_grad=True)
    b = mt.ones(c, dtype=mt.float64, requires_grad=True)
    out = F.group_norm(x, groups, w, b)
    assert out.shape == shape
    out.sum().backward()
    assert x.grad.shape == shape
    np.testing.assert_array_equal(w.grad.numpy(), np.zeros(c))
    np.testing.assert_array_equal(b.grad.numpy(), np.zeros(c))


@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.nn.functional.group_norm(
            lib.ones(1, 6, 3, dtype=lib.float64), 2, lib.ones(6, dtype=lib.float64), lib.ones(6, dtype=lib.bool)
        ),
        lambda lib: lib.nn.functional.group_norm(lib.ones(1, 6, 3, dtype=lib.float64), 2, lib.ones(6)),
        lambda lib: lib.nn.functional.group_norm(lib.ones(1, 6, 3), 2, lib.ones(2, 6)),
        lambda lib: lib.nn.functional.group_norm(lib.ones(1, 2, 3, dtype=lib.int64), 2),
        lambda lib: lib.nn.functional.layer_norm(lib.ones(1, 2, 3), (2, 3), lib.ones(2, 3), lib.ones(1, 2, 3)),
        lambda lib: lib.nn.functional.layer_norm(lib.ones(1, 2, 3), (2, 3), lib.ones(2, 3), lib.tensor(1.0)),
        lambda lib: lib.nn.functional.layer_norm(lib.ones(1, 2, 3, dtype=lib.float64), (2, 3), lib.ones(2, 3)),
        lambda lib: lib.nn.functional.layer_norm(lib.ones(1, 2, 3), (2, 1.5)),
        lambda lib: lib.nn.functional.layer_norm(lib.ones(1, 2, 3, dtype=lib.int64), (2, 3)),
        lambda lib: lib.nn.functional.instance_norm(lib.ones(1, 2, 3, dtype=lib.int64)),
    ],
)
def test_bad_parameters_raise_as_torch(call):
    """Parameters of another dtype or shape, integer inputs, float sizes: PyTorch's classes."""
    torch = pytest.importorskip("torch")
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)):
        call(mt)


def test_failed_instance_norm_leaves_running_statistics():
    rm, rv = mt.zeros(5, dtype=mt.float64), mt.ones(5, dtype=mt.float64)
    x = mt.randn(5, 5, 5, dtype=mt.float64)
    with pytest.raises(RuntimeError):
        F.instance_norm(x, rm, rv, mt.ones(2, 5, dtype=mt.float64), None, True, 0.5)
    np.testing.assert_array_equal(rm.numpy(), np.zeros(5))
    np.testing.assert_array_equal(rv.numpy(), np.ones(5))
