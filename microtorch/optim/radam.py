"""RAdam: Adam with the variance of the adaptive learning rate rectified, PyTorch's update rule."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .._tensor import Tensor
from .optimizer import (
    Optimizer,
    _bump_step,
    _check_adam_family,
    _check_impl_flags,
    _scalar,
    _step_tensor,
    _zeros_state,
)

__all__ = ["RAdam"]


def _rectification(rho_t: float, rho_inf: float) -> float:
    """The variance rectification term ``r_t`` of the RAdam paper."""
    return ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5


class RAdam(Optimizer):
    """RAdam, PyTorch's update rule (optionally with decoupled weight decay)."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float | Tensor = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_adam_family(lr, eps, betas, weight_decay)
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            maximize=maximize,
            foreach=foreach,
            capturable=capturable,
            decoupled_weight_decay=decoupled_weight_decay,
            differentiable=differentiable,
        )
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        _check_impl_flags(group)
        lr = _scalar(group["lr"])
        beta1, beta2 = group["betas"]
        eps, wd = group["eps"], group["weight_decay"]
        kind = self._update_kind(group)
        for p in group["params"]:
            g = kind.grad(p, group["maximize"])
            if g is None:
                continue
            x = kind.param(p)
            state = self.state[p]
            if not state:
                state["step"] = _step_tensor()
                state["exp_avg"] = _zeros_state(p)
                state["exp_avg_sq"] = _zeros_state(p)
            step = _bump_step(state["step"])
            if wd != 0:
                if group["decoupled_weight_decay"]:
                    x *= 1 - lr * wd
                else:
                    g = g + wd * x
            m = kind.state(state["exp_avg"])
            v = kind.state(state["exp_avg_sq"])
            m += (1 - beta1) * (g - m)  # lerp toward g
            v *= beta2
            v += (1 - beta2) * (g * g)
            kind.touched(state["exp_avg"], state["exp_avg_sq"])
            bias_correction1 = 1 - beta1**step
            bias_correction2 = 1 - beta2**step
            corrected = m / bias_correction1
            rho_inf = 2 / (1 - beta2) - 1
            rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
            if rho_t > 5.0:
                adaptive_lr = (bias_correction2**0.5) / (kind.sqrt(v) + eps)
                x -= corrected * lr * adaptive_lr * _rectification(rho_t, rho_inf)
            else:
                x -= corrected * lr
            kind.touched(p)
