"""nn.functional layers: embeddings, grid sampling (grids kept off the interpolation's kinks), affine grids,
local response / RMS norm, channel shuffle, fractional max pooling (fixed samples), rrelu in eval mode."""

from __future__ import annotations

import numpy as np

from ._core import family
from ._gen import GAP, distinct, index, off, shape, t, ten

N = family("nn")

_MODES = {"bilinear": 0, "nearest": 1, "bicubic": 2}
_PADDINGS = {"zeros": 0, "border": 1, "reflection": 2}


def _embedding(rng, f):
    v, d = int(rng.integers(2, 6)), int(rng.integers(1, 4))
    idx = index(rng, v, shape(rng, 0, 2))
    # no padding_idx: its row's gradient is zeroed by design, not the derivative (torch's gradcheck fails too)
    return (lambda w: f(idx, w)), (t(rng, (v, d)),)


def _bag_layout(rng, v):
    """``(input, offsets, include_last_offset)``: a 2-d input of equal bags, or a 1-d one cut by offsets."""
    if rng.random() < 0.4:
        return index(rng, v, (int(rng.integers(1, 4)), int(rng.integers(1, 4)))), None, False
    n = int(rng.integers(1, 7))
    cuts = np.sort(rng.integers(0, n + 1, size=int(rng.integers(1, 4))))
    cuts[0] = 0
    last = bool(rng.random() < 0.3)
    offsets = np.append(cuts, n) if last else cuts
    return index(rng, v, (n,)), ten(offsets, False).long(), last


def _embedding_bag(rng, f):
    v, d = int(rng.integers(2, 6)), int(rng.integers(1, 4))
    idx, offsets, last = _bag_layout(rng, v)
    mode = str(rng.choice(["sum", "mean", "max"]))
    kw = dict(offsets=offsets, mode=mode, include_last_offset=last)
    if rng.random() < 0.3:
        kw["padding_idx"] = int(rng.integers(0, v))
    w = distinct(rng, (v, d), -1.0, 1.0)  # max mode: no ties between rows
    if mode == "sum" and rng.random() < 0.5:
        psw = t(rng, tuple(idx.shape), 0.5, 1.5)
        return (lambda w, p: f(idx, w, per_sample_weights=p, **kw)), (w, psw)
    return (lambda w: f(idx, w, **kw)), (w,)


def _source_coords(rng, n_points, size, interior):
    """Unnormalized sample coordinates along one side, fractional parts off 0 (linear's kink) and 0.5 (nearest's).

    ``interior`` keeps them inside the input, where border and reflection padding do not clip.
    """
    low = 0 if interior else -1
    k = rng.integers(low, max(size - 1, low + 1), size=n_points)
    frac = rng.uniform(0.1, 0.4, size=n_points) + (rng.random(size=n_points) < 0.5) * 0.5  # off 0 and 0.5
    return k + frac


def _normalized(ix, size, align_corners):
    """Grid coordinates in [-1, 1] whose unnormalized position is ``ix``."""
    if align_corners:
        return ix / (size - 1) * 2 - 1
    return (2 * ix + 1) / size - 1


def _grid(rng, sides, out, padding, align_corners):
    """A grid of ``out`` points sampling an input of spatial ``sides`` (each >= 2), width first."""
    n_points = int(np.prod(out))
    cols = []
    for size in reversed(sides):  # grid[..., 0] indexes the last (width) side
        ix = _source_coords(rng, n_points, size, padding != "zeros")
        cols.append(_normalized(ix, size, align_corners))
    return np.stack(cols, -1).reshape(*out, len(sides))


def _grid_case(rng, nd):
    """``(input, grid, mode, padding, align_corners)`` of a ``nd``-d grid sample (bicubic in 2-d only)."""
    mode = str(rng.choice(["bilinear", "nearest", "bicubic"] if nd == 2 else ["bilinear", "nearest"]))
    padding = str(rng.choice(list(_PADDINGS)))
    align = bool(rng.random() < 0.5)
    n, c = int(rng.integers(1, 3)), int(rng.integers(1, 3))
    sides = tuple(int(v) for v in rng.integers(2, 5, size=nd))
    out = (n, *(int(v) for v in rng.integers(1, 3, size=nd)))
    grid = _grid(rng, sides, out, padding, align)
    return t(rng, (n, c, *sides)), ten(grid), mode, padding, align


def _grid_sample(rng, f):
    x, grid, mode, padding, align = _grid_case(rng, 2 if rng.random() < 0.7 else 3)
    return (lambda x, g: f(x, g, mode, padding, align)), (x, grid)


def _grid_sampler(nd):
    """``grid_sampler``/``_2d``/``_3d``: the same sampling with integer mode and padding codes."""

    def build(rng, f):
        x, grid, mode, padding, align = _grid_case(rng, nd or (2 if rng.random() < 0.7 else 3))
        m, p = _MODES[mode], _PADDINGS[padding]
        return (lambda x, g: f(x, g, m, p, align)), (x, grid)

    return build


def _affine_grid(rng, f):
    nd = 2 if rng.random() < 0.7 else 3
    n = int(rng.integers(1, 3))
    size = (n, int(rng.integers(1, 3)), *(int(v) for v in rng.integers(1, 4, size=nd)))
    align = bool(rng.random() < 0.5)
    return (lambda th: f(th, size, align_corners=align)), (t(rng, (n, nd, nd + 1)),)


def _local_response_norm(rng, f):
    s = (
        int(rng.integers(1, 3)),
        int(rng.integers(1, 5)),
        *(int(v) for v in rng.integers(1, 4, size=int(rng.integers(1, 3)))),
    )
    size = int(rng.integers(1, 4))
    alpha, beta, k = float(rng.choice([1e-4, 0.5])), float(rng.choice([0.75, 1.5])), float(rng.choice([1.0, 2.0]))
    return (lambda x: f(x, size, alpha, beta, k)), (t(rng, s),)


def _rms_norm(rng, f):
    s = tuple(int(v) for v in rng.integers(1, 4, size=int(rng.integers(1, 4))))
    normalized = s[-int(rng.integers(1, len(s) + 1)) :]
    eps = float(rng.choice([1e-5, 1e-3])) if rng.random() < 0.5 else None
    if rng.random() < 0.5:
        return (lambda x, w: f(x, normalized, w, eps)), (t(rng, s), t(rng, normalized, 0.5, 1.5))
    return (lambda x: f(x, normalized, None, eps)), (t(rng, s),)


def _channel_shuffle(rng, f):
    g = int(rng.integers(1, 4))
    s = (int(rng.integers(1, 3)), g * int(rng.integers(1, 3)), *shape(rng, 1, 2, max_side=3))
    return (lambda x: f(x, g)), (t(rng, s),)


def _fractional(nd: int):
    """Fractional max pooling with fixed ``_random_samples`` (the draw is then not random), distinct values."""

    def build(rng, f):
        n, c = int(rng.integers(1, 3)), int(rng.integers(1, 3))
        k = int(rng.integers(1, 3))
        sides = tuple(int(v) for v in rng.integers(k + 1, k + 4, size=nd))
        samples = ten(rng.uniform(0, 1, size=(n, c, nd)), False)
        if rng.random() < 0.5:
            size = dict(output_size=tuple(int(rng.integers(1, s - k + 2)) for s in sides))
        else:
            # a ratio per side: torch's fractional_max_pool2d raises TypeError on a float ratio (it calls len)
            size = dict(output_ratio=(float(rng.choice([0.5, 0.7])),) * nd)
        return (lambda x: f(x, k, _random_samples=samples, **size)), (distinct(rng, (n, c, *sides)),)

    return build


def _rrelu(rng, f):
    lower, upper = sorted(float(v) for v in rng.uniform(0.05, 0.5, size=2))
    x = ten(off(rng.uniform(-1, 1, size=shape(rng, 0)), (0.0,), GAP))
    return (lambda x: f(x, lower, upper, training=False)), (x,)


def _native_batch_norm(rng, f):
    n, c = int(rng.integers(2, 4)), int(rng.integers(1, 3))
    x = t(rng, (n, c, *shape(rng, 0, 2, max_side=3)))
    training = bool(rng.random() < 0.6)
    stats = (
        (t(rng, (c,), grad=False), t(rng, (c,), 0.5, 1.5, grad=False))
        if not training or rng.random() < 0.5
        else (None, None)
    )
    return (lambda x, w, b: f(x, w, b, *stats, training, 0.1, 1e-3)), (x, t(rng, (c,), 0.5, 1.5), t(rng, (c,)))


def _native_group_norm(rng, f):
    """Output 0 only: torch's mean and rstd outputs carry a grad_fn whose gradient is not theirs."""
    groups = int(rng.integers(1, 3))
    n, c, hw = int(rng.integers(1, 3)), groups * int(rng.integers(1, 3)), int(rng.integers(2, 5))
    x = t(rng, (n, c, hw))
    return (lambda x, w, b: f(x, w, b, n, c, hw, groups, 1e-3)[0]), (x, t(rng, (c,), 0.5, 1.5), t(rng, (c,)))


def _native_layer_norm(rng, f):
    s = tuple(int(v) for v in rng.integers(2, 4, size=int(rng.integers(2, 4))))
    normalized = s[-int(rng.integers(1, len(s))) :]
    if rng.random() < 0.3:
        return (lambda x: f(x, normalized, None, None, 1e-3)), (t(rng, s),)
    return (lambda x, w, b: f(x, normalized, w, b, 1e-3)), (t(rng, s), t(rng, normalized, 0.5, 1.5), t(rng, normalized))


OPS = [
    N("embedding", _embedding, "F"),
    N("embedding_bag", _embedding_bag, "F"),
    N("grid_sample", _grid_sample, "F"),
    N("grid_sampler", _grid_sampler(0), "torch"),
    N("grid_sampler_2d", _grid_sampler(2), "torch"),
    N("grid_sampler_3d", _grid_sampler(3), "torch"),
    N("affine_grid", _affine_grid, "F"),
    N("local_response_norm", _local_response_norm, "F"),
    N("rms_norm", _rms_norm, "F torch"),
    N("channel_shuffle", _channel_shuffle, "F torch"),
    N("fractional_max_pool2d", _fractional(2), "F F.fractional_max_pool2d_with_indices"),
    N("fractional_max_pool3d", _fractional(3), "F F.fractional_max_pool3d_with_indices"),
    N("rrelu", _rrelu, "F torch"),
    N("native_batch_norm", _native_batch_norm, "torch"),
    N("native_group_norm", _native_group_norm, "torch"),
    N("native_layer_norm", _native_layer_norm, "torch"),
]
