"""In-place machinery: version checks, recording an in-place op as its out-of-place node, view replay."""

from __future__ import annotations

import re

import numpy as np

from . import _tensor as _tensor_module
from ._tensor import Tensor
from .autograd import function as _function
from .autograd.function import Op, _SavedOutput
from .autograd.grad_mode import _state


# --- in-place ops -------------------------------------------------------------------------
def _check_inplace(self: Tensor, involves_grad: bool, op: str) -> None:
    """PyTorch's checks before an in-place op: not on a leaf (or a view of one) that requires
    grad, nor with grad on a view made under no_grad or output by split/chunk/unbind."""
    if not involves_grad:
        return
    meta = getattr(self, "_view_meta", False) if self._base is not None else False
    if meta is True:
        raise RuntimeError(_NOGRAD_VIEW_INPLACE_MESSAGE)
    if meta:
        raise RuntimeError(_multi_output_message(self, meta, "is being modified inplace"))
    if self._grad_fn is None and self._requires_grad:
        raise RuntimeError(f"{op}: a leaf Variable that requires grad is being used in an in-place operation.")
    base = self._base
    if base is not None and base._requires_grad and base._grad_fn is None:
        raise RuntimeError(
            f"{op}: a view of a leaf Variable that requires grad is being used in an in-place operation."
        )


def _needs_grad(t: Tensor) -> bool:
    """``t.requires_grad``, up to date for a view whose base was modified in place."""
    if t._requires_grad:
        return True
    base = t._base
    if base is None:
        return False
    if getattr(t, "_view_meta", False) is True:
        return base._requires_grad
    return t._view_ver != t._vc.value and _refresh_view(t, strict=False)


_NOGRAD_VIEW_INPLACE_MESSAGE = (
    "A view was created in no_grad mode and is being modified inplace with grad mode enabled. Given that this use "
    "case is ambiguous and error-prone, it is forbidden. You can clarify your code by moving both the view and the "
    "inplace either both inside the no_grad block (if you don't want the inplace to be tracked) or both outside (if "
    "you want the inplace to be tracked)."
)


def _view_geometry(view: np.ndarray, base: np.ndarray, op: str = "view") -> np.ndarray:
    """For each element of ``view``, the C-order flat index of the element of ``base`` it aliases."""
    item = base.itemsize
    index = _memory_offsets(view, item) + (_address(view) - _address(base)) // item
    if not base.flags.c_contiguous and base.size:
        # a strided base: translate memory offsets into its C-order positions
        where = _memory_offsets(base, item).reshape(-1)
        lo, hi = int(where.min()), int(where.max())
        table = np.full(hi - lo + 1, -1, dtype=np.int64)
        table[where - lo] = np.arange(where.size)
        index = np.where((index >= lo) & (index <= hi), table[np.clip(index - lo, 0, hi - lo)], -1)
    if index.size and (index.min() < 0 or index.max() >= base.size):
        raise RuntimeError(f"{op}: the view's elements are not inside its base's (was the base's .data replaced?)")
    return index


def _address(a: np.ndarray) -> int:
    return a.__array_interface__["data"][0]


def _memory_offsets(a: np.ndarray, item: int) -> np.ndarray:
    """The offset (in elements, from the first element) of every element of ``a``."""
    out = np.zeros(a.shape, dtype=np.int64)
    nd = a.ndim
    for d, (n, st) in enumerate(zip(a.shape, a.strides)):
        out += (np.arange(n, dtype=np.int64) * (st // item)).reshape((n,) + (1,) * (nd - d - 1))
    return out


class AsStrided(Op):
    """The elements of ``x`` at flat (C-order) positions ``index``: a view replayed on its base."""

    torch_name = "AsStridedBackward0"

    def forward(self, x, index):
        self.index, self.in_shape = index, x._data.shape
        return np.take(x._data, index)

    def backward(self, g):
        return AsStridedScatter.apply(g, index=self.index, shape=self.in_shape)


class AsStridedScatter(Op):
    """Zeros of ``shape`` with ``g`` summed in at flat positions ``index`` (adjoint of ``AsStrided``)."""

    def forward(self, g, index, shape):
        self.index = index
        size = int(np.prod(shape))
        # bincount sums repeated positions (expand / unfold views alias one element many times)
        flat = np.bincount(index.reshape(-1), weights=g._data.reshape(-1), minlength=size)
        return flat.astype(g._data.dtype, copy=False).reshape(shape)

    def backward(self, gg):
        return AsStrided.apply(gg, index=self.index)


class ViewScatter(Op):
    """A base tensor after an in-place op on one of its views (PyTorch's CopySlices).

    The new values are already in the base's memory; the node routes the gradient of
    the view region to the op's result and the rest to the base's previous value.
    """

    torch_name = "torch::autograd::CopySlices"

    def forward(self, base, value, index):
        self.index = index
        self.shape = base._data.shape
        return base._data

    def backward(self, g):
        nb, nv = self.needs_input_grad
        gb = gv = None
        if nb:
            mask = np.ones(self.shape, dtype=g._data.dtype)
            mask.reshape(-1)[self.index.reshape(-1)] = 0
            gb = g * Tensor._make(mask)
        if nv:
            gv = AsStrided.apply(g, index=self.index)
        return gb, gv


_NOGRAD_VIEW_MESSAGE = (
    "A view was created in no_grad mode and its base or another view of its base has been modified inplace "
    "with grad mode enabled. Given that this use case is ambiguous and error-prone, it is forbidden. You can "
    "clarify your code by moving both the view and the inplace either both inside the no_grad block (if you "
    "don't want the inplace to be tracked) or both outside (if you want the inplace to be tracked)."
)


def _multi_output_message(view: Tensor, meta: tuple, what: str) -> str:
    name, nr = meta
    if name is None:  # a view of such an output: PyTorch names the view's own node
        name, nr = re.sub(r"Backward[0-9]*$", "", view._grad_fn.name()), view._output_nr
    return (
        f"Output {nr} of {name} is a view and {what}. This view is the output of a function that returns "
        "multiple views. Such functions do not allow the output views to be modified inplace. You should replace "
        "the inplace operation by an out-of-place one."
    )


def _replay_view(view: Tensor) -> None:
    """Point ``view``'s grad_fn at an ``AsStrided`` of its base's current grad_fn."""
    base = view._base
    prev = _state.enabled
    _state.enabled = True  # the node is made even under no_grad, as PyTorch does
    try:
        node = AsStrided.apply(base, index=_view_geometry(view._data, base._data))._grad_fn
    finally:
        _state.enabled = prev
    _set_grad_fn(view, node, 0)
    view._view_ver = view._vc.value


def _refresh_view(view: Tensor, strict: bool = True) -> bool:
    """Re-derive a stale view's grad_fn after its base or a sibling view was modified in
    place (the shared version moved on); returns whether it now requires grad."""
    if not view._base._requires_grad:
        view._view_ver = view._vc.value
        return view._requires_grad
    meta = getattr(view, "_view_meta", False)
    if meta:
        if strict:
            if meta is True:
                raise RuntimeError(_NOGRAD_VIEW_MESSAGE)
            raise RuntimeError(
                _multi_output_message(view, meta, "its base or another view of its base has been modified inplace")
            )
        return True
    _replay_view(view)
    return True


_function._refresh_view = _tensor_module._refresh_view = _refresh_view


def _set_grad_fn(t: Tensor, node, nr: int) -> None:
    """Give ``t`` a new grad_fn, carrying its ``retain_grad`` over (hooks stay with the old one)."""
    old = t._grad_fn
    if t._retains_grad and old is not None and old._retained:
        ref = old._retained.pop(t._output_nr, None)
        if ref is not None and node is not None:
            if node._retained is None:
                node._retained = {}
            node._retained[nr] = ref
    t._grad_fn, t._output_nr, t._requires_grad = node, nr, node is not None or t._requires_grad


def _rebase_view(self: Tensor, result: Tensor, op: str) -> None:
    """After writing ``result`` into view ``self``, record the change on its base's graph."""
    base = self._base
    index = _view_geometry(self._data, base._data, op)
    base_old = Tensor._make(base._data, base._grad_fn, base._output_nr)
    base_old._requires_grad = base._requires_grad
    new_base = ViewScatter.apply(base_old, result, index=index)
    _set_grad_fn(base, new_base._grad_fn, 0)
    _replay_view(self)


def _record_inplace(self: Tensor, compute, op_name: str) -> Tensor:
    """Apply ``compute`` out of place to a snapshot of ``self``, write the result into
    ``self`` and make ``self`` (and its base, for a view) point at the new graph node."""
    self._sync_view()
    snapshot = Tensor._make(self._data.copy(), self._grad_fn, self._output_nr)
    snapshot._requires_grad = self._requires_grad
    result = compute(snapshot)
    if result._data.dtype != self._data.dtype and result._requires_grad:
        result = result.to(self.dtype)  # the gradient reaching ``result`` then has its dtype
    _write(self, result._data, op_name)
    _move_saved_output(result, self)
    if self._base is not None:
        _rebase_view(self, result, op_name)
    else:
        _set_grad_fn(self, result._grad_fn, result._output_nr)
        self._requires_grad = result._requires_grad
    return self


def _move_saved_output(result: Tensor, target: Tensor) -> None:
    """An op that saved its own output (``exp_``, ``tanh_``...) now has it in ``target``'s
    storage: a later in-place change to ``target`` must fail its backward, as in PyTorch."""
    node = result._grad_fn
    saved = node._saved if node is not None else None
    if not saved:
        return
    for item in saved:
        if type(item) is _SavedOutput and item.array is result._data:
            item.array, item.counter, item.version = target._data, target._vc, target._vc.value


def _inplace(op_name: str, compute):
    """Build an in-place method from an out-of-place ``compute(self, *args)``."""

    def method(self, *args, **kwargs):
        if kwargs and "out" in kwargs:
            raise _no_out(op_name)
        involves = _state.enabled and (
            _needs_grad(self) or any(isinstance(a, Tensor) and a._requires_grad for a in args)
        )
        _check_inplace(self, involves, op_name)
        if isinstance(self, Tensor):
            _check_writeable(self._data, op_name)  # before computing: an expanded target may be huge
        if not involves:
            with _NoGrad():
                result = compute(self, *args, **kwargs)
            _write(self, result._data, op_name)
            return self
        return _record_inplace(self, lambda snap: compute(snap, *args, **kwargs), op_name)

    method.__name__ = op_name
    method.__doc__ = f"In-place version of ``{op_name.rstrip('_')}``."
    return method


def _no_out(name: str) -> TypeError:
    """torch's TypeError for ``out=`` passed to a Tensor method (only the functions take it)."""
    return TypeError(f"{name}() got an unexpected keyword argument 'out'")


class _NoGrad:
    def __enter__(self):
        self.prev = _state.enabled
        _state.enabled = False

    def __exit__(self, *exc):
        _state.enabled = self.prev


def _check_writeable(a: np.ndarray, op: str) -> None:
    if not a.flags.writeable:
        raise RuntimeError(
            f"{op}: unsupported operation: more than one element of the written-to tensor refers to a single memory "
            "location. Please clone() the tensor before performing the operation."
        )


def _write(self: Tensor, values: np.ndarray, op: str) -> None:
    """Write ``values`` into ``self``'s storage (keeping its dtype) and bump the version."""
    a = self._data
    _check_writeable(a, op)
    if values.shape != a.shape:
        try:
            values = np.broadcast_to(values, a.shape)
        except ValueError:
            raise RuntimeError(
                f"{op}: output with shape {list(a.shape)} doesn't match the broadcast shape {list(values.shape)}"
            ) from None
    if values.dtype != a.dtype:
        if a.dtype.kind in "iub" and values.dtype.kind == "f":
            raise RuntimeError(
                f"{op}: result type Float can't be cast to the desired output type {_TYPE_WORD.get(a.dtype.name, a.dtype.name)}"
            )
    np.copyto(a, values, casting="unsafe")
    self._vc.value += 1


_TYPE_WORD = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}
