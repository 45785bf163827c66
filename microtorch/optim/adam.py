"""Adam and AdamW (decoupled weight decay), with AMSGrad."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .._backend import xp
from .._tensor import Tensor
from .optimizer import Optimizer, _bump_step, _check_nonneg, _scalar, _state_tensor, _step_tensor

__all__ = ["Adam", "AdamW"]


def _check_tensor_betas(betas: tuple, foreach: bool | None, capturable: bool) -> None:
    """PyTorch's rules for betas given as tensors: both or neither, 1-element, not with foreach."""
    kinds = {isinstance(b, Tensor) for b in betas}
    if len(kinds) != 1 or not (kinds == {True} or all(isinstance(b, float) for b in betas)):
        raise ValueError("betas must be either both floats or both Tensors")
    if kinds == {True}:
        for i, b in enumerate(betas):
            if foreach and not capturable:
                raise ValueError(f"betas[{i}] as a Tensor is not supported for capturable=False and foreach=True")
            if b.numel() != 1:
                raise ValueError(f"Tensor betas[{i}] must be 1-element")


class Adam(Optimizer):
    """Adam: adaptive moment estimation, PyTorch's update rule (optionally AMSGrad)."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        if isinstance(lr, Tensor) and foreach and not capturable:
            raise ValueError("lr as a Tensor is not supported for capturable=False and foreach=True")
        _check_nonneg("lr", lr, "learning rate")
        _check_nonneg("eps", eps, "epsilon value")
        betas = tuple(betas)
        if len(betas) != 2:
            raise ValueError(f"betas must be a pair of floats, got {betas}")
        if not 0.0 <= _scalar(betas[0]) < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= _scalar(betas[1]) < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        _check_nonneg("weight_decay", weight_decay)
        _check_tensor_betas(betas, foreach, capturable)
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            foreach=foreach,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
            decoupled_weight_decay=decoupled_weight_decay,
        )
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = _scalar(group["lr"])
        beta1, beta2 = (_scalar(b) for b in group["betas"])
        eps = group["eps"]
        wd = _scalar(group["weight_decay"])
        amsgrad = group["amsgrad"]
        decoupled = group.get("decoupled_weight_decay", False)
        for p in group["params"]:
            g = self._grad_array(p, group["maximize"])
            if g is None:
                continue
            x = p._data
            state = self.state[p]
            if not state:
                state["step"] = _step_tensor()
                state["exp_avg"] = _state_tensor(xp.zeros_like(x))
                state["exp_avg_sq"] = _state_tensor(xp.zeros_like(x))
                if amsgrad:
                    state["max_exp_avg_sq"] = _state_tensor(xp.zeros_like(x))
            step = _bump_step(state["step"])
            if wd != 0:
                if decoupled:
                    x *= 1 - lr * wd
                else:
                    g = g + wd * x
            m = state["exp_avg"]._data
            v = state["exp_avg_sq"]._data
            m += (1 - beta1) * (g - m)  # lerp toward g
            v *= beta2
            v += (1 - beta2) * (g * g)
            bias_correction1 = 1 - beta1**step
            bias_correction2_sqrt = (1 - beta2**step) ** 0.5
            step_size = lr / bias_correction1
            if amsgrad:
                vmax = state["max_exp_avg_sq"]
                xp.maximum(vmax._data, v, out=vmax._data)
                vmax._vc.value += 1
                v = vmax._data
            denom = xp.sqrt(v) / bias_correction2_sqrt
            denom += eps
            x += -step_size * (m / denom)
            state["exp_avg"]._vc.value += 1
            state["exp_avg_sq"]._vc.value += 1
            self._written(p)


class AdamW(Adam):
    """Adam with decoupled weight decay (PyTorch's AdamW)."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            foreach=foreach,
            maximize=maximize,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
            decoupled_weight_decay=True,
        )
