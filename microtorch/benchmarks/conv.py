"""Convolution benchmarks: the issue's four shapes, forward alone and forward+backward, float32.

The numpy baseline of the forward is the bare GEMM (weights @ im2col columns, columns
prepared beforehand), so "vs numpy" shows the cost around BLAS.
"""

from __future__ import annotations

import importlib
import math
from functools import partial

from . import Case

__all__ = ["SHAPES", "cases", "conv_flops", "fwd_bwd_builder"]

# name, conv dims, input shape, weight shape, padding
SHAPES = [
    ("conv2d N=32 16->32 32x32 k3 p1", 2, (32, 16, 32, 32), (32, 16, 3, 3), 1),
    ("conv2d N=64 1->8 28x28 k5", 2, (64, 1, 28, 28), (8, 1, 5, 5), 0),
    ("conv1d N=32 16->32 L=1024 k5", 1, (32, 16, 1024), (32, 16, 5), 0),
    ("conv3d N=8 4->8 16^3 k3 p1", 3, (8, 4, 16, 16, 16), (8, 4, 3, 3, 3), 1),
]


def _out_spatial(xs, ws, padding):
    return tuple(n + 2 * padding - k + 1 for n, k in zip(xs[2:], ws[2:]))


def conv_flops(xs, ws, padding) -> float:
    """Multiply-adds x 2 of one forward convolution (backward is about twice that)."""
    return 2.0 * xs[0] * ws[0] * math.prod(ws[1:]) * math.prod(_out_spatial(xs, ws, padding))


def _inputs(lib, xs, ws):
    import numpy as np

    rng = np.random.default_rng(0)

    def leaf(shape):
        return lib.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)

    return leaf(xs), leaf(ws), leaf((ws[0],))


def _forward(library: str, dims: int, xs, ws, padding: int):
    lib = importlib.import_module(library)
    conv = getattr(lib.nn.functional, f"conv{dims}d")
    x, w, b = _inputs(lib, xs, ws)

    def run():
        with lib.no_grad():
            return conv(x, w, b, padding=padding)

    return run


def _fwd_bwd(library: str, dims: int, xs, ws, padding: int):
    lib = importlib.import_module(library)
    conv = getattr(lib.nn.functional, f"conv{dims}d")
    x, w, b = _inputs(lib, xs, ws)

    def run():
        x.grad = w.grad = b.grad = None
        conv(x, w, b, padding=padding).sum().backward()

    return run


def _gemm(xs, ws, padding):
    import numpy as np

    rng = np.random.default_rng(0)
    wm = rng.standard_normal((ws[0], math.prod(ws[1:]))).astype(np.float32)
    cols = rng.standard_normal((xs[0], wm.shape[1], math.prod(_out_spatial(xs, ws, padding)))).astype(np.float32)
    out = np.empty((xs[0], ws[0], cols.shape[2]), dtype=np.float32)
    return lambda: np.matmul(wm, cols, out=out)


def fwd_bwd_builder(library: str, dims: int, xs, ws, padding: int):
    """A builder of one forward+backward of this convolution in ``library`` (for the memory probe)."""
    return partial(_fwd_bwd, library, dims, xs, ws, padding)


def _prime(library: str, dims: int, xs, ws, padding: int) -> None:
    """One forward+backward of the same convolution on one small input (N=1, each side kernel + 1)."""
    small = (1, xs[1], *(k + 1 for k in ws[2:]))
    _fwd_bwd(library, dims, small, ws, padding)()


def cases(quick: bool = False) -> list[Case]:
    """Forward (with the bare numpy GEMM) and forward+backward of each shape (two shapes with ``quick``)."""
    result = []
    for name, dims, xs, ws, padding in SHAPES[:2] if quick else SHAPES:
        flops = conv_flops(xs, ws, padding)
        fwd = {lib: partial(_forward, lib, dims, xs, ws, padding) for lib in ("microtorch", "torch")}
        fwd["numpy"] = partial(_gemm, xs, ws, padding)
        result.append(Case(f"{name} fwd", fwd, "numpy = bare GEMM", {"flops": flops}))
        both = {lib: fwd_bwd_builder(lib, dims, xs, ws, padding) for lib in ("microtorch", "torch")}
        prime = {lib: partial(_prime, lib, dims, xs, ws, padding) for lib in ("microtorch", "torch")}
        result.append(Case(f"{name} fwd+bwd", both, "", {"flops": 3 * flops}, prime))
    return result
