"""The backward engine: walks the graph in reverse topological order, iteratively.

Discovery is an explicit-stack depth-first walk and execution is Kahn's algorithm on
the dependency counts, so a chain of any length never touches Python's recursion
limit. Gradients arriving at one tensor from several paths are summed before its node
runs; leaf gradients are summed per leaf and accumulated into ``.grad`` at the end, so
an error part-way through leaves every ``.grad`` as it was.
"""

from __future__ import annotations

import numpy as _np

from ..kernels import buffers as _buf
from .function import _FunctionNode
from .grad_mode import _state

__all__ = ["run_backward"]


Tensor = None  # set by microtorch._tensor once the class exists (avoids an import cycle)
#: microtorch.autograd._instrument while the profiler or anomaly mode is on, else None
_instrument = None


def _tensor_cls():
    return Tensor


def _add(a, b):
    """Sum two gradients (Tensors), recording only under create_graph."""
    if a is None:
        return b
    return a + b


def _sum(old, g):
    """Sum two gradients arriving at one place: on the arrays when nothing is recorded or profiled
    and they match (what the Tensor add would compute), else as a Tensor add."""
    a, b = old._data, g._data
    if not _state.enabled and _instrument is None and a.shape == b.shape and a.dtype == b.dtype:
        return Tensor._make(_buf.binary(_np.add, a, b))
    return old + g


def _array_root(array):
    while array.base is not None:
        array = array.base
    return id(array)


def run_backward(
    roots,
    grads,
    retain_graph: bool,
    create_graph: bool,
    inputs=None,
    accumulate: bool = True,
    allow_unused: bool = False,
):
    """Backpropagate ``grads`` from ``roots``.

    With ``accumulate`` the leaves' ``.grad`` are updated (``Tensor.backward``);
    otherwise the gradients of ``inputs`` are returned (``autograd.grad``).
    """
    # --- discovery: dependency counts of every node reachable from the roots ---------
    deps: dict = {}
    root_nodes = []
    leaf_grads: dict = {}  # id(leaf) -> [leaf, summed grad]
    buffers: dict = {}
    for t, g in zip(roots, grads):
        fn = t._grad_fn
        if fn is None:
            entry = leaf_grads.setdefault(id(t), [t, None])
            entry[1] = _add(entry[1], g)
            continue
        buf = buffers.get(fn)
        if buf is None:
            buf = buffers[fn] = [None] * (len(fn._out_meta) if fn._out_meta else 1)
            root_nodes.append(fn)
            deps.setdefault(fn, 0)
        buf[t._output_nr] = _add(buf[t._output_nr], g)

    parents = {} if inputs is not None else None
    stack = list(root_nodes)
    while stack:  # ``deps`` doubles as the seen set: a node enters it when first found
        node = stack.pop()
        for e in node.next_edges:
            if type(e) is tuple:
                child = e[0]
                if child in deps:
                    deps[child] += 1
                else:
                    deps[child] = 1
                    stack.append(child)
                if parents is not None:
                    parents.setdefault(child, []).append(node)

    # --- which nodes must run (autograd.grad / backward(inputs=...)) -----------------
    needed = None
    captures = None  # (node, nr) -> summed grad, for non-leaf inputs
    input_leaves = None
    if inputs is not None:
        input_leaves = {id(t) for t in inputs if t._grad_fn is None}
        captures = {}
        frontier = []
        for t in inputs:
            if t._grad_fn is not None:
                captures[(t._grad_fn, t._output_nr)] = None
        for node in deps:
            for e in node.next_edges:
                if e is None:
                    continue
                if (type(e) is tuple and e in captures) or (type(e) is not tuple and id(e) in input_leaves):
                    frontier.append(node)
                    break
        needed = set(frontier)
        while frontier:
            node = frontier.pop()
            for p in parents.get(node, ()):
                if p not in needed:
                    needed.add(p)
                    frontier.append(p)

    # --- execution ------------------------------------------------------------------
    prev_mode = _state.enabled
    _state.enabled = create_graph
    try:
        ready = [n for n in root_nodes if deps[n] == 0]
        while ready:
            node = ready.pop()
            grads_in = buffers.pop(node, None)
            if grads_in is not None:
                if node._pre_hooks or node._retained:
                    grads_in = _call_tensor_hooks(node, grads_in, Tensor)
                if captures:
                    for nr, g in enumerate(grads_in):
                        if (node, nr) in captures:
                            captures[(node, nr)] = g
            outs = ()
            if (needed is None or node in needed) and (
                (grads_in is not None and (grads_in[0] is not None if len(grads_in) == 1 else _any_grad(grads_in)))
                or isinstance(node, _FunctionNode)  # user Functions run on undefined gradients too
            ):
                if grads_in is None or node._out_meta is not None or node._pre_hooks or _instrument is not None:
                    outs = _run_node(node, grads_in)
                else:  # one output, no hooks, nothing instrumented
                    outs = node._run_backward(grads_in)
                if not retain_graph and node._saved:
                    node._saved = None
                    node._freed = True
            n_outs = len(outs)
            for i, e in enumerate(node.next_edges):
                if e is None:
                    continue
                g = outs[i] if i < n_outs else None
                if type(e) is tuple:
                    child = e[0]
                    if g is not None:
                        buf = buffers.get(child)
                        if buf is None:
                            meta = child._out_meta
                            buf = buffers[child] = [None] * len(meta) if meta else [None]
                        nr = e[1]
                        old = buf[nr]
                        buf[nr] = g if old is None else _sum(old, g)
                    left = deps[child] - 1
                    deps[child] = left
                    if left == 0:
                        ready.append(child)
                elif g is not None and (input_leaves is None or id(e) in input_leaves):
                    entry = leaf_grads.get(id(e))
                    if entry is None:
                        leaf_grads[id(e)] = [e, g]
                    else:
                        entry[1] = _sum(entry[1], g)

        # leaf hooks see the summed gradient; they may replace it
        for entry in leaf_grads.values():
            leaf, g = entry
            hooks = leaf._hooks
            if hooks and g is not None:
                for hook in list(hooks.values()):
                    g = _hook_result(hook, g, hook(g))
                entry[1] = g
    finally:
        _state.enabled = prev_mode

    if accumulate:
        owned: set = set()
        for leaf, g in leaf_grads.values():
            if g is None:
                continue
            if not create_graph:
                root = _array_root(g._data)
                if root in owned:
                    g = Tensor._make(g._data.copy())
                    root = id(g._data)
                owned.add(root)
                if g._requires_grad:
                    g = g.detach()
            if _instrument is None:
                _accumulate_leaf(leaf, g, create_graph, Tensor)
            else:
                _instrument.accumulate(_accumulate_leaf, leaf, g, create_graph, Tensor)
        return None

    result = []
    for t in inputs:
        if t._grad_fn is None:
            entry = leaf_grads.get(id(t))
            g = entry[1] if entry is not None else None
        else:
            g = captures.get((t._grad_fn, t._output_nr))
        if g is None and not allow_unused:
            raise RuntimeError(
                "One of the differentiated Tensors appears to not have been used in the graph. "
                "Set allow_unused=True if this is the desired behavior."
            )
        result.append(g)
    return tuple(result)


def _any_grad(grads_in: list) -> bool:
    """Whether a node received any gradient (one entry per output)."""
    return any(g is not None for g in grads_in)


def _run_node(node, grads_in):
    """Run ``node``'s backward on ``grads_in`` (missing ones as zeros unless it asked for None),
    through the instrumentation while it is on, then its post hooks."""
    if grads_in is None:
        grads_in = [None] * len(node._out_meta)
    meta = node._out_meta
    if meta is not None and any(g is None for g in grads_in) and getattr(node, "_materialize", True):
        grads_in = [g if g is not None else Tensor._make(_zeros(shape, dt)) for g, (shape, dt) in zip(grads_in, meta)]
    outs = node._run_backward(grads_in) if _instrument is None else _instrument.run_node(node, grads_in)
    hooks = node._pre_hooks
    if hooks and "post" in hooks:
        outs = _call_node_hooks(hooks["post"], outs, (tuple(outs), tuple(grads_in)))
    return outs


def _zeros(shape, dtype):
    from .._backend import xp

    return xp.zeros(shape, dtype=dtype)


def _call_tensor_hooks(node, grads_in, Tensor):
    """Run hooks registered on non-leaf tensors and keep grads of ``retain_grad`` tensors."""
    hooks = node._pre_hooks
    if hooks:
        grads_in = list(grads_in)
        for nr, fns in hooks.items():
            if type(nr) is not int:  # the node's own hooks ("pre", "post")
                continue
            g = grads_in[nr]
            if g is None:
                continue
            for fn in list(fns.values()):
                g = _hook_result(fn, g, fn(g))
            grads_in[nr] = g
    retained = node._retained
    if retained:
        for nr, ref in retained.items():
            t = ref()
            g = grads_in[nr]
            if t is not None and g is not None:
                stored = g if _state.enabled else g.detach()
                t._grad = stored if t._grad is None else t._grad + stored
    if hooks and "pre" in hooks:
        grads_in = list(_call_node_hooks(hooks["pre"], grads_in, (tuple(grads_in),)))
    return grads_in


def _call_node_hooks(fns: dict, values, args_of) -> tuple:
    """Run ``Node.register_hook`` / ``register_prehook`` hooks; each may replace ``values``
    (checked as PyTorch: a tuple of the same length, each Tensor of the same dtype and shape)."""
    values = tuple(values)
    for fn in list(fns.values()):
        new = fn(*args_of)
        if new is None:
            continue
        if not isinstance(new, tuple):
            raise TypeError(f"expected tuple, but hook returned '{type(new).__name__}'")
        name = getattr(fn, "__name__", "<unknown>")
        if len(new) != len(values):
            raise RuntimeError(
                f"hook '{name}' has returned an incorrect number of values (got {len(new)}, but expected {len(values)})"
            )
        values = tuple(_replaced(fn, old, g) for old, g in zip(values, new))
        args_of = (values,) + tuple(args_of[1:])
    return values


def _hook_result(hook, grad, new):
    """What a tensor hook returned, checked as PyTorch does: None keeps ``grad``; a
    replacement must be a Tensor of the same dtype and shape."""
    if new is None:
        return grad
    if not isinstance(new, Tensor):
        raise TypeError(f"expected Variable, but hook returned '{type(new).__name__}'")
    name = getattr(hook, "__name__", "<unknown>")
    if new._data.dtype != grad._data.dtype:
        raise RuntimeError(
            f"hook '{name}' has changed the type of value (was {_type_name(grad)} got {_type_name(new)})"
        )
    if new._data.shape != grad._data.shape:
        raise RuntimeError(f"hook '{name}' has changed the size of value")
    return new


def _replaced(hook, old, new):
    if new is None:
        return None
    if old is None:
        raise RuntimeError("can't replace a None gradient with a non-None value")
    return _hook_result(hook, old, new)


def _type_name(t) -> str:
    from .function import _TYPE_NAMES

    return "torch." + _TYPE_NAMES.get(t._data.dtype.name, "Tensor")


def _accumulate_leaf(leaf, g, create_graph: bool, Tensor) -> None:
    if g._data.shape != leaf._data.shape:
        from ..ops.shape import sum_to_size

        g = sum_to_size(g, leaf.shape)
    if g._data.dtype != leaf._data.dtype:
        g = Tensor._make(g._data.astype(leaf._data.dtype))
    old = leaf._grad
    if old is None:
        leaf._grad = g
    elif create_graph:
        leaf._grad = old + g
    else:
        # in place, as PyTorch: keeps the .grad object (and anything holding it) the same
        old._data += g._data
        old._vc.value += 1
