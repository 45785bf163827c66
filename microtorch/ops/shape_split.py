"""Splitting ops beyond ``split`` / ``chunk``: ``tensor_split``, ``hsplit`` / ``vsplit`` /
``dsplit``, ``split_with_sizes`` and the non-view ``unsafe_split`` / ``unsafe_chunk``."""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from . import shape as S
from ._util import wrap_dim
from .shape_views import _check_tensor, check_alloc

__all__ = [
    "tensor_split",
    "hsplit",
    "vsplit",
    "dsplit",
    "split_with_sizes",
    "unsafe_split",
    "unsafe_split_with_sizes",
    "unsafe_chunk",
]

_TYPE_WORDS = {"float32": "Float", "float64": "Double", "float16": "Half", "int32": "Int", "int16": "Short"}


def _pieces(x: Tensor, d: int, bounds: list) -> tuple:
    """Slices ``[b0:b1]``, ``[b1:b2]``... of ``x`` along ``d`` (each a view)."""
    lead = (slice(None),) * d
    return tuple(S.Slice.apply(x, key=lead + (slice(b, e),)) for b, e in zip(bounds, bounds[1:]))


def _section_bounds(n: int, sections: int) -> list:
    if sections <= 0:
        raise RuntimeError(f"number of sections must be larger than 0, got {sections}")
    check_alloc(sections, 64)  # one tensor per section
    size, extra = divmod(n, sections)
    sizes = [size + 1] * extra + [size] * (sections - extra)
    return np.cumsum([0] + sizes).tolist()


def _indices(arg) -> list | int:
    """``indices_or_sections`` as a list of indices, or an int number of sections."""
    if isinstance(arg, Tensor):
        if arg._data.dtype != np.int64:
            word = _TYPE_WORDS.get(arg._data.dtype.name, arg.dtype.name)
            raise RuntimeError(
                f"tensor_split expected tensor_indices_or_sections to have dtype of long, but got {word}"
            )
        if arg.ndim > 1:
            raise RuntimeError(
                "tensor_split expected tensor_indices_or_sections to be a zero-dimensional or one-dimensional "
                f"tensor, but got a tensor with {arg.ndim} dims"
            )
        return int(arg._data) if arg.ndim == 0 else arg._data.tolist()
    if isinstance(arg, (int, np.integer)) and not isinstance(arg, bool):
        return int(arg)
    if isinstance(arg, (list, tuple)) and all(
        isinstance(i, (int, np.integer)) and not isinstance(i, bool) for i in arg
    ):
        return [int(i) for i in arg]
    raise TypeError(
        f"tensor_split() received an invalid combination of arguments - got (Tensor, {type(arg).__name__}), but "
        "expected one of: (Tensor input, tuple of ints indices, int dim = 0), (Tensor input, Tensor "
        "tensor_indices_or_sections, int dim = 0), (Tensor input, int sections, int dim = 0)"
    )


def _spec_arg(name: str, args: tuple, sections, indices, tensor_indices_or_sections):
    """The one way of splitting given: positionally, or by torch's keyword of that overload."""
    given = [v for v in (*args, sections, indices, tensor_indices_or_sections) if v is not None]
    bad = (
        len(given) != 1
        or (sections is not None and not isinstance(sections, (int, np.integer)))
        or (indices is not None and not isinstance(indices, (list, tuple)))
        or (tensor_indices_or_sections is not None and not isinstance(tensor_indices_or_sections, Tensor))
    )
    if bad:
        raise TypeError(
            f"{name}() received an invalid combination of arguments: expected one of (Tensor input, int sections), "
            "(Tensor input, tuple of ints indices), (Tensor input, Tensor tensor_indices_or_sections)"
        )
    return given[0]


def tensor_split(
    input: Tensor,  # noqa: A002
    *args,
    sections: int | None = None,
    indices=None,
    tensor_indices_or_sections: Tensor | None = None,
    dim: int = 0,
) -> tuple:
    """Views of ``input`` split into ``sections`` near-equal parts or at the given indices
    (``tensor_split(input, indices_or_sections, dim=0)``, or by keyword as torch's overloads)."""
    _check_tensor("tensor_split", input)
    if len(args) == 2:
        args, dim = args[:1], args[1]
    if len(args) > 2:
        raise TypeError(f"tensor_split() takes from 2 to 3 positional arguments but {len(args) + 1} were given")
    spec = _spec_arg("tensor_split", args, sections, indices, tensor_indices_or_sections)
    if input.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
    spec = _indices(spec)
    d = S._int_dim(dim, input.ndim, "tensor_split")
    n = input.shape[d]
    if isinstance(spec, int):
        return _pieces(input, d, _section_bounds(n, spec))
    return _pieces(input, d, [0, *spec, None])


def _directional_split(name: str, min_dim: int, d: int, input: Tensor, args: tuple, sections, indices) -> tuple:  # noqa: A002
    _check_tensor(name, input)
    spec = _spec_arg(name, args, sections, indices, None)
    if input.ndim < min_dim:
        raise RuntimeError(
            f"torch.{name} requires a tensor with at least {min_dim} dimension, but got a tensor with "
            f"{input.ndim} dimensions!"
        )
    parsed = _indices(spec)
    if isinstance(parsed, int) and (parsed == 0 or input.shape[d] % parsed):
        raise RuntimeError(
            f"torch.{name} attempted to split along dimension {d}, but the size of the dimension "
            f"{input.shape[d]} is not divisible by the split_size {parsed}!"
        )
    return tensor_split(input, spec, d)


def hsplit(input: Tensor, *args, sections: int | None = None, indices=None) -> tuple:  # noqa: A002
    """``tensor_split`` along dim 1 (dim 0 for 1-d), sections required to divide evenly."""
    d = 0 if isinstance(input, Tensor) and input.ndim == 1 else 1
    return _directional_split("hsplit", 1, d, input, args, sections, indices)


def vsplit(input: Tensor, *args, sections: int | None = None, indices=None) -> tuple:  # noqa: A002
    """``tensor_split`` along dim 0 of a tensor of at least 2 dims."""
    return _directional_split("vsplit", 2, 0, input, args, sections, indices)


def dsplit(input: Tensor, *args, sections: int | None = None, indices=None) -> tuple:  # noqa: A002
    """``tensor_split`` along dim 2 of a tensor of at least 3 dims."""
    return _directional_split("dsplit", 3, 2, input, args, sections, indices)


def split_with_sizes(input: Tensor, split_sizes, dim: int = 0) -> tuple:  # noqa: A002
    """Views of consecutive pieces of the given sizes along ``dim`` (which must sum to its size)."""
    _check_tensor("split_with_sizes", input)
    if isinstance(split_sizes, (int, np.integer)) or not isinstance(split_sizes, (list, tuple)):
        raise TypeError(
            "split_with_sizes(): argument 'split_sizes' (position 2) must be tuple of ints, not "
            f"{type(split_sizes).__name__}"
        )
    return S.split(input, list(split_sizes), dim)


class UnsafeSplit(S.Split):
    """``split`` whose pieces are copies, not tracked views (torch's ``unsafe_split``)."""

    torch_name = "UnsafeSplitBackward0"

    def forward(self, x, dim, sizes):
        return tuple(p.copy() for p in super().forward(x, dim, sizes))


def unsafe_split(input: Tensor, split_size: int, dim: int = 0) -> tuple:  # noqa: A002
    """``split`` into pieces of ``split_size`` whose results are not views of ``input``."""
    _check_tensor("unsafe_split", input)
    if input.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = S._int_dim(dim, input.ndim, "unsafe_split")
    n = input.shape[d]
    if not isinstance(split_size, (int, np.integer)) or isinstance(split_size, bool):
        raise TypeError(
            f"unsafe_split(): argument 'split_size' (position 2) must be int, not {type(split_size).__name__}"
        )
    if split_size < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size={split_size}")
    if split_size == 0 and n:
        raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
    sizes = [min(split_size, n - s) for s in range(0, n, split_size)] if n else [0]
    return UnsafeSplit.apply(input, dim=d, sizes=tuple(sizes))


class UnsafeSplitWithSizes(UnsafeSplit):
    torch_name = "UnsafeSplitWithSizesBackward0"


def unsafe_split_with_sizes(input: Tensor, split_sizes, dim: int = 0) -> tuple:  # noqa: A002
    """``split_with_sizes`` whose results are not views of ``input``."""
    views = split_with_sizes(input, split_sizes, dim)  # checks the arguments as torch does
    d = wrap_dim(S._int_dim(dim, input.ndim, "unsafe_split_with_sizes"), input.ndim)
    return UnsafeSplitWithSizes.apply(input, dim=d, sizes=tuple(v.shape[d] for v in views))


def unsafe_chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:  # noqa: A002
    """``chunk`` whose results are not views of ``input``."""
    _check_tensor("unsafe_chunk", input)
    if input.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if not isinstance(chunks, (int, np.integer)) or isinstance(chunks, bool):
        raise TypeError(f"unsafe_chunk(): argument 'chunks' (position 2) must be int, not {type(chunks).__name__}")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = wrap_dim(S._int_dim(dim, input.ndim, "unsafe_chunk"), input.ndim)
    n = input.shape[d]
    if n == 0:
        return UnsafeSplit.apply(input, dim=d, sizes=(0,) * chunks)
    return unsafe_split(input, -(-n // chunks), d)
