"""RMSprop, with momentum and the centered variant."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .optimizer import Optimizer, _bump_step, _check_nonneg, _scalar, _step_tensor, _zeros_state

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop, PyTorch's update rule (``alpha`` smoothing, optional momentum and centering)."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_nonneg("lr", lr, "learning rate")
        _check_nonneg("eps", eps, "epsilon value")
        _check_nonneg("momentum", momentum)
        _check_nonneg("weight_decay", weight_decay)
        _check_nonneg("alpha", alpha)
        defaults = dict(
            lr=lr,
            momentum=momentum,
            alpha=alpha,
            eps=eps,
            centered=centered,
            weight_decay=weight_decay,
            capturable=capturable,
            foreach=foreach,
            maximize=maximize,
            differentiable=differentiable,
        )
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = _scalar(group["lr"])
        alpha, eps, momentum = group["alpha"], group["eps"], group["momentum"]
        wd = group["weight_decay"]
        centered = group["centered"]
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
                if momentum > 0:
                    state["momentum_buffer"] = _zeros_state(p)
                if centered:
                    state["grad_avg"] = _zeros_state(p)
            _bump_step(state["step"])
            if wd != 0:
                g = g + wd * x
            sq = kind.state(state["square_avg"])
            sq *= alpha
            sq += (1 - alpha) * (g * g)
            kind.touched(state["square_avg"])
            if centered:
                ga = kind.state(state["grad_avg"])
                ga += (1 - alpha) * (g - ga)
                kind.touched(state["grad_avg"])
                avg = kind.sqrt(sq - ga * ga) + eps
            else:
                avg = kind.sqrt(sq) + eps
            if momentum > 0:
                buf = kind.state(state["momentum_buffer"])
                buf *= momentum
                buf += g / avg
                kind.touched(state["momentum_buffer"])
                x -= lr * buf
            else:
                x += -lr * (g / avg)
            kind.touched(p)
