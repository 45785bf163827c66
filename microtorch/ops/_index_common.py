"""Shared pieces of the index-based ops: argument checks and ``out=`` handling with torch's rules."""

from __future__ import annotations

import math
import warnings

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import _state
from .shape import reshape

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


def _as_1d(t: Tensor) -> Tensor:
    return reshape(t, (1,)) if t.ndim == 0 else t


def _first_out_of_range(flat: np.ndarray, low: int, size: int):
    """The first index outside ``[low, size)``, or None."""
    if not flat.size or (flat.min() >= low and flat.max() < size):
        return None
    return int(flat[np.flatnonzero((flat < low) | (flat >= size))[0]])


def _const(a) -> Tensor:
    return Tensor._make(np.asarray(a))
