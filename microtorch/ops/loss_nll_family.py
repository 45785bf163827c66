"""Likelihood losses (``nn.functional``): Poisson and Gaussian negative log-likelihood.

Both are torch's composites, written with the same ops so that values, dtypes and
gradients (any order) match.
"""

from __future__ import annotations

import math

import microtorch as _mt

from .._tensor import Tensor
from .linalg import _tensor_arg
from .loss import _legacy_reduction, _reduce, _typed_arg

__all__ = ["poisson_nll_loss", "gaussian_nll_loss"]


def poisson_nll_loss(
    input: Tensor,
    target: Tensor,
    log_input: bool = True,
    full: bool = False,
    size_average=None,
    eps: float = 1e-8,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """``exp(input) - target * input`` (or ``input - target * log(input + eps)``), plus Stirling's term if ``full``."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce, reduction)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not a valid value for reduction")
    _tensor_arg(input, "poisson_nll_loss", "input", 1)
    _tensor_arg(target, "poisson_nll_loss", "target", 2)
    _typed_arg(log_input, "poisson_nll_loss", "log_input", 3, "bool")
    _typed_arg(full, "poisson_nll_loss", "full", 4, "bool")
    _typed_arg(eps, "poisson_nll_loss", "eps", 5, "float")
    if log_input:
        loss = _mt.exp(input) - target * input
    else:
        loss = input - target * _mt.log(input + eps)
    if full:
        stirling = target * _mt.log(target) - target + 0.5 * _mt.log(2 * math.pi * target)
        loss = loss + stirling.masked_fill(target <= 1, 0)
    return _reduce(loss, reduction)


def _gaussian_var(var: Tensor | float, input: Tensor) -> Tensor:
    """``var`` checked and shaped to broadcast against ``input``, as torch's wrapper."""
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = var * _mt.ones_like(input)
    elif _mt.any(var < 0):
        raise ValueError("var has negative entry/entries")
    if var.shape == input.shape:
        return var
    if input.shape[:-1] == var.shape:
        return _mt.unsqueeze(var, -1)
    if input.ndim == var.ndim and sum(y for x, y in zip(input.shape, var.shape) if x != y) == 1:
        return var
    raise ValueError("var is of incorrect size")


def gaussian_nll_loss(
    input: Tensor,
    target: Tensor,
    var: Tensor | float,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> Tensor:
    """``0.5 (log var + (input - target)**2 / var)`` with ``var`` clamped at ``eps`` (gradient passing through)."""
    var = _gaussian_var(var, input)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    var = var.clone()
    with _mt.no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (_mt.log(var) + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)
