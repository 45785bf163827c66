"""NAdam: Adam with Nesterov momentum (Dozat's momentum schedule), PyTorch's update rule."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .._tensor import Tensor
from .optimizer import (
    Optimizer,
    _bump_step,
    _check_adam_family,
    _check_impl_flags,
    _check_nonneg,
    _scalar,
    _scalar_state,
    _step_tensor,
    _TensorUpdate,
    _zeros_state,
)

__all__ = ["NAdam"]


def _scalar_coefficient(numerator: float, x: Any) -> float:
    """``numerator / (1 - x)`` as PyTorch evaluates it on a 0-dim (scalar-state) tensor ``x``.

    (``float / tensor`` is ``tensor.reciprocal() * float``, all in ``x``'s dtype.)"""
    kind = x.dtype.type
    return float(kind(1.0) / (kind(1.0) - x) * kind(numerator))


class NAdam(Optimizer):
    """NAdam, PyTorch's update rule (``momentum_decay`` schedule, optional decoupled weight decay)."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float | Tensor = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_adam_family(lr, eps, betas, weight_decay)
        _check_nonneg("momentum_decay", momentum_decay)
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            momentum_decay=momentum_decay,
            decoupled_weight_decay=decoupled_weight_decay,
            maximize=maximize,
            foreach=foreach,
            capturable=capturable,
            differentiable=differentiable,
        )
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        _check_impl_flags(group, "params, mu_products and state_steps")
        lr = _scalar(group["lr"])
        beta1, beta2 = group["betas"]
        eps, wd, psi = group["eps"], group["weight_decay"], group["momentum_decay"]
        kind = self._update_kind(group)
        for p in group["params"]:
            g = kind.grad(p, group["maximize"])
            if g is None:
                continue
            x = kind.param(p)
            state = self.state[p]
            if not state:
                state["step"] = _step_tensor()
                state["mu_product"] = _scalar_state(1.0)
                state["exp_avg"] = _zeros_state(p)
                state["exp_avg_sq"] = _zeros_state(p)
            step = _bump_step(state["step"])
            bias_correction2 = 1 - beta2**step
            if wd != 0:
                if group["decoupled_weight_decay"]:
                    x *= 1 - lr * wd
                else:
                    g = g + wd * x
            mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * psi)))
            mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * psi)))
            mu_product = state["mu_product"]
            mu_product._data *= mu  # rounded to the scalar-state dtype (float32 by default), as in PyTorch
            mu_product._vc.value += 1
            m = kind.state(state["exp_avg"])
            v = kind.state(state["exp_avg_sq"])
            m += (1 - beta1) * (g - m)  # lerp toward g
            v *= beta2
            v += (1 - beta2) * (g * g)
            kind.touched(state["exp_avg"], state["exp_avg_sq"])
            denom = kind.sqrt(v / bias_correction2) + eps
            prod = mu_product._data
            if kind is _TensorUpdate:
                # PyTorch's differentiable path forms both coefficients on the scalar-state tensors
                grad_coef = _scalar_coefficient(-lr * (1.0 - mu), prod)
                avg_coef = _scalar_coefficient(-lr * mu_next, prod * prod.dtype.type(mu_next))
                x += (g * grad_coef) / denom
                x += (m * avg_coef) / denom
            else:
                prod_next = float(prod) * mu_next
                x += (-lr * (1.0 - mu) / (1.0 - float(prod))) * g / denom
                x += (-lr * mu_next / (1.0 - prod_next)) * m / denom
            kind.touched(p)
