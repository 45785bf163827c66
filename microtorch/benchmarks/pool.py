"""Pooling benchmarks: forward + backward in float32 (max_pool2d 3x3 stride 2 padding 1,
max_pool2d 2x2, avg_pool2d 2x2, max_pool3d 2x2x2)."""

from __future__ import annotations

import importlib
from functools import partial

from . import Case

__all__ = ["cases"]

# (label, functional name, input shape, args, quick-mode shape)
_SPECS = [
    ("max_pool2d 3x3 s2 p1", "max_pool2d", (32, 64, 56, 56), (3, 2, 1), (4, 16, 56, 56)),
    ("max_pool2d 2x2", "max_pool2d", (32, 32, 32, 32), (2,), (8, 8, 32, 32)),
    ("avg_pool2d 2x2", "avg_pool2d", (32, 32, 32, 32), (2,), (8, 8, 32, 32)),
    ("max_pool3d 2x2x2", "max_pool3d", (8, 8, 16, 16, 16), (2,), (2, 8, 16, 16, 16)),
]


def _pool(library: str, fn_name: str, shape: tuple, args: tuple):
    import numpy as np

    lib = importlib.import_module(library)
    x = lib.tensor(np.random.default_rng(0).standard_normal(shape).astype(np.float32), requires_grad=True)
    fn = getattr(lib.nn.functional, fn_name)
    g = lib.ones(tuple(fn(x.detach(), *args).shape))

    def run():
        fn(x, *args).backward(g)
        x.grad = None

    return run


def cases(quick: bool = False) -> list[Case]:
    """The pooling cases (smaller batches with ``quick``)."""
    result = []
    for name, fn, shape, args, quick_shape in _SPECS:
        s = quick_shape if quick else shape
        builders = {lib: partial(_pool, lib, fn, s, args) for lib in ("microtorch", "torch")}
        result.append(Case(f"{name} {s} fwd+bwd", builders, "float32"))
    return result
