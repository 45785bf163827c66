"""Dropout (``nn.functional.dropout``, ``dropout1d/2d/3d``): inverted scaling by 1/(1-p),
masks drawn from microtorch's generator (reproducible under ``manual_seed``)."""

from __future__ import annotations

import warnings

import numpy as np

from .. import random as _random
from .._tensor import Tensor

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d"]  # torch_dropout(_) are torch.dropout(_), bound in __init__


def _check_p(p, op: str) -> float:
    if isinstance(p, bool) or not isinstance(p, (int, float, np.floating, np.integer)):
        raise TypeError(f"{op}: p must be a float, got {type(p).__name__}")
    if p < 0.0 or p > 1.0:  # torch's Python check; NaN passes it and fails in the kernel, as RuntimeError
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got {p}")
    if p != p:
        raise RuntimeError(f"{op}: dropout probability has to be between 0 and 1, but got {p}")
    return float(p)


def _mask(shape: tuple, p: float, dtype: np.dtype) -> Tensor:
    """Keep-mask already scaled: 1/(1-p) with probability 1-p, else 0."""
    if p == 1.0:
        return Tensor._make(np.zeros(shape, dtype=dtype))
    keep = _random.rng(None).random(shape) >= p
    return Tensor._make(keep.astype(dtype) * dtype.type(1.0 / (1.0 - p)))


def _apply(input: Tensor, mask: Tensor, inplace: bool) -> Tensor:
    return input.mul_(mask) if inplace else input * mask


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by 1/(1-p) (when training)."""
    p = _check_p(p, "dropout")
    if not isinstance(input, Tensor):
        raise TypeError(f"dropout(): argument 'input' must be Tensor, not {type(input).__name__}")
    if not training or p == 0 or input._data.size == 0:  # torch's kernel hands back ``input`` itself
        return input
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"dropout: expected a floating point input, got {input.dtype}")
    return _apply(input, _mask(tuple(input.shape), p, input._data.dtype), inplace)


def _check_native_args(op: str, input, p, train) -> float:
    """``torch.dropout``'s argument checks (its C++ signature: every bad value is the kernel's RuntimeError)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if isinstance(p, bool) or not isinstance(p, (int, float, np.floating, np.integer)):
        raise TypeError(f"{op}(): argument 'p' (position 2) must be float, not {type(p).__name__}")
    if not isinstance(train, bool):
        raise TypeError(f"{op}(): argument 'train' (position 3) must be bool, not {type(train).__name__}")
    if not 0.0 <= p <= 1.0:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p}")
    return float(p)


def torch_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """``torch.dropout(input, p, train)``: the kernel behind ``nn.functional.dropout``."""
    return dropout(input, _check_native_args("dropout", input, p, train), train)


def torch_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """``torch.dropout_``: ``torch.dropout`` written into ``input``."""
    return dropout(input, _check_native_args("dropout_", input, p, train), train, inplace=True)


def _feature_dropout(input: Tensor, p: float, training: bool, inplace: bool, batched: bool, op: str) -> Tensor:
    """Drop whole channels: one draw per (batch, channel), broadcast over the spatial dims."""
    if not training or p == 0 or input._data.size == 0:  # torch's kernel hands back ``input`` itself
        return input
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"{op}: expected a floating point input, got {input.dtype}")
    shape = tuple(input.shape)
    keep_dims = 2 if batched else 1
    mshape = shape[:keep_dims] + (1,) * (len(shape) - keep_dims)
    return _apply(input, _mask(mshape, p, input._data.dtype), inplace)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Channel-wise dropout of a (N, C, L) or (C, L) input."""
    p = _check_p(p, "dropout1d")
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input. Note that dropout1d "
            "exists to provide channel-wise dropout on inputs with 1 spatial dimension, a channel dimension, "
            "and an optional batch dimension (i.e. 2D or 3D inputs)."
        )
    return _feature_dropout(input, p, training, inplace, input.ndim == 3, "dropout1d")


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Channel-wise dropout of a (N, C, H, W) input (3-D input is read as (N, C, L), as PyTorch)."""
    p = _check_p(p, "dropout2d")
    if input.ndim not in (3, 4):
        warnings.warn(
            f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is deprecated and will result in "
            "an error in a future release.",
            UserWarning,
            stacklevel=2,
        )
    if input.ndim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior "
            "is desired - input is interpreted as shape (N, C, L), where C is the channel dim. This behavior "
            "will change in a future release to interpret the input as one without a batch dimension, i.e. "
            "shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please switch to using "
            "dropout1d instead.",
            UserWarning,
            stacklevel=2,
        )
    if input.ndim < 2:
        raise RuntimeError(f"dropout2d: Feature dropout requires at least 2 dimensions in the input, got {input.ndim}")
    return _feature_dropout(input, p, training, inplace, True, "dropout2d")


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Channel-wise dropout of a (N, C, D, H, W) or (C, D, H, W) input."""
    p = _check_p(p, "dropout3d")
    if input.ndim not in (4, 5):
        warnings.warn(
            f"dropout3d: Received a {input.ndim}-D input to dropout3d, which is deprecated and will result in "
            "an error in a future release.",
            UserWarning,
            stacklevel=2,
        )
    if input.ndim < 1:
        raise RuntimeError(f"dropout3d: Feature dropout requires at least 1 dimension in the input, got {input.ndim}")
    return _feature_dropout(input, p, training, inplace, input.ndim == 5, "dropout3d")
