"""F.unfold / F.fold (im2col / col2im): naive references, adjointness, gradients, torch, errors."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microtorch as mt
import microtorch.nn.functional as F
from microtorch.autograd import gradcheck, gradgradcheck


@st.composite
def unfold_cases(draw, max_side: int = 7):
    """(input shape, kernel, dilation, padding, stride) with at least one block per dim."""
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(2))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(2))
    padding = tuple(draw(st.integers(0, 2)) for _ in range(2))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(2))
    lows = [max(1, d * (k - 1) + 1 - 2 * p) for k, d, p in zip(kernel, dilation, padding)]
    spatial = tuple(draw(st.integers(lo, max(lo, max_side))) for lo in lows)
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3))) + spatial
    return shape, kernel, dilation, padding, stride


def _blocks(spatial, kernel, dilation, padding, stride):
    return [
        (s + 2 * p - d * (k - 1) - 1) // st + 1 for s, k, d, p, st in zip(spatial, kernel, dilation, padding, stride)
    ]


def naive_unfold(x, kernel, dilation, padding, stride):
    """out[n, c*kH*kW + i*kW + j, l] = xpad[n, c, oh*sH + i*dH, ow*sW + j*dW], l = oh*OW + ow."""
    n, c = x.shape[:2]
    xp = np.pad(x, [(0, 0), (0, 0)] + [(p, p) for p in padding])
    oh, ow = _blocks(x.shape[2:], kernel, dilation, padding, stride)
    out = np.zeros((n, c * kernel[0] * kernel[1], oh * ow))
    for b, ch, i, j, r, q in itertools.product(
        range(n), range(c), range(kernel[0]), range(kernel[1]), range(oh), range(ow)
    ):
        row = (ch * kernel[0] + i) * kernel[1] + j
        out[b, row, r * ow + q] = xp[b, ch, r * stride[0] + i * dilation[0], q * stride[1] + j * dilation[1]]
    return out


def naive_fold(cols, out_spatial, kernel, dilation, padding, stride):
    """Every column element added back at the input position it was read from."""
    n = cols.shape[0]
    c = cols.shape[1] // (kernel[0] * kernel[1])
    oh, ow = _blocks(out_spatial, kernel, dilation, padding, stride)
    canvas = np.zeros((n, c, out_spatial[0] + 2 * padding[0], out_spatial[1] + 2 * padding[1]))
    for b, ch, i, j, r, q in itertools.product(
        range(n), range(c), range(kernel[0]), range(kernel[1]), range(oh), range(ow)
    ):
        row = (ch * kernel[0] + i) * kernel[1] + j
        canvas[b, ch, r * stride[0] + i * dilation[0], q * stride[1] + j * dilation[1]] += cols[b, row, r * ow + q]
    return canvas[:, :, padding[0] : padding[0] + out_spatial[0], padding[1] : padding[1] + out_spatial[1]]


@given(unfold_cases(), st.integers(0, 2**16))
def test_unfold_and_fold_match_naive_references(case, seed):
    shape, kernel, dilation, padding, stride = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    opts = dict(kernel_size=kernel, dilation=dilation, padding=padding, stride=stride)
    cols = F.unfold(mt.tensor(x), **opts)
    np.testing.assert_array_equal(cols.numpy(), naive_unfold(x, kernel, dilation, padding, stride))
    c = rng.standard_normal(tuple(cols.shape))
    folded = F.fold(mt.tensor(c), shape[2:], **opts)
    np.testing.assert_allclose(folded.numpy(), naive_fold(c, shape[2:], kernel, dilation, padding, stride), atol=1e-12)
    # fold is unfold's adjoint: <unfold(x), c> == <x, fold(c)>
    np.testing.assert_allclose(np.sum(cols.numpy() * c), np.sum(x * folded.numpy()), rtol=1e-10, atol=1e-10)


@settings(max_examples=10)
@given(unfold_cases(max_side=4), st.integers(0, 2**16))
def test_gradients_and_double_backward(case, seed):
    shape, kernel, dilation, padding, stride = case
    opts = dict(kernel_size=kernel, dilation=dilation, padding=padding, stride=stride)
    rng = np.random.default_rng(seed)
    x = mt.tensor(rng.standard_normal(shape), requires_grad=True)
    assert gradcheck(lambda t: F.unfold(t, **opts), (x,))
    assert gradgradcheck(lambda t: F.unfold(t, **opts) ** 2, (x,))
    cols = mt.tensor(rng.standard_normal(tuple(F.unfold(x, **opts).shape)), requires_grad=True)
    assert gradcheck(lambda t: F.fold(t, shape[2:], **opts), (cols,))
    assert gradgradcheck(lambda t: F.fold(t, shape[2:], **opts) ** 2, (cols,))


def test_convolution_is_a_matmul_with_unfolded_input():
    """PyTorch's documented identity: conv2d(x, w) == (w.view(O, -1) @ unfold(x)).view(N, O, OH, OW)."""
    rng = np.random.default_rng(0)
    x = mt.tensor(rng.standard_normal((2, 3, 7, 6)))
    w = mt.tensor(rng.standard_normal((4, 3, 3, 2)))
    cols = F.unfold(x, (3, 2), padding=1, stride=(2, 1))
    via_matmul = (w.view(4, -1) @ cols).view(2, 4, 4, 7)
    direct = F.conv2d(x, w, padding=1, stride=(2, 1))
    np.testing.assert_allclose(via_matmul.numpy(), direct.numpy(), rtol=1e-12, atol=1e-12)


def test_unbatched_inputs_and_float32():
    x = mt.randn(3, 5, 6)
    cols = F.unfold(x, 2, stride=2)
    assert tuple(cols.shape) == (12, 6) and cols.dtype == mt.float32
    back = F.fold(cols, (5, 6), 2, stride=2)
    assert tuple(back.shape) == (3, 5, 6) and back.dtype == mt.float32
    empty = F.unfold(mt.zeros(0, 2, 4, 4), 2)
    assert tuple(empty.shape) == (0, 8, 9)
    assert tuple(F.fold(mt.zeros(0, 8, 9), 4, 2).shape) == (0, 2, 4, 4)


def test_modules_and_repr():
    unfold, fold = mt.nn.Unfold((2, 3), padding=1), mt.nn.Fold(4, 2)
    assert repr(unfold) == "Unfold(kernel_size=(2, 3), dilation=1, padding=1, stride=1)"
    assert repr(fold) == "Fold(output_size=4, kernel_size=2, dilation=1, padding=0, stride=1)"
    x = mt.randn(1, 2, 4, 4)
    assert tuple(fold(mt.nn.Unfold(2)(x)).shape) == (1, 2, 4, 4)
    assert tuple(unfold(x).shape) == (1, 12, 20)


@settings(max_examples=10)
@given(unfold_cases(), st.integers(0, 2**16))
def test_matches_torch(case, seed):
    torch = pytest.importorskip("torch")
    shape, kernel, dilation, padding, stride = case
    opts = dict(kernel_size=kernel, dilation=dilation, padding=padding, stride=stride)
    x = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    mx, tx = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    mc, tc = F.unfold(mx, **opts), torch.nn.functional.unfold(tx, **opts)
    np.testing.assert_array_equal(mc.detach().numpy(), tc.detach().numpy())
    mf, tf = F.fold(mc * 2, shape[2:], **opts), torch.nn.functional.fold(tc * 2, shape[2:], **opts)
    np.testing.assert_allclose(mf.detach().numpy(), tf.detach().numpy(), rtol=1e-6, atol=1e-6)
    g = np.random.default_rng(seed + 1).standard_normal(shape).astype(np.float32)
    mf.backward(mt.tensor(g))
    tf.backward(torch.tensor(g))
    np.testing.assert_allclose(mx.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-5)
    assert mc.grad_fn.name() == tc.grad_fn.name() and mf.grad_fn.name() == tf.grad_fn.name()


BAD = [
    ("unfold", lambda f: f.unfold(_t((2, 3, 4, 4, 4)), 2), RuntimeError, "Expected 3D or 4D"),
    (
        "unfold",
        lambda f: f.unfold(_t((2, 3, 5, 6)), 7),
        RuntimeError,
        "calculated shape of the array of sliding blocks",
    ),
    ("unfold", lambda f: f.unfold(_t((2, 3, 5, 6)), 2, stride=0), RuntimeError, "stride should be greater than zero"),
    ("unfold", lambda f: f.unfold(_t((2, 3, 5, 6)), 2, padding=-1), RuntimeError, "padding should be non-negative"),
    ("unfold", lambda f: f.unfold(_t((2, 3, 5, 6)), 2, dilation=0), RuntimeError, "dilation should be greater than"),
    ("unfold", lambda f: f.unfold(_t((2, 3, 5, 6)), 0), RuntimeError, "kernel size should be greater than zero"),
    ("unfold", lambda f: f.unfold(_t((2, 3, 5, 6)), [2]), RuntimeError, "expected kernel_size equals to 2"),
    ("unfold", lambda f: f.unfold(_t((1, 0, 4, 4)), 2), RuntimeError, "Expected 3D or 4D"),
    ("fold", lambda f: f.fold(_t((2, 7, 9)), (4, 4), 2), RuntimeError, "divisible by the product of kernel_size"),
    ("fold", lambda f: f.fold(_t((2, 8, 8)), (4, 4), 2), RuntimeError, "calculated number of sliding blocks 3 * 3"),
    ("fold", lambda f: f.fold(_t((2, 2, 8, 9)), (4, 4), 2), RuntimeError, "Expected 2D or 3D"),
    ("fold", lambda f: f.fold(_t((2, 8, 9)), (4, 4, 4), 2), RuntimeError, "expected output_size equals to 2"),
]

_LIB = {}


def _t(shape):
    return _LIB["tensor"](np.ones(shape, dtype=np.float32))


@pytest.mark.parametrize("name, call, error, message", BAD)
def test_bad_input_raises_pytorchs_error(name, call, error, message):
    _LIB["tensor"] = mt.tensor
    with pytest.raises(error, match=message.replace("*", r"\*")):
        call(F)


@pytest.mark.parametrize("name, call, error, message", BAD)
def test_bad_input_error_text_equals_torchs(name, call, error, message):
    torch = pytest.importorskip("torch")
    _LIB["tensor"] = mt.tensor
    with pytest.raises(error) as ours:
        call(F)
    _LIB["tensor"] = torch.tensor
    with pytest.raises(error) as theirs:
        call(torch.nn.functional)
    assert str(ours.value) == str(theirs.value)


def test_integer_input_is_not_implemented_as_in_torch():
    with pytest.raises(NotImplementedError, match="im2col_out_cpu"):
        F.unfold(mt.ones(1, 1, 3, 3, dtype=mt.int64), 2)


def test_bool_unfold_and_fold_match_torch():
    """Bool im2col / col2im as PyTorch's CPU kernels: exact copies, overlaps combined with or."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.random((2, 3, 5, 4)) > 0.5
    ours = F.unfold(mt.tensor(x), (2, 3), dilation=(1, 2), padding=1, stride=(2, 1))
    theirs = torch.nn.functional.unfold(torch.tensor(x), (2, 3), dilation=(1, 2), padding=1, stride=(2, 1))
    assert ours.dtype == mt.bool
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    np.testing.assert_array_equal(ours.numpy(), naive_unfold(x, (2, 3), (1, 2), (1, 1), (2, 1)))
    cols = rng.random((2, 3 * 4, 9)) > 0.7
    ours = F.fold(mt.tensor(cols), (4, 4), (2, 2), stride=1)
    theirs = torch.nn.functional.fold(torch.tensor(cols), (4, 4), (2, 2), stride=1)
    assert ours.dtype == mt.bool
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.nn.functional.unfold(lib.ones(1, 1, 5, 5), 2, "1"),
        lambda lib: lib.nn.functional.unfold(lib.ones(1, 1, 5, 5), (2, 1.5)),
        lambda lib: lib.nn.functional.fold(lib.ones(1, 4, 16), (5, 5), 2, stride=True),
    ],
)
def test_non_int_sizes_are_type_errors_as_torch(call):
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError):
        call(torch)
    with pytest.raises(TypeError):
        call(mt)
