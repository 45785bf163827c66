"""Adadelta."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .optimizer import Optimizer, _bump_step, _check_nonneg, _scalar, _step_tensor, _zeros_state

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta, PyTorch's update rule (``rho`` smoothing, ``lr`` scaling of the delta)."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        capturable: bool = False,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_nonneg("lr", lr, "learning rate")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        _check_nonneg("eps", eps, "epsilon value")
        _check_nonneg("weight_decay", weight_decay)
        defaults = dict(
            lr=lr,
            rho=rho,
            eps=eps,
            weight_decay=weight_decay,
            maximize=maximize,
            capturable=capturable,
            foreach=foreach,
            differentiable=differentiable,
        )
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = _scalar(group["lr"])
        rho, eps, wd = group["rho"], group["eps"], group["weight_decay"]
        kind = self._update_kind(group)
        for p in group["params"]:
            g = kind.grad(p, group["maximize"])
            if g is None:
                continue
            x = kind.param(p)
            state = self.state[p]
            if not state:
                state["step"] = _step_tensor()
                state["square_avg"] = _zeros_state(p)
                state["acc_delta"] = _zeros_state(p)
            _bump_step(state["step"])
            if wd != 0:
                g = g + wd * x
            sq, acc = kind.state(state["square_avg"]), kind.state(state["acc_delta"])
            sq *= rho
            sq += (1 - rho) * (g * g)
            delta = kind.sqrt(acc + eps) / kind.sqrt(sq + eps) * g
            acc *= rho
            acc += (1 - rho) * (delta * delta)
            kind.touched(state["square_avg"], state["acc_delta"])
            x += -lr * delta
            kind.touched(p)
