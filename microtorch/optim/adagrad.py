"""Adagrad, with learning-rate decay and an initial accumulator value."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .optimizer import Optimizer, _bump_step, _check_nonneg, _scalar, _step_tensor, _zeros_state

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad, PyTorch's update rule (state is created at construction, as PyTorch does)."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        _check_nonneg("lr", lr, "learning rate")
        _check_nonneg("lr_decay", lr_decay)
        _check_nonneg("weight_decay", weight_decay)
        _check_nonneg("initial_accumulator_value", initial_accumulator_value)
        _check_nonneg("eps", eps, "epsilon value")
        defaults = dict(
            lr=lr,
            lr_decay=lr_decay,
            eps=eps,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            foreach=foreach,
            maximize=maximize,
            differentiable=differentiable,
            fused=fused,
        )
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                state["step"] = _step_tensor()
                state["sum"] = _zeros_state(p, group["initial_accumulator_value"])

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = _scalar(group["lr"])
        lr_decay, eps, wd = group["lr_decay"], group["eps"], group["weight_decay"]
        kind = self._update_kind(group)
        for p in group["params"]:
            g = kind.grad(p, group["maximize"])
            if g is None:
                continue
            x = kind.param(p)
            state = self.state[p]
            if not state:
                state["step"] = _step_tensor()
                state["sum"] = _zeros_state(p, group["initial_accumulator_value"])
            step = _bump_step(state["step"])
            if wd != 0:
                g = g + wd * x
            clr = lr / (1 + (step - 1) * lr_decay)
            total = kind.state(state["sum"])
            total += g * g
            kind.touched(state["sum"])
            x += -clr * (g / (kind.sqrt(total) + eps))
            kind.touched(p)
