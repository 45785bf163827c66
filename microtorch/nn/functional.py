"""``torch.nn.functional``: the stateless functions layers are built from.

Each op family lives in its own module under ``microtorch.ops``; this module only
gathers them under PyTorch's names.
"""

from __future__ import annotations

from ..ops.elementwise import elu, gelu, hardtanh, relu6, sigmoid, silu, softplus, tanh
from ..ops.elementwise import leaky_relu as _leaky_relu
from ..ops.elementwise import relu as _relu
from ..ops.linalg import linear
from ..ops.reduction import log_softmax, softmax

__all__ = [
    "relu",
    "leaky_relu",
    "sigmoid",
    "tanh",
    "elu",
    "gelu",
    "silu",
    "softplus",
    "hardtanh",
    "relu6",
    "softmax",
    "log_softmax",
    "linear",
]


def relu(input, inplace: bool = False):
    """Elementwise max(x, 0)."""
    return input.relu_() if inplace else _relu(input)


def leaky_relu(input, negative_slope: float = 0.01, inplace: bool = False):
    """``x`` where positive, ``negative_slope * x`` elsewhere."""
    return input.leaky_relu_(negative_slope) if inplace else _leaky_relu(input, negative_slope)
