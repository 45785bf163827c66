"""Splitting into views: ``split``, ``chunk`` and ``unbind`` (one graph node with one output per piece)."""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Op, _link_view, mark_multi_output_views
from .shape import _check_tensor, _int_dim, _int_tuple
from .stacking import Cat, Stack

__all__ = ["split", "chunk", "unbind"]


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


def split(tensor: Tensor, split_size_or_sections, dim: int = 0) -> tuple:
    """Split into chunks of a given size (the last may be smaller) or of given sizes."""
    _check_tensor("split", tensor)
    if tensor.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = _int_dim(dim, tensor.ndim, "split")
    n = tensor.shape[d]
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
    return mark_multi_output_views(op.apply(tensor, dim=d, sizes=tuple(sizes)), name)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    """Split into ``chunks`` pieces of size ceil(n / chunks) (the last may be smaller)."""
    _check_tensor("chunk", input)
    if input.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = _int_dim(dim, input.ndim, "chunk")
    n = input.shape[d]
    if n == 0:  # torch: ``chunks`` empty pieces
        return split(input, [0] * chunks, d)
    return split(input, -(-n // chunks), d)


class Unbind(_MultiView):
    """Every slice along ``dim``, with that dimension removed."""

    torch_name = "UnbindBackward0"

    def forward(self, x, dim):
        a, lead = x._data, (slice(None),) * dim
        self.dim = dim
        return tuple(a[lead + (i, Ellipsis)] for i in range(a.shape[dim]))

    def backward(self, *grads):
        return Stack.apply(*grads, dim=self.dim)


def unbind(input: Tensor, dim: int = 0) -> tuple:
    """Remove ``dim`` and return the slices along it."""
    _check_tensor("unbind", input)
    if input.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = _int_dim(dim, input.ndim, "unbind")
    return mark_multi_output_views(Unbind.apply(input, dim=d), "Unbind")
