"""Ready-made networks: the lecture notes' ``SimpleCNN`` and a ``LeNet5`` for 28x28 digits."""

from __future__ import annotations

from collections import OrderedDict

from . import nn
from ._tensor import Tensor

__all__ = ["SimpleCNN", "LeNet5"]

_ACTIVATIONS = {"relu": "ReLU", "sigmoid": "Sigmoid", "tanh": "Tanh"}
_POOLINGS = {"max": "MaxPool2d", "avg": "AvgPool2d"}


class SimpleCNN(nn.Module):
    """The notes' network: 5x5 input, 2x2 conv + scalar bias, ReLU, 2x2 max-pool, Linear 4->3->2 with sigmoids.

    It has 28 trainable parameters: ``conv.weight`` (1, 1, 2, 2), ``conv.bias`` (1,),
    ``fc1.weight`` (3, 4), ``fc1.bias`` (3,), ``fc2.weight`` (2, 3), ``fc2.bias`` (2,).
    Input is (N, 1, 5, 5); output is (N, 2) in (0, 1). The notes train it with the sum
    of squared errors, ``((out - target) ** 2).sum()``.

    Initialisation is PyTorch's default except ``conv.bias``, which starts at 0.5: on
    images in [0, 1] a default-initialised scalar bias often leaves the single ReLU
    feature map dead (all zero, so no gradient ever flows) from the first step.
    """

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 1, kernel_size=2)
        self.relu = nn.ReLU()
        self.pool = nn.MaxPool2d(2)
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(4, 3)
        self.fc2 = nn.Linear(3, 2)
        self.sigmoid = nn.Sigmoid()
        nn.init.constant_(self.conv.bias, 0.5)

    def stages(self, x: Tensor) -> OrderedDict[str, Tensor]:
        """Every intermediate value of the forward pass, in order, keyed by the notes' stage names."""
        s: OrderedDict[str, Tensor] = OrderedDict()
        s["input"] = x
        s["convolution"] = nn.functional.conv2d(x, self.conv.weight)
        s["plus bias"] = s["convolution"] + self.conv.bias.reshape(1, -1, 1, 1)
        s["relu"] = self.relu(s["plus bias"])
        s["max pool"] = self.pool(s["relu"])
        s["flatten"] = self.flatten(s["max pool"])
        s["fc1"] = self.fc1(s["flatten"])
        s["fc1 sigmoid"] = self.sigmoid(s["fc1"])
        s["fc2"] = self.fc2(s["fc1 sigmoid"])
        s["output"] = self.sigmoid(s["fc2"])
        return s

    def forward(self, x: Tensor) -> Tensor:
        """Map (N, 1, 5, 5) images to (N, 2) sigmoid outputs."""
        x = self.pool(self.relu(self.conv(x)))
        x = self.sigmoid(self.fc1(self.flatten(x)))
        return self.sigmoid(self.fc2(x))


def _make(kind: str, table: dict, what: str, *args):
    if kind not in table:
        raise ValueError(f"LeNet5: unknown {what} {kind!r}; expected one of {sorted(table)}")
    return getattr(nn, table[kind])(*args)


class LeNet5(nn.Module):
    """LeNet-5 in its modern form for 1x28x28 input: conv 6@5x5 (padding 2), pool, conv 16@5x5, pool, 400-120-84-10.

    ``activation`` is ``'relu'`` (default), ``'sigmoid'`` or ``'tanh'``; ``pooling`` is
    ``'max'`` (default) or ``'avg'`` (2x2, stride 2). The output is raw logits for
    ``nn.CrossEntropyLoss``.
    """

    def __init__(self, num_classes: int = 10, activation: str = "relu", pooling: str = "max") -> None:
        super().__init__()
        act = lambda: _make(activation, _ACTIVATIONS, "activation")
        pool = lambda: _make(pooling, _POOLINGS, "pooling", 2)
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, kernel_size=5, padding=2),
            act(),
            pool(),
            nn.Conv2d(6, 16, kernel_size=5),
            act(),
            pool(),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120),
            act(),
            nn.Linear(120, 84),
            act(),
            nn.Linear(84, num_classes),
        )

    def forward(self, x: Tensor) -> Tensor:
        """Map (N, 1, 28, 28) images to (N, num_classes) logits."""
        return self.classifier(self.features(x))
