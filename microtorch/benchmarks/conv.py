"""Convolution benchmarks: the issue's four shapes, forward and forward+backward, float32.

Each case times microtorch and torch in the same run; the numpy baseline is the bare
forward GEMM (weights @ im2col columns, columns prepared beforehand), so "vs numpy"
shows the overhead around BLAS. ``gflops`` and ``peak_memory`` add the achieved GFLOP/s
and the peak memory of one forward+backward.
"""

from __future__ import annotations

import math
import time
import tracemalloc

import numpy as np

from . import Case, torch_or_none

__all__ = ["SHAPES", "cases", "conv_flops", "numpy_matmul_gflops", "peak_memory"]

# name, conv dims, input shape, weight shape, padding
SHAPES = [
    ("conv2d N=32 16->32 32x32 k3 p1", 2, (32, 16, 32, 32), (32, 16, 3, 3), 1),
    ("conv2d N=64 1->8 28x28 k5", 2, (64, 1, 28, 28), (8, 1, 5, 5), 0),
    ("conv1d N=32 16->32 L=1024 k5", 1, (32, 16, 1024), (32, 16, 5), 0),
    ("conv3d N=8 4->8 16^3 k3 p1", 3, (8, 4, 16, 16, 16), (8, 4, 3, 3, 3), 1),
]


def _out_spatial(x_shape, w_shape, padding):
    return tuple(n + 2 * padding - k + 1 for n, k in zip(x_shape[2:], w_shape[2:]))


def conv_flops(x_shape, w_shape, padding) -> float:
    """Multiply-adds x 2 of one forward convolution (backward is about twice that)."""
    return 2.0 * x_shape[0] * w_shape[0] * math.prod(w_shape[1:]) * math.prod(_out_spatial(x_shape, w_shape, padding))


def numpy_matmul_gflops(n: int = 1024, repeat: int = 5) -> float:
    """numpy's own float32 square-matmul GFLOP/s on this machine (best of ``repeat``)."""
    a = np.random.default_rng(0).standard_normal((n, n)).astype(np.float32)
    a @ a
    best = min(_timed(lambda: a @ a) for _ in range(repeat))
    return 2.0 * n**3 / best / 1e9


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _mt_fns(dims, xs, ws, padding):
    import microtorch as mt
    import microtorch.nn.functional as F

    conv = getattr(F, f"conv{dims}d")
    x = mt.randn(*xs, requires_grad=True)
    w = mt.randn(*ws, requires_grad=True)
    b = mt.randn(ws[0], requires_grad=True)

    def fwd():
        with mt.no_grad():
            return conv(x, w, b, padding=padding)

    def fwd_bwd():
        x.grad = w.grad = b.grad = None
        conv(x, w, b, padding=padding).sum().backward()

    return fwd, fwd_bwd


def _torch_fns(torch, dims, xs, ws, padding):
    conv = getattr(torch.nn.functional, f"conv{dims}d")
    x = torch.randn(*xs, requires_grad=True)
    w = torch.randn(*ws, requires_grad=True)
    b = torch.randn(ws[0], requires_grad=True)

    def fwd():
        with torch.no_grad():
            return conv(x, w, b, padding=padding)

    def fwd_bwd():
        x.grad = w.grad = b.grad = None
        conv(x, w, b, padding=padding).sum().backward()

    return fwd, fwd_bwd


def _numpy_gemm(xs, ws, padding):
    rng = np.random.default_rng(0)
    wm = rng.standard_normal((ws[0], math.prod(ws[1:]))).astype(np.float32)
    cols = rng.standard_normal((xs[0], wm.shape[1], math.prod(_out_spatial(xs, ws, padding)))).astype(np.float32)
    out = np.empty((xs[0], ws[0], cols.shape[2]), dtype=np.float32)
    return lambda: np.matmul(wm, cols, out=out)


def cases(quick: bool = False) -> list[Case]:
    """Forward and forward+backward of each shape, with torch and the bare numpy GEMM."""
    torch = torch_or_none()
    shapes = SHAPES[:2] if quick else SHAPES
    result = []
    for name, dims, xs, ws, padding in shapes:
        mf, mfb = _mt_fns(dims, xs, ws, padding)
        tf, tfb = _torch_fns(torch, dims, xs, ws, padding) if torch else (None, None)
        gemm = _numpy_gemm(xs, ws, padding)
        flops = conv_flops(xs, ws, padding)
        result.append(Case(f"{name} fwd", mf, tf, gemm, note="numpy = bare GEMM", extra={"flops": flops}))
        result.append(Case(f"{name} fwd+bwd", mfb, tfb, None, extra={"flops": 3 * flops}))
    return result


def peak_memory(dims, xs, ws, padding) -> tuple[float, float | None]:
    """Peak bytes allocated during one forward+backward: (microtorch, torch).

    microtorch's is measured with tracemalloc (numpy reports its buffers to it), including
    the im2col workspace; torch's
    with ``torch.profiler`` memory profiling: the largest running total of its CPU
    allocations and frees in call order (leaf events only).
    """
    from ..kernels import conv as kernels

    _, mfb = _mt_fns(dims, xs, ws, padding)
    mfb()
    kernels.arenas().clear()  # count the im2col workspace too, as a first call would
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    mfb()
    peak_mt = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    torch = torch_or_none()
    if torch is None:
        return peak_mt, None
    _, tfb = _torch_fns(torch, dims, xs, ws, padding)
    tfb()
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:  # noqa: SIM117
        tfb()
    # leaf events only: an allocation is also reported by every op enclosing it
    leaves = (e for e in prof.events() if e.cpu_memory_usage and not e.cpu_children)
    events = sorted(leaves, key=lambda e: e.time_range.start)
    running = peak = 0
    for e in events:
        running += e.cpu_memory_usage
        peak = max(peak, running)
    return peak_mt, float(peak)
