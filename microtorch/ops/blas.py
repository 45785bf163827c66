"""BLAS-style fused products (``addmm``, ``addmv``, ``addr``, ``baddbmm``, ``addbmm``) with
torch's ``beta`` / ``alpha`` rules, and the tensor products ``inner``, ``vdot``, ``kron``,
``tensordot``. Everything is composed of differentiable ops, so any order of gradient works."""

from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Op
from ._util import wrap_dim
from .linalg import Matmul, _check_addmm_bias, _dname, _tensor_arg, _tname, matmul
from .shape import reshape, sum_to_size

__all__ = ["addmm", "addmv", "addr", "baddbmm", "addbmm", "inner", "vdot", "kron", "tensordot"]


def _coefficient(value, name: str, op: str, kind: str, strict: bool):
    """``beta`` / ``alpha`` as the number torch multiplies by for a result of numpy ``kind``.

    The matrix-product ops cast the scalar to the tensor's type (a float is truncated for
    integer tensors); ``addr`` (``strict``) refuses a float for integer or bool results and
    a bool for non-bool results, as torch does."""
    if isinstance(value, Tensor):
        value = value.item()
    if not isinstance(value, (bool, int, float, complex, np.number, np.bool_)):
        raise TypeError(f"{op}(): argument '{name}' must be Number, not {type(value).__name__}")
    if isinstance(value, complex):
        raise RuntimeError("value cannot be converted to type float without overflow")
    if strict and kind in "iub" and isinstance(value, (float, np.floating)):
        raise RuntimeError(f"For integral input tensors, argument {name} must not be a floating point number.")
    if strict and kind != "b" and isinstance(value, (bool, np.bool_)):
        raise RuntimeError(f"Boolean {name} only supported for Boolean results.")
    if kind == "b":
        return bool(value)
    return int(value) if kind in "iu" else value


def _coefficients(beta, alpha, op: str, x: Tensor) -> tuple:
    kind = x._data.dtype.kind
    return _coefficient(beta, "beta", op, kind, False), _coefficient(alpha, "alpha", op, kind, False)


class _Ignored(Op):
    """A term scaled by 0 (``input`` when ``beta == 0``, the product when ``alpha == 0``): zeros
    of ``shape`` (its own by default), so NaN/inf in it never show, while, as in torch, it still
    receives the gradient ``grad * 0``."""

    def forward(self, x, shape):
        self.in_shape = x._data.shape
        return np.zeros(self.in_shape if shape is None else shape, dtype=x._data.dtype)

    def backward(self, g):
        return sum_to_size(g * 0, self.in_shape)


def _combine(x: Tensor, prod: Tensor, beta, alpha) -> Tensor:
    """``beta * x + alpha * prod`` with ``x`` broadcast to ``prod``'s shape; ``beta == 0`` ignores ``x``."""
    if alpha != 1:
        prod = prod * alpha
    if beta == 0:  # x still decides the dtype (addr promotes) and gets a gradient
        return prod + _Ignored.apply(x, shape=prod._data.shape)
    if beta != 1:
        x = x * beta
    return x + prod


def _gemm(product, left: Tensor, right: Tensor, alpha, scale_operand: bool = True) -> Tensor:
    """``alpha * product(left, right)`` as torch's BLAS calls compute it: gemm scales an operand
    before the sums (``scale_operand``: ``alpha = inf`` gives NaN where signs mix), gemv scales
    the sums; ``alpha == 0`` skips the product, NaN or inf in the operands never showing (their
    gradient is ``grad * 0``)."""
    if alpha == 0:
        return _Ignored.apply(product(left, right), shape=None)
    if alpha == 1:
        return product(left, right)
    return product(left, right * alpha) if scale_operand else product(left, right) * alpha


def _summed_bmm(b1: Tensor, b2: Tensor) -> Tensor:
    return Matmul.apply(b1, b2).sum(0, dtype=b1.dtype)


def _same_dtype(a: Tensor, b: Tensor, a_name: str, b_name: str) -> None:
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"{a_name} and {b_name} must have the same dtype, but got {_tname(a)} and {_tname(b)}")


def _expandable(x: Tensor, shape: tuple) -> None:
    """torch's ``expand`` error when ``x`` cannot broadcast to ``shape`` (the result's shape)."""
    have = x._data.shape
    if len(have) > len(shape):
        raise RuntimeError(
            f"expand(torch.{_tname(x)}Tensor{{{list(have)}}}, size={list(shape)}): the number of sizes provided "
            f"({len(shape)}) must be greater or equal to the number of dimensions in the tensor ({len(have)})"
        )
    padded = (1,) * (len(shape) - len(have)) + have
    for dim, (h, want) in enumerate(zip(padded, shape)):
        if h not in (1, want):
            raise RuntimeError(
                f"The expanded size of the tensor ({want}) must match the existing size ({h}) at non-singleton "
                f"dimension {dim}.  Target sizes: {list(shape)}.  Tensor sizes: {list(have)}"
            )


def size_at(x: Tensor, dim: int) -> int:
    """``x.size(dim)`` with torch's IndexError (its wording for a 0-d tensor too)."""
    if x.ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    return x.size(dim)


def _no_bool(kernel: str, x: Tensor) -> None:
    """torch has no bool kernel for the matrix products (only addr handles bool)."""
    if x._data.dtype.kind == "b":
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1) -> Tensor:  # noqa: A002
    """``beta * input + alpha * (mat1 @ mat2)``; with ``beta == 0`` ``input`` is ignored."""
    for i, (t, name) in enumerate(((input, "input"), (mat1, "mat1"), (mat2, "mat2"))):
        _tensor_arg(t, "addmm", name, i + 1)
    for t, name in ((mat1, "mat1"), (mat2, "mat2")):
        if t.ndim != 2:
            raise RuntimeError(f"{name} must be a matrix, got {t.ndim}-D tensor")
    if mat1.shape[1] != mat2.shape[0]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({mat1.shape[0]}x{mat1.shape[1]} and "
            f"{mat2.shape[0]}x{mat2.shape[1]})"
        )
    _same_dtype(mat1, mat2, "mat1", "mat2")
    _same_dtype(input, mat2, "self", "mat2")
    _check_addmm_bias(input, mat1.shape[0], mat2.shape[1])
    _no_bool("addmm_impl_cpu_", input)
    beta, alpha = _coefficients(beta, alpha, "addmm", input)
    return _combine(input, _gemm(matmul, mat1, mat2, alpha), beta, 1)


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta=1, alpha=1) -> Tensor:  # noqa: A002
    """``beta * input + alpha * (mat @ vec)``; with ``beta == 0`` ``input`` is ignored."""
    for i, (t, name) in enumerate(((input, "input"), (mat, "mat"), (vec, "vec"))):
        _tensor_arg(t, "addmv", name, i + 1)
    if mat.ndim != 2 or vec.ndim != 1 or input.ndim > 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input.ndim}, {mat.ndim}, {vec.ndim}")
    n, m = mat.shape
    if vec.shape[0] != m or (input.ndim == 1 and input.shape[0] not in (1, n)):
        size = input.shape[0] if input.ndim == 1 else 1
        raise RuntimeError(f"size mismatch, got input ({size}), mat ({n}x{m}), vec ({vec.shape[0]})")
    if not input._data.dtype == mat._data.dtype == vec._data.dtype:
        raise RuntimeError(
            f"addmv input tensors must have the same dtype, but got {_tname(input)}, {_tname(mat)}, and {_tname(vec)}"
        )
    _no_bool("addmv_impl_cpu", input)
    beta, alpha = _coefficients(beta, alpha, "addmv", input)
    return _combine(input, _gemm(matmul, mat, vec, alpha, scale_operand=False), beta, 1)


def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta=1, alpha=1) -> Tensor:  # noqa: A002
    """``beta * input + alpha * outer(vec1, vec2)`` (type-promoting; logical for bool)."""
    for i, (t, name) in enumerate(((input, "input"), (vec1, "vec1"), (vec2, "vec2"))):
        _tensor_arg(t, "addr", name, i + 1)
    for t, name in ((vec1, "vec1"), (vec2, "vec2")):
        if t.ndim != 1:
            raise RuntimeError(f"addr: Expected 1-D argument {name}, but got {t.ndim}-D")
    shape = (vec1.shape[0], vec2.shape[0])
    _expandable(input, shape)
    outer = reshape(vec1, (-1, 1)) * vec2
    kind = outer._data.dtype.kind if input._data.dtype.kind == "b" else np.result_type(input._data, outer._data).kind
    beta, alpha = _coefficient(beta, "beta", "addr", kind, True), _coefficient(alpha, "alpha", "addr", kind, True)
    if kind == "b":
        return _bool_addr(input, outer, beta, alpha)
    return _combine(input, outer, beta, alpha)


def _bool_addr(x: Tensor, outer: Tensor, beta: bool, alpha: bool) -> Tensor:
    """``(beta and x) or (alpha and outer)`` elementwise (torch's bool addr)."""
    out = np.zeros(outer._data.shape, dtype=bool)
    if alpha:
        out |= outer._data
    if beta:
        out |= np.broadcast_to(x._data, out.shape)
    return Tensor._make(out)


def _check_batches(b1: Tensor, b2: Tensor) -> None:
    for t, name in ((b1, "batch1"), (b2, "batch2")):
        if t.ndim != 3:
            raise RuntimeError(f"{name} must be a 3D tensor")


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:  # noqa: A002
    """``beta * input + alpha * bmm(batch1, batch2)``; with ``beta == 0`` ``input`` is ignored."""
    for i, (t, name) in enumerate(((input, "input"), (batch1, "batch1"), (batch2, "batch2"))):
        _tensor_arg(t, "baddbmm", name, i + 1)
    target = (size_at(batch1, 0), size_at(batch1, 1), size_at(batch2, 2))  # torch expands input first
    _check_batches(batch1, batch2)
    b, n, m = batch1.shape
    if batch2.shape[:2] != (b, m):
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{b}, {m}] but got: "
            f"[{batch2.shape[0]}, {batch2.shape[1]}]."
        )
    if batch1._data.dtype != batch2._data.dtype:
        raise RuntimeError(f"expected scalar type {_tname(batch1)} but found {_tname(batch2)}")
    if input._data.dtype != batch1._data.dtype:
        raise RuntimeError(
            f"Input dtypes must be the same, got: input {_dname(input)}, batch1: {_dname(batch1)}, "
            f"batch2: {_dname(batch2)}"
        )
    _expandable(input, target)
    _no_bool("baddbmm", input)
    beta, alpha = _coefficients(beta, alpha, "baddbmm", input)
    return _combine(input, Matmul.apply(batch1, batch2), beta, alpha)


def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:  # noqa: A002
    """``beta * input + alpha * sum_b(batch1[b] @ batch2[b])``; with ``beta == 0`` ``input`` is ignored."""
    for i, (t, name) in enumerate(((input, "input"), (batch1, "batch1"), (batch2, "batch2"))):
        _tensor_arg(t, "addbmm", name, i + 1)
    target = (size_at(batch1, 1), size_at(batch2, 2))  # torch expands input first
    _check_batches(batch1, batch2)
    if batch1.shape[0] != batch2.shape[0]:
        raise RuntimeError(
            f"batch1 and batch2 must have same number of batches, got {batch1.shape[0]} and {batch2.shape[0]}"
        )
    if batch1.shape[2] != batch2.shape[1]:
        raise RuntimeError(
            f"Incompatible matrix sizes for bmm ({batch1.shape[1]}x{batch1.shape[2]} and "
            f"{batch2.shape[1]}x{batch2.shape[2]})"
        )
    _same_dtype(input, batch2, "self", "mat2")
    if batch1._data.dtype != batch2._data.dtype:
        raise RuntimeError(f"expected scalar type {_tname(batch1)} but found {_tname(batch2)}")
    _expandable(input, target)
    _no_bool("addmm_impl_cpu_", input)
    beta, alpha = _coefficients(beta, alpha, "addbmm", input)
    return _combine(input, _gemm(_summed_bmm, batch1, batch2, alpha), beta, 1)


def inner(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Sum of products over the last dims (``input * other`` when either is 0-d)."""
    _tensor_arg(input, "inner", "input", 1)
    _tensor_arg(other, "inner", "other", 2)
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(
            f"inner() the last dimension must match on both input tensors but got shapes {list(input.shape)} and "
            f"{list(other.shape)}"
        )
    return tensordot(input, other, dims=([-1], [-1]))


def vdot(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Dot product of two 1-D tensors (the first conjugated; real dtypes only here)."""
    _tensor_arg(input, "vdot", "input", 1)
    _tensor_arg(other, "vdot", "other", 2)
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(
            f"dot : expected both vectors to have same dtype, but found {_tname(input)} and {_tname(other)}"
        )
    if input.shape != other.shape:
        n, m = input.shape[0], other.shape[0]
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{n}] and src [{m}] to have the same number of elements, "
            f"but got {n} and {m} elements respectively"
        )
    return matmul(input, other)


def kron(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Kronecker product: block ``(i, j, ...)`` is ``input[i, j, ...] * other`` (ranks padded with 1s)."""
    _tensor_arg(input, "kron", "input", 1)
    _tensor_arg(other, "kron", "other", 2)
    nd = max(input.ndim, other.ndim)
    sa = (1,) * (nd - input.ndim) + tuple(input.shape)
    sb = (1,) * (nd - other.ndim) + tuple(other.shape)
    a = reshape(input, tuple(x for n in sa for x in (n, 1)))
    b = reshape(other, tuple(x for n in sb for x in (1, n)))
    return reshape(a * b, tuple(p * q for p, q in zip(sa, sb)))


def _tensordot_dims(dims, a: Tensor, b: Tensor) -> tuple:
    """``dims`` (an int, a pair of int lists, or a tensor of either) as the two lists of dims
    and the first list as given (for messages)."""
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, (int, np.integer)):  # a bool too, as torch
        n = int(dims)
        if n < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={n}")
        if n > min(a.ndim, b.ndim):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={n}")
        return [a.ndim - n + i for i in range(n)], list(range(n)), [i - n for i in range(n)]
    if not isinstance(dims, (list, tuple)):
        raise RuntimeError(
            "tensordot expects dims to be int or tuple[list[int], list[int]] or list[list[int]] containing two "
            f"lists, but got dims={dims}"
        )
    da, db = dims  # torch's ValueError for a sequence of another length
    da, db = _int_list(da, "dims_self", 3), _int_list(db, "dims_other", 4)
    if len(da) != len(db):
        raise RuntimeError("both dimension lists should have same length")
    return _wrap_all(da, a), _wrap_all(db, b), da


def _int_list(value, name: str, pos: int) -> list:
    """One of tensordot's dim lists, with the argument parser's TypeError."""
    if not isinstance(value, (list, tuple)):
        raise TypeError(
            f"tensordot(): argument '{name}' (position {pos}) must be tuple of ints, not {type(value).__name__}"
        )
    for k, d in enumerate(value):
        if not isinstance(d, (int, np.integer)):
            raise TypeError(
                f"tensordot(): argument '{name}' (position {pos}) must be tuple of ints, but found element of type "
                f"{type(d).__name__} at pos {k}"
            )
    return [int(d) for d in value]


def _wrap_all(dims: list, x: Tensor) -> list:
    out = [wrap_dim(int(d), x.ndim) for d in dims]
    for d in out:
        if out.count(d) > 1:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return out


def tensordot(a: Tensor, b: Tensor, dims=2) -> Tensor:
    """Contract ``a``'s ``dims[0]`` with ``b``'s ``dims[1]`` (an int ``n``: the last n of a, first n of b)."""
    _tensor_arg(a, "tensordot", "a", 1)
    _tensor_arg(b, "tensordot", "b", 2)
    da, db, shown = _tensordot_dims(dims, a, b)
    for i, j, s in zip(da, db, shown):
        if a.shape[i] != b.shape[j] and b.shape[j] == 1:
            a = a.sum(i, keepdim=True, dtype=a.dtype)  # torch sums a dim contracted against a size-1 one
        elif a.shape[i] != b.shape[j] and a.shape[i] == 1:
            b = b.sum(j, keepdim=True, dtype=b.dtype)
        elif a.shape[i] != b.shape[j]:
            raise RuntimeError(
                f"contracted dimensions need to match, but first has size {a.shape[i]} in dim {s} and second has "
                f"size {b.shape[j]} in dim {j}"
            )
    if a._data.dtype != b._data.dtype:
        raise RuntimeError("both inputs should have same dtype")
    fa = [d for d in range(a.ndim) if d not in da]
    fb = [d for d in range(b.ndim) if d not in db]
    k = math.prod(a.shape[d] for d in da)
    left = reshape(a.permute(*fa, *da), (math.prod(a.shape[d] for d in fa), k))
    right = reshape(b.permute(*db, *fb), (k, math.prod(b.shape[d] for d in fb)))
    return reshape(matmul(left, right), tuple(a.shape[d] for d in fa) + tuple(b.shape[d] for d in fb))
