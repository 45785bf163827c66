"""Optional instrumentation of graph recording and of the backward engine: the profiler's
events and anomaly mode's forward tracebacks and NaN checks.

Nothing here costs anything while it is off: ``Op.apply`` and ``Function.apply`` are
replaced by the instrumented versions below only while a profiler or anomaly mode is
active, and the engine makes one ``is None`` check per node it runs.
"""

from __future__ import annotations

import os
import re
import traceback
import warnings

import numpy as np

from . import engine
from .function import Function, Op

_OP_APPLY = Op.__dict__["apply"]
_FUNCTION_APPLY = Function.__dict__["apply"]
_op_apply_fn = _OP_APPLY.__func__
_function_apply_fn = _FUNCTION_APPLY.__func__

#: the active profiler's recorder (``begin(name, inputs, options)`` / ``end(event)``), or None
recorder = None
#: anomaly mode: forward tracebacks kept on new nodes, backward outputs checked
anomaly = False
check_nan = True

_forward_names: dict = {}
_BACKWARD_SUFFIX = re.compile(r"Backward\d*$")
_WORD_BOUNDARY = re.compile(
    r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z0-9])(?=[A-Z][a-z])"
)  # CamelCase to snake_case; "Pool2D" stays "pool2d"
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def refresh() -> None:
    """Install the instrumented ``apply`` methods while anything is on; restore the plain ones otherwise."""
    import sys

    on = recorder is not None or anomaly
    Op.apply = classmethod(_instrumented_op_apply) if on else _OP_APPLY
    Function.apply = classmethod(_instrumented_function_apply) if on else _FUNCTION_APPLY
    engine._instrument = sys.modules[__name__] if on else None


def forward_name(cls) -> str:
    """The profiler's name for a built-in op's forward, as PyTorch's: ``aten::mul`` for ``MulBackward0``."""
    name = _forward_names.get(cls)
    if name is None:
        node_name = cls.__dict__.get("torch_name") or cls.__name__ + "Backward0"
        base = _BACKWARD_SUFFIX.sub("", node_name.rsplit("::", 1)[-1]).lstrip("_")
        snake = _WORD_BOUNDARY.sub("_", base).lower()
        name = _forward_names[cls] = "aten::" + snake
    return name


def _instrumented_op_apply(cls, *inputs, **options):
    rec = recorder
    if rec is None:
        out = _op_apply_fn(cls, *inputs, **options)
    else:
        event = rec.begin(forward_name(cls), inputs, options)
        try:
            out = _op_apply_fn(cls, *inputs, **options)
        finally:
            rec.end(event)
    if anomaly:
        _keep_forward_trace(out)
    return out


def _instrumented_function_apply(cls, *args, **kwargs):
    rec = recorder
    if rec is None:
        out = _function_apply_fn(cls, *args, **kwargs)
    else:
        event = rec.begin(cls.__name__, args, kwargs)
        try:
            out = _function_apply_fn(cls, *args, **kwargs)
        finally:
            rec.end(event)
    if anomaly:
        _keep_forward_trace(out)
    return out


def _keep_forward_trace(out) -> None:
    """Anomaly mode: remember on the new node where in the user's code it was created."""
    for t in out if type(out) is tuple else (out,):
        fn = getattr(t, "_grad_fn", None)
        if fn is not None and "_anomaly_trace" not in fn.__dict__:
            fn._anomaly_trace = _user_stack().rstrip()
            return


def _user_stack() -> str:
    """The current stack without its innermost microtorch frames (where the user called the op)."""
    frames = traceback.extract_stack()
    while frames and frames[-1].filename.startswith(_PACKAGE_DIR):
        frames.pop()
    return "".join(traceback.format_list(frames))


def run_node(node, grads_in):
    """Run one backward node for the engine: timed as an event, and checked in anomaly mode."""
    rec = recorder
    try:
        if rec is None:
            outs = node._run_backward(grads_in)
        else:
            event = rec.begin(node.name(), grads_in, None)
            try:
                outs = node._run_backward(grads_in)
            finally:
                rec.end(event)
    except Exception:
        if anomaly:
            _warn_forward_trace(node)
        raise
    if anomaly and check_nan:
        _check_nan(node, outs)
    return outs


def accumulate(accumulate_leaf, leaf, g, create_graph: bool, tensor_cls) -> None:
    """Accumulate ``g`` into ``leaf.grad`` for the engine, timed as torch's AccumulateGrad."""
    rec = recorder
    if rec is None:
        return accumulate_leaf(leaf, g, create_graph, tensor_cls)
    event = rec.begin("torch::autograd::AccumulateGrad", (g,), None)
    try:
        accumulate_leaf(leaf, g, create_graph, tensor_cls)
    finally:
        rec.end(event)


def _check_nan(node, outs) -> None:
    for i, g in enumerate(outs):
        if g is not None and g._data.dtype.kind in "fc" and np.isnan(g._data).any():
            _warn_forward_trace(node)
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")


def _warn_forward_trace(node) -> None:
    trace = getattr(node, "__dict__", {}).get("_anomaly_trace")
    if trace is None:
        text = (
            f"Error detected in {node.name()}. No forward pass information available. Enable detect anomaly "
            "during forward pass for more information."
        )
    else:
        text = f"Error detected in {node.name()}. Traceback of forward call that caused the error:\n{trace}"
    warnings.warn(text, UserWarning, stacklevel=2)
