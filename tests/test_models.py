"""SimpleCNN against a hand computation in plain numpy; LeNet5's layout and options."""

from __future__ import annotations

import numpy as np
import pytest

import microtorch as mt
import microtorch.nn as nn
from microtorch.models import LeNet5, SimpleCNN

X = np.array(
    [
        [0.1, 0.9, 0.0, 0.2, 0.1],
        [0.0, 0.8, 0.1, 0.0, 0.3],
        [0.2, 1.0, 0.0, 0.1, 0.0],
        [0.1, 0.7, 0.2, 0.0, 0.1],
        [0.0, 0.9, 0.1, 0.3, 0.2],
    ]
)
K = np.array([[0.5, -0.3], [0.8, -0.2]])
B = 0.1
W1 = np.array([[0.2, -0.4, 0.6, 0.1], [-0.5, 0.3, 0.2, -0.1], [0.4, 0.4, -0.3, 0.2]])
B1 = np.array([0.1, -0.2, 0.05])
W2 = np.array([[0.7, -0.6, 0.3], [-0.2, 0.5, -0.4]])
B2 = np.array([-0.1, 0.2])
Y = np.array([1.0, 0.0])


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def hand_computation():
    """The notes' forward pass and backpropagation, written out with loops and numpy only."""
    conv = np.zeros((4, 4))
    for i in range(4):
        for j in range(4):
            conv[i, j] = (X[i : i + 2, j : j + 2] * K).sum()
    biased = conv + B
    relu = np.maximum(biased, 0.0)
    pooled = np.zeros((2, 2))
    arg = {}
    for i in range(2):
        for j in range(2):
            win = relu[2 * i : 2 * i + 2, 2 * j : 2 * j + 2]
            pooled[i, j] = win.max()
            a, b = np.unravel_index(np.argmax(win), (2, 2))
            arg[i, j] = (2 * i + a, 2 * j + b)
    flat = pooled.reshape(4)
    h = _sigmoid(W1 @ flat + B1)
    out = _sigmoid(W2 @ h + B2)
    loss = ((out - Y) ** 2).sum()

    d2 = 2 * (out - Y) * out * (1 - out)
    g = {"fc2.weight": np.outer(d2, h), "fc2.bias": d2}
    d1 = (W2.T @ d2) * h * (1 - h)
    g["fc1.weight"] = np.outer(d1, flat)
    g["fc1.bias"] = d1
    dflat = W1.T @ d1
    drelu = np.zeros((4, 4))
    for (i, j), (a, b) in arg.items():
        drelu[a, b] += dflat[2 * i + j]
    dconv = drelu * (biased > 0)
    dk = np.zeros((2, 2))
    for a in range(2):
        for b in range(2):
            dk[a, b] = (dconv * X[a : a + 4, b : b + 4]).sum()
    g["conv.weight"] = dk.reshape(1, 1, 2, 2)
    g["conv.bias"] = np.array([dconv.sum()])
    values = {"convolution": conv, "plus bias": biased, "relu": relu, "max pool": pooled, "flatten": flat}
    values.update({"fc1 sigmoid": h, "output": out})
    return values, loss, g


def _hand_set_model(dtype=mt.float64) -> SimpleCNN:
    model = SimpleCNN().to(dtype)
    with mt.no_grad():
        model.conv.weight.copy_(mt.tensor(K.reshape(1, 1, 2, 2)))
        model.conv.bias.fill_(B)
        model.fc1.weight.copy_(mt.tensor(W1))
        model.fc1.bias.copy_(mt.tensor(B1))
        model.fc2.weight.copy_(mt.tensor(W2))
        model.fc2.bias.copy_(mt.tensor(B2))
    return model


def test_simple_cnn_has_the_notes_28_parameters():
    model = SimpleCNN()
    shapes = {name: tuple(p.shape) for name, p in model.named_parameters()}
    assert shapes == {
        "conv.weight": (1, 1, 2, 2),
        "conv.bias": (1,),
        "fc1.weight": (3, 4),
        "fc1.bias": (3,),
        "fc2.weight": (2, 3),
        "fc2.bias": (2,),
    }
    assert sum(p.numel() for p in model.parameters()) == 28
    assert all(p.requires_grad for p in model.parameters())


def test_simple_cnn_forward_loss_and_gradients_match_hand_computation():
    values, loss, grads = hand_computation()
    model = _hand_set_model()
    x = mt.tensor(X.reshape(1, 1, 5, 5))
    stages = model.stages(x)
    for name, expected in values.items():
        np.testing.assert_allclose(stages[name].detach().numpy().reshape(expected.shape), expected, rtol=1e-12)
    out = model(x)
    np.testing.assert_allclose(out.detach().numpy()[0], values["output"], rtol=1e-12)
    mt_loss = ((out - mt.tensor(Y.reshape(1, 2))) ** 2).sum()
    assert mt_loss.item() == pytest.approx(loss, rel=1e-12)
    mt_loss.backward()
    got = {name: p.grad.numpy() for name, p in model.named_parameters()}
    assert set(got) == set(grads)
    for name, expected in grads.items():
        np.testing.assert_allclose(got[name], expected, rtol=1e-10, atol=1e-14, err_msg=name)
    # the hand-set example is not degenerate: every parameter gets some gradient
    assert all(np.abs(g).max() > 1e-6 for g in got.values())


def test_simple_cnn_batched_float32_shapes():
    model = SimpleCNN()
    out = model(mt.rand(7, 1, 5, 5))
    assert out.shape == (7, 2)
    assert out.dtype == mt.float32
    assert ((out > 0) & (out < 1)).all()


def test_lenet5_layout_and_parameter_count():
    model = LeNet5()
    n = sum(p.numel() for p in model.parameters())
    assert n == (6 * 25 + 6) + (16 * 6 * 25 + 16) + (400 * 120 + 120) + (120 * 84 + 84) + (84 * 10 + 10)
    out = model(mt.rand(2, 1, 28, 28))
    assert out.shape == (2, 10)
    kinds = [type(m).__name__ for m in model.modules()]
    assert kinds.count("ReLU") == 4 and kinds.count("MaxPool2d") == 2


@pytest.mark.parametrize("activation,pooling", [("sigmoid", "avg"), ("tanh", "max")])
def test_lenet5_options(activation, pooling):
    model = LeNet5(activation=activation, pooling=pooling, num_classes=3)
    kinds = [type(m).__name__ for m in model.modules()]
    act = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh}[activation].__name__
    pool = {"avg": nn.AvgPool2d, "max": nn.MaxPool2d}[pooling].__name__
    assert kinds.count(act) == 4 and kinds.count(pool) == 2
    assert "ReLU" not in kinds
    x = mt.rand(1, 1, 28, 28)
    out = model(x)
    assert out.shape == (1, 3)
    out.sum().backward()
    assert all(p.grad is not None for p in model.parameters())


def test_lenet5_rejects_unknown_options():
    with pytest.raises(ValueError, match="activation"):
        LeNet5(activation="gelu")
    with pytest.raises(ValueError, match="pooling"):
        LeNet5(pooling="median")


def test_simple_cnn_matches_torch_when_installed():
    torch = pytest.importorskip("torch")
    model = _hand_set_model(mt.float32)
    tm = torch.nn.Sequential(
        torch.nn.Conv2d(1, 1, 2),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(4, 3),
        torch.nn.Sigmoid(),
        torch.nn.Linear(3, 2),
        torch.nn.Sigmoid(),
    )
    with torch.no_grad():
        for (_, p), t in zip(model.named_parameters(), tm.parameters()):
            t.copy_(torch.from_numpy(p.detach().numpy()))
    x = np.random.default_rng(0).random((4, 1, 5, 5)).astype(np.float32)
    np.testing.assert_allclose(
        model(mt.tensor(x)).detach().numpy(), tm(torch.from_numpy(x)).detach().numpy(), rtol=1e-5
    )


def test_training_benchmark_cases_run_and_train():
    from microtorch.benchmarks import family_cases

    cases = family_cases("training", quick=True)
    assert [c.name.split(",")[0] for c in cases] == [
        "SimpleCNN train step",
        "SimpleCNN train step",
        "LeNet5 train step",
    ]
    for case in cases:
        case.microtorch()
        if case.torch is not None:
            case.torch()
