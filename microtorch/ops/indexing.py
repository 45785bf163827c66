"""Index-based ops: gather / scatter family, index_select, take_along_dim, index_put,
masked_fill, one_hot, unique, diag, roll, tile, meshgrid."""

from __future__ import annotations

import math
import warnings

import numpy as np

from .. import _dtype as dt
from .._tensor import Tensor
from ..autograd.function import Op
from ..autograd.grad_mode import _state
from ._util import broadcast_shapes, wrap_dim
from .elementwise import where
from .shape import CopyNode, GetItem, _check_key_bounds, expand, index_add_into, repeat, reshape, sum_to_size

__all__ = [
    "gather",
    "index_select",
    "take_along_dim",
    "scatter",
    "scatter_add",
    "scatter_reduce",
    "index_put",
    "masked_fill",
    "masked_select",
    "masked_scatter",
    "put",
    "index_add",
    "index_copy",
    "index_fill",
    "index_reduce",
    "take",
    "one_hot",
    "unique",
    "diag",
    "roll",
    "tile",
    "meshgrid",
    "argwhere",
]

# torch's C++ type names, as its "Expected out tensor to have dtype ..." message prints them
_CPP_NAMES = {
    "float32": "float",
    "float64": "double",
    "float16": "c10::Half",
    "bfloat16": "c10::BFloat16",
    "int64": "long int",
    "int32": "int",
    "int16": "short int",
    "int8": "signed char",
    "uint8": "unsigned char",
    "bool": "bool",
}
_OVERLAP_SELF = (
    "unsupported operation: more than one element of the written-to tensor refers to a single memory location. "
    "Please clone() the tensor before performing the operation."
)
_OVERLAP_INPUT = (
    "unsupported operation: some elements of the input tensor and the written-to tensor refer to a single memory "
    "location. Please clone() the tensor before performing the operation."
)


# --- argument checks --------------------------------------------------------------------
def _type_name(v) -> str:
    return "Tensor" if isinstance(v, Tensor) else type(v).__name__


def _tensor_arg(op: str, v, name: str, pos: int) -> None:
    """torch's TypeError for a non-Tensor where its signature takes a Tensor."""
    if not isinstance(v, Tensor):
        raise TypeError(f"{op}(): argument '{name}' (position {pos}) must be Tensor, not {_type_name(v)}")


def _int_arg(op: str, v, name: str, pos: int) -> int:
    """``v`` as an int (a 0-d integer tensor too), else torch's TypeError; bool is not an int."""
    if isinstance(v, Tensor) and v.ndim == 0 and v._data.dtype.kind in "iu":
        return int(v._data)
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
        raise TypeError(f"{op}(): argument '{name}' (position {pos}) must be int, not {_type_name(v)}")
    return int(v)


def _bool_arg(op: str, v, name: str, pos: int | None = None) -> bool:
    if not isinstance(v, (bool, np.bool_)):
        where_ = f" (position {pos})" if pos is not None else ""
        raise TypeError(f"{op}(): argument '{name}'{where_} must be bool, not {_type_name(v)}")
    return bool(v)


def _ints_arg(op: str, v, name: str, pos: int) -> tuple:
    """An int or a sequence of ints as a tuple, else torch's TypeError."""
    if isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)):
        return (int(v),)
    if not isinstance(v, (tuple, list)):
        raise TypeError(f"{op}(): argument '{name}' (position {pos}) must be tuple of ints, not {_type_name(v)}")
    for i, e in enumerate(v):
        if isinstance(e, (bool, np.bool_)) or not isinstance(e, (int, np.integer)):
            raise TypeError(
                f"{op}(): argument '{name}' failed to unpack the object at pos {i + 1} with error \"type must be "
                f'tuple of ints,but got {_type_name(e)}"'
            )
    return tuple(int(e) for e in v)


def _bad_combination(op: str, *args, **kwargs) -> TypeError:
    got = ", ".join([_type_name(a) for a in args] + [f"{k}={_type_name(v)}" for k, v in kwargs.items()])
    return TypeError(f"{op}() received an invalid combination of arguments - got ({got}), but expected one of: ...")


def _index_array(op: str, index, kinds: str = "int32/int64", pos: int = 3) -> np.ndarray:
    """The index tensor's array, with torch's type and dtype checks."""
    _tensor_arg(op, index, "index", pos)
    idx = index._data
    if idx.dtype not in (np.int32, np.int64):
        raise RuntimeError(f"{op}(): Expected dtype {kinds} for index")
    return idx


def _nd(shape: tuple) -> int:
    """torch's ``ensure_nonempty_dim``: a 0-d tensor counts as 1-d."""
    return max(len(shape), 1)


def _shape1(shape: tuple) -> tuple:
    return shape if shape else (1,)


def _check_bounds(idx: np.ndarray, size: int, dim: int) -> None:
    """RuntimeError naming the first index outside ``[0, size)``, as torch's CPU kernels."""
    if idx.size and (idx.min() < 0 or idx.max() >= size):
        bad = idx.reshape(-1)[np.flatnonzero((idx.reshape(-1) < 0) | (idx.reshape(-1) >= size))[0]]
        raise RuntimeError(f"index {int(bad)} is out of bounds for dimension {dim} with size {size}")


def _check_gather_shape(x_shape: tuple, idx_shape: tuple, dim: int) -> None:
    if _nd(idx_shape) != _nd(x_shape):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    xs, js = _shape1(x_shape), _shape1(idx_shape)
    for d in range(len(xs)):
        if d != dim and js[d] > xs[d]:
            raise RuntimeError(
                f"Size does not match at dimension {d} expected index {list(idx_shape)} to be no larger than "
                f"self {list(x_shape)} apart from dimension {dim}"
            )


def _check_scatter_shape(x_shape: tuple, idx_shape: tuple, dim: int, src_shape) -> None:
    if _nd(idx_shape) != _nd(x_shape):
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    if src_shape is not None and 0 < len(src_shape) < _nd(idx_shape):  # torch reads src.size(d) past its last dim
        n = _nd(src_shape)
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {n})")
    if src_shape is not None and _nd(idx_shape) != _nd(src_shape):
        raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    xs, js = _shape1(x_shape), _shape1(idx_shape)
    too_big = any(d != dim and js[d] > xs[d] for d in range(len(xs)))
    if src_shape is not None:
        too_big = too_big or any(j > s for j, s in zip(js, _shape1(src_shape)))
        if too_big:
            raise RuntimeError(
                f"Expected index {list(idx_shape)} to be no larger than self {list(x_shape)} apart from dimension "
                f"{dim} and to be no larger size than src {list(src_shape)}"
            )
    elif too_big:
        raise RuntimeError(
            f"Expected index {list(idx_shape)} to be no larger than self {list(x_shape)} apart from dimension {dim}"
        )


# --- out= --------------------------------------------------------------------------------
def _check_out_grad(op: str, out: Tensor, inputs) -> None:
    if not isinstance(out, Tensor):
        raise TypeError(f"{op}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if _state.enabled and (out._requires_grad or any(isinstance(t, Tensor) and t._requires_grad for t in inputs)):
        raise RuntimeError(
            f"{op}(): functions with out=... arguments don't support automatic differentiation, but one of the "
            "arguments requires grad."
        )


def _storage_root(a: np.ndarray) -> np.ndarray:
    """The array owning ``a``'s memory (through views and ``as_strided``'s wrapper), when of ``a``'s dtype."""
    while True:
        base = a.base
        if base is not None and not isinstance(base, np.ndarray):  # numpy's as_strided keeps its source here
            base = getattr(base, "base", None)
        if not isinstance(base, np.ndarray) or base.dtype != a.dtype:
            return a
        a = base


def _resized_storage(out: Tensor, shape: tuple) -> np.ndarray:
    """The array ``out`` becomes when torch resizes it to ``shape`` (same storage when it fits)."""
    n = math.prod(shape)
    root = out._base._data if out._base is not None else out._data
    root = _storage_root(root)
    if root.flags.c_contiguous and np.shares_memory(root, out._data) and root.size:
        offset = (out._data.__array_interface__["data"][0] - root.__array_interface__["data"][0]) // root.itemsize
        if 0 <= offset and offset + n <= root.size:
            return root.reshape(-1)[offset : offset + n].reshape(shape)
    return np.empty(shape, dtype=out._data.dtype)


def _write_out(out: Tensor, result: np.ndarray, inputs, dtype_error: str | None = None) -> Tensor:
    """Write ``result`` into ``out`` with torch's rules: same dtype, no overlap, resize when the shape differs."""
    if out._data.dtype != result.dtype:
        raise RuntimeError(
            dtype_error
            or f"Expected out tensor to have dtype {_CPP_NAMES.get(result.dtype.name, result.dtype.name)}, but got "
            f"{_CPP_NAMES.get(out._data.dtype.name, out._data.dtype.name)} instead"
        )
    a = out._data
    if not a.flags.writeable or any(st == 0 and n > 1 for st, n in zip(a.strides, a.shape)):
        raise RuntimeError(_OVERLAP_SELF)
    target = a if a.shape == result.shape else _resized_storage(out, result.shape)
    if any(isinstance(t, Tensor) and np.shares_memory(target, t._data) for t in inputs):
        raise RuntimeError(_OVERLAP_INPUT)
    if target is not a:
        if a.size:
            warnings.warn(
                f"An output with one or more elements was resized since it had shape {list(a.shape)}, which does "
                f"not match the required output shape {list(result.shape)}. This behavior is deprecated, and in a "
                "future PyTorch release outputs will not be resized unless they have zero elements. You can "
                "explicitly reuse an out tensor t by resizing it, inplace, to zero elements with t.resize_(0).",
                UserWarning,
                stacklevel=3,
            )
        out._data = target
    np.copyto(target, result)
    out._vc.value += 1
    return out


def _with_out(op: str, out, inputs, compute, dtype_error: str | None = None) -> Tensor:
    """``compute()``, or its result written into ``out`` (checked before anything is computed)."""
    if out is None:
        return compute()
    _check_out_grad(op, out, inputs)
    return _write_out(out, compute()._data, inputs, dtype_error)


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


# --- scatter_reduce ----------------------------------------------------------------------
_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")
_REDUCE_ALIASES = {"max": "amax", "min": "amin"}  # spellings torch's kernel accepts as well


def _hit_counts(shape: tuple, idx: np.ndarray, dim: int) -> np.ndarray:
    """How many source elements land on each position of the result."""
    counts = np.zeros(shape, dtype=np.int64)
    np.add.at(counts, _full_index(idx, dim), 1)
    return counts


def _const(a) -> Tensor:
    return Tensor._make(np.asarray(a))


def _extreme_identity(npdt: np.dtype, take_max: bool):
    if npdt.kind == "f":
        return -np.inf if take_max else np.inf
    if npdt.kind == "b":
        return not take_max
    info = np.iinfo(npdt)
    return info.min if take_max else info.max


class ScatterExtreme(Op):
    """``scatter_reduce`` with amax / amin: tied elements share the gradient evenly (torch's rule)."""

    torch_name = "ScatterReduceBackward0"

    def forward(self, x, src, idx, dim, take_max, include_self):
        out = x._data.copy()
        key, vals = _full_index(idx, dim), _read_src(src._data, idx)
        hit = _hit_counts(out.shape, idx, dim) > 0
        if not include_self:
            out[hit] = _extreme_identity(out.dtype, take_max)
        (np.maximum if take_max else np.minimum).at(out, key, vals)
        self_wins = x._data == out  # counted among the ties even when excluded (torch's formula)
        src_wins = vals == out[key]
        ties = self_wins.astype(np.float64)
        np.add.at(ties, key, src_wins)
        ties = np.maximum(ties, 1)
        share = self_wins / ties if include_self else np.where(hit, 0.0, self_wins / ties)
        self.idx, self.dim, self.src_shape = idx, dim, src._data.shape
        self.self_share, self.src_wins, self.ties = share, src_wins, ties
        return out

    def backward(self, g):
        nx, ns = self.needs_input_grad
        dtype = g._data.dtype
        gx = g * _const(self.self_share.astype(dtype)) if nx else None
        gs = None
        if ns:
            shared = Gather.apply(g / _const(self.ties.astype(dtype)), idx=self.idx, dim=self.dim)
            gs = _pad_to(shared * _const(self.src_wins.astype(dtype)), self.idx, self.src_shape)
        return gx, gs


def _pad_to(t: Tensor, idx: np.ndarray, src_shape: tuple) -> Tensor:
    """``t`` (of the index's shape) placed in zeros of the source's shape."""
    if idx.shape == src_shape:
        return t
    return index_add_into(t, tuple(slice(0, n) for n in idx.shape), src_shape)


def _leading(src: Tensor, idx: np.ndarray) -> Tensor:
    """The block of ``src`` that the index reads, as a differentiable slice."""
    if src._data.shape == idx.shape:
        return src
    return GetItem.apply(src, key=tuple(slice(0, n) for n in idx.shape), basic=True)


class ScatterSum(Op):
    """``scatter_reduce`` with sum or mean: the source elements (its leading ``idx.shape`` block)
    added onto ``x`` (onto zeros where ``include_self`` is off), divided by the count for a mean."""

    torch_name = "ScatterReduceBackward0"

    def forward(self, x, src, idx, dim, mean, include_self):
        self.idx, self.dim, self.src_shape = idx, dim, src._data.shape
        hit = _hit_counts(x._data.shape, idx, dim)
        out = x._data.copy()
        if not include_self:
            out[hit > 0] = 0
        _accumulate(out, _full_index(idx, dim), _read_src(src._data, idx))
        # the gradient's factor on each position of x: 0 where x was left out, 1 / count for a mean
        self.self_scale = None if include_self and not mean else np.where(hit > 0, 0.0, 1.0)
        self.scale = None
        if mean:
            count = np.maximum(hit + int(include_self), 1).astype(out.dtype)
            if out.dtype.kind in "iu":
                return np.floor_divide(out, count)
            self.scale = 1 / count
            self.self_scale = self.scale if include_self else self.self_scale
            out = out / count
        return out

    def backward(self, g):
        nx, ns = self.needs_input_grad
        dtype = g._data.dtype
        gx = g if self.self_scale is None else g * _const(self.self_scale.astype(dtype))
        gs = None
        if ns:
            scaled = g if self.scale is None else g * _const(self.scale.astype(dtype))
            gs = _src_grad(scaled, self.idx, self.dim, self.src_shape)
        return (gx if nx else None), gs


class ScatterProd(Op):
    """``x`` (ones where ``include_self`` is off) with each position multiplied by the source elements
    (its leading ``idx.shape`` block) landing on it."""

    torch_name = "ScatterReduceBackward0"

    def forward(self, x, src, idx, dim, include_self=True):
        self.x, self.src, self.idx, self.dim, self.include_self = x, src, idx, dim, include_self
        self.hit = _hit_counts(x._data.shape, idx, dim) > 0
        out = x._data.copy()
        if not include_self:
            out[self.hit] = 1
        np.multiply.at(out, _full_index(idx, dim), _read_src(src._data, idx))
        return out

    def backward(self, g):
        nx, ns = self.needs_input_grad
        x, idx, d = self.x, self.idx, self.dim
        src = _leading(self.src, idx)
        gx = gs = None
        if nx:  # d out / d x: the product of the source factors on that position (0 where x was left out)
            factors = ScatterProd.apply(_const(np.ones(x.shape, x._data.dtype)), src, idx=idx, dim=d)
            gx = (
                g * factors
                if self.include_self
                else where(_const(self.hit), _const(np.zeros((), g._data.dtype)), g * factors)
            )
        if ns:
            base = x if self.include_self else where(_const(self.hit), _const(np.ones((), x._data.dtype)), x)
            gs = _pad_to(_prod_src_grad(g, base, src, idx, d), idx, self.src_shape)
        return gx, gs

    @property
    def src_shape(self) -> tuple:
        return self.src._data.shape


def _prod_src_grad(g: Tensor, x: Tensor, src: Tensor, idx: np.ndarray, d: int) -> Tensor:
    """d out / d src[j]: the product of every other factor on j's position (torch's formula: a source
    zero alone on its position takes the product of the rest instead of a division by zero)."""
    one = _const(np.ones((), src._data.dtype))
    src_zero = src._data == 0
    zeros_at = np.zeros(x.shape, dtype=np.int64)
    np.add.at(zeros_at, _full_index(idx, d), src_zero)
    single_zero = _const(src_zero & (zeros_at[_full_index(idx, d)] == 1))
    result = ScatterProd.apply(x, src, idx=idx, dim=d)
    without_it = ScatterProd.apply(x, where(single_zero, one, src), idx=idx, dim=d)
    divided = Gather.apply(g * result, idx=idx, dim=d) / where(_const(src_zero), one, src)
    grad = where(single_zero, Gather.apply(g * without_it, idx=idx, dim=d), divided)
    if (zeros_at > 1).any():
        return DelayedError.apply(
            grad,
            message="scatter_reduce(): Double backward is unsupported for src when >1 zeros in src are scattered "
            "to the same position in self",
        )
    return grad


class DelayedError(Op):
    """Identity whose own backward raises: a first derivative torch gives, with no second one."""

    torch_name = "DelayedError"

    def forward(self, x, message):
        self.message = message
        return x._data

    def backward(self, g):
        raise RuntimeError(self.message)


def _reduce_name(reduce) -> str:
    if not isinstance(reduce, str):
        raise TypeError(f"scatter_reduce(): argument 'reduce' (position 4) must be str, not {_type_name(reduce)}")
    name = _REDUCE_ALIASES.get(reduce, reduce)
    if name not in _REDUCTIONS:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    return name


def _scatter_reduce(x: Tensor, d: int, idx: np.ndarray, src: Tensor, name: str, include_self: bool) -> Tensor:
    if x.ndim == 0 or idx.ndim == 0:
        flat = _scatter_reduce(_as_1d(x), d, idx.reshape(1), _as_1d(src), name, include_self)
        return reshape(flat, x.shape)
    if name in ("amax", "amin"):
        return ScatterExtreme.apply(x, src, idx=idx, dim=d, take_max=name == "amax", include_self=include_self)
    if name == "prod":
        return ScatterProd.apply(x, src, idx=idx, dim=d, include_self=include_self)
    return ScatterSum.apply(x, src, idx=idx, dim=d, mean=name == "mean", include_self=include_self)


def scatter_reduce(
    input: Tensor,  # noqa: A002
    dim: int,
    index: Tensor,
    src: Tensor,
    reduce: str,
    *,
    include_self: bool = True,
    out: Tensor | None = None,
) -> Tensor:
    """Copy of ``input`` with ``src`` reduced (sum, prod, mean, amax, amin) into the positions ``index`` names."""
    _tensor_arg("scatter_reduce", input, "input", 1)
    dim = _int_arg("scatter_reduce", dim, "dim", 2)
    _tensor_arg("scatter_reduce", index, "index", 3)
    _tensor_arg("scatter_reduce", src, "src", 4)
    name = _reduce_name(reduce)
    include_self = _bool_arg("scatter_reduce", include_self, "include_self")
    d = wrap_dim(dim, input.ndim)
    if name == "mean" and input._data.dtype == np.bool_:
        raise NotImplementedError("\"scatter_gather_tensor_cpu_reduce_mean\" not implemented for 'Bool'")
    if not index._data.size:
        _scatter_src(input, src, None, index._data)
        return _with_out("scatter_reduce", out, (input, index, src), input.clone)
    idx = _index_array("scatter_reduce", index)
    _scatter_src(input, src, None, idx)
    _check_scatter_shape(input.shape, idx.shape, d, src.shape)
    _check_bounds(idx, _shape1(input.shape)[d], d)
    inputs = (input, index, src)
    return _with_out("scatter_reduce", out, inputs, lambda: _scatter_reduce(input, d, idx, src, name, include_self))


# --- masked_scatter / put ------------------------------------------------------------------
class MaskedScatter(Op):
    """``x`` with the first elements of ``src`` (in order) written where ``mask`` is True."""

    torch_name = "MaskedScatterBackward0"

    def forward(self, x, src, mask):
        self.mask, self.src_shape, self.in_shape = mask, src._data.shape, x._data.shape
        out = np.array(np.broadcast_to(x._data, mask.shape))
        out[mask] = src._data.reshape(-1)[: int(mask.sum())]
        return out

    def backward(self, g):
        nx, ns = self.needs_input_grad
        gx = sum_to_size(g * _const((~self.mask).astype(g._data.dtype)), self.in_shape) if nx else None
        gs = None
        if ns:
            taken = GetItem.apply(g, key=(self.mask,), basic=False)
            size = math.prod(self.src_shape)
            gs = reshape(index_add_into(taken, (slice(0, taken.shape[0]),), (size,)), self.src_shape)
        return gx, gs


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:  # noqa: A002
    """Copy of ``input`` with consecutive elements of ``source`` written where the bool ``mask`` is True."""
    _tensor_arg("masked_scatter", input, "input", 1)
    _tensor_arg("masked_scatter", mask, "mask", 2)
    _tensor_arg("masked_scatter", source, "source", 3)
    if mask._data.dtype != np.bool_:
        got = _TORCH_WORD.get(dt.from_numpy_dtype(mask._data.dtype).name, mask._data.dtype.name)
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with dtype {got}")
    if source.dtype != input.dtype:
        a, b = (
            _TORCH_WORD.get(input.dtype.name, input.dtype.name),
            _TORCH_WORD.get(source.dtype.name, source.dtype.name),
        )
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but got{a} and {b}")
    shape = broadcast_shapes(mask.shape, input.shape)
    full_mask = np.broadcast_to(mask._data, shape)
    if source.numel() < int(full_mask.sum()):
        raise RuntimeError("Number of elements of source < number of ones in mask")
    return MaskedScatter.apply(input, source, mask=full_mask)


class Put(Op):
    """Flattened ``x`` with ``src`` written (or added) at positions ``flat``."""

    torch_name = "PutBackward0"

    def forward(self, x, src, flat, accumulate):
        self.flat, self.accumulate, self.src_shape = flat, accumulate, src._data.shape
        out = x._data.copy()
        view = out.reshape(-1)
        if accumulate:
            np.add.at(view, flat, src._data.reshape(-1))
        else:
            view[flat] = src._data.reshape(-1)
        return out

    def backward(self, g):
        nx, ns = self.needs_input_grad
        gx = gs = None
        if nx:
            if self.accumulate:
                gx = g
            else:
                mask = np.ones(g.shape, dtype=g._data.dtype)
                mask.reshape(-1)[self.flat] = 0
                gx = g * _const(mask)
        if ns:
            gs = reshape(Gather.apply(reshape(g, (-1,)), idx=self.flat, dim=0), self.src_shape)
        return gx, gs


def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:  # noqa: A002
    """Copy of ``input`` with ``source`` written (or added) at flat positions ``index`` (negatives from the end)."""
    _tensor_arg("put", input, "input", 1)
    _tensor_arg("put", index, "index", 2)
    _tensor_arg("put", source, "source", 3)
    accumulate = _bool_arg("put", accumulate, "accumulate", 4)
    idx = index._data
    if idx.dtype != np.int64:
        got = _TORCH_WORD.get(dt.from_numpy_dtype(idx.dtype).name, idx.dtype.name)
        raise RuntimeError(f"put_(): Expected a long tensor for index, but got {got}")
    if source.dtype != input.dtype:
        a, b = (
            _TORCH_WORD.get(input.dtype.name, input.dtype.name),
            _TORCH_WORD.get(source.dtype.name, source.dtype.name),
        )
        raise RuntimeError(
            f"put_(): self and source expected to have the same dtype, but got self.dtype = {a} and source.dtype = {b}"
        )
    if source.numel() != idx.size:
        raise IndexError(
            "put_(): Expected source and index to have the same number of elements, but got source.numel() = "
            f"{source.numel()}, index.numel() = {idx.size}"
        )
    n = input.numel()
    bad = _first_out_of_range(idx.reshape(-1), -n, n)
    if bad is not None:
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} elements.")
    flat = np.where(idx < 0, idx + n, idx).reshape(-1)
    return Put.apply(input, source, flat=flat, accumulate=accumulate)


# --- index_put ---------------------------------------------------------------------------
class IndexPut(Op):
    """``out = x`` with ``values`` written (or added) at the advanced index ``key``."""

    torch_name = "IndexPutBackward0"

    def forward(self, x, values, key, accumulate):
        self.key, self.accumulate, self.v_shape = key, accumulate, values._data.shape
        out = x._data.copy()
        vals = np.broadcast_to(values._data, out[key].shape)
        if accumulate:
            _accumulate(out, key, vals)
        else:
            out[key] = vals
        return out

    def backward(self, g):
        nx, nv = self.needs_input_grad
        gx = gv = None
        if nx:
            if self.accumulate:
                gx = g
            else:
                mask = np.ones(g.shape, dtype=g._data.dtype)
                mask[self.key] = 0
                gx = g * Tensor._make(mask)
        if nv:
            gv = sum_to_size(GetItem.apply(g, key=self.key, basic=False), self.v_shape)
        return gx, gv


def _put_key(op: str, x: Tensor, indices) -> tuple:
    """The numpy key of index_put's tuple of index tensors, checked as torch."""
    if isinstance(indices, Tensor) or not isinstance(indices, (tuple, list)):
        raise TypeError(
            f"{op}(): argument 'indices' (position 1) must be tuple of Tensors, not {type(indices).__name__}"
        )
    key = []
    for i, t in enumerate(indices):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 1, but got {_type_name(t)}")
        if t._data.dtype.kind not in "iub":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        key.append(t._data.astype(bool) if t._data.dtype == np.uint8 else t._data)
    consumed = sum(k.ndim if k.dtype == np.bool_ else 1 for k in key)
    if consumed > x.ndim:
        raise IndexError(f"too many indices for tensor of dimension {x.ndim} (got {consumed})")
    return tuple(key)


def _put_shape(x: Tensor, key: tuple) -> tuple:
    """Shape of ``x[key]`` for index_put's leading index tensors, computed before any bounds check."""
    shapes = [(int(k.sum()),) if k.dtype == np.bool_ else k.shape for k in key]
    try:
        lead = np.broadcast_shapes(*shapes)
    except ValueError:
        listed = ", ".join(str(list(sh)) for sh in shapes)
        raise IndexError(
            f"shape mismatch: indexing tensors could not be broadcast together with shapes {listed}"
        ) from None
    consumed = sum(k.ndim if k.dtype == np.bool_ else 1 for k in key)
    return tuple(lead) + tuple(x.shape[consumed:])


def check_put_dtype(x: Tensor, values: Tensor) -> None:
    """Index put writes only a source of the destination's dtype (torch's rule)."""
    if values.dtype != x.dtype:
        raise RuntimeError(
            "Index put requires the source and destination dtypes match, got "
            f"{_TORCH_WORD.get(x.dtype.name, x.dtype.name)} for the destination and "
            f"{_TORCH_WORD.get(values.dtype.name, values.dtype.name)} for the source."
        )


def _is_mask_fill(indices, values: Tensor) -> bool:
    """One bool mask and a 0-d value: torch fills (casting the value) instead of index-putting."""
    return len(indices) == 1 and indices[0]._data.dtype == np.bool_ and values.ndim == 0


def index_put(input: Tensor, indices, values: Tensor, accumulate: bool = False) -> Tensor:  # noqa: A002
    """Copy of ``input`` with ``values`` written (or, with ``accumulate``, added) at the index tensors."""
    _tensor_arg("index_put", input, "input", 1)
    key = _put_key("index_put", input, indices)
    _tensor_arg("index_put", values, "values", 3)
    accumulate = _bool_arg("index_put", accumulate, "accumulate", 4)
    if _is_mask_fill(indices, values):
        values = values.to(input.dtype)
    check_put_dtype(input, values)
    target = _put_shape(input, key)
    if not _broadcasts_to(values.shape, target):
        raise RuntimeError(
            f"shape mismatch: value tensor of shape {list(values.shape)} cannot be broadcast to indexing result of "
            f"shape {list(target)}"
        )
    _check_key_bounds(input.shape, key)
    key = tuple(a for k in key for a in (np.nonzero(k) if k.dtype == np.bool_ else (k,)))
    return IndexPut.apply(input, values, key=key, accumulate=accumulate)


def _broadcasts_to(shape: tuple, target: tuple) -> bool:
    """Whether ``shape`` expands to ``target`` (never to more dimensions)."""
    if len(shape) > len(target):
        return False
    return all(s in (1, t) for s, t in zip(reversed(shape), reversed(target)))


# --- masked_fill -------------------------------------------------------------------------
def _fill_value(x: Tensor, value) -> Tensor:
    """``value`` as a 0-d tensor of x's dtype, with torch's overflow check for numbers."""
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(
                f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with {value.ndim} dimension(s)."
            )
        return value.to(x.dtype)
    npdt = x._data.dtype
    if _overflows(value, npdt):
        name = {"float32": "float", "float64": "double"}.get(
            npdt.name, f"{npdt.name}_t" if npdt.kind in "iu" else npdt.name
        )
        raise RuntimeError(f"value cannot be converted to type {name} without overflow")
    return Tensor._make(np.asarray(value).astype(npdt))


def _overflows(value, npdt: np.dtype) -> bool:
    """torch's ``overflows<T>(value)`` for a Python number written into dtype ``npdt``."""
    if isinstance(value, complex):
        return value.imag != 0 or _overflows(value.real, npdt)
    if npdt.kind == "b" or isinstance(value, bool):
        return False
    if npdt.kind == "f":
        return math.isfinite(value) and abs(value) > np.finfo(npdt).max
    if isinstance(value, float) and not math.isfinite(value):
        return True
    info = np.iinfo(npdt)
    low = -int(info.max) if npdt.kind == "u" else int(info.min)
    return not low <= int(value) <= int(info.max)


def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:  # noqa: A002
    """``value`` where the bool ``mask`` (broadcast) is True, ``input`` elsewhere."""
    if (
        not isinstance(input, Tensor)
        or not isinstance(mask, Tensor)
        or not isinstance(value, (Tensor, int, float, complex, np.number))
    ):
        raise _bad_combination("masked_fill", input, mask, value)
    if not isinstance(mask, Tensor) or mask._data.dtype != np.bool_:
        got = _CPP_NAMES.get(mask._data.dtype.name, mask._data.dtype.name) if isinstance(mask, Tensor) else "none"
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {got}")
    shape = broadcast_shapes(mask.shape, input.shape)
    return _masked_fill(input, np.broadcast_to(mask._data, shape), _fill_value(input, value), value, MaskedFill)


def _masked_fill(x: Tensor, mask: np.ndarray, fill: Tensor, value, node) -> Tensor:
    """``node`` (a masked or index fill) of ``x`` with the 0-d ``fill``; a tensor ``value`` is an input."""
    if isinstance(value, Tensor):
        return node.tensor_value.apply(x, fill, mask=mask)
    return node.apply(x, mask=mask, value=fill._data)


def _zero_like(g: Tensor) -> Tensor:
    return Tensor._make(np.zeros((), g._data.dtype))


class MaskedFill(Op):
    """``value`` (a number) where ``mask`` (already broadcast) is True, ``x`` elsewhere."""

    torch_name = "MaskedFillBackward0"

    def forward(self, x, mask, value):
        self.mask, self.in_shape = mask, x._data.shape
        return np.where(mask, value, x._data)

    def backward(self, g):
        return sum_to_size(where(Tensor._make(self.mask), _zero_like(g), g), self.in_shape)


class MaskedFillTensor(Op):
    """``value`` (a 0-d tensor, differentiable) where ``mask`` is True, ``x`` elsewhere."""

    torch_name = "MaskedFillBackward1"

    def forward(self, x, value, mask):
        self.mask, self.in_shape = mask, x._data.shape
        return np.where(mask, value._data, x._data)

    def backward(self, g):
        nx, nv = self.needs_input_grad
        m, zero = Tensor._make(self.mask), _zero_like(g)
        gx = sum_to_size(where(m, zero, g), self.in_shape) if nx else None
        return gx, (where(m, g, zero).sum() if nv else None)


class IndexFill(MaskedFill):
    torch_name = "IndexFillBackward0"


class IndexFillTensor(MaskedFillTensor):
    torch_name = "IndexFillBackward1"


MaskedFill.tensor_value, IndexFill.tensor_value = MaskedFillTensor, IndexFillTensor


def masked_select(input: Tensor, mask: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The elements of ``input`` where the bool ``mask`` is True (both broadcast), as a 1-D tensor."""
    _tensor_arg("masked_select", input, "input", 1)
    _tensor_arg("masked_select", mask, "mask", 2)
    if mask._data.dtype != np.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    shape = broadcast_shapes(mask.shape, input.shape)
    key = (np.broadcast_to(mask._data, shape),)
    return _with_out("masked_select", out, (input, mask), lambda: MaskedSelect.apply(input, key=key, shape=shape))


class MaskedSelect(Op):
    """The elements of ``x`` (broadcast to ``shape``) where the mask ``key[0]`` is True, as a 1-D tensor."""

    torch_name = "MaskedSelectBackward0"

    def forward(self, x, key, shape):
        self.key, self.shape, self.in_shape = key, shape, x._data.shape
        return np.broadcast_to(x._data, shape)[key]

    def backward(self, g):
        return sum_to_size(index_add_into(g, self.key, self.shape), self.in_shape)


def take(input: Tensor, index: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Elements of the flattened ``input`` at ``index`` (negative positions count from the end)."""
    _tensor_arg("take", input, "input", 1)
    _tensor_arg("take", index, "index", 2)
    idx = index._data
    if idx.dtype != np.int64:
        got = dt.from_numpy_dtype(idx.dtype).name
        raise RuntimeError(f"take(): Expected a long tensor for index, but got {_TORCH_WORD.get(got, got)}")
    n = input.numel()
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = idx.reshape(-1)[np.flatnonzero((idx.reshape(-1) < -n) | (idx.reshape(-1) >= n))[0]]
        raise IndexError(f"out of range: tried to access index {int(bad)} on a tensor of {n} elements.")
    flat = np.where(idx < 0, idx + n, idx)
    return _with_out("take", out, (input, index), lambda: Take.apply(input, idx=flat))


class Take(Op):
    """Elements of the flattened ``x`` at the (non-negative) positions ``idx``, shaped as ``idx``."""

    torch_name = "TakeBackward0"

    def forward(self, x, idx):
        self.idx, self.in_shape = idx, x._data.shape
        return np.take(x._data, idx)

    def backward(self, g):
        n = int(np.prod(self.in_shape))
        flat = index_add_into(reshape(g, (-1,)), (self.idx.reshape(-1),), (n,))
        return reshape(flat, self.in_shape)


# --- index_add / index_copy / index_fill ---------------------------------------------------
def _along(d: int, idx: np.ndarray) -> tuple:
    """The numpy key selecting positions ``idx`` along dimension ``d``."""
    return (slice(None),) * d + (idx,)


class IndexAdd(Op):
    """``out = x`` with ``alpha * src[..., i, ...]`` added at ``x[..., idx[i], ...]`` (repeats accumulate)."""

    torch_name = "IndexAddBackward0"

    def forward(self, x, src, idx, dim, alpha):
        self.key, self.alpha = _along(dim, idx), alpha
        out = x._data.copy()
        if alpha == 1:
            np.add.at(out, self.key, src._data)
        else:  # alpha cast to x's dtype first, as torch (integers wrap)
            np.add.at(out, self.key, src._data * np.asarray(alpha).astype(out.dtype))
        return out

    def backward(self, g):
        nx, ns = self.needs_input_grad
        gs = None
        if ns:
            gs = GetItem.apply(g, key=self.key, basic=False)
            gs = gs * self.alpha if self.alpha != 1 else gs
        return (g if nx else None), gs


class IndexCopy(Op):
    """``out = x`` with ``src[..., i, ...]`` written at ``x[..., idx[i], ...]``."""

    torch_name = "IndexCopyBackward0"

    def forward(self, x, src, idx, dim):
        self.key = _along(dim, idx)
        out = x._data.copy()
        out[self.key] = src._data
        return out

    def backward(self, g):
        nx, ns = self.needs_input_grad
        gx = gs = None
        if nx:
            mask = np.ones(g.shape, dtype=g._data.dtype)
            mask[self.key] = 0
            gx = g * Tensor._make(mask)
        if ns:
            gs = GetItem.apply(g, key=self.key, basic=False)
        return gx, gs


def _vector_index(op: str, index, long_only: bool) -> np.ndarray:
    _tensor_arg(op, index, "index", 3)
    idx = index._data
    got = _TORCH_WORD.get(dt.from_numpy_dtype(idx.dtype).name, idx.dtype.name)
    if long_only and idx.dtype != np.int64:
        raise RuntimeError(f"{op}_(): Expected a long tensor for index, but got {got}")
    if idx.dtype not in (np.int32, np.int64):
        raise RuntimeError(f"{op}_(): Expected dtype int32/int64 for index but got: {got}")
    if idx.ndim > 1:
        raise IndexError(
            f"{op}_(): Index is supposed to be a vector, but got dim: {idx.ndim} with type: {got} and size: "
            f"{list(idx.shape)}"
        )
    return idx.reshape(-1)


def _source_dtype(op: str, x: Tensor, source: Tensor) -> None:
    if source.dtype == x.dtype:
        return
    a, b = _TORCH_WORD.get(x.dtype.name, x.dtype.name), _TORCH_WORD.get(source.dtype.name, source.dtype.name)
    if op == "index_copy":
        raise RuntimeError(
            f"index_copy_(): self and source expected to have the same dtype, but got (self) {a} and (source) {b}"
        )
    raise RuntimeError(f"{op}_(): self ({a}) and source ({b}) must have the same scalar type")


def _check_add_source(x: Tensor, d: int, idx: np.ndarray, source: Tensor, op: str = "index_add") -> None:
    """index_add's (and index_reduce's) rules: source is x's shape with ``dim`` of len(index), of x's dtype."""
    if x.ndim == 0:
        if idx.size != 1:
            raise IndexError("Dimension specified as 0 but tensor has no dimensions")
        if idx[0] != 0:
            raise IndexError("index out of range in self")
    if source.ndim and d >= source.ndim:
        raise RuntimeError(f"{op}_(): Indexing dim {d} is out of bounds of the source tensor with dim {source.ndim}")
    n = source.shape[d] if source.ndim else 1
    if n != idx.size:
        raise RuntimeError(
            f"{op}_(): Number of indices ({idx.size}) should be equal to source.size(dim): ({n}), for dim: {d}"
        )
    others_differ = any(i != d and a != b for i, (a, b) in enumerate(zip(x.shape, source.shape)))
    if source.ndim != x.ndim or others_differ:
        raise RuntimeError(
            "source tensor shape must match self tensor shape, excluding the specified dimension. Got self.shape = "
            f"{list(x.shape)} source.shape = {list(source.shape)}"
        )
    _source_dtype(op, x, source)


def _check_copy_source(x: Tensor, d: int, idx: np.ndarray, source: Tensor) -> None:
    """index_copy's rules (its own messages and classes)."""
    if x.ndim and source.ndim and x.ndim != source.ndim:
        raise IndexError(
            "index_copy_(): When source and destination are not scalars, their dimensionality must match. Source "
            f"dimensionality ({source.ndim}), destination dimensionality ({x.ndim})"
        )
    n = source.shape[d] if source.ndim else 1
    if x.ndim == 0 and source.ndim > 1:
        raise RuntimeError(
            "index_copy_(): Source/destination tensor must have same slice shapes. Destination slice shape:  at "
            f"dimension 0 and source slice shape: {source.numel()} at dimension 0."
        )
    for i, (a, b) in enumerate(zip(x.shape, source.shape)):
        if i != d and a != b:
            raise RuntimeError(
                "index_copy_(): Source/destination tensor must have same slice shapes. Destination slice shape: "
                f"{a} at dimension {i} and source slice shape: {b} at dimension {i}."
            )
    if n != idx.size:
        raise IndexError(f"index_copy_(): Number of indices ({idx.size}) should be equal to source.size(dim) ({n})")
    _source_dtype("index_copy", x, source)


def _first_out_of_range(flat: np.ndarray, low: int, size: int):
    """The first index outside ``[low, size)``, or None."""
    if not flat.size or (flat.min() >= low and flat.max() < size):
        return None
    return int(flat[np.flatnonzero((flat < low) | (flat >= size))[0]])


def _as_1d(t: Tensor) -> Tensor:
    return reshape(t, (1,)) if t.ndim == 0 else t


def _slices_like(x: Tensor, d: int, n: int, source: Tensor) -> Tensor:
    """``source`` shaped as ``x`` (0-d read as 1-d) with ``n`` entries along ``d``."""
    return _reshaped(source, _shape1(x.shape)[:d] + (n,) + _shape1(x.shape)[d + 1 :])


def _reshaped(t: Tensor, shape: tuple) -> Tensor:
    """``t`` with ``shape``; ``t`` itself when it has it already (torch records no view then)."""
    return t if t.shape == tuple(shape) else reshape(t, shape)


def index_add(
    input: Tensor,  # noqa: A002
    dim: int,
    index: Tensor,
    source: Tensor,
    *,
    alpha=1,
    out: Tensor | None = None,
) -> Tensor:
    """Copy of ``input`` with ``alpha * source`` slices added at ``index`` along ``dim`` (repeats accumulate)."""
    _tensor_arg("index_add", input, "input", 1)
    d = wrap_dim(_int_arg("index_add", dim, "dim", 2), input.ndim)
    flat = _vector_index("index_add", index, long_only=False)
    _tensor_arg("index_add", source, "source", 4)
    if not isinstance(alpha, (int, float, np.number)):
        raise TypeError(f"index_add(): argument 'alpha' must be Number, not {_type_name(alpha)}")
    _check_add_source(input, d, flat, source)
    size = _shape1(input.shape)[d]
    bad = _first_out_of_range(flat, 0, size) if size else None
    if bad is not None:
        raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size {size}")
    if not size:
        return _with_out("index_add", out, (input, index, source), input.clone)

    def compute():
        added = IndexAdd.apply(_as_1d(input), _slices_like(input, d, flat.size, source), idx=flat, dim=d, alpha=alpha)
        return _reshaped(added, input.shape)

    return _with_out("index_add", out, (input, index, source), compute)


def index_reduce(
    input: Tensor,  # noqa: A002
    dim: int,
    index: Tensor,
    source: Tensor,
    reduce: str,
    *,
    include_self: bool = True,
    out: Tensor | None = None,
) -> Tensor:
    """Copy of ``input`` with the slices of ``source`` reduced (prod, mean, amax, amin) into ``index`` along ``dim``."""
    _tensor_arg("index_reduce", input, "input", 1)
    d = wrap_dim(_int_arg("index_reduce", dim, "dim", 2), input.ndim)
    flat = _vector_index("index_reduce", index, long_only=False)
    _tensor_arg("index_reduce", source, "source", 4)
    if not isinstance(reduce, str):
        raise TypeError(f"index_reduce(): argument 'reduce' (position 5) must be str, not {_type_name(reduce)}")
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got {reduce}.")
    include_self = _bool_arg("index_reduce", include_self, "include_self")
    _check_add_source(input, d, flat, source, "index_reduce")
    if _first_out_of_range(flat, 0, _shape1(input.shape)[d]) is not None:
        raise IndexError("index out of range in self")
    if reduce == "mean" and input._data.dtype == np.bool_:
        raise NotImplementedError("\"index_reduce_func_cpu_mean\" not implemented for 'Bool'")
    warnings.warn("index_reduce() is in beta and the API may change at any time.", UserWarning, stacklevel=2)
    src = _as_1d(source)
    along = np.broadcast_to(flat.reshape([-1 if i == d else 1 for i in range(src.ndim)]), src.shape)

    def compute():
        return reshape(_scatter_reduce(_as_1d(input), d, along, src, reduce, include_self), input.shape)

    return _with_out("index_reduce", out, (input, index, source), compute)


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Copy of ``input`` with the slices of ``source`` written at ``index`` along ``dim``."""
    _tensor_arg("index_copy", input, "input", 1)
    d = wrap_dim(_int_arg("index_copy", dim, "dim", 2), input.ndim)
    flat = _vector_index("index_copy", index, long_only=True)
    _tensor_arg("index_copy", source, "source", 4)
    _check_copy_source(input, d, flat, source)
    size = _shape1(input.shape)[d]
    if flat.size and not size:
        raise RuntimeError(f"index_copy_(): cannot copy into dimension {d} of size 0")
    bad = _first_out_of_range(flat, 0, size)
    if bad is not None:
        raise IndexError(f"index_copy_(): index {bad} is out of bounds for dimension {d} with size {size}")

    def compute():
        copied = IndexCopy.apply(_as_1d(input), _slices_like(input, d, flat.size, source), idx=flat, dim=d)
        return _reshaped(copied, input.shape)

    return _with_out("index_copy", out, (input, index, source), compute)


def index_fill(input: Tensor, dim: int, index: Tensor, value) -> Tensor:  # noqa: A002
    """Copy of ``input`` with ``value`` (a number or 0-d tensor) at ``index`` along ``dim``."""
    _tensor_arg("index_fill", input, "input", 1)
    d = wrap_dim(_int_arg("index_fill", dim, "dim", 2), input.ndim)
    _tensor_arg("index_fill", index, "index", 3)
    idx = index._data
    if idx.dtype != np.int64:
        raise IndexError("index_fill_(): Expected dtype int64 for index.")
    if idx.ndim > 1:
        raise RuntimeError("Index has to be a vector/scalar")
    if isinstance(value, Tensor) and value.ndim:
        raise RuntimeError(
            f"index_fill_ only supports a 0-dimensional value tensor, but got tensor with {value.ndim} dimension(s)."
        )
    if not isinstance(value, (Tensor, int, float, np.number)):
        raise _bad_combination("index_fill", input, dim, index, value)
    size = _shape1(input.shape)[d]
    flat = idx.reshape(-1)
    if flat.size and not size:
        raise RuntimeError(f"index_fill_(): cannot fill dimension {d} of size 0")
    bad = _first_out_of_range(flat, -size, size)
    if bad is not None:
        raise IndexError(f"index {bad} is out of bounds for dimension {d} with size {size}")
    mask = np.zeros(_shape1(input.shape), dtype=bool)
    mask[_along(d, np.where(flat < 0, flat + size, flat))] = True
    fill = (
        value.to(input.dtype)
        if isinstance(value, Tensor)
        else Tensor._make(np.asarray(value).astype(input._data.dtype))
    )
    return _masked_fill(input, mask.reshape(input.shape), fill, value, IndexFill)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot encoding of class indices (a new last dimension of ``num_classes``)."""
    _tensor_arg("one_hot", tensor, "input", 1)
    num_classes = _int_arg("one_hot", num_classes, "num_classes", 2)
    a = tensor._data
    if a.dtype.kind not in "iu":
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if a.size and a.min() < 0:
        raise RuntimeError("one_hot: Class values must be non-negative.")
    n = int(a.max()) + 1 if num_classes == -1 and a.size else num_classes
    if num_classes == -1 and not a.size:
        raise RuntimeError("one_hot: Can not infer total number of classes from empty tensor.")
    if a.size and a.max() >= n:
        raise RuntimeError("one_hot: Class values must be smaller than num_classes.")
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: {[*a.shape, n]}")
    nbytes = a.size * n * 8
    if nbytes > _MAX_ALLOC:
        raise RuntimeError(f"DefaultCPUAllocator: can't allocate memory: you tried to allocate {nbytes} bytes.")
    out = np.zeros(a.shape + (n,), dtype=np.int64)
    np.put_along_axis(out, a[..., None].astype(np.intp), 1, axis=-1)
    return Tensor._make(out)


_MAX_ALLOC = 1 << 40  # beyond this, torch's allocator fails (and numpy's would raise MemoryError)


def unique(x: Tensor, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False, dim=None):  # noqa: A002
    """Sorted unique values (optionally with inverse indices and counts)."""
    _tensor_arg("_unique2", x, "input", 1)
    for name, flag in (("sorted", sorted), ("return_inverse", return_inverse), ("return_counts", return_counts)):
        _bool_arg("_unique2", flag, name)
    if dim is not None:
        dim = wrap_dim(_int_arg("unique_dim", dim, "dim", 2), x.ndim)
    if dim is not None:
        vals, inv, counts = np.unique(x._data, return_inverse=True, return_counts=True, axis=dim)
    else:
        vals, inv, counts = np.unique(x._data, return_inverse=True, return_counts=True)
        inv = inv.reshape(x.shape)
    out = [Tensor._make(vals)]
    if return_inverse:
        out.append(Tensor._make(inv.astype(np.int64)))
    if return_counts:
        out.append(Tensor._make(counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def diag(x: Tensor, diagonal: int = 0) -> Tensor:
    """A diagonal matrix from a vector, or the diagonal of a matrix (differentiable)."""
    _tensor_arg("diag", x, "input", 1)
    diagonal = _int_arg("diag", diagonal, "diagonal", 2)
    if x.ndim == 1:
        return DiagEmbed.apply(x, offset=diagonal)
    if x.ndim == 2:
        return DiagonalCopy.apply(x, offset=diagonal)
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {x.ndim}D")


def _diagonal_key(n: int, offset: int) -> tuple:
    """Rows and columns of the ``n`` elements of diagonal ``offset``."""
    i = np.arange(n)
    return i + max(-offset, 0), i + max(offset, 0)


class DiagonalCopy(Op):
    """``diag(matrix, offset)``: a copy of the diagonal."""

    torch_name = "DiagonalBackward0_copy"

    def forward(self, x, offset):
        self.offset, self.in_shape = offset, x._data.shape
        return np.diagonal(x._data, offset).copy()

    def backward(self, g):
        return DiagonalScatter.apply(g, offset=self.offset, shape=self.in_shape)


class DiagonalScatter(Op):
    """Zeros of ``shape`` with ``g`` on diagonal ``offset`` (the adjoint of ``DiagonalCopy``)."""

    torch_name = "DiagonalBackwardBackward0"

    def forward(self, g, offset, shape):
        self.offset = offset
        out = np.zeros(shape, g._data.dtype)
        out[_diagonal_key(g._data.shape[0], offset)] = g._data
        return out

    def backward(self, gg):
        return DiagonalCopy.apply(gg, offset=self.offset)


class DiagEmbed(Op):
    """``diag(vector, offset)``: a square matrix with the vector on diagonal ``offset``."""

    torch_name = "DiagEmbedBackward0"

    def forward(self, v, offset):
        self.offset = offset
        n = v._data.shape[0] + abs(offset)
        return DiagonalScatter.forward(self, v, offset, (n, n))

    def backward(self, g):
        return DiagonalCopy.apply(g, offset=self.offset)


def roll(x: Tensor, shifts, dims=None) -> Tensor:
    """Rotate elements along ``dims`` by ``shifts`` (flattened when dims is None)."""
    _tensor_arg("roll", x, "input", 1)
    shifts = _ints_arg("roll", shifts, "shifts", 2)
    dims = () if dims is None else _ints_arg("roll", dims, "dims", 3)
    if not shifts:
        raise RuntimeError("`shifts` required")
    if (dims or len(shifts) != 1) and len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    if not x.numel():  # torch checks nothing more on an empty tensor
        return Roll.apply(x, shifts=0, dims=None)
    if dims and x.ndim == 0:
        raise IndexError(f"Dimension specified as {dims[0]} but tensor has no dimensions")
    dims = tuple(wrap_dim(d, x.ndim) for d in dims) or None
    return Roll.apply(x, shifts=shifts if dims else shifts[0], dims=dims)


class Roll(Op):
    """Elements rotated by ``shifts`` along ``dims`` (over the flattened tensor when None)."""

    torch_name = "RollBackward0"

    def forward(self, x, shifts, dims):
        self.shifts, self.dims = shifts, dims
        return np.roll(x._data, shifts, dims)

    def backward(self, g):
        back = tuple(-s for s in self.shifts) if self.dims else -self.shifts
        return Roll.apply(g, shifts=back, dims=self.dims)


def tile(x: Tensor, dims) -> Tensor:
    """Repeat ``x`` along each dimension (``dims`` padded with ones on the left)."""
    _tensor_arg("tile", x, "input", 1)
    if not isinstance(dims, (tuple, list)):
        raise TypeError(f"tile(): argument 'dims' (position 2) must be tuple of ints, not {_type_name(dims)}")
    dims = _ints_arg("tile", dims, "dims", 2)
    if len(dims) < x.ndim:
        dims = (1,) * (x.ndim - len(dims)) + dims
    return repeat(x, *dims)


def meshgrid(*tensors, indexing: str | None = None) -> tuple:
    """Coordinate grids from 0-d / 1-D tensors (``'ij'`` or ``'xy'`` indexing)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    _check_meshgrid(tensors, indexing)
    if indexing is None:
        warnings.warn(
            "torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument.",
            UserWarning,
            stacklevel=2,
        )
        indexing = "ij"
    seq = list(tensors)
    if indexing == "xy" and len(seq) >= 2:
        seq[0], seq[1] = seq[1], seq[0]
    shape = tuple(t.numel() for t in seq)
    grids = []
    for i, t in enumerate(seq):
        view = [1] * len(seq)
        view[i] = -1
        grids.append(expand(reshape(t, tuple(view)), shape))
    if indexing == "xy" and len(grids) >= 2:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def _check_meshgrid(tensors: tuple, indexing) -> None:
    """torch's checks of meshgrid's arguments, in its order."""
    if indexing is not None and not isinstance(indexing, str):
        raise TypeError(f"meshgrid(): argument 'indexing' must be str, not {_type_name(indexing)}")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {_type_name(t)}")
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    if any(t.ndim > 1 for t in tensors):
        bad = next(t for t in tensors if t.ndim > 1)
        raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {list(bad.shape)}")
    if len({t.dtype for t in tensors}) > 1:
        raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    if indexing is not None and indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')


def argwhere(x: Tensor) -> Tensor:
    """Indices of non-zero elements as an (n, ndim) int64 tensor."""
    _tensor_arg("argwhere", x, "input", 1)
    return Tensor._make(np.argwhere(x._data).astype(np.int64))
