"""``nn.functional.interpolate``: nearest / linear resizing against a naive reference and
torch, gradients (gradcheck, gradgradcheck) and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import microtorch as mt
import microtorch.nn.functional as F
from microtorch.autograd import gradcheck, gradgradcheck


def naive_bilinear(a, out, align_corners):
    n, c, h, w = a.shape
    oh, ow = out
    res = np.zeros((n, c, oh, ow))

    def src(i, n_in, n_out):
        if align_corners:
            return i * (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
        return max((i + 0.5) * n_in / n_out - 0.5, 0.0)

    for i in range(oh):
        for j in range(ow):
            y, x = src(i, h, oh), src(j, w, ow)
            y0, x0 = min(int(math.floor(y)), h - 1), min(int(math.floor(x)), w - 1)
            y1, x1 = min(y0 + 1, h - 1), min(x0 + 1, w - 1)
            ly, lx = y - y0, x - x0
            res[:, :, i, j] = (
                (1 - ly) * (1 - lx) * a[:, :, y0, x0]
                + (1 - ly) * lx * a[:, :, y0, x1]
                + ly * (1 - lx) * a[:, :, y1, x0]
                + ly * lx * a[:, :, y1, x1]
            )
    return res


def naive_nearest(a, out):
    h, w = a.shape[2:]
    rows = [min(int(math.floor(i * np.float32(h / out[0]))), h - 1) for i in range(out[0])]
    cols = [min(int(math.floor(j * np.float32(w / out[1]))), w - 1) for j in range(out[1])]
    return a[:, :, rows][:, :, :, cols]


sizes = st.tuples(st.integers(1, 6), st.integers(1, 6))


@given(sizes, sizes, st.booleans(), st.integers(0, 2**16))
def test_bilinear_matches_naive(insize, outsize, align, seed):
    a = np.random.default_rng(seed).standard_normal((2, 2) + insize)
    y = F.interpolate(mt.tensor(a), size=outsize, mode="bilinear", align_corners=align)
    np.testing.assert_allclose(y.numpy(), naive_bilinear(a, outsize, align), rtol=1e-10, atol=1e-12)


@given(sizes, sizes, st.integers(0, 2**16))
def test_nearest_matches_naive(insize, outsize, seed):
    a = np.random.default_rng(seed).standard_normal((1, 2) + insize).astype(np.float32)
    y = F.interpolate(mt.tensor(a), size=outsize)
    np.testing.assert_array_equal(y.numpy(), naive_nearest(a, outsize))
    assert y.dtype == mt.float32


@pytest.mark.parametrize("mode", ["nearest", "bilinear", "nearest-exact"])
def test_gradients(mode):
    x = mt.tensor(np.random.default_rng(1).standard_normal((1, 2, 3, 4)), requires_grad=True)
    kw = {"align_corners": False} if mode == "bilinear" else {}
    fn = lambda t: F.interpolate(t, size=(5, 3), mode=mode, **kw)  # noqa: E731
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


def test_errors():
    x = mt.randn(1, 1, 4, 4)
    with pytest.raises(ValueError, match="interpolate: only one of size or scale_factor"):
        F.interpolate(x, size=2, scale_factor=2)
    with pytest.raises(ValueError, match="interpolate: either size or scale_factor"):
        F.interpolate(x)
    with pytest.raises(ValueError, match="interpolate: align_corners option"):
        F.interpolate(x, size=2, align_corners=True)
    with pytest.raises(NotImplementedError, match="interpolate: Got 3D input, but bilinear mode needs 4D"):
        F.interpolate(mt.randn(1, 1, 4), size=2, mode="bilinear")
    with pytest.raises(ValueError, match=r"interpolate: Input and output must have the same number"):
        F.interpolate(x, size=(2, 2, 2))


@settings(max_examples=20)
@given(
    st.integers(1, 3),
    st.lists(st.integers(1, 6), min_size=3, max_size=3),
    st.sampled_from(["nearest", "nearest-exact", "linear", "area"]),
    st.one_of(st.none(), st.booleans()),
    st.one_of(st.none(), st.sampled_from([0.5, 1.5, 2.0, 3.0, 0.7])),
    st.integers(0, 2**16),
)
def test_matches_torch(k, dims, mode, align, scale, seed):
    torch = pytest.importorskip("torch")
    if mode == "linear":
        mode = {1: "linear", 2: "bilinear", 3: "trilinear"}[k]
    else:
        align = None
    insize = tuple(dims[:k])
    a = np.random.default_rng(seed).standard_normal((2, 2) + insize)
    if scale is not None:
        if any(math.floor(n * scale) < 1 for n in insize):
            return
        kw = {"scale_factor": scale}
    else:
        kw = {"size": tuple(dims[::-1][:k])}
    x = mt.tensor(a, requires_grad=True)
    tx = torch.tensor(a, requires_grad=True)
    y = F.interpolate(x, mode=mode, align_corners=align, **kw)
    ty = torch.nn.functional.interpolate(tx, mode=mode, align_corners=align, **kw)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-9, atol=1e-12)
    go = np.random.default_rng(seed + 1).standard_normal(ty.shape)
    y.backward(mt.tensor(go))
    ty.backward(torch.tensor(go))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-12)


def _keys(x, a=-0.75):
    """The Keys cubic convolution kernel PyTorch uses (A = -0.75)."""
    x = abs(x)
    if x <= 1:
        return (a + 2) * x**3 - (a + 3) * x**2 + 1
    if x < 2:
        return a * x**3 - 5 * a * x**2 + 8 * a * x - 4 * a
    return 0.0


def naive_bicubic(a, out, align_corners, scales=(None, None)):
    """Per output pixel: 4x4 taps around the source point, edge-clamped, Keys-weighted."""
    n, c, h, w = a.shape
    res = np.zeros((n, c) + tuple(out))

    def src(i, n_in, n_out, scale):
        if align_corners:
            return i * (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
        ratio = 1 / scale if scale else n_in / n_out
        return (i + 0.5) * ratio - 0.5  # not clamped at 0, unlike linear

    for i in range(out[0]):
        for j in range(out[1]):
            y, x = src(i, h, out[0], scales[0]), src(j, w, out[1], scales[1])
            y0, x0 = math.floor(y), math.floor(x)
            for dy in range(-1, 3):
                for dx in range(-1, 3):
                    wgt = _keys(y - (y0 + dy)) * _keys(x - (x0 + dx))
                    yy, xx = min(max(y0 + dy, 0), h - 1), min(max(x0 + dx, 0), w - 1)
                    res[:, :, i, j] += wgt * a[:, :, yy, xx]
    return res


@given(sizes, sizes, st.booleans(), st.integers(0, 2**16))
def test_bicubic_matches_naive(insize, outsize, align, seed):
    a = np.random.default_rng(seed).standard_normal((2, 2) + insize)
    y = F.interpolate(mt.tensor(a), size=outsize, mode="bicubic", align_corners=align)
    np.testing.assert_allclose(y.numpy(), naive_bicubic(a, outsize, align), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("align", [False, True])
def test_bicubic_gradients(align):
    x = mt.tensor(np.random.default_rng(2).standard_normal((1, 2, 3, 4)), requires_grad=True)
    fn = lambda t: F.interpolate(t, size=(5, 2), mode="bicubic", align_corners=align)  # noqa: E731
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


@settings(max_examples=20)
@given(
    st.tuples(st.integers(1, 7), st.integers(1, 7)),
    st.one_of(st.tuples(st.integers(1, 9), st.integers(1, 9)), st.sampled_from([0.6, 1.7, 2.0, 3.5])),
    st.sampled_from([None, False, True]),
    st.sampled_from([None, False, True]),
    st.sampled_from(["float32", "float64"]),
    st.integers(0, 2**16),
)
def test_bicubic_matches_torch(insize, target, align, recompute, dtype, seed):
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(seed).standard_normal((2, 3) + insize).astype(dtype)
    kw = {"mode": "bicubic", "align_corners": align}
    if isinstance(target, tuple):
        kw["size"] = target
    else:
        kw.update(scale_factor=target, recompute_scale_factor=recompute)
    x, tx = mt.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    try:
        ty = torch.nn.functional.interpolate(tx, **kw)
    except RuntimeError:  # an empty output: ours must refuse it too
        with pytest.raises(RuntimeError):
            F.interpolate(x, **kw)
        return
    y = F.interpolate(x, **kw)
    tol = 1e-5 if dtype == "float32" else 1e-12
    assert y.dtype == x.dtype
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=tol, atol=tol)
    go = np.random.default_rng(seed + 1).standard_normal(ty.shape).astype(dtype)
    y.backward(mt.tensor(go))
    ty.backward(torch.tensor(go))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=tol * 10, atol=tol * 10)


def test_linear_source_coordinates_round_as_torch_in_float32():
    """345 -> 270 rows: float32 coordinates computed as one rounded multiply-add, as PyTorch's
    kernels do (rounding the product first moves row 200's weights by 2e-5)."""
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).standard_normal((1, 2, 345, 7)).astype(np.float32)
    for mode in ("bilinear", "bicubic"):
        ours = F.interpolate(mt.tensor(a), size=(270, 7), mode=mode).numpy()
        theirs = torch.nn.functional.interpolate(torch.tensor(a), size=(270, 7), mode=mode).numpy()
        np.testing.assert_allclose(ours, theirs, rtol=2e-6, atol=2e-6)


@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.nn.functional.interpolate(lib.ones(2, 3, 4, dtype=lib.bool), 3),
        lambda lib: lib.nn.functional.interpolate(lib.ones(2, 3, 4, dtype=lib.int64), 3, mode="linear"),
        lambda lib: lib.nn.functional.interpolate(lib.ones(2, 3, 4, 4, dtype=lib.bool), 3, mode="bicubic"),
        lambda lib: (
            lib.nn.functional.interpolate(lib.ones(2, 3, 4), 3, mode="area") * 0
            + lib.nn.functional.interpolate(lib.ones(2, 3, 4, dtype=lib.int64), 3, mode="area")
        ),
        lambda lib: lib.nn.functional.interpolate(lib.ones(2, 3, 4), (-997,)),
        lambda lib: lib.nn.functional.interpolate(lib.ones(2, 3, 0), (3,)),
        lambda lib: lib.nn.functional.interpolate(lib.ones(2, 0, 4), (3,), mode="linear"),
        lambda lib: lib.nn.functional.interpolate(lib.ones(2, 2, 3, 4), (3,), mode="linear"),
        lambda lib: lib.nn.functional.interpolate(lib.ones(3, 4, 4), (3, 3), mode="bilinear"),
        lambda lib: lib.nn.functional.interpolate(lib.ones(2, 3, 4, 4), (3, 3), mode="bilinear", align_corners="yes"),
        lambda lib: lib.nn.functional.interpolate(lib.ones(2, 3, 4), (1.5,), mode="area"),
        lambda lib: lib.nn.functional.interpolate(lib.ones(3, 4), 2),
    ],
)
def test_bad_input_raises_as_torch(call):
    """Unsupported dtypes, empty or too-small sizes, rank and type errors: PyTorch's classes."""
    torch = pytest.importorskip("torch")
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)):
        call(mt)


def test_uint8_nearest_and_empty_batch_as_torch():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).integers(0, 255, (2, 3, 5, 4)).astype(np.uint8)
    ours = F.interpolate(mt.tensor(a), (7, 3)).numpy()
    np.testing.assert_array_equal(ours, torch.nn.functional.interpolate(torch.tensor(a), (7, 3)).numpy())
    assert F.interpolate(mt.ones(0, 3, 4), 6, mode="linear").shape == (0, 3, 6)


@settings(max_examples=20)
@given(
    st.tuples(st.integers(1, 12), st.integers(1, 12)),
    st.one_of(st.tuples(st.integers(1, 12), st.integers(1, 12)), st.sampled_from([0.3, 0.5, 1.7, (2.5, 0.4)])),
    st.sampled_from([None, False, True]),
    st.sampled_from(["bilinear", "bicubic"]),
    st.sampled_from(["float32", "float64"]),
    st.integers(0, 2**16),
)
def test_antialias_matches_torch(insize, target, align, mode, dtype, seed):
    """antialias=True: Pillow's filters (triangle, cubic with A = -0.5) stretched when downsampling."""
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(seed).standard_normal((2, 3) + insize).astype(dtype)
    kw = {"mode": mode, "align_corners": align, "antialias": True}
    kw["size" if isinstance(target, tuple) and isinstance(target[0], int) else "scale_factor"] = target
    sizes = target if "size" in kw else [math.floor(n * f) for n, f in zip(insize, np.broadcast_to(target, 2))]
    # torch's separable kernel mishandles a height change when the output width is 1 (every row
    # comes out as the first); not reproduced here
    assume(not (sizes[1] == 1 and sizes[0] != insize[0]))
    x, tx = mt.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    try:
        ty = torch.nn.functional.interpolate(tx, **kw)
    except RuntimeError:  # an empty output: ours must refuse it too
        with pytest.raises(RuntimeError):
            F.interpolate(x, **kw)
        return
    y = F.interpolate(x, **kw)
    tol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=tol, atol=tol)
    go = np.random.default_rng(seed + 1).standard_normal(ty.shape).astype(dtype)
    y.backward(mt.tensor(go))
    ty.backward(torch.tensor(go))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=tol * 10, atol=tol * 10)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_antialias_keeps_constants_and_has_gradients(mode):
    y = F.interpolate(mt.full((1, 1, 9, 7), 2.5, dtype=mt.float64), (4, 3), mode=mode, antialias=True)
    np.testing.assert_allclose(y.numpy(), 2.5, rtol=1e-12)
    x = mt.tensor(np.random.default_rng(3).standard_normal((1, 2, 7, 5)), requires_grad=True)
    fn = lambda t: F.interpolate(t, size=(3, 8), mode=mode, antialias=True)  # noqa: E731
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))
    with pytest.raises(ValueError, match="Anti-alias"):
        F.interpolate(mt.ones(1, 2, 5), 3, mode="linear", antialias=True)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_antialias_weights_in_float32_as_torch(mode):
    """456 -> 270 columns in float32: window bounds and weights computed in float32, as PyTorch's."""
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).standard_normal((1, 2, 5, 456)).astype(np.float32)
    ours = F.interpolate(mt.tensor(a), size=(5, 270), mode=mode, antialias=True).numpy()
    theirs = torch.nn.functional.interpolate(torch.tensor(a), size=(5, 270), mode=mode, antialias=True).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=3e-6, atol=3e-6)
