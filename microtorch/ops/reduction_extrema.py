"""The max / min family: ``amax`` / ``amin``, ``max`` / ``min`` (values and indices, or elementwise) and ``argmax`` / ``argmin``."""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from .._backend import xp
from .._tensor import Tensor
from ..autograd.function import OUTPUT, Op
from .reduction import (
    _axes,
    _check_args,
    _check_nonempty,
    _expand_back,
    _keep,
    _kept_shape,
    _one_dim,
    _type_word,
)
from .shape import CopyNode, reshape

MaxResult = namedtuple("max", ["values", "indices"])
MinResult = namedtuple("min", ["values", "indices"])


class Amax(Op):
    """Max (or min) over dims; the gradient is split evenly among tied elements."""

    torch_name = "AmaxBackward0"
    #: whole-tensor max()/min() send the gradient to the NaNs when the result is NaN
    nan_wins = False

    def forward(self, x, dims, keepdim, take_max):
        a = x._data
        self.in_shape = a.shape
        self.dims, self.keepdim = dims, keepdim
        self.save_for_backward(x, OUTPUT)
        return np.asarray(a.max(axis=dims, keepdims=keepdim) if take_max else a.min(axis=dims, keepdims=keepdim))

    def backward(self, g):
        x, out = self.saved_tensors
        a, o = x._data, _keep(out, self.in_shape, self.dims, self.keepdim)._data
        mask = a == o
        if self.nan_wins and a.dtype.kind == "f":
            mask |= np.isnan(a) & np.isnan(o)
        count = mask.sum(axis=self.dims, keepdims=True)
        # no tie at all (a NaN maximum for amax): 0/0, a NaN gradient as in torch
        weight = np.divide(mask, count, out=np.full(mask.shape, np.nan, g._data.dtype), where=count != 0)
        return _expand_back(g, self.in_shape, self.dims, self.keepdim) * Tensor._make(weight)


class AmaxAll(Amax):
    torch_name = "MaxBackward1"
    nan_wins = True


class AminAll(Amax):
    torch_name = "MinBackward1"
    nan_wins = True


class Amin(Amax):
    torch_name = "AminBackward0"


def _amax_amin(x: Tensor, dim, keepdim: bool, take_max: bool, op: str, out) -> Tensor:
    _check_args(op, x, keepdim=keepdim)
    whole = dim is None or (isinstance(dim, (tuple, list)) and not dim)
    dims = _axes(None if whole else dim, x.ndim, op, shape=x.shape)
    _check_nonempty(x, dims, whole, op)
    if out is not None:
        return _reduce_into(out, x, lambda t: _amax_amin(t, dim, keepdim, take_max, op, None), op)
    return (Amax if take_max else Amin).apply(x, dims=dims, keepdim=keepdim, take_max=take_max)


def _reduce_into(out: Tensor, x: Tensor, compute, op: str) -> Tensor:
    """``out=`` of a dtype-preserving reduction: torch's dtype, overlap and resize rules."""
    from .indexing import _check_out_grad, _write_out

    _check_out_grad(op, out, (x,))
    if out._data.dtype != x._data.dtype:
        raise RuntimeError(
            f"Expected the dtype for input and out to match, but got {_type_word(x)} for input's dtype and "
            f"{_type_word(out)} for out's dtype."
        )
    return _write_out(out, compute(x)._data, (x,))


def amax(input: Tensor, dim=(), keepdim: bool = False, *, out: Tensor | None = None) -> Tensor:
    """Maximum over ``dim`` (all dims when empty); ties share the gradient evenly."""
    return _amax_amin(input, dim, keepdim, True, "amax", out)


def amin(input: Tensor, dim=(), keepdim: bool = False, *, out: Tensor | None = None) -> Tensor:
    """Minimum over ``dim`` (all dims when empty); ties share the gradient evenly."""
    return _amax_amin(input, dim, keepdim, False, "amin", out)


def _arg_index(a: np.ndarray, axis, keepdims: bool, take_max: bool) -> np.ndarray:
    """argmax/argmin as PyTorch: the first NaN wins over any number."""
    idx = (xp.argmax if take_max else xp.argmin)(a, axis=axis, keepdims=keepdims)
    if a.dtype.kind == "f":
        nan = xp.isnan(a)
        if nan.any():
            idx = xp.where(nan.any(axis=axis, keepdims=keepdims), xp.argmax(nan, axis=axis, keepdims=keepdims), idx)
    return np.asarray(idx, dtype=np.int64)


class MaxDim(Op):
    """Max (or min) along one dim: values, with the gradient routed to the returned index."""

    torch_name = "MaxBackward0"

    def forward(self, x, dim, keepdim, take_max):
        a = x._data
        idx = _arg_index(a, dim, True, take_max)
        self.in_shape, self.dim, self.keepdim = a.shape, dim, keepdim
        self.idx = idx
        vals = xp.take_along_axis(a, idx, axis=dim)
        if not keepdim:
            vals, idx = vals.squeeze(dim), idx.squeeze(dim)
        self.indices = idx
        return vals

    def backward(self, g):
        if not self.keepdim:
            g = reshape(g, _kept_shape(self.in_shape, (self.dim,)))
        return _scatter_along(g, self.idx, self.dim, self.in_shape)


class MinDim(MaxDim):
    torch_name = "MinBackward0"


class ScatterAlong(Op):
    """Zeros of ``shape`` with ``g`` placed at ``idx`` along ``dim`` (adjoint of take_along_axis)."""

    torch_name = "ScatterBackward0"

    def forward(self, g, idx, dim, shape):
        self.idx, self.dim = idx, dim
        out = xp.zeros(shape, dtype=g._data.dtype)
        xp.put_along_axis(out, idx, g._data, axis=dim)
        return out

    def backward(self, gg):
        return TakeAlong.apply(gg, idx=self.idx, dim=self.dim)


class TakeAlong(Op):
    torch_name = "GatherBackward0"

    def forward(self, x, idx, dim):
        self.idx, self.dim, self.shape = idx, dim, x._data.shape
        return xp.take_along_axis(x._data, idx, axis=dim)

    def backward(self, g):
        return _scatter_along(g, self.idx, self.dim, self.shape)


def _scatter_along(g, idx, dim, shape):
    return ScatterAlong.apply(g, idx=idx, dim=dim, shape=shape)


def _max_min(x: Tensor, dim, keepdim: bool, other, take_max: bool, name: str):
    _check_args(name, x, keepdim=keepdim)
    if isinstance(dim, Tensor) and other is None:
        other, dim = dim, None
    if other is not None:
        from .elementwise import maximum, minimum

        if not isinstance(other, Tensor):
            raise TypeError(f"{name}(): argument 'other' must be Tensor, not {type(other).__name__}")
        return (maximum if take_max else minimum)(x, other)
    if dim is None:
        _check_nonempty(x, (), True, name)
        return (AmaxAll if take_max else AminAll).apply(x, dims=tuple(range(x.ndim)), keepdim=False, take_max=take_max)
    d = _one_dim(dim, x.ndim, name)
    result = MaxResult if take_max else MinResult
    if x.ndim == 0:
        values = (MaxZeroDim if take_max else MinZeroDim).apply(x) if x._requires_grad else x._alias()
        return result(values, Tensor._make(np.zeros((), np.int64)))
    _check_nonempty(x, (d,), False, name)
    node_out = (MaxDim if take_max else MinDim).apply(x, dim=d, keepdim=keepdim, take_max=take_max)
    fn = node_out._grad_fn
    indices = fn.indices if fn is not None else _arg_index(x._data, d, keepdim, take_max)
    return result(node_out, Tensor._make(indices))


def max(input: Tensor, dim=None, keepdim: bool = False, *, other=None):  # noqa: A001
    """Whole-tensor max (ties split the gradient), ``(values, indices)`` along ``dim``, or elementwise with a tensor."""
    return _max_min(input, dim, keepdim, other, True, "max")


def min(input: Tensor, dim=None, keepdim: bool = False, *, other=None):  # noqa: A001
    """Whole-tensor min (ties split the gradient), ``(values, indices)`` along ``dim``, or elementwise with a tensor."""
    return _max_min(input, dim, keepdim, other, False, "min")


def _arg(x: Tensor, dim, keepdim: bool, take_max: bool, name: str) -> Tensor:
    a = x._data
    if a.dtype == np.bool_:
        raise RuntimeError(f"{name}(): does not support bool input")
    if dim is None:
        if a.size == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
        out = _arg_index(a.reshape(-1), 0, False, take_max)
        return Tensor._make(out.reshape((1,) * a.ndim) if keepdim else out)
    d = _one_dim(dim, a.ndim, name)
    if a.ndim == 0:
        return Tensor._make(np.zeros((), np.int64))
    _check_nonempty(x, (d,), False, name)
    return Tensor._make(_arg_index(a, d, keepdim, take_max))


def argmax(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Index of the (first) maximum, over all elements or along ``dim``."""
    _check_args("argmax", input, keepdim=keepdim)
    return _arg(input, dim, keepdim, True, "argmax")


def argmin(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Index of the (first) minimum, over all elements or along ``dim``."""
    _check_args("argmin", input, keepdim=keepdim)
    return _arg(input, dim, keepdim, False, "argmin")


class MaxZeroDim(CopyNode):
    torch_name = "MaxBackward0"


class MinZeroDim(CopyNode):
    torch_name = "MinBackward0"
