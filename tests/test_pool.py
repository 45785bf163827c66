"""Max, average and LP pooling (1-3 dims) and max_unpool: forward against naive loops,
indices, the tie rule, ceil_mode sizes, gradients (gradcheck / gradgradcheck), errors,
and agreement with torch when it is installed."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import microtorch as mt
import microtorch.nn.functional as F
from microtorch.autograd import gradcheck, gradgradcheck
from microtorch.testing.strategies import pool_configs

MAX = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
AVG = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}
LP = {1: F.lp_pool1d, 2: F.lp_pool2d, 3: F.lp_pool3d}
UNPOOL = {1: F.max_unpool1d, 2: F.max_unpool2d, 3: F.max_unpool3d}


# --- naive references ------------------------------------------------------------------


def _out_size(n, k, s, p, d, ceil):
    span = d * (k - 1) + 1
    if ceil:
        o = math.ceil((n + 2 * p - span) / s) + 1
        if (o - 1) * s >= n + p:
            o -= 1
    else:
        o = (n + 2 * p - span) // s + 1
    return o


def _windows(spatial, kernel, stride, padding, dilation, ceil):
    """For each output position: the list of (flat index or None for padding) in scan order."""
    outs = [_out_size(*a, ceil) for a in zip(spatial, kernel, stride, padding, dilation)]
    for pos in itertools.product(*[range(o) for o in outs]):
        elems = []
        for offs in itertools.product(*[range(k) for k in kernel]):
            coords = [o * s + j * d - p for o, s, j, d, p in zip(pos, stride, offs, dilation, padding)]
            inside = all(0 <= c < n for c, n in zip(coords, spatial))
            elems.append(int(np.ravel_multi_index(coords, spatial)) if inside else None)
        yield pos, elems, outs


def naive_max_pool(x, kernel, stride, padding, dilation, ceil):
    k = len(kernel)
    spatial = x.shape[-k:]
    lead = x.shape[:-k]
    flat = x.reshape(lead + (-1,))
    res = idx = None
    for pos, elems, outs in _windows(spatial, kernel, stride, padding, dilation, ceil):
        if res is None:
            res = np.zeros(lead + tuple(outs), x.dtype)
            idx = np.zeros(lead + tuple(outs), np.int64)
        # a window made only of padding (possible with dilation): PyTorch gives -inf and the
        # flat position of the first window element past the left padding
        first = 0
        for o, s, p, d, n in zip(pos, stride, padding, dilation, spatial):
            c = o * s - p
            while c < 0:
                c += d
            first = first * n + c
        for li in np.ndindex(*lead):
            best, bi, found = -np.inf, first, False
            for e in elems:
                if e is not None and (not found or flat[li + (e,)] > best):
                    best, bi, found = flat[li + (e,)], e, True
            res[li + pos] = best
            idx[li + pos] = bi
    return res, idx


def naive_avg_pool(x, kernel, stride, padding, ceil, count_include_pad, divisor_override=None, divide=None):
    """Window sums divided by PyTorch's count (``divide(sum, count)``, true division by default)."""
    divide = divide or (lambda total, count: total / count)
    k = len(kernel)
    spatial = x.shape[-k:]
    lead = x.shape[:-k]
    flat = x.reshape(lead + (-1,))
    res = None
    dil = (1,) * k
    for pos, elems, outs in _windows(spatial, kernel, stride, padding, dil, ceil):
        if res is None:
            res = np.zeros(lead + tuple(outs), x.dtype)
        inside = [e for e in elems if e is not None]
        # positions inside input + padding (not beyond: the ceil_mode extra is never counted)
        in_pad = 1
        for o, s, p, kk, n in zip(pos, stride, padding, kernel, spatial):
            start = o * s - p
            in_pad *= min(start + kk, n + p) - start
        div = divisor_override or (in_pad if count_include_pad else len(inside))
        for li in np.ndindex(*lead):
            res[li + pos] = divide(sum(flat[li + (e,)] for e in inside), div)
    return res


def distinct(shape, seed=0, dtype=np.float64):
    """Well-separated distinct values (no ties), so max pooling is differentiable."""
    n = int(np.prod(shape))
    perm = np.random.default_rng(seed).permutation(n)
    return ((perm - n / 2) * 0.37).reshape(shape).astype(dtype)


def _cfg_args(cfg):
    return cfg["kernel_size"], cfg["stride"], cfg["padding"], cfg["dilation"], cfg["ceil_mode"]


# --- max pooling -------------------------------------------------------------------------


@given(pool_configs(), st.integers(0, 2**16))
def test_max_pool_forward_and_indices_match_naive(cfg, seed):
    k = len(cfg["kernel_size"])
    a = np.random.default_rng(seed).integers(-3, 4, size=cfg["shape"]).astype(np.float32)  # many ties
    out, idx = MAX[k](mt.tensor(a), *_cfg_args(cfg), return_indices=True)
    ref, ref_idx = naive_max_pool(a, *_cfg_args(cfg))
    assert out.dtype == mt.float32
    np.testing.assert_array_equal(out.numpy(), ref)
    np.testing.assert_array_equal(idx.numpy(), ref_idx)
    assert idx.dtype == mt.int64


@given(pool_configs(), st.sampled_from(["float64", "float32", "int32", "uint8"]), st.integers(0, 2**16))
def test_max_pool_gather_and_scan_routes_match_naive(cfg, dtype, seed):
    from microtorch.kernels import pool as kernels

    k = len(cfg["kernel_size"])
    assume(k > 1 or dtype.startswith("float"))  # torch's index-free 1-D kernel is float-only
    a = np.random.default_rng(seed).integers(0, 4, size=cfg["shape"]).astype(dtype)  # many ties
    results = []
    for gather_max in (10**9, -1):
        old = kernels.GATHER_MAX_SIZE, kernels.PHASE_LAYOUT_MIN_SIZE
        kernels.GATHER_MAX_SIZE, kernels.PHASE_LAYOUT_MIN_SIZE = gather_max, 10**9
        try:
            x = mt.tensor(a.astype(np.float64), requires_grad=True) if dtype == "float64" else None
            out, idx = MAX[k](mt.tensor(a), *_cfg_args(cfg), return_indices=True)
            plain = MAX[k](mt.tensor(a), *_cfg_args(cfg))
            grad = None
            if x is not None:
                MAX[k](x, *_cfg_args(cfg)).sum().backward()
                grad = x.grad.numpy()
        finally:
            kernels.GATHER_MAX_SIZE, kernels.PHASE_LAYOUT_MIN_SIZE = old
        results.append((out.numpy(), idx.numpy(), plain.numpy(), grad))
    ref, ref_idx = naive_max_pool(a.astype(np.float64), *_cfg_args(cfg))
    for out, idx, plain, _grad in results:
        np.testing.assert_array_equal(out, ref.astype(dtype))
        np.testing.assert_array_equal(idx, ref_idx)
        np.testing.assert_array_equal(plain, ref.astype(dtype))
        assert out.dtype == np.dtype(dtype)
    if results[0][3] is not None:
        np.testing.assert_array_equal(results[0][3], results[1][3])


@given(pool_configs(), st.integers(0, 2**16))
def test_max_pool_phase_layout_path_matches_naive(cfg, seed):
    from microtorch.kernels import pool as kernels

    k = len(cfg["kernel_size"])
    a = np.random.default_rng(seed).integers(-3, 4, size=cfg["shape"]).astype(np.float64)
    old = kernels.PHASE_LAYOUT_MIN_SIZE, kernels.GATHER_MAX_SIZE
    kernels.PHASE_LAYOUT_MIN_SIZE, kernels.GATHER_MAX_SIZE = 0, -1
    try:
        out, idx = MAX[k](mt.tensor(a), *_cfg_args(cfg), return_indices=True)
        plain = MAX[k](mt.tensor(a), *_cfg_args(cfg))
    finally:
        kernels.PHASE_LAYOUT_MIN_SIZE, kernels.GATHER_MAX_SIZE = old
    ref, ref_idx = naive_max_pool(a, *_cfg_args(cfg))
    np.testing.assert_array_equal(out.numpy(), ref)
    np.testing.assert_array_equal(plain.numpy(), ref)
    np.testing.assert_array_equal(idx.numpy(), ref_idx)


@settings(max_examples=10)
@given(pool_configs(max_side=5))
def test_max_pool_gradcheck(cfg):
    k = len(cfg["kernel_size"])
    x = mt.tensor(distinct(cfg["shape"]), requires_grad=True)
    with mt.no_grad():
        assume(np.isfinite(MAX[k](x, *_cfg_args(cfg)).numpy()).all())  # no window wholly in padding
    assert gradcheck(lambda t: MAX[k](t, *_cfg_args(cfg)), (x,))


@pytest.mark.parametrize("k", [1, 2, 3])
def test_max_pool_gradgradcheck(k):
    x = mt.tensor(distinct((1, 2) + (4,) * k, seed=k), requires_grad=True)
    assert gradgradcheck(lambda t: MAX[k](t, 2, 1, 1), (x,))


def test_max_pool_tie_rule_all_equal_first_element_and_overlap_accumulates():
    # 1-D: windows [0,1,2], [1,2,3], [2,3,4]: each picks its first element
    x = mt.ones(1, 1, 5, requires_grad=True)
    y, idx = F.max_pool1d(x, 3, stride=1, return_indices=True)
    assert idx.tolist() == [[[0, 1, 2]]]
    y.sum().backward()
    assert x.grad.tolist() == [[[1.0, 1.0, 1.0, 0.0, 0.0]]]
    # 2-D, 3x3 windows with stride 1 overlap: element (r, c) collects one per window it leads
    x = mt.full((1, 1, 4, 4), 2.5, dtype=mt.float64, requires_grad=True)
    y, idx = F.max_pool2d(x, 3, stride=1, return_indices=True)
    assert idx.tolist() == [[[[0, 1], [4, 5]]]]
    (y * mt.tensor([[[[1.0, 2.0], [3.0, 4.0]]]], dtype=mt.float64)).sum().backward()
    expected = np.zeros((4, 4))
    expected[0, 0], expected[0, 1], expected[1, 0], expected[1, 1] = 1, 2, 3, 4
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], expected)
    # overlapping windows sharing their first element accumulate: stride 1, padding 1
    x = mt.zeros(1, 1, 3, requires_grad=True)
    y, idx = F.max_pool1d(x, 3, stride=1, padding=1, return_indices=True)
    assert idx.tolist() == [[[0, 0, 1]]]  # padding is never chosen
    y.sum().backward()
    assert x.grad.tolist() == [[[2.0, 1.0, 0.0]]]


def test_all_neg_inf_window_index_is_first_in_bounds_element():
    x = mt.full((1, 1, 4), -math.inf)
    _, idx = F.max_pool1d(x, 3, stride=2, padding=1, return_indices=True)
    assert idx.tolist() == [[[0, 1]]]


@pytest.mark.parametrize(
    "n, k, s, p, ceil, expected",
    [
        (5, 2, 2, 0, False, 2),  # last full window
        (5, 2, 2, 0, True, 3),  # one more with ceil_mode
        (6, 2, 2, 0, True, 3),  # fits exactly: no extra window
        (7, 3, 2, 1, False, 4),
        (6, 3, 2, 1, True, 4),  # one more, partly over the right padding
        (4, 3, 3, 0, True, 2),
        (10, 3, 4, 1, True, 3),  # the extra window would start inside the right padding: dropped
        (5, 2, 3, 1, True, 2),  # likewise
    ],
)
def test_output_sizes_with_and_without_ceil_mode(n, k, s, p, ceil, expected):
    x = mt.randn(1, 1, n)
    assert F.max_pool1d(x, k, s, p, ceil_mode=ceil).shape == (1, 1, expected)
    assert F.avg_pool1d(x, k, s, p, ceil_mode=ceil).shape == (1, 1, expected)
    assert F.max_pool2d(mt.randn(1, n, n), k, s, p, ceil_mode=ceil).shape == (1, expected, expected)
    assert expected == _out_size(n, k, s, p, 1, ceil)


def test_unbatched_and_stride_default():
    a = distinct((3, 6, 7), dtype=np.float32)
    y = F.max_pool2d(mt.tensor(a), 2)
    yb = F.max_pool2d(mt.tensor(a[None]), (2, 2), stride=(2, 2))
    np.testing.assert_array_equal(y.numpy(), yb.numpy()[0])
    assert y.shape == (3, 3, 3)


def test_float32_kept_and_grad_dtype():
    x = mt.randn(2, 3, 8, 8, requires_grad=True)
    for fn in (lambda t: F.max_pool2d(t, 2), lambda t: F.avg_pool2d(t, 3, 2, 1), lambda t: F.lp_pool2d(t, 2, 2)):
        y = fn(x)
        assert y.dtype == mt.float32
        y.sum().backward()
        assert x.grad.dtype == mt.float32
        x.grad = None


def test_max_pool_no_grad_path_equals_grad_path():
    a = distinct((2, 3, 9, 9), dtype=np.float32)
    with mt.no_grad():
        y0 = F.max_pool2d(mt.tensor(a, requires_grad=True), 3, 2, 1)
    y1 = F.max_pool2d(mt.tensor(a, requires_grad=True), 3, 2, 1)
    np.testing.assert_array_equal(y0.numpy(), y1.detach().numpy())


def test_nan_propagates():
    a = np.arange(8, dtype=np.float32).reshape(1, 1, 8)
    a[0, 0, 2] = np.nan
    y, idx = F.max_pool1d(mt.tensor(a), 2, return_indices=True)
    assert np.isnan(y.numpy()[0, 0, 1]) and idx.tolist()[0][0][1] == 2


# --- average pooling ------------------------------------------------------------------------


@given(pool_configs(dilation=False), st.booleans(), st.sampled_from([None, 3]), st.integers(0, 2**16))
def test_avg_pool_forward_matches_naive(cfg, count_include_pad, divisor, seed):
    k = len(cfg["kernel_size"])
    a = np.random.default_rng(seed).standard_normal(cfg["shape"])
    assume(k < 3 or all(n >= kk for n, kk in zip(cfg["shape"][2:], cfg["kernel_size"])))  # torch's 3-D rule
    kw = {"divisor_override": divisor} if k > 1 else {}
    out = AVG[k](
        mt.tensor(a), cfg["kernel_size"], cfg["stride"], cfg["padding"], cfg["ceil_mode"], count_include_pad, **kw
    )
    ref = naive_avg_pool(
        a,
        cfg["kernel_size"],
        cfg["stride"],
        cfg["padding"],
        cfg["ceil_mode"],
        count_include_pad,
        kw.get("divisor_override"),
    )
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-12, atol=1e-12)


@settings(max_examples=10)
@given(pool_configs(dilation=False, max_side=5), st.booleans())
def test_avg_pool_gradcheck(cfg, count_include_pad):
    k = len(cfg["kernel_size"])
    assume(k < 3 or all(n >= kk for n, kk in zip(cfg["shape"][2:], cfg["kernel_size"])))  # torch's 3-D rule
    x = mt.tensor(distinct(cfg["shape"]), requires_grad=True)
    args = (cfg["kernel_size"], cfg["stride"], cfg["padding"], cfg["ceil_mode"], count_include_pad)
    assert gradcheck(lambda t: AVG[k](t, *args), (x,))


@pytest.mark.parametrize("k", [1, 2, 3])
def test_avg_pool_gradgradcheck(k):
    x = mt.tensor(distinct((1, 2) + (4,) * k, seed=k), requires_grad=True)
    assert gradgradcheck(lambda t: AVG[k](t, 3, 2, 1, True, False), (x,))


# --- LP pooling -------------------------------------------------------------------------------


def naive_lp(a, p, kernel, stride, ceil):
    s = naive_avg_pool(a**p, kernel, stride, (0,) * len(kernel), ceil, True) * math.prod(kernel)
    return np.sign(s) * np.maximum(np.abs(s), 0) ** (1.0 / p)


@given(pool_configs(dilation=False), st.sampled_from([1.0, 2, 3.0, 1.5]), st.integers(0, 2**16))
def test_lp_pool_forward_matches_definition(cfg, p, seed):
    k = len(cfg["kernel_size"])
    kernel = tuple(min(kk, n) for kk, n in zip(cfg["kernel_size"], cfg["shape"][2:]))
    a = np.random.default_rng(seed).uniform(0.1, 2.0, cfg["shape"])
    out = LP[k](mt.tensor(a), p, kernel, cfg["stride"], cfg["ceil_mode"])
    with np.errstate(invalid="ignore"):
        ref = naive_lp(a, p, kernel, cfg["stride"], cfg["ceil_mode"])
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-10)


def test_lp_pool_norm2_is_square_root_pooling_and_inf_is_max_of_abs():
    a = distinct((1, 1, 4, 4))
    y = F.lp_pool2d(mt.tensor(a), 2, 2)
    ref = np.sqrt((a**2).reshape(1, 1, 2, 2, 2, 2).sum(axis=(3, 5)))
    np.testing.assert_allclose(y.numpy(), ref)
    y = F.lp_pool2d(mt.tensor(a), math.inf, 2)
    np.testing.assert_array_equal(y.numpy(), np.abs(a).reshape(1, 1, 2, 2, 2, 2).max(axis=(3, 5)))


@pytest.mark.parametrize("k", [1, 2, 3])
def test_lp_pool_gradcheck_and_gradgradcheck(k):
    x = mt.tensor(np.abs(distinct((1, 2) + (4,) * k, seed=k)) + 0.5, requires_grad=True)
    assert gradcheck(lambda t: LP[k](t, 2.0, 2, 1), (x,))
    assert gradgradcheck(lambda t: LP[k](t, 3, 2), (x,))


# --- max_unpool ----------------------------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 2, 3])
def test_max_unpool_roundtrip_and_gradients(k):
    a = distinct((1, 2) + (4,) * k, seed=k) + 0.1  # no zeros
    y, idx = MAX[k](mt.tensor(a), 2, return_indices=True)
    u = UNPOOL[k](y, idx, 2)
    assert u.shape == a.shape
    un = u.numpy()
    # every pooled value sits at its index, zeros elsewhere
    assert np.count_nonzero(un) == y.numel()
    np.testing.assert_array_equal(np.sort(un[un != 0]), np.sort(y.numpy().ravel()))
    yt = mt.tensor(y.numpy(), requires_grad=True)
    assert gradcheck(lambda t: UNPOOL[k](t, idx, 2), (yt,))
    assert gradgradcheck(lambda t: UNPOOL[k](t, idx, 2), (yt,))


def test_max_unpool_output_size_and_bad_indices():
    x = mt.tensor(distinct((1, 1, 5, 5)))
    y, idx = F.max_pool2d(x, 2, return_indices=True)
    assert F.max_unpool2d(y, idx, 2, output_size=(5, 5)).shape == (1, 1, 5, 5)
    assert F.max_unpool2d(y, idx, 2, output_size=(1, 1, 5, 5)).shape == (1, 1, 5, 5)
    with pytest.raises(ValueError, match="max_unpool2d"):
        F.max_unpool2d(y, idx, 2, output_size=(9, 9))
    with pytest.raises(RuntimeError, match="max_unpool2d.*invalid max index: 99"):
        F.max_unpool2d(y, mt.full(idx.shape, 99, dtype=mt.int64), 2)


# --- bad input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda x: F.max_pool2d(x, 3, padding=2), r"max_pool2d: pad should be at most half.*pad=2 and kernel_size=3"),
        (lambda x: F.avg_pool2d(x, 3, padding=2), r"avg_pool2d: pad should be at most half"),
        (lambda x: F.max_pool2d(x, 5), r"max_pool2d: Given input size: \(2x4x4\).*\(2x0x0\).*too small"),
        (lambda x: F.avg_pool2d(x, 5), r"avg_pool2d: .*Output size is too small"),
        (lambda x: F.max_pool2d(x, 2, stride=0), r"max_pool2d: stride should not be zero"),
        (lambda x: F.max_pool2d(x, 2, stride=-1), r"max_pool2d: stride should be greater than zero"),
        (lambda x: F.avg_pool2d(x, 2, stride=(1, 0)), r"avg_pool2d: stride should not be zero"),
        (lambda x: F.max_pool2d(x, 2, dilation=0), r"max_pool2d: dilation should be greater than zero"),
        (lambda x: F.max_pool2d(x, 0), r"max_pool2d: kernel_size should be greater than zero"),
        (lambda x: F.max_pool2d(x[0, 0], 2), r"max_pool2d: Expected 3D or 4D .*got: \[4, 4\]"),
        (lambda x: F.max_pool1d(x, 2), r"max_pool1d: Expected 2D or 3D .*got: \[1, 2, 4, 4\]"),
        (lambda x: F.max_pool3d(x[0], 2), r"max_pool3d: Expected 4D or 5D"),
        (lambda x: F.avg_pool1d(x[0, 0, 0], 2), r"avg_pool1d: Expected 2D or 3D"),
        (lambda x: F.avg_pool2d(x, 2, divisor_override=0), r"avg_pool2d: divisor must be not zero"),
        (lambda x: F.lp_pool2d(x, 2, 5), r"lp_pool2d: .*Output size is too small"),
        (lambda x: F.avg_pool3d(x, (1, 2, 5), padding=(0, 1, 2)), r"avg_pool3d: input image .*smaller than kernel"),
        (lambda x: F.max_pool2d(x, (2, 2, 2)), r"max_pool2d: kernel_size must either be a single int, or a tuple of 2"),
        (lambda x: F.max_pool2d(mt.zeros(1, 0, 4, 4), 2), r"max_pool2d: Expected 3D or 4D"),
    ],
)
def test_bad_input_raises_runtime_error_naming_op(call, match):
    x = mt.randn(1, 2, 4, 4, requires_grad=True)
    with pytest.raises(RuntimeError, match=match):
        call(x)
    assert x.grad is None


def test_zero_batch_allowed():
    assert F.max_pool2d(mt.zeros(0, 2, 4, 4), 2).shape == (0, 2, 2, 2)
    assert F.avg_pool2d(mt.zeros(0, 2, 4, 4), 2).shape == (0, 2, 2, 2)


# --- against torch ---------------------------------------------------------------------------------


@settings(max_examples=20)
@given(pool_configs(), st.integers(0, 2**16))
def test_max_pool_matches_torch_forward_indices_gradients(cfg, seed):
    torch = pytest.importorskip("torch")
    k = len(cfg["kernel_size"])
    a = np.random.default_rng(seed).integers(-2, 3, size=cfg["shape"]).astype(np.float32)  # ties included
    g = np.random.default_rng(seed + 1)
    x = mt.tensor(a, requires_grad=True)
    tx = torch.tensor(a, requires_grad=True)
    y, idx = MAX[k](x, *_cfg_args(cfg), return_indices=True)
    tf = getattr(torch.nn.functional, f"max_pool{k}d")
    ty, tidx = tf(tx, *_cfg_args(cfg), return_indices=True)
    # a window wholly in the padding (dilation) makes torch scatter out of its plane: skip
    assume(int(tidx.max()) < math.prod(a.shape[2:]))
    np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
    go = g.standard_normal(ty.shape).astype(np.float32)
    y.backward(mt.tensor(go))
    ty.backward(torch.tensor(go))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6, atol=1e-6)
    default = [
        (o - 1) * s - 2 * p + kk for o, s, p, kk in zip(ty.shape[2:], cfg["stride"], cfg["padding"], cfg["kernel_size"])
    ]
    if not all(dd - s < n < dd + s for dd, s, n in zip(default, cfg["stride"], a.shape[2:])):
        return
    u = UNPOOL[k](y.detach(), idx, cfg["kernel_size"], cfg["stride"], cfg["padding"], output_size=a.shape[2:])
    tu = getattr(torch.nn.functional, f"max_unpool{k}d")(
        ty.detach(), tidx, cfg["kernel_size"], cfg["stride"], cfg["padding"], output_size=a.shape[2:]
    )
    np.testing.assert_array_equal(u.numpy(), tu.numpy())


@settings(max_examples=20)
@given(pool_configs(dilation=False), st.booleans(), st.sampled_from([None, 2]), st.integers(0, 2**16))
def test_avg_pool_matches_torch(cfg, count_include_pad, divisor, seed):
    torch = pytest.importorskip("torch")
    k = len(cfg["kernel_size"])
    assume(k < 3 or all(n >= kk for n, kk in zip(cfg["shape"][2:], cfg["kernel_size"])))  # torch's 3-D rule
    a = np.random.default_rng(seed).standard_normal(cfg["shape"])
    args = (cfg["kernel_size"], cfg["stride"], cfg["padding"], cfg["ceil_mode"], count_include_pad)
    kw = {"divisor_override": divisor} if k > 1 else {}
    x = mt.tensor(a, requires_grad=True)
    tx = torch.tensor(a, requires_grad=True)
    y = AVG[k](x, *args, **kw)
    ty = getattr(torch.nn.functional, f"avg_pool{k}d")(tx, *args, **kw)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    go = np.random.default_rng(seed + 1).standard_normal(ty.shape)
    y.backward(mt.tensor(go))
    ty.backward(torch.tensor(go))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-12)


@settings(max_examples=25)
@given(pool_configs(dilation=False), st.booleans(), st.sampled_from([None, 3, -2]), st.integers(0, 2**16))
def test_int64_avg_pool_is_exact_and_truncates_as_torch(cfg, count_include_pad, divisor, seed):
    """int64 average pooling: exact sums, quotient truncated toward zero (C++ division), as PyTorch."""
    k = len(cfg["kernel_size"])
    assume(k < 3 or all(n >= kk for n, kk in zip(cfg["shape"][2:], cfg["kernel_size"])))  # torch's 3-D rule
    a = np.random.default_rng(seed).integers(-(2**40), 2**40, cfg["shape"])
    args = (cfg["kernel_size"], cfg["stride"], cfg["padding"], cfg["ceil_mode"], count_include_pad)
    kw = {"divisor_override": divisor} if k > 1 else {}
    out = AVG[k](mt.tensor(a), *args, **kw)
    assert out.dtype == mt.int64

    def truncating(total, count):
        quotient = abs(int(total)) // abs(count)
        return quotient if (total >= 0) == (count > 0) else -quotient

    want = naive_avg_pool(a, *args, kw.get("divisor_override"), divide=truncating)
    np.testing.assert_array_equal(out.numpy(), want)
    torch = pytest.importorskip("torch")
    theirs = getattr(torch.nn.functional, f"avg_pool{k}d")(torch.tensor(a), *args, **kw)
    np.testing.assert_array_equal(out.numpy(), theirs.numpy())


@pytest.mark.parametrize("k", [1, 2, 3])
@pytest.mark.parametrize("dtype", ["int32", "int16", "int8", "uint8", "bool"])
def test_avg_pool_other_integer_dtypes_not_implemented_as_torch(k, dtype):
    torch = pytest.importorskip("torch")
    a = np.ones((1, 1) + (4,) * k, dtype=dtype)
    with pytest.raises(NotImplementedError) as theirs:
        getattr(torch.nn.functional, f"avg_pool{k}d")(torch.tensor(a), 2)
    with pytest.raises(NotImplementedError) as ours:
        AVG[k](mt.tensor(a), 2)
    assert str(theirs.value) in str(ours.value)


@settings(max_examples=15)
@given(pool_configs(dilation=False), st.sampled_from([1, 2, 3.0, 0.5, math.inf, -math.inf]), st.integers(0, 2**16))
def test_lp_pool_matches_torch(cfg, p, seed):
    torch = pytest.importorskip("torch")
    k = len(cfg["kernel_size"])
    kernel = tuple(min(kk, n) for kk, n in zip(cfg["kernel_size"], cfg["shape"][2:]))
    kernel = kernel[0] if k == 1 else kernel
    a = distinct(cfg["shape"], seed) / 3.0 + 0.05
    x = mt.tensor(a, requires_grad=True)
    tx = torch.tensor(a, requires_grad=True)
    y = LP[k](x, p, kernel, cfg["stride"], cfg["ceil_mode"])
    ty = getattr(torch.nn.functional, f"lp_pool{k}d")(tx, p, kernel, cfg["stride"], cfg["ceil_mode"])
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10, equal_nan=True)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-8, atol=1e-10, equal_nan=True)


def test_double_backward_matches_torch():
    torch = pytest.importorskip("torch")
    a = distinct((2, 2, 5, 5))
    for name, args in [("max_pool2d", (3, 1, 1)), ("avg_pool2d", (3, 2, 1)), ("lp_pool2d", (2.0, 2))]:
        b = np.abs(a) + 0.1 if name == "lp_pool2d" else a
        x = mt.tensor(b, requires_grad=True)
        tx = torch.tensor(b, requires_grad=True)
        (gx,) = mt.autograd.grad(getattr(F, name)(x, *args).pow(2).sum(), x, create_graph=True)
        (tgx,) = torch.autograd.grad(getattr(torch.nn.functional, name)(tx, *args).pow(2).sum(), tx, create_graph=True)
        (gx * gx).sum().backward()
        (tgx * tgx).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-9, err_msg=name)


def test_window_wholly_in_padding_gets_no_gradient():
    # kernel 2, dilation 2, padding 1 on length 1: the window reads positions -1 and 1
    x = mt.tensor([[[3.0], [4.0]]], dtype=mt.float64, requires_grad=True)
    y, idx = F.max_pool1d(x, 2, 1, 1, 2, return_indices=True)
    assert y.tolist() == [[[-math.inf], [-math.inf]]] and idx.tolist() == [[[1], [1]]]  # as torch
    y.backward(mt.ones_like(y))
    assert x.grad.tolist() == [[[0.0], [0.0]]]
    (g,) = mt.autograd.grad(F.max_pool1d(x, 2, 1, 1, 2), x, mt.ones(1, 2, 1, dtype=mt.float64), create_graph=True)
    (gg,) = mt.autograd.grad(g.sum(), x, allow_unused=True) if g.requires_grad else (None,)
    assert gg is None or gg.tolist() == [[[0.0], [0.0]]]


@pytest.mark.parametrize("phase_min, gather_max", [(0, -1), (10**9, -1), (10**9, 4096)])
def test_nan_matches_torch_on_every_path(phase_min, gather_max):
    torch = pytest.importorskip("torch")
    from microtorch.kernels import pool as kernels

    a = np.random.default_rng(0).standard_normal((2, 3, 9, 9)).astype(np.float32)
    a[0, 0, 2, 3] = a[1, 2, 5, 5] = a[1, 2, 5, 6] = np.nan
    old = kernels.PHASE_LAYOUT_MIN_SIZE, kernels.GATHER_MAX_SIZE
    kernels.PHASE_LAYOUT_MIN_SIZE, kernels.GATHER_MAX_SIZE = phase_min, gather_max
    try:
        y, idx = F.max_pool2d(mt.tensor(a), 3, 2, 1, return_indices=True)
    finally:
        kernels.PHASE_LAYOUT_MIN_SIZE, kernels.GATHER_MAX_SIZE = old
    ty, tidx = torch.nn.functional.max_pool2d(torch.tensor(a), 3, 2, 1, return_indices=True)
    np.testing.assert_array_equal(y.numpy(), ty.numpy())
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())


@pytest.mark.parametrize("args", [(3, 2, 1), (2, 2, 0), (3, 1, 1, 2)])
def test_large_input_paths_match_torch(args):
    # above PHASE_LAYOUT_MIN_SIZE: the stride-phase layout path, with ties from rounding
    torch = pytest.importorskip("torch")
    a = np.round(np.random.default_rng(3).standard_normal((2, 8, 64, 64)), 1).astype(np.float32)
    x = mt.tensor(a, requires_grad=True)
    tx = torch.tensor(a, requires_grad=True)
    y, idx = F.max_pool2d(x, *args, return_indices=True)
    ty, tidx = torch.nn.functional.max_pool2d(tx, *args, return_indices=True)
    np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
    go = np.random.default_rng(4).standard_normal(ty.shape).astype(np.float32)
    y.backward(mt.tensor(go))
    ty.backward(torch.tensor(go))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.nn.functional.avg_pool1d(lib.ones(2, 3, 9), (1.5,)),
        lambda lib: lib.nn.functional.avg_pool3d(lib.ones(2, 3, 3, 4, 4), (2, 2, 1.5)),
        lambda lib: lib.nn.functional.avg_pool2d(lib.ones(1, 3, 9, 9), 3, 1, 1, True, "yes"),
        lambda lib: lib.nn.functional.avg_pool2d(lib.ones(1, 3, 9, 9), 3, ceil_mode=1),
        lambda lib: lib.nn.functional.max_pool2d(lib.ones(1, 3, 9, 9), 3, padding="1"),
        lambda lib: lib.nn.functional.max_pool2d(lib.ones(1, 3, 9, 9), True),
        lambda lib: lib.nn.functional.avg_pool2d(lib.tensor(1.0), 3),
        lambda lib: lib.nn.functional.max_pool1d(lib.ones(1, 2, 3, dtype=lib.bool), 3),
        lambda lib: lib.nn.functional.max_pool1d(lib.ones(1, 2, 3, dtype=lib.int64), 3),
        lambda lib: lib.nn.functional.max_pool2d(lib.ones(1, 2, 3, 3, dtype=lib.bool), 3),
        lambda lib: lib.nn.functional.max_pool3d(lib.ones(1, 2, 3, 3, 3, dtype=lib.bool), 3, return_indices=True),
    ],
)
def test_bad_argument_types_and_dtypes_raise_as_torch(call):
    """Float or bool sizes, non-bool flags, 0-d inputs and unsupported dtypes: PyTorch's classes."""
    torch = pytest.importorskip("torch")
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)):
        call(mt)


def test_integer_max_pool_with_indices_as_torch():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).integers(-9, 9, (2, 3, 7))
    ours, oi = F.max_pool1d(mt.tensor(a), 3, 2, return_indices=True)
    theirs, ti = torch.nn.functional.max_pool1d(torch.tensor(a), 3, 2, return_indices=True)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    np.testing.assert_array_equal(oi.numpy(), ti.numpy())
    a2 = a.reshape(2, 3, 7, 1).repeat(2, axis=3)
    ours = F.max_pool2d(mt.tensor(a2), (3, 1), 2)
    np.testing.assert_array_equal(ours.numpy(), torch.nn.functional.max_pool2d(torch.tensor(a2), (3, 1), 2).numpy())


@pytest.mark.parametrize("indices", [False, True])
def test_sizes_beyond_int32_raise_as_torch(indices):
    """PyTorch's pooling kernels take C ints, except 1-D max pooling without indices."""
    x = mt.ones(1, 2, 3)
    if indices:
        with pytest.raises(RuntimeError, match="without overflow"):
            F.max_pool1d(x, 3, stride=2**40, return_indices=True)
    else:
        assert F.max_pool1d(x, 3, stride=2**40).shape == (1, 2, 1)
    with pytest.raises(RuntimeError, match="without overflow"):
        F.avg_pool1d(x, 3, stride=2**40)


@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.nn.functional.max_unpool1d(
            lib.ones(1, 2, 1, dtype=lib.bool), lib.zeros(1, 2, 1, dtype=lib.int64), 3, 2, 0, (1, 2, 3)
        ),
        lambda lib: lib.nn.functional.max_unpool2d(
            lib.ones(1, 2, 1, 3, dtype=lib.int64), lib.zeros(1, 2, 1, 3, dtype=lib.int64), 3, 2
        ),
        lambda lib: lib.nn.functional.max_unpool1d(lib.ones(1, 2, 1), lib.zeros(1, 2, 1, dtype=lib.int64), 3, 2, 1.5),
        lambda lib: lib.nn.functional.max_unpool2d(
            lib.ones(1, 2, 1, 3), lib.zeros(1, 2, 1, 3, dtype=lib.int64), 3, 0, 0, (1, 2, 3, 6)
        ),
        lambda lib: lib.nn.functional.max_unpool2d(
            lib.ones(1, 2, 2, 3), lib.zeros(1, 2, 1, 3, dtype=lib.int64), 3, 2, 0, (1, 2, 3, 6)
        ),
        lambda lib: lib.nn.functional.max_unpool1d(lib.tensor(1.0), lib.zeros(1, 2, 1, dtype=lib.int64), 3, 2),
    ],
)
def test_max_unpool_checks_in_torch_order(call):
    """The output size is checked first (PyTorch's Python-level ValueError), then the kernel's rules."""
    torch = pytest.importorskip("torch")
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)):
        call(mt)


@pytest.mark.parametrize("fn", ["avg_pool2d", "lp_pool2d"])
@pytest.mark.parametrize("shape", [(), (6,), (6, 6)])
def test_two_dim_pooling_of_low_rank_input_is_an_index_error_as_torch(fn, shape):
    torch = pytest.importorskip("torch")
    args = (2, 2) if fn == "lp_pool2d" else (2,)
    with pytest.raises(IndexError):
        getattr(torch.nn.functional, fn)(torch.ones(shape), *args)
    with pytest.raises(IndexError):
        getattr(F, fn)(mt.ones(shape), *args)


@pytest.mark.parametrize("value", [2.0, True, "2"])
@pytest.mark.parametrize("fn", ["avg_pool2d", "avg_pool3d"])
def test_divisor_override_must_be_an_int_as_torch(fn, value):
    torch = pytest.importorskip("torch")
    shape = (1, 1, 4, 4) if fn == "avg_pool2d" else (1, 1, 4, 4, 4)
    with pytest.raises(TypeError) as theirs:
        getattr(torch.nn.functional, fn)(torch.ones(shape), 2, divisor_override=value)
    with pytest.raises(TypeError, match="divisor_override"):
        getattr(F, fn)(mt.ones(shape), 2, divisor_override=value)
    assert "must be int" in str(theirs.value)
    window = 2 ** (len(shape) - 2)
    assert getattr(F, fn)(mt.ones(shape), 2, divisor_override=np.int64(3)).numpy().max() == pytest.approx(window / 3)


@pytest.mark.parametrize("gather_max", [10**9, -1])
@pytest.mark.parametrize("shape", [(1, 16, 10, 10), (2, 3, 8, 8), (16, 10, 10), (1, 6, 28, 28)])
def test_max_pool_results_are_contiguous_as_torch(shape, gather_max, monkeypatch):
    # a view of the result must work (the notes' and the tutorials' x.view(-1, n) after pooling)
    from microtorch.kernels import pool as kernels

    torch = pytest.importorskip("torch")
    monkeypatch.setattr(kernels, "GATHER_MAX_SIZE", gather_max)
    a = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    for call in (lambda F, x: F.max_pool2d(x, 2), lambda F, x: F.max_pool2d(x, 3, 2, 1, return_indices=True)[1]):
        ours, theirs = call(F, mt.tensor(a)), call(torch.nn.functional, torch.tensor(a))
        assert ours.is_contiguous() and ours.stride() == theirs.stride()
        assert ours.view(-1).shape == theirs.view(-1).shape
