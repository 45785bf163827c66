"""Core benchmarks: per-op overhead, large elementwise ops and a large matmul, each forward +
backward, in microtorch, torch (the same code: the API is the same) and numpy by hand."""

from __future__ import annotations

import importlib
from functools import partial

from . import Case

__all__ = ["cases"]


def _chain_data(n: int):
    import numpy as np

    return np.random.default_rng(0).standard_normal(n).astype(np.float32)


def _chain(library: str, n: int):
    lib = importlib.import_module(library)
    x = lib.tensor(_chain_data(n), requires_grad=True)

    def run():
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

    return run


def _chain_numpy(n: int):
    import numpy as np

    a = _chain_data(n)

    def run():
        # the same arithmetic, forward and backward, written by hand
        y2 = a * 2.0 + 1.0
        y3 = np.sin(y2)
        y5 = np.exp(y3 * a)
        y7 = np.tanh(y5 - a)
        y9 = 1 / (1 + np.exp(-(y7 * y7)))
        g = y9 * (1 - y9) * 2 * y7 * (1 - y7 * y7)
        ga = -g
        g = g * y5
        ga = ga + g * y3
        return ga + g * a * np.cos(y2) * 2.0

    return run


def _pair_data(n: int):
    import numpy as np

    rng = np.random.default_rng(1)
    return rng.standard_normal(n).astype(np.float32), rng.standard_normal(n).astype(np.float32)


def _large(library: str, n: int):
    lib = importlib.import_module(library)
    a, b = _pair_data(n)
    x, w = lib.tensor(a, requires_grad=True), lib.tensor(b, requires_grad=True)

    def run():
        y = (x * w + 1.0).tanh()
        (y * y).sum().backward()
        x.grad = w.grad = None

    return run


def _large_numpy(n: int):
    import numpy as np

    a, b = _pair_data(n)

    def run():
        t = np.tanh(a * b + 1.0)
        g = 2 * t * (1 - t * t)
        return g * b, g * a

    return run


def _square_data(n: int):
    import numpy as np

    rng = np.random.default_rng(2)
    a = rng.standard_normal((n, n)).astype(np.float32)
    return a, rng.standard_normal((n, n)).astype(np.float32), np.ones((n, n), dtype=np.float32)


def _matmul(library: str, n: int):
    lib = importlib.import_module(library)
    a, b, g = _square_data(n)
    x, y, go = lib.tensor(a, requires_grad=True), lib.tensor(b, requires_grad=True), lib.tensor(g)

    def run():
        (x @ y).backward(go)
        x.grad = y.grad = None

    return run


def _matmul_numpy(n: int):
    a, b, g = _square_data(n)
    return lambda: (a @ b, g @ b.T, a.T @ g)


def _case(name: str, fn, numpy_fn, n: int, note: str) -> Case:
    builders = {lib: partial(fn, lib, n) for lib in ("microtorch", "torch")}
    builders["numpy"] = partial(numpy_fn, n)
    return Case(name, builders, note)


def cases(quick: bool = False) -> list[Case]:
    """The core benchmark cases (smaller sizes with ``quick``)."""
    n_large, n_mm = (100_000, 256) if quick else (1_000_000, 1024)
    return [
        _case("elementwise chain, 10 ops on 10 elements, fwd+bwd", _chain, _chain_numpy, 10, "per-op overhead"),
        _case(
            f"elementwise (x*w+1).tanh()**2 on {n_large:,} elements, fwd+bwd", _large, _large_numpy, n_large, "float32"
        ),
        _case(f"matmul {n_mm}x{n_mm} float32, fwd+bwd", _matmul, _matmul_numpy, n_mm, "numpy = the 3 matmuls"),
    ]
