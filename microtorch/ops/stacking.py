"""Joining tensors: ``cat`` and ``stack`` (inputs of other dtypes promoted, their gradients cast back)."""

from __future__ import annotations

import numpy as np

from .. import _dtype as dt
from .._backend import xp
from .._foreign import foreign_tensor_error
from .._tensor import Tensor
from ..autograd.function import Op
from .shape import Select, _int_dim, narrow

__all__ = ["cat", "stack"]


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
            raise foreign_tensor_error("cat", t) or TypeError(
                f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}"
            )
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
            raise foreign_tensor_error("stack", t) or TypeError(
                f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}"
            )
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
