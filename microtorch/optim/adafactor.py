"""Adafactor: Adam-like updates with factored second moments for matrices, PyTorch's update rule."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .._backend import xp
from .._tensor import Tensor
from .optimizer import Optimizer, _bump_step, _scalar, _step_tensor, _zeros_state

__all__ = ["Adafactor"]


def _lerp_(dst: Any, end: Any, weight: float) -> None:
    """``dst.lerp_(end, weight)`` with PyTorch's two-sided formula (exact at ``weight == 1``)."""
    if weight < 0.5:
        dst += weight * (end - dst)
    else:
        dst[...] = end - (end - dst) * (1 - weight)


def _rms(a: Any) -> float:
    """Root mean square of an array (its 2-norm over the square root of its size)."""
    return float(xp.linalg.norm(a.ravel())) / (a.size**0.5)


class Adafactor(Optimizer):
    """Adafactor, PyTorch's update rule (row/column factored variance for parameters of 2 or more dims)."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float | Tensor = 1e-2,
        beta2_decay: float = -0.8,
        eps: tuple[float | None, float] = (None, 1e-3),
        d: float = 1.0,
        weight_decay: float = 0.0,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
    ) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= _scalar(lr):
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 >= beta2_decay:
            raise ValueError(f"beta2_decay should be <= 0 but is: {beta2_decay}")
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
        if not 0.0 <= eps[1]:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
        if not 1.0 <= d:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {d}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight_decay should be >= 0 but is: {weight_decay}")
        defaults = dict(
            lr=lr, beta2_decay=beta2_decay, eps=eps, d=d, weight_decay=weight_decay, foreach=foreach, maximize=maximize
        )
        super().__init__(params, defaults)

    def _init_state(self, p: Tensor, state: dict[str, Any]) -> None:
        state["step"] = _step_tensor()
        g = p._grad._data
        if g.ndim > 1:
            state["row_var"] = Tensor._make(xp.zeros(g.shape[:-1] + (1,), dtype=g.dtype))
            state["col_var"] = Tensor._make(xp.zeros(g.shape[:-2] + (1, g.shape[-1]), dtype=g.dtype))
        else:
            state["variance"] = _zeros_state(g)

    @staticmethod
    def _cast_state_value(p: Tensor, key: Any, name: str, v: Any) -> Any:
        # the factored moments have the reduced shapes, not the parameter's
        if name in ("row_var", "col_var") and isinstance(v, Tensor):
            return Tensor._make(v._data.astype(p._data.dtype, copy=True))
        return Optimizer._cast_state_value(p, key, name, v)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = _scalar(group["lr"])
        eps1, eps2 = group["eps"]
        beta2_decay, d, wd = group["beta2_decay"], group["d"], group["weight_decay"]
        for p in group["params"]:
            if p._grad is None:
                continue
            g = -p._grad._data if group["maximize"] else p._grad._data
            x = p._data
            state = self.state[p]
            if not state:
                self._init_state(p, state)
            step = _bump_step(state["step"])
            e1 = xp.finfo(x.dtype).eps if eps1 is None else eps1
            one_minus_beta2_t = step**beta2_decay
            rho_t = min(lr, 1 / (step**0.5))
            alpha = max(eps2, _rms(x)) * rho_t
            if wd != 0:
                x *= 1 - lr * wd
            var_estimate = self._variance(state, g, one_minus_beta2_t, e1)
            update = 1.0 / xp.sqrt(xp.maximum(var_estimate, e1 * e1)) * g
            denom = max(1.0, _rms(update) / d)
            x += (-alpha / denom) * update
            p._vc.value += 1

    @staticmethod
    def _variance(state: dict[str, Any], g: Any, weight: float, eps1: float) -> Any:
        """Update the (factored) second moment in ``state`` and return the full variance estimate."""
        if g.ndim > 1:
            row, col = state["row_var"], state["col_var"]
            _lerp_(row._data, xp.square(xp.linalg.norm(g, axis=-1, keepdims=True)) / g.shape[-1], weight)
            _lerp_(col._data, xp.square(xp.linalg.norm(g, axis=-2, keepdims=True)) / g.shape[-2], weight)
            row._vc.value += 1
            col._vc.value += 1
            estimate = row._data @ col._data
            return estimate / xp.maximum(row._data.mean(axis=-2, keepdims=True), eps1)
        variance = state["variance"]
        _lerp_(variance._data, g * g, weight)
        variance._vc.value += 1
        return variance._data.copy()
