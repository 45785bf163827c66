"""Training-step benchmarks: forward, loss, backward and SGD step of the notes' SimpleCNN
and of LeNet5, the same code in each library (same architecture, same weights, same data)."""

from __future__ import annotations

import importlib
from functools import partial

from . import Case

__all__ = ["cases", "network"]


def network(lib, kind: str):
    """SimpleCNN (the notes' network, as ``microtorch.models.SimpleCNN``) or LeNet5, as a Sequential of ``lib``."""
    nn = lib.nn
    if kind == "simple":
        layers = [nn.Conv2d(1, 1, 2), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten()]
        layers += [nn.Linear(4, 3), nn.Sigmoid(), nn.Linear(3, 2), nn.Sigmoid()]
    else:
        layers = [nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU()]
        layers += [nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU()]
        layers += [nn.Linear(84, 10)]
    return nn.Sequential(*layers)


def _step(library: str, kind: str, batch: int):
    import numpy as np

    lib = importlib.import_module(library)
    rng = np.random.default_rng(0)
    net = network(lib, kind)
    with lib.no_grad():
        for p in net.parameters():
            p.copy_(lib.from_numpy((0.3 * rng.standard_normal(tuple(p.shape))).astype(np.float32)))
    if kind == "simple":
        x = lib.from_numpy(rng.random((batch, 1, 5, 5), dtype=np.float32))
        y = lib.from_numpy(np.eye(2, dtype=np.float32)[rng.integers(0, 2, batch)])
    else:
        x = lib.from_numpy(rng.random((batch, 1, 28, 28), dtype=np.float32))
        y = lib.from_numpy(rng.integers(0, 10, batch))
    opt = lib.optim.SGD(net.parameters(), lr=0.01)
    cross_entropy = lib.nn.functional.cross_entropy

    def run():
        opt.zero_grad()
        out = net(x)
        loss = ((out - y) ** 2).sum() if kind == "simple" else cross_entropy(out, y)
        loss.backward()
        opt.step()

    return run


def _case(name: str, kind: str, batch: int) -> Case:
    builders = {lib: partial(_step, lib, kind, batch) for lib in ("microtorch", "torch")}
    return Case(name, builders, "fwd + loss + bwd + SGD step")


def cases(quick: bool = False) -> list[Case]:
    """One training step of SimpleCNN (batch 1 and 256, 5x5) and LeNet5 (batch 64, 28x28)."""
    return [
        _case("SimpleCNN train step, batch 1, 5x5", "simple", 1),
        _case("SimpleCNN train step, batch 256, 5x5", "simple", 256),
        _case("LeNet5 train step, batch 64, 28x28", "lenet", 64),
    ]
