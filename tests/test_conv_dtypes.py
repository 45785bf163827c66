"""Convolution dtypes as PyTorch's CPU: exact integer convolutions, float16 computed in
float32, PyTorch's errors for unsupported dtypes, mismatches and empty kernels."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from _conv_ref import kernel_path, naive_conv, naive_conv_transpose

import microtorch as mt
import microtorch.nn.functional as F

# (small route, dims, groups, stride, dilation, padding): every kernel route of the three
# kernels (small, stride 1 on the flat grid, strided windows, depthwise)
ROUTES = list(itertools.product([True, False], [1, 2, 3], [1, 4], [1, 2], [1, 2], [0, 1]))


def _int_case(rng, k, groups, transposed, low=-50, high=50, dtype=np.int64):
    cin, cout = 4, 4 if groups == 4 else 8
    x = rng.integers(low, high, (2, cin) + (7, 6, 5)[:k]).astype(dtype)
    kernel = (3, 2, 2)[:k]
    wshape = (cin, cout // groups) + kernel if transposed else (cout, cin // groups) + kernel
    w = rng.integers(low, high, wshape).astype(dtype)
    b = rng.integers(-5, 5, cout).astype(dtype)
    return x, w, b


@pytest.mark.parametrize("small, k, groups, stride, dilation, padding", ROUTES)
def test_int64_conv_is_exact_on_every_route(small, k, groups, stride, dilation, padding):
    x, w, b = _int_case(np.random.default_rng(k * 7 + groups), k, groups, False)
    with kernel_path(small):
        out = getattr(F, f"conv{k}d")(mt.tensor(x), mt.tensor(w), mt.tensor(b), stride, padding, dilation, groups)
    assert out.dtype == mt.int64
    ref = naive_conv(x, w, b, (stride,) * k, (padding,) * k, (dilation,) * k, groups)
    np.testing.assert_array_equal(out.numpy(), ref.astype(np.int64))


@pytest.mark.parametrize("small, k, groups, stride, dilation, padding", ROUTES)
def test_int64_conv_transpose_is_exact_on_every_route(small, k, groups, stride, dilation, padding):
    x, w, b = _int_case(np.random.default_rng(k * 5 + groups), k, groups, True)
    with kernel_path(small):
        fn = getattr(F, f"conv_transpose{k}d")
        out = fn(mt.tensor(x), mt.tensor(w), mt.tensor(b), stride, padding, 0, groups, dilation)
    assert out.dtype == mt.int64
    ref = naive_conv_transpose(x, w, b, (stride,) * k, (padding,) * k, (0,) * k, (dilation,) * k, groups)
    np.testing.assert_array_equal(out.numpy(), ref.astype(np.int64))


@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "int8", "uint8"])
@pytest.mark.parametrize("small", [True, False])
def test_integer_conv_wraps_as_torch(dtype, small):
    """Large values overflow: PyTorch's integer convolutions wrap, and so do ours (no float detour)."""
    torch = pytest.importorskip("torch")
    info = np.iinfo(dtype)
    x, w, b = _int_case(np.random.default_rng(1), 2, 1, False, info.min // 2, info.max // 2, dtype)
    with kernel_path(small):
        ours = F.conv2d(mt.tensor(x), mt.tensor(w), mt.tensor(b), 1, 1)
    theirs = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), torch.tensor(b), 1, 1)
    assert str(ours.dtype) == str(theirs.dtype)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_int64_conv_beyond_float64_precision_matches_torch():
    torch = pytest.importorskip("torch")
    x = np.array([[[2**40 + 1, 3, -(2**35) - 7]]], dtype=np.int64)
    w = np.array([[[2**20 + 3, 5]]], dtype=np.int64)
    ours = F.conv1d(mt.tensor(x), mt.tensor(w)).numpy()
    np.testing.assert_array_equal(ours, torch.nn.functional.conv1d(torch.tensor(x), torch.tensor(w)).numpy())
    ours = F.conv_transpose1d(mt.tensor(x), mt.tensor(w)).numpy()
    np.testing.assert_array_equal(ours, torch.nn.functional.conv_transpose1d(torch.tensor(x), torch.tensor(w)).numpy())


def _raises_like_torch(call, *arrays):
    torch = pytest.importorskip("torch")
    with pytest.raises(Exception) as theirs:
        call(torch.nn.functional, *[torch.tensor(a) for a in arrays])
    with pytest.raises(type(theirs.value)) as ours:
        call(F, *[mt.tensor(a) for a in arrays])
    assert str(theirs.value) in str(ours.value)


@pytest.mark.parametrize(
    "name, k, dtype",
    [("conv1d", 1, "bool"), ("conv2d", 2, "bool"), ("conv3d", 3, "bool")]
    + [(f"conv_transpose{k}d", k, d) for k in (1, 2, 3) for d in ("int32", "int16", "int8", "uint8", "bool")],
)
def test_unsupported_dtypes_raise_not_implemented_as_torch(name, k, dtype):
    x = np.ones((1, 2) + (4,) * k, dtype=dtype)
    w = np.ones((2, 2) + (2,) * k, dtype=dtype)
    _raises_like_torch(lambda lib, a, b: getattr(lib, name)(a, b), x, w)


@pytest.mark.parametrize("name", ["conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"])
@pytest.mark.parametrize(
    "dx, dw, db",
    [
        ("float32", "float64", None),
        ("float64", "float32", None),
        ("int64", "float32", None),
        ("float32", "float32", "float64"),
        ("float64", "float64", "float32"),
        ("float32", "float32", "int64"),
        ("int64", "int64", "float32"),
        ("int64", "int64", "int32"),
    ],
)
def test_dtype_mismatches_as_torch(name, dx, dw, db):
    """Mismatches raise as PyTorch's; transposed 1-D / 2-D take any bias castable to the output."""
    torch = pytest.importorskip("torch")
    k = int(name[-2])
    arrays = [np.arange(2 * 4**k).reshape((1, 2) + (4,) * k).astype(dx), np.ones((2, 2) + (2,) * k, dtype=dw)]
    if db is not None:
        arrays.append(np.array([3, -2], dtype=db))
    call = lambda lib, *t: getattr(lib, name)(*t)  # noqa: E731
    tts = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    try:
        theirs = call(torch.nn.functional, *tts)
    except RuntimeError:
        _raises_like_torch(call, *arrays)
        return
    ts = [mt.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    ours = call(F, *ts)
    assert str(ours.dtype) == str(theirs.dtype)
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
    if ours.requires_grad:
        ours.sum().backward()
        theirs.sum().backward()
        for m, t in zip(ts, tts):
            if t.requires_grad:
                assert str(m.grad.dtype) == str(t.grad.dtype)
                np.testing.assert_allclose(m.grad.numpy(), t.grad.numpy(), rtol=1e-6)


@pytest.mark.parametrize("name, k", [(f"conv{t}{k}d", k) for t in ("", "_transpose") for k in (1, 2, 3)])
@pytest.mark.parametrize("zero_dim", [0, 1, 2])
def test_empty_kernel_raises_as_torch(name, k, zero_dim):
    if zero_dim >= k:
        pytest.skip("no such kernel dim")
    kernel = [2] * k
    kernel[zero_dim] = 0
    x = np.ones((1, 1) + (3,) * k, dtype=np.float32)
    w = np.ones((1, 1) + tuple(kernel), dtype=np.float32)
    _raises_like_torch(lambda lib, a, b: getattr(lib, name)(a, b), x, w)


@pytest.mark.parametrize("name", ["conv2d", "conv_transpose2d", "conv_transpose3d"])
def test_empty_weight_raises_as_torch(name):
    k = int(name[-2])
    x = np.ones((1, 2) + (3,) * k, dtype=np.float32)
    w = np.ones((0, 2) + (2,) * k if name == "conv2d" else (2, 0) + (2,) * k, dtype=np.float32)
    _raises_like_torch(lambda lib, a, b: getattr(lib, name)(a, b), x, w)


@pytest.mark.parametrize("small", [True, False])
@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("groups", [1, 4])
def test_float16_conv_is_float32_rounded_once(small, stride, groups):
    """float16 computes in float32 and rounds the result (and each gradient) once, as PyTorch's CPU."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 4, 9, 8)).astype(np.float16)
    w = rng.standard_normal((4, 4 // groups, 3, 3)).astype(np.float16)
    b = rng.standard_normal(4).astype(np.float16)
    results = {}
    for dtype in ("float16", "float32"):
        ts = [mt.tensor(a.astype(dtype), requires_grad=True) for a in (x, w, b)]
        with kernel_path(small):
            out = F.conv2d(*ts, stride=stride, padding=1, groups=groups)
            grad = np.random.default_rng(5).standard_normal(out.shape).astype(np.float16)
            out.backward(mt.tensor(grad.astype(dtype)))
        results[dtype] = [out.detach().numpy()] + [t.grad.numpy() for t in ts[:2]]
    for half, single in zip(results["float16"], results["float32"]):
        assert half.dtype == np.float16
        np.testing.assert_array_equal(half, single.astype(np.float16))


@pytest.mark.parametrize("name", ["conv2d", "conv_transpose2d"])
def test_float16_conv_matches_torch(name):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 6, 10, 10)).astype(np.float16)
    w = rng.standard_normal((3, 6, 3, 3) if name == "conv2d" else (6, 3, 3, 3)).astype(np.float16)
    b = rng.standard_normal(3).astype(np.float16)
    ours = getattr(F, name)(mt.tensor(x), mt.tensor(w), mt.tensor(b), stride=2)
    theirs = getattr(torch.nn.functional, name)(torch.tensor(x), torch.tensor(w), torch.tensor(b), stride=2)
    assert ours.dtype == mt.float16
    # PyTorch's transposed kernel rounds its columns to float16 before col2im sums them;
    # ours rounds once, so it sits within a few float16 steps of torch's
    tol = 2e-3 if name == "conv2d" else 1e-2
    np.testing.assert_allclose(ours.numpy().astype(np.float64), theirs.numpy().astype(np.float64), rtol=tol, atol=tol)


def test_transposed_convolution_of_empty_positions_raises_as_torch():
    """PyTorch's transposed kernels take an empty batch or channel dim, never empty positions."""
    _raises_like_torch(
        lambda lib, a, b: lib.conv_transpose2d(a, b),
        np.ones((2, 4, 0, 4), np.float32),
        np.ones((4, 2, 2, 2), np.float32),
    )
    assert F.conv_transpose2d(mt.ones(0, 4, 3, 4), mt.ones(4, 2, 2, 2)).shape == (0, 2, 4, 5)
