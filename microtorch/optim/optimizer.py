"""The ``Optimizer`` base class: parameter groups, per-parameter state and state dicts."""

from __future__ import annotations

import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from .._backend import xp
from .._dtype import float64, get_default_dtype
from .._tensor import Tensor
from ..autograd.grad_mode import enable_grad

__all__ = ["Optimizer", "required"]


class _RequiredParameter:
    """Marks a hyper-parameter that every parameter group must give."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


def _typename(obj: Any) -> str:
    if isinstance(obj, Tensor):
        return "torch.Tensor"
    t = type(obj)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def _check_nonneg(name: str, value: float, label: str | None = None) -> None:
    """Raise PyTorch's ``ValueError("Invalid <label>: v")`` for a negative hyper-parameter."""
    if isinstance(value, Tensor):
        if value.numel() != 1:
            raise ValueError(f"Tensor {name} must be 1-element")
        value = value.item()
    if not value >= 0.0:
        raise ValueError(f"Invalid {label or name + ' value'}: {value}")


def _check_betas(betas: Any) -> tuple:
    """PyTorch's ``Invalid beta parameter at index i`` checks for a ``(beta1, beta2)`` pair."""
    for i in (0, 1):
        if not 0.0 <= _scalar(betas[i]) < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {betas[i]}")
    return betas


def _check_adam_family(lr: Any, eps: float, betas: Any, weight_decay: float) -> None:
    """The hyper-parameter checks Adam's relatives share, in PyTorch's order."""
    _check_nonneg("lr", lr, "learning rate")
    _check_nonneg("eps", eps, "epsilon value")
    _check_betas(betas)
    _check_nonneg("weight_decay", weight_decay)


_CAPTURABLE_DEVICES = "['cuda', 'xpu', 'hpu', 'privateuseone', 'xla']"


def _check_impl_flags(group: dict[str, Any], what: str = "params and state_steps") -> None:
    """PyTorch's step-time AssertionErrors for implementation flags the CPU cannot honour.

    ``foreach`` with ``differentiable`` (the multi-tensor ops record no graph), and ``capturable``
    (which needs an accelerator); both only when the group has a gradient to apply."""
    if not any(p._grad is not None for p in group["params"]):
        return
    if group.get("foreach") and group.get("differentiable"):
        raise AssertionError("_foreach ops don't support autograd")
    if group.get("capturable"):
        raise AssertionError(f"If capturable=True, {what} must be on supported devices: {_CAPTURABLE_DEVICES}.")


def _clone_state(value: Any, like: Any) -> Tensor:
    """A new state tensor holding a copy of ``value`` (detached, as PyTorch starts its buffers)."""
    if isinstance(value, Tensor):
        return value.detach().clone()
    return Tensor._make(xp.array(value, dtype=like.dtype, copy=True))


def _zeros_state(like: Any, fill: float = 0.0) -> Tensor:
    """A new state tensor of ``like``'s shape and dtype filled with ``fill``."""
    if getattr(like, "_uninitialized", False):  # a lazy module's placeholder: torch refuses it (Adagrad)
        like.refuse("full_like")
    array = like._data if isinstance(like, Tensor) else like
    return Tensor._make(xp.full_like(array, fill))


def _scalar_dtype() -> Any:
    """The dtype of scalar state (``step`` and the like): float64 under a float64 default dtype, else float32."""
    return xp.float64 if get_default_dtype() is float64 else xp.float32


def _scalar_state(value: float) -> Tensor:
    """A 0-dim scalar-state tensor holding ``value``."""
    return Tensor._make(xp.array(value, dtype=_scalar_dtype()))


def _step_tensor() -> Tensor:
    """A fresh ``step`` counter: a 0-dim tensor of the scalar-state dtype, as PyTorch keeps it."""
    return _scalar_state(0.0)


def _bump_step(step: Tensor) -> float:
    """Add one to a ``step`` tensor in place and return its new value."""
    step._data += 1
    step._vc.value += 1
    return float(step._data)


def _scalar(v: Any) -> float:
    return v.item() if isinstance(v, Tensor) else v


def _copy_value(value: Any) -> Any:
    """A deep copy of a state value (tensors get fresh storage)."""
    if isinstance(value, Tensor):
        return Tensor._make(value._data.copy())
    if isinstance(value, xp.ndarray):
        return Tensor._make(value.copy())
    if isinstance(value, dict):
        return {k: _copy_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy_value(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_copy_value(v) for v in value)
    return value


class _ArrayUpdate:
    """Update arithmetic on the raw arrays: the default step, nothing recorded.

    Update rules are written once against this interface and ``_TensorUpdate``: values
    are numpy arrays here and Tensors there, and both support the same operators."""

    sqrt = staticmethod(xp.sqrt)
    sign = staticmethod(xp.sign)

    @staticmethod
    def param(p: Tensor) -> Any:
        return p._data

    @staticmethod
    def grad(p: Tensor, maximize: bool) -> Any:
        g = p._grad
        if g is None:
            return None
        return -g._data if maximize else g._data

    @staticmethod
    def state(t: Tensor) -> Any:
        return t._data

    @staticmethod
    def maximum_(dst: Any, src: Any) -> None:
        xp.maximum(dst, src, out=dst)

    @staticmethod
    def clamp_(dst: Any, lo: float, hi: float) -> None:
        xp.clip(dst, lo, hi, out=dst)

    @staticmethod
    def copy_(dst: Any, src: Any) -> None:
        dst[...] = src

    @staticmethod
    def touched(*tensors: Tensor) -> None:
        for t in tensors:
            t._vc.value += 1


class _TensorUpdate:
    """The same arithmetic in Tensor ops, recorded in the graph (``differentiable=True``)."""

    @staticmethod
    def sqrt(t: Tensor) -> Tensor:
        return t.sqrt()

    @staticmethod
    def sign(t: Tensor) -> Tensor:
        return t.sign()

    @staticmethod
    def param(p: Tensor) -> Tensor:
        return p

    @staticmethod
    def grad(p: Tensor, maximize: bool) -> Tensor | None:
        g = p._grad
        if g is None:
            return None
        return -g if maximize else g

    @staticmethod
    def state(t: Tensor) -> Tensor:
        return t

    @staticmethod
    def maximum_(dst: Tensor, src: Tensor) -> None:
        dst.copy_(dst.maximum(src))

    @staticmethod
    def clamp_(dst: Tensor, lo: float, hi: float) -> None:
        dst.clamp_(lo, hi)

    @staticmethod
    def copy_(dst: Tensor, src: Tensor) -> None:
        dst.copy_(src)

    @staticmethod
    def touched(*tensors: Tensor) -> None:
        """In-place Tensor ops count their own versions."""


class Optimizer:
    """Base class of all optimizers: holds ``param_groups``, ``state`` and ``defaults``."""

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or dicts, but got "
                + _typename(params)
            )
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def __repr__(self) -> str:
        lines = [self.__class__.__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key not in ("params", "param_names"):
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)

    def __getstate__(self) -> dict[str, Any]:
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    # --- parameter groups ---------------------------------------------------------------
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters (a dict with ``'params'`` and optional per-group options)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        if "params" not in param_group:
            raise ValueError("param_group must have a 'params' entry")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but "
                "the ordering of tensors in sets will change between runs. Please use a list instead."
            )
        else:
            params = list(params)
        tensors, names = [], []
        for p in params:
            if isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str):
                names.append(p[0])
                tensors.append(p[1])
            else:
                tensors.append(p)
        if names and len(names) != len(tensors):
            raise ValueError("all optimizer params should be with/without names. Some param names are missing")
        for p in tensors:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is " + _typename(p))
            if not (
                p.is_leaf or p.retains_grad or param_group.get("differentiable", self.defaults.get("differentiable"))
            ):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
        seen: set[int] = set()
        for group in self.param_groups:
            seen.update(id(p) for p in group["params"])
            if bool(names) != ("param_names" in group):
                txt = "with names" if names else "without names"
                raise ValueError(
                    f"all optimizer param groups should be with/without names. cannot add param group {txt} "
                    "to the optimizer"
                )
        if any(id(p) in seen for p in tensors):
            raise ValueError("some parameters appear in more than one parameter group")
        if len({id(p) for p in tensors}) != len(tensors):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; in future, this will cause an error",
                stacklevel=3,
            )
        # validated: now commit
        param_group["params"] = tensors
        if names:
            param_group["param_names"] = names
        for name, default in self.defaults.items():
            param_group.setdefault(name, default)
        self.param_groups.append(param_group)

    # --- gradients and steps --------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all optimized tensors (to None by default, else to zeros)."""
        for group in self.param_groups:
            for p in group["params"]:
                g = p._grad
                if g is None:
                    continue
                if set_to_none:
                    p._grad = None
                else:
                    if g._grad_fn is not None:
                        g.detach_()
                    else:
                        g._requires_grad = False
                    g._data.fill(0)
                    g._vc.value += 1

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step; ``closure`` re-evaluates and returns the loss."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        self._check_grads()
        for group in self.param_groups:
            if group.get("differentiable"):
                with enable_grad():
                    self._update_group(group)
            else:
                self._update_group(group)
        return loss

    @staticmethod
    def _update_kind(group: dict[str, Any]) -> type:
        """How a group's update computes: on arrays, or in recorded Tensor ops when differentiable."""
        return _TensorUpdate if group.get("differentiable") else _ArrayUpdate

    def _check_grads(self) -> None:
        """Refuse to start a step that would fail part-way (so no parameter is half-updated)."""
        for group in self.param_groups:
            for p in group["params"]:
                g = p._grad
                if g is None:
                    continue
                if g._data.shape != p._data.shape:
                    raise RuntimeError(
                        f"{type(self).__name__}.step: gradient of shape {list(g.shape)} does not match its "
                        f"parameter of shape {list(p.shape)}"
                    )
                if p._data.dtype.kind != "f":
                    raise RuntimeError(f"{type(self).__name__}.step: cannot update a parameter of dtype {p.dtype}")
                if not p._data.flags.writeable:
                    raise RuntimeError(f"{type(self).__name__}.step: parameter storage is read-only")

    def _update_group(self, group: dict[str, Any]) -> None:
        raise NotImplementedError(f"{type(self).__name__} does not implement step()")

    # --- state dicts --------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """The optimizer state as ``{'state': {index: {...}}, 'param_groups': [...]}`` (PyTorch's layout)."""
        mapping: dict[int, int] = {}
        groups = []
        index = 0
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            ids = []
            for p in group["params"]:
                if id(p) not in mapping:
                    mapping[id(p)] = index
                    index += 1
                ids.append(mapping[id(p)])
            packed["params"] = ids
            groups.append(packed)
        state = {}
        for p, s in self.state.items():
            key = mapping[id(p)] if isinstance(p, Tensor) else p
            state[key] = dict(s)
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state from ``state_dict()``; on any mismatch raise and leave this optimizer unchanged."""
        if not isinstance(state_dict, dict) or "state" not in state_dict or "param_groups" not in state_dict:
            raise ValueError("optimizer state dict must be a dict with keys 'state' and 'param_groups'")
        saved_groups = state_dict["param_groups"]
        saved_state = state_dict["state"]
        if not isinstance(saved_groups, (list, tuple)) or not isinstance(saved_state, dict):
            raise ValueError("optimizer state dict has malformed 'state' or 'param_groups' entries")
        groups = self.param_groups
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        for g, s in zip(groups, saved_groups):
            if not isinstance(s, dict) or "params" not in s:
                raise ValueError("loaded state dict has a parameter group without 'params'")
            if len(g["params"]) != len(s["params"]):
                raise ValueError(
                    "loaded state dict contains a parameter group that doesn't match the size of optimizer's group"
                )
        id_map: dict[Any, Tensor] = {}
        for g, s in zip(groups, saved_groups):
            for key, p in zip(s["params"], g["params"]):
                id_map[key] = p
        new_state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        for key, value in saved_state.items():
            if key not in id_map:
                new_state[key] = _copy_value(value)
                continue
            p = id_map[key]
            if not isinstance(value, dict):
                raise ValueError(f"loaded state dict entry for parameter {key} must be a dict, got {type(value)}")
            entry = {}
            for name, v in value.items():
                entry[name] = self._cast_state_value(p, key, name, v)
            new_state[p] = entry
        new_groups = []
        for g, s in zip(groups, saved_groups):
            ng = {k: _copy_value(v) for k, v in s.items() if k != "params"}
            if isinstance(ng.get("betas"), list):
                ng["betas"] = tuple(ng["betas"])
            for name, default in self.defaults.items():
                ng.setdefault(name, default)
            ng["params"] = g["params"]
            if "param_names" in g and "param_names" not in s:
                ng["param_names"] = g["param_names"]
            new_groups.append(ng)
        # everything validated and built: commit
        self.state = new_state
        for g, ng in zip(groups, new_groups):
            g.clear()
            g.update(ng)

    @staticmethod
    def _cast_state_value(p: Tensor, key: Any, name: str, v: Any) -> Any:
        if isinstance(v, xp.ndarray):
            v = Tensor._make(v)
        if name == "step":
            # PyTorch keeps a tensor step's dtype and makes a number a scalar-state tensor
            if isinstance(v, Tensor):
                return Tensor._make(v._data.copy().reshape(()))
            if isinstance(v, (int, float)):
                return _scalar_state(float(v))
            raise ValueError(f"loaded state dict has a non-numeric 'step' for parameter {key}: {v!r}")
        if isinstance(v, Tensor):
            if v.shape != p.shape and v.numel() != 1:
                raise ValueError(
                    f"loaded state dict has '{name}' of shape {list(v.shape)} for parameter {key}, "
                    f"whose shape is {list(p.shape)}"
                )
            data = v._data.astype(p._data.dtype) if p.is_floating_point() else v._data.copy()
            if data is v._data:
                data = data.copy()
            return Tensor._make(data)
        return _copy_value(v)
