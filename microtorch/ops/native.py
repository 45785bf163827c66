"""torch's public ``native_*`` normalisation functions (the output plus the saved statistics), ``rsub``,
``angle`` and ``nonzero_static``.

The normalisations are written in differentiable ops, so gradients flow into the returned mean and
inverse standard deviation as well (torch's ``native_*`` functions differentiate those too).
"""

from __future__ import annotations

import math

import numpy as np

from .. import _dtype as dt
from .._tensor import Tensor
from ..autograd.function import Op
from ..autograd.grad_mode import no_grad
from . import elementwise as E
from . import reduction as R
from . import shape as S
from ._promote import not_a_tensor

__all__ = ["native_layer_norm", "native_group_norm", "native_batch_norm", "rsub", "angle", "nonzero_static"]


def _tensor(op: str, value, name: str, pos: int) -> Tensor:
    if not isinstance(value, Tensor):
        raise not_a_tensor(op, value, name, pos)
    return value


def _optional_params(op: str, x: Tensor, params: dict) -> None:
    """Each optional tensor argument is None or a tensor of ``x``'s dtype (torch's mixed-dtype rule)."""
    for pos, (name, t) in enumerate(params.items(), start=2):
        if t is None:
            continue
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): argument '{name}' (position {pos}) must be Tensor, not {type(t).__name__}")
        if t._data.dtype != x._data.dtype:
            raise RuntimeError(
                f"mixed dtype (CPU): expect parameter to have scalar type of {dt.from_numpy_dtype(x._data.dtype)}"
            )


def _affine(out: Tensor, weight, bias, shape: tuple) -> Tensor:
    if weight is not None:
        out = out * S.reshape(weight, shape)
    if bias is not None:
        out = out + S.reshape(bias, shape)
    return out


def native_layer_norm(input: Tensor, normalized_shape, weight, bias, eps: float) -> tuple:  # noqa: A002
    """Layer norm over the trailing ``normalized_shape`` dims; returns ``(output, mean, rstd)``."""
    x = _tensor("native_layer_norm", input, "input", 1)
    if not isinstance(normalized_shape, (list, tuple)) or not all(
        isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in normalized_shape
    ):
        raise TypeError(
            f"native_layer_norm(): argument 'normalized_shape' (position 2) must be tuple of ints, not "
            f"{type(normalized_shape).__name__}"
        )
    _optional_params("native_layer_norm", x, {"weight": weight, "bias": bias})
    normalized = tuple(int(n) for n in normalized_shape)
    k = len(normalized)
    if k == 0 or tuple(x.shape[x.ndim - k :]) != normalized or x.ndim < k:
        raise RuntimeError(
            f"Given normalized_shape={list(normalized)}, expected input with shape [*, "
            f"{', '.join(str(n) for n in normalized)}], but got input of size{list(x.shape)}"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != normalized:
            raise RuntimeError(
                f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                f"{list(t.shape)} and normalized_shape = {list(normalized)}"
            )
    dims = tuple(range(x.ndim - k, x.ndim))
    mean = R.mean(x, dims, keepdim=True)
    rstd = E.rsqrt(R.var(x, dims, correction=0, keepdim=True) + eps)
    out = _affine((x - mean) * rstd, weight, bias, normalized)
    return out, mean, rstd


def native_group_norm(input: Tensor, weight, bias, N: int, C: int, HxW: int, group: int, eps: float) -> tuple:  # noqa: A002, N803
    """Group norm of ``input`` seen as (N, C, HxW); returns ``(output, mean (N, group), rstd (N, group))``."""
    x = _tensor("native_group_norm", input, "input", 1)
    _optional_params("native_group_norm", x, {"weight": weight, "bias": bias})
    for pos, (name, value) in enumerate((("N", N), ("C", C), ("HxW", HxW), ("group", group)), start=4):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
            raise TypeError(
                f"native_group_norm(): argument '{name}' (position {pos}) must be int, not {type(value).__name__}"
            )
    if x.numel() != N * C * HxW:
        raise RuntimeError(f"Expected input to have {N * C * HxW} elements (N={N}, C={C}, HxW={HxW}), got {x.numel()}")
    if group <= 0 or C % group:
        raise RuntimeError(
            f"Expected number of channels in input to be divisible by num_groups, but got input of shape "
            f"{list(x.shape)} and num_groups={group}"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.ndim != 1 or t.shape[0] != C):
            raise RuntimeError(
                f"Expected {name} to be a vector of size equal to the number of channels in input, but got "
                f"{name} of shape {list(t.shape)} and input of shape {list(x.shape)}"
            )
    grouped = S.reshape(x, (N, group, C // group * HxW))  # explicit: -1 is ambiguous for an empty input
    mean = R.mean(grouped, -1, keepdim=True)
    rstd = E.rsqrt(R.var(grouped, -1, correction=0, keepdim=True) + eps)
    out = S.reshape((grouped - mean) * rstd, (N, C, HxW))
    out = S.reshape(_affine(out, weight, bias, (C, 1)), x.shape)
    return out, S.reshape(mean, (N, group)), S.reshape(rstd, (N, group))


def native_batch_norm(
    input: Tensor,  # noqa: A002
    weight,
    bias,
    running_mean,
    running_var,
    training: bool,
    momentum: float,
    eps: float,
) -> tuple:
    """Batch norm over every dim but 1; returns ``(output, save_mean, save_invstd)`` (empty in eval mode).

    In training the running statistics, when given, are updated in place (unbiased variance), as torch."""
    x = _tensor("native_batch_norm", input, "input", 1)
    params = {"weight": weight, "bias": bias, "running_mean": running_mean, "running_var": running_var}
    _optional_params("native_batch_norm", x, params)
    if x.ndim < 2:
        raise IndexError("Dimension out of range (expected to be in range of [-1, 0], but got 1)")
    if x.numel() == 0:
        raise RuntimeError(f"input tensor must have at least one element, but got input_sizes = {list(x.shape)}")
    c = x.shape[1]
    shape = (-1,) + (1,) * (x.ndim - 2)  # torch's kernel broadcasts a one-element weight
    dims = (0, *range(2, x.ndim))
    if not training:
        if running_mean is None or running_var is None:
            raise RuntimeError("running_mean and running_var must be defined in the evaluation mode")
        inv = E.rsqrt(running_var + eps)
        out = _affine((x - S.reshape(running_mean, shape)) * S.reshape(inv, shape), weight, bias, shape)
        empty = Tensor._make(np.zeros(0, dtype=x._data.dtype))
        return out, empty, empty.clone()
    count = x.numel() // c if c else 0
    if count <= 1 and x.numel():
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {list(x.shape)}")
    mean = R.mean(x, dims)
    var = R.var(x, dims, correction=0)
    invstd = E.rsqrt(var + eps)
    out = _affine((x - S.reshape(mean, shape)) * S.reshape(invstd, shape), weight, bias, shape)
    with no_grad():  # both new running values are computed before either is written
        updates = []
        if running_mean is not None:
            updates.append((running_mean, running_mean * (1 - momentum) + mean.detach() * momentum))
        if running_var is not None:
            unbiased = var.detach() * (count / max(count - 1, 1))
            updates.append((running_var, running_var * (1 - momentum) + unbiased * momentum))
        for target, value in updates:
            if tuple(value.shape) != tuple(target.shape):
                raise RuntimeError(
                    f"native_batch_norm(): running statistics of shape {list(target.shape)} do not match the "
                    f"{c} channels of the input"
                )
        for target, value in updates:
            target.copy_(value)
    return out, mean, invstd


def rsub(input: Tensor, other, *, alpha=1) -> Tensor:  # noqa: A002
    """``other - alpha * input`` (``sub`` with its operands swapped)."""
    _tensor("rsub", input, "input", 1)
    return E.sub(other, input, alpha=alpha)


class Angle(Op):
    """The argument of a real number; its derivative is zero everywhere (torch's ``angle_backward``)."""

    def forward(self, x):
        a = x._data
        self.shape, self.dtype = a.shape, a.dtype
        return np.where(np.isnan(a), a, np.where(a < 0, a.dtype.type(math.pi), a.dtype.type(0)))

    def backward(self, g):
        return Tensor._make(np.zeros(self.shape, dtype=self.dtype))


def angle(input: Tensor) -> Tensor:  # noqa: A002
    """The argument of each element: 0 for non-negative reals, pi for negative ones, NaN stays NaN."""
    x = _tensor("angle", input, "input", 1)
    if x._data.dtype.kind in "biu":
        x = x.to(dt.get_default_dtype())
    return Angle.apply(x)


def nonzero_static(input: Tensor, *, size: int, fill_value: int = -1) -> Tensor:  # noqa: A002
    """The first ``size`` indices of non-zero elements, as ``nonzero``, padded with ``fill_value`` rows."""
    x = _tensor("nonzero_static", input, "input", 1)
    if not isinstance(size, (int, np.integer)) or isinstance(size, bool):
        raise TypeError(f"nonzero_static(): argument 'size' must be int, not {type(size).__name__}")
    if size < 0:
        raise RuntimeError(f"nonzero_static: 'size' must be an non-negative integer, but got {size}")
    found = np.argwhere(x._data).astype(np.int64)[:size]
    out = np.full((size, x.ndim), fill_value, dtype=np.int64)
    out[: len(found)] = found
    return Tensor._make(out)
