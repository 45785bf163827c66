"""Shared pieces of ``microtorch.linalg``: argument checks with torch's messages, the
``LinAlgError`` class, differentiable diagonal helpers and small Tensor utilities."""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Op
from ..ops._promote import TYPE_WORD

__all__ = ["LinAlgError"]


class LinAlgError(RuntimeError):
    """Raised when a linear-algebra routine fails on its input (singular, not positive-definite, ...)."""


def scipy_linalg():
    """``scipy.linalg``, imported on first use (it is the optional ``scipy`` extra)."""
    try:
        import scipy.linalg
    except ImportError as exc:  # pragma: no cover - scipy is installed in CI
        raise ImportError(
            "this microtorch.linalg function needs scipy: install microtorch with the 'scipy' extra "
            "(pip install 'microtorch[scipy]')"
        ) from exc
    return scipy.linalg


def type_word(x: Tensor) -> str:
    """The scalar type as torch's messages spell it (``Float``, ``Long``, ...)."""
    name = x._data.dtype.name
    return TYPE_WORD.get(name, name)


def check_tensor(x, fn: str, name: str = "A", pos: int = 1) -> None:
    """torch's TypeError for a non-Tensor argument."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' (position {pos}) must be Tensor, not {type(x).__name__}")


def _type_name(value) -> str:
    """A value's type as torch's argument parser names it (``str``, ``numpy.bool``, ``Tensor``)."""
    kind = type(value)
    module = kind.__module__
    return kind.__name__ if module in ("builtins", "microtorch._tensor") else f"{module.split('.')[0]}.{kind.__name__}"


def check_bools(fn: str, **flags) -> None:
    """torch's argument-parser TypeError for a bool argument given anything but a Python bool."""
    for name, value in flags.items():
        if not isinstance(value, bool):
            raise TypeError(f"{fn}(): argument '{name}' must be bool, not {_type_name(value)}")


def check_int(value, fn: str, name: str) -> int:
    """torch's argument-parser TypeError for an int argument given a non-integer."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{fn}(): argument '{name}' must be int, not {_type_name(value)}")
    return int(value)


def dim_size(x: Tensor, dim: int) -> int:
    """``x.size(dim)`` with torch's IndexError for a dim the tensor does not have."""
    if x.ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    if not -x.ndim <= dim < x.ndim:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-x.ndim}, {x.ndim - 1}], but got {dim})"
        )
    return x.shape[dim]


def check_float(x: Tensor, fn: str) -> None:
    """Only real floating tensors: torch's message for integers, ours for complex (out of scope)."""
    kind = x._data.dtype.kind
    if kind == "c":
        raise TypeError(f"{fn}: complex tensors are out of scope for microtorch (real float32/float64 only)")
    if kind != "f":
        raise RuntimeError(f"{fn}: Expected a floating point or complex tensor as input. Got {type_word(x)}")


def check_matrix(
    x, fn: str, name: str = "A", *, square: bool = False, floating: bool = True, kernel: str | None = None
) -> None:
    """At least 2-D (batches of matrices), optionally square and floating, as torch checks; ``kernel``
    names the CPU kernel whose NotImplementedError torch raises for integer input instead."""
    check_tensor(x, fn, "input" if name == "A" else name)
    if x.ndim < 2:
        raise RuntimeError(f"{fn}: The input tensor {name} must have at least 2 dimensions.")
    if kernel is not None and x._data.dtype.kind in "biu":
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{type_word(x)}'")
    if floating:
        check_float(x, fn)
    if square and x.shape[-1] != x.shape[-2]:
        raise RuntimeError(
            f"{fn}: {name} must be batches of square matrices, but they are {x.shape[-2]} by {x.shape[-1]} matrices"
        )


def check_float_or_double(x: Tensor) -> None:
    """The message of torch's LAPACK wrappers that take only float and double."""
    if x._data.dtype.kind == "c":
        check_float(x, "linalg")
    if x._data.dtype.kind != "f":
        raise RuntimeError("This function doesn't handle types other than float and double")


def check_same_dtype(a: Tensor, b: Tensor, fn: str, names: str = "A and B") -> None:
    """torch's message when two operands disagree in dtype."""
    if a._data.dtype != b._data.dtype:
        first, second = names.split(" and ")
        raise RuntimeError(
            f"{fn}: Expected {first} and {second} to have the same dtype, but found {first} of type "
            f"{type_word(a)} and {second} of type {type_word(b)} instead"
        )


def batch_prefix(index: tuple, batched: bool) -> str:
    """``(Batch element k): `` as torch prefixes errors of batched inputs."""
    if not batched:
        return ""
    return f"(Batch element {index}): "


def mT(x: Tensor) -> Tensor:
    """Transpose of the last two dims (a differentiable view)."""
    return x.transpose(-1, -2)


def eye_like(n: int, like: Tensor) -> Tensor:
    """An ``n x n`` identity of ``like``'s dtype (no gradient)."""
    return Tensor._make(np.eye(n, dtype=like._data.dtype))


def const(array, like: Tensor) -> Tensor:
    """A constant tensor of ``like``'s dtype."""
    return Tensor._make(np.asarray(array, dtype=like._data.dtype))


class Diagonal(Op):
    """The diagonal of the last two dims (a copy), differentiable to any order."""

    torch_name = "DiagonalBackward0"

    def forward(self, x, offset=0):
        self.offset, self.n = offset, x._data.shape[-2:]
        return np.diagonal(x._data, offset, -2, -1).copy()

    def backward(self, g):
        return DiagEmbed.apply(g, offset=self.offset, shape=self.n)


class DiagEmbed(Op):
    """Matrices (of size ``shape``) holding ``x`` on the diagonal ``offset``, zeros elsewhere."""

    torch_name = "DiagEmbedBackward0"

    def forward(self, x, offset=0, shape=None):
        k = x._data.shape[-1]
        n = shape or (k + abs(offset), k + abs(offset))
        self.offset = offset
        out = np.zeros(x._data.shape[:-1] + tuple(n), dtype=x._data.dtype)
        idx = np.arange(k)
        out[..., idx + max(-offset, 0), idx + max(offset, 0)] = x._data
        return out

    def backward(self, g):
        return Diagonal.apply(g, offset=self.offset)


class Constant(Op):
    """A value that does not depend on its inputs but, as in torch, is still part of the graph
    (its gradient is zero), e.g. ``matrix_power(A, 0)``."""

    def forward(self, *inputs, value):
        self.shapes = [(t._data.shape, t._data.dtype) for t in inputs]
        return value

    def backward(self, g):
        return tuple(Tensor._make(np.zeros(s, dtype=d)) for s, d in self.shapes)


def diagonal(x: Tensor, offset: int = 0) -> Tensor:
    """Differentiable diagonal of the last two dims."""
    return Diagonal.apply(x, offset=offset)


def diag_embed(x: Tensor, n: int | None = None) -> Tensor:
    """Differentiable square matrices with ``x`` on the diagonal."""
    k = x.shape[-1]
    return DiagEmbed.apply(x, offset=0, shape=(n or k, n or k))


def masked_zero(x: Tensor, mask: np.ndarray) -> Tensor:
    """``x`` with zeros where ``mask`` holds (torch's ``masked_fill(mask, 0)``)."""
    from ..ops.comparison import where

    if not mask.any():
        return x
    return where(Tensor._make(mask), const(0.0, x), x)


def write_out(out, result: Tensor, fn: str = "linalg") -> Tensor:
    """``out=``: torch's checks (no autograd, dtype, overlap) and resize, then the result written into ``out``."""
    if out is None:
        return result
    from ..ops.indexing import _check_out_grad, _write_out

    _check_out_grad(fn, out, (result,))
    return _write_out(out, result._data, ())


def np_svd(a: np.ndarray, **kwargs):
    """``numpy.linalg.svd`` with torch's LinAlgError when it does not converge (non-finite input)."""
    try:
        return np.linalg.svd(a, **kwargs)
    except np.linalg.LinAlgError:
        prefix = ""
        if a.ndim > 2:
            bad = ~np.isfinite(a.reshape(-1, *a.shape[-2:])).all(axis=(-2, -1))
            prefix = f"(Batch element {int(np.flatnonzero(bad)[0]) if bad.any() else 0}): "
        raise LinAlgError(
            f"linalg.svd: {prefix}The algorithm failed to converge because the input matrix contained non-finite values."
        ) from None
