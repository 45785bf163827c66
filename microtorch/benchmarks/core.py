"""Core benchmarks: per-op overhead, large elementwise ops, and a large matmul,
each forward + backward, against torch and against numpy doing the same arithmetic."""

from __future__ import annotations

import numpy as np

from . import Case, torch_or_none

__all__ = ["cases"]


def _chain_case(n: int = 10) -> Case:
    import microtorch as mt

    rng = np.random.default_rng(0)
    a = rng.standard_normal(n).astype(np.float32)
    x = mt.tensor(a, requires_grad=True)

    def run_mt():
        y = x * 2.0
        y = y + 1.0
        y = y.sin()
        y = y * x
        y = y.exp()
        y = y - x
        y = y.tanh()
        y = y * y
        y = y.sigmoid()
        y.sum().backward()
        x.grad = None

    def run_np():
        # the same arithmetic, forward and backward, written by hand
        y1 = a * 2.0
        y2 = y1 + 1.0
        y3 = np.sin(y2)
        y4 = y3 * a
        y5 = np.exp(y4)
        y6 = y5 - a
        y7 = np.tanh(y6)
        y8 = y7 * y7
        y9 = 1 / (1 + np.exp(-y8))
        g = np.ones_like(y9) * y9 * (1 - y9)
        g = g * 2 * y7
        g = g * (1 - y7 * y7)
        ga = -g
        g = g * y5
        ga = ga + g * y3
        g = g * a
        g = g * np.cos(y2)
        ga = ga + g * 2.0
        return ga

    torch = torch_or_none()
    run_torch = None
    if torch is not None:
        tx = torch.tensor(a, requires_grad=True)

        def run_torch():
            y = tx * 2.0
            y = y + 1.0
            y = y.sin()
            y = y * tx
            y = y.exp()
            y = y - tx
            y = y.tanh()
            y = y * y
            y = y.sigmoid()
            y.sum().backward()
            tx.grad = None

    return Case(f"elementwise chain, 10 ops on {n} elements, fwd+bwd", run_mt, run_torch, run_np, "per-op overhead")


def _large_case(n: int) -> Case:
    import microtorch as mt

    rng = np.random.default_rng(1)
    a = rng.standard_normal(n).astype(np.float32)
    b = rng.standard_normal(n).astype(np.float32)
    x = mt.tensor(a, requires_grad=True)
    w = mt.tensor(b, requires_grad=True)

    def run_mt():
        y = (x * w + 1.0).tanh()
        (y * y).sum().backward()
        x.grad = None
        w.grad = None

    def run_np():
        p = a * b
        s = p + 1.0
        t = np.tanh(s)
        g = 2 * t
        g = g * (1 - t * t)
        return g * b, g * a

    torch = torch_or_none()
    run_torch = None
    if torch is not None:
        tx = torch.tensor(a, requires_grad=True)
        tw = torch.tensor(b, requires_grad=True)

        def run_torch():
            y = (tx * tw + 1.0).tanh()
            (y * y).sum().backward()
            tx.grad = None
            tw.grad = None

    return Case(f"elementwise (x*w+1).tanh()**2 on {n:,} elements, fwd+bwd", run_mt, run_torch, run_np, "float32")


def _matmul_case(n: int) -> Case:
    import microtorch as mt

    rng = np.random.default_rng(2)
    a = rng.standard_normal((n, n)).astype(np.float32)
    b = rng.standard_normal((n, n)).astype(np.float32)
    g = np.ones((n, n), dtype=np.float32)
    x = mt.tensor(a, requires_grad=True)
    y = mt.tensor(b, requires_grad=True)
    go = mt.tensor(g)

    def run_mt():
        (x @ y).backward(go)
        x.grad = None
        y.grad = None

    def run_np():
        return a @ b, g @ b.T, a.T @ g

    torch = torch_or_none()
    run_torch = None
    if torch is not None:
        tx = torch.tensor(a, requires_grad=True)
        ty = torch.tensor(b, requires_grad=True)
        tg = torch.tensor(g)

        def run_torch():
            (tx @ ty).backward(tg)
            tx.grad = None
            ty.grad = None

    return Case(f"matmul {n}x{n} float32, fwd+bwd", run_mt, run_torch, run_np, "numpy = the 3 matmuls")


def cases(quick: bool = False) -> list[Case]:
    """The core benchmark cases."""
    return [_chain_case(10), _large_case(100_000 if quick else 1_000_000), _matmul_case(256 if quick else 1024)]
