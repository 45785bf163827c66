"""Every internal path of the convolution kernels gives the same, correct numbers.

The kernels choose between code paths by size (stride-1 flat grid or general im2col,
per-item or folded GEMM, col2im or flipped-kernel input gradient, how many batch items
per chunk). Small test shapes would only ever reach one of them, so each switch is
forced here both ways, and the results are checked against the naive reference
(forward) and the adjoint identities (gradients): <conv(x, w), g> = <x, dx> = <w, dw>.
"""

from __future__ import annotations

import itertools
import threading

import numpy as np
import pytest
from _conv_ref import kernel_path, naive_conv, resolve_padding
from hypothesis import given, settings
from hypothesis import strategies as st

import microtorch as mt
from microtorch.kernels import conv as kernels
from microtorch.testing.strategies import conv_configs

# chunking: one output row per block / one item per chunk / the default budget / the
# small-problem route
# (every mode but "small" keeps small problems off their dedicated route)
CHUNKING = {
    "rows": {"_CHUNK_BYTES": 1, "_CHUNK_MIN_BYTES": 1, "_ROW_SPLIT_BYTES": 1, "_SMALL_ELEMENTS": -1},
    "items": {"_CHUNK_BYTES": 1, "_CHUNK_MIN_BYTES": 1, "_ROW_SPLIT_BYTES": 10**12, "_SMALL_ELEMENTS": -1},
    "default": {"_SMALL_ELEMENTS": -1},
    "small": {"_SMALL_ELEMENTS": 1 << 62},
}
SWITCHES = list(
    itertools.product(
        list(CHUNKING),
        [0, 10**9],  # per-item GEMMs / batch folded into the GEMM's columns
        [0, 10**9],  # input gradient as flipped-kernel convolution / as GEMM + col2im
        [True, False],  # depthwise convolutions as shifted multiply-adds / as GEMMs
    )
)


def _force(mp, switches):
    chunking, fold, scatter, depthwise = switches
    for name, value in CHUNKING[chunking].items():
        mp.setattr(kernels, name, value)
    mp.setattr(kernels, "_FOLD_BELOW", fold)
    mp.setattr(kernels, "_SCATTER_MAX_CHANNELS", scatter)
    mp.setattr(kernels, "_DEPTHWISE", depthwise)


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
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(cfg["input_shape"])
    w = rng.standard_normal(cfg["weight_shape"])
    ref = naive_conv(x, w, None, cfg["stride"], cfg["padding"], cfg["dilation"], cfg["groups"])
    g = rng.standard_normal(ref.shape)
    b = rng.standard_normal(w.shape[0])
    with pytest.MonkeyPatch.context() as mp:
        _force(mp, switches)
        out, dx, dw = _kernel_run(x, w, g, cfg)
        pads = resolve_padding(cfg["padding"], w.shape[2:], cfg["dilation"])
        with_bias = kernels.conv_nd(x, w, cfg["stride"], pads, cfg["dilation"], cfg["groups"], bias=b)
    np.testing.assert_allclose(out, ref, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(with_bias, ref + b.reshape((1, -1) + (1,) * (x.ndim - 2)), rtol=1e-10, atol=1e-10)
    assert dx.shape == x.shape and dw.shape == w.shape
    inner = float(np.sum(ref * g))
    np.testing.assert_allclose(float(np.sum(x * dx)), inner, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(float(np.sum(w * dw)), inner, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("switches", SWITCHES)
def test_paths_agree_on_a_larger_batch(switches):
    """Many items, several chunks or row blocks, groups and dilation, 1-D to 3-D."""
    rng = np.random.default_rng(1)
    for spatial, kernel in [((13,), (3,)), ((7, 6), (3, 2)), ((5, 4, 6), (2, 3, 2))]:
        _check_larger_batch(rng, spatial, kernel, switches, channels=(6, 4, 3), groups=2)
        _check_larger_batch(rng, spatial, kernel, switches, channels=(5, 5, 1), groups=5)  # depthwise


def _check_larger_batch(rng, spatial, kernel, switches, channels, groups):
    cin, cout, cg = channels
    k = len(spatial)
    cfg = {"stride": (1,) * k, "padding": (1,) * k, "dilation": (2,) + (1,) * (k - 1), "groups": groups}
    x = rng.standard_normal((7, cin) + spatial)
    w = rng.standard_normal((cout, cg) + kernel)
    ref = naive_conv(x, w, None, cfg["stride"], cfg["padding"], cfg["dilation"], groups)
    g = rng.standard_normal(ref.shape)
    with kernel_path(small=False):
        baseline = _kernel_run(x, w, g, cfg)
    with pytest.MonkeyPatch.context() as mp:
        _force(mp, switches)
        forced = _kernel_run(x, w, g, cfg)
    np.testing.assert_allclose(baseline[0], ref, rtol=1e-10, atol=1e-10)
    for a, b in zip(baseline, forced):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("n, item_bytes", [(7, 2 << 20), (32, 627 << 10), (5, 1), (3, 10**9)])
def test_chunks_cover_the_batch_in_balanced_pieces(n, item_bytes):
    """Chunks tile the batch in order, differ in size by at most one, and respect the budget."""
    slices = kernels._chunks(n, item_bytes)
    sizes = [s.stop - s.start for s in slices]
    assert sum(sizes) == n and slices[0].start == 0 and all(a.stop == b.start for a, b in zip(slices, slices[1:]))
    assert max(sizes) - min(sizes) <= 1
    assert max(sizes) == 1 or max(sizes) * item_bytes <= kernels._CHUNK_BYTES


def test_workspace_keeps_one_arena_per_role():
    """Scratch kept between calls: one buffer per role and dtype, each within the cache budget."""
    rng = np.random.default_rng(2)
    kernels.arenas().clear()
    for n in range(1, 12):
        for stride in (1, 2):
            x = rng.standard_normal((n, 3, 20, 20)).astype(np.float32)
            w = rng.standard_normal((5, 3, 3, 3)).astype(np.float32)
            out = kernels.conv_nd(x, w, (stride,) * 2, [(1, 1), (1, 1)], (1, 1), 1)
            kernels.conv_weight_nd(x, out, (3, 3), (stride,) * 2, [(1, 1), (1, 1)], (1, 1), 1)
            kernels.conv_transpose_nd(out, w, (stride,) * 2, [(1, 1), (1, 1)], (1, 1), 1, (20, 20))
    kept = kernels.arenas()
    assert len({tag for tag, _ in kept}) == len(kept) <= 3
    assert all(b.nbytes <= kernels._CACHE_BYTES for b in kept.values())


@pytest.mark.parametrize("small", [True, False])
@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("spatial", [(8,), (6, 5), (4, 4, 3)])
def test_empty_batch_gives_empty_output_and_zero_weight_grad(stride, spatial, small):
    with kernel_path(small):
        _check_empty_batch(stride, spatial)


def _check_empty_batch(stride, spatial):
    k = len(spatial)
    x = np.zeros((0, 3) + spatial)
    w = np.ones((4, 3) + (2,) * k)
    opts = ((stride,) * k, [(1, 1)] * k, (1,) * k, 1)
    out = kernels.conv_nd(x, w, *opts, bias=np.ones(4))
    assert out.shape[:2] == (0, 4)
    assert kernels.conv_transpose_nd(out, w, *opts, spatial).shape == x.shape
    dw = kernels.conv_weight_nd(x, out, w.shape[2:], *opts)
    assert dw.shape == w.shape and not dw.any()


@pytest.mark.parametrize("chunking", list(CHUNKING))
def test_blocks_tile_every_item_and_output_row_once(chunking):
    grid = kernels._FlatGrid((5, 3, 9, 7), (3, 3), [(1, 1), (1, 1)], (1, 1))
    with pytest.MonkeyPatch.context() as mp:
        for name, value in CHUNKING[chunking].items():
            mp.setattr(kernels, name, value)
        blocks = grid.blocks(27, 8, 10**6)
    covered = [(b, r) for blk in blocks for b in range(blk.start, blk.start + blk.count) for r in range(blk.r0, blk.r1)]
    assert sorted(covered) == [(b, r) for b in range(5) for r in range(9)]
    if chunking == "rows":
        assert len(blocks) == 5 * 9


@pytest.mark.parametrize(
    "switches",
    [("rows", 0, 0, True), ("items", 10**9, 10**9, False), ("default", 512, 8, True), ("small", 512, 8, True)],
)
@pytest.mark.parametrize(
    "dims, x_shape, w_shape, opts",
    [
        (2, (3, 12, 20, 17), (10, 6, 3, 2), {"padding": "same", "dilation": (1, 2), "groups": 2}),
        (3, (2, 6, 7, 6, 5), (4, 6, 3, 3, 3), {"padding": 1}),
        (1, (4, 10, 40), (6, 5, 4), {"padding": 3, "groups": 2}),
        (2, (3, 6, 11, 9), (6, 1, 3, 3), {"padding": 1, "groups": 6}),  # depthwise
        (3, (2, 4, 5, 6, 5), (4, 1, 3, 2, 3), {"padding": "same", "groups": 4}),  # depthwise
    ],
)
@pytest.mark.filterwarnings("ignore:Using padding=.same.")
def test_public_api_matches_torch_on_every_path(switches, dims, x_shape, w_shape, opts):
    """float32 forward and all three gradients against torch, each path forced."""
    torch = pytest.importorskip("torch")
    import microtorch as mt
    import microtorch.nn.functional as F

    rng = np.random.default_rng(3)
    x = rng.standard_normal(x_shape).astype(np.float32)
    w = rng.standard_normal(w_shape).astype(np.float32)
    b = rng.standard_normal(w_shape[0]).astype(np.float32)
    conv, tconv = getattr(F, f"conv{dims}d"), getattr(torch.nn.functional, f"conv{dims}d")
    ts = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    tout = tconv(*ts, **opts)
    g = rng.standard_normal(tuple(tout.shape)).astype(np.float32)
    tout.backward(torch.tensor(g))
    ms = [mt.tensor(a, requires_grad=True) for a in (x, w, b)]
    with pytest.MonkeyPatch.context() as mp:
        _force(mp, switches)
        out = conv(*ms, **opts)
        out.backward(mt.tensor(g))
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-4, atol=1e-4)
    for m, t in zip(ms, ts):
        np.testing.assert_allclose(m.grad.numpy(), t.grad.numpy(), rtol=1e-4, atol=2e-4)


def test_threads_running_convolutions_at_once_do_not_share_scratch():
    """numpy releases the GIL mid-kernel: concurrent calls must give the serial results."""

    rng = np.random.default_rng(4)
    jobs = []
    for i in range(6):
        x = rng.standard_normal((3 + i, 4, 12, 10)).astype(np.float32)
        w = rng.standard_normal((6, 4, 3, 3)).astype(np.float32)
        jobs.append((x, w))
    opts = ((1, 1), [(1, 1), (1, 1)], (1, 1), 1)
    with kernel_path(small=False):  # the route that uses scratch arenas, for every job
        _run_concurrently(jobs, opts)


def _run_concurrently(jobs, opts):
    expected = [kernels.conv_nd(x, w, *opts) for x, w in jobs]
    results = [None] * len(jobs)

    def work(i):
        for _ in range(30):
            out = kernels.conv_nd(*jobs[i], *opts)
            if results[i] is None or not np.array_equal(out, expected[i]):
                results[i] = out

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for got, want in zip(results, expected):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize(
    "fn, x_shape, w_shape, opts",
    [
        ("conv2d", (1, 3, 0, 4), (2, 3, 1, 1), {"padding": 1}),
        ("conv2d", (2, 3, 5, 0), (2, 3, 3, 3), {"padding": 2, "stride": 2}),
        ("conv1d", (1, 3, 0), (2, 3, 1), {"padding": 1}),
        ("conv1d", (3, 0), (2, 3, 1), {"padding": 1}),  # unbatched
        ("conv3d", (1, 3, 0, 4, 4), (2, 3, 1, 1, 1), {"padding": 1}),
        ("conv2d", (0, 3, 0, 4), (2, 3, 1, 1), {"padding": 1}),  # empty batch: computed
    ],
)
def test_empty_spatial_input_raises_unless_batch_or_channels_empty_as_torch(fn, x_shape, w_shape, opts):
    torch = pytest.importorskip("torch")
    import microtorch as mt

    try:
        expected = tuple(getattr(torch.nn.functional, fn)(torch.ones(x_shape), torch.ones(w_shape), **opts).shape)
    except RuntimeError as err:
        shape = str(err).split("input shape: ")[1]
        with pytest.raises(
            RuntimeError, match=f"Only zero batch or zero channel inputs.*{shape.replace('[', '.').replace(']', '.')}"
        ):
            getattr(mt.nn.functional, fn)(mt.ones(x_shape), mt.ones(w_shape), **opts)
        return
    assert tuple(getattr(mt.nn.functional, fn)(mt.ones(x_shape), mt.ones(w_shape), **opts).shape) == expected


def test_checked_signatures_are_reused_only_for_the_same_signature():
    # the second call of a signature skips the checks: every argument the checks read is in the key
    F = mt.nn.functional
    rng = np.random.default_rng(0)
    w = mt.tensor(rng.standard_normal((4, 3, 3, 3)))
    x = mt.tensor(rng.standard_normal((2, 3, 6, 6)))
    for _ in range(2):
        assert F.conv2d(x, w, padding=1).shape == (2, 4, 6, 6)
        assert F.conv2d(x, w, padding="same").shape == (2, 4, 6, 6)
        assert F.conv2d(x[0], w).shape == (4, 4, 4)  # unbatched
        with pytest.raises(RuntimeError, match="expected bias to be 1-dimensional with 4 elements"):
            F.conv2d(x, w, mt.zeros(3, dtype=mt.float64))
        with pytest.raises(RuntimeError, match="expected input"):
            F.conv2d(mt.zeros(2, 2, 6, 6, dtype=mt.float64), w)
        with pytest.raises(RuntimeError, match="non-positive stride"):
            F.conv2d(x, w, stride=0)
        with pytest.raises(RuntimeError, match="expected scalar type Double but found Float"):
            F.conv2d(x, w.float())
    np.testing.assert_allclose(F.conv2d(x, w, stride=(2, 1)).numpy(), F.conv2d(x, w, stride=[2, 1]).numpy())


@pytest.mark.parametrize("small", [True, False])
def test_results_are_contiguous_on_every_route(small, monkeypatch):
    # the small route gathers its columns: its results must still be laid out in C order
    monkeypatch.setattr(kernels, "_SMALL_ELEMENTS", 1 << 62 if small else -1)
    rng = np.random.default_rng(0)
    x = mt.tensor(rng.standard_normal((1, 6, 14, 14)), requires_grad=True)
    w = mt.tensor(rng.standard_normal((16, 6, 5, 5)), requires_grad=True)
    y = mt.nn.functional.conv2d(x, w, mt.zeros(16, dtype=mt.float64))
    assert y.is_contiguous() and y.view(-1).shape == (1600,)
    y.backward(mt.ones_like(y))
    assert x.grad.is_contiguous() and w.grad.is_contiguous()
