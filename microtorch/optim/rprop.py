"""Rprop: resilient backpropagation (sign-based step-size adaptation), PyTorch's update rule."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .._backend import xp
from .._tensor import Tensor
from .optimizer import (
    Optimizer,
    _bump_step,
    _check_impl_flags,
    _check_nonneg,
    _scalar,
    _step_tensor,
    _TensorUpdate,
    _zeros_state,
)

__all__ = ["Rprop"]


def _sign_factors(g: Any, prev: Any, etaminus: float, etaplus: float) -> Any:
    """Per element: ``etaplus`` where the gradient kept its sign, ``etaminus`` where it flipped, else 1."""
    product = xp.sign(g * prev)
    return xp.where(product > 0, etaplus, xp.where(product < 0, etaminus, 1.0)).astype(g.dtype, copy=False)


class Rprop(Optimizer):
    """Rprop, PyTorch's update rule (``etas`` multiply the step sizes, clamped to ``step_sizes``)."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float | Tensor = 1e-2,
        etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-6, 50),
        *,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_nonneg("lr", lr, "learning rate")
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = dict(
            lr=lr,
            etas=etas,
            step_sizes=step_sizes,
            foreach=foreach,
            maximize=maximize,
            differentiable=differentiable,
            capturable=capturable,
        )
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        _check_impl_flags(group)
        etaminus, etaplus = group["etas"]
        step_size_min, step_size_max = group["step_sizes"]
        kind = self._update_kind(group)
        for p in group["params"]:
            g = kind.grad(p, group["maximize"])
            if g is None:
                continue
            x = kind.param(p)
            state = self.state[p]
            if not state:
                state["step"] = _step_tensor()
                state["prev"] = _zeros_state(p)
                state["step_size"] = _zeros_state(p, _scalar(group["lr"]))
            _bump_step(state["step"])
            g_data = g._data if kind is _TensorUpdate else g
            factors = _sign_factors(g_data, state["prev"]._data, etaminus, etaplus)
            flipped = factors == etaminus
            step_size = kind.state(state["step_size"])
            step_size *= Tensor._make(factors) if kind is _TensorUpdate else factors
            kind.clamp_(step_size, step_size_min, step_size_max)
            kind.touched(state["step_size"])
            # where the sign flipped, skip this step and forget the gradient
            kept = g.masked_fill(Tensor._make(flipped), 0.0) if kind is _TensorUpdate else xp.where(flipped, 0.0, g)
            x -= kind.sign(kept) * step_size
            kind.touched(p)
            kind.copy_(kind.state(state["prev"]), kept)
            kind.touched(state["prev"])
