"""``gather``, ``take_along_dim``, ``index_select`` and the ``scatter`` / ``scatter_add`` family."""

from __future__ import annotations

import warnings

import numpy as np

from .. import _dtype as dt
from .._tensor import Tensor
from ..autograd.function import Op
from ._index_common import (
    _bad_combination,
    _bool_arg,
    _check_bounds,
    _check_gather_shape,
    _check_scatter_shape,
    _index_array,
    _int_arg,
    _shape1,
    _tensor_arg,
    _with_out,
)
from ._util import broadcast_shapes, wrap_dim
from .shape import CopyNode, GetItem, expand, index_add_into, reshape


# --- gather ------------------------------------------------------------------------------
def _full_index(idx: np.ndarray, dim: int) -> tuple:
    """Advanced-index tuple addressing ``out[..., idx, ...]`` along ``dim`` for every position of idx."""
    grids = list(np.indices(idx.shape, sparse=True))
    grids[dim] = idx
    return tuple(grids)


def _accumulate(out: np.ndarray, key: tuple, values: np.ndarray) -> None:
    """``out[key] += values`` where repeated positions add up (``np.add.at``, via bincount for floats)."""
    full = len(key) == out.ndim and all(isinstance(k, np.ndarray) and k.dtype.kind in "iu" for k in key)
    if out.dtype.kind == "f" and values.size and full:
        flat = np.ravel_multi_index(key, out.shape)
        vals = np.broadcast_to(values, flat.shape).reshape(-1)
        out += np.bincount(flat.reshape(-1), weights=vals, minlength=out.size).reshape(out.shape).astype(out.dtype)
    else:
        np.add.at(out, key, values)


class Gather(Op):
    """``out[i][j] = x[idx[i][j]][j]`` (along ``dim``); x at least 1-d."""

    torch_name = "GatherBackward0"

    def forward(self, x, idx, dim):
        self.idx, self.dim, self.shape = idx, dim, x._data.shape
        return x._data[_full_index(idx, dim)]

    def backward(self, g):
        return GatherAdjoint.apply(g, idx=self.idx, dim=self.dim, shape=self.shape)


class GatherAdjoint(Op):
    """Zeros of ``shape`` with ``g`` added at ``idx`` along ``dim``: repeated indices accumulate."""

    torch_name = "ScatterAddBackward0"

    def forward(self, g, idx, dim, shape):
        self.idx, self.dim = idx, dim
        out = np.zeros(shape, dtype=g._data.dtype)
        _accumulate(out, _full_index(idx, dim), g._data)
        return out

    def backward(self, gg):
        return Gather.apply(gg, idx=self.idx, dim=self.dim)


def _gather(x: Tensor, d: int, idx: np.ndarray) -> Tensor:
    """Gather of checked arguments, 0-d tensors read as 1-d."""
    if x.ndim and idx.ndim:
        return Gather.apply(x, idx=idx, dim=d)
    flat = Gather.apply(reshape(x, _shape1(x.shape)), idx=idx.reshape(_shape1(idx.shape)), dim=d)
    return reshape(flat, idx.shape)


def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Values of ``input`` along ``dim`` at ``index`` (the result has index's shape)."""
    _tensor_arg("gather", input, "input", 1)
    dim = _int_arg("gather", dim, "dim", 2)
    _tensor_arg("gather", index, "index", 3)
    if _bool_arg("gather", sparse_grad, "sparse_grad"):
        raise NotImplementedError("gather(): sparse_grad=True is not supported (microtorch has no sparse tensors)")
    d = wrap_dim(dim, input.ndim)
    if not index._data.size:  # torch checks neither dtype nor shapes of an empty index
        none = np.zeros(0, dtype=np.int64)
        return _with_out(
            "gather",
            out,
            (input, index),
            lambda: reshape(Gather.apply(reshape(input, (-1,)), idx=none, dim=0), index.shape),
        )
    idx = _index_array("gather", index)
    _check_gather_shape(input.shape, idx.shape, d)
    _check_bounds(idx, _shape1(input.shape)[d], d)
    return _with_out("gather", out, (input, index), lambda: _gather(input, d, idx))


def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Values of ``input`` at ``indices`` along ``dim`` (both broadcast apart from ``dim``; flat when None)."""
    _tensor_arg("take_along_dim", input, "input", 1)
    _tensor_arg("take_along_dim", indices, "indices", 2)
    dim = None if dim is None else _int_arg("take_along_dim", dim, "dim", 3)
    idx = indices._data
    if idx.dtype != np.int64:
        got = dt.from_numpy_dtype(idx.dtype).name
        raise RuntimeError(
            f"torch.take_along_dim(): dtype of indices should be Long but got {_TORCH_WORD.get(got, got)}"
        )
    if dim is None:
        flat_x, flat_i = reshape(input, (-1,)), idx.reshape(-1)
        _check_bounds(flat_i, flat_x.shape[0], 0)
        return _with_out("take_along_dim", out, (input, indices), lambda: Gather.apply(flat_x, idx=flat_i, dim=0))
    if input.ndim != idx.ndim:
        raise RuntimeError(
            f"torch.take_along_dim(): input and indices should have the same number of dimensions, but got "
            f"{input.ndim} dimensions for input, and {idx.ndim} dimensions for indices"
        )
    if input.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = wrap_dim(dim, input.ndim)
    n = input.shape[d]
    shape = list(
        broadcast_shapes(input.shape[:d] + (1,) + input.shape[d + 1 :], idx.shape[:d] + (1,) + idx.shape[d + 1 :])
    )
    shape[d] = n
    x = expand(input, tuple(shape))
    shape[d] = idx.shape[d]
    wrapped = np.where(idx < 0, idx + n, idx)
    if wrapped.size and (wrapped.min() < 0 or wrapped.max() >= n):
        _check_bounds(np.where((wrapped < 0) | (wrapped >= n), idx, 0), n, d)
    full = np.broadcast_to(wrapped, tuple(shape))
    return _with_out("take_along_dim", out, (input, indices), lambda: Gather.apply(x, idx=full, dim=d))


_TORCH_WORD = {
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


# --- index_select ------------------------------------------------------------------------
def _index_select(x: Tensor, d: int, idx: np.ndarray) -> Tensor:
    if x.ndim == 0:
        return IndexSelectZeroDim.apply(x)
    return IndexSelect.apply(x, key=(slice(None),) * d + (idx.reshape(-1),), basic=False)


class IndexSelect(GetItem):
    torch_name = "IndexSelectBackward0"


class IndexSelectZeroDim(CopyNode):
    torch_name = "IndexSelectBackward0"


def index_select(input: Tensor, dim: int, index: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Entries of ``input`` along ``dim`` at the positions listed in the vector ``index``."""
    _tensor_arg("index_select", input, "input", 1)
    d = wrap_dim(_int_arg("index_select", dim, "dim", 2), input.ndim)
    idx = _index_array("index_select", index, "int32 or int64")
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    if input.ndim == 0 and idx.size != 1:
        raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got {idx.size} value(s)")
    if idx.size and input.ndim > 1 and not input.shape[d]:
        raise RuntimeError("index_select(): self indexing axis dim should be positive")
    if idx.size and (idx.min() < 0 or idx.max() >= _shape1(input.shape)[d]):
        raise IndexError("index out of range in self")
    return _with_out(
        "index_select",
        out,
        (input, index),
        lambda: _index_select(input, d, idx),
        "index_select(): self and result must have the same scalar type",
    )


# --- scatter -----------------------------------------------------------------------------
def _src_grad(g: Tensor, idx: np.ndarray, dim: int, src_shape: tuple) -> Tensor:
    """Gradient of the source: ``g`` gathered at ``idx``, zero where the source was not read."""
    taken = Gather.apply(g, idx=idx, dim=dim)
    if idx.shape == src_shape:
        return taken
    return index_add_into(taken, tuple(slice(0, n) for n in idx.shape), src_shape)


def _read_src(src: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """The part of ``src`` that scatter reads: its leading ``idx.shape`` block."""
    return src if src.shape == idx.shape else src[tuple(slice(0, n) for n in idx.shape)]


class Scatter(Op):
    """``out = x`` with ``src`` written at ``idx`` along ``dim``."""

    torch_name = "ScatterBackward0"

    def forward(self, x, src, idx, dim):
        self.idx, self.dim, self.src_shape = idx, dim, src._data.shape
        out = x._data.copy()
        out[_full_index(idx, dim)] = _read_src(src._data, idx)
        return out

    def backward(self, g):
        nx, ns = self.needs_input_grad
        gx = gs = None
        if nx:
            mask = np.ones(g.shape, dtype=g._data.dtype)
            mask[_full_index(self.idx, self.dim)] = 0
            gx = g * Tensor._make(mask)
        if ns:
            gs = _src_grad(g, self.idx, self.dim, self.src_shape)
        return gx, gs


class ScatterNothing(Op):
    """``scatter`` with an empty index: a copy of ``x``; the source gets a zero gradient."""

    torch_name = "ScatterBackward0"

    def forward(self, x, src):
        self.src_meta = (src._data.shape, src._data.dtype)
        return x._data.copy()

    def backward(self, g):
        return g, Tensor._make(np.zeros(*self.src_meta))


class ScatterAddNothing(ScatterNothing):
    torch_name = "ScatterAddBackward0"


class ScatterValueNothing(CopyNode):
    """``scatter`` of a number with an empty index: a copy of ``x``."""

    torch_name = "ScatterBackward1"


class ScatterAdd(Op):
    """``out = x`` with ``src`` added at ``idx`` along ``dim`` (repeated positions accumulate)."""

    torch_name = "ScatterAddBackward0"

    def forward(self, x, src, idx, dim):
        self.idx, self.dim, self.src_shape = idx, dim, src._data.shape
        out = x._data.copy()
        _accumulate(out, _full_index(idx, dim), _read_src(src._data, idx))
        return out

    def backward(self, g):
        nx, ns = self.needs_input_grad
        return (g if nx else None), (_src_grad(g, self.idx, self.dim, self.src_shape) if ns else None)


class ScatterReduce(Op):
    """``scatter(..., reduce='add' | 'multiply')``: torch defines no derivative for it."""

    torch_name = "torch::autograd::NotImplemented"

    def forward(self, x, src, idx, dim, reduce):
        out = x._data.copy()
        key, vals = _full_index(idx, dim), _read_src(src._data, idx)
        if reduce == "add":
            _accumulate(out, key, vals)
        elif out.dtype == np.bool_:
            np.logical_and.at(out, key, vals)
        else:
            np.multiply.at(out, key, vals)
        return out

    def backward(self, g):
        raise RuntimeError("derivative for aten::scatter is not implemented")


def _scatter_src(x: Tensor, src, value, idx: np.ndarray) -> Tensor:
    """The source as a tensor of x's dtype (a number or 0-d ``value`` broadcast to the index)."""
    if src is not None and value is not None:
        raise TypeError("scatter() received an invalid combination of arguments: both src and value given")
    if src is None and value is None:
        raise TypeError("scatter() missing 1 required positional argument: 'src' or 'value'")
    if isinstance(src, Tensor):
        if src.dtype != x.dtype:
            raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
        return src
    v = value if src is None else src
    if isinstance(v, Tensor):
        if v.ndim:
            raise RuntimeError(f"scatter(): Expected 0-dimensional value tensor, got {v.ndim} dimension(s)")
        v = v.item()
    return Tensor._make(np.broadcast_to(np.asarray(v).astype(x._data.dtype), idx.shape))


def _scatter(op: str, x: Tensor, dim: int, index: Tensor, source, value, reduce) -> Tensor:
    d = wrap_dim(dim, x.ndim)
    if not index._data.size:  # nothing written: a copy, recorded under the op's node as torch does
        src = _scatter_src(x, source, value, index._data)
        if isinstance(source, Tensor) and reduce is None:
            return (ScatterAddNothing if op == "scatter_add" else ScatterNothing).apply(x, src)
        return ScatterValueNothing.apply(x) if reduce is None else x.clone()
    idx = _index_array("scatter", index)
    src = _scatter_src(x, source, value, idx)
    if reduce is not None and reduce not in ("add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    _check_scatter_shape(x.shape, idx.shape, d, src.shape if isinstance(source, Tensor) else None)
    _check_bounds(idx, _shape1(x.shape)[d], d)
    if x.ndim == 0 or idx.ndim == 0:
        flat = _scatter(
            op, reshape(x, _shape1(x.shape)), d, Tensor._make(idx.reshape(1)), reshape(src, (1,)), None, reduce
        )
        return reshape(flat, x.shape)
    if reduce is not None:
        if isinstance(source, Tensor):
            warnings.warn(
                "The reduce argument of torch.scatter with Tensor src is deprecated and will be removed in a future "
                "PyTorch release. Use torch.scatter_reduce instead for more reduction options.",
                UserWarning,
                stacklevel=4,
            )
        return ScatterReduce.apply(x, src, idx=idx, dim=d, reduce=reduce)
    if op == "scatter" and not isinstance(source, Tensor):  # a number: torch's scatter.value, one edge
        return ScatterValue.apply(x, src=src._data, idx=idx, dim=d)
    return (ScatterAdd if op == "scatter_add" else Scatter).apply(x, src, idx=idx, dim=d)


class ScatterValue(Op):
    """``out = x`` with the number (broadcast to the index as array ``src``) written at ``idx``."""

    torch_name = "ScatterBackward1"

    def forward(self, x, src, idx, dim):
        self.key = _full_index(idx, dim)
        out = x._data.copy()
        out[self.key] = src
        return out

    def backward(self, g):
        mask = np.ones(g.shape, dtype=g._data.dtype)
        mask[self.key] = 0
        return g * Tensor._make(mask)


def scatter(
    input: Tensor,  # noqa: A002
    dim: int,
    index: Tensor,
    src=None,
    *,
    value=None,
    reduce: str | None = None,
    out: Tensor | None = None,
) -> Tensor:
    """Copy of ``input`` with ``src`` (a tensor or number) written, added or multiplied at ``index``."""
    number = (int, float, np.number)
    if (
        not isinstance(input, Tensor)
        or not isinstance(index, Tensor)
        or not (src is None or isinstance(src, (Tensor, *number)))
        or not (value is None or isinstance(value, (Tensor, *number)))
        or not (reduce is None or isinstance(reduce, str))
    ):
        extra = {k: v for k, v in (("value", value), ("reduce", reduce)) if v is not None}
        raise _bad_combination("scatter", input, dim, index, *([] if src is None else [src]), **extra)
    dim = _int_arg("scatter", dim, "dim", 2)
    inputs = (input, index, src)
    return _with_out("scatter", out, inputs, lambda: _scatter("scatter", input, dim, index, src, value, reduce))


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Copy of ``input`` with ``src`` added at ``index`` along ``dim`` (repeated indices accumulate)."""
    _tensor_arg("scatter_add", input, "input", 1)
    dim = _int_arg("scatter_add", dim, "dim", 2)
    _tensor_arg("scatter_add", index, "index", 3)
    _tensor_arg("scatter_add", src, "src", 4)
    inputs = (input, index, src)
    return _with_out("scatter_add", out, inputs, lambda: _scatter("scatter_add", input, dim, index, src, None, None))
