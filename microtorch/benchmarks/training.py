"""Training-step benchmarks: forward, loss, backward and optimizer step of SimpleCNN and LeNet5,
against the same architecture built in torch (same weights, same data), in the same run."""

from __future__ import annotations

import numpy as np

from . import Case, torch_or_none

__all__ = ["cases"]


def _torch_simple_cnn(torch, model):
    tn = torch.nn
    net = tn.Sequential(
        tn.Conv2d(1, 1, 2),
        tn.ReLU(),
        tn.MaxPool2d(2),
        tn.Flatten(),
        tn.Linear(4, 3),
        tn.Sigmoid(),
        tn.Linear(3, 2),
        tn.Sigmoid(),
    )
    _copy_weights(torch, model, net)
    return net


def _torch_lenet5(torch, model):
    tn = torch.nn
    net = tn.Sequential(
        tn.Conv2d(1, 6, 5, padding=2),
        tn.ReLU(),
        tn.MaxPool2d(2),
        tn.Conv2d(6, 16, 5),
        tn.ReLU(),
        tn.MaxPool2d(2),
        tn.Flatten(),
        tn.Linear(400, 120),
        tn.ReLU(),
        tn.Linear(120, 84),
        tn.ReLU(),
        tn.Linear(84, 10),
    )
    _copy_weights(torch, model, net)
    return net


def _copy_weights(torch, model, net) -> None:
    with torch.no_grad():
        for p, q in zip(model.parameters(), net.parameters()):
            q.copy_(torch.from_numpy(p.detach().numpy().copy()))


def _step_case(name: str, kind: str, batch: int) -> Case:
    import microtorch as mt
    import microtorch.nn.functional as F
    import microtorch.optim as optim
    from microtorch.models import LeNet5, SimpleCNN

    mt.manual_seed(0)
    rng = np.random.default_rng(0)
    if kind == "simple":
        model = SimpleCNN()
        xa = rng.random((batch, 1, 5, 5), dtype=np.float32)
        ya = np.eye(2, dtype=np.float32)[rng.integers(0, 2, batch)]
    else:
        model = LeNet5()
        xa = rng.random((batch, 1, 28, 28), dtype=np.float32)
        ya = rng.integers(0, 10, batch)
    x, y = mt.from_numpy(xa), mt.from_numpy(ya)
    opt = optim.SGD(model.parameters(), lr=0.01)

    def loss_fn(out, target):
        return ((out - target) ** 2).sum() if kind == "simple" else F.cross_entropy(out, target)

    def run_mt():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    torch = torch_or_none()
    run_torch = None
    if torch is not None:
        net = _torch_simple_cnn(torch, model) if kind == "simple" else _torch_lenet5(torch, model)
        tx, ty = torch.from_numpy(xa), torch.from_numpy(ya)
        topt = torch.optim.SGD(net.parameters(), lr=0.01)
        tce = torch.nn.functional.cross_entropy

        def run_torch():
            topt.zero_grad()
            out = net(tx)
            loss = ((out - ty) ** 2).sum() if kind == "simple" else tce(out, ty)
            loss.backward()
            topt.step()

    return Case(name, run_mt, run_torch, None, "fwd + loss + bwd + SGD step")


def cases(quick: bool = False) -> list[Case]:
    """One training step of SimpleCNN (batch 1 and 256, 5x5) and LeNet5 (batch 64, 28x28)."""
    return [
        _step_case("SimpleCNN train step, batch 1, 5x5", "simple", 1),
        _step_case("SimpleCNN train step, batch 256, 5x5", "simple", 256),
        _step_case("LeNet5 train step, batch 64, 28x28", "lenet", 64),
    ]
