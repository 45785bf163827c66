"""Shape and indexing ops: views (reshape, transpose, permute, expand, slicing) share
storage and the version counter with their base, as in PyTorch."""

from __future__ import annotations

import math

import numpy as np

from .. import _dtype as dt
from .._backend import xp
from .._tensor import Tensor, _check_shape_args, check_format_rank, copy_as
from ..autograd.function import Op, _link_view, mark_multi_output_views
from ..autograd.grad_mode import _state
from ._util import broadcast_shapes, wrap_dim

__all__ = [
    "reshape",
    "view",
    "sum_to_size",
    "expand",
    "transpose",
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


def reshape(x: Tensor, *shape) -> Tensor:
    """Return ``x`` with a new shape (a view when possible), one dim may be -1."""
    _check_tensor("reshape", x)
    shape = _infer_shape("reshape", _check_shape_args("reshape", shape), x._data.size)
    if shape == x._data.shape:
        return Reshape.apply(x, shape=shape) if x._requires_grad else x._alias()
    return _reshaped(x, shape)


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


def broadcast_to(x: Tensor, shape) -> Tensor:
    """Same as ``x.expand(shape)``."""
    return expand(x, tuple(shape))


class Permute(Op):
    """Reorder dimensions (a view)."""

    torch_name = "PermuteBackward0"

    is_view = True

    def forward(self, x, dims):
        self.dims = dims
        return x._data.transpose(dims)

    def backward(self, g):
        return Permute.apply(g, dims=tuple(np.argsort(self.dims)))


def permute(x: Tensor, *dims) -> Tensor:
    """Return a view with dimensions reordered as ``dims``."""
    _check_tensor("permute", x)
    dims = _check_shape_args("permute", dims)
    if len(dims) != x.ndim:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the length of the "
            f"desired ordering of dimensions i.e. input.dim() = {x.ndim} is not equal to len(dims) = {len(dims)}"
        )
    norm = tuple(wrap_dim(d, x.ndim, "permute") for d in dims)
    if len(set(norm)) != len(norm):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return Permute.apply(x, dims=norm)


class Transpose(Op):
    """Swap two dimensions (a view)."""

    torch_name = "TransposeBackward0"
    is_view = True

    def forward(self, x, dim0, dim1):
        self.dims = (dim0, dim1)
        a = x._data
        return a.swapaxes(dim0, dim1) if a.ndim else a[...]

    def backward(self, g):
        return Transpose.apply(g, dim0=self.dims[0], dim1=self.dims[1])


def transpose(x: Tensor, dim0: int, dim1: int) -> Tensor:
    """Return a view with ``dim0`` and ``dim1`` swapped."""
    _check_tensor("transpose", x)
    n = x.ndim
    d0, d1 = _int_dim(dim0, n, "transpose", "dim0"), _int_dim(dim1, n, "transpose", "dim1")
    return Transpose.apply(x, dim0=d0, dim1=d1)


class T(Op):
    """``Tensor.t()``: a matrix transposed, a 0-d or 1-d tensor as it is (a view)."""

    torch_name = "TBackward0"
    is_view = True

    def forward(self, x):
        return x._data.T

    def backward(self, g):
        return T.apply(g)


def t(x: Tensor) -> Tensor:
    """Transpose a matrix; 0-d and 1-d tensors are returned as views of themselves."""
    _check_tensor("t", x)
    if x.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {x.ndim}D")
    return T.apply(x)


def _dim_list(dims, ndim: int, op: str, what: str) -> list:
    """Wrapped dims of movedim's ``source`` / ``destination``, checked for repeats."""
    seq = [dims] if isinstance(dims, (int, np.integer)) else list(dims)
    wrapped = [_int_dim(d, ndim, op, what) for d in seq]
    if len(set(wrapped)) != len(wrapped):
        raise RuntimeError(f"movedim: repeated dim in `{what}` ({seq})")
    return wrapped


def movedim(x: Tensor, source, destination) -> Tensor:
    """Move dimensions ``source`` to positions ``destination``."""
    _check_tensor("movedim", x)
    if isinstance(source, (int, np.integer)) != isinstance(destination, (int, np.integer)):
        raise TypeError(
            f"movedim(): source and destination must both be int or both be tuples of ints, got "
            f"{type(source).__name__} and {type(destination).__name__}"
        )
    src = _dim_list(source, x.ndim, "movedim", "source")
    dst = _dim_list(destination, x.ndim, "movedim", "destination")
    if len(src) != len(dst):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({list(np.atleast_1d(source))} dims) should contain "
            f"the same number of dims as destination ({list(np.atleast_1d(destination))} dims)"
        )
    if not x.ndim:
        return Permute.apply(x, dims=())
    perm = [i for i in range(x.ndim) if i not in src]
    for d, s in sorted(zip(dst, src)):
        perm.insert(d, s)
    return Permute.apply(x, dims=tuple(perm))


def _squeeze_dims(dim, ndim: int) -> tuple:
    """The dims ``squeeze`` may remove: int or sequence of ints (empty: none)."""
    if isinstance(dim, (int, np.integer)) and not isinstance(dim, bool):
        dim = (dim,)
    if not isinstance(dim, (tuple, list)):
        raise TypeError(f"squeeze(): argument 'dim' must be int or tuple of ints, not {type(dim).__name__}")
    dims = [_int_dim(d, ndim, "squeeze") for d in dim]
    seen: set = set()
    for d in dims:
        if d in seen:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        seen.add(d)
    return tuple(dims) if ndim else ()


class Squeeze(Op):
    """``squeeze()``: every dimension of size 1 removed (a view)."""

    torch_name = "SqueezeBackward0"
    is_view = True

    def forward(self, x, dims):
        self.dims = dims  # the dims removed, ascending
        return x._data.reshape(tuple(s for i, s in enumerate(x._data.shape) if i not in dims))

    def backward(self, g):
        for d in self.dims:
            g = Unsqueeze.apply(g, dim=d)
        return g


class SqueezeDim(Squeeze):
    """``squeeze(dim)``."""

    torch_name = "SqueezeBackward1"


class SqueezeDims(Squeeze):
    """``squeeze(dims)`` with a sequence of dims."""

    torch_name = "SqueezeBackward2"


def squeeze(x: Tensor, dim=None) -> Tensor:
    """Remove dimensions of size 1 (all of them, or those in ``dim``)."""
    _check_tensor("squeeze", x)
    shape = x._data.shape
    if dim is None:
        return Squeeze.apply(x, dims=tuple(i for i, s in enumerate(shape) if s == 1))
    node = SqueezeDims if isinstance(dim, (tuple, list)) else SqueezeDim
    return node.apply(x, dims=tuple(sorted(d for d in _squeeze_dims(dim, x.ndim) if shape[d] == 1)))


class Unsqueeze(Op):
    """A new dimension of size 1 at ``dim`` (a view)."""

    torch_name = "UnsqueezeBackward0"
    is_view = True

    def forward(self, x, dim):
        self.dim = dim
        return x._data[(slice(None),) * dim + (None,)]

    def backward(self, g):
        return SqueezeDim.apply(g, dims=(self.dim,))


def unsqueeze(x: Tensor, dim: int) -> Tensor:
    """Insert a dimension of size 1 at ``dim``."""
    _check_tensor("unsqueeze", x)
    return Unsqueeze.apply(x, dim=_int_dim(dim, x.ndim + 1, "unsqueeze"))


class SqueezeInplace(Squeeze):
    torch_name = "SqueezeBackward3"


class SqueezeDimInplace(Squeeze):
    torch_name = "SqueezeBackward4"


class SqueezeDimsInplace(Squeeze):
    torch_name = "SqueezeBackward5"


class UnsqueezeInplace(Unsqueeze):
    torch_name = "UnsqueezeBackward1"


class TransposeInplace(Transpose):
    torch_name = "TransposeBackward1"


class TInplace(T):
    torch_name = "TBackward1"


def squeeze_view_(x: Tensor, dim=None) -> Tensor:
    """The view ``x.squeeze_(dim)`` turns ``x`` into, with the node torch records for the in-place op."""
    _check_tensor("squeeze_", x)
    shape = x._data.shape
    if dim is None:
        return SqueezeInplace.apply(x, dims=tuple(i for i, s in enumerate(shape) if s == 1))
    node = SqueezeDimsInplace if isinstance(dim, (tuple, list)) else SqueezeDimInplace
    return node.apply(x, dims=tuple(sorted(d for d in _squeeze_dims(dim, x.ndim) if shape[d] == 1)))


def unsqueeze_view_(x: Tensor, dim: int) -> Tensor:
    """The view ``x.unsqueeze_(dim)`` turns ``x`` into (``UnsqueezeBackward1``)."""
    _check_tensor("unsqueeze_", x)
    return UnsqueezeInplace.apply(x, dim=_int_dim(dim, x.ndim + 1, "unsqueeze"))


def transpose_view_(x: Tensor, dim0: int, dim1: int) -> Tensor:
    """The view ``x.transpose_(dim0, dim1)`` turns ``x`` into (``TransposeBackward1``)."""
    _check_tensor("transpose_", x)
    n = x.ndim
    d0, d1 = _int_dim(dim0, n, "transpose", "dim0"), _int_dim(dim1, n, "transpose", "dim1")
    return TransposeInplace.apply(x, dim0=d0, dim1=d1)


def t_view_(x: Tensor) -> Tensor:
    """The view ``x.t_()`` turns ``x`` into (``TBackward1``)."""
    if x.ndim > 2:
        raise RuntimeError(f"t_() expects a tensor with <= 2 dimensions, but self is {x.ndim}D")
    return TInplace.apply(x)


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions ``start_dim..end_dim`` into one."""
    _check_tensor("flatten", x)
    s, e = _int_dim(start_dim, x.ndim, "flatten", "start_dim"), _int_dim(end_dim, x.ndim, "flatten", "end_dim")
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if x.ndim == 0:
        return Reshape.apply(x, shape=(1,))
    if s == e:
        return x
    shape = x.shape
    n = 1
    for k in shape[s : e + 1]:
        n *= k
    return _reshaped(x, tuple(shape[:s]) + (n,) + tuple(shape[e + 1 :]))


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


def unflatten(x: Tensor, dim: int, sizes) -> Tensor:
    """Split dimension ``dim`` into ``sizes``."""
    _check_tensor("unflatten", x)
    d = _int_dim(dim, max(x.ndim, 1), "unflatten")
    sizes = _unflatten_sizes(x, d, _int_tuple("unflatten", "sizes", 2, sizes))
    return Reshape.apply(x, shape=tuple(x.shape[:d]) + sizes + tuple(x.shape[d + 1 :]))


class Contiguous(Op):
    """Copy into C order (identity gradient); torch records it as a clone."""

    torch_name = "CloneBackward0"

    def forward(self, x):
        return xp.ascontiguousarray(x._data)

    def backward(self, g):
        return g


def contiguous(x: Tensor) -> Tensor:
    """``x`` itself if already C-contiguous, else a C-ordered copy."""
    if x._data.flags.c_contiguous:
        return x
    return Contiguous.apply(x)


class Clone(Op):
    """A copy with its own storage, laid out in memory format ``fmt``."""

    def forward(self, x, fmt):
        return copy_as(x._data, x._data.dtype, fmt)

    def backward(self, g):
        return g


def clone(x: Tensor, memory_format=None) -> Tensor:
    """A copy of ``x`` that is still connected to the graph (``preserve_format`` keeps ``x``'s strides)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"clone(): argument 'input' (position 1) must be Tensor, not {type(x).__name__}")
    fmt = dt.check_memory_format(memory_format, "clone")
    check_format_rank(fmt, x._data.ndim)
    return Clone.apply(x, fmt=fmt)


class CopyNode(Op):
    """A copy with the identity gradient, under the name torch records for the op it stands for
    (subclasses): a sort or cumsum of a 0-d tensor, a scatter with an empty index."""

    def forward(self, x):
        return x._data.copy()

    def backward(self, g):
        return g


class Cat(Op):
    """Concatenate along a dimension; 1-D empty tensors of another rank are inputs that add nothing
    (torch's legacy rule)."""

    def forward(self, *tensors, dim, dtype=None):
        self.dim = dim
        # per input: its size along dim, or None for a skipped empty tensor
        ndim = max(t._data.ndim for t in tensors)
        self.sizes = [t._data.shape[dim] if t._data.ndim == ndim else None for t in tensors]
        # inputs of other dtypes are promoted here, and their gradients cast back (torch records no ToCopy)
        self.dtypes = None if dtype is None else [dt.from_numpy_dtype(t._data.dtype) for t in tensors]
        arrays = [t._data for t, n in zip(tensors, self.sizes) if n is not None] if None in self.sizes else None
        if arrays is None or len(tensors) == 1:
            arrays = [t._data for t in tensors]
        if dtype is None:
            return xp.concatenate(arrays, axis=dim)
        return xp.concatenate(arrays, axis=dim, dtype=dtype, casting="unsafe")

    def backward(self, g):
        out, start = [], 0
        for i, (size, need) in enumerate(zip(self.sizes, self.needs_input_grad)):
            if size is None:
                gi = Tensor._make(xp.zeros((0,), g._data.dtype)) if need else None
            else:
                gi = narrow(g, self.dim, start, size) if need else None
                start += size
            if gi is not None and self.dtypes is not None and gi.dtype != self.dtypes[i]:
                gi = gi.to(self.dtypes[i])
            out.append(gi)
        return tuple(out)


def _common_dtype(tensors):
    from .._dtype import result_type

    return result_type(*tensors).np


def _cat_inputs(tensors) -> list:
    """``cat``'s tensor sequence, checked as PyTorch checks it."""
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(
            f"cat(): argument 'tensors' (position 1) must be tuple of Tensors, not {type(tensors).__name__}"
        )
    tensors = list(tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
        if t.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    return tensors


_KIND_RANK = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}
_CAT_TYPE_WORDS = {"b": "Bool", "u": "Byte", "i": "Long", "f": "Float"}


def _cat_into(out: Tensor, result: Tensor, tensors) -> Tensor:
    """``cat(..., out=out)``: cast to ``out``'s dtype where torch allows it, then write."""
    from .indexing import _check_out_grad, _write_out

    _check_out_grad("cat", out, tensors)
    target = out._data.dtype
    if _KIND_RANK[target.kind] < _KIND_RANK[result._data.dtype.kind]:
        raise TypeError(
            f"torch.cat(): input types can't be cast to the desired output type {_CAT_TYPE_WORDS[target.kind]}"
        )
    # checked before any resize: torch cannot grow ``out`` in place when an input lives in it
    if any(t is out or np.shares_memory(out._data, t._data) for t in tensors):
        raise RuntimeError(
            "unsupported operation: some elements of the input tensor and the written-to tensor refer to a single "
            "memory location. Please clone() the tensor before performing the operation."
        )
    return _write_out(out, result._data.astype(target, copy=False), tensors)


def cat(tensors, dim: int = 0, *, out: Tensor | None = None) -> Tensor:
    """Concatenate tensors of equal shape (except in ``dim``) along ``dim`` (into ``out`` when given)."""
    tensors = _cat_inputs(tensors)
    # PyTorch skips 1-D empty tensors of shape (0,) (legacy behaviour)
    nonempty = [t for t in tensors if not (t.ndim == 1 and t.shape[0] == 0)] or tensors[:1]
    ref = nonempty[0]
    d = _int_dim(dim, ref.ndim, "cat")
    for i, t in enumerate(nonempty):
        if t.ndim != ref.ndim:
            raise RuntimeError(f"torch.cat(): Tensors must have same number of dimensions: got {ref.ndim} and {t.ndim}")
        for k in range(ref.ndim):
            if k != d and t.shape[k] != ref.shape[k]:
                raise RuntimeError(
                    f"torch.cat(): Sizes of tensors must match except in dimension {d}. Expected size "
                    f"{ref.shape[k]} but got size {t.shape[k]} for tensor number {i} in the list."
                )
    dtype = _common_dtype(tensors)
    mixed = dtype if any(t._data.dtype != dtype for t in tensors) else None
    if out is not None:
        return _cat_into(out, Cat.apply(*[t.detach() for t in tensors], dim=d, dtype=mixed), tensors)
    return Cat.apply(*tensors, dim=d, dtype=mixed)


def stack(tensors, dim: int = 0) -> Tensor:
    """Stack tensors of equal shape along a new dimension ``dim``."""
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(
            f"stack(): argument 'tensors' (position 1) must be tuple of Tensors, not {type(tensors).__name__}"
        )
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    ref = tensors[0].shape
    for i, t in enumerate(tensors):
        if t.shape != ref:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(ref)} at entry 0 and "
                f"{list(t.shape)} at entry {i}"
            )
    d = _int_dim(dim, len(ref) + 1, "stack")
    dtype = _common_dtype(tensors)
    return Stack.apply(*tensors, dim=d, dtype=dtype if any(t._data.dtype != dtype for t in tensors) else None)


class Stack(Op):
    """Tensors of one shape joined along a new dimension (other dtypes promoted here, their
    gradients cast back: torch records no ToCopy)."""

    def forward(self, *tensors, dim, dtype=None):
        self.dim = dim
        self.dtypes = None if dtype is None else [dt.from_numpy_dtype(t._data.dtype) for t in tensors]
        if dtype is None:
            return xp.stack([t._data for t in tensors], axis=dim)
        return xp.stack([t._data for t in tensors], axis=dim, dtype=dtype, casting="unsafe")

    def backward(self, g):
        lead, out = (slice(None),) * self.dim, []
        for i, need in enumerate(self.needs_input_grad):
            gi = Select.apply(g, key=lead + (i, Ellipsis)) if need else None
            if gi is not None and self.dtypes is not None and gi.dtype != self.dtypes[i]:
                gi = gi.to(self.dtypes[i])
            out.append(gi)
        return tuple(out)


def _narrow_start(start) -> int:
    """``narrow``'s start: an int or a 0-dim integer tensor."""
    if isinstance(start, Tensor):
        if start.ndim != 0 or start._data.dtype.kind not in "iu":
            raise RuntimeError("start must be an 0-dim integral Tensor.")
        return int(start._data)
    if not isinstance(start, (int, np.integer)) or isinstance(start, bool):
        raise TypeError(f"narrow(): argument 'start' must be int, not {type(start).__name__}")
    return int(start)


def narrow(x: Tensor, dim: int, start: int, length: int) -> Tensor:
    """The slice ``start:start+length`` along ``dim`` (a view)."""
    _check_tensor("narrow", x)
    if x.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = _int_dim(dim, x.ndim, "narrow")
    start = _narrow_start(start)
    if not isinstance(length, (int, np.integer)) or isinstance(length, bool):
        raise TypeError(f"narrow(): argument 'length' must be int, not {type(length).__name__}")
    size = x.shape[d]
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    if start < 0:
        start += size
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return Slice.apply(x, key=(slice(None),) * d + (slice(start, start + length),))


class Select(Op):
    """``x[..., index, ...]``: one index along a dimension, which is removed (a view)."""

    torch_name = "SelectBackward0"
    is_view = True

    def forward(self, x, key):
        self.key, self.in_shape = key, x._data.shape
        return x._data[key]

    def backward(self, g):
        return SelectBackward.apply(g, key=self.key, shape=self.in_shape)


class SelectBackward(Op):
    """Zeros of ``shape`` with ``g`` written at ``key`` (the adjoint of a select or a slice)."""

    torch_name = "SelectBackwardBackward0"

    def forward(self, g, key, shape):
        self.key = key
        out = xp.zeros(shape, dtype=g._data.dtype)
        out[key] = g._data
        return out

    def backward(self, gg):
        return Select.apply(gg, key=self.key)


class Slice(Select):
    """``x[..., start:stop:step, ...]`` along one dimension (a view)."""

    torch_name = "SliceBackward0"

    def backward(self, g):
        return SliceBackward.apply(g, key=self.key, shape=self.in_shape)


class SliceBackward(SelectBackward):
    torch_name = "SliceBackwardBackward0"

    def backward(self, gg):
        return Slice.apply(gg, key=self.key)


class Alias(Op):
    """The whole tensor as a new view of it (``x[...]``)."""

    torch_name = "AliasBackward0"
    is_view = True

    def forward(self, x):
        return x._data[...]

    def backward(self, g):
        return g


class _MultiView(Op):
    """Base of ops returning several views of their input (split, unbind): one node, one output each."""

    @classmethod
    def apply(cls, x, **options):
        """Run the op, then link each output to ``x`` as a view."""
        outs = super().apply(x, **options)
        for o in outs:
            _link_view(o, x)
        return outs


class Split(_MultiView):
    """Consecutive slices of ``sizes`` along ``dim``."""

    torch_name = "SplitBackward0"

    def forward(self, x, dim, sizes):
        a, lead = x._data, (slice(None),) * dim
        self.dim = dim
        bounds = np.cumsum((0,) + tuple(sizes)).tolist()
        return tuple(a[lead + (slice(b, e),)] for b, e in zip(bounds, bounds[1:]))

    def backward(self, *grads):
        return Cat.apply(*grads, dim=self.dim)


class SplitWithSizes(Split):
    torch_name = "SplitWithSizesBackward0"


def split(x: Tensor, split_size_or_sections, dim: int = 0) -> tuple:
    """Split into chunks of a given size (the last may be smaller) or of given sizes."""
    _check_tensor("split", x)
    if x.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = _int_dim(dim, x.ndim, "split")
    n = x.shape[d]
    if isinstance(split_size_or_sections, (int, np.integer)):
        size = int(split_size_or_sections)
        if size <= 0 and n > 0:
            raise RuntimeError(f"split: split_size must be positive, got {size}")
        sizes = [min(size, n - s) for s in range(0, n, size)] if n else [0]
        op, name = Split, "Split"
    else:
        sizes = list(_int_tuple("split_with_sizes", "split_sizes", 2, split_size_or_sections))
        if sum(sizes) != n:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at dimension "
                f"{d}), but got split_sizes={sizes}"
            )
        op, name = SplitWithSizes, "SplitWithSizes"
    return mark_multi_output_views(op.apply(x, dim=d, sizes=tuple(sizes)), name)


def chunk(x: Tensor, chunks: int, dim: int = 0) -> tuple:
    """Split into ``chunks`` pieces of size ceil(n / chunks) (the last may be smaller)."""
    _check_tensor("chunk", x)
    if x.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = _int_dim(dim, x.ndim, "chunk")
    n = x.shape[d]
    if n == 0:  # torch: ``chunks`` empty pieces
        return split(x, [0] * chunks, d)
    return split(x, -(-n // chunks), d)


class Unbind(_MultiView):
    """Every slice along ``dim``, with that dimension removed."""

    torch_name = "UnbindBackward0"

    def forward(self, x, dim):
        a, lead = x._data, (slice(None),) * dim
        self.dim = dim
        return tuple(a[lead + (i, Ellipsis)] for i in range(a.shape[dim]))

    def backward(self, *grads):
        return Stack.apply(*grads, dim=self.dim)


def unbind(x: Tensor, dim: int = 0) -> tuple:
    """Remove ``dim`` and return the slices along it."""
    _check_tensor("unbind", x)
    if x.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = _int_dim(dim, x.ndim, "unbind")
    return mark_multi_output_views(Unbind.apply(x, dim=d), "Unbind")


def select(x: Tensor, dim: int, index: int) -> Tensor:
    """The slice at ``index`` along ``dim``, with that dimension removed."""
    _check_tensor("select", x)
    d = _int_dim(dim, x.ndim, "select")
    if isinstance(index, Tensor) and index.ndim == 0 and index._data.dtype.kind in "iu":
        index = int(index._data)
    if not isinstance(index, (int, np.integer)) or isinstance(index, bool):
        raise TypeError(f"select(): argument 'index' (position 2) must be int, not {type(index).__name__}")
    n = x.shape[d]
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(x.shape)} at dimension {d}")
    return Select.apply(x, key=(slice(None),) * d + (int(index) % n, Ellipsis))


def _normalize_key(x: Tensor, key):
    """Convert an index (ints, slices, None, Ellipsis, lists, tensors) to a numpy key.

    Returns ``(key, basic)`` where ``basic`` means numpy returns a view.
    """
    if not isinstance(key, tuple):
        key = (key,)
    out = []
    basic = True
    for k in key:
        if isinstance(k, Tensor):
            arr = k._data
            if arr.dtype.kind == "f":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            if arr.ndim == 0 and arr.dtype.kind in "iu":
                out.append(int(arr))
                continue
            out.append(arr)
            basic = False
        elif isinstance(k, (list, np.ndarray)):
            arr = np.asarray([int(e) if isinstance(e, Tensor) else e for e in k] if isinstance(k, list) else k)
            if arr.dtype.kind == "f":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            out.append(arr)
            basic = False
        elif isinstance(k, bool):
            out.append(k)
            basic = False
        elif isinstance(k, (int, np.integer)):
            out.append(int(k))
        elif k is None or k is Ellipsis or isinstance(k, slice):
            if isinstance(k, slice) and k.step is not None and int(k.step) <= 0:
                raise ValueError("step must be greater than zero")
            out.append(k)
        else:
            raise IndexError(
                "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices "
                f"(got {type(k).__name__})"
            )
    return tuple(out), basic


def _check_key_bounds(shape, key) -> None:
    """Raise PyTorch's IndexError for out-of-range integer indices."""
    dim = 0
    n_consumed = sum(
        1
        for k in key
        if k is not None
        and k is not Ellipsis
        and not (isinstance(k, np.ndarray) and k.dtype == bool)
        and not isinstance(k, bool)
    )
    n_consumed += sum(k.ndim for k in key if isinstance(k, np.ndarray) and k.dtype == bool)
    if n_consumed > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
    for k in key:
        if k is Ellipsis:
            dim = len(shape) - (n_consumed - dim)
            continue
        if k is None or isinstance(k, bool):
            continue
        if isinstance(k, int):
            n = shape[dim]
            if not -n <= k < n:
                raise IndexError(f"index {k} is out of bounds for dimension {dim} with size {n}")
        elif isinstance(k, np.ndarray):
            if k.dtype == bool:
                if k.shape != tuple(shape[dim : dim + k.ndim]):
                    raise IndexError(
                        f"The shape of the mask {list(k.shape)} at index {dim} does not match the shape of the "
                        f"indexed tensor {list(shape[dim : dim + k.ndim])} at index {dim}"
                    )
                dim += k.ndim
                continue
            n = shape[dim]
            if k.size and (k.max() >= n or k.min() < -n):
                bad = int(k.max()) if k.max() >= n else int(k.min())
                raise IndexError(f"index {bad} is out of bounds for dimension {dim} with size {n}")
        dim += 1


class GetItem(Op):
    """Indexing: basic keys give views; advanced keys (index arrays, masks) give copies."""

    torch_name = "IndexBackward0"

    @property
    def is_view(self):
        return self.basic

    def forward(self, x, key, basic):
        self.key = key
        self.basic = basic
        self.in_shape = x._data.shape
        self.in_dtype = x._data.dtype
        out = x._data[key]
        if basic and type(out) is not np.ndarray and Ellipsis not in key:
            out = x._data[key + (Ellipsis,)]  # an integer per dim: a 0-d view, as torch (numpy gives a scalar)
        return out

    def backward(self, g):
        return IndexAddInto.apply(g, key=self.key, shape=self.in_shape, basic=self.basic)


def _is_scalar_mask(k) -> bool:
    return type(k) is bool or (type(k) is np.ndarray and k.ndim == 0 and k.dtype == np.bool_)


def _consumed(key: tuple) -> int:
    """How many of the input's dimensions ``key`` indexes (what ``...`` does not stand for)."""
    n = 0
    for k in key:
        if type(k) is np.ndarray:
            n += k.ndim if k.dtype == np.bool_ else 1
        elif k is not None and k is not Ellipsis and type(k) is not bool:
            n += 1
    return n


def _full_slice(k: slice, n: int) -> bool:
    """torch skips a slice of a multi-entry index that keeps the whole dimension as it is."""
    return k.start in (None, 0) and k.step in (None, 1) and (k.stop is None or k.stop >= n)


def _advanced_key(adv: dict) -> tuple:
    """The numpy key of the advanced entries ``{dim: array}``, full slices in between."""
    key, d, last = [], 0, max(adv)
    while d <= last:
        a = adv.get(d)
        if a is None:
            key.append(slice(None))
            d += 1
        else:
            key.append(a)
            d += a.ndim if a.dtype == np.bool_ else 1
    return tuple(key)


def index_chain(x: Tensor, key: tuple) -> Tensor:
    """``x[key]`` for a normalized, bounds-checked key, recorded as torch's ``applySlicing`` does: a
    select, slice or unsqueeze per entry (full slices skipped), then one advanced index."""
    if len(key) == 1 and type(key[0]) is slice:
        return Slice.apply(x, key=key)
    t, dim, adv = x, 0, None
    for k in key:
        tk = type(k)
        if tk is int:
            t = Select.apply(t, key=(slice(None),) * dim + (k, Ellipsis))
        elif tk is slice:
            if not _full_slice(k, t._data.shape[dim]):
                t = Slice.apply(t, key=(slice(None),) * dim + (k,))
            dim += 1
        elif k is None:
            t = Unsqueeze.apply(t, dim=dim)
            dim += 1
        elif k is Ellipsis:
            dim += x._data.ndim - _consumed(key)
        else:
            if _is_scalar_mask(k):  # a new dimension, indexed by [0] (True) or [] (False)
                t = Unsqueeze.apply(t, dim=dim)
                k = np.zeros(1 if k else 0, np.int64)
            adv = adv or {}
            adv[dim] = k
            dim += k.ndim if k.dtype == np.bool_ else 1
    if adv is not None:
        return GetItem.apply(t, key=_advanced_key(adv), basic=False)
    return Alias.apply(x) if t is x else t


class IndexAddInto(Op):
    """Scatter-add ``g`` into zeros of ``shape`` at ``key`` (the adjoint of indexing)."""

    torch_name = "IndexPutBackward0"

    def forward(self, g, key, shape, basic):
        self.key = key
        self.basic = basic
        out = xp.zeros(shape, dtype=g._data.dtype)
        if basic:
            out[key] = g._data
        else:
            xp.add.at(out, key, g._data)
        return out

    def backward(self, gg):
        return GetItem.apply(gg, key=self.key, basic=self.basic)


def index_add_into(g: Tensor, key, shape) -> Tensor:
    """Zeros of ``shape`` with ``g`` added at ``key`` (duplicates accumulate)."""
    key, basic = _normalize_key(Tensor._make(np.empty(shape)), key)
    return IndexAddInto.apply(g, key=key, shape=tuple(shape), basic=basic)


def getitem(x: Tensor, key) -> Tensor:
    """``x[key]`` with PyTorch's indexing rules; differentiable."""
    key, basic = _normalize_key(x, key)
    _check_key_bounds(x._data.shape, key)
    return index_chain(x, key)


class Flip(Op):
    """Reverse the order of elements along dims (a copy, as in PyTorch)."""

    def forward(self, x, dims):
        self.dims = dims
        return xp.flip(x._data, dims).copy()

    def backward(self, g):
        return Flip.apply(g, dims=self.dims)


def flip(x: Tensor, *args, dims=None) -> Tensor:
    """Reverse ``x`` along each of ``dims`` (a sequence, or ints as ``Tensor.flip(0, 1)``)."""
    _check_tensor("flip", x)
    if (dims is None) == (not args):
        raise TypeError("flip() missing required argument 'dims' (pos 2)" if not args else "flip(): dims given twice")
    if dims is None:
        dims = args[0] if len(args) == 1 else args
    seq = (dims,) if isinstance(dims, (int, np.integer)) and not isinstance(dims, bool) else dims
    if not isinstance(seq, (tuple, list)):
        raise TypeError(f"flip(): argument 'dims' must be tuple of ints, not {type(dims).__name__}")
    wrapped = [_int_dim(d, x.ndim, "flip", "dims") for d in seq]
    if len(set(wrapped)) != len(wrapped):
        raise RuntimeError(
            f"dim {next(d for i, d in enumerate(wrapped) if d in wrapped[:i])} appears multiple times in the list of dims"
        )
    dims = tuple(sorted(wrapped)) if x.ndim else ()
    return Flip.apply(x, dims=dims)


class Repeat(Op):
    """``Tensor.repeat``: ``x`` tiled ``sizes[i]`` times along each dimension (leading ones added)."""

    torch_name = "RepeatBackward0"

    def forward(self, x, sizes):
        self.sizes, self.in_shape = sizes, x._data.shape
        return np.tile(x._data, sizes)

    def backward(self, g):
        sizes, lead = self.sizes, len(self.sizes) - len(self.in_shape)
        shape = (1,) * lead + self.in_shape
        inter = tuple(v for r, n in zip(sizes, shape) for v in (r, n))
        from .reduction import sum as _sum  # reduction imports this module

        # a leading (added) dim sums both its repeat and its size-1 axis away
        return _sum(reshape(g, inter), tuple(range(2 * lead)) + tuple(range(2 * lead, len(inter), 2)))


def repeat(x: Tensor, *sizes) -> Tensor:
    """Tile ``x`` ``sizes[i]`` times along each dimension (PyTorch's ``Tensor.repeat``)."""
    sizes = _check_shape_args("repeat", sizes)
    if len(sizes) < x.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor")
    target = [r * n for r, n in zip(sizes, (1,) * (len(sizes) - x.ndim) + x._data.shape)]
    if any(n < 0 for n in target):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(target)}: {target}")
    # a negative repeat of an empty dimension is allowed (the result is empty either way)
    return Repeat.apply(x, sizes=tuple(max(r, 0) for r in sizes))


class UnfoldDim(Op):
    """``Tensor.unfold``: windows of ``size`` every ``step`` along ``dim``, as a new last dim (a view)."""

    is_view = True
    torch_name = "UnfoldBackward0"

    def forward(self, x, *, dim, size, step):
        a = x._data
        self.opts = (a.shape, dim, size, step)
        count = (a.shape[dim] - size) // step + 1
        shape = a.shape[:dim] + (count,) + a.shape[dim + 1 :] + (size,)
        strides = a.strides[:dim] + (a.strides[dim] * step,) + a.strides[dim + 1 :] + (a.strides[dim],)
        # read-only: windows overlap, so writing through the view would be ambiguous
        return np.lib.stride_tricks.as_strided(a, shape, strides, writeable=False)

    def backward(self, g):
        in_shape, dim, size, step = self.opts
        return UnfoldDimBackward.apply(g, in_shape=in_shape, dim=dim, size=size, step=step)


class UnfoldDimBackward(Op):
    """Adjoint of ``UnfoldDim``: every window added back where it was read, overlaps summed."""

    torch_name = "UnfoldBackwardBackward0"

    def forward(self, g, *, in_shape, dim, size, step):
        self.opts = (dim, size, step)
        windows = g._data  # (..., count, ..., size)
        count = windows.shape[dim]
        out = xp.zeros(in_shape, dtype=windows.dtype)
        lead = (slice(None),) * dim
        if size <= count:  # one strided add per offset within the window
            for j in range(size):
                out[lead + (slice(j, j + (count - 1) * step + 1, step),)] += windows[..., j]
        else:  # one add per window
            moved = np.moveaxis(windows, dim, -2)  # (..., count, size) with the rest in order
            for i in range(count):
                np.moveaxis(out[lead + (slice(i * step, i * step + size),)], dim, -1)[...] += moved[..., i, :]
        return out

    def backward(self, gg):
        dim, size, step = self.opts
        return UnfoldDim.apply(gg, dim=dim, size=size, step=step)


def unfold(x: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """All windows of ``size`` elements every ``step`` along ``dimension``, as a new last dim (a view)."""
    d = _int_dim(dimension, x.ndim, "unfold", "dimension")
    length = x.shape[d] if x.ndim else 1
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {length} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if x.ndim == 0:
        return x.reshape(1)[:size]
    return UnfoldDim.apply(x, dim=d, size=int(size), step=int(step))


def _shuffled(a: np.ndarray, r: int) -> np.ndarray:
    """(*, C*r*r, H, W) -> (*, C, H*r, W*r)."""
    *lead, c, h, w = a.shape
    blocks = a.reshape(tuple(lead) + (c // (r * r), r, r, h, w))
    k = len(lead)
    order = tuple(range(k)) + (k, k + 3, k + 1, k + 4, k + 2)
    return xp.ascontiguousarray(blocks.transpose(order)).reshape(tuple(lead) + (c // (r * r), h * r, w * r))


def _unshuffled(a: np.ndarray, r: int) -> np.ndarray:
    """(*, C, H*r, W*r) -> (*, C*r*r, H, W)."""
    *lead, c, h, w = a.shape
    blocks = a.reshape(tuple(lead) + (c, h // r, r, w // r, r))
    k = len(lead)
    order = tuple(range(k)) + (k, k + 2, k + 4, k + 1, k + 3)
    return xp.ascontiguousarray(blocks.transpose(order)).reshape(tuple(lead) + (c * r * r, h // r, w // r))


class PixelShuffle(Op):
    """(*, C*r*r, H, W) -> (*, C, H*r, W*r): channel blocks become r x r pixel blocks."""

    def forward(self, x, *, factor):
        self.factor = factor
        return _shuffled(x._data, factor)

    def backward(self, g):
        return PixelUnshuffle.apply(g, factor=self.factor)


class PixelUnshuffle(Op):
    """(*, C, H*r, W*r) -> (*, C*r*r, H, W): the inverse of ``PixelShuffle``."""

    def forward(self, x, *, factor):
        self.factor = factor
        return _unshuffled(x._data, factor)

    def backward(self, g):
        return PixelShuffle.apply(g, factor=self.factor)


def _pixel_factor(op: str, input, factor, name: str) -> int:
    """Check a pixel (un)shuffle call as PyTorch: a Tensor of >= 3 dims and a positive int factor."""
    _check_tensor(op, input)
    if not isinstance(factor, (int, np.integer)) or isinstance(factor, (bool, np.bool_)):
        raise TypeError(f"{op}(): argument '{name}' (position 2) must be int, not {type(factor).__name__}")
    if input.ndim < 3:
        raise RuntimeError(
            f"{op} expects input to have at least 3 dimensions, but got input with {input.ndim} dimension(s)"
        )
    r = int(factor)
    if r <= 0:
        raise RuntimeError(f"{op} expects a positive {name}, but got {r}")
    return r


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """Rearrange (*, C*r^2, H, W) into (*, C, H*r, W*r) with r = ``upscale_factor``."""
    r = _pixel_factor("pixel_shuffle", input, upscale_factor, "upscale_factor")
    if r * r > np.iinfo(np.int64).max:
        raise ValueError(f"upscale factor is too large, (upscale_factor)^2 overflowed: upscale_factor={r}")
    c = input.shape[-3]
    if c % (r * r):
        raise RuntimeError(
            "pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of upscale_factor, "
            f"but input.size(-3)={c} is not divisible by {r * r}"
        )
    return PixelShuffle.apply(input, factor=r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """Rearrange (*, C, H*r, W*r) into (*, C*r^2, H, W) with r = ``downscale_factor``."""
    r = _pixel_factor("pixel_unshuffle", input, downscale_factor, "downscale_factor")
    for name, i in (("height", -2), ("width", -1)):
        if input.shape[i] % r:
            raise RuntimeError(
                f"pixel_unshuffle expects {name} to be divisible by downscale_factor, but input.size({i})="
                f"{input.shape[i]} is not divisible by {r}"
            )
    # PyTorch returns an empty input as it is (a copy), whatever the factor
    return PixelUnshuffle.apply(input, factor=r if input.numel() else 1)
