"""The separable max-pooling route (one spatial dim at a time on the phase-major layout)
gives exactly the scan route's maxima and first-maximum indices, and torch's.

Both routes are forced on small inputs (``PHASE_LAYOUT_MIN_SIZE = 0``), with many ties,
integer dtypes, NaN, windows wholly in the padding, dilation and ceil_mode.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from test_pool import MAX, _cfg_args, naive_max_pool

import microtorch as mt
import microtorch.nn.functional as F
from microtorch.autograd import gradcheck
from microtorch.kernels import pool as kernels
from microtorch.testing.strategies import pool_configs


@pytest.fixture(params=[True, False], ids=["separable", "scan"])
def route(request, monkeypatch):
    """Force one max-pooling route on every input size."""
    monkeypatch.setattr(kernels, "PHASE_LAYOUT_MIN_SIZE", 0)
    monkeypatch.setattr(kernels, "GATHER_MAX_SIZE", -1)
    monkeypatch.setattr(kernels, "SEPARABLE_MAX", request.param)
    return request.param


def _both_routes(fn):
    """``fn()`` with the separable route, then with the scan route (both on every size)."""
    results = []
    for separable in (True, False):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(kernels, "PHASE_LAYOUT_MIN_SIZE", 0)
            mp.setattr(kernels, "GATHER_MAX_SIZE", -1)
            mp.setattr(kernels, "SEPARABLE_MAX", separable)
            results.append(fn())
    return results


@settings(max_examples=60)
@given(
    pool_configs(max_side=7),
    st.sampled_from(["float32", "float64", "int32", "int8", "uint8"]),
    st.integers(0, 2**16),
)
def test_separable_matches_naive_and_scan_with_ties(cfg, dtype, seed):
    k = len(cfg["kernel_size"])
    assume(k > 1 or dtype.startswith("float"))  # torch's index-free 1-D kernel is float-only
    a = np.random.default_rng(seed).integers(0, 4, size=cfg["shape"]).astype(dtype)  # many ties
    ref, ref_idx = naive_max_pool(a.astype(np.float64), *_cfg_args(cfg))
    if a.dtype.kind in "iu":  # a window wholly in the padding holds the dtype's lowest value
        ref = np.where(np.isneginf(ref), np.iinfo(a.dtype).min, ref)
    for out, idx, plain in _both_routes(
        lambda: MAX[k](mt.tensor(a), *_cfg_args(cfg), return_indices=True) + (MAX[k](mt.tensor(a), *_cfg_args(cfg)),)
    ):
        np.testing.assert_array_equal(out.numpy(), ref)
        np.testing.assert_array_equal(plain.numpy(), ref)
        np.testing.assert_array_equal(idx.numpy(), ref_idx)


@pytest.mark.parametrize("kernel", [(5, 5, 5), (6, 6, 4)])  # int8 and int16 offset codes
def test_large_kernels_offset_codes(kernel):
    a = np.random.default_rng(1).integers(0, 3, size=(1, 2, 7, 8, 6)).astype(np.float32)
    ref, ref_idx = naive_max_pool(a, kernel, (2, 1, 2), (2, 2, 2), (1, 1, 1), False)
    sep, scan = _both_routes(lambda: F.max_pool3d(mt.tensor(a), kernel, (2, 1, 2), 2, return_indices=True))
    for out, idx in (sep, scan):
        np.testing.assert_array_equal(out.numpy(), ref)
        np.testing.assert_array_equal(idx.numpy(), ref_idx)


def test_windows_wholly_in_padding_and_all_lowest(route):
    a = np.full((1, 1, 5, 5), -np.inf, dtype=np.float32)
    a[0, 0, 4, 4] = 1.0
    ref, ref_idx = naive_max_pool(a, (3, 3), (2, 2), (1, 1), (2, 2), True)
    out, idx = F.max_pool2d(mt.tensor(a), 3, 2, 1, dilation=2, ceil_mode=True, return_indices=True)
    np.testing.assert_array_equal(out.numpy(), ref)
    np.testing.assert_array_equal(idx.numpy(), ref_idx)
    u = np.zeros((2, 3, 6, 7), dtype=np.uint8)  # every value equals uint8's lowest (the padding value)
    ref, ref_idx = naive_max_pool(u, (3, 3), (2, 2), (1, 1), (1, 1), False)
    out, idx = F.max_pool2d(mt.tensor(u), 3, 2, 1, return_indices=True)
    np.testing.assert_array_equal(out.numpy(), ref)
    np.testing.assert_array_equal(idx.numpy(), ref_idx)


def test_nan_windows_as_torch(route):
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).standard_normal((2, 3, 11, 10)).astype(np.float32)
    a[0, 0, 2, 3] = a[1, 2, 5, 5] = a[1, 2, 5, 6] = a[1, 1, 0, 0] = np.nan
    y, idx = F.max_pool2d(mt.tensor(a), 3, 2, 1, return_indices=True)
    ty, tidx = torch.nn.functional.max_pool2d(torch.tensor(a), 3, 2, 1, return_indices=True)
    np.testing.assert_array_equal(y.numpy(), ty.numpy())
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
    plain = F.max_pool2d(mt.tensor(a), 3, 2, 1)
    np.testing.assert_array_equal(plain.numpy(), ty.numpy())


@pytest.mark.parametrize(
    "args",
    [
        dict(kernel_size=3, stride=2, padding=1),
        dict(kernel_size=3, stride=1, padding=1),
        dict(kernel_size=(3, 2), stride=(2, 3), padding=(1, 0), dilation=(2, 1), ceil_mode=True),
        dict(kernel_size=4, stride=3, padding=2, ceil_mode=True),
    ],
)
def test_forward_indices_and_gradient_match_torch(route, args):
    torch = pytest.importorskip("torch")
    a = np.round(np.random.default_rng(3).standard_normal((2, 5, 23, 18)), 1).astype(np.float32)  # ties
    x = mt.tensor(a, requires_grad=True)
    tx = torch.tensor(a, requires_grad=True)
    y, idx = F.max_pool2d(x, **args, return_indices=True)
    ty, tidx = torch.nn.functional.max_pool2d(tx, **args, return_indices=True)
    np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
    go = np.random.default_rng(4).standard_normal(ty.shape).astype(np.float32)
    y.backward(mt.tensor(go))
    ty.backward(torch.tensor(go))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6, atol=1e-6)


def test_gradcheck_float64(route):
    n = 2 * 3 * 7 * 6
    a = ((np.random.default_rng(5).permutation(n) - n / 2) * 0.37).reshape(2, 3, 7, 6)  # distinct
    x = mt.tensor(a, requires_grad=True)
    assert gradcheck(lambda t: F.max_pool2d(t, 3, 2, 1), (x,))
    assert gradcheck(lambda t: F.max_pool1d(t.reshape(6, 7, 6), 3, 1, 1, dilation=2), (x,))
