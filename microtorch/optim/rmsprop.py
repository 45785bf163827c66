"""RMSprop, with momentum and the centered variant."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .._backend import xp
from .optimizer import Optimizer, _bump_step, _check_nonneg, _scalar, _state_tensor, _step_tensor

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
        for p in group["params"]:
            g = self._grad_array(p, group["maximize"])
            if g is None:
                continue
            x = p._data
            state = self.state[p]
            if not state:
                state["step"] = _step_tensor()
                state["square_avg"] = _state_tensor(xp.zeros_like(x))
                if momentum > 0:
                    state["momentum_buffer"] = _state_tensor(xp.zeros_like(x))
                if centered:
                    state["grad_avg"] = _state_tensor(xp.zeros_like(x))
            _bump_step(state["step"])
            if wd != 0:
                g = g + wd * x
            sq = state["square_avg"]
            sq._data *= alpha
            sq._data += (1 - alpha) * (g * g)
            sq._vc.value += 1
            if centered:
                ga = state["grad_avg"]
                ga._data += (1 - alpha) * (g - ga._data)
                ga._vc.value += 1
                avg = xp.sqrt(sq._data - ga._data * ga._data)
            else:
                avg = xp.sqrt(sq._data)
            avg += eps
            if momentum > 0:
                buf = state["momentum_buffer"]
                buf._data *= momentum
                buf._data += g / avg
                buf._vc.value += 1
                x -= lr * buf._data
            else:
                x += -lr * (g / avg)
            self._written(p)
