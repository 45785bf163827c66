"""Adam and AdamW (decoupled weight decay), with AMSGrad."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .._tensor import Tensor
from .optimizer import Optimizer, _bump_step, _check_nonneg, _scalar, _step_tensor, _TensorUpdate, _zeros_state

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
                if amsgrad:
                    state["max_exp_avg_sq"] = _zeros_state(p)
            step = _bump_step(state["step"])
            if kind is _TensorUpdate:
                step = state["step"]  # PyTorch's differentiable path computes the corrections in float32
            if wd != 0:
                if decoupled:
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
            bias_correction2_sqrt = bias_correction2.sqrt() if kind is _TensorUpdate else bias_correction2**0.5
            step_size = lr / bias_correction1
            if amsgrad:
                vmax = state["max_exp_avg_sq"]
                kind.maximum_(kind.state(vmax), v)
                kind.touched(vmax)
                v = kind.state(vmax)
            if kind is _TensorUpdate:
                step_size_neg = -step_size
                # m is a state tensor updated in place next step: divide a copy, as PyTorch does
                x += m.clone() / (kind.sqrt(v) / (bias_correction2_sqrt * step_size_neg) + eps / step_size_neg)
            else:
                x += -step_size * (m / (kind.sqrt(v) / bias_correction2_sqrt + eps))
            kind.touched(p)


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
