"""Hypothesis properties of the forward of the new nn.functional layers (embeddings, normalizations, attention,
grids, bilinear), the native_* norms and a few elementwise ops, against plain numpy/scipy references."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import special

import microtorch as mt
import microtorch.nn.functional as F

FLOATS = st.floats(-2.0, 2.0, allow_nan=False, width=64)


def ten(a, dtype=mt.float64):
    """A microtorch tensor of ``a``."""
    return mt.tensor(np.asarray(a), dtype=dtype)


def close(ours, ref, rtol=1e-10, atol=1e-12):
    """``ours`` (a tensor) equals ``ref`` in shape and value, NaN where ``ref`` is NaN."""
    got = ours.detach().numpy()
    ref = np.asarray(ref, dtype=np.float64)
    assert got.shape == ref.shape, (got.shape, ref.shape)
    np.testing.assert_allclose(got, ref, rtol=rtol, atol=atol, equal_nan=True)


def arr(draw, shape, elements=FLOATS):
    return draw(hnp.arrays(np.float64, shape, elements=elements))


def sides(draw, n, low=1, high=4):
    return tuple(draw(st.integers(low, high)) for _ in range(n))


# --- elementwise ----------------------------------------------------------------------------------

SPECIALS = st.sampled_from([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-310, -3.5])


@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=2), elements=st.floats(width=64) | SPECIALS))
def test_frexp_and_angle_match_numpy(a):
    mantissa, exponent = mt.frexp(ten(a))
    m_ref, e_ref = np.frexp(a)
    close(mantissa, m_ref)
    assert exponent.dtype == mt.int32
    assert np.array_equal(exponent.numpy(), e_ref)
    close(mt.angle(ten(a)), np.where(np.isnan(a), np.nan, np.where(a < 0, np.pi, 0.0)))  # torch: angle(-0.) is 0


@given(st.data())
def test_igamma_igammac_match_scipy(data):
    shape = sides(data.draw, data.draw(st.integers(0, 2)))
    a = arr(data.draw, shape, st.floats(0.05, 10.0))
    x = arr(data.draw, shape, st.floats(0.0, 12.0))
    close(mt.igamma(ten(a), ten(x)), special.gammainc(a, x), rtol=1e-9, atol=1e-12)
    close(mt.igammac(ten(a), ten(x)), special.gammaincc(a, x), rtol=1e-9, atol=1e-12)


@given(st.data(), st.floats(-3, 3))
def test_rsub_is_other_minus_alpha_input(data, alpha):
    shape = sides(data.draw, data.draw(st.integers(0, 3)))
    x, y = arr(data.draw, shape), arr(data.draw, shape)
    close(mt.rsub(ten(x), ten(y), alpha=alpha), y - alpha * x)
    close(mt.rsub(ten(x), 1.5), 1.5 - x)


# --- embeddings -----------------------------------------------------------------------------------


@given(st.integers(1, 5), st.integers(1, 3), st.data())
def test_embedding_rows(v, d, data):
    w = arr(data.draw, (v, d))
    idx = data.draw(
        hnp.arrays(np.int64, sides(data.draw, data.draw(st.integers(0, 2))), elements=st.integers(0, v - 1))
    )
    close(F.embedding(ten(idx, mt.int64), ten(w)), w[idx])


@given(st.integers(1, 5), st.integers(1, 3), st.sampled_from(["sum", "mean", "max"]), st.booleans(), st.data())
def test_embedding_bag_reduces_each_bag(v, d, mode, weighted, data):
    w = arr(data.draw, (v, d))
    n = data.draw(st.integers(0, 6))
    idx = np.array(data.draw(st.lists(st.integers(0, v - 1), min_size=n, max_size=n)), dtype=np.int64)
    offsets = sorted(data.draw(st.lists(st.integers(0, n), min_size=1, max_size=4)))
    offsets[0] = 0
    psw = arr(data.draw, (n,), st.floats(0.1, 2.0)) if weighted and mode == "sum" else None
    bounds = [*offsets, n]
    ref = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        rows = w[idx[lo:hi]] * (psw[lo:hi, None] if psw is not None else 1.0)
        ref.append(np.zeros(d) if hi == lo else {"sum": rows.sum, "mean": rows.mean, "max": rows.max}[mode](0))
    kw = dict(per_sample_weights=ten(psw)) if psw is not None else {}
    ours = F.embedding_bag(ten(idx, mt.int64), ten(w), ten(offsets, mt.int64), mode=mode, **kw)
    close(ours, np.array(ref).reshape(len(offsets), d))


# --- normalizations -------------------------------------------------------------------------------


@given(st.data(), st.sampled_from([1.0, 2.0, 3.0]))
def test_normalize_and_cosine_similarity(data, p):
    shape = sides(data.draw, data.draw(st.integers(1, 3)))
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = arr(data.draw, shape)
    norm = np.linalg.norm(np.moveaxis(x, dim, -1), ord=p, axis=-1, keepdims=True)
    close(F.normalize(ten(x), p, dim), x / np.moveaxis(np.maximum(norm, 1e-12), -1, dim))
    a, b = arr(data.draw, shape, st.floats(0.1, 2.0)), arr(data.draw, shape)
    na, nb = (np.linalg.norm(v, axis=dim, keepdims=True).clip(1e-8) for v in (a, b))  # each norm clamped
    cos = (a / na * (b / nb)).sum(dim)
    close(F.cosine_similarity(ten(a), ten(b), dim), cos, rtol=1e-9)


@given(st.integers(1, 4), st.floats(1e-4, 1.0), st.floats(0.1, 1.5), st.floats(0.5, 2.0), st.data())
def test_local_response_norm_divides_by_the_channel_window(size, alpha, beta, k, data):
    shape = (
        data.draw(st.integers(1, 2)),
        data.draw(st.integers(1, 5)),
        *sides(data.draw, data.draw(st.integers(1, 2))),
    )
    x = arr(data.draw, shape)
    sq = np.pad(x * x, [(0, 0), (size // 2, (size - 1) // 2)] + [(0, 0)] * (x.ndim - 2))
    window = sum(sq[:, i : i + shape[1]] for i in range(size))
    close(F.local_response_norm(ten(x), size, alpha, beta, k), x / (k + alpha / size * window) ** beta, rtol=1e-9)


@given(st.data(), st.booleans())
def test_rms_norm(data, weighted):
    shape = sides(data.draw, data.draw(st.integers(1, 3)))
    k = data.draw(st.integers(1, len(shape)))
    x, w = arr(data.draw, shape), arr(data.draw, shape[-k:])
    axes = tuple(range(-k, 0))
    ref = x / np.sqrt((x * x).mean(axis=axes, keepdims=True) + np.finfo(np.float64).eps)
    close(F.rms_norm(ten(x), shape[-k:], ten(w) if weighted else None), ref * w if weighted else ref, rtol=1e-9)


@given(st.data())
def test_native_layer_norm_outputs(data):
    shape = sides(data.draw, data.draw(st.integers(2, 3)), 2)
    k = data.draw(st.integers(1, len(shape) - 1))
    x, w, b = arr(data.draw, shape), arr(data.draw, shape[-k:]), arr(data.draw, shape[-k:])
    axes = tuple(range(-k, 0))
    mean, var = x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)
    out, m, rstd = mt.native_layer_norm(ten(x), shape[-k:], ten(w), ten(b), 1e-5)
    close(out, (x - mean) / np.sqrt(var + 1e-5) * w + b, rtol=1e-8, atol=1e-10)
    close(m, mean)
    close(rstd, 1 / np.sqrt(var + 1e-5), rtol=1e-9)


@given(st.data())
def test_native_batch_and_group_norm_outputs(data):
    groups = data.draw(st.integers(1, 2))
    n, c, hw = data.draw(st.integers(2, 3)), groups * data.draw(st.integers(1, 2)), data.draw(st.integers(1, 4))
    x, w, b = arr(data.draw, (n, c, hw)), arr(data.draw, (c,)), arr(data.draw, (c,))
    mean, var = x.mean(axis=(0, 2)), x.var(axis=(0, 2))
    out, m, invstd = mt.native_batch_norm(ten(x), ten(w), ten(b), None, None, True, 0.1, 1e-5)
    ref = (x - mean[:, None]) / np.sqrt(var[:, None] + 1e-5) * w[:, None] + b[:, None]
    close(out, ref, rtol=1e-8, atol=1e-10)
    close(m, mean)
    close(invstd, 1 / np.sqrt(var + 1e-5), rtol=1e-9)
    g = x.reshape(n, groups, -1)
    g_mean, g_var = g.mean(-1), g.var(-1)
    out, m, rstd = mt.native_group_norm(ten(x), ten(w), ten(b), n, c, hw, groups, 1e-5)
    ref = ((g - g_mean[..., None]) / np.sqrt(g_var[..., None] + 1e-5)).reshape(n, c, hw) * w[:, None] + b[:, None]
    close(out, ref, rtol=1e-8, atol=1e-10)
    close(m, g_mean)
    close(rstd, 1 / np.sqrt(g_var + 1e-5), rtol=1e-9)


@given(st.integers(1, 3), st.integers(1, 3), st.data())
def test_channel_shuffle_interleaves_groups(g, per, data):
    n, rest = data.draw(st.integers(1, 2)), sides(data.draw, data.draw(st.integers(1, 2)), 1, 3)
    x = arr(data.draw, (n, g * per, *rest))
    ref = x.reshape(n, g, per, *rest).swapaxes(1, 2).reshape(x.shape)
    close(F.channel_shuffle(ten(x), g), ref)


# --- attention, bilinear, grids -------------------------------------------------------------------


def _softmax(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@given(st.data(), st.booleans(), st.sampled_from([None, 0.7]))
def test_sdpa_is_softmax_attention(data, causal, scale):
    n, h, lq, s, e, ev = sides(data.draw, 6, 1, 3)
    q, k, v = arr(data.draw, (n, h, lq, e)), arr(data.draw, (n, h, s, e)), arr(data.draw, (n, h, s, ev))
    mask = arr(data.draw, (lq, s)) if not causal and data.draw(st.booleans()) else None
    z = q @ np.swapaxes(k, -1, -2) * (1 / np.sqrt(e) if scale is None else scale)
    if causal:
        z = np.where(np.tril(np.ones((lq, s), dtype=bool)), z, -np.inf)
    if mask is not None:
        z = z + mask
    ref = np.nan_to_num(_softmax(z)) @ v if causal else _softmax(z) @ v
    kw = dict(attn_mask=None if mask is None else ten(mask), is_causal=causal, scale=scale)
    close(F.scaled_dot_product_attention(ten(q), ten(k), ten(v), **kw), ref, rtol=1e-9, atol=1e-10)


@given(st.data(), st.booleans())
def test_bilinear_is_x1_w_x2_plus_b(data, bias):
    n, i1, i2, o = sides(data.draw, 4)
    x1, x2, w, b = arr(data.draw, (n, i1)), arr(data.draw, (n, i2)), arr(data.draw, (o, i1, i2)), arr(data.draw, (o,))
    ref = np.einsum("bi,oij,bj->bo", x1, w, x2) + (b if bias else 0)
    close(F.bilinear(ten(x1), ten(x2), ten(w), ten(b) if bias else None), ref, rtol=1e-9, atol=1e-10)


def _base(size, align):
    """Pixel-centre coordinates of one side in [-1, 1], as affine_grid lays them."""
    if align:
        return np.linspace(-1, 1, size) if size > 1 else np.zeros(1)
    return (2 * np.arange(size) + 1) / size - 1


@given(st.data(), st.booleans())
def test_affine_grid_maps_the_base_grid(data, align):
    n, h, w = data.draw(st.integers(1, 2)), data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
    theta = arr(data.draw, (n, 2, 3))
    ys, xs = np.meshgrid(_base(h, align), _base(w, align), indexing="ij")
    base = np.stack([xs, ys, np.ones_like(xs)], -1)  # (h, w, 3)
    ref = np.einsum("hwk,nck->nhwc", base, theta)
    close(F.affine_grid(ten(theta), (n, 1, h, w), align_corners=align), ref, rtol=1e-9, atol=1e-12)


def _sample(img, gx, gy, align, mode, padding):
    """grid_sample of a (C, H, W) image at normalized points: bilinear or nearest, zeros or border padding."""
    c, h, w = img.shape
    ix = (gx + 1) / 2 * (w - 1) if align else ((gx + 1) * w - 1) / 2
    iy = (gy + 1) / 2 * (h - 1) if align else ((gy + 1) * h - 1) / 2
    if padding == "border":
        ix, iy = np.clip(ix, 0, w - 1), np.clip(iy, 0, h - 1)
    if mode == "nearest":
        taps = [(np.rint(ix).astype(int), np.rint(iy).astype(int), np.ones_like(ix))]
    else:
        x0, y0 = np.floor(ix).astype(int), np.floor(iy).astype(int)
        taps = [
            (x0 + dx, y0 + dy, (1 - np.abs(ix - x0 - dx)) * (1 - np.abs(iy - y0 - dy)))
            for dx in (0, 1)
            for dy in (0, 1)
        ]
    out = np.zeros((c, *gx.shape))
    for xi, yi, wgt in taps:
        inside = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
        out += np.where(inside, wgt, 0.0) * img[:, np.clip(yi, 0, h - 1), np.clip(xi, 0, w - 1)]
    return out


@given(st.data(), st.booleans(), st.sampled_from(["bilinear", "nearest"]), st.sampled_from(["zeros", "border"]))
def test_grid_sample_bilinear_and_nearest(data, align, mode, padding):
    n, c, h, w = data.draw(st.integers(1, 2)), data.draw(st.integers(1, 2)), *sides(data.draw, 2, 1, 4)
    oh, ow = sides(data.draw, 2, 1, 3)
    x = arr(data.draw, (n, c, h, w))
    grid = arr(data.draw, (n, oh, ow, 2), st.floats(-1.3, 1.3))
    ref = np.stack([_sample(x[i], grid[i, ..., 0], grid[i, ..., 1], align, mode, padding) for i in range(n)])
    ours = F.grid_sample(ten(x), ten(grid), mode, padding, align_corners=align)
    close(ours, ref, rtol=1e-9, atol=1e-10)


@given(st.data())
def test_linear_cross_entropy_is_cross_entropy_of_the_linear_logits(data):
    n, i, c = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3)), data.draw(st.integers(2, 4))
    x, w, b = arr(data.draw, (n, i)), arr(data.draw, (c, i)), arr(data.draw, (c,))
    y = np.array(data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    logits = x @ w.T + b
    logp = logits - np.logaddexp.reduce(logits, axis=1, keepdims=True)
    ours = F.linear_cross_entropy(ten(x), ten(w), ten(y, mt.int64), linear_bias=ten(b))
    close(ours, -logp[np.arange(n), y].mean(), rtol=1e-9)


def _fractional_starts(size, k, out, u):
    """torch's pseudo-random pooling intervals: window starts of one side for the sample ``u`` in [0, 1)."""
    if out == 1:
        return np.array([size - k])
    alpha = (size - k) / (out - 1)
    starts = (np.floor((np.arange(out) + u) * alpha) - np.floor(u * alpha)).astype(int)
    starts[-1] = size - k
    return starts


@given(st.data())
def test_fractional_max_pool2d_takes_the_max_of_each_interval(data):
    n, c, k = data.draw(st.integers(1, 2)), data.draw(st.integers(1, 2)), data.draw(st.integers(1, 2))
    h, w = sides(data.draw, 2, k, k + 4)
    oh, ow = data.draw(st.integers(1, h - k + 1)), data.draw(st.integers(1, w - k + 1))
    x = arr(data.draw, (n, c, h, w))
    u = arr(data.draw, (n, c, 2), st.floats(0.0, 0.999))
    ref = np.empty((n, c, oh, ow))
    for i, j in np.ndindex(n, c):
        rows, cols = _fractional_starts(h, k, oh, u[i, j, 1]), _fractional_starts(w, k, ow, u[i, j, 0])
        for a, r in enumerate(rows):
            for b, s in enumerate(cols):
                ref[i, j, a, b] = x[i, j, r : r + k, s : s + k].max()
    out, idx = F.fractional_max_pool2d(ten(x), k, (oh, ow), return_indices=True, _random_samples=ten(u))
    close(out, ref)
    assert np.array_equal(
        np.take_along_axis(x.reshape(n, c, -1), idx.numpy().reshape(n, c, -1), 2), out.numpy().reshape(n, c, -1)
    )


def _mha_ref(q, k, v, heads, w_in, b_in, w_out, b_out):
    """Multi-head attention of (L, N, E) inputs, and its head-averaged weights (N, L, S)."""
    e = q.shape[-1]
    d = e // heads
    proj = [x @ w_in[i * e : (i + 1) * e].T + b_in[i * e : (i + 1) * e] for i, x in enumerate((q, k, v))]
    qh, kh, vh = (p.reshape(p.shape[0], p.shape[1] * heads, d).transpose(1, 0, 2) for p in proj)  # (N*H, L, d)
    attn = _softmax(qh @ kh.transpose(0, 2, 1) / np.sqrt(d))
    out = (attn @ vh).transpose(1, 0, 2).reshape(q.shape[0], q.shape[1], e) @ w_out.T + b_out
    return out, attn.reshape(q.shape[1], heads, q.shape[0], k.shape[0]).mean(1)


@given(st.integers(1, 2), st.integers(1, 2), st.data())
def test_multi_head_attention_forward_matches_the_reference(heads, per_head, data):
    e = heads * per_head
    lq, s, n = sides(data.draw, 3, 1, 3)
    q, k, v = arr(data.draw, (lq, n, e)), arr(data.draw, (s, n, e)), arr(data.draw, (s, n, e))
    w_in, b_in = arr(data.draw, (3 * e, e)), arr(data.draw, (3 * e,))
    w_out, b_out = arr(data.draw, (e, e)), arr(data.draw, (e,))
    ref_out, ref_w = _mha_ref(q, k, v, heads, w_in, b_in, w_out, b_out)
    args = (ten(w_in), ten(b_in), None, None, False, 0.0, ten(w_out), ten(b_out))
    out, weights = F.multi_head_attention_forward(ten(q), ten(k), ten(v), e, heads, *args, training=False)
    close(out, ref_out, rtol=1e-9, atol=1e-10)
    close(weights, ref_w, rtol=1e-9, atol=1e-12)
