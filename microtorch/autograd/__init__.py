"""Reverse-mode automatic differentiation: ``backward``, ``grad``, ``Function``, gradcheck."""

from __future__ import annotations

import warnings

from . import engine as _engine
from .anomaly_mode import detect_anomaly, is_anomaly_check_nan_enabled, is_anomaly_enabled, set_detect_anomaly
from .engine import run_backward
from .function import Function, FunctionCtx, once_differentiable
from .grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .variable import Variable

__all__ = [
    "Variable",
    "backward",
    "grad",
    "Function",
    "FunctionCtx",
    "once_differentiable",
    "gradcheck",
    "gradgradcheck",
    "GradcheckError",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
    "is_inference_mode_enabled",
    "inference_mode",
    "functional",
    "detect_anomaly",
    "set_detect_anomaly",
    "is_anomaly_enabled",
    "is_anomaly_check_nan_enabled",
    "graphviz",
    "profiler",
]


def _as_tuple(x):
    if x is None:
        return None
    if isinstance(x, (tuple, list)):
        return tuple(x)
    return (x,)


def _root_grads(outputs, grad_outputs, op: str):
    """Validate outputs / their gradients; make implicit ones for scalars (PyTorch's messages)."""
    Tensor = _engine.Tensor  # set by microtorch._tensor (no import statement on this hot path)
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    elif len(grad_outputs) != len(outputs):
        raise RuntimeError(f"{op}: got {len(grad_outputs)} gradients for {len(outputs)} outputs")
    grads = []
    for i in range(len(outputs)):
        out, g = outputs[i], grad_outputs[i]
        if not isinstance(out, Tensor):
            raise TypeError(f"{op}: expected Tensor outputs, got {type(out).__name__}")
        if out._base is not None:
            out._sync_view()
        if not out._requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        grads.append(_implicit_grad(out, Tensor) if g is None else _given_grad(out, g, i, Tensor))
    return grads


def _implicit_grad(out, Tensor):
    """The gradient 1 of a one-element output."""
    a = out._data
    if a.size != 1:
        raise RuntimeError(
            f"grad can be implicitly created only for scalar outputs (got output of shape {list(out.shape)})"
        )
    return Tensor._make(_ones(a.shape, a.dtype))


def _given_grad(out, g, i: int, Tensor):
    """A gradient passed for output ``i``, checked against it (shape, floating kind)."""
    from .._backend import xp

    if not isinstance(g, Tensor):
        g = Tensor._make(xp.asarray(g, dtype=out._data.dtype))
    if g.shape != out.shape:
        raise RuntimeError(
            f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and output[{i}] has a shape of {out.shape}."
        )
    if g._data.dtype.kind != out._data.dtype.kind:
        raise RuntimeError(
            f"For output {i}: expected grad of dtype {out.dtype}, got {g.dtype} (grad_output must be floating point)"
        )
    return g


_ONES: dict = {}  # (shape, dtype) -> a one-element array of ones, copied for each implicit gradient


def _ones(shape: tuple, dtype):
    """A fresh one-element array of ones (a copy of a cached one: ~5x quicker than ``ones``)."""
    one = _ONES.get((shape, dtype))
    if one is None:
        from .._backend import xp

        one = xp.ones(shape, dtype=dtype)
        if len(_ONES) < 64:
            _ONES[shape, dtype] = one
    return one.copy()


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph: bool = False, inputs=None) -> None:
    """Accumulate gradients of ``tensors`` into the ``.grad`` of the leaves they depend on."""
    outputs = _as_tuple(tensors)
    grads = _root_grads(outputs, _as_tuple(grad_tensors), "backward")
    if retain_graph is None:
        retain_graph = create_graph
    ins = _as_tuple(inputs)
    if ins is not None and len(ins) == 0:
        raise RuntimeError("backward: 'inputs' argument to backward() cannot be empty.")
    for t in ins or ():
        t._sync_view()
    run_backward(outputs, grads, bool(retain_graph), bool(create_graph), inputs=ins, accumulate=True)


def grad(
    outputs,
    inputs,
    grad_outputs=None,
    retain_graph=None,
    create_graph: bool = False,
    only_inputs: bool = True,
    allow_unused=None,
    is_grads_batched: bool = False,
    materialize_grads: bool = False,
):
    """Return the gradients of ``outputs`` with respect to ``inputs`` (``.grad`` is untouched)."""
    outs = _as_tuple(outputs)
    ins = _as_tuple(inputs)
    for i, t in enumerate(ins):
        t._sync_view()
        if not t._requires_grad:
            raise RuntimeError(f"One of the differentiated Tensors does not require grad (input {i})")
    if retain_graph is None:
        retain_graph = create_graph
    if materialize_grads and allow_unused is False:
        raise ValueError(
            "Expected allow_unused to be True or not passed when materialize_grads=True, but got: allow_unused=False."
        )
    if allow_unused is None:
        allow_unused = materialize_grads
    if not only_inputs:
        warnings.warn(
            "only_inputs argument is deprecated and is ignored now (defaults to True). To accumulate gradient for "
            "other parts of the graph, please use torch.autograd.backward.",
            FutureWarning,
            stacklevel=2,
        )
    if is_grads_batched:
        result = _batched_grad(outs, ins, _as_tuple(grad_outputs), bool(retain_graph), create_graph, allow_unused)
    else:
        grads = _root_grads(outs, _as_tuple(grad_outputs), "grad")
        result = run_backward(
            outs,
            grads,
            bool(retain_graph),
            bool(create_graph),
            inputs=ins,
            accumulate=False,
            allow_unused=bool(allow_unused),
        )
    if materialize_grads:  # zeros of the input's shape, also when batched (as torch)
        from .._creation import zeros_like

        result = tuple(g if g is not None else zeros_like(t) for g, t in zip(result, ins))
    return result


def _batched_grad(outs, ins, grad_outputs, retain_graph: bool, create_graph: bool, allow_unused) -> tuple:
    """``grad`` with ``is_grads_batched=True``: the first dimension of every output gradient
    indexes a batch; one backward per entry (microtorch has no vmap), results stacked."""
    from ..ops.shape import stack

    if grad_outputs is None or any(g is None for g in grad_outputs):
        raise RuntimeError("grad can be implicitly created only for scalar outputs")
    for i, (o, g) in enumerate(zip(outs, grad_outputs)):
        if g.ndim == 0 or g.shape[1:] != o.shape:
            raise RuntimeError(
                "If `is_grads_batched=True`, we interpret the first dimension of each grad_output as the batch "
                "dimension. The sizes of the remaining dimensions are expected to match the shape of corresponding "
                f"output, but a mismatch was detected: grad_output[{i}] has a shape of {g.shape[1:]} and "
                f"output[{i}] has a shape of {o.shape}. If you only want some tensors in `grad_output` to be "
                "considered batched, consider using vmap."
            )
    n = grad_outputs[0].shape[0] if grad_outputs else 0
    if any(g.shape[0] != n for g in grad_outputs):
        raise RuntimeError("grad: with is_grads_batched=True every grad_output needs the same batch size")
    rows = [
        grad(
            outs,
            ins,
            [g[b] for g in grad_outputs],
            retain_graph=retain_graph or b < n - 1,
            create_graph=create_graph,
            allow_unused=allow_unused,
        )
        for b in range(n)
    ]
    result = []
    for k in range(len(ins)):
        shards = [r[k] for r in rows]
        result.append(None if any(s is None for s in shards) else stack(shards))
    return tuple(result)


from . import functional, graphviz, profiler  # noqa: E402
