"""Every internal path of the convolution kernels gives the same, correct numbers.

The kernels choose between code paths by size (stride-1 flat grid or general im2col,
per-item or folded GEMM, col2im or flipped-kernel input gradient, how many batch items
per chunk). Small test shapes would only ever reach one of them, so each switch is
forced here both ways, and the results are checked against the naive reference
(forward) and the adjoint identities (gradients): <conv(x, w), g> = <x, dx> = <w, dw>.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from _conv_ref import naive_conv, resolve_padding
from hypothesis import given, settings
from hypothesis import strategies as st

from microtorch.kernels import conv as kernels
from microtorch.testing.strategies import conv_configs

SWITCHES = list(
    itertools.product(
        [1, kernels._CHUNK_BYTES],  # one item per chunk / default chunks
        [0, 10**9],  # per-item GEMMs / batch folded into the GEMM's columns
        [0, 10**9],  # input gradient as flipped-kernel convolution / as GEMM + col2im
    )
)


def _kernel_run(x, w, g, cfg):
    k = x.ndim - 2
    pads = resolve_padding(cfg["padding"], w.shape[2:], cfg["dilation"])
    opts = (cfg["stride"], pads, cfg["dilation"], cfg["groups"])
    out = kernels.conv_nd(x, w, *opts)
    dx = kernels.conv_transpose_nd(g, w, *opts, x.shape[2:]) if g is not None else None
    dw = kernels.conv_weight_nd(x, g, w.shape[2:], *opts) if g is not None else None
    assert k == len(w.shape) - 2
    return out, dx, dw


@settings(max_examples=25)
@given(conv_configs(max_channels=3), st.integers(0, 2**16), st.sampled_from(SWITCHES))
def test_every_path_matches_reference_and_adjoints(cfg, seed, switches):
    chunk, fold, scatter = switches
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(cfg["input_shape"])
    w = rng.standard_normal(cfg["weight_shape"])
    ref = naive_conv(x, w, None, cfg["stride"], cfg["padding"], cfg["dilation"], cfg["groups"])
    g = rng.standard_normal(ref.shape)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(kernels, "_CHUNK_BYTES", chunk)
        mp.setattr(kernels, "_FOLD_BELOW", fold)
        mp.setattr(kernels, "_SCATTER_MAX_CHANNELS", scatter)
        out, dx, dw = _kernel_run(x, w, g, cfg)
    np.testing.assert_allclose(out, ref, rtol=1e-10, atol=1e-10)
    assert dx.shape == x.shape and dw.shape == w.shape
    inner = float(np.sum(ref * g))
    np.testing.assert_allclose(float(np.sum(x * dx)), inner, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(float(np.sum(w * dw)), inner, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("switches", SWITCHES)
def test_paths_agree_on_a_larger_batch(switches):
    """Many items, several chunks of unequal size, groups and dilation, 1-D to 3-D."""
    chunk, fold, scatter = switches
    rng = np.random.default_rng(1)
    for spatial, kernel in [((13,), (3,)), ((7, 6), (3, 2)), ((5, 4, 6), (2, 3, 2))]:
        cfg = {"stride": (1,) * len(spatial), "padding": (1,) * len(spatial), "dilation": (1,) * len(spatial)}
        cfg["dilation"] = (2,) + cfg["dilation"][1:]
        cfg["groups"] = 2
        x = rng.standard_normal((7, 6) + spatial)
        w = rng.standard_normal((4, 3) + kernel)
        ref = naive_conv(x, w, None, cfg["stride"], cfg["padding"], cfg["dilation"], 2)
        g = rng.standard_normal(ref.shape)
        baseline = _kernel_run(x, w, g, cfg)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(kernels, "_CHUNK_BYTES", chunk)
            mp.setattr(kernels, "_FOLD_BELOW", fold)
            mp.setattr(kernels, "_SCATTER_MAX_CHANNELS", scatter)
            forced = _kernel_run(x, w, g, cfg)
        np.testing.assert_allclose(baseline[0], ref, rtol=1e-10, atol=1e-10)
        for a, b in zip(baseline, forced):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("n, item_bytes", [(7, 2 << 20), (32, 627 << 10), (5, 1), (3, 10**9)])
def test_chunks_cover_the_batch_in_balanced_pieces(n, item_bytes):
    slices, rows = kernels._chunks(n, item_bytes)
    sizes = [s.stop - s.start for s in slices]
    assert sum(sizes) == n and slices[0].start == 0 and all(a.stop == b.start for a, b in zip(slices, slices[1:]))
    assert max(sizes) == rows and max(sizes) - min(sizes) <= 1


def test_workspace_cache_stays_bounded():
    """Scratch buffers kept between calls never exceed the cache budget."""
    rng = np.random.default_rng(2)
    for n in range(1, 12):
        x = rng.standard_normal((n, 3, 20, 20)).astype(np.float32)
        w = rng.standard_normal((5, 3, 3, 3)).astype(np.float32)
        kernels.conv_nd(x, w, (1, 1), [(1, 1), (1, 1)], (1, 1), 1)
        assert sum(b.nbytes for b in kernels._CACHE.values()) <= kernels._CACHE_BYTES


@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("spatial", [(8,), (6, 5), (4, 4, 3)])
def test_empty_batch_gives_empty_output_and_zero_weight_grad(stride, spatial):
    k = len(spatial)
    x = np.zeros((0, 3) + spatial)
    w = np.ones((4, 3) + (2,) * k)
    opts = ((stride,) * k, [(1, 1)] * k, (1,) * k, 1)
    out = kernels.conv_nd(x, w, *opts)
    assert out.shape[:2] == (0, 4)
    assert kernels.conv_transpose_nd(out, w, *opts, spatial).shape == x.shape
    dw = kernels.conv_weight_nd(x, out, w.shape[2:], *opts)
    assert dw.shape == w.shape and not dw.any()
