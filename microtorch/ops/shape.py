"""Shape and indexing ops: views (reshape, transpose, permute, expand, slicing) share
storage and the version counter with their base, as in PyTorch."""

from __future__ import annotations

import math

import numpy as np

from .. import _dtype as dt
from .._backend import xp
from .._tensor import Tensor, _check_shape_args
from ..autograd import engine as _engine
from ..autograd.function import Op
from ..autograd.grad_mode import _state
from ._util import broadcast_shapes, wrap_dim

__all__ = [
    "reshape",
    "view",
    "sum_to_size",
    "expand",
    "transpose",
    "swapaxes",
    "permute",
    "squeeze",
    "unsqueeze",
    "flatten",
    "unflatten",
    "cat",
    "stack",
    "split",
    "chunk",
    "unbind",
    "narrow",
    "getitem",
    "contiguous",
    "clone",
    "movedim",
    "t",
    "broadcast_to",
    "flip",
    "repeat",
    "index_add_into",
    "unfold",
    "pixel_shuffle",
    "pixel_unshuffle",
]


def _check_tensor(op: str, x) -> None:
    """TypeError, as torch's argument parser gives, for an input that is not a Tensor."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not {type(x).__name__}")


def _int_dim(dim, ndim: int, op: str, arg: str = "dim") -> int:
    """One dimension index wrapped into range; TypeError unless an int, as PyTorch."""
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{op}(): argument '{arg}' must be int, not {type(dim).__name__}")
    return wrap_dim(int(dim), ndim, op)


def _infer_shape(op: str, shape: tuple, numel: int) -> tuple:
    """Resolve one ``-1`` in ``shape`` and check the element count, as PyTorch does."""
    shape = tuple(int(s) for s in shape)
    if shape.count(-1) > 1:
        raise RuntimeError(f"{op}: only one dimension can be inferred")
    if any(s < -1 for s in shape):
        raise RuntimeError(f"{op}: invalid shape dimension {min(shape)}")
    if -1 in shape:
        known = 1
        for s in shape:
            if s != -1:
                known *= s
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        return tuple(numel // known if s == -1 else s for s in shape)
    n = 1
    for s in shape:
        n *= s
    if n != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


class Reshape(Op):
    """Reshape (a view when the layout allows it, else a copy)."""

    torch_name = "ViewBackward0"

    is_view = True

    def forward(self, x, shape):
        self.in_shape = x._data.shape
        return x._data.reshape(shape)

    def backward(self, g):
        if not _state.enabled and _engine._instrument is None:
            return Tensor._make(g._data.reshape(self.in_shape))  # nothing recorded: the array reshape
        return reshape(g, self.in_shape)


class View(Reshape):
    """``Tensor.view``: a reshape that must not copy."""

    torch_name = "ViewBackward0"

    def forward(self, x, shape):
        self.in_shape = x._data.shape
        try:
            return xp.reshape(x._data, shape, copy=False)
        except ValueError:
            raise RuntimeError(
                "view size is not compatible with input tensor's size and stride (at least one dimension "
                "spans across two contiguous subspaces). Use .reshape(...) instead."
            ) from None


class UnsafeView(Reshape):
    """The reshape of a fresh copy (torch's ``_unsafe_view`` after ``clone`` when no view is possible)."""

    torch_name = "UnsafeViewBackward0"
    is_view = False


def _viewable(a: np.ndarray, shape: tuple) -> bool:
    """Whether ``a`` can take ``shape`` without a copy."""
    if a.flags.c_contiguous:
        return True
    try:
        xp.reshape(a, shape, copy=False)
    except ValueError:
        return False
    return True


def _reshaped(x: Tensor, shape: tuple) -> Tensor:
    """``x`` with ``shape`` (already checked): a view when possible, else a copy, as torch records them."""
    if _viewable(x._data, shape):
        return Reshape.apply(x, shape=shape)
    return UnsafeView.apply(Clone.apply(x, fmt=dt.contiguous_format), shape=shape)


def _sizes_or_keyword(op: str, name: str, sizes: tuple, keyword) -> tuple:
    """``f(x, 2, 3)`` / ``f(x, (2, 3))`` sizes, or the sequence given as ``name=`` (as torch's ``shape=``)."""
    if keyword is None:
        return sizes
    if sizes:
        raise TypeError(f"{op}() got multiple values for argument '{name}'")
    if not isinstance(keyword, (tuple, list)):
        raise TypeError(f"{op}(): argument '{name}' must be tuple of ints, not {type(keyword).__name__}")
    return (keyword,)


def reshape(input: Tensor, *sizes, shape=None) -> Tensor:
    """Return ``input`` with a new shape (a view when possible), one dim may be -1."""
    _check_tensor("reshape", input)
    sizes = _check_shape_args("reshape", _sizes_or_keyword("reshape", "shape", sizes, shape))
    shape = _infer_shape("reshape", sizes, input._data.size)
    if shape == input._data.shape:
        return Reshape.apply(input, shape=shape) if input._requires_grad else input._alias()
    return _reshaped(input, shape)


def view(x: Tensor, *shape) -> Tensor:
    """Return a view of ``x`` with a new shape (errors when a copy would be needed)."""
    if len(shape) == 1 and not isinstance(shape[0], (int, np.integer, tuple, list)):
        from .. import _dtype as dt

        target = dt.to_dtype(shape[0])
        if target.itemsize != x._data.itemsize:
            raise RuntimeError("view(dtype): only dtypes of the same size are supported")
        return Tensor._make(x._data.view(target.np))
    shape = _infer_shape("view", _check_shape_args("view", shape), x._data.size)
    return View.apply(x, shape=shape)


class SumToSize(Op):
    """Sum a broadcast gradient back to ``shape`` (the adjoint of ``expand``)."""

    def forward(self, x, shape):
        self.in_shape = x._data.shape
        return _sum_to_array(x._data, shape)

    def backward(self, g):
        return expand(g, self.in_shape)


def _sum_to_array(a: np.ndarray, shape: tuple) -> np.ndarray:
    lead = a.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape) if s == 1 and a.shape[i + lead] != 1)
    if axes:
        a = a.sum(axis=axes, keepdims=True)
        if lead:
            a = a.reshape(shape)
    return a


def sum_to_size(x: Tensor, shape) -> Tensor:
    """Sum ``x`` over broadcast dimensions so that it has ``shape``."""
    shape = tuple(shape)
    if x._data.shape == shape:
        return x
    try:
        if broadcast_shapes(shape, x._data.shape) != x._data.shape:
            raise RuntimeError
    except RuntimeError:
        raise RuntimeError(f"sum_to_size: size {list(x.shape)} is not expandable to size {list(shape)}") from None
    if not _state.enabled:  # nothing recorded (a plain backward pass): one op
        return SumToSize.apply(x, shape=shape)
    from .reduction import SumDim  # reduction imports this module

    # recorded as torch does: sum over the reduced dims (kept), then a view dropping the leading ones
    a, lead = x._data, x._data.ndim - len(shape)
    dims = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape) if n == 1 and a.shape[i + lead] != 1)
    out = SumDim.apply(x, dims=dims, keepdim=True, dtype=None)
    return Reshape.apply(out, shape=shape) if lead else out


class Expand(Op):
    """Broadcast to a larger shape (a read-only view)."""

    is_view = True

    def forward(self, x, shape):
        self.in_shape = x._data.shape
        return xp.broadcast_to(x._data, shape)

    def backward(self, g):
        return sum_to_size(g, self.in_shape)


def expand(x: Tensor, *shape) -> Tensor:
    """Broadcast ``x`` to ``shape`` without copying; -1 keeps a dimension."""
    shape = _check_shape_args("expand", shape)
    if len(shape) < x.ndim:
        raise RuntimeError(
            f"expand: the number of sizes provided ({len(shape)}) must be greater or equal to the number "
            f"of dimensions in the tensor ({x.ndim})"
        )
    lead = len(shape) - x.ndim
    final = []
    for i, s in enumerate(shape):
        if i >= lead:
            cur = x._data.shape[i - lead]
            if s == -1:
                s = cur
            elif cur != 1 and cur != s:
                raise RuntimeError(
                    f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at non-singleton "
                    f"dimension {i}.  Target sizes: {list(shape)}.  Tensor sizes: {list(x.shape)}"
                )
        elif s < 0:
            raise RuntimeError(
                f"expand: the expanded size of the tensor ({s}) isn't allowed in a leading, non-existing dimension {i}"
            )
        final.append(s)
    final = tuple(final)
    if final == x._data.shape:
        return x if not x._requires_grad else Expand.apply(x, shape=final)
    return Expand.apply(x, shape=final)


def broadcast_to(input: Tensor, size) -> Tensor:
    """Same as ``input.expand(size)``."""
    _check_tensor("broadcast_to", input)
    if not isinstance(size, (tuple, list)):
        raise TypeError(
            f"broadcast_to(): argument 'size' (position 2) must be tuple of ints, not {type(size).__name__}"
        )
    return expand(input, tuple(size))


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions ``start_dim..end_dim`` into one."""
    _check_tensor("flatten", input)
    s, e = _int_dim(start_dim, input.ndim, "flatten", "start_dim"), _int_dim(end_dim, input.ndim, "flatten", "end_dim")
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if input.ndim == 0:
        return Reshape.apply(input, shape=(1,))
    if s == e:
        return input
    shape = input.shape
    n = 1
    for k in shape[s : e + 1]:
        n *= k
    return _reshaped(input, tuple(shape[:s]) + (n,) + tuple(shape[e + 1 :]))


def _int_tuple(op: str, arg: str, pos: int, value) -> tuple:
    """A tuple-of-ints argument, with the TypeErrors of torch's argument parser."""
    if not isinstance(value, (tuple, list)):
        raise TypeError(f"{op}(): argument '{arg}' (position {pos}) must be tuple of ints, not {type(value).__name__}")
    for i, n in enumerate(value):
        if not isinstance(n, (int, np.integer)):  # bools pass, as in torch
            kind = type(n).__name__
            if i == 0:
                raise TypeError(
                    f"{op}(): argument '{arg}' (position {pos}) must be tuple of ints, but found element of type {kind} "
                    "at pos 0"
                )
            raise TypeError(
                f"{op}(): argument '{arg}' failed to unpack the object at pos {i + 1} with error \"type must be tuple of "
                f'ints,but got {kind}"'
            )
    return tuple(int(n) for n in value)


_UNFLATTEN_INTERNAL = "unflatten got an unexpected error:\n"


def _unflatten_sizes(x: Tensor, d: int, sizes: tuple) -> tuple:
    """``sizes`` with its ``-1`` resolved, checked with torch's messages (some are its internal errors)."""
    if x.ndim == 0:
        raise RuntimeError(_UNFLATTEN_INTERNAL + "Dimension specified as 0 but tensor has no dimensions")
    if sizes.count(-1) > 1:
        raise RuntimeError(_UNFLATTEN_INTERNAL + "only one dimension can be inferred")
    for i, n in enumerate(sizes):
        if n < -1:
            raise RuntimeError(_UNFLATTEN_INTERNAL + f"invalid shape dimension {n} at index {i} of shape {list(sizes)}")
    size, known = x.shape[d], math.prod(n for n in sizes if n != -1)
    if -1 in sizes and known and size % known == 0:
        return tuple(size // known if n == -1 else n for n in sizes)
    if -1 in sizes and not known and not size:
        raise RuntimeError(
            _UNFLATTEN_INTERNAL + f"cannot reshape tensor of 0 elements into shape {list(sizes)} because the "
            "unspecified dimension size -1 can be any value and is ambiguous"
        )
    if -1 in sizes or known != size:
        raise RuntimeError(
            f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {d} ({size}) in the "
            "input tensor"
        )
    return sizes


def unflatten(input: Tensor, dim: int, sizes) -> Tensor:
    """Split dimension ``dim`` into ``sizes``."""
    _check_tensor("unflatten", input)
    d = _int_dim(dim, max(input.ndim, 1), "unflatten")
    sizes = _unflatten_sizes(input, d, _int_tuple("unflatten", "sizes", 2, sizes))
    return Reshape.apply(input, shape=tuple(input.shape[:d]) + sizes + tuple(input.shape[d + 1 :]))


# the families that live in their own modules, re-exported so ``ops.shape`` keeps every name
from .shape_transpose import T, Permute, Transpose, _dim_list, movedim, permute, swapaxes, t, transpose  # noqa: E402, F401, I001
from .shape_narrow import (  # noqa: E402, F401, I001
    Alias,
    Clone,
    Contiguous,
    CopyNode,
    Select,
    SelectBackward,
    Slice,
    SliceBackward,
    _narrow_start,
    clone,
    contiguous,
    narrow,
    select,
)
from .shape_getitem import (  # noqa: E402, F401
    GetItem,
    IndexAddInto,
    _check_key_bounds,
    _normalize_key,
    getitem,
    index_add_into,
    index_chain,
)
from .shape_rearrange import (  # noqa: E402, F401
    Flip,
    PixelShuffle,
    PixelUnshuffle,
    Repeat,
    UnfoldDim,
    UnfoldDimBackward,
    flip,
    pixel_shuffle,
    pixel_unshuffle,
    repeat,
    unfold,
)
from .shape_squeeze import (  # noqa: E402, F401
    Squeeze,
    SqueezeDim,
    SqueezeDims,
    Unsqueeze,
    squeeze,
    squeeze_view_,
    t_view_,
    transpose_view_,
    unsqueeze,
    unsqueeze_view_,
)
from .splitting import Split, SplitWithSizes, Unbind, _MultiView, chunk, split, unbind  # noqa: E402, F401
from .stacking import Cat, Stack, _cat_inputs, _common_dtype, cat, stack  # noqa: E402, F401
