"""``fill_``, ``zero_``, ``copy_`` and ``__setitem__`` (with torch's node for each kind of write)."""

from __future__ import annotations

import numpy as np

from ._inplace import _check_inplace, _check_writeable, _inplace, _needs_grad, _record_inplace, _set_grad_fn
from ._tensor import Tensor
from ._tensor_methods import _getitem, _split_key, _torch_key
from .autograd.function import Op
from .autograd.grad_mode import _state
from .ops import indexing as _I
from .ops import shape as S
from .ops._util import as_tensor_arg


class _FillScalar(Op):
    """``fill_(number)`` as a graph node: the overwritten values get a zero gradient."""

    torch_name = "FillBackward2"

    def forward(self, x, value):
        self.shape, self.dtype = x._data.shape, x._data.dtype
        return np.full(self.shape, value, dtype=self.dtype)

    def backward(self, g):
        return Tensor._make(np.zeros(self.shape, dtype=self.dtype))


class _FillTensor(_FillScalar):
    """``fill_(0-d tensor)``: the value's gradient is the sum of the output gradient."""

    torch_name = "FillBackward3"

    def forward(self, x, value):
        return super().forward(x, value._data)

    def backward(self, g):
        nx, nv = self.needs_input_grad
        return (super().backward(g) if nx else None), (g.sum() if nv else None)


class _Zero(_FillScalar):
    """``zero_`` as a graph node."""

    torch_name = "ZeroBackward0"

    def forward(self, x):
        return super().forward(x, 0)


def _fill_node(s: Tensor, v) -> Tensor:
    if isinstance(v, Tensor):
        return _FillTensor.apply(s, v.to(s.dtype))
    return _FillScalar.apply(s, value=v)


_FILL = _inplace("fill_", _fill_node)
_ZERO = _inplace("zero_", lambda s: _Zero.apply(s))


def _fill_(self, value):
    """Fill with ``value`` (a number or a 0-d tensor) in place."""
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(
                f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} dimensions."
            )
        if _state.enabled and value._requires_grad:
            return _FILL(self, value)
        value = value.item()
    if _state.enabled and _needs_grad(self):
        return _FILL(self, value)
    return _fill_array(self, value, "fill_")


def _zero_(self):
    """Fill with zeros in place."""
    if _state.enabled and _needs_grad(self):
        return _ZERO(self)
    return _fill_array(self, 0, "zero_")


def _fill_array(self, value, op: str):
    """The no-autograd path of ``fill_`` / ``zero_``."""
    _check_inplace(self, False, op)
    _check_writeable(self._data, op)
    self._data.fill(value)
    self._vc.value += 1
    return self


def _copy_(self, src, non_blocking=False):
    """Copy ``src`` (broadcast, cast) into this tensor in place."""
    src = as_tensor_arg(src, "copy_")
    try:
        np.broadcast_shapes(src.shape, self.shape)
    except ValueError:
        raise RuntimeError(
            f"copy_: The size of tensor a ({self.shape[-1] if self.ndim else 1}) must match the size of tensor b "
            f"({src.shape[-1] if src.ndim else 1}); shapes {list(self.shape)} and {list(src.shape)}"
        ) from None
    if np.broadcast_shapes(src.shape, self.shape) != self.shape:
        raise RuntimeError(f"copy_: source of shape {list(src.shape)} cannot be broadcast to {list(self.shape)}")
    involves = _state.enabled and (_needs_grad(self) or src._requires_grad)
    if not involves:
        np.copyto(self._data, src._data, casting="unsafe")
        self._vc.value += 1
        return self
    _check_inplace(self, True, "copy_")
    return _inplace("copy_", lambda s, v: S.expand(v.to(s.dtype), s.shape) + s * 0)(self, src)


Tensor.fill_ = _fill_
Tensor.zero_ = _zero_
Tensor.copy_ = _copy_


def _check_setitem_value(self, nkey: tuple, value) -> None:
    """torch's index put takes a tensor source only of the destination dtype (a 0-d one through a mask too)."""
    if not isinstance(value, Tensor) or not any(isinstance(k, np.ndarray) for k in nkey):
        return
    if value.ndim == 0 and len(nkey) == 1 and nkey[0].dtype == np.bool_:
        return
    _I.check_put_dtype(self, value)


def _setitem_shape_error(self, nkey: tuple, value) -> RuntimeError:
    return RuntimeError(
        f"shape mismatch: value tensor of shape {list(np.shape(value))} cannot be broadcast to indexing result of "
        f"shape {list(self._data[nkey].shape)}"
    )


def _uint8_fill_mask(key, value):
    """The uint8 mask of ``key`` when torch's index put turns ``self[key] = value`` into a ``masked_fill_``
    (the mask is the only tensor index, the value has one element), which refuses uint8 masks; else None."""
    mask = None
    for k in key if type(key) is tuple else (key,):
        if isinstance(k, (Tensor, np.ndarray)) and k.ndim:  # 0-d ones index as ints / bools
            if mask is not None:
                return None
            mask = k
        elif isinstance(k, (list, tuple, range)):  # an index tensor too
            return None
    if mask is None or _data_of(mask).dtype != np.uint8:
        return None
    if not isinstance(value, (Tensor, int, float, complex, np.number)) or np.size(_data_of(value)) != 1:
        return None
    return mask


def _data_of(value):
    return value._data if isinstance(value, Tensor) else value


def _refuse_uint8_fill(self, key, mask) -> None:
    """torch's errors for a uint8 mask written through ``masked_fill_``: the mask's shape, then its dtype."""
    bool_mask = Tensor._make(np.asarray(_data_of(mask)).astype(bool))
    items = key if isinstance(key, tuple) else (key,)
    nkey, _ = S._normalize_key(self, _torch_key(tuple(bool_mask if k is mask else k for k in items)))
    S._check_key_bounds(self._data.shape, nkey)
    raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with dtype unsigned char")


def _setitem(self, key, value):
    """``self[key] = value`` (differentiable in ``value`` and in the rest of ``self``)."""
    if type(key) is not int and type(key) is not slice:
        mask = _uint8_fill_mask(key, value)
        if mask is not None:
            _refuse_uint8_fill(self, key, mask)
    nkey, basic = S._normalize_key(self, _torch_key(key))
    split = _split_key(nkey)
    if split is not None:  # write through the view the integer / bool indices select
        _setitem(_getitem(self, split[0]), split[1], value)
        return
    S._check_key_bounds(self._data.shape, nkey)
    _check_setitem_value(self, nkey, value)
    involves = _state.enabled and (_needs_grad(self) or (isinstance(value, Tensor) and value._requires_grad))
    if not involves:
        v = value._data if isinstance(value, Tensor) else value
        if isinstance(v, np.ndarray) and v.dtype.kind == "f" and self._data.dtype.kind in "iub":
            v = v.astype(self._data.dtype)
        try:
            self._data[nkey] = v
        except ValueError:
            raise _setitem_shape_error(self, nkey, v) from None
        self._vc.value += 1
        return
    self._sync_view()  # torch indexes first: a stale view fails there, before the in-place check
    _check_inplace(self, True, "setitem")
    value = as_tensor_arg(value, "setitem", self.dtype) if not isinstance(value, Tensor) else value.to(self.dtype)
    try:
        np.broadcast_shapes(value.shape, self._data[nkey].shape)
    except ValueError:
        raise _setitem_shape_error(self, nkey, value) from None
    if self._base is not None:
        _record_inplace(self, lambda snap: IndexPut.apply(snap, value, key=nkey, basic=basic), "setitem")
        return
    old = Tensor._make(self._data, self._grad_fn, self._output_nr)
    old._requires_grad = self._requires_grad
    result = IndexPut.apply(old, value, key=nkey, basic=basic)
    result._grad_fn.node_name = _setitem_node_name(self._data.shape, nkey, value)
    self._vc.value += 1
    _set_grad_fn(self, result._grad_fn, 0)


def _setitem_node_name(shape: tuple, nkey: tuple, value: Tensor) -> str:
    """The node torch records for ``x[key] = value`` on a non-view ``x``.

    Ints, None, bools and partial slices index a view first (CopySlices); otherwise the write is
    ``index_put_`` with tensor indices, else ``fill_`` of a 0-d value or ``copy_`` of a larger one.
    """
    consumed = sum(k.ndim if isinstance(k, np.ndarray) and k.dtype == np.bool_ else 1 for k in nkey
                   if k is not None and k is not Ellipsis and not isinstance(k, bool))  # fmt: skip
    dim, advanced = 0, False
    for k in nkey:
        if k is Ellipsis:
            dim += len(shape) - consumed
        elif k is None or isinstance(k, (bool, int)):
            return "torch::autograd::CopySlices"
        elif isinstance(k, slice):
            if k.indices(shape[dim]) != (0, shape[dim], 1):
                return "torch::autograd::CopySlices"
            dim += 1
        else:
            advanced = True
            dim += k.ndim if k.dtype == np.bool_ else 1
    if advanced:
        return "IndexPutBackward0"
    return "FillBackward3" if value.ndim == 0 else "torch::autograd::CopyBackwards"


class IndexPut(Op):
    """``x[key] = v`` as a graph node: x's gradient is zero at ``key``, v's is the slice."""

    node_name = "torch::autograd::CopySlices"

    def name(self) -> str:
        """torch's node for this write (see ``_setitem_node_name``)."""
        return self.node_name

    def forward(self, x, v, key, basic):
        self.key, self.basic = key, basic
        self.v_shape = v._data.shape
        self.x_shape = x._data.shape
        try:
            x._data[key] = v._data
        except ValueError:
            raise RuntimeError(
                f"setitem: shape mismatch: value tensor of shape {list(v.shape)} cannot be broadcast to indexing "
                f"result for tensor of shape {list(x.shape)}"
            ) from None
        return x._data

    def backward(self, g):
        nx, nv = self.needs_input_grad
        gx = gv = None
        if nx:
            mask = np.ones(self.x_shape, dtype=g._data.dtype)
            mask[self.key] = 0
            gx = g * Tensor._make(mask)
        if nv:
            gv = S.sum_to_size(S.GetItem.apply(g, key=self.key, basic=self.basic), self.v_shape)
        return gx, gv


Tensor.__setitem__ = _setitem
