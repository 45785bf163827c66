"""The convolution kernels' speed routes (GEMM orientation, ...) give the plain routes'
numbers and torch's: each route switch is forced both ways, combined with the chunking
and layout switches of test_conv_paths, on forward, input, weight and bias gradients,
float32 and float64, odd sizes, groups, dilation, padding modes and strides.
"""

from __future__ import annotations

import numpy as np
import pytest
from _conv_ref import naive_conv, resolve_padding
from hypothesis import given, settings
from hypothesis import strategies as st
from test_conv_paths import _force, _kernel_run

import microtorch as mt
import microtorch.nn.functional as F
from microtorch.autograd import gradcheck, gradgradcheck
from microtorch.kernels import conv as kernels
from microtorch.kernels import conv_gemm
from microtorch.testing.strategies import conv_configs

# route switches of this file: name -> (fast value, plain value)
# (_WEIGHT_CHUNK / _FORWARD_CHUNK: 7-column chunks, so that the small test problems are cut,
# with a remainder)
FAST = {
    "_WEIGHT_COLS_FIRST": (True, False),
    "_WEIGHT_CHUNK": (7, 0),
    "_FORWARD_CHUNK": (7, 0),
    "_FOLD_BIAS": (True, False),
}
# every route fast, every route plain, and each route plain with the others fast
_ALL_FAST = {name: values[0] for name, values in FAST.items()}
ROUTES = [_ALL_FAST, {name: values[1] for name, values in FAST.items()}]
ROUTES += [{**_ALL_FAST, name: values[1]} for name, values in FAST.items()]
PATHS = [("default", 512, 8, True), ("rows", 0, 0, True), ("items", 10**9, 10**9, False), ("small", 512, 8, True)]


def _force_routes(mp, routes, path):
    _force(mp, path)
    for name, value in routes.items():
        # each switch is set where it is read (the GEMM switches live in kernels.conv_gemm)
        mp.setattr(conv_gemm if hasattr(conv_gemm, name) else kernels, name, value)


def test_every_route_switch_is_read_where_it_is_set():
    owners = [m for name in FAST for m in (conv_gemm, kernels) if name in vars(m)]
    assert len(owners) == len(FAST)  # each name defined in exactly one of the two modules


@settings(max_examples=30)
@given(conv_configs(max_channels=3), st.integers(0, 2**16), st.sampled_from(ROUTES), st.sampled_from(PATHS))
def test_routes_match_naive_reference_and_adjoints(cfg, seed, routes, path):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(cfg["input_shape"])
    w = rng.standard_normal(cfg["weight_shape"])
    ref = naive_conv(x, w, None, cfg["stride"], cfg["padding"], cfg["dilation"], cfg["groups"])
    g = rng.standard_normal(ref.shape)
    with pytest.MonkeyPatch.context() as mp:
        _force_routes(mp, routes, path)
        out, dx, dw = _kernel_run(x, w, g, cfg)
    np.testing.assert_allclose(out, ref, rtol=1e-10, atol=1e-10)
    inner = float(np.sum(ref * g))
    np.testing.assert_allclose(float(np.sum(x * dx)), inner, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(float(np.sum(w * dw)), inner, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("routes", ROUTES)
@pytest.mark.parametrize("path", PATHS)
def test_weight_gradient_equal_across_routes_on_larger_batches(routes, path):
    """Several chunks / row blocks, groups, dilation and strides: every route gives the plain route's dw."""
    rng = np.random.default_rng(1)
    for spatial, kernel, stride in [
        ((29,), (3,), 1),
        ((9, 8), (3, 2), 1),
        ((9, 8), (3, 3), 2),
        ((5, 4, 6), (2, 3, 2), 1),
    ]:
        k = len(spatial)
        cfg = {"stride": (stride,) * k, "padding": (1,) * k, "dilation": (2,) + (1,) * (k - 1), "groups": 2}
        x = rng.standard_normal((7, 6) + spatial)
        w = rng.standard_normal((4, 3) + kernel)
        pads = resolve_padding(cfg["padding"], kernel, cfg["dilation"])
        opts = (cfg["stride"], pads, cfg["dilation"], cfg["groups"])
        g = rng.standard_normal(kernels.conv_nd(x, w, *opts).shape)
        plain = kernels.conv_weight_nd(x, g, kernel, *opts)
        with pytest.MonkeyPatch.context() as mp:
            _force_routes(mp, routes, path)
            fast = kernels.conv_weight_nd(x, g, kernel, *opts)
        ref = naive_conv(x, w, None, cfg["stride"], cfg["padding"], cfg["dilation"], cfg["groups"])
        np.testing.assert_allclose(np.sum(w * fast), np.sum(ref * g), rtol=1e-9)
        np.testing.assert_allclose(fast, plain, rtol=1e-10, atol=1e-10)


CASES = [
    (2, (3, 12, 20, 17), (10, 6, 3, 3), {"padding": 1, "groups": 2}),
    (2, (2, 5, 13, 11), (7, 5, 3, 3), {"padding": "same", "dilation": (2, 1)}),
    (2, (2, 4, 15, 12), (6, 4, 3, 3), {"stride": 2, "padding": 1}),
    (2, (2, 3, 12, 10), (4, 3, 3, 3), {"padding": 2, "padding_mode": "reflect"}),
    (2, (5, 1, 28, 28), (8, 1, 5, 5), {}),
    (1, (4, 10, 97), (6, 5, 5), {"padding": 3, "groups": 2}),
    (3, (2, 4, 9, 8, 7), (8, 4, 3, 3, 3), {"padding": 1}),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("routes", ROUTES)
@pytest.mark.parametrize("dims, x_shape, w_shape, opts", CASES)
@pytest.mark.filterwarnings("ignore:Using padding=.same.")
def test_public_api_matches_torch_on_every_route(dims, x_shape, w_shape, opts, routes, dtype):
    """Forward and the input, weight and bias gradients against torch, each route forced."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal(s).astype(dtype) for s in (x_shape, w_shape, (w_shape[0],))]
    mod = {1: torch.nn.Conv1d, 2: torch.nn.Conv2d, 3: torch.nn.Conv3d}[dims]
    mine = {1: mt.nn.Conv1d, 2: mt.nn.Conv2d, 3: mt.nn.Conv3d}[dims]
    args = (x_shape[1], w_shape[0], w_shape[2:])
    tconv, conv = mod(*args, **opts).to(getattr(torch, dtype)), mine(*args, **opts).to(getattr(mt, dtype))
    with torch.no_grad():
        tconv.weight.copy_(torch.tensor(arrays[1]))
        tconv.bias.copy_(torch.tensor(arrays[2]))
    conv.weight.data = mt.tensor(arrays[1])
    conv.bias.data = mt.tensor(arrays[2])
    tx, x = torch.tensor(arrays[0], requires_grad=True), mt.tensor(arrays[0], requires_grad=True)
    tout = tconv(tx)
    g = rng.standard_normal(tuple(tout.shape)).astype(dtype)
    tout.backward(torch.tensor(g))
    with pytest.MonkeyPatch.context() as mp:
        _force_routes(mp, routes, PATHS[0])
        out = conv(x)
        out.backward(mt.tensor(g))
    tol = 1e-4 if dtype == "float32" else 1e-10
    scale = float(np.abs(tout.detach().numpy()).max())
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=tol, atol=tol * scale)
    for m, t in [(x, tx), (conv.weight, tconv.weight), (conv.bias, tconv.bias)]:
        ref = t.grad.numpy()
        np.testing.assert_allclose(m.grad.numpy(), ref, rtol=tol, atol=tol * float(np.abs(ref).max()))


@pytest.mark.parametrize("routes", ROUTES)
def test_gradcheck_float64_small_shapes(routes):
    rng = np.random.default_rng(5)
    x = mt.tensor(rng.standard_normal((2, 4, 6, 5)), requires_grad=True)
    w = mt.tensor(rng.standard_normal((6, 2, 3, 3)), requires_grad=True)
    b = mt.tensor(rng.standard_normal(6), requires_grad=True)
    with pytest.MonkeyPatch.context() as mp:
        _force_routes(mp, routes, PATHS[0])
        assert gradcheck(lambda *t: F.conv2d(*t, padding=1, groups=2), (x, w, b))
        assert gradgradcheck(lambda *t: F.conv2d(*t, stride=2, padding=1, groups=2), (x, w, b))
