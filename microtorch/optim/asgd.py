"""ASGD: averaged stochastic gradient descent, PyTorch's update rule."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .._dtype import get_default_dtype, to_numpy_dtype
from .._tensor import Tensor
from .optimizer import (
    Optimizer,
    _bump_step,
    _check_impl_flags,
    _check_nonneg,
    _scalar,
    _scalar_state,
    _step_tensor,
    _zeros_state,
)

__all__ = ["ASGD"]


def _set_scalar(t: Tensor, value: float) -> None:
    """``t.copy_(torch.as_tensor(value))``: ``value`` rounds to the default dtype first, then to ``t``'s."""
    t._data[...] = to_numpy_dtype(get_default_dtype()).type(value)
    t._vc.value += 1


def _new_eta(lr: float, lambd: float, alpha: float, step: Tensor, foreach: bool | None) -> float:
    """``lr / (1 + lambd * lr * step) ** alpha``: in double, or as the multi-tensor path does on the step tensor."""
    if not foreach:
        return lr / ((1 + lambd * lr * float(step._data)) ** alpha)
    kind = step._data.dtype.type
    base = (kind(1.0) + kind(lambd * lr) * step._data[()]) ** kind(alpha)
    return float(kind(1.0) / base * kind(lr))


class ASGD(Optimizer):
    """ASGD, PyTorch's update rule (``eta`` decay, ``mu`` averaging from step ``t0``, average in ``ax``)."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float | Tensor = 1e-2,
        lambd: float = 1e-4,
        alpha: float = 0.75,
        t0: float = 1e6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        _check_nonneg("lr", lr, "learning rate")
        _check_nonneg("weight_decay", weight_decay)
        defaults = dict(
            lr=lr,
            lambd=lambd,
            alpha=alpha,
            t0=t0,
            weight_decay=weight_decay,
            foreach=foreach,
            maximize=maximize,
            differentiable=differentiable,
            capturable=capturable,
        )
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        _check_impl_flags(group, "params, mus, etas, and state_steps")
        lr = _scalar(group["lr"])
        lambd, alpha, t0, wd = group["lambd"], group["alpha"], group["t0"], group["weight_decay"]
        kind = self._update_kind(group)
        for p in group["params"]:
            g = kind.grad(p, group["maximize"])
            if g is None:
                continue
            x = kind.param(p)
            state = self.state[p]
            if not state:
                state["step"] = _step_tensor()
                state["eta"] = _scalar_state(lr)
                state["mu"] = _scalar_state(1.0)
                state["ax"] = _zeros_state(p)
            step = _bump_step(state["step"])
            if wd != 0:
                g = g + wd * x
            eta = float(state["eta"]._data)
            mu = float(state["mu"]._data)
            ax = kind.state(state["ax"])
            if group["foreach"]:
                # PyTorch's multi-tensor form: one fused decay-and-step, averaging always by mu
                x -= (g + lambd * x) * eta
                ax += (x - ax) * mu
            else:
                x *= 1 - lambd * eta
                x += -eta * g
                if mu != 1:
                    ax += (x - ax) * mu
                else:
                    kind.copy_(ax, x)
            kind.touched(p, state["ax"])
            _set_scalar(state["eta"], _new_eta(lr, lambd, alpha, state["step"], group["foreach"]))
            _set_scalar(state["mu"], 1 / max(1, step - t0))
