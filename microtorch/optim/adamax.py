"""Adamax: Adam with the infinity norm in place of the second moment, PyTorch's update rule."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .._tensor import Tensor
from ..ops.shape import stack
from .optimizer import (
    Optimizer,
    _bump_step,
    _check_adam_family,
    _check_impl_flags,
    _scalar,
    _step_tensor,
    _TensorUpdate,
    _zeros_state,
)

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """Adamax, PyTorch's update rule."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float | Tensor = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        _check_adam_family(lr, eps, betas, weight_decay)
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            foreach=foreach,
            maximize=maximize,
            differentiable=differentiable,
            capturable=capturable,
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
                state["exp_inf"] = _zeros_state(p)
            step = _bump_step(state["step"])
            if wd != 0:
                g = g + wd * x
            m = kind.state(state["exp_avg"])
            u = kind.state(state["exp_inf"])
            m += (1 - beta1) * (g - m)  # lerp toward g
            u *= beta2
            if kind is _TensorUpdate:
                # PyTorch's differentiable form: amax over a stack saves the stack, not exp_inf
                u.copy_(stack([u, abs(g) + eps]).amax(0))
            else:
                kind.maximum_(u, abs(g) + eps)
            kind.touched(state["exp_avg"], state["exp_inf"])
            clr = lr / (1 - beta1**step)
            x += -clr * (m / u)
            kind.touched(p)
