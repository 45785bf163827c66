"""RMS and local-response normalisation, channel shuffle: torch's composites, any-order gradients."""

from __future__ import annotations

import numpy as np

import microtorch as _mt

from .._tensor import Tensor
from ..kernels.windows import is_int
from .linalg import _tensor_arg
from .linalg import _tname as _word

__all__ = ["rms_norm", "local_response_norm", "channel_shuffle"]


def _normalized_shape(normalized_shape) -> tuple[int, ...]:
    if is_int(normalized_shape):
        return (int(normalized_shape),)
    if not isinstance(normalized_shape, (tuple, list, _mt.Size)) or not all(is_int(v) for v in normalized_shape):
        raise TypeError(f"rms_norm(): argument 'normalized_shape' must be tuple of ints, got {normalized_shape!r}")
    return tuple(int(v) for v in normalized_shape)


def _check_rms_shapes(input: Tensor, shape: tuple[int, ...], weight: Tensor | None) -> None:
    if not shape:
        raise RuntimeError(
            "Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one element, "
            "but got normalized_shape = []"
        )
    if weight is not None and tuple(weight.shape) != shape:
        raise RuntimeError(
            "Expected weight to be of same shape as normalized_shape, but got weight of shape "
            f"{list(weight.shape)} and normalized_shape = {list(shape)}"
        )
    if input.ndim < len(shape):
        raise ValueError(f"Input tensor must have at least {len(shape)} dimensions, but got {input.ndim}")
    if tuple(input.shape[input.ndim - len(shape) :]) != shape:
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape [*{', '.join(map(str, shape))}], "
            f"but got input of size{list(input.shape)}"
        )


def rms_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, eps: float | None = None) -> Tensor:
    """``input / sqrt(mean(input**2) + eps)`` over the trailing dims, times ``weight`` (input's dtype)."""
    _tensor_arg(input, "rms_norm", "input", 1)
    shape = _normalized_shape(normalized_shape)
    if weight is not None:
        _tensor_arg(weight, "rms_norm", "weight", 3)
    _check_rms_shapes(input, shape, weight)
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"\"rms_norm\" not implemented for '{_word(input)}'")
    if eps is None:
        eps = float(np.finfo(input._data.dtype).eps)
    dims = tuple(range(input.ndim - len(shape), input.ndim))
    out = input * _mt.rsqrt((input * input).mean(dims, keepdim=True) + eps)
    if weight is not None:
        out = out * weight
    return out if out.dtype == input.dtype else out.to(input.dtype)


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> Tensor:
    """Divide by ``(k + alpha * mean of squares over ``size`` neighbouring channels) ** beta``."""
    F = _mt.nn.functional
    dim = input.ndim
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality                          input (got {dim} dimensions)")
    if input.numel() == 0:
        return input
    _check_padded_size(input, size)
    div = input * input
    if dim == 3:
        div = F.pad(div.unsqueeze(1), (0, 0, size // 2, (size - 1) // 2))
        div = F.avg_pool2d(div, (size, 1), stride=1).squeeze(1)
    else:
        sizes = input.shape
        div = div.reshape(sizes[0], 1, sizes[1], sizes[2], -1)
        div = F.pad(div, (0, 0, 0, 0, size // 2, (size - 1) // 2))
        div = F.avg_pool3d(div, (size, 1, 1), stride=1).squeeze(1).reshape(sizes)
    return input / (div * alpha + k) ** beta


def _check_padded_size(input: Tensor, size: int) -> None:
    """torch's allocator error for a window so large that the padded squares cannot be held."""
    padded = input.numel() // input.shape[1] * (input.shape[1] + max(size - 1, 0)) * input._data.itemsize
    if padded > 2**40:
        raise RuntimeError(f"DefaultCPUAllocator: can't allocate memory: you tried to allocate {padded} bytes.")


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """Interleave the ``groups`` channel groups of dim 1 (``(N, g, C/g, *) -> (N, C/g, g, *)``)."""
    _tensor_arg(input, "channel_shuffle", "input", 1)
    if not is_int(groups):
        raise TypeError(f"channel_shuffle(): argument 'groups' (position 2) must be int, not {type(groups).__name__}")
    if input.ndim <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with sizes {list(input.shape)}")
    c = input.shape[1]
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    if c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels and {groups} groups.")
    n, rest = input.shape[0], tuple(input.shape[2:])
    grouped = input.reshape(n, groups, c // groups, *rest)
    return grouped.transpose(1, 2).reshape(input.shape)
