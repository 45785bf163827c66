"""Gradient clipping (in place on ``.grad``)."""

from __future__ import annotations

import math

import numpy as np

from ..._tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _params(parameters) -> list[Tensor]:
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


def clip_grad_norm_(
    parameters, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False, foreach=None
) -> Tensor:
    """Scale all gradients so their joint ``norm_type`` norm is at most ``max_norm``; return the norm before."""
    grads = [p.grad for p in _params(parameters) if p.grad is not None]
    if not grads:
        return Tensor._make(np.zeros((), dtype=np.float32))
    norm_type = float(norm_type)
    dtype = grads[0]._data.dtype
    if math.isinf(norm_type):
        total = max(float(np.abs(g._data).max()) if g._data.size else 0.0 for g in grads)
    else:
        per = [np.linalg.norm(g._data.reshape(-1).astype(np.float64), ord=norm_type) for g in grads]
        total = float(np.linalg.norm(np.asarray(per), ord=norm_type))
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it cannot be clipped. "
            "To disable this error and scale the gradients by the non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    coef = max_norm / (total + 1e-6)
    if coef < 1:
        for g in grads:
            g._data *= g._data.dtype.type(coef)
            g._vc.value += 1
    return Tensor._make(np.asarray(total, dtype=dtype))


def clip_grad_value_(parameters, clip_value: float, foreach=None) -> None:
    """Clamp every gradient element to [-clip_value, clip_value]."""
    for p in _params(parameters):
        if p.grad is not None:
            np.clip(p.grad._data, -clip_value, clip_value, out=p.grad._data)
            p.grad._vc.value += 1
