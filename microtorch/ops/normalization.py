"""Normalisation: ``batch_norm`` (with running statistics), ``instance_norm``, ``group_norm``, ``layer_norm``."""

from __future__ import annotations

import math
import numbers

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..kernels.windows import is_int, scalar_name
from . import elementwise as E
from . import reduction as R
from .shape import reshape

__all__ = ["batch_norm", "group_norm", "instance_norm", "layer_norm"]


def _check_dtypes(op: str, kernel: str, input: Tensor, **params) -> None:
    """PyTorch's CPU rules: a float input, and every given parameter a Tensor of the input's dtype."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")
    for name, t in params.items():
        if t is not None and not isinstance(t, Tensor):
            raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(t).__name__}")
    dtype = input._data.dtype
    if dtype.kind != "f":
        raise NotImplementedError(f"{op}: \"{kernel}\" not implemented for '{scalar_name(dtype)}'")
    for name, t in params.items():
        if t is not None and t._data.dtype != dtype:
            raise RuntimeError(
                f"{op}: mixed dtype (CPU): expect parameter to have scalar type of {scalar_name(dtype)} "
                f"({name} is {scalar_name(t._data.dtype)})"
            )


def _moments(x: Tensor, dims: tuple):
    """(mean, x - mean, biased variance) over ``dims``, kept broadcastable against ``x``."""
    mean = R.mean(x, dims, keepdim=True)
    centered = x - mean
    return mean, centered, R.mean(centered * centered, dims, keepdim=True)


def _channel_affine(out: Tensor, weight: Tensor | None, bias: Tensor | None) -> Tensor:
    """``out * weight + bias`` with both per channel (dim 1); either may be None."""
    shape = (1, out.shape[1]) + (1,) * (out.ndim - 2)
    if weight is not None:
        out = out * reshape(weight, shape)
    if bias is not None:
        out = out + reshape(bias, shape)
    return out


def _check_flag(op: str, name: str, position: int, value) -> None:
    """PyTorch's argument parser: a ``bool`` argument takes only a Python bool."""
    if type(value) is not bool:
        raise TypeError(f"{op}(): argument '{name}' (position {position}) must be bool, not {type(value).__name__}")


def _check_float(op: str, name: str, position: int, value) -> None:
    """PyTorch's argument parser: a ``float`` argument takes a real number (or a Tensor), not None or a str."""
    if not isinstance(value, (numbers.Real, Tensor)):
        raise TypeError(f"{op}(): argument '{name}' (position {position}) must be float, not {type(value).__name__}")


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise over every dim but the channel dim 1 (batch statistics when training)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"batch_norm(): argument 'input' must be Tensor, not {type(input).__name__}")
    # PyTorch's Python-level checks come first (on the truth of ``training``): batch size, then eps
    if training and input.ndim == 0:
        raise IndexError("tuple index out of range")
    if training and input.shape[0] * math.prod(input.shape[2:]) == 1:
        raise ValueError(
            f"Expected more than 1 value per channel when training, got input size torch.Size({list(input.shape)})"
        )
    if training and eps <= 0.0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    if eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    # then torch.batch_norm's argument parser
    _check_flag("batch_norm", "training", 6, training)
    _check_float("batch_norm", "momentum", 7, momentum)
    _check_float("batch_norm", "eps", 8, eps)
    return _batch_norm(input, running_mean, running_var, weight, bias, training, float(momentum), float(eps))


def _batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None,
    bias: Tensor | None,
    training: bool,
    momentum: float,
    eps: float,
) -> Tensor:
    """ATen's batch norm: no Python-level checks (instance norm calls it with any eps)."""
    stats = {"running_mean": running_mean, "running_var": running_var, "weight": weight, "bias": bias}
    if input.numel() == 0:  # nothing to normalise or check, no statistics to update
        fits = input.ndim >= 2 and all(t is None or t.numel() == input.shape[1] for t in (weight, bias))
        return _channel_affine(input * 0, weight, bias) if fits else input * 0
    _check_dtypes("batch_norm", "batch_norm", input, **stats)
    # PyTorch counts no channels below 2 dims: only empty inputs (and statistics) pass there
    c = input.shape[1] if input.ndim >= 2 else 0
    for name, t in stats.items():
        if t is not None and t.numel() != c:
            raise RuntimeError(f"batch_norm: {name} should contain {c} elements not {t.numel()}")
    if input.ndim == 0:
        raise RuntimeError("batch_norm: expected an input of at least 1 dim (an empty one below 2 dims), got 0 dims")
    if input.ndim < 2 and (input.numel() or weight is not None or bias is not None):
        raise IndexError(
            f"batch_norm: Dimension out of range (expected to be in range of [-1, 0], but got 1) "
            f"for input of {input.ndim} dims"
        )
    for t in (running_mean, running_var):  # the CPU kernel reads the statistics as vectors
        if t is not None and t.ndim != 1:
            raise RuntimeError(f"TensorAccessor expected 1 dims but tensor has {t.ndim}")
    per_channel = input.shape[0] * math.prod(input.shape[2:]) if input.ndim >= 2 else 0
    dims = (0,) + tuple(range(2, input.ndim))
    shape = (1, c) + (1,) * (input.ndim - 2)
    if training:
        n = per_channel
        mean, centered, var = _moments(input, dims)
        if running_mean is not None and running_var is not None:
            with no_grad():
                m = momentum
                rm, rv = running_mean._data, running_var._data
                batch_mean = mean._data.reshape(c).astype(rm.dtype)
                unbiased = (var._data.reshape(c) * (n / (n - 1))).astype(rv.dtype)
                rm *= 1 - m
                rm += m * batch_mean
                rv *= 1 - m
                rv += m * unbiased
                running_mean._vc.value += 1
                running_var._vc.value += 1
        out = centered / E.sqrt(var + eps)
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError("batch_norm: running_mean and running_var must be defined in evaluation mode")
        rm = reshape(running_mean.detach().to(input.dtype), shape)
        rv = reshape(running_var.detach().to(input.dtype), shape)
        out = (input - rm) / E.sqrt(rv + eps)
    return _channel_affine(out, weight, bias)


def layer_norm(
    input: Tensor, normalized_shape, weight: Tensor | None = None, bias: Tensor | None = None, eps: float = 1e-5
) -> Tensor:
    """Normalise over the trailing ``normalized_shape`` dims (biased variance)."""
    if is_int(normalized_shape):
        normalized_shape = (normalized_shape,)
    if not isinstance(normalized_shape, (tuple, list)) or not all(is_int(v) for v in normalized_shape):
        raise TypeError(f"layer_norm(): argument 'normalized_shape' must be tuple of ints, got {normalized_shape!r}")
    normalized_shape = tuple(int(v) for v in normalized_shape)
    k = len(normalized_shape)
    if k == 0:
        raise RuntimeError(
            "layer_norm: Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one "
            "element, but got normalized_shape = []"
        )
    _check_dtypes("layer_norm", "LayerNormKernelImpl", input, weight=weight, bias=bias)
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != normalized_shape:
            raise RuntimeError(
                f"layer_norm: Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                f"{list(t.shape)} and normalized_shape = {list(normalized_shape)}"
            )
    if tuple(input.shape[input.ndim - k :]) != normalized_shape:
        raise RuntimeError(
            f"layer_norm: Given normalized_shape={list(normalized_shape)}, expected input with shape "
            f"[*, {', '.join(map(str, normalized_shape))}], but got input of size{list(input.shape)}"
        )
    dims = tuple(range(input.ndim - k, input.ndim))
    _, centered, var = _moments(input, dims)
    out = centered / E.sqrt(var + eps)
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def group_norm(
    input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None, eps: float = 1e-5
) -> Tensor:
    """Normalise each sample over groups of ``C / num_groups`` channels (and all positions), then affine per channel."""
    _check_dtypes("group_norm", "GroupNormKernelImpl", input, weight=weight, bias=bias)
    if input.ndim < 2:
        raise RuntimeError(f"group_norm: expected at least 2D input (got {input.ndim}D input)")
    n, c = input.shape[0], input.shape[1]
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.ndim != 1 or t.numel() != c):
            raise RuntimeError(
                f"group_norm: Expected {name} to be a vector of size equal to the number of channels in input, "
                f"but got {name} of shape {list(t.shape)} and input of shape {list(input.shape)}"
            )
    if num_groups <= 0 or c % num_groups:
        raise RuntimeError(
            "Expected number of channels in input to be divisible by num_groups, but got input of shape "
            f"{list(input.shape)} and num_groups={num_groups}"
        )
    if input.numel() == 0:  # an empty batch (or no channels): nothing to normalise
        return _channel_affine(input * 0, weight, bias)
    grouped = reshape(input, (n, num_groups, -1))
    _, centered, var = _moments(grouped, (2,))
    return _channel_affine(reshape(centered / E.sqrt(var + eps), tuple(input.shape)), weight, bias)


def instance_norm(
    input: Tensor,
    running_mean: Tensor | None = None,
    running_var: Tensor | None = None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each (sample, channel) over its positions; running statistics are batch means of the instances'.

    As PyTorch: batch normalisation of the input viewed as one sample of N*C channels. Every argument
    is checked before a running statistic changes.
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"instance_norm(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    # PyTorch's Python-level check comes first (on the truth of ``use_input_stats``)
    if use_input_stats and math.prod(input.shape[2:]) == 1:
        raise ValueError(
            f"Expected more than 1 spatial element when training, got input size torch.Size({list(input.shape)})"
        )
    # then torch.instance_norm's argument parser
    params = {"weight": weight, "bias": bias, "running_mean": running_mean, "running_var": running_var}
    for position, (name, t) in enumerate(params.items(), start=2):
        if t is not None and not isinstance(t, Tensor):
            raise TypeError(
                f"instance_norm(): argument '{name}' (position {position}) must be Tensor, not {type(t).__name__}"
            )
    _check_flag("instance_norm", "use_input_stats", 6, use_input_stats)
    _check_float("instance_norm", "momentum", 7, momentum)
    _check_float("instance_norm", "eps", 8, eps)
    if not use_input_stats and (running_mean is None or running_var is None):
        raise RuntimeError("Expected running_mean and running_var to be defined when use_input_stats is false")
    if input.ndim < 3:
        raise ValueError(f"instance_norm: expected at least 3D input (got {input.ndim}D input)")
    n, c = input.shape[0], input.shape[1]
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.numel() != c:
            raise RuntimeError(f"instance_norm: {name} should contain {c} elements not {t.numel()}")
    if input.numel() == 0:
        # PyTorch scales an empty input by the first of the repeated weight (and bias): none when N or C is 0
        for t in (weight, bias):
            if t is not None and t.numel() * n == 0:
                raise IndexError("select(): index 0 out of range for tensor of size [0] at dimension 0")
    else:
        dtype = input._data.dtype
        if dtype.kind != "f":
            raise NotImplementedError(f"instance_norm: \"batch_norm\" not implemented for '{scalar_name(dtype)}'")
        # the CPU kernel: a weight (or, without one, a bias) of another dtype is a mixed-dtype call, a bias or
        # running_var of another dtype a wrong accessor; running_mean is converted to the input's dtype
        first = weight if weight is not None else bias
        if first is not None and first._data.dtype != dtype:
            raise RuntimeError("instance_norm: mixed dtype (CPU): expect parameter to have scalar type of Float")
        for t in (bias, running_var):
            if t is not None and t._data.dtype != dtype:
                raise RuntimeError(
                    f"instance_norm: expected scalar type {scalar_name(dtype)} but found {scalar_name(t._data.dtype)}"
                )
    folded = reshape(input, (1, n * c) + tuple(input.shape[2:]))
    rm = rv = None
    if running_mean is not None and running_var is not None:
        mean_dtype = input.dtype if input.is_floating_point() else running_mean.dtype
        rm, rv = running_mean.detach().to(mean_dtype).repeat(n), running_var.detach().repeat(n)
    out = _batch_norm(folded, rm, rv, None, None, use_input_stats or rm is None, float(momentum), float(eps))
    if use_input_stats and rm is not None:
        with no_grad():
            running_mean.copy_(rm.reshape(n, c).mean(0))
            running_var.copy_(rv.reshape(n, c).mean(0))
    return _channel_affine(reshape(out, tuple(input.shape)), weight, bias)


del np
