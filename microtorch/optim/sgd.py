"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .optimizer import Optimizer, _ArrayUpdate, _check_nonneg, _clone_state, _scalar

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent (optionally with momentum), PyTorch's update rule."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        _check_nonneg("lr", lr, "learning rate")
        _check_nonneg("momentum", momentum)
        _check_nonneg("weight_decay", weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
            maximize=maximize,
            foreach=foreach,
            differentiable=differentiable,
            fused=fused,
        )
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = _scalar(group["lr"])
        momentum = group["momentum"]
        dampening = group["dampening"]
        wd = _scalar(group["weight_decay"])
        nesterov = group["nesterov"]
        kind = self._update_kind(group)
        if momentum == 0 and wd == 0 and kind is _ArrayUpdate:
            _plain_step(group["params"], lr, group["maximize"])
            return
        for p in group["params"]:
            g = kind.grad(p, group["maximize"])
            if g is None:
                continue
            x = kind.param(p)
            if wd != 0:
                g = g + wd * x
            if momentum != 0:
                state = self.state[p]
                buf = state.get("momentum_buffer")
                if buf is None:
                    state["momentum_buffer"] = buf = _clone_state(g, x)
                else:
                    b = kind.state(buf)
                    b *= momentum
                    b += (1 - dampening) * g
                    kind.touched(buf)
                g = g + momentum * kind.state(buf) if nesterov else kind.state(buf)
            x -= lr * g
            kind.touched(p)


def _plain_step(params: list, lr: float, maximize: bool) -> None:
    """Plain SGD on the arrays (no momentum, no weight decay): the general loop's arithmetic, shortened."""
    for p in params:
        g = p._grad
        if g is None:
            continue
        x = p._data
        if maximize:
            x -= lr * -g._data
        else:
            x -= lr * g._data
        p._vc.value += 1
