"""Naive convolution references written straight from the definitions (tests only)."""

from __future__ import annotations

import contextlib
import itertools

import numpy as np


def resolve_padding(padding, kernel, dilation):
    """(before, after) per dim for an int tuple, 'valid' or 'same' (PyTorch's split)."""
    if padding == "valid":
        return [(0, 0)] * len(kernel)
    if padding == "same":
        return [(d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for k, d in zip(kernel, dilation)]
    return [(p, p) for p in padding]


def naive_conv(x, w, b, stride, padding, dilation, groups):
    """out[n, o, *p] = b[o] + sum_{c, *j} w[o, c, *j] * xpad[n, g*Cg + c, *(p*s + j*d)]."""
    kernel = w.shape[2:]
    pads = resolve_padding(padding, kernel, dilation)
    xp = np.pad(x, [(0, 0), (0, 0)] + pads)
    n, cin = x.shape[:2]
    cout, cg = w.shape[:2]
    og = cout // groups
    out_sp = [(s - (d * (k - 1) + 1)) // st + 1 for s, k, st, d in zip(xp.shape[2:], kernel, stride, dilation)]
    out = np.zeros((n, cout, *out_sp))
    for ni, o in itertools.product(range(n), range(cout)):
        g = o // og
        for pos in itertools.product(*map(range, out_sp)):
            acc = b[o] if b is not None else 0.0
            for c in range(cg):
                for j in itertools.product(*map(range, kernel)):
                    idx = tuple(p * st + jj * d for p, st, jj, d in zip(pos, stride, j, dilation))
                    acc += w[(o, c) + j] * xp[(ni, g * cg + c) + idx]
            out[(ni, o) + pos] = acc
    return out


def naive_conv_transpose(x, w, b, stride, padding, output_padding, dilation, groups):
    """Scatter form: every input element adds w * x[n, c, *i] at i*s + j*d, then crop padding."""
    kernel = w.shape[2:]
    n, cin = x.shape[:2]
    og = w.shape[1]
    cg = cin // groups
    cout = og * groups
    out_sp = [
        (i - 1) * s - 2 * p + d * (k - 1) + op + 1
        for i, s, p, d, k, op in zip(x.shape[2:], stride, padding, dilation, kernel, output_padding)
    ]
    canvas = np.zeros((n, cout, *[o + 2 * p for o, p in zip(out_sp, padding)]))
    for ni, c in itertools.product(range(n), range(cin)):
        g = c // cg
        for pos in itertools.product(*map(range, x.shape[2:])):
            for j in itertools.product(*map(range, kernel)):
                idx = tuple(p * s + jj * d for p, s, jj, d in zip(pos, stride, j, dilation))
                if all(i < sz for i, sz in zip(idx, canvas.shape[2:])):
                    for oc in range(og):
                        canvas[(ni, g * og + oc) + idx] += x[(ni, c) + pos] * w[(c, oc) + j]
    out = canvas[(slice(None), slice(None)) + tuple(slice(p, p + o) for p, o in zip(padding, out_sp))]
    if b is not None:
        out = out + b.reshape((1, -1) + (1,) * len(kernel))
    return out


@contextlib.contextmanager
def kernel_path(small: bool):
    """Force the convolution kernels onto their small-problem route, or off it.

    Test shapes are small, so without this they would only ever reach that route.
    """
    from microtorch.kernels import conv as kernels

    saved = kernels._SMALL_ELEMENTS
    kernels._SMALL_ELEMENTS = 1 << 62 if small else -1
    try:
        yield
    finally:
        kernels._SMALL_ELEMENTS = saved
