"""``one_hot``, ``unique``, ``diag``, ``roll``, ``tile``, ``meshgrid`` and ``argwhere``."""

from __future__ import annotations

import warnings

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Op
from ._index_common import _bool_arg, _int_arg, _ints_arg, _tensor_arg, _type_name
from ._util import wrap_dim
from .shape import expand, repeat, reshape


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


def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False, dim=None):  # noqa: A002
    """Sorted unique values (optionally with inverse indices and counts)."""
    _tensor_arg("_unique2", input, "input", 1)
    for name, flag in (("sorted", sorted), ("return_inverse", return_inverse), ("return_counts", return_counts)):
        _bool_arg("_unique2", flag, name)
    if dim is not None:
        dim = wrap_dim(_int_arg("unique_dim", dim, "dim", 2), input.ndim)
    if dim is not None:
        vals, inv, counts = np.unique(input._data, return_inverse=True, return_counts=True, axis=dim)
    else:
        vals, inv, counts = np.unique(input._data, return_inverse=True, return_counts=True)
        inv = inv.reshape(input.shape)
    out = [Tensor._make(vals)]
    if return_inverse:
        out.append(Tensor._make(inv.astype(np.int64)))
    if return_counts:
        out.append(Tensor._make(counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """A diagonal matrix from a vector, or the diagonal of a matrix (differentiable)."""
    _tensor_arg("diag", input, "input", 1)
    diagonal = _int_arg("diag", diagonal, "diagonal", 2)
    if input.ndim == 1:
        return DiagEmbed.apply(input, offset=diagonal)
    if input.ndim == 2:
        return DiagonalCopy.apply(input, offset=diagonal)
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")


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


def roll(input: Tensor, shifts, dims=None) -> Tensor:
    """Rotate elements along ``dims`` by ``shifts`` (flattened when dims is None)."""
    _tensor_arg("roll", input, "input", 1)
    shifts = _ints_arg("roll", shifts, "shifts", 2)
    dims = () if dims is None else _ints_arg("roll", dims, "dims", 3)
    if not shifts:
        raise RuntimeError("`shifts` required")
    if (dims or len(shifts) != 1) and len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    if not input.numel():  # torch checks nothing more on an empty tensor
        return Roll.apply(input, shifts=0, dims=None)
    if dims and input.ndim == 0:
        raise IndexError(f"Dimension specified as {dims[0]} but tensor has no dimensions")
    dims = tuple(wrap_dim(d, input.ndim) for d in dims) or None
    return Roll.apply(input, shifts=shifts if dims else shifts[0], dims=dims)


class Roll(Op):
    """Elements rotated by ``shifts`` along ``dims`` (over the flattened tensor when None)."""

    torch_name = "RollBackward0"

    def forward(self, x, shifts, dims):
        self.shifts, self.dims = shifts, dims
        return np.roll(x._data, shifts, dims)

    def backward(self, g):
        back = tuple(-s for s in self.shifts) if self.dims else -self.shifts
        return Roll.apply(g, shifts=back, dims=self.dims)


def tile(input: Tensor, dims) -> Tensor:
    """Repeat ``x`` along each dimension (``dims`` padded with ones on the left)."""
    _tensor_arg("tile", input, "input", 1)
    if not isinstance(dims, (tuple, list)):
        raise TypeError(f"tile(): argument 'dims' (position 2) must be tuple of ints, not {_type_name(dims)}")
    dims = _ints_arg("tile", dims, "dims", 2)
    if len(dims) < input.ndim:
        dims = (1,) * (input.ndim - len(dims)) + dims
    return repeat(input, *dims)


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


def argwhere(input: Tensor) -> Tensor:
    """Indices of non-zero elements as an (n, ndim) int64 tensor."""
    _tensor_arg("argwhere", input, "input", 1)
    return Tensor._make(np.argwhere(input._data).astype(np.int64))
