"""Convolutions (and transposed), padding, im2col (unfold/fold), pixel shuffles, resampling, microtorch.signal."""

from __future__ import annotations

from ._core import family
from ._gen import t

C = family("conv")


def _conv(nd: int, transpose: bool = False):
    def build(rng, f):
        groups = int(rng.integers(1, 3))
        cin, cout = groups * int(rng.integers(1, 3)), groups * int(rng.integers(1, 3))
        k = tuple(int(v) for v in rng.integers(1, 4 if nd < 3 else 3, size=nd))
        stride = int(rng.integers(1, 3))
        dilation = int(rng.integers(1, 3)) if nd < 3 else 1
        size = tuple(int(dilation * (kk - 1) + 1 + rng.integers(0, 3)) for kk in k)
        x = t(rng, (int(rng.integers(1, 3)), cin, *size))
        w = t(rng, (cin, cout // groups, *k) if transpose else (cout, cin // groups, *k))
        opts = dict(stride=stride, dilation=dilation, groups=groups)
        if transpose:
            opts["output_padding"] = int(rng.integers(0, max(stride, dilation)))
        else:
            opts["padding"] = int(rng.integers(0, 2))
        if rng.random() < 0.3:
            return (lambda x, w: f(x, w, None, **opts)), (x, w)
        return (lambda x, w, b: f(x, w, b, **opts)), (x, w, t(rng, (cout,)))

    return build


def _pad(rng, f):
    mode = str(rng.choice(["constant", "reflect", "replicate", "circular"]))
    nd = int(rng.integers(1, 4))
    size = tuple(int(v) for v in rng.integers(3, 5, size=nd))
    pads = tuple(int(v) for v in rng.integers(0 if mode != "constant" else -1, 3, size=2 * nd))
    kw = dict(value=float(rng.uniform(-1, 1))) if mode == "constant" else {}
    return (lambda x: f(x, pads, mode=mode, **kw)), (t(rng, (1, 2, *size)),)


def _unfold(rng, f):
    kernel = tuple(int(v) for v in rng.integers(1, 3, size=2))
    stride = tuple(int(v) for v in rng.integers(1, 3, size=2))
    padding, dilation = int(rng.integers(0, 2)), int(rng.integers(1, 3))
    return (lambda x: f(x, kernel, dilation=dilation, padding=padding, stride=stride)), (t(rng, (1, 2, 4, 5)),)


def _fold(rng, f):
    kernel = tuple(int(v) for v in rng.integers(1, 3, size=2))
    stride = tuple(int(v) for v in rng.integers(1, 3, size=2))
    padding = int(rng.integers(0, 2))
    blocks = [(s + 2 * padding - k) // st + 1 for s, k, st in zip((4, 5), kernel, stride)]
    cols = t(rng, (1, 2 * kernel[0] * kernel[1], blocks[0] * blocks[1]))
    return (lambda c: f(c, (4, 5), kernel, padding=padding, stride=stride)), (cols,)


def _pixel_shuffle(rng, f):
    r = int(rng.integers(1, 3))
    return (lambda x: f(x, r)), (t(rng, (int(rng.integers(1, 3)), r * r, 2, int(rng.integers(1, 3)))),)


def _pixel_unshuffle(rng, f):
    r = int(rng.integers(1, 3))
    return (lambda x: f(x, r)), (t(rng, (1, int(rng.integers(1, 3)), 2 * r, r)),)


_MODES = {
    1: ["nearest", "linear", "area", "nearest-exact"],
    2: ["nearest", "bilinear", "bicubic", "area"],
    3: ["nearest", "trilinear", "area"],
}


def _interpolate(rng, f):
    nd = int(rng.integers(1, 4))
    mode = str(rng.choice(_MODES[nd]))
    size = tuple(int(v) for v in rng.integers(2, 4, size=nd))
    kw = dict(mode=mode)
    if mode in ("linear", "bilinear", "bicubic", "trilinear"):
        kw["align_corners"] = bool(rng.random() < 0.5)
    if rng.random() < 0.5:
        kw["size"] = tuple(int(v) for v in rng.integers(1, 6, size=nd))
    else:
        kw["scale_factor"] = float(rng.choice([2.0, 1.5, 0.5]))
    return (lambda x: f(x, **kw)), (t(rng, (1, int(rng.integers(1, 3)), *size)),)


def _upsample_as(mode=None):
    """upsample(_bilinear/_nearest): a size or an integer scale; ``mode`` None for upsample's own choice."""

    def build(rng, f):
        nd = 2 if mode is not None else int(rng.integers(1, 3))
        size = tuple(int(v) for v in rng.integers(2, 4, size=nd))
        kw = (
            dict(scale_factor=2)
            if rng.random() < 0.5
            else dict(size=tuple(int(v) for v in rng.integers(1, 6, size=nd)))
        )
        if mode is None:
            kw["mode"] = "nearest" if rng.random() < 0.5 else ("linear" if nd == 1 else "bilinear")
        return (lambda x: f(x, **kw)), (t(rng, (1, 2, *size)),)

    return build


def _signal(rng, f):
    nd = int(rng.integers(1, 3))
    mode = str(rng.choice(["full", "valid", "same"]))
    xs = tuple(int(v) for v in rng.integers(3, 6, size=nd))
    ks = tuple(int(v) for v in rng.integers(1, 4, size=nd))
    return (lambda x, k: f(x, k, mode=mode)), (t(rng, xs), t(rng, ks))


OPS = [
    C("conv1d", _conv(1), "torch F"),
    C("conv2d", _conv(2), "torch F"),
    C("conv3d", _conv(3), "torch F"),
    C("conv_transpose1d", _conv(1, transpose=True), "torch F"),
    C("conv_transpose2d", _conv(2, transpose=True), "torch F"),
    C("conv_transpose3d", _conv(3, transpose=True), "torch F"),
    C("pad", _pad, "F"),
    C("unfold", _unfold, "F"),
    C("fold", _fold, "F"),
    C("pixel_shuffle", _pixel_shuffle, "F"),
    C("pixel_unshuffle", _pixel_unshuffle, "F"),
    C("interpolate", _interpolate, "F"),
    C("upsample", _upsample_as(), "F"),
    C("upsample_bilinear", _upsample_as("bilinear"), "F"),
    C("upsample_nearest", _upsample_as("nearest"), "F"),
    C("convolve", _signal, "signal"),
    C("correlate", _signal, "signal"),
]
