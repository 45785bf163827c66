"""Dimension reordering views: ``permute``, ``transpose`` / ``swapaxes``, ``t`` and ``movedim``."""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor, _check_shape_args
from ..autograd import engine as _engine
from ..autograd.function import Op
from ..autograd.grad_mode import _state
from ._util import wrap_dim
from .shape import _check_tensor, _int_dim, _sizes_or_keyword


class Permute(Op):
    """Reorder dimensions (a view)."""

    torch_name = "PermuteBackward0"

    is_view = True

    def forward(self, x, dims):
        self.dims = dims
        return x._data.transpose(dims)

    def backward(self, g):
        inverse = [0] * len(self.dims)
        for i, d in enumerate(self.dims):
            inverse[d] = i
        if not _state.enabled and _engine._instrument is None:
            return Tensor._make(g._data.transpose(inverse))  # nothing recorded: the array view
        return Permute.apply(g, dims=tuple(inverse))


def permute(input: Tensor, *order, dims=None) -> Tensor:
    """Return a view with dimensions reordered as ``dims``."""
    _check_tensor("permute", input)
    dims = _check_shape_args("permute", _sizes_or_keyword("permute", "dims", order, dims))
    if len(dims) != input.ndim:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the length of the "
            f"desired ordering of dimensions i.e. input.dim() = {input.ndim} is not equal to len(dims) = {len(dims)}"
        )
    norm = tuple(wrap_dim(d, input.ndim, "permute") for d in dims)
    if len(set(norm)) != len(norm):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return Permute.apply(input, dims=norm)


class Transpose(Op):
    """Swap two dimensions (a view)."""

    torch_name = "TransposeBackward0"
    is_view = True

    def forward(self, x, dim0, dim1):
        self.dims = (dim0, dim1)
        a = x._data
        return a.swapaxes(dim0, dim1) if a.ndim else a[...]

    def backward(self, g):
        if not _state.enabled and _engine._instrument is None:
            a = g._data  # nothing recorded: the array view
            return Tensor._make(a.swapaxes(*self.dims) if a.ndim else a[...])
        return Transpose.apply(g, dim0=self.dims[0], dim1=self.dims[1])


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Return a view with ``dim0`` and ``dim1`` swapped."""
    _check_tensor("transpose", input)
    n = input.ndim
    d0, d1 = _int_dim(dim0, n, "transpose", "dim0"), _int_dim(dim1, n, "transpose", "dim1")
    return Transpose.apply(input, dim0=d0, dim1=d1)


def swapaxes(input: Tensor, axis0: int, axis1: int) -> Tensor:
    """``torch.swapaxes``: ``transpose`` under NumPy's parameter names."""
    return transpose(input, axis0, axis1)


class T(Op):
    """``Tensor.t()``: a matrix transposed, a 0-d or 1-d tensor as it is (a view)."""

    torch_name = "TBackward0"
    is_view = True

    def forward(self, x):
        return x._data.T

    def backward(self, g):
        if not _state.enabled and _engine._instrument is None:
            return Tensor._make(g._data.T)  # nothing recorded: the array view
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


def movedim(input: Tensor, source, destination) -> Tensor:
    """Move dimensions ``source`` to positions ``destination``."""
    _check_tensor("movedim", input)
    if isinstance(source, (int, np.integer)) != isinstance(destination, (int, np.integer)):
        raise TypeError(
            f"movedim(): source and destination must both be int or both be tuples of ints, got "
            f"{type(source).__name__} and {type(destination).__name__}"
        )
    src = _dim_list(source, input.ndim, "movedim", "source")
    dst = _dim_list(destination, input.ndim, "movedim", "destination")
    if len(src) != len(dst):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({list(np.atleast_1d(source))} dims) should contain "
            f"the same number of dims as destination ({list(np.atleast_1d(destination))} dims)"
        )
    if not input.ndim:
        return Permute.apply(input, dims=())
    perm = [i for i in range(input.ndim) if i not in src]
    for d, s in sorted(zip(dst, src)):
        perm.insert(d, s)
    return Permute.apply(input, dims=tuple(perm))
