"""Pooling benchmarks: forward + backward in float32 against torch in the same run
(max_pool2d 2x2, max_pool2d 3x3 stride 2 padding 1, avg_pool2d 2x2, max_pool3d 2x2x2)."""

from __future__ import annotations

import numpy as np

from . import Case, torch_or_none

__all__ = ["cases"]

# (label, functional name, input shape, args, quick-mode shape)
_SPECS = [
    ("max_pool2d 2x2", "max_pool2d", (32, 32, 32, 32), (2,), (8, 8, 32, 32)),
    ("max_pool2d 3x3 s2 p1", "max_pool2d", (32, 64, 56, 56), (3, 2, 1), (4, 16, 56, 56)),
    ("avg_pool2d 2x2", "avg_pool2d", (32, 32, 32, 32), (2,), (8, 8, 32, 32)),
    ("max_pool3d 2x2x2", "max_pool3d", (8, 8, 16, 16, 16), (2,), (2, 8, 16, 16, 16)),
]


def _case(name: str, fn_name: str, shape: tuple, args: tuple) -> Case:
    import microtorch as mt
    import microtorch.nn.functional as F

    a = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    x = mt.tensor(a, requires_grad=True)
    fn = getattr(F, fn_name)
    y0 = fn(x, *args)
    go = np.ones(y0.shape, dtype=np.float32)
    g = mt.tensor(go)

    def run_mt():
        fn(x, *args).backward(g)
        x.grad = None

    run_torch = None
    torch = torch_or_none()
    if torch is not None:
        tx = torch.tensor(a, requires_grad=True)
        tfn = getattr(torch.nn.functional, fn_name)
        tg = torch.tensor(go)

        def run_torch():
            tfn(tx, *args).backward(tg)
            tx.grad = None

    return Case(f"{name} {shape} fwd+bwd", run_mt, run_torch, note="float32")


def cases(quick: bool = False) -> list[Case]:
    """The four pooling cases of the issue (smaller batches with ``quick``)."""
    return [_case(name, fn, q if quick else shape, args) for name, fn, shape, args, q in _SPECS]
