"""Strided views and their copy / scatter forms: ``diagonal``, ``as_strided``, ``slice``,
the ``*_copy`` variants of every view op and ``select_scatter`` / ``slice_scatter`` /
``diagonal_scatter`` / ``as_strided_scatter``.

A view is described by an index array: for each of its elements, the C-order flat position
of the element of the input it aliases. Its gradient sums ``g`` back at those positions
(``np.bincount``), so overlapping views (``as_strided`` with a zero stride) accumulate."""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Op
from . import shape as S
from ._util import wrap_dim

__all__ = [
    "diagonal",
    "diagonal_copy",
    "diagonal_scatter",
    "select_scatter",
    "slice_scatter",
    "as_strided",
    "as_strided_copy",
    "as_strided_scatter",
    "ravel",
    "alias_copy",
    "expand_copy",
    "narrow_copy",
    "permute_copy",
    "squeeze_copy",
    "t_copy",
    "transpose_copy",
    "unsqueeze_copy",
    "unfold_copy",
    "view_copy",
    "unbind_copy",
    "select_copy",
    "slice_copy",
    "split_copy",
    "split_with_sizes_copy",
    "swapdims",
    "moveaxis",
]

_slice = slice  # the builtin, shadowed below by torch's ``slice`` op


def _check_tensor(op: str, x, arg: str = "input", pos: int = 1) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{arg}' (position {pos}) must be Tensor, not {type(x).__name__}")


def _int(op: str, value, arg: str, pos: int) -> int:
    if isinstance(value, Tensor) and value.ndim == 0 and value._data.dtype.kind in "iu":
        return int(value._data)
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
        raise TypeError(f"{op}(): argument '{arg}' (position {pos}) must be int, not {type(value).__name__}")
    return int(value)


def _int_list(op: str, value, arg: str, pos: int) -> tuple:
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return (int(value),)
    if not isinstance(value, (tuple, list)) or not all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value
    ):
        raise TypeError(f"{op}(): argument '{arg}' (position {pos}) must be tuple of ints, not {type(value).__name__}")
    return tuple(int(v) for v in value)


_MAX_BYTES = 1 << 34  # a larger result: refused as torch's allocator refuses it (numpy would MemoryError)


def check_alloc(numel: int, itemsize: int) -> None:
    """RuntimeError, as torch's CPU allocator raises, for a result too large to allocate."""
    if numel * itemsize > _MAX_BYTES:
        raise RuntimeError(
            f"DefaultCPUAllocator: can't allocate memory: you tried to allocate {numel * itemsize} bytes."
        )


# --- the gather / scatter pair every view here differentiates through -----------------------
class Gather(Op):
    """The elements of ``x`` at flat positions ``index`` (a copy; ``-1`` reads 0)."""

    def forward(self, x, index):
        self.index, self.in_shape = index, x._data.shape
        flat = x._data.reshape(-1)
        if index.size and index.min() < 0:
            return np.where(index >= 0, flat[np.maximum(index, 0)], np.zeros((), flat.dtype))
        return np.asarray(flat[index])

    def backward(self, g):
        return ScatterAdd.apply(g, index=self.index, shape=self.in_shape)


class ScatterAdd(Op):
    """Zeros of ``shape`` with ``g`` summed in at flat positions ``index`` (adjoint of ``Gather``)."""

    torch_name = "AsStridedScatterBackward0"

    def forward(self, g, index, shape):
        self.index = index
        idx, w = index.reshape(-1), g._data.reshape(-1)
        keep = idx >= 0
        if not keep.all():
            idx, w = idx[keep], w[keep]
        flat = np.bincount(idx, weights=w, minlength=int(np.prod(shape)))
        return flat.astype(g._data.dtype, copy=False).reshape(shape)

    def backward(self, gg):
        return Gather.apply(gg, index=self.index)


class _StridedView(Op):
    """A view ``make(x)`` of ``x`` whose elements sit at the flat positions ``index()`` of ``x``
    (computed only for a backward: it costs an int64 array of the input's size)."""

    is_view = True

    def forward(self, x, make, index):
        self.index, self.in_shape = index, x._data.shape
        return make(x._data)

    def backward(self, g):
        return ScatterAdd.apply(g, index=self.index(), shape=self.in_shape)


class _Scatter(Op):
    """``input`` with ``src`` written at flat positions ``index`` (a new tensor)."""

    def forward(self, inp, src, index):
        self.index, self.src_shape = index, src._data.shape
        out = inp._data.copy()
        out.reshape(-1)[index.reshape(-1)] = src._data.reshape(-1)
        return out

    def backward(self, g):
        ni, ns = self.needs_input_grad
        gi = (
            type(self).apply(g, Tensor._make(np.zeros(self.src_shape, g._data.dtype)), index=self.index) if ni else None
        )
        gs = Gather.apply(g, index=self.index) if ns else None
        return gi, gs


def _named(base: type, name: str) -> type:
    """A subclass of ``base`` whose graph node is called ``name`` (as torch's grad_fn)."""
    return type(name.replace("Backward0", "").replace("_copy", "Copy"), (base,), {"torch_name": name})


def _positions(x: Tensor) -> Tensor:
    """An int64 tensor of ``x``'s shape holding each element's flat position."""
    return Tensor._make(np.arange(x._data.size, dtype=np.int64).reshape(x._data.shape))


def _index_of(view_result: Tensor) -> np.ndarray:
    return _c_index(view_result._data)


def _c_index(a: np.ndarray) -> np.ndarray:
    """A C-contiguous copy of an index array (0-d stays 0-d, unlike np.ascontiguousarray)."""
    return np.array(a, dtype=np.int64, order="C")


# --- diagonal -----------------------------------------------------------------------------
def _diag_view(a: np.ndarray, offset: int, d1: int, d2: int) -> np.ndarray:
    """numpy view of diagonal ``offset`` of dims ``d1``, ``d2`` (writable, unlike np.diagonal)."""
    n1, n2 = a.shape[d1], a.shape[d2]
    length = max(0, min(n1, n2 - offset) if offset >= 0 else min(n1 + offset, n2))
    keep = [d for d in range(a.ndim) if d not in (d1, d2)]
    shape = tuple(a.shape[d] for d in keep) + (length,)
    strides = tuple(a.strides[d] for d in keep) + (a.strides[d1] + a.strides[d2],)
    if length == 0 or a.size == 0:
        return np.zeros(shape, a.dtype)
    first = [_slice(None)] * a.ndim
    first[d1], first[d2] = _slice(max(-offset, 0), None), _slice(max(offset, 0), None)
    return np.lib.stride_tricks.as_strided(a[tuple(first)], shape, strides)


def _diag_args(op: str, x: Tensor, offset, dim1, dim2) -> tuple:
    _check_tensor(op, x)
    offset = _int(op, offset, "offset", 2)
    d1 = wrap_dim(_int(op, dim1, "dim1", 3), x.ndim)
    d2 = wrap_dim(_int(op, dim2, "dim2", 4), x.ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return offset, d1, d2


Diagonal = _named(_StridedView, "DiagonalBackward0")
DiagonalCopy = _named(Gather, "DiagonalBackward0_copy")
DiagonalScatter = _named(_Scatter, "DiagonalScatterBackward0")


def _diag_index(shape: tuple, offset: int, d1: int, d2: int) -> np.ndarray:
    positions = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)
    return _c_index(_diag_view(positions, offset, d1, d2))


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:  # noqa: A002
    """The diagonal ``offset`` of dims ``dim1`` and ``dim2``, as a new last dim (a view)."""
    offset, d1, d2 = _diag_args("diagonal", input, offset, dim1, dim2)
    make = lambda a: _diag_view(a, offset, d1, d2)  # noqa: E731
    shape = input._data.shape
    return Diagonal.apply(input, make=make, index=lambda: _diag_index(shape, offset, d1, d2))


def diagonal_copy(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:  # noqa: A002
    """A copy of ``diagonal(input, offset, dim1, dim2)``."""
    offset, d1, d2 = _diag_args("diagonal_copy", input, offset, dim1, dim2)
    return DiagonalCopy.apply(input, index=_diag_index(input._data.shape, offset, d1, d2))


def _check_src(op: str, inp: Tensor, src, index: np.ndarray, what: str) -> Tensor:
    """``src`` checked against the region it fills, cast to ``inp``'s dtype as torch's copy does."""
    _check_tensor(op, src, "src", 2)
    if tuple(src.shape) != index.shape:
        raise RuntimeError(
            f"expected src to have a size equal to the {what} of self. src size = {list(src.shape)}, "
            f"{what} size = {list(index.shape)}"
        )
    return src if src.dtype == inp.dtype else src.to(inp.dtype)


def diagonal_scatter(input: Tensor, src: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:  # noqa: A002
    """``input`` with ``src`` written on its diagonal (``diagonal``'s arguments)."""
    offset, d1, d2 = _diag_args("diagonal_scatter", input, offset, dim1, dim2)
    index = _diag_index(input._data.shape, offset, d1, d2)
    src = _check_src("diagonal_scatter", input, src, index, "diagonal")
    return DiagonalScatter.apply(input, src, index=index)


SelectScatter = _named(_Scatter, "SelectScatterBackward0")
SliceScatter = _named(_Scatter, "SliceScatterBackward0")
AsStridedScatterOp = _named(_Scatter, "AsStridedScatterBackward0")


def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:  # noqa: A002
    """``input`` with ``src`` written at ``index`` along ``dim``."""
    _check_tensor("select_scatter", input)
    where = _index_of(S.select(_positions(input), dim, index))
    src = _check_src("select_scatter", input, src, where, "slice")
    return SelectScatter.apply(input, src, index=where)


def _slice_view(x: Tensor, dim: int, start, end, step: int, op: str) -> Tensor:
    """``x[..., start:end:step]`` along ``dim`` (torch's aten::slice: bounds clamp, step > 0)."""
    d = wrap_dim(_int(op, dim, "dim", 2), x.ndim)
    step = _int(op, step, "step", 5)
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    start = None if start is None else _int(op, start, "start", 3)
    end = None if end is None else _int(op, end, "end", 4)
    key = (_slice(None),) * d + (_slice(start, end, step),)
    return S.Slice.apply(x, key=key)


def slice(input: Tensor, dim: int = 0, start=None, end=None, step: int = 1) -> Tensor:  # noqa: A001, A002
    """torch's ``aten::slice``: ``input[..., start:end:step]`` along ``dim`` (a view)."""
    try:  # an aten operator: torch's dispatcher reports bad argument types as RuntimeError
        _check_tensor("slice", input)
        if input.ndim == 0:
            raise IndexError("slice() cannot be applied to a 0-dim tensor.")
        return _slice_view(input, dim, start, end, step, "slice")
    except TypeError as exc:
        raise RuntimeError(f"aten::slice() {exc}") from None


def slice_scatter(input: Tensor, src: Tensor, dim: int = 0, start=None, end=None, step: int = 1) -> Tensor:  # noqa: A002
    """``input`` with ``src`` written at ``input[..., start:end:step]`` along ``dim``."""
    _check_tensor("slice_scatter", input)
    if input.ndim == 0:
        raise IndexError("slice() cannot be applied to a 0-dim tensor.")
    where = _index_of(_slice_view(_positions(input), dim, start, end, step, "slice_scatter"))
    src = _check_src("slice_scatter", input, src, where, "slice")
    return SliceScatter.apply(input, src, index=where)


# --- as_strided ---------------------------------------------------------------------------
AsStridedView = _named(_StridedView, "AsStridedBackward0")


class _StridedCopy(Gather):
    """A copy of the strided view ``make(x)``; its gradient reaches ``x`` at positions ``index``."""

    def forward(self, x, make, index):
        self.index, self.in_shape = index, x._data.shape
        return make(x._data).copy()


AsStridedCopy = _named(_StridedCopy, "AsStridedBackward0_copy")


def _address(a: np.ndarray) -> int:
    return a.__array_interface__["data"][0]


def _storage(x: Tensor) -> np.ndarray:
    """A 1-d numpy view of ``x``'s storage: its base's memory (when C-contiguous), else the
    memory ``x`` spans from its first element (torch's storage of a strided ``from_numpy``)."""
    base = x._base
    a = base._data if base is not None and base._data.flags.c_contiguous else x._data
    if a.flags.c_contiguous:
        return a.reshape(-1)
    item = a.itemsize
    if a.size == 0 or any(st < 0 or st % item for st in a.strides):
        return np.ascontiguousarray(a).reshape(-1)  # no layout torch could share: its C-order copy
    span = 1 + sum((n - 1) * st for n, st in zip(a.shape, a.strides)) // item
    return np.lib.stride_tricks.as_strided(a, (span,), (item,))


def _storage_offset(x: Tensor, storage: np.ndarray) -> int:
    return (_address(x._data) - _address(storage)) // storage.itemsize


def _owns_storage(x: Tensor, storage: np.ndarray) -> bool:
    """Whether ``x``'s C-order positions are its storage positions (contiguous, from the start)."""
    a = x._data
    return a.flags.c_contiguous and a.size == storage.size and _address(a) == _address(storage)


def _strided_args(op: str, x: Tensor, size, stride, storage_offset) -> tuple:
    _check_tensor(op, x)
    size = _int_list(op, size, "size", 2)
    stride = _int_list(op, stride, "stride", 3)
    if len(size) != len(stride):
        raise RuntimeError(f"mismatch in length of strides and shape: {len(stride)} != {len(size)}")
    if any(n < 0 for n in size):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(size)}: {list(size)}")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got strides: {list(stride)}")
    root = _storage(x)
    if storage_offset is None:
        storage_offset = _storage_offset(x, root) if x._data.size else 0
    storage_offset = _int(op, storage_offset, "storage_offset", 4)
    if storage_offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {storage_offset}")
    need = storage_offset + 1 + sum((n - 1) * s for n, s in zip(size, stride)) if all(size) else 0
    if need > root.size:
        item = root.itemsize
        raise RuntimeError(
            f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {storage_offset}, and itemsize "
            f"{item} requiring a storage size of {need * item} are out of bounds for storage of size "
            f"{root.size * item}"
        )
    return size, stride, storage_offset, root


def _strided_positions(size: tuple, stride: tuple, offset: int) -> np.ndarray:
    """Storage positions of every element of an ``as_strided(size, stride, offset)`` view."""
    pos = np.full(size, offset, dtype=np.int64)
    for d, (n, s) in enumerate(zip(size, stride)):
        pos += (np.arange(n, dtype=np.int64) * s).reshape((n,) + (1,) * (len(size) - d - 1))
    return pos


def _input_index(x: Tensor, root: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """Map storage positions to ``x``'s flat positions (-1 where ``x`` does not cover them)."""
    if _owns_storage(x, root):
        return pos
    where = np.full(root.size, -1, dtype=np.int64)
    item = root.itemsize
    if x._data.size:
        strides = tuple(st // item for st in x._data.strides)
        mine = _strided_positions(x._data.shape, strides, _storage_offset(x, root))
        where[mine.reshape(-1)] = np.arange(mine.size)
    return where[pos]


def _strided_make(root: np.ndarray, size: tuple, stride: tuple, offset: int):
    """``make(_)``: the numpy view ``as_strided(size, stride, offset)`` of storage ``root``."""
    item = root.itemsize

    def make(_a):
        start = root[offset:] if offset < root.size else root[root.size :]
        return np.lib.stride_tricks.as_strided(start, size, tuple(s * item for s in stride))

    return make


def as_strided(input: Tensor, size, stride, storage_offset=None) -> Tensor:  # noqa: A002
    """A view with the given ``size`` and ``stride`` (in elements) on ``input``'s storage."""
    size, stride, offset, root = _strided_args("as_strided", input, size, stride, storage_offset)
    make = _strided_make(root, size, stride, offset)
    index = lambda: _input_index(input, root, _strided_positions(size, stride, offset))  # noqa: E731
    out = AsStridedView.apply(input, make=make, index=index)
    if out._base is None and np.shares_memory(out._data, input._data):
        # the storage spans beyond ``input``: numpy cannot tell the view belongs to it
        out._base = input._base if input._base is not None else input
        out._vc, out._view_ver = input._vc, input._vc.value
    return out


def as_strided_copy(input: Tensor, size, stride, storage_offset=None) -> Tensor:  # noqa: A002
    """A copy of ``as_strided(input, size, stride, storage_offset)``."""
    size, stride, offset, root = _strided_args("as_strided_copy", input, size, stride, storage_offset)
    check_alloc(int(np.prod(size, dtype=object)), input._data.itemsize + 8)
    index = _input_index(input, root, _strided_positions(size, stride, offset))
    return AsStridedCopy.apply(input, make=_strided_make(root, size, stride, offset), index=index)


def as_strided_scatter(input: Tensor, src: Tensor, size, stride, storage_offset=None) -> Tensor:  # noqa: A002
    """``input`` with ``src`` written into its ``as_strided(size, stride, storage_offset)`` view."""
    _check_tensor("as_strided_scatter", input)
    # positions count in ``input``'s own C order (its storage, when it is contiguous)
    size, stride, offset, _ = _strided_args(
        "as_strided_scatter", Tensor._make(input._data), size, stride, storage_offset
    )
    check_alloc(int(np.prod(size, dtype=object)), 8)
    index = _strided_positions(size, stride, offset)
    src = _check_src("as_strided_scatter", input, src, index, "view")
    return AsStridedScatterOp.apply(input, src, index=index)


# --- the *_copy variants of view ops ------------------------------------------------------
def _copy_variant(name: str, view, node: str, multi: bool = False):
    """``name(input, ...)``: a copy of ``view(input, ...)``, whose grad_fn is called ``node``."""
    op = _named(Gather, node)

    def copy_fn(input: Tensor, *args, **kwargs):  # noqa: A002
        _check_tensor(name, input)
        where = view(_positions(input), *args, **kwargs)
        check_alloc(sum(w.numel() for w in where) if multi else where.numel(), input._data.itemsize + 8)
        if multi:
            return tuple(op.apply(input, index=_index_of(w)) for w in where)
        return op.apply(input, index=_index_of(where))

    copy_fn.__name__ = name
    copy_fn.__qualname__ = name
    copy_fn.__doc__ = f"A copy of ``{view.__name__}``'s result (a new tensor, not a view)."
    return copy_fn


def _alias(x: Tensor) -> Tensor:
    return S.Alias.apply(x)


_alias.__name__ = "alias"


def _squeeze(x: Tensor, dim=None) -> Tensor:
    return S.squeeze(x, dim)


_squeeze.__name__ = "squeeze"


def _unfold(x: Tensor, dimension: int, size: int, step: int) -> Tensor:
    for pos, (arg, value) in enumerate((("dimension", dimension), ("size", size), ("step", step)), 2):
        _int("unfold_copy", value, arg, pos)
    return S.unfold(x, dimension, size, step)


_unfold.__name__ = "unfold"


def _split_with_sizes(x: Tensor, split_sizes, dim: int = 0) -> tuple:
    if not isinstance(split_sizes, (list, tuple)):
        raise TypeError(
            f"split_with_sizes_copy(): argument 'split_sizes' (position 2) must be tuple of ints, not "
            f"{type(split_sizes).__name__}"
        )
    return S.split(x, list(split_sizes), dim)


_split_with_sizes.__name__ = "split_with_sizes"

alias_copy = _copy_variant("alias_copy", _alias, "AliasBackward0_copy")


def _sizes(op: str, value, arg: str) -> tuple:
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"{op}(): argument '{arg}' (position 2) must be tuple of ints, not {type(value).__name__}")
    return tuple(value)


def _expand(x: Tensor, size) -> Tensor:
    return S.expand(x, _sizes("expand_copy", size, "size"))


def _permute(x: Tensor, dims) -> Tensor:
    return S.permute(x, _sizes("permute_copy", dims, "dims"))


def _view(x: Tensor, size) -> Tensor:
    return S.view(x, _sizes("view_copy", size, "size"))


_expand.__name__, _permute.__name__, _view.__name__ = "expand", "permute", "view"
expand_copy = _copy_variant("expand_copy", _expand, "ExpandBackward0_copy")


def _narrow(x: Tensor, dim: int, start: int, length: int) -> Tensor:
    if isinstance(dim, int) and dim >= max(x.ndim, 1):  # torch: RuntimeError here, IndexError below -ndim
        raise RuntimeError(f"narrow_copy(): dim {dim} out of range for a tensor of {x.ndim} dims")
    return S.narrow(x, dim, start, length)


_narrow.__name__ = "narrow"
narrow_copy = _copy_variant("narrow_copy", _narrow, "NarrowCopyBackward0")
permute_copy = _copy_variant("permute_copy", _permute, "PermuteBackward0_copy")
squeeze_copy = _copy_variant("squeeze_copy", _squeeze, "SqueezeBackward0_copy")
t_copy = _copy_variant("t_copy", S.t, "TBackward0_copy")
transpose_copy = _copy_variant("transpose_copy", S.transpose, "TransposeBackward0_copy")
unsqueeze_copy = _copy_variant("unsqueeze_copy", S.unsqueeze, "UnsqueezeBackward0_copy")
unfold_copy = _copy_variant("unfold_copy", _unfold, "UnfoldBackward0_copy")
_view_copy = _copy_variant("view_copy", _view, "ViewBackward0_copy")


def view_copy(input: Tensor, size) -> Tensor:  # noqa: A002
    """A copy of ``input.view(size)``; with a dtype, a copy of its bits reinterpreted as that dtype."""
    from .._dtype import dtype as _dtype_cls

    if isinstance(size, _dtype_cls):
        _check_tensor("view_copy", input)
        return S.clone(input.view(size))
    return _view_copy(input, size)


unbind_copy = _copy_variant("unbind_copy", S.unbind, "UnbindBackward0_copy", multi=True)
select_copy = _copy_variant("select_copy", S.select, "SelectBackward0_copy")
split_copy = _copy_variant("split_copy", S.split, "SplitBackward0_copy", multi=True)


def _slice_of(x: Tensor, dim: int = 0, start=None, end=None, step: int = 1) -> Tensor:
    return slice(x, dim, start, end, step)


_slice_of.__name__ = "slice"
slice_copy = _copy_variant("slice_copy", _slice_of, "SliceBackward0_copy")
split_with_sizes_copy = _copy_variant(
    "split_with_sizes_copy", _split_with_sizes, "SplitWithSizesBackward0_copy", multi=True
)


def ravel(input: Tensor) -> Tensor:  # noqa: A002
    """The elements as a 1-d tensor (a view when the layout allows, else a copy)."""
    _check_tensor("ravel", input)
    return S.reshape(input, -1)


def swapdims(input: Tensor, dim0: int, dim1: int) -> Tensor:  # noqa: A002
    """Alias of ``transpose``."""
    return S.transpose(input, dim0, dim1)


def moveaxis(input: Tensor, source, destination) -> Tensor:  # noqa: A002
    """Alias of ``movedim``."""
    return S.movedim(input, source, destination)
