"""Linear solves and inverses (``solve``, ``solve_ex``, ``solve_triangular``, ``inv``,
``inv_ex``) with torch's checks, singular-matrix errors and gradients."""

from __future__ import annotations

import warnings

import numpy as np

from .._tensor import Tensor
from ..autograd.function import OUTPUT, Op
from ..ops._util import broadcast_shapes
from ..ops.linalg import matmul
from ..ops.shape import sum_to_size
from ._common import LinAlgError, check_bools, check_matrix, check_same_dtype, check_tensor, mT, scipy_linalg, write_out

__all__ = ["solve", "solve_ex", "solve_triangular", "inv", "inv_ex"]


def _batches(shape: tuple):
    return np.ndindex(*shape) if shape else [()]


def _first_zero_pivot(a: np.ndarray) -> int:
    """1-based index of the first zero pivot of ``a``'s LU (LAPACK's getrf info), 0 if none."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lu, _ = scipy_linalg().lu_factor(a, check_finite=False)
    zeros = np.flatnonzero(np.diagonal(lu) == 0)
    return int(zeros[0]) + 1 if zeros.size else 0


def lu_infos(a: np.ndarray) -> np.ndarray:
    """getrf's info (first zero pivot, 1-based; 0 when invertible) for each matrix of a batch."""
    info = np.zeros(a.shape[:-2], dtype=np.int32)
    for idx in _batches(a.shape[:-2]):
        info[idx] = _first_zero_pivot(a[idx]) if a.shape[-1] else 0
    return info


def _nan_inverse(a: np.ndarray) -> np.ndarray:
    """What LAPACK leaves for a singular matrix: inf/nan, never an exception."""
    with np.errstate(all="ignore"):
        lu, piv = scipy_linalg().lu_factor(a, check_finite=False)
        n = a.shape[-1]
        perm = np.arange(n)
        for i, p in enumerate(piv):
            perm[i], perm[p] = perm[p], perm[i]
        eye = np.eye(n, dtype=a.dtype)[perm]
        lower = np.tril(lu, -1) + np.eye(n, dtype=a.dtype)
        y = np.linalg.solve(lower, eye)
        return _upper_solve(np.triu(lu), y)


def _upper_solve(u: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Back substitution that lets zero pivots produce inf/nan (as BLAS trsm does)."""
    n = u.shape[-1]
    x = np.zeros_like(y)
    for i in range(n - 1, -1, -1):
        x[i] = (y[i] - u[i, i + 1 :] @ x[i + 1 :]) / u[i, i]
    return x


def _inverse_array(a: np.ndarray, fn: str, check: bool) -> tuple:
    """Inverses of a batch and getrf's infos; raises torch's error for a singular one when ``check``."""
    try:
        return np.linalg.inv(a), np.zeros(a.shape[:-2], dtype=np.int32)
    except np.linalg.LinAlgError:
        pass
    info = lu_infos(a)
    if check:
        idx = tuple(int(i) for i in np.argwhere(info != 0)[0]) if a.ndim > 2 else ()
        prefix = f"(Batch element {int(np.ravel_multi_index(idx, a.shape[:-2]))}): " if a.ndim > 2 else ""
        raise LinAlgError(
            f"{fn}: {prefix}The diagonal element {info[idx]} is zero, the inversion could not be completed because "
            "the input matrix is singular."
        )
    out = np.empty_like(a)
    for idx in _batches(a.shape[:-2]):
        out[idx] = np.linalg.inv(a[idx]) if info[idx] == 0 else _nan_inverse(a[idx])
    return out, info


class Inv(Op):
    """Matrix inverse; gradient ``-A^{-T} g A^{-T}`` from the saved output."""

    torch_name = "LinalgInvExBackward0"

    def forward(self, a, fn="linalg.inv", check=True):
        self.save_for_backward(OUTPUT)
        out, self.info = _inverse_array(a._data, fn, check)
        return out

    def backward(self, g):
        (y,) = self.saved_tensors
        yt = mT(y)
        return -matmul(yt, matmul(g, yt))


def inv_ex(A: Tensor, *, check_errors: bool = False) -> tuple:  # noqa: N803
    """``(inverse, info)``; info is getrf's (nonzero for a singular matrix, which raises only with check_errors)."""
    from ._results import InvExResult

    check_bools("linalg_inv_ex", check_errors=check_errors)
    check_matrix(A, "linalg.inv", square=True)
    result = Inv.apply(A, fn="linalg.inv_ex", check=check_errors)
    return InvExResult(result, _info(A, result))


def _info(A: Tensor, result: Tensor) -> Tensor:  # noqa: N803
    """getrf's info per matrix: only looked for when the result shows a singular matrix."""
    if np.isfinite(result._data).all():
        return Tensor._make(np.zeros(A.shape[:-2], dtype=np.int32))
    return Tensor._make(lu_infos(np.ascontiguousarray(A._data)))


def inv(A: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: N803
    """The inverse of each square matrix of ``A`` (torch's LinAlgError when one is singular)."""
    check_matrix(A, "linalg.inv", square=True)
    result = Inv.apply(A, fn="linalg.inv", check=True)
    return write_out(out, result)


def _singular_solve_error(a: np.ndarray, fn: str) -> LinAlgError:
    info = lu_infos(a)
    prefix = ""
    if a.ndim > 2:
        prefix = f"(Batch element {int(np.flatnonzero(info.ravel() != 0)[0])}): "
    return LinAlgError(f"{fn}: {prefix}The solver failed because the input matrix is singular.")


def _solve_array(a: np.ndarray, b: np.ndarray, fn: str, check: bool) -> np.ndarray:
    """``A^{-1} B`` for broadcast batches of matrices."""
    try:
        return np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        if check:
            raise _singular_solve_error(a, fn) from None
    batch = broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = np.broadcast_to(a, batch + a.shape[-2:])
    inverse, _ = _inverse_array(np.ascontiguousarray(a), fn, False)
    with np.errstate(all="ignore"):
        return inverse @ b


class Solve(Op):
    """``X = A^{-1} B`` (B a batch of matrices); gB = A^{-T} g, gA = -gB X^T."""

    torch_name = "LinalgSolveExBackward0"

    def forward(self, a, b, fn="linalg.solve", check=True):
        self.shapes = (a._data.shape, b._data.shape)
        self.save_for_backward(a, OUTPUT)
        return _solve_array(a._data, b._data, fn, check)

    def backward(self, g):
        a, x = self.saved_tensors
        na, nb = self.needs_input_grad
        gb = Solve.apply(mT(a), g)
        ga = sum_to_size(-matmul(gb, mT(x)), self.shapes[0]) if na else None
        return ga, sum_to_size(gb, self.shapes[1]) if nb else None


def _is_vector_rhs(A: Tensor, B: Tensor) -> bool:  # noqa: N803
    """torch's rule: B is a (batch of) vector(s) when 1-D or when its shape is A's without the last dim."""
    return B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))


def _check_solve_shapes(A: Tensor, b: Tensor, left: bool, fn: str) -> None:  # noqa: N803
    """``b`` is B as a matrix (a vector B already unsqueezed to a column, as torch does)."""
    n = A.shape[-1]
    rows = b.shape[-2] if left else b.shape[-1]
    if rows != n:
        bshape = f"{b.shape[-2]}x{b.shape[-1]}"
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(f"{fn}: Incompatible shapes of A and B for the equation {eq} ({n}x{n} and {bshape})")


def _solve(A: Tensor, B: Tensor, left: bool, fn: str, check: bool) -> Tensor:  # noqa: N803
    check_matrix(A, fn, square=True)
    check_tensor(B, fn, "B", 2)
    check_same_dtype(A, B, fn)
    vector = _is_vector_rhs(A, B)
    if not vector and B.ndim < 2:
        raise RuntimeError(f"{fn}: The input tensor B must have at least 2 dimensions.")
    b = B.unsqueeze(-1) if vector else B
    _check_solve_shapes(A, b, left, fn)
    if vector and not left:
        raise RuntimeError(
            f"{fn}: Vector broadcasting of the left hand side is not supported for left=False. In this case "
            "linalg.solve is equivalent to B / A.squeeze(-1)"
        )
    broadcast_shapes(tuple(b.shape[:-2]), tuple(A.shape[:-2]))
    x = Solve.apply(A, b, fn=fn, check=check) if left else mT(Solve.apply(mT(A), mT(b), fn=fn, check=check))
    return x.squeeze(-1) if vector else x


def solve(A: Tensor, B: Tensor, *, left: bool = True, out: Tensor | None = None) -> Tensor:  # noqa: N803
    """The solution X of ``A X = B`` (``X A = B`` with ``left=False``), batched and broadcast."""
    check_bools("linalg_solve", left=left)
    result = _solve(A, B, left, "linalg.solve", True)
    return write_out(out, result)


def solve_ex(A: Tensor, B: Tensor, *, left: bool = True, check_errors: bool = False) -> tuple:  # noqa: N803
    """``(result, info)`` of ``solve``; a singular matrix raises only with ``check_errors``."""
    from ._results import SolveExResult

    check_bools("linalg_solve_ex", left=left, check_errors=check_errors)
    result = _solve(A, B, left, "torch.linalg.solve_ex" if check_errors else "linalg.solve_ex", check_errors)
    return SolveExResult(result, _info(A, result))


def _triangle(a: np.ndarray, upper: bool, unit: bool) -> np.ndarray:
    t = np.triu(a) if upper else np.tril(a)
    if unit:
        idx = np.arange(a.shape[-1])
        t[..., idx, idx] = 1
    return t


def _triangular_array(a: np.ndarray, b: np.ndarray, upper: bool, unit: bool) -> np.ndarray:
    """``T^{-1} B`` for the triangle T of ``a``; zero pivots give inf/nan as BLAS trsm does."""
    t = _triangle(a, upper, unit)
    try:
        return np.linalg.solve(t, b)
    except np.linalg.LinAlgError:
        pass
    batch = broadcast_shapes(a.shape[:-2], b.shape[:-2])
    t = np.broadcast_to(t, batch + t.shape[-2:])
    b = np.broadcast_to(b, batch + b.shape[-2:])
    out = np.empty(b.shape, dtype=b.dtype)
    for idx in _batches(batch):
        tri, rhs = (t[idx], b[idx]) if upper else (t[idx][::-1, ::-1], b[idx][::-1])
        with np.errstate(all="ignore"):
            x = _upper_solve(tri, rhs)
        out[idx] = x if upper else x[::-1]
    return out


class SolveTriangular(Op):
    """``X = T^{-1} B`` for a triangular T (only its triangle read); torch's masked gradient."""

    torch_name = "LinalgSolveTriangularBackward0"

    def forward(self, a, b, upper, unit):
        self.upper, self.unit = upper, unit
        self.shapes = (a._data.shape, b._data.shape)
        self.save_for_backward(a, OUTPUT)
        return _triangular_array(a._data, b._data, upper, unit)

    def backward(self, g):
        a, x = self.saved_tensors
        na, nb = self.needs_input_grad
        gb = SolveTriangular.apply(mT(a), g, upper=not self.upper, unit=self.unit)
        ga = None
        if na:
            full = -matmul(gb, mT(x))
            k = 1 if self.unit else 0
            ga = sum_to_size(full.triu(k) if self.upper else full.tril(-k), self.shapes[0])
        return ga, sum_to_size(gb, self.shapes[1]) if nb else None


def solve_triangular(
    input: Tensor,
    B: Tensor,  # noqa: N803
    *,
    upper: bool,
    left: bool = True,
    unitriangular: bool = False,
    out: Tensor | None = None,
) -> Tensor:
    """The solution of ``A X = B`` (``X A = B`` if not ``left``) for triangular ``A``."""
    fn = "linalg.solve_triangular"
    check_bools("linalg_solve_triangular", upper=upper, left=left, unitriangular=unitriangular)
    check_matrix(input, fn, square=True, kernel="triangular_solve_cpu")
    check_matrix(B, fn, "B", floating=False)
    if input._data.dtype != B._data.dtype:
        B = B.to(input.dtype)  # torch computes in A's dtype, whatever B's (integer, bool, wider float)
    n = input.shape[-1]
    rows = B.shape[-2] if left else B.shape[-1]
    if rows != n:
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(
            f"{fn}: Incompatible shapes of A and B for the equation {eq} ({n}x{n} and {B.shape[-2]}x{B.shape[-1]})"
        )
    broadcast_shapes(tuple(input.shape[:-2]), tuple(B.shape[:-2]))
    if left:
        result = SolveTriangular.apply(input, B, upper=upper, unit=unitriangular)
    else:
        result = mT(SolveTriangular.apply(mT(input), mT(B), upper=not upper, unit=unitriangular))
    return write_out(out, result)
