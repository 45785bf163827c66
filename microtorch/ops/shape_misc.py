"""Rearranging ops: ``fliplr`` / ``flipud`` / ``rot90``, ``repeat_interleave``,
``constant_pad_nd``, ``unravel_index`` and the complex-number no-ops of real tensors
(``conj``, ``conj_physical``, ``resolve_conj``, ``resolve_neg``, ``real``)."""

from __future__ import annotations

import numpy as np

from .. import _dtype as dt
from .._tensor import Tensor
from ..autograd.function import Op
from . import shape as S
from ._util import wrap_dim
from .shape_views import _check_tensor, _int, _int_list, check_alloc

__all__ = [
    "fliplr",
    "flipud",
    "rot90",
    "repeat_interleave",
    "constant_pad_nd",
    "unravel_index",
    "conj",
    "conj_physical",
    "resolve_conj",
    "resolve_neg",
    "real",
]


def fliplr(input: Tensor) -> Tensor:  # noqa: A002
    """Reverse the order of columns (dim 1) of a tensor of at least 2 dims."""
    _check_tensor("fliplr", input)
    if input.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return S.flip(input, [1])


def flipud(input: Tensor) -> Tensor:  # noqa: A002
    """Reverse the order of rows (dim 0) of a tensor of at least 1 dim."""
    _check_tensor("flipud", input)
    if input.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return S.flip(input, [0])


class Rot90(Op):
    """Rotation by ``k`` quarter turns in the plane of ``dims`` (a copy)."""

    torch_name = "Rot90Backward0"

    def forward(self, x, k, dims):
        self.k, self.dims = k, dims
        return np.ascontiguousarray(np.rot90(x._data, k, dims))

    def backward(self, g):
        return Rot90.apply(g, k=-self.k % 4, dims=self.dims)


def rot90(input: Tensor, k: int = 1, dims=(0, 1)) -> Tensor:  # noqa: A002
    """Rotate by 90 degrees ``k`` times, from the first toward the second of ``dims``."""
    _check_tensor("rot90", input)
    k = _int("rot90", k, "k", 2)
    dims = _int_list("rot90", dims, "dims", 3)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.ndim}")
    d0, d1 = wrap_dim(dims[0], input.ndim), wrap_dim(dims[1], input.ndim)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    return Rot90.apply(input, k=k % 4, dims=(d0, d1))


# --- repeat_interleave --------------------------------------------------------------------
def _repeat_counts(repeats: Tensor) -> np.ndarray:
    if repeats.ndim > 1:
        raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
    if repeats._data.dtype.kind not in "iu":
        word = {"f": "Float", "b": "Bool"}.get(repeats._data.dtype.kind, repeats.dtype.name)
        if repeats._data.dtype == np.float64:
            word = "Double"
        raise NotImplementedError(f"\"repeat_interleave_cpu\" not implemented for '{word}'")
    counts = repeats._data.astype(np.int64).reshape(-1)
    if counts.size and counts.min() < 0:
        raise RuntimeError("repeats can not be negative")
    return counts


def _repeat_index(counts: np.ndarray, output_size) -> Tensor:
    if output_size is not None and int(counts.sum()) != output_size:
        raise RuntimeError("allocated size does not match required size")
    return Tensor._make(np.repeat(np.arange(counts.size, dtype=np.int64), counts))


def repeat_interleave(input: Tensor, repeats=None, dim=None, *, output_size=None) -> Tensor:  # noqa: A002
    """Repeat each element (each slice along ``dim``) ``repeats`` times; with only a tensor of
    counts, the indices ``i`` repeated ``input[i]`` times."""
    _check_tensor("repeat_interleave", input)
    if output_size is not None:
        output_size = _int("repeat_interleave", output_size, "output_size", 4)
    if repeats is None:
        return _repeat_index(_repeat_counts(input), output_size)
    x = S.flatten(input) if dim is None else input
    d = 0 if dim is None else wrap_dim(_int("repeat_interleave", dim, "dim", 3), max(input.ndim, 1))
    if x.ndim == 0:
        x = S.reshape(x, (1,))
    counts = _repeat_counts(repeats) if isinstance(repeats, Tensor) else None
    if counts is not None and counts.size != 1:
        if counts.size != x.shape[d]:
            raise RuntimeError(
                f"repeats must have the same size as input along dim, but got repeats.size(0) = {counts.size} and "
                f"input.size({d}) = {x.shape[d]}"
            )
        from .indexing import index_select

        return index_select(x, d, _repeat_index(counts, output_size))
    r = int(counts[0]) if counts is not None else _int("repeat_interleave", repeats, "repeats", 2)
    if r < 0:
        raise RuntimeError("Repeats must be non-negative")
    if output_size is not None and output_size != r * x.shape[d]:
        raise RuntimeError("allocated size does not match required size")
    shape = list(x.shape)
    check_alloc(x.numel() * r, x._data.itemsize)
    wide = S.expand(S.unsqueeze(x, d + 1), shape[: d + 1] + [r] + shape[d + 1 :])
    shape[d] *= r
    return S.view(S.clone(wide, dt.contiguous_format), shape)  # torch: a contiguous copy, then a view of it


# --- padding, unravel_index ---------------------------------------------------------------
def constant_pad_nd(input: Tensor, pad, value=0) -> Tensor:  # noqa: A002
    """Pad (negative amounts crop) the trailing dims by ``pad`` (last dim first) with ``value``."""
    _check_tensor("constant_pad_nd", input)
    pad = _int_list("constant_pad_nd", pad, "pad", 2)
    if len(pad) % 2:
        raise RuntimeError(f"Length of pad must be even but instead it equals {len(pad)}")
    if len(pad) > 2 * input.ndim:
        raise RuntimeError(
            "Length of pad should be no more than twice the number of dimensions of the input. Pad length is "
            f"{len(pad)}while the input has {input.ndim}dimensions."
        )
    k = len(pad) // 2
    pairs = [(pad[2 * i], pad[2 * i + 1]) for i in range(k)][::-1]
    for i, (b, e) in enumerate(pairs):
        n = input.shape[input.ndim - k + i]
        if n + min(b, 0) < 0 or n + min(b, 0) + min(e, 0) < 0:
            raise RuntimeError("narrow(): length must be non-negative.")
        if n + b + e < 0:
            raise RuntimeError(
                f"The input size {n}, plus negative padding {b} and {e} resulted in a negative output size, which is "
                f"invalid. Check dimension {input.ndim - k + i} of your input."
            )
    out_numel = int(np.prod([n + b + e for n, (b, e) in zip(input.shape[input.ndim - k :], pairs)], dtype=object))
    check_alloc(out_numel * int(np.prod(input.shape[: input.ndim - k], dtype=object)), input._data.itemsize)
    if isinstance(value, Tensor) or not isinstance(value, (int, float, bool, np.number)):
        raise TypeError(f"constant_pad_nd(): argument 'value' (position 3) must be Number, not {type(value).__name__}")
    return _ConstantPadNd.apply(input, pads=pairs, value=value) if k else input.clone()


def _pad_node():
    from .padding import ConstantPad

    return type("ConstantPadNd", (ConstantPad,), {"torch_name": "ConstantPadNdBackward0"})


_ConstantPadNd = _pad_node()


def unravel_index(indices: Tensor, shape) -> tuple:
    """The coordinates in a tensor of ``shape`` of each flat index in ``indices`` (a tuple of int64 tensors)."""
    if not isinstance(indices, Tensor):
        raise TypeError(f"unravel_index(): argument 'indices' must be Tensor, not {type(indices).__name__}")
    if indices._data.dtype.kind not in "iu":
        raise TypeError(
            f"expected 'indices' to be integer dtype, but got {indices.dtype}".replace("microtorch.", "torch.")
        )
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        shape = (int(shape),)
    elif isinstance(shape, (list, tuple)):
        for n in shape:
            if not isinstance(n, (int, np.integer)):
                raise TypeError(f"expected 'shape' sequence to only contain ints, but got {type(n)}")
        shape = tuple(int(n) for n in shape)
    else:
        raise TypeError(f"expected 'shape' to be int or sequence of ints, but got {type(shape)}")
    if any(n < 0 for n in shape):
        raise ValueError(f"'shape' cannot have negative values, but got {shape}")
    coefs = np.cumprod((list(shape[1:]) + [1])[::-1])[::-1].astype(np.int64)
    if 0 in coefs or 0 in shape:
        raise RuntimeError("ZeroDivisionError")
    a = indices._data.astype(np.int64)[..., None]
    out = (a // coefs) % np.asarray(shape, dtype=np.int64) if shape else np.zeros(a.shape[:-1] + (0,), np.int64)
    return tuple(Tensor._make(np.array(out[..., i], order="C")) for i in range(out.shape[-1]))


# --- complex no-ops on real tensors -------------------------------------------------------
def _real_only(name: str):
    def fn(input: Tensor) -> Tensor:  # noqa: A002
        _check_tensor(name, input)
        return input  # microtorch has no complex dtypes: torch returns a real input itself

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"``torch.{name}`` of a real tensor: the tensor itself."
    return fn


conj = _real_only("conj")
conj_physical = _real_only("conj_physical")
resolve_conj = _real_only("resolve_conj")
resolve_neg = _real_only("resolve_neg")
real = _real_only("real")
