"""Reductions: sum, mean, var/std, max/min (values+indices or tie-splitting), argmax,
logsumexp, softmax and log_softmax (stable), prod, norms, cumsum, sort/topk, plus a few
non-differentiable helpers (all, any, count_nonzero, nonzero)."""

from __future__ import annotations

import builtins
from collections import namedtuple

import numpy as np

from .. import _dtype as dt
from .._backend import xp
from .._tensor import Tensor
from ..autograd.function import OUTPUT, Op
from ..autograd.grad_mode import _state
from ._util import wrap_dim
from .elementwise import abs as _abs
from .elementwise import eq, exp, isnan, logical_or, sign, where
from .elementwise import pow as _pow
from .shape import CopyNode, expand, flip, permute, reshape

__all__ = [
    "sum",
    "mean",
    "var",
    "std",
    "amax",
    "amin",
    "max",
    "min",
    "argmax",
    "argmin",
    "logsumexp",
    "softmax",
    "log_softmax",
    "prod",
    "all",
    "any",
    "count_nonzero",
    "nonzero",
    "norm",
    "cumsum",
    "var_mean",
    "std_mean",
    "sort",
    "argsort",
    "topk",
]

MaxResult = namedtuple("max", ["values", "indices"])
MinResult = namedtuple("min", ["values", "indices"])

_INTS = (int, np.integer)


def _is_int(d) -> bool:
    return isinstance(d, _INTS) and not isinstance(d, bool)


def _one_dim(dim, ndim: int, op: str) -> int:
    """A single ``dim`` wrapped into range (TypeError unless an int; 0-d tensors accept 0 and -1)."""
    if not _is_int(dim):
        raise TypeError(f"{op}(): argument 'dim' must be int, not {type(dim).__name__}")
    return wrap_dim(int(dim), ndim, op)


def _axes(dim, ndim: int, op: str, empty_is_all: bool = True, shape=None) -> tuple:
    """Reduction dims as sorted numpy axes: None (or an empty list when ``empty_is_all``)
    means every dim; a 0-d tensor accepts 0 / -1 and has no axes. With ``shape``, a
    zero-size reduced dim is reported before a repeated one (amax/amin's order)."""
    if dim is None:
        return tuple(range(ndim))
    if _is_int(dim):
        dims = (dim,)
    elif isinstance(dim, (tuple, list)) and builtins.all(_is_int(d) for d in dim):
        dims = tuple(dim)
    else:
        raise TypeError(f"{op}(): argument 'dim' must be int or tuple of ints, not {type(dim).__name__}")
    wrapped = [wrap_dim(int(d), ndim, op) for d in dims]
    if shape is not None and ndim:
        _check_nonempty_dims(shape, wrapped, op)
    seen = set()
    for d in wrapped:
        if d in seen:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        seen.add(d)
    if not dims:
        return tuple(range(ndim)) if empty_is_all else ()
    return tuple(sorted(seen)) if ndim else ()


def _check_args(op: str, x, **flags) -> None:
    """TypeError, as torch's argument parser gives, for a non-Tensor input or a non-bool flag."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not {type(x).__name__}")
    for name, value in flags.items():
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{op}(): argument '{name}' must be bool, not {type(value).__name__}")


def _check_correction(op: str, unbiased, correction) -> None:
    if unbiased is not None and not isinstance(unbiased, (bool, np.bool_)):
        raise TypeError(f"{op}(): argument 'unbiased' must be bool, not {type(unbiased).__name__}")
    if correction is not None and (isinstance(correction, bool) or not isinstance(correction, (_INTS, float))):
        raise TypeError(f"{op}(): argument 'correction' must be Number, not {type(correction).__name__}")


def _kept_shape(shape, dims) -> tuple:
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def _reduced_shape(shape, dims) -> tuple:
    return tuple(s for i, s in enumerate(shape) if i not in dims)


def _count(shape, dims) -> int:
    n = 1
    for d in dims:
        n *= shape[d]
    return n


def _expand_back(g: Tensor, in_shape, dims, keepdim: bool) -> Tensor:
    """Broadcast a reduced gradient back over the reduced dimensions."""
    if not _state.enabled:
        # plain backward: no graph to record, so skip the reshape/expand ops
        a = g._data
        if a.size == 1 and len(in_shape) and int(np.prod(in_shape)) <= 65536:
            return Tensor._make(xp.full(in_shape, a.reshape(()), dtype=a.dtype))
        return Tensor._make(xp.broadcast_to(a.reshape(_kept_shape(in_shape, dims)), in_shape))
    if not keepdim:
        g = reshape(g, _kept_shape(in_shape, dims))
    return expand(g, in_shape)


def _keep(t: Tensor, in_shape, dims, keepdim: bool) -> Tensor:
    """A reduced result with its reduced dims put back as size 1 (for broadcasting)."""
    return t if keepdim else reshape(t, _kept_shape(in_shape, dims))


class Sum(Op):
    def forward(self, x, dims, keepdim, dtype):
        self.in_shape = x._data.shape
        self.dims, self.keepdim = dims, keepdim
        return np.asarray(x._data.sum(axis=dims, keepdims=keepdim, dtype=dtype or x._data.dtype))

    def backward(self, g):
        return _expand_back(g, self.in_shape, self.dims, self.keepdim)


def _accumulate_dtype(x: Tensor, dtype):
    """The numpy dtype sum/prod/cumsum produce: ``dtype``, else int64 for integers and bools."""
    if dtype is not None:
        return dt.to_numpy_dtype(dtype)
    if x._data.dtype.kind in "biu":
        return np.dtype(np.int64)
    return None


def sum(x: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: A001
    """Sum over ``dim`` (all dims when None); integers and bools sum to int64."""
    _check_args("sum", x, keepdim=keepdim)
    dims = _axes(dim, x.ndim, "sum")
    npdt = _accumulate_dtype(x, dtype)
    if npdt is not None and npdt != x._data.dtype and x._requires_grad:
        return (SumCast if dim is None else SumDimCast).apply(x, dims=dims, keepdim=keepdim, dtype=None, cast=npdt)
    return (Sum if dim is None else SumDim).apply(x, dims=dims, keepdim=keepdim, dtype=npdt)


class SumDim(Sum):
    """``sum(dim)``: torch's ``sum.dim_IntList`` overload."""

    torch_name = "SumBackward1"


class _CastBack:
    """Mixin for a reduction given ``dtype=``: the input is cast inside the node (torch records no
    ToCopy for it) and the gradient cast back to the input's dtype."""

    def forward(self, x, *args, cast, **kwargs):
        self.in_dtype = dt.from_numpy_dtype(x._data.dtype)
        return super().forward(Tensor._make(x._data.astype(cast)), *args, **kwargs)

    def backward(self, g):
        return super().backward(g).to(self.in_dtype)


class SumCast(_CastBack, Sum):
    torch_name = "SumBackward0"


class SumDimCast(_CastBack, SumDim):
    torch_name = "SumBackward1"


class Mean(Op):
    def forward(self, x, dims, keepdim):
        a = x._data
        self.in_shape = a.shape
        self.dims, self.keepdim = dims, keepdim
        self.n = _count(a.shape, dims)
        if self.n == 0:  # numpy warns on an empty mean; torch gives NaN quietly
            return np.full(_kept_shape(a.shape, dims) if keepdim else _reduced_shape(a.shape, dims), np.nan, a.dtype)
        return np.asarray(a.mean(axis=dims, keepdims=keepdim))

    def backward(self, g):
        scaled = g / self.n if self.n else g * float("nan")
        return _expand_back(scaled, self.in_shape, self.dims, self.keepdim)


def mean(x: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Arithmetic mean over ``dim`` (floating-point tensors only, as PyTorch)."""
    _check_args("mean", x, keepdim=keepdim)
    if dtype is not None:
        npdt = dt.to_numpy_dtype(dtype)
        if x._requires_grad and npdt.kind == "f" and npdt != x._data.dtype:
            node = MeanCast if dim is None else MeanDimCast
            return node.apply(x, dims=_axes(dim, x.ndim, "mean"), keepdim=keepdim, cast=npdt)
        x = x.to(dtype)
    if x._data.dtype.kind != "f":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. "
            f"Got: {_type_word(x)}"
        )
    return (Mean if dim is None else MeanDim).apply(x, dims=_axes(dim, x.ndim, "mean"), keepdim=keepdim)


class MeanDim(Mean):
    """``mean(dim)``: torch's ``mean.dim`` overload."""

    torch_name = "MeanBackward1"


class MeanCast(_CastBack, Mean):
    torch_name = "MeanBackward0"


class MeanDimCast(_CastBack, MeanDim):
    torch_name = "MeanBackward1"


_TYPE_WORDS = {
    "int64": "Long",
    "int32": "Int",
    "int16": "Short",
    "int8": "Char",
    "uint8": "Byte",
    "bool": "Bool",
    "float32": "Float",
    "float64": "Double",
    "float16": "Half",
    "bfloat16": "BFloat16",
}


def _type_word(x: Tensor) -> str:
    return _TYPE_WORDS.get(x.dtype.name, x.dtype.name)


def _correction(unbiased, correction) -> float:
    if correction is not None:
        return float(correction)
    if unbiased is None:
        return 1.0
    return 1.0 if unbiased else 0.0


def _var_args(dim, unbiased):
    """``var(x, True)``: a bool in the dim position is ``unbiased``, as in PyTorch."""
    if isinstance(dim, bool):
        return None, dim
    return dim, unbiased


def _variance(x: Tensor, dim, unbiased, keepdim: bool, correction, op: str, node=None) -> Tensor:
    _check_args(op, x, keepdim=keepdim)
    dim, unbiased = _var_args(dim, unbiased)
    _check_correction(op, unbiased, correction)
    if x._data.dtype.kind != "f":
        raise RuntimeError("std and var only support floating point and complex dtypes")
    c = _correction(unbiased, correction)
    dims = _axes(dim, x.ndim, op)
    dof = _count(x.shape, dims) - c
    if dof <= 0 and (dim is None or x.ndim == 0):
        return (NoDofStd if node in (Std, StdMean) else NoDofVar).apply(x, dims=dims, keepdim=keepdim)
    return (node or Var).apply(x, dims=dims, keepdim=keepdim, dof=dof)


def _mean_kept(a: np.ndarray, dims) -> np.ndarray:
    """The mean over ``dims`` with those dims kept (0 for an empty slice, without numpy's warning)."""
    n = _count(a.shape, dims)
    return a.sum(axis=dims, keepdims=True) / a.dtype.type(n) if n else np.zeros(_kept_shape(a.shape, dims), a.dtype)


class Var(Op):
    """Variance: sum of squared deviations over ``max(0, dof)``; torch's backward
    ``grad * 2 / dof * (x - mean)`` (the mean's own term, zero in exact arithmetic, is left out)."""

    torch_name = "VarBackward0"

    def forward(self, x, dims, keepdim, dof):
        a = x._data
        self.in_shape, self.dims, self.keepdim, self.dof = a.shape, dims, keepdim, dof
        self.save_for_backward(x)
        centered = a - _mean_kept(a, dims)
        # dividing by 0 gives inf (or NaN for 0/0) as in torch; numpy's warnings are off globally
        return np.asarray((centered * centered).sum(axis=dims, keepdims=keepdim) / a.dtype.type(builtins.max(dof, 0)))

    def backward(self, g):
        (x,) = self.saved_tensors
        scale = 2.0 / self.dof if self.dof else float("inf")
        return _expand_back(g, self.in_shape, self.dims, self.keepdim) * scale * (x - mean(x, self.dims, keepdim=True))


class NoDofVar(Op):
    """Variance over every element with no degrees of freedom left (n <= correction): the
    sum divided by 0, and torch's constant gradient (NaN where x equals the mean, else inf)."""

    torch_name = "VarBackward0"

    def forward(self, x, dims, keepdim):
        a = x._data
        self.in_shape, self.dims, self.keepdim = a.shape, dims, keepdim
        m = _mean_kept(a, dims)
        centered = a - m
        self.weight = np.where(a == m, np.nan, np.inf).astype(a.dtype)
        return np.asarray((centered * centered).sum(axis=dims, keepdims=keepdim) / a.dtype.type(0))

    def backward(self, g):
        return _expand_back(g, self.in_shape, self.dims, self.keepdim) * Tensor._make(self.weight)


class NoDofStd(NoDofVar):
    """The standard deviation with no degrees of freedom left, one node as torch's std."""

    torch_name = "StdBackward0"

    def forward(self, x, dims, keepdim):
        out = np.asarray(xp.sqrt(super().forward(x, dims, keepdim)))
        self.save_for_backward(OUTPUT)
        return out

    def backward(self, g):
        (y,) = self.saved_tensors
        return NoDofVar.backward(self, where(eq(y, 0), Tensor._make(np.zeros((), g._data.dtype)), g / (y * 2)))


def var(x: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> Tensor:
    """Variance over ``dim`` with Bessel's ``correction`` (1 by default)."""
    return _variance(x, dim, unbiased, keepdim, correction, "var")


class Std(Var):
    """Standard deviation, one node as torch's: backward is var's on ``grad / (2 * std)``, which is
    0 where std is 0."""

    torch_name = "StdBackward0"

    def forward(self, x, dims, keepdim, dof):
        out = np.asarray(xp.sqrt(super().forward(x, dims, keepdim, dof)))
        self.save_for_backward(x, OUTPUT)
        return out

    def backward(self, g):
        x, y = self.saved_tensors
        gv = where(eq(y, 0), Tensor._make(np.zeros((), g._data.dtype)), g / (y * 2))
        scale = 2.0 / self.dof if self.dof else float("inf")
        return _expand_back(gv, self.in_shape, self.dims, self.keepdim) * scale * (x - mean(x, self.dims, keepdim=True))


def std(x: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> Tensor:
    """Standard deviation over ``dim`` with Bessel's ``correction`` (1 by default)."""
    return _variance(x, dim, unbiased, keepdim, correction, "std", Std)


def _mean_array(a: np.ndarray, dims, keepdim: bool) -> np.ndarray:
    """The mean over ``dims`` (NaN for an empty slice, without numpy's warning)."""
    n = _count(a.shape, dims)
    if n == 0:
        return np.full(_kept_shape(a.shape, dims) if keepdim else _reduced_shape(a.shape, dims), np.nan, a.dtype)
    return np.asarray(a.mean(axis=dims, keepdims=keepdim))


def _mean_grad(node, g: Tensor) -> Tensor:
    """The gradient of the mean output of ``var_mean`` / ``std_mean``."""
    n = _count(node.in_shape, node.dims)
    return _expand_back(g / n if n else g * float("nan"), node.in_shape, node.dims, node.keepdim)


class VarMean(Var):
    """``var_mean``: one node with two outputs, as torch's."""

    torch_name = "VarMeanBackward0"

    def forward(self, x, dims, keepdim, dof):
        return super().forward(x, dims, keepdim, dof), _mean_array(x._data, dims, keepdim)

    def backward(self, gv, gm):
        return Var.backward(self, gv) + _mean_grad(self, gm)


class StdMean(Std):
    """``std_mean``: one node with two outputs, as torch's."""

    torch_name = "StdMeanBackward0"

    def forward(self, x, dims, keepdim, dof):
        return super().forward(x, dims, keepdim, dof), _mean_array(x._data, dims, keepdim)

    def backward(self, gs, gm):
        return Std.backward(self, gs) + _mean_grad(self, gm)


def _with_mean(out, x: Tensor, dim, keepdim: bool, op: str) -> tuple:
    """A two-output node's result as it is; else (no degrees of freedom left) ``(out, mean)``."""
    if type(out) is tuple:
        return out
    return out, mean(x, _axes(dim, x.ndim, op), keepdim)


def var_mean(x: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """``(var, mean)`` over ``dim``."""
    out = _variance(x, dim, unbiased, keepdim, correction, "var_mean", VarMean)
    return _with_mean(out, x, _var_args(dim, unbiased)[0], keepdim, "var_mean")


def std_mean(x: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """``(std, mean)`` over ``dim``."""
    out = _variance(x, dim, unbiased, keepdim, correction, "std_mean", StdMean)
    return _with_mean(out, x, _var_args(dim, unbiased)[0], keepdim, "std_mean")


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


def _check_nonempty(x: Tensor, dims, whole: bool, op: str) -> None:
    if whole and x.numel() == 0:
        raise RuntimeError(
            f"{op}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument."
        )
    _check_nonempty_dims(x.shape, dims, op)


def _check_nonempty_dims(shape, dims, op: str) -> None:
    for d in dims:
        if shape[d] == 0:
            raise IndexError(f"{op}(): Expected reduction dim {d} to have non-zero size.")


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


def amax(x: Tensor, dim=(), keepdim: bool = False, *, out: Tensor | None = None) -> Tensor:
    """Maximum over ``dim`` (all dims when empty); ties share the gradient evenly."""
    return _amax_amin(x, dim, keepdim, True, "amax", out)


def amin(x: Tensor, dim=(), keepdim: bool = False, *, out: Tensor | None = None) -> Tensor:
    """Minimum over ``dim`` (all dims when empty); ties share the gradient evenly."""
    return _amax_amin(x, dim, keepdim, False, "amin", out)


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


def max(x: Tensor, dim=None, keepdim: bool = False, *, other=None):  # noqa: A001
    """Whole-tensor max (ties split the gradient), ``(values, indices)`` along ``dim``, or elementwise with a tensor."""
    return _max_min(x, dim, keepdim, other, True, "max")


def min(x: Tensor, dim=None, keepdim: bool = False, *, other=None):  # noqa: A001
    """Whole-tensor min (ties split the gradient), ``(values, indices)`` along ``dim``, or elementwise with a tensor."""
    return _max_min(x, dim, keepdim, other, False, "min")


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


def argmax(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Index of the (first) maximum, over all elements or along ``dim``."""
    _check_args("argmax", x, keepdim=keepdim)
    return _arg(x, dim, keepdim, True, "argmax")


def argmin(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Index of the (first) minimum, over all elements or along ``dim``."""
    _check_args("argmin", x, keepdim=keepdim)
    return _arg(x, dim, keepdim, False, "argmin")


def _lse_array(a: np.ndarray, dims, keepdim: bool) -> np.ndarray:
    m = a.max(axis=dims, keepdims=True, initial=-np.inf)
    m = xp.where(xp.isfinite(m), m, 0)
    s = xp.exp(a - m).sum(axis=dims, keepdims=True)
    # log(0) = -inf without numpy's divide-by-zero warning (an empty or all -inf slice)
    out = xp.log(s, out=np.full(s.shape, -np.inf, s.dtype), where=s != 0) + m
    return out if keepdim else out.reshape(_reduced_shape(out.shape, dims))


class LogSumExp(Op):
    torch_name = "LogsumexpBackward0"

    def forward(self, x, dims, keepdim):
        self.dims, self.keepdim, self.in_shape = dims, keepdim, x._data.shape
        self.save_for_backward(x, OUTPUT)
        return np.asarray(_lse_array(x._data, dims, keepdim))

    def backward(self, g):
        x, out = self.saved_tensors
        out_k = _keep(out, self.in_shape, self.dims, self.keepdim)
        return _expand_back(g, self.in_shape, self.dims, self.keepdim) * exp(x - out_k)


def logsumexp(x: Tensor, dim, keepdim: bool = False) -> Tensor:
    """``log(sum(exp(x)))`` over ``dim`` (required, as in torch), computed stably."""
    _check_args("logsumexp", x, keepdim=keepdim)
    if dim is None:
        raise TypeError("logsumexp(): argument 'dim' (position 2) must be tuple of ints, not NoneType")
    if x._data.dtype.kind != "f":
        x = x.to(dt.get_default_dtype())
    if isinstance(dim, (tuple, list)) and not dim and x.ndim and not keepdim and x.numel():
        # torch reduces every dim for an empty list but then fails writing the result
        raise RuntimeError(f"output with shape [] doesn't match the broadcast shape {[1] * x.ndim}")
    return LogSumExp.apply(x, dims=_axes(dim, x.ndim, "logsumexp"), keepdim=keepdim)


class Softmax(Op):
    def forward(self, x, dim):
        self.dim = dim
        a = x._data
        self.save_for_backward(OUTPUT)
        if a.size == 0:
            return a.copy()
        e = xp.exp(a - a.max(axis=dim, keepdims=True))
        e /= e.sum(axis=dim, keepdims=True)
        return e

    def backward(self, g):
        (y,) = self.saved_tensors
        gy = g * y
        return gy - y * sum(gy, self.dim, keepdim=True)


class LogSoftmax(Op):
    def forward(self, x, dim):
        self.dim = dim
        a = x._data
        self.save_for_backward(OUTPUT)
        if a.size == 0:
            return a.copy()
        shifted = a - a.max(axis=dim, keepdims=True)
        s = xp.exp(shifted).sum(axis=dim, keepdims=True)
        return shifted - xp.log(s, out=np.full(s.shape, -np.inf, s.dtype), where=s != 0)

    def backward(self, g):
        (y,) = self.saved_tensors
        return g - exp(y) * sum(g, self.dim, keepdim=True)


def _softmax_dim(x: Tensor, dim, name: str, stacklevel: int = 2) -> int:
    """The softmax dim; None warns (at the user's call) and picks torch's legacy choice."""
    if dim is None:
        import warnings

        warnings.warn(
            f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as an argument.",
            stacklevel=stacklevel + 1,
        )
        dim = 0 if x.ndim in (0, 1, 3) else 1
    return _one_dim(dim, x.ndim, name)


def _softmax_family(x: Tensor, dim, dtype, node, name: str) -> Tensor:
    d = _softmax_dim(x, dim, name, stacklevel=3)
    if dtype is not None:
        x = x.to(dtype)
    if x._data.dtype.kind != "f" and x._data.size:  # torch dispatches no kernel for an empty input
        raise NotImplementedError(f"\"{name}_lastdim_kernel_impl\" not implemented for '{_type_word(x)}'")
    if x.ndim == 0:
        return reshape(node.apply(reshape(x, (1,)), dim=0), ())
    return node.apply(x, dim=d)


def softmax(x: Tensor, dim=None, dtype=None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim``, computed stably."""
    _check_args("softmax", x)
    return _softmax_family(x, dim, dtype, Softmax, "softmax")


def log_softmax(x: Tensor, dim=None, dtype=None) -> Tensor:
    """``x - logsumexp(x)`` along ``dim``, stable at large logits."""
    _check_args("log_softmax", x)
    return _softmax_family(x, dim, dtype, LogSoftmax, "log_softmax")


class Prod(Op):
    def forward(self, x, dims, keepdim, dtype):
        self.dims, self.keepdim, self.in_shape = dims, keepdim, x._data.shape
        self.save_for_backward(x, OUTPUT)
        return np.asarray(x._data.prod(axis=dims, keepdims=keepdim, dtype=dtype or x._data.dtype))

    def backward(self, g):
        return _prod_grad(self, g, *self.saved_tensors)


def _prod_grad(node, g: Tensor, x: Tensor, out: Tensor) -> Tensor:
    """The gradient of a product ``out`` of ``x`` over ``node.dims``."""
    dims = node.dims
    g_full = _expand_back(g, node.in_shape, dims, node.keepdim)
    if not dims or x._data.size == 0:
        return g_full
    if not (x._data == 0).any():
        return g_full * (_keep(out, node.in_shape, dims, node.keepdim) / x)
    return g_full * _prod_of_others(x, dims)


def _prod_of_others(x: Tensor, dims) -> Tensor:
    """For each element, the product of the other elements of its reduced slice (exact with zeros).

    Differentiable: the slice of n elements becomes an n x n matrix with ones on its
    diagonal whose rows are multiplied out, so second derivatives through zeros are right.
    Plain backward (no graph recorded) or a slice too large for that uses prefix/suffix
    products on the arrays instead.
    """
    a = x._data
    rest = [i for i in range(a.ndim) if i not in dims]
    order = rest + list(dims)
    rest_shape = tuple(a.shape[i] for i in rest)
    n = _count(a.shape, dims)
    inverse = tuple(int(i) for i in np.argsort(order))
    moved_shape = rest_shape + tuple(a.shape[i] for i in dims)
    if not _state.enabled or a.size * n > 1 << 24:
        flat = np.transpose(a, order).reshape(rest_shape + (n,))
        ones = np.ones(rest_shape + (1,), a.dtype)
        left = np.cumprod(np.concatenate([ones, flat[..., :-1]], -1), -1)
        right = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], -1), -1)[..., ::-1]
        return Tensor._make(np.ascontiguousarray(np.transpose((left * right).reshape(moved_shape), inverse)))
    flat = reshape(permute(x, *order), rest_shape + (1, n))
    diagonal = Tensor._make(np.eye(n, dtype=bool))
    rows = where(diagonal, Tensor._make(np.ones((), a.dtype)), expand(flat, rest_shape + (n, n)))
    others = Prod.apply(rows, dims=(len(rest_shape) + 1,), keepdim=False, dtype=None)
    return permute(reshape(others, moved_shape), *inverse)


def prod(x: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Product over all elements or along ``dim``; integers and bools multiply to int64."""
    _check_args("prod", x, keepdim=keepdim)
    if dim is None:
        dims = tuple(range(x.ndim))
    else:
        d = _one_dim(dim, x.ndim, "prod")
        dims = (d,) if x.ndim else ()
    if dim is None:
        keepdim = False
    npdt = _accumulate_dtype(x, dtype)
    if npdt is not None and npdt != x._data.dtype and x._requires_grad:
        return (ProdCast if dim is None else ProdDimCast).apply(x, dims=dims, keepdim=keepdim, cast=npdt)
    return (Prod if dim is None else ProdDim).apply(x, dims=dims, keepdim=keepdim, dtype=npdt)


class ProdDim(Prod):
    """``prod(dim)``: torch's ``prod.dim_int`` overload."""

    torch_name = "ProdBackward1"


class ProdCast(Prod):
    """``prod(dtype=)`` of a tensor needing a gradient: the cast inside the node, as torch's; the input
    is saved as it is and cast again in backward, so that second derivatives reach it."""

    torch_name = "ProdBackward0"

    def forward(self, x, dims, keepdim, cast):
        self.in_dtype, self.cast = dt.from_numpy_dtype(x._data.dtype), dt.from_numpy_dtype(cast)
        out = super().forward(Tensor._make(x._data.astype(cast)), dims, keepdim, None)
        self.save_for_backward(x, OUTPUT)
        return out

    def backward(self, g):
        x, out = self.saved_tensors
        return _prod_grad(self, g, x.to(self.cast), out).to(self.in_dtype)


class ProdDimCast(ProdCast):
    torch_name = "ProdBackward1"


def _logical_reduce(x: Tensor, dim, keepdim: bool, name: str) -> Tensor:
    """all / any: a reduction over ``dim`` (all dims when None, none for an empty list)."""
    axes = _axes(dim, x.ndim, name, empty_is_all=False)
    a = x._data.astype(bool, copy=False)
    out = np.asarray(a.all(axis=axes, keepdims=keepdim) if name == "all" else a.any(axis=axes, keepdims=keepdim))
    return Tensor._make(out.astype(np.uint8) if x._data.dtype == np.uint8 else out)


def all(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """Whether all elements are true (along ``dim``)."""
    _check_args("all", x, keepdim=keepdim)
    return _logical_reduce(x, dim, keepdim, "all")


def any(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """Whether any element is true (along ``dim``)."""
    _check_args("any", x, keepdim=keepdim)
    return _logical_reduce(x, dim, keepdim, "any")


def count_nonzero(x: Tensor, dim=None) -> Tensor:
    """Number of non-zero elements (along ``dim``)."""
    _check_args("count_nonzero", x)
    axes = _axes(dim, x.ndim, "count_nonzero")
    return Tensor._make(np.asarray((x._data != 0).sum(axis=axes), dtype=np.int64))


def nonzero(x: Tensor, as_tuple: bool = False):
    """Indices of non-zero elements: an (n, ndim) int64 tensor, or one tensor per dim."""
    _check_args("nonzero", x, as_tuple=as_tuple)
    idx = np.nonzero(x._data) if x.ndim else np.nonzero(x._data.reshape(1))
    if as_tuple:
        return tuple(Tensor._make(i.astype(np.int64)) for i in idx)
    return Tensor._make(
        np.stack(idx, axis=1).astype(np.int64) if x.ndim else np.zeros((int(bool(x._data)), 0), np.int64)
    )


class VectorNorm(Op):
    """``sum(|x|**p) ** (1/p)`` over dims, with p = 0 (count), +-inf (max/min of |x|) as torch."""

    torch_name = "LinalgVectorNormBackward0"

    def forward(self, x, p, dims, keepdim):
        self.p, self.dims, self.keepdim, self.in_shape = p, dims, keepdim, x._data.shape
        self.save_for_backward(x, OUTPUT)
        a = np.abs(x._data)
        if p == 0:
            out = (a != 0).sum(axis=dims, keepdims=keepdim).astype(a.dtype)
        elif p == np.inf:
            out = a.max(axis=dims, keepdims=keepdim)
        elif p == -np.inf:
            out = a.min(axis=dims, keepdims=keepdim)
        elif p == 1:
            out = a.sum(axis=dims, keepdims=keepdim)
        elif p == 2:
            out = xp.sqrt((a * a).sum(axis=dims, keepdims=keepdim))
        else:
            out = ((a**p).sum(axis=dims, keepdims=keepdim)) ** (1.0 / p)  # 0 ** negative p: inf, as torch
        return np.asarray(out, dtype=a.dtype)

    def backward(self, g):
        """torch's norm_backward, in differentiable ops: masked to 0 where the norm (or, for
        p < 1, x) is 0, so that second derivatives there are NaN as in torch."""
        x, norm_ = self.saved_tensors
        p = self.p
        if p == 0:
            return None
        g = _keep(g, self.in_shape, self.dims, self.keepdim)
        norm_ = _keep(norm_, self.in_shape, self.dims, self.keepdim)
        zero = Tensor._make(np.zeros((), x._data.dtype))
        if p == 1:
            return sign(x) * g
        if p == 2:
            return g * where(eq(norm_, 0), zero, x / norm_)
        if np.isinf(p):
            a = _abs(x)
            mask = logical_or(eq(a, norm_), isnan(a))
            weight = mask.to(x.dtype)
            return sign(x) * (g / sum(weight, self.dims, keepdim=True)) * weight
        if p < 1:
            scaled = sign(x) * where(eq(x, 0), zero, _pow(_abs(x), p - 1))
            return scaled * g * _pow(norm_, 1 - p)
        scaled = sign(x) * _pow(_abs(x), p - 1) if p < 2 else x * _pow(_abs(x), p - 2)
        return scaled * where(eq(norm_, 0), zero, g / _pow(norm_, p - 1))


class NuclearNorm(Op):
    """Sum of the singular values over the matrix dims (moved last)."""

    torch_name = "LinalgMatrixNormBackward0"

    def forward(self, x):
        self.save_for_backward(x)
        return np.asarray(np.linalg.svd(x._data, compute_uv=False).sum(-1))

    def backward(self, g):
        (x,) = self.saved_tensors
        return reshape(g, g.shape + (1, 1)) * PolarFactor.apply(x)


class PolarFactor(Op):
    """``U @ Vh`` of the thin SVD: the gradient of the nuclear norm (full-rank matrices)."""

    def forward(self, x):
        u, s, vh = np.linalg.svd(x._data, full_matrices=False)
        self.usv = (u, s, vh)
        return u @ vh

    def backward(self, g):
        """Adjoint of d(U Vh) = U X Vh + (1 - U Uh) dA V S^-1 Vh + U S^-1 Uh dA (1 - V Vh),
        X = (K - K^T) / (s_i + s_j), K = Uh dA V."""
        from .linalg import matmul

        u, s, vh = (Tensor._make(a) for a in self.usv)
        ut, v = u.mT, vh.mT
        inv_pair = Tensor._make(1.0 / (self.usv[1][..., :, None] + self.usv[1][..., None, :]))
        h = matmul(matmul(ut, g), v)
        core = matmul(matmul(u, (h - h.mT) * inv_pair), vh)
        inv_s = Tensor._make(1.0 / self.usv[1][..., None, :])
        m, n = self.usv[0].shape[-2], self.usv[2].shape[-1]
        if m > n:
            left = g - matmul(u, matmul(ut, g))
            core = core + matmul(matmul(left, v) * inv_s, vh)
        if n > m:
            right = g - matmul(matmul(g, v), vh)
            core = core + matmul(u * inv_s, matmul(ut, right))
        return core


def _nuclear_norm(x: Tensor, dim, keepdim: bool) -> Tensor:
    dims = tuple(range(x.ndim)) if dim is None else tuple(dim)
    if x.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    if len(dims) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(str(d) for d in dims)}")
    d0, d1 = (_one_dim(d, x.ndim, "norm") for d in dims)
    rest = [i for i in range(x.ndim) if i not in (d0, d1)]
    out = NuclearNorm.apply(permute(x, *rest, d0, d1))
    if keepdim:
        out = reshape(out, _kept_shape(x.shape, (d0, d1)))
    return out


def norm(x: Tensor, p="fro", dim=None, keepdim: bool = False, dtype=None) -> Tensor:
    """Vector p-norm (2 by default, 'fro', 0, +-inf) over all elements or ``dim``; 'nuc' for matrices."""
    _check_args("norm", x, keepdim=keepdim)
    if dtype is not None:
        x = x.to(dtype)
    if x._data.dtype.kind != "f":
        raise RuntimeError(
            f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got {_type_word(x)}"
        )
    if isinstance(dim, _INTS):
        dim = (dim,)
    if p == "nuc":
        return _nuclear_norm(x, dim, keepdim)
    if p == "fro" and isinstance(dim, (tuple, list)) and len(dim) > 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(str(d) for d in dim)}")
    if p == "fro" or p is None:
        p = 2
    elif isinstance(p, str):
        raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported.")
    elif isinstance(p, bool) or not isinstance(p, (_INTS, float)):
        raise TypeError(f"linalg_vector_norm(): argument 'ord' must be Number, not {type(p).__name__}")
    dims = _axes(dim, x.ndim, "linalg.vector_norm")
    if p < 0 or np.isinf(p):
        for d in dims:
            if x.shape[d] == 0:
                raise RuntimeError(
                    f"linalg.vector_norm cannot compute the {p} norm on an empty tensor because the operation does "
                    "not have an identity"
                )
    return VectorNorm.apply(x, p=float(p), dims=dims, keepdim=keepdim)


class Cumsum(Op):
    def forward(self, x, dim):
        self.dim = dim
        return xp.cumsum(x._data, axis=dim, dtype=x._data.dtype)

    def backward(self, g):
        return flip(Cumsum.apply(flip(g, (self.dim,)), dim=self.dim), (self.dim,))


def cumsum(x: Tensor, dim: int, *, dtype=None) -> Tensor:
    """Cumulative sum along ``dim``; integers and bools accumulate in int64."""
    _check_args("cumsum", x)
    d = _one_dim(dim, x.ndim, "cumsum")
    npdt = _accumulate_dtype(x, dtype)
    if npdt == np.bool_:
        raise NotImplementedError("\"cumsum_out_cpu\" not implemented for 'Bool'")
    if npdt is not None and npdt != x._data.dtype:
        if x._requires_grad and x.ndim:
            return CumsumCast.apply(x, dim=d, cast=npdt)
        x = x.to(dt.from_numpy_dtype(npdt))
    if x.ndim == 0:
        return CumsumZeroDim.apply(x)
    return Cumsum.apply(x, dim=d)


class CumsumCast(_CastBack, Cumsum):
    torch_name = "CumsumBackward0"


SortResult = namedtuple("sort", ["values", "indices"])
TopkResult = namedtuple("topk", ["values", "indices"])


def _sort_indices(a: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """Stable sort order along ``axis``; NaN counts as the largest value, as in torch."""
    if not descending:
        return np.argsort(a, axis=axis, kind="stable")
    # descending and stable: sort the reversed axis ascending, then reverse back
    n = a.shape[axis]
    rev = np.argsort(np.flip(a, axis), axis=axis, kind="stable")
    return n - 1 - np.flip(rev, axis)


def sort(x: Tensor, dim: int = -1, descending: bool = False, stable: bool = False):
    """Sorted values and their indices along ``dim`` (differentiable in the values)."""
    _check_args("sort", x, descending=descending, stable=stable)
    d = _one_dim(dim, x.ndim, "sort")
    if x.ndim == 0:
        return SortResult(SortZeroDim.apply(x), Tensor._make(np.zeros((), np.int64)))
    idx = _sort_indices(x._data, d, descending)
    return SortResult(SortValues.apply(x, idx=idx, dim=d), Tensor._make(idx.astype(np.int64)))


class SortValues(TakeAlong):
    torch_name = "SortBackward0"


class TopkValues(TakeAlong):
    torch_name = "TopkBackward0"


def argsort(x: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """Indices that sort ``x`` along ``dim``."""
    _check_args("argsort", x, descending=descending, stable=stable)
    _one_dim(dim, x.ndim, "argsort")
    return sort(x, dim, descending)[1]


def topk(x: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):  # noqa: A002
    """The ``k`` largest (or smallest) values along ``dim`` and their indices (NaN counts as largest)."""
    _check_args("topk", x, largest=largest, sorted=sorted)
    d = _one_dim(dim, x.ndim, "topk")
    size = x.shape[d] if x.ndim else 1
    if not _is_int(k):
        raise TypeError(f"topk(): argument 'k' must be int, not {type(k).__name__}")
    if x._data.dtype == np.bool_:
        raise RuntimeError("topk does not support bool dtypes on CPU")
    if not 0 <= k <= size:
        raise RuntimeError("selected index k out of range")
    if x.ndim == 0:
        return TopkResult(TopkZeroDim.apply(x), Tensor._make(np.zeros((), np.int64)))
    idx = _sort_indices(x._data, d, largest)
    idx = np.ascontiguousarray(np.take(idx, np.arange(k), axis=d))
    return TopkResult(TopkValues.apply(x, idx=idx, dim=d), Tensor._make(idx.astype(np.int64)))


class MaxZeroDim(CopyNode):
    torch_name = "MaxBackward0"


class MinZeroDim(CopyNode):
    torch_name = "MinBackward0"


class CumsumZeroDim(CopyNode):
    torch_name = "CumsumBackward0"


class SortZeroDim(CopyNode):
    torch_name = "SortBackward0"


class TopkZeroDim(CopyNode):
    torch_name = "TopkBackward0"
