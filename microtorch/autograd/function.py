"""Graph nodes: the internal ``Op`` base that every built-in op derives from, and the
user-facing ``Function`` (``ctx.save_for_backward``, ``Function.apply``) as in PyTorch.

A node records, for each differentiable input, an edge: ``None`` (no gradient needed),
``(node, output_nr)`` for a tensor produced by another node, or the leaf tensor itself.
Backward formulas are written in Tensor ops, so the engine can record a graph of the
backward pass (``create_graph=True``) or run it with grad mode off (a thin fast path).
"""

from __future__ import annotations

import functools as _functools
import re as _re
from typing import Any
from weakref import ref as _weakref

from numpy import may_share_memory as _may_share

from .grad_mode import _state

__all__ = ["Node", "Op", "Function", "FunctionCtx", "OUTPUT", "once_differentiable", "mark_multi_output_views"]

_FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward."
)


class _OutputMarker:
    """Sentinel passed to ``save_for_backward`` to save the op's own (first) output."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "OUTPUT"


OUTPUT = _OutputMarker()


class _SavedOutput:
    """An output saved by its own node: kept as array + version counter, not as the
    Tensor, so that the output and its grad_fn do not form a reference cycle."""

    __slots__ = ("array", "counter", "version", "nr", "requires_grad")

    def __init__(self, tensor, nr: int) -> None:
        self.array = tensor._data
        self.counter = tensor._vc
        self.version = tensor._vc.value
        self.nr = nr


Tensor = None  # set by microtorch._tensor once the class exists (avoids an import cycle)


def _saved_item(item, outputs: tuple):
    """What a node keeps of a saved item: its own outputs (and ``OUTPUT``) as ``_SavedOutput``."""
    if item is OUTPUT:
        return _SavedOutput(outputs[0], 0)
    for nr, o in enumerate(outputs):
        if o is item:
            return _SavedOutput(item, nr)
    return item


def _tensor_cls():
    return Tensor


class Node:
    """A backward node of the graph (what ``Tensor.grad_fn`` returns)."""

    __slots__ = ("next_edges", "_saved", "__dict__", "__weakref__")
    #: the op also took a Python number, which PyTorch shows as a ``(None, 0)`` edge
    scalar_operand = False
    # defaults read through the class, so recording a node writes only what differs
    #: per saved item the version it was saved at (None: not version-checked); None: nothing to check
    _saved_versions = None
    #: whether a saved item is one of the node's own outputs (a ``_SavedOutput``)
    _saved_outputs = False
    #: the saved items were freed by a backward without retain_graph
    _freed = False
    #: tensor hooks by output nr, and the node's own under "pre" / "post"
    _pre_hooks = None
    #: output nr -> weak reference of a tensor that called retain_grad
    _retained = None
    #: (shape, dtype) per output of a multi-output node; None for one output
    _out_meta = None

    def name(self) -> str:
        """The node's name as PyTorch prints it, e.g. ``MulBackward0``."""
        cls = type(self)
        return cls.__dict__.get("torch_name") or cls.__name__ + "Backward0"

    def __repr__(self) -> str:
        return f"<{self.name().rsplit('::', 1)[-1]} object at {hex(id(self))}>"

    @property
    def next_functions(self) -> tuple:
        """The nodes this one sends gradients to, as ``((node, output_nr), ...)``."""
        result = []
        for e in self.next_edges:
            if e is None:
                result.append((None, 0))
            elif type(e) is tuple:
                result.append(e)
            else:
                result.append((_accumulate_grad(e), 0))
        if self.scalar_operand:
            result.append((None, 0))  # PyTorch wraps the Python number as an input without a gradient
        return tuple(result)

    # --- saving -------------------------------------------------------------------
    def save_for_backward(self, *items: Any) -> None:
        """Keep tensors (version-checked), arrays, or ``OUTPUT`` for the backward pass."""
        self._saved = items

    @property
    def saved_tensors(self) -> tuple:
        """The saved items, checked against in-place modification since they were saved."""
        saved = self._saved
        if saved is None:
            raise RuntimeError(_FREED_MESSAGE)
        versions = self._saved_versions
        if versions is None:
            return saved
        if not self._saved_outputs:
            for item, version in zip(saved, versions):
                if version is not None and item._vc.value != version:
                    _raise_modified(item.grad_fn, item._data, item._vc.value, version, item._output_nr)
            return saved
        result = []
        for item, version in zip(saved, versions):
            if type(item) is _SavedOutput:
                if item.counter.value != item.version:
                    _raise_modified(self, item.array, item.counter.value, item.version, item.nr)
                item = Tensor._from_saved_output(item, self)
            elif version is not None and item._vc.value != version:
                _raise_modified(item.grad_fn, item._data, item._vc.value, version, item._output_nr)
            result.append(item)
        return tuple(result)

    def _record_saved(self, outputs) -> None:
        """Called once the outputs exist: resolve ``OUTPUT`` and note saved versions."""
        saved = self._saved
        if not saved:
            return
        versions = []
        own = False
        for item in saved:
            if isinstance(item, Tensor):
                for o in outputs:
                    if o is item:
                        own = True
                        versions.append(None)
                        break
                else:
                    versions.append(item._vc.value)
            else:
                own = own or item is OUTPUT
                versions.append(None)
        self._saved_versions = tuple(versions)
        if own:  # outputs are kept as arrays (see _SavedOutput)
            self._saved = tuple([_saved_item(item, outputs) for item in saved])
            self._saved_outputs = True

    def register_hook(self, fn):
        """Call ``fn(grad_inputs, grad_outputs)`` after this node's backward; it may return
        replacement ``grad_inputs`` (a tuple, one entry per ``next_functions`` edge)."""
        return self._add_node_hook("post", fn)

    def register_prehook(self, fn):
        """Call ``fn(grad_outputs)`` before this node's backward; it may return replacements."""
        return self._add_node_hook("pre", fn)

    def _add_node_hook(self, kind: str, fn):
        # kept in the tensor pre-hook dict under a string key, so nodes without hooks pay nothing
        from .._tensor import _HookHandle

        if self._pre_hooks is None:
            self._pre_hooks = {}
        registry = self._pre_hooks.setdefault(kind, {})
        handle = _HookHandle(registry)
        registry[handle.id] = fn
        return handle

    # --- engine interface ---------------------------------------------------------
    def _run_backward(self, grads: list):
        """Call ``backward`` with one gradient per output; return one per input edge."""
        if self._freed:
            raise RuntimeError(_FREED_MESSAGE)
        result = self.backward(*grads)
        if type(result) is not tuple:
            result = (result,)
        return result

    def backward(self, *grads):  # pragma: no cover - every op overrides it
        raise NotImplementedError(f"{self.name()}: backward is not implemented")


def _raise_modified(node, array, now: int, expected: int, nr: int) -> None:
    """PyTorch's error for a saved tensor changed in place; ``node`` produced it (None: a leaf)."""
    from .._dtype import from_numpy_dtype

    kind = f"torch.{_TYPE_NAMES.get(from_numpy_dtype(array.dtype).name, 'Tensor')}"
    where = f", which is output {nr} of {_re.sub(r'Backward[0-9]*$', '', node.name())}," if node is not None else ""
    raise RuntimeError(
        "one of the variables needed for gradient computation has been modified by an "
        f"inplace operation: [{kind} {list(array.shape)}]{where} is at version {now}; "
        f"expected version {expected} instead."
    )


_TYPE_NAMES = {
    "float32": "FloatTensor",
    "float64": "DoubleTensor",
    "float16": "HalfTensor",
    "bfloat16": "BFloat16Tensor",
    "int64": "LongTensor",
    "int32": "IntTensor",
    "int16": "ShortTensor",
    "int8": "CharTensor",
    "uint8": "ByteTensor",
    "bool": "BoolTensor",
}


class _AccumulateGrad:
    """What ``next_functions`` shows for a leaf: the node that accumulates into ``.grad``."""

    __slots__ = ("variable", "__weakref__")

    def __init__(self, variable) -> None:
        self.variable = variable

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {hex(id(self))}>"

    next_functions = ()


def _accumulate_grad(leaf) -> _AccumulateGrad:
    """The leaf's one AccumulateGrad node while anything holds it, as torch's ``grad_accumulator``:
    the leaf keeps only a weak reference, so node and leaf form no reference cycle."""
    ref = leaf.__dict__.get("_grad_accumulator")
    node = ref() if ref is not None else None
    if node is None or node.variable is not leaf:  # gone, or copied over with the leaf's __dict__
        node = _AccumulateGrad(leaf)
        leaf.__dict__["_grad_accumulator"] = _weakref(node)
    return node


_refresh_view = None  # set by microtorch._tensor_methods, which defines the view-replay op


def wants_grad(t) -> bool:
    """Whether ``t`` will get a gradient from an op applied to it now (views brought up to date)."""
    return t._requires_grad or (t._base is not None and t._view_ver != t._vc.value and _refresh_view(t))


def save_needed(a, b) -> tuple:
    """For a product of ``a`` and ``b``: each operand is needed only for the other's gradient, so
    save it only when the other will get one (as PyTorch, so an in-place change to a tensor whose
    gradient nobody needs is not flagged)."""
    if not _state.enabled:  # no node will be recorded: nothing to save
        return (None, None)
    return (a if wants_grad(b) else None, b if wants_grad(a) else None)


def _edge(t):
    """The edge a node keeps for input tensor ``t``."""
    if t._base is not None and t._view_ver != t._vc.value:
        _refresh_view(t)
    fn = t._grad_fn
    if fn is not None:
        return (fn, t._output_nr)
    return t if t._requires_grad else None


def _link_view(out, base) -> None:
    """Make ``out`` a view of ``base``'s root when its array is a view of it: shared version
    counter, and the version at which its grad_fn was made (see ``Tensor._sync_view``)."""
    a = out._data
    if a.base is None:
        return
    root = base._data.base
    # numpy points a view's base at the array owning the memory; may_share covers other routes
    if a.base is (root if root is not None else base._data) or _may_share(a, base._data):
        out._vc = base._vc
        out._base = base._base if base._base is not None else base
        out._view_ver = base._vc.value
        meta = base._view_meta if base._base is not None else False
        # views of views keep their parent's creation kind, as PyTorch's propagate_creation_meta
        out._view_meta = _INHERITED_MULTI_OUTPUT if type(meta) is tuple else meta or not _state.enabled


_INHERITED_MULTI_OUTPUT = (None, None)  # a view of a multi-output view: named after its own node


def mark_multi_output_views(views: tuple, op_name: str) -> tuple:
    """Mark the outputs of a function returning several views (split, chunk, unbind): PyTorch
    forbids modifying them in place, and using them after their base was modified in place."""
    for i, v in enumerate(views):
        if v._base is not None and v._view_meta is not True:
            v._view_meta = (op_name, i)
    return views


class Op(Node):
    """Base of every built-in differentiable op.

    ``forward(self, *tensors, **options)`` computes on the inputs' arrays (``t._data``)
    and returns an array (or a tuple of arrays); it may call ``self.save_for_backward``
    with input tensors, arrays, or ``OUTPUT``. ``backward(self, *grads)`` receives
    Tensors and returns one Tensor (or ``None``) per positional input, written in
    Tensor ops so that it can itself be differentiated.
    """

    __slots__ = ()
    #: the output is a view of the first input (shares its storage and version counter)
    is_view = False

    @classmethod
    def apply(cls, *inputs, **options):
        """Run the op on Tensors, recording a graph node when a gradient is needed."""
        node = cls.__new__(cls)
        node._saved = None
        out = node.forward(*inputs, **options)
        if _state.enabled:
            edges = []
            grad = False
            for t in inputs:  # one pass: bring stale views up to date, note each input's edge
                if t._base is not None and t._view_ver != t._vc.value:
                    _refresh_view(t)
                fn = t._grad_fn
                if t._requires_grad:
                    grad = True
                    edges.append((fn, t._output_nr) if fn is not None else t)
                else:
                    edges.append((fn, t._output_nr) if fn is not None else None)
            if grad:
                return _record(node, tuple(edges), out, inputs)
        if type(out) is tuple:
            return tuple([_make(o) for o in out])
        t = _make(out)
        if node.is_view:
            _link_view(t, inputs[0])
        return t

    @property
    def needs_input_grad(self) -> tuple:
        """Per positional input: whether it needs a gradient."""
        edges = self.next_edges
        if len(edges) == 2:
            return (edges[0] is not None, edges[1] is not None)
        return tuple([e is not None for e in edges])


def _record(node: Op, edges: tuple, out, inputs: tuple):
    """Make ``node`` the grad_fn of the outputs ``out`` (an array or a tuple of arrays) of ``inputs``."""
    node.next_edges = edges
    if type(out) is tuple:
        outs = tuple([_make(o, node, i) for i, o in enumerate(out)])
        node._out_meta = tuple([(o.shape, o.dtype) for o in out])
        if node._saved:
            node._record_saved(outs)
        return outs
    t = _make(out, node, 0)
    if node.is_view:
        _link_view(t, inputs[0])
    if node._saved:
        node._record_saved((t,))
    return t


_make = None  # Tensor._make, set by microtorch._tensor


class FunctionCtx:
    """The ``ctx`` argument of a user ``Function``'s forward/backward (mixin of its node)."""

    def save_for_backward(self, *tensors) -> None:
        """Save tensors for backward; they are checked against later in-place changes."""
        self._saved = tensors

    def mark_non_differentiable(self, *tensors) -> None:
        """Declare outputs that never get a gradient (e.g. indices)."""
        self._non_diff = {id(t) for t in tensors}

    def mark_dirty(self, *tensors) -> None:
        """Declare inputs modified in place by forward; they are returned rebased onto this node."""
        self._dirty = {id(t) for t in tensors}

    def set_materialize_grads(self, value: bool) -> None:
        """Whether missing output gradients reach backward as zeros (default) or None."""
        self._materialize = bool(value)


class _FunctionMeta(type):
    """Creates, for each ``Function`` subclass, its backward-node class (``<Name>Backward``)."""

    def __init__(cls, name, bases, ns) -> None:
        super().__init__(name, bases, ns)
        backward_cls = type(name + "Backward", (_FunctionNode,), {"_function": cls})
        cls._backward_cls = backward_cls


class _FunctionNode(Node, FunctionCtx):
    """Node (and ctx) of a user-defined Function."""

    _function = None

    def name(self) -> str:
        return type(self).__name__

    def backward(self, *grads):
        return self._function.backward(self, *grads)

    def _run_backward(self, grads: list):
        if self._freed:
            raise RuntimeError(_FREED_MESSAGE)
        result = self._function.backward(self, *grads)
        if type(result) is not tuple:
            result = (result,)
        n_inputs = len(self._input_meta)
        if len(result) != n_inputs:
            if len(result) > n_inputs and all(r is None for r in result[n_inputs:]):
                result = result[:n_inputs]
            else:
                raise RuntimeError(
                    f"function {self.name()} returned an incorrect number of gradients "
                    f"(expected {n_inputs}, got {len(result)})"
                )
        result = [_typed_grad(self, i, g, meta) for i, (g, meta) in enumerate(zip(result, self._input_meta))]
        return tuple(_fitted_grad(self, i, g, meta) for i, (g, meta) in enumerate(zip(result, self._input_meta)))


def _typed_grad(node, i: int, g, meta):
    """Gradient ``i`` of a Function's backward: None or a Tensor for a Tensor input, None otherwise."""
    if meta is None:  # not a Tensor input
        if g is not None:
            raise RuntimeError(
                f"function {node.name()} returned a gradient different than None at position {i + 1}, but the "
                "corresponding forward input was not a Variable"
            )
        return None
    if g is not None and not isinstance(g, Tensor):
        raise RuntimeError(f"expected Variable or None (got {type(g).__name__})")
    return g


def _fitted_grad(node, i: int, g, meta):
    """As PyTorch's validate_outputs: reduce ``g`` when the input's shape expands to it, cast it
    to the input's dtype; any other shape is an error."""
    if g is None or not meta:  # no gradient, or an input that needs none
        return None
    shape, dtype = meta
    if g.shape != shape:
        from ..ops.shape import sum_to_size

        try:
            g = sum_to_size(g, shape)
        except RuntimeError:
            raise RuntimeError(
                f"Function {node.name()} returned an invalid gradient at index {i} - got "
                f"{list(g.shape)} but expected shape compatible with {list(shape)}"
            ) from None
    if g._data.dtype != dtype:
        from .._dtype import from_numpy_dtype

        g = g.to(from_numpy_dtype(dtype))
    return g


class Function(metaclass=_FunctionMeta):
    """Base class for user-defined differentiable operations, as ``torch.autograd.Function``.

    Subclasses define ``forward(ctx, *args)`` (receiving Tensors, running without
    recording) and ``backward(ctx, *grad_outputs)`` (returning one gradient per forward
    argument), and are called through ``MyFunction.apply(*args)``.
    """

    @staticmethod
    def forward(ctx, *args, **kwargs):  # pragma: no cover - user overrides
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):  # pragma: no cover - user overrides
        raise NotImplementedError("You must implement the backward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs: tuple, output) -> None:
        """Torch 2.x style: save what backward needs from ``inputs`` and ``output`` (forward then takes no ctx)."""
        raise NotImplementedError("setup_context is not implemented.")

    #: as torch: only consulted by ``vmap``, which microtorch does not have
    generate_vmap_rule = False

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run ``forward`` and, when an input requires grad, record a node for ``backward``."""
        separate_ctx = cls.setup_context is not _BASE_SETUP_CONTEXT
        if separate_ctx:
            args, kwargs = _bind_default_args(cls.forward, args, kwargs), {}
        node = cls._backward_cls.__new__(cls._backward_cls)
        node._saved = None
        node._freed = False
        node._pre_hooks = None
        node._retained = None
        node._materialize = True
        node._non_diff = ()
        node._dirty = ()
        node.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        prev = _state.enabled
        _state.enabled = False
        try:
            if separate_ctx:
                out = cls.forward(*args)
                cls.setup_context(node, args, out)
            else:
                out = cls.forward(node, *args, **kwargs)
        finally:
            _state.enabled = prev
        is_tuple = isinstance(out, tuple)
        outs = out if is_tuple else (out,)
        if node._dirty:
            _check_dirty(node, args, outs, prev)
        if not (prev and any(node.needs_input_grad)):
            node._saved = None
            return out
        node.next_edges = tuple(_edge(a) if isinstance(a, Tensor) else None for a in args)
        node._input_meta = tuple(_input_meta(a, rg) for a, rg in zip(args, node.needs_input_grad))
        wrapped = []
        nr = 0
        for o in outs:
            if isinstance(o, Tensor):
                differentiable = id(o) not in node._non_diff and o.dtype.is_floating_point
                if id(o) in node._dirty:
                    if differentiable:
                        _rebase_dirty(o, node, nr)
                elif any(o is a for a in args):
                    o = o._alias() if differentiable else o.detach()
                if differentiable and id(o) not in node._dirty:
                    o._grad_fn = node
                    o._output_nr = nr
                    o._requires_grad = True
                nr += 1
            wrapped.append(o)
        node._out_meta = tuple((o.shape, o._data.dtype) if isinstance(o, Tensor) else ((), None) for o in wrapped)
        if node._saved:
            node._record_saved([o for o in wrapped if isinstance(o, Tensor)])
        else:
            node._saved_versions = None
        return tuple(wrapped) if is_tuple else wrapped[0]


_BASE_SETUP_CONTEXT = Function.__dict__["setup_context"].__func__


def _bind_default_args(forward, args: tuple, kwargs: dict) -> tuple:
    """``args`` and ``kwargs`` of a ctx-less forward as one positional tuple, defaults filled in (as torch)."""
    import inspect

    bound = inspect.signature(forward).bind(*args, **kwargs)
    bound.apply_defaults()
    return bound.args


def _check_dirty(node, args, outs, grad_enabled: bool) -> None:
    """``ctx.mark_dirty``: PyTorch's checks on the inputs a Function modified in place, whose
    version it then bumps."""
    dirty = [a for a in args if isinstance(a, Tensor) and id(a) in node._dirty]
    if not all(any(o is a for o in outs) for a in dirty):
        raise RuntimeError(
            "Some elements marked as dirty during the forward method were not returned as output. The inputs that "
            "are modified inplace must all be outputs of the Function."
        )
    for a in dirty:
        if grad_enabled and a._requires_grad and a._grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad has been used in an in-place operation.")
        base = a._base
        if grad_enabled and base is not None and base._requires_grad and base._grad_fn is None:
            raise RuntimeError("a view of a leaf Variable that requires grad has been used in an in-place operation.")
        a._vc.value += 1


def _rebase_dirty(t, node, nr: int) -> None:
    """An input the Function modified in place becomes its output ``nr`` (through CopySlices for a view)."""
    if t._base is None:
        t._grad_fn, t._output_nr, t._requires_grad = node, nr, True
        return
    from .._tensor_methods import _rebase_view

    _rebase_view(t, Tensor._make(t._data, node, nr), "mark_dirty")


def _input_meta(arg, requires_grad: bool):
    """What backward's gradient for ``arg`` is checked against: (shape, dtype) of a Tensor
    that needs a gradient, False for another Tensor, None for a non-Tensor."""
    if not isinstance(arg, Tensor):
        return None
    return (arg.shape, arg._data.dtype) if requires_grad else False


def once_differentiable(fn):
    """Decorator for a backward that is not itself differentiable (runs without recording)."""

    @_functools.wraps(fn)
    def wrapper(ctx, *grads):
        prev = _state.enabled
        _state.enabled = False
        try:
            return fn(ctx, *grads)
        finally:
            _state.enabled = prev

    return wrapper
