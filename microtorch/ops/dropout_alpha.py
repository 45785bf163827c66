"""SELU-preserving dropout (``alpha_dropout``, ``feature_alpha_dropout``) and randomized leaky ReLU (``rrelu``).

The masks and slopes come from microtorch's generator (reproducible under ``manual_seed``);
the arithmetic is torch's ``_dropout_impl`` / ``rrelu_with_noise``.
"""

from __future__ import annotations

import math

import numpy as np

from .. import random as _random
from .._tensor import Tensor
from . import elementwise as E
from .linalg import _tensor_arg
from .linalg import _tname as _word

__all__ = ["alpha_dropout", "feature_alpha_dropout", "rrelu", "rrelu_"]

_SELU_ALPHA = 1.7580993408473766  # -selu's scale * alpha: the value a dropped unit takes


def _check_args(p, training, op: str) -> float:
    if p < 0.0 or p > 1.0:  # torch's Python check; NaN passes it and fails the kernel's
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not 0.0 <= p <= 1.0:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not isinstance(training, bool):
        raise TypeError(f"{op}(): argument 'train' (position 3) must be bool, not {type(training).__name__}")
    return float(p)


def _alpha_noise(input: Tensor, p: float, feature: bool) -> tuple[Tensor, Tensor]:
    """(scale, shift) with ``input * scale + shift`` torch's alpha dropout of ``input``."""
    if feature and input.ndim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"result type Float can't be cast to the desired output type {_word(input)}")
    shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2) if feature else tuple(input.shape)
    dtype = input._data.dtype
    keep = (_random.rng(None).random(shape) >= p).astype(dtype)
    a = 1.0 / math.sqrt((_SELU_ALPHA * _SELU_ALPHA * p + 1) * (1 - p))
    shift = ((keep - 1) * dtype.type(_SELU_ALPHA * a) + dtype.type(_SELU_ALPHA * a * p)).astype(dtype)
    return Tensor._make(keep * dtype.type(a)), Tensor._make(shift)


def _alpha(input: Tensor, p: float, training: bool, inplace: bool, feature: bool) -> Tensor:
    op = "feature_alpha_dropout" if feature else "alpha_dropout"
    p = _check_args(p, training, op)
    _tensor_arg(input, op, "input", 1)
    if p == 0 or not training or input.numel() == 0:
        return input
    if p == 1:
        zero = Tensor._make(np.zeros((), input._data.dtype))
        return input.mul_(zero) if inplace else input * zero
    scale, shift = _alpha_noise(input, p, feature)
    return input.mul_(scale).add_(shift) if inplace else input * scale + shift


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Dropout that keeps SELU's zero mean and unit variance: dropped units take SELU's saturation value."""
    return _alpha(input, p, training, inplace, feature=False)


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Alpha dropout of whole channels (one draw per (batch, channel))."""
    return _alpha(input, p, training, inplace, feature=True)


def _check_rrelu(input: Tensor, lower: float, upper: float) -> None:
    _tensor_arg(input, "rrelu", "input", 1)
    for pos, (name, value) in enumerate((("lower", lower), ("upper", upper)), 2):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"rrelu(): argument '{name}' (position {pos}) must be Number, not {type(value).__name__}")
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")


def _rrelu_noise(input: Tensor, lower: float, upper: float) -> Tensor:
    """Per element: a slope drawn from U(lower, upper) where ``input <= 0``, else 1."""
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"\"rrelu_with_noise_out_cpu\" not implemented for '{_word(input)}'")
    dtype = input._data.dtype
    slopes = _random.rng(None).uniform(lower, upper, tuple(input.shape)).astype(dtype)
    return Tensor._make(np.where(input._data <= 0, slopes, dtype.type(1)))


def rrelu(
    input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False, inplace: bool = False
) -> Tensor:
    """Leaky ReLU with a random negative slope in ``[lower, upper]`` when training, their mean otherwise."""
    _check_rrelu(input, lower, upper)
    if not training:
        slope = (lower + upper) / 2
        return input.leaky_relu_(slope) if inplace else E.leaky_relu(input, slope)
    noise = _rrelu_noise(input, lower, upper)
    return input.mul_(noise) if inplace else input * noise


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False) -> Tensor:
    """In-place ``rrelu``."""
    return rrelu(input, lower, upper, training, inplace=True)
