"""LU and LDL factorizations (``lu_factor``, ``lu_factor_ex``, ``lu``, ``lu_unpack``,
``lu_solve``, ``ldl_factor``, ``ldl_factor_ex``, ``ldl_solve``) on LAPACK through scipy."""

from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Op
from ..ops._util import broadcast_shapes
from ..ops.linalg import matmul
from ..ops.shape import cat
from ._common import (
    LinAlgError,
    check_bools,
    check_float,
    check_matrix,
    check_tensor,
    const,
    dim_size,
    mT,
    scipy_linalg,
    type_word,
    write_out,
)
from ._results import LdlFactorExResult, LdlFactorResult, LuFactorExResult, LuFactorResult, LuResult, LuUnpackResult

__all__ = ["lu_factor", "lu_factor_ex", "lu", "lu_unpack", "lu_solve", "ldl_factor", "ldl_factor_ex", "ldl_solve"]


def _batches(shape: tuple):
    return np.ndindex(*shape) if shape else [()]


def _getrf(a: np.ndarray) -> tuple:
    """LAPACK getrf on each matrix: packed LU, 1-based int32 pivots, info."""
    m, n = a.shape[-2:]
    k = min(m, n)
    lu_out = np.empty_like(a)
    piv = np.empty(a.shape[:-2] + (k,), dtype=np.int32)
    info = np.zeros(a.shape[:-2], dtype=np.int32)
    if a.size == 0:
        piv[...] = np.arange(1, k + 1, dtype=np.int32)
        return lu_out, piv, info
    getrf = scipy_linalg().lapack.get_lapack_funcs("getrf", (a,))
    for idx in _batches(a.shape[:-2]):
        lu_i, p_i, inf = getrf(a[idx])
        lu_out[idx], piv[idx], info[idx] = lu_i, p_i + 1, max(inf, 0)
    return lu_out, piv, info


def _permutation(piv: np.ndarray, m: int, dtype) -> np.ndarray:
    """The permutation matrices P (A = P L U) of LAPACK's 1-based row interchanges."""
    batch = piv.shape[:-1]
    perm = np.broadcast_to(np.arange(m), batch + (m,)).copy()
    count = math.prod(batch)  # explicit: -1 is ambiguous when a matrix is empty
    flat = perm.reshape(count, m)
    flat_piv = piv.reshape(count, piv.shape[-1]) - 1
    r = np.arange(flat.shape[0])
    for i in range(piv.shape[-1]):
        j = flat_piv[:, i]
        tmp = flat[r, i].copy()
        flat[r, i] = flat[r, j]
        flat[r, j] = tmp
    eye = np.eye(m, dtype=dtype)
    # row i of P^T A is row perm[i] of A, so P^T = eye[perm] and P = its transpose
    return np.swapaxes(eye[flat.reshape(batch + (m,))], -1, -2)


def _check_lu_input(A, fn: str) -> None:  # noqa: N803
    check_tensor(A, fn, "A")
    if A.ndim < 2:
        raise RuntimeError(f"{fn}: Expected tensor with 2 or more dimensions. Got size: {list(A.shape)} instead")
    if A._data.dtype.kind in "biu":
        raise NotImplementedError(f"\"lu_cpu\" not implemented for '{type_word(A)}'")
    check_float(A, fn)


class LuDecomposition(Op):
    """``P, L, U`` of a partial-pivoting LU; torch's ``linalg_lu_backward``."""

    torch_name = "LinalgLuBackward0"
    _materialize = False

    def forward(self, a, lu_packed, piv):
        m, n = a._data.shape[-2:]
        k = min(m, n)
        p = _permutation(piv, m, a._data.dtype)
        low = np.tril(lu_packed[..., :, :k], -1) + np.eye(m, k, dtype=a._data.dtype)
        up = np.triu(lu_packed[..., :k, :])
        return p, low, up

    def backward(self, gp, gl, gu):
        p, low, up = self.saved_tensors
        return lu_backward(gl, gu, p, low, up)


def _lu_square_backward(gl, gu, p: Tensor, low: Tensor, up: Tensor) -> Tensor:
    """``P L^{-T} (tril(L^T gL, -1) + triu(gU U^T)) U^{-T}`` for square factors."""
    from .solves import solve_triangular

    phi = None
    if gl is not None:
        phi = matmul(mT(low), gl).tril(-1)
    if gu is not None:
        term = matmul(gu, mT(up)).triu()
        phi = term if phi is None else phi + term
    x = solve_triangular(mT(low), phi, upper=True, unitriangular=True)
    x = solve_triangular(mT(up), x, upper=False, left=False)
    return matmul(p, x)


def lu_backward(gl, gu, p: Tensor, low: Tensor, up: Tensor) -> Tensor | None:
    """Gradient of ``A = P L U``; the rectangular cases split A into a square block and the rest."""
    from .solves import solve_triangular

    if gl is None and gu is None:
        return None
    m, n = low.shape[-2], up.shape[-1]
    if m == n:
        return _lu_square_backward(gl, gu, p, low, up)
    if m < n:
        u1, u2 = up[..., :, :m], up[..., :, m:]
        gu1 = gu[..., :, :m] if gu is not None else None
        gu2 = gu[..., :, m:] if gu is not None else None
        gl_total = gl
        if gu2 is not None:
            extra = -solve_triangular(mT(low), matmul(gu2, mT(u2)), upper=True, unitriangular=True)
            gl_total = extra if gl is None else gl + extra
        gx = _lu_square_backward(gl_total, gu1, p, low, u1)
        gy = matmul(p, solve_triangular(mT(low), gu2, upper=True, unitriangular=True)) if gu2 is not None else None
        return cat([gx, gy if gy is not None else gx.new_zeros(tuple(gx.shape[:-1]) + (n - m,))], dim=-1)
    l1, l2 = low[..., :n, :], low[..., n:, :]
    gl1 = gl[..., :n, :] if gl is not None else None
    gl2 = gl[..., n:, :] if gl is not None else None
    gu_total = gu
    if gl2 is not None:
        extra = -solve_triangular(mT(up), matmul(mT(l2), gl2), upper=False, left=False)
        gu_total = extra if gu is None else gu + extra
    gx = _lu_square_backward(gl1, gu_total, _eye_like_p(p, n), l1, up)
    gy = solve_triangular(mT(up), gl2, upper=False, left=False) if gl2 is not None else None
    stacked = cat([gx, gy if gy is not None else gx.new_zeros(tuple(gx.shape[:-2]) + (m - n, n))], dim=-2)
    return matmul(p, stacked)


def _eye_like_p(p: Tensor, n: int) -> Tensor:
    return const(np.eye(n), p)


def lu(A: Tensor, *, pivot: bool = True) -> tuple:  # noqa: N803
    """``(P, L, U)`` with ``A = P L U`` (partial pivoting; L unit lower, U upper)."""
    from .decompositions import keep_outputs

    check_bools("linalg_lu", pivot=pivot)
    _check_lu_input(A, "linalg.lu")
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")
    packed, piv, _ = _getrf(np.ascontiguousarray(A._data))
    p, low, up = keep_outputs(LuDecomposition.apply(A, lu_packed=packed, piv=piv))
    return LuResult(p.detach(), low, up)


def _packed(low: Tensor, up: Tensor) -> Tensor:
    """``tril(L, -1) + U`` as one (m, n) matrix, differentiable in both."""
    m, k = low.shape[-2:]
    n = up.shape[-1]
    strict = low.tril(-1)
    if m > k:
        up = cat([up, up.new_zeros(tuple(up.shape[:-2]) + (m - k, n))], dim=-2)
    elif n > k:
        strict = cat([strict, strict.new_zeros(tuple(strict.shape[:-2]) + (m, n - k))], dim=-1)
    return strict + up


def _lu_factor(A: Tensor, pivot: bool, fn: str) -> tuple:  # noqa: N803
    from .decompositions import keep_outputs

    _check_lu_input(A, fn)
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")
    packed, piv, info = _getrf(np.ascontiguousarray(A._data))
    if not (A._requires_grad and _grad_enabled()):
        return Tensor._make(packed), Tensor._make(piv), info
    _, low, up = keep_outputs(LuDecomposition.apply(A, lu_packed=packed, piv=piv))
    return _packed(low, up), Tensor._make(piv), info


def _grad_enabled() -> bool:
    from ..autograd.grad_mode import _state

    return _state.enabled


def lu_factor_ex(A: Tensor, *, pivot: bool = True, check_errors: bool = False) -> tuple:  # noqa: N803
    """``(LU, pivots, info)``: the packed factors, LAPACK's 1-based pivots and getrf's info."""
    check_bools("linalg_lu_factor_ex", pivot=pivot, check_errors=check_errors)
    packed, piv, info = _lu_factor(A, pivot, "torch.linalg.lu_factor_ex")
    if check_errors and info.any():
        raise LinAlgError(
            f"torch.linalg.lu_factor_ex: U[{info.max()},{info.max()}] is zero and using it on lu_solve would result in a division by zero."
        )
    return LuFactorExResult(packed, piv, Tensor._make(info))


def lu_factor(A: Tensor, *, pivot: bool = True) -> tuple:  # noqa: N803
    """``(LU, pivots)`` of a partial-pivoting LU; raises where U has a zero on its diagonal."""
    check_bools("linalg_lu_factor", pivot=pivot)
    packed, piv, info = _lu_factor(A, pivot, "torch.lu_factor")
    bad = info[info != 0]
    if bad.size:
        prefix = ""
        if A.ndim > 2:
            prefix = f"(Batch element {int(np.flatnonzero(info.ravel())[0])}): "
        raise LinAlgError(
            f"torch.linalg.lu_factor: {prefix}U[{bad[0]},{bad[0]}] is zero and using it on lu_solve would result in a "
            "division by zero. If you still want to perform the factorization, consider calling linalg.lu(A, pivot) "
            "or linalg.lu_factor_ex(A, pivot)"
        )
    return LuFactorResult(packed, piv)


def lu_unpack(LU_data: Tensor, LU_pivots: Tensor, unpack_data: bool = True, unpack_pivots: bool = True):  # noqa: N803
    """``(P, L, U)`` from ``lu_factor``'s packed factors and pivots (L and U differentiable)."""
    check_tensor(LU_data, "lu_unpack", "LU_data")
    if LU_data.ndim < 2:
        raise RuntimeError(
            f"torch.lu_unpack: Expected tensor with 2 or more dimensions. Got size: {list(LU_data.shape)} instead"
        )
    if LU_pivots._data.dtype != np.int32:
        raise RuntimeError(
            "torch.lu_unpack: LU_pivots is expected to be a contiguous tensor of torch.int32 dtype.\n"
            "Note: this function is intended to be used with the output produced by torch.linalg.lu_factor"
        )
    m, n = LU_data.shape[-2:]
    k = min(m, n)
    empty = Tensor._make(np.zeros((0,), dtype=LU_data._data.dtype))
    low = up = empty
    if unpack_data:
        eye = const(np.eye(m, k), LU_data)
        low = LU_data[..., :, :k].tril(-1) + eye
        up = LU_data[..., :k, :].triu()
    p = Tensor._make(_permutation(LU_pivots._data, m, LU_data._data.dtype)) if unpack_pivots else empty
    return LuUnpackResult(p, low, up)


def lu_solve(LU: Tensor, pivots: Tensor, B: Tensor, *, left: bool = True, adjoint: bool = False, out=None) -> Tensor:  # noqa: N803
    """The solution of ``A X = B`` (or ``A^T``, or ``X A = B``) from ``lu_factor``'s output."""
    from .solves import solve_triangular

    check_bools("linalg_lu_solve", left=left, adjoint=adjoint)
    _check_lu_solve(LU, pivots, B, left)
    p, low, up = lu_unpack(LU, pivots)
    if not left:
        # X A = B  <=>  A^T X^T = B^T
        return write_out(out, mT(lu_solve(LU, pivots, mT(B), left=True, adjoint=not adjoint)))
    if adjoint:
        # A^T = U^T L^T P^T: X = P L^{-T} U^{-T} B
        y = solve_triangular(mT(up), B, upper=False)
        y = solve_triangular(mT(low), y, upper=True, unitriangular=True)
        return write_out(out, matmul(p, y))
    y = matmul(mT(p), B)
    y = solve_triangular(low, y, upper=False, unitriangular=True)
    return write_out(out, solve_triangular(up, y, upper=True))


def _check_pivot_values(piv: np.ndarray, n: int, too_small: str, too_large: str) -> None:
    """LAPACK pivots are 1-based row numbers: torch refuses others instead of reading out of bounds."""
    if piv.size and piv.max() > n:
        raise RuntimeError(too_large)
    if piv.size and piv.min() < 1:
        raise RuntimeError(too_small)


def _check_lu_solve(LU, pivots, B, left: bool) -> None:  # noqa: N803
    """torch's checks of ``linalg.lu_solve``, in its order."""
    fn = "linalg.lu_solve"
    check_tensor(LU, "linalg_lu_solve", "LU")
    check_tensor(pivots, "linalg_lu_solve", "pivots", 2)
    check_tensor(B, "linalg_lu_solve", "B", 3)
    check_float(LU, "torch.linalg.lu_solve")
    if LU._data.dtype != B._data.dtype:
        raise RuntimeError(
            f"{fn}: Expected LU and B to have the same dtype, but found LU of type {type_word(LU)} and B of type "
            f"{type_word(B)} instead"
        )
    if pivots._data.dtype != np.int32:
        raise RuntimeError(f"{fn}: pivots should be a Tensor of scalar type torch.int32")
    check_matrix(LU, "torch.linalg.lu_solve", square=True)
    check_matrix(B, fn, "B")
    n = LU.shape[-1]
    if (B.shape[-2] if left else B.shape[-1]) != n:
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(
            f"{fn}: Incompatible shapes of A and B for the equation {eq} ({n}x{n} and {B.shape[-2]}x{B.shape[-1]})"
        )
    if dim_size(pivots, -1) != n:
        raise RuntimeError(f"{fn}: Number of pivots per batch should be same as the dimension of the matrix")
    if tuple(pivots.shape) != tuple(LU.shape[:-1]):
        raise RuntimeError(
            f"{fn}: Expected LU.shape[:-1] and pivots.shape to be the same, but got pivots with shape "
            f"{list(pivots.shape)} instead"
        )
    broadcast_shapes(tuple(B.shape[:-2]), tuple(LU.shape[:-2]))
    hint = " Did you properly pass the result of lu_factor?"
    _check_pivot_values(
        pivots._data,
        n,
        "Pivots given to lu_solve must all be greater or equal to 1." + hint,
        "Pivots given to lu_solve must all be smaller or equal to LU.size(-2)." + hint,
    )


def _sytrf(a: np.ndarray, hermitian: bool) -> tuple:
    """LAPACK sytrf (Bunch-Kaufman) on each matrix's lower triangle: LD, pivots, info."""
    sytrf = scipy_linalg().lapack.get_lapack_funcs("sytrf", (a,))
    ld = np.zeros_like(a)
    piv = np.zeros(a.shape[:-1], dtype=np.int32)
    info = np.zeros(a.shape[:-2], dtype=np.int32)
    for idx in _batches(a.shape[:-2]):
        if a.shape[-1] == 0:
            continue
        ld_i, p_i, inf = sytrf(a[idx], lower=1)
        ld[idx], piv[idx], info[idx] = np.tril(ld_i), p_i, max(inf, 0)
    return ld, piv, info


def ldl_factor_ex(input: Tensor, *, hermitian: bool = False, check_errors: bool = False) -> tuple:
    """``(LD, pivots, info)`` of the Bunch-Kaufman factorization (LAPACK sytrf's compact form)."""
    check_bools("linalg_ldl_factor_ex", hermitian=hermitian, check_errors=check_errors)
    check_matrix(input, "torch.linalg.ldl_factor_ex", square=True)
    ld, piv, info = _sytrf(np.ascontiguousarray(input._data), hermitian)
    if check_errors and info.any():
        raise LinAlgError(
            f"torch.linalg.ldl_factor_ex: The factorization could not be completed because the input is not invertible (info = {info.max()})."
        )
    return LdlFactorExResult(Tensor._make(ld), Tensor._make(piv), Tensor._make(info))


def ldl_factor(input: Tensor, *, hermitian: bool = False) -> tuple:
    """``(LD, pivots)`` of the Bunch-Kaufman factorization of symmetric ``A``."""
    check_bools("linalg_ldl_factor", hermitian=hermitian)
    check_matrix(input, "torch.linalg.ldl_factor_ex", square=True)
    ld, piv, info = _sytrf(np.ascontiguousarray(input._data), hermitian)
    return LdlFactorResult(Tensor._make(ld), Tensor._make(piv))


def _check_ldl_solve(LD, pivots, B) -> None:  # noqa: N803
    """torch's checks of ``linalg.ldl_solve``, in its order."""
    fn = "torch.linalg.ldl_solve"
    for t, name, pos in ((LD, "LD", 1), (pivots, "pivots", 2), (B, "B", 3)):
        check_tensor(t, "linalg_ldl_solve", name, pos)
    check_matrix(LD, fn, square=True, floating=False)
    check_float(LD, fn)
    if B._data.dtype != LD._data.dtype:
        raise RuntimeError(
            f"Expected b and A to have the same dtype, but found b of type {type_word(B)} and A of type "
            f"{type_word(LD)} instead."
        )
    n = LD.shape[-1]
    if dim_size(B, -2) != n:
        raise RuntimeError(
            f"Incompatible matrix sizes for {fn}: each A matrix is {n} by {n} but each b matrix is {B.shape[-2]} by "
            f"{B.shape[-1]}"
        )
    if tuple(pivots.shape) != tuple(LD.shape[:-1]):
        raise RuntimeError(
            f"{fn}: Expected LD.shape[:-1] and pivots.shape to be the same, but got pivots with shape "
            f"{list(pivots.shape)} instead"
        )
    if pivots._data.dtype.kind not in "iu":
        raise RuntimeError(f"{fn}: Expected pivots to be integers. Got {type_word(pivots)}")
    broadcast_shapes(tuple(B.shape[:-2]), tuple(LD.shape[:-2]))
    hint = " Did you properly pass the result of ldl_factor?"
    _check_pivot_values(
        np.abs(pivots._data),
        n,
        "Pivots given to ldl_solve must all satisfy |pivot| >= 1." + hint,
        "Pivots given to ldl_solve must all satisfy |pivot| <= LD.size(-2)." + hint,
    )


def ldl_solve(LD: Tensor, pivots: Tensor, B: Tensor, *, hermitian: bool = False, out=None) -> Tensor:  # noqa: N803
    """The solution of ``A X = B`` from ``ldl_factor``'s output (LAPACK sytrs)."""
    check_bools("linalg_ldl_solve", hermitian=hermitian)
    _check_ldl_solve(LD, pivots, B)
    sytrs = scipy_linalg().lapack.get_lapack_funcs("sytrs", (LD._data,))
    batch = np.broadcast_shapes(LD.shape[:-2], B.shape[:-2], pivots.shape[:-1])
    ld = np.broadcast_to(LD._data, batch + tuple(LD.shape[-2:]))
    piv = np.broadcast_to(pivots._data, batch + tuple(pivots.shape[-1:]))
    b = np.broadcast_to(B._data, batch + tuple(B.shape[-2:]))
    x = np.empty(b.shape, dtype=b.dtype)
    for idx in _batches(batch):
        x[idx] = sytrs(ld[idx], piv[idx], b[idx], lower=1)[0] if b.shape[-2] else b[idx]
    return write_out(out, Tensor._make(x))
