"""ASGD: averaged stochastic gradient descent, PyTorch's update rule."""

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
    _zeros_state,
)

__all__ = ["ASGD"]


def _set_f32(t: Tensor, value: float) -> None:
    """Store ``value`` into a 0-dim float32 state tensor in place (rounded as PyTorch's copy_ does)."""
    t._data[...] = xp.float32(value)
    t._vc.value += 1


def _new_eta(lr: float, lambd: float, alpha: float, step: float, foreach: bool | None) -> float:
    """``lr / (1 + lambd * lr * step) ** alpha``: in double, or as the multi-tensor path does on a float32 step."""
    if not foreach:
        return lr / ((1 + lambd * lr * step) ** alpha)
    one = xp.float32(1.0)
    base = (one + xp.float32(lambd * lr) * xp.float32(step)) ** xp.float32(alpha)
    return float(one / base * xp.float32(lr))


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
                state["eta"] = Tensor._make(xp.array(lr, dtype=xp.float32))
                state["mu"] = Tensor._make(xp.ones((), dtype=xp.float32))
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
            _set_f32(state["eta"], _new_eta(lr, lambd, alpha, step, group["foreach"]))
            _set_f32(state["mu"], 1 / max(1, step - t0))
