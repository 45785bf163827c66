"""Tensor methods and properties of the shape family (ops/shape_views.py, shape_combine.py,
shape_split.py, shape_misc.py), plus ``fill``, ``resize_`` / ``resize_as_`` and the
properties ``H`` / ``real`` / ``imag`` of real tensors."""

from __future__ import annotations

import numpy as np

from . import _dtype as dt
from ._tensor import Tensor, _check_shape_args, check_format_rank
from ._tensor_methods import _check_inplace, _FillScalar, _FillTensor, _inplace_view, _method
from .autograd.grad_mode import _state
from .ops import shape_combine as SC
from .ops import shape_misc as SM
from .ops import shape_split as SP
from .ops import shape_views as SV

__all__ = ["fill", "fill_", "resize_as_", "as_strided_", "conj_physical_"]


class _Fill(_FillScalar):
    torch_name = "FillBackward0"


class _FillWith(_FillTensor):
    torch_name = "FillBackward1"


def fill(input: Tensor, value) -> Tensor:  # noqa: A002
    """A new tensor of ``input``'s shape and dtype filled with ``value`` (a number or a 0-d tensor)."""
    SV._check_tensor("fill", input)
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(
                f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} dimensions."
            )
        return _FillWith.apply(input, value.to(input.dtype))
    if not isinstance(value, (bool, int, float, np.number)):
        raise TypeError(f"fill(): argument 'value' (position 2) must be Number, not {type(value).__name__}")
    return _Fill.apply(input, value=value)


def _resize(self: Tensor, shape: tuple, op: str, memory_format) -> Tensor:
    fmt = dt.check_memory_format(memory_format, op) if memory_format is not None else dt.contiguous_format
    if fmt == dt.preserve_format:
        raise RuntimeError("Unsupported memory formatPreserve")
    check_format_rank(fmt, len(shape))
    if self._requires_grad and _state.enabled:
        raise RuntimeError("cannot resize variables that require grad")
    if any(n < 0 for n in shape):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(shape)}: {list(shape)}")
    _check_inplace(self, False, op)
    n = int(np.prod(shape))
    flat = self._data.reshape(-1) if self._data.flags.c_contiguous else None
    if flat is None or n > flat.size:
        grown = np.zeros(max(n, self._data.size), self._data.dtype)  # torch leaves new elements uninitialised
        grown[: self._data.size] = self._data.reshape(-1)
        flat = grown
    self._data = np.lib.stride_tricks.as_strided(flat, shape, _format_strides(shape, fmt, flat.itemsize))
    self._vc.value += 1
    return self


def _format_strides(shape: tuple, fmt, item: int) -> tuple:
    """Byte strides of a dense tensor of ``shape`` laid out in memory format ``fmt``."""
    order = list(range(len(shape)))  # dims from outermost to innermost in memory
    if fmt in (dt.channels_last, dt.channels_last_3d):
        order = [0, *range(2, len(shape)), 1]
    strides, step = [0] * len(shape), item
    for d in reversed(order):
        strides[d], step = step, step * max(shape[d], 1)
    return tuple(strides)


def _resize_(self: Tensor, *size, memory_format=None) -> Tensor:
    """Change the shape in place, keeping the first elements of the storage (new ones are zeros)."""
    return _resize(self, _check_shape_args("resize_", size), "resize_", memory_format)


def resize_as_(input: Tensor, the_template: Tensor, memory_format=None) -> Tensor:  # noqa: A002
    """``input.resize_(the_template.shape)``."""
    SV._check_tensor("resize_as_", input)
    SV._check_tensor("resize_as_", the_template, "the_template", 2)
    return _resize(input, tuple(the_template.shape), "resize_as_", memory_format)


def _h(self: Tensor) -> Tensor:
    """The conjugate transpose of a matrix (a real tensor: its transpose)."""
    if self.ndim == 0:
        import warnings

        warnings.warn("Tensor.H is deprecated on 0-D tensors. Consider using x.conj().", UserWarning, stacklevel=2)
        return self
    if self.ndim != 2:
        extra = " For batches of matrices, consider using tensor.mH" if self.ndim > 2 else ""
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {self.ndim}-D tensor.{extra}")
    return self.transpose(0, 1)


def _imag(self: Tensor) -> Tensor:
    raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")


def _as_strided_view_(self, size, stride, storage_offset=None):
    return SV.as_strided(self, size, stride, storage_offset)


def _swapdims_view_(self, dim0, dim1):
    from .ops import shape as S

    return S.transpose_view_(self, dim0, dim1)


_METHODS = {
    "diagonal": SV.diagonal,
    "diagonal_scatter": SV.diagonal_scatter,
    "select_scatter": SV.select_scatter,
    "slice_scatter": SV.slice_scatter,
    "as_strided": SV.as_strided,
    "as_strided_scatter": SV.as_strided_scatter,
    "narrow_copy": SV.narrow_copy,
    "ravel": SV.ravel,
    "swapdims": SV.swapdims,
    "moveaxis": SV.moveaxis,
    "tensor_split": SP.tensor_split,
    "hsplit": SP.hsplit,
    "vsplit": SP.vsplit,
    "dsplit": SP.dsplit,
    "split_with_sizes": SP.split_with_sizes,
    "unsafe_split": SP.unsafe_split,
    "unsafe_split_with_sizes": SP.unsafe_split_with_sizes,
    "unsafe_chunk": SP.unsafe_chunk,
    "diag_embed": SC.diag_embed,
    "diagflat": SC.diagflat,
    "trace": SC.trace,
    "fliplr": SM.fliplr,
    "flipud": SM.flipud,
    "rot90": SM.rot90,
    "repeat_interleave": SM.repeat_interleave,
    "conj": SM.conj,
    "conj_physical": SM.conj_physical,
    "resolve_conj": SM.resolve_conj,
    "resolve_neg": SM.resolve_neg,
}
for _name, _fn in _METHODS.items():
    setattr(Tensor, _name, _method(_fn, _name))


def _conj_physical_(self: Tensor) -> Tensor:
    """In-place ``conj_physical``: a real tensor keeps its values (its version still moves on, as torch's)."""
    _check_inplace(self, False, "conj_physical_")
    self._vc.value += 1
    return self


Tensor.conj_physical_ = _method(_conj_physical_, "conj_physical_")
Tensor.is_conj = _method(lambda self: False, "is_conj")
Tensor.is_neg = _method(lambda self: False, "is_neg")
Tensor.resize_ = _method(_resize_, "resize_")
Tensor.resize_as_ = _method(resize_as_, "resize_as_")
Tensor.as_strided_ = _inplace_view("as_strided_", _as_strided_view_)
Tensor.swapdims_ = _inplace_view("swapdims_", _swapdims_view_)
Tensor.H = property(_h, doc="Conjugate transpose of a matrix (real tensors: the transpose).")
Tensor.real = property(lambda self: self, doc="The real part: a real tensor itself.")
Tensor.imag = property(_imag, doc="The imaginary part: not defined for real tensors (raises, as torch).")


def fill_(input: Tensor, value) -> Tensor:  # noqa: A002
    """``input.fill_(value)``."""
    SV._check_tensor("fill_", input)
    return input.fill_(value)


def as_strided_(input: Tensor, size, stride, storage_offset=None) -> Tensor:  # noqa: A002
    """``input.as_strided_(size, stride, storage_offset)``."""
    SV._check_tensor("as_strided_", input)
    return input.as_strided_(size, stride, storage_offset)


def conj_physical_(input: Tensor) -> Tensor:  # noqa: A002
    """``input.conj_physical_()``."""
    SV._check_tensor("conj_physical_", input)
    return input.conj_physical_()
