"""The pre-``torch.linalg`` top-level names: ``torch.svd`` (returns V), ``qr(some=)``,
``cholesky``, ``cholesky_solve``, ``cholesky_inverse``, ``pinverse``, ``triangular_solve``,
``inverse``, ``det``, ``logdet``, ``slogdet``, ``geqrf``, ``orgqr``, ``ormqr``."""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import OUTPUT, Op
from ..ops.linalg import matmul
from ._common import (
    Constant,
    check_bools,
    check_float,
    check_matrix,
    check_tensor,
    dim_size,
    mT,
    scipy_linalg,
    type_word,
    write_out,
)
from ._results import GeqrfResult, LegacyQrResult, LegacySlogdetResult, LegacySvdResult, TriangularSolveResult
from .decompositions import qr as _linalg_qr
from .decompositions import svd as _linalg_svd
from .determinants import slogdet as _linalg_slogdet
from .products import householder_product
from .pseudo import pinv
from .solves import inv, solve_triangular

__all__ = [
    "svd",
    "qr",
    "cholesky",
    "cholesky_solve",
    "cholesky_inverse",
    "pinverse",
    "triangular_solve",
    "inverse",
    "slogdet",
    "geqrf",
    "orgqr",
    "ormqr",
    "det",
    "matrix_power",
    "cross",
    "lu",
    "lu_solve",
]


def svd(input: Tensor, some: bool = True, compute_uv: bool = True) -> tuple:  # noqa: A002
    """``(U, S, V)`` with ``input = U diag(S) V^T`` (V, not Vh); zero U, V without ``compute_uv``."""
    check_bools("svd", some=some, compute_uv=compute_uv)
    check_matrix(input, "linalg.svd")
    if not compute_uv:
        from .decompositions import svdvals

        m, n = input.shape[-2:]
        batch = tuple(input.shape[:-2])
        dtype = input._data.dtype
        zeros_u = Tensor._make(np.zeros(batch + (m, m), dtype=dtype))
        zeros_v = Tensor._make(np.zeros(batch + (n, n), dtype=dtype))
        return LegacySvdResult(zeros_u, svdvals(input), zeros_v)
    u, s, vh = _linalg_svd(input, full_matrices=not some)
    return LegacySvdResult(u, s, mT(vh))


def qr(input: Tensor, some: bool = True) -> tuple:  # noqa: A002
    """``(Q, R)``: reduced with ``some=True``, complete otherwise."""
    check_bools("qr", some=some)
    q, r = _linalg_qr(input, "reduced" if some else "complete")
    return LegacyQrResult(q, r)


def cholesky(input: Tensor, upper: bool = False, *, out=None) -> Tensor:  # noqa: A002
    """The Cholesky factor (``torch.cholesky``; prefer ``linalg.cholesky``); empty input of any shape is returned empty."""
    from .decompositions import _cholesky

    check_bools("cholesky", upper=upper)
    check_tensor(input, "cholesky", "input")
    if input._data.size == 0:
        return write_out(out, Constant.apply(input, value=np.zeros_like(input._data)))
    check_matrix(input, "cholesky", square=True, floating=False)
    _check_kernel(input, "cholesky_cpu")
    return write_out(out, _cholesky(input, upper, True, "cholesky")[0])


def _check_kernel(x: Tensor, kernel: str) -> None:
    """torch's NotImplementedError of a LAPACK kernel given integer or bool input."""
    if x._data.dtype.kind in "biu":
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{type_word(x)}'")


def _cholesky_solve_array(b: np.ndarray, factor: np.ndarray, upper: bool) -> np.ndarray:
    """``(L L^T)^{-1} B`` (or ``(U^T U)^{-1} B``) by two triangular solves."""
    from .solves import _triangular_array

    ft = np.swapaxes(factor, -1, -2)
    if upper:
        return _triangular_array(factor, _triangular_array(ft, b, False, False), True, False)
    return _triangular_array(ft, _triangular_array(factor, b, False, False), True, False)


class CholeskySolve(Op):
    """``X = (L L^T)^{-1} B``; torch's ``cholesky_solve_backward`` (full, unmasked gradient for L)."""

    torch_name = "CholeskySolveBackward0"

    def forward(self, b, factor, upper):
        self.upper = upper
        self.shapes = (b._data.shape, factor._data.shape)
        self.save_for_backward(factor, OUTPUT)
        return _cholesky_solve_array(b._data, factor._data, upper)

    def backward(self, g):
        from ..ops.shape import sum_to_size

        factor, x = self.saved_tensors
        nb, nl = self.needs_input_grad
        common = CholeskySolve.apply(g, factor, upper=self.upper)
        gl = None
        if nl:
            term = matmul(common, mT(x))
            term = term + mT(term)
            gl = -matmul(factor, term) if self.upper else -matmul(term, factor)
            gl = sum_to_size(gl, self.shapes[1])
        return sum_to_size(common, self.shapes[0]) if nb else None, gl


def cholesky_solve(input: Tensor, input2: Tensor, upper: bool = False, *, out=None) -> Tensor:
    """The solution of ``A X = B`` given A's Cholesky factor ``L`` (upper factor with ``upper=True``)."""
    check_bools("cholesky_solve", upper=upper)
    check_tensor(input, "cholesky_solve", "input")
    check_tensor(input2, "cholesky_solve", "input2", 2)
    if input.ndim < 2:
        raise RuntimeError(f"b should have at least 2 dimensions, but has {input.ndim} dimensions instead")
    if input2.ndim < 2:
        raise RuntimeError(f"u should have at least 2 dimensions, but has {input2.ndim} dimensions instead")
    if input._data.dtype != input2._data.dtype:
        raise RuntimeError(
            f"Expected b and A to have the same dtype, but found b of type {type_word(input)} and A of type {type_word(input2)} "
            "instead."
        )
    if input2.shape[-1] != input2.shape[-2]:
        raise RuntimeError(
            f"A must be batches of square matrices, but they are {input2.shape[-2]} by {input2.shape[-1]} matrices"
        )
    if input2.shape[-1] != input.shape[-2]:
        raise RuntimeError(
            f"Incompatible matrix sizes for cholesky_solve: each A matrix is {input2.shape[-1]} by {input2.shape[-1]} but each b "
            f"matrix is {input.shape[-2]} by {input.shape[-1]}"
        )
    _check_kernel(input, "cholesky_solve_cpu")
    check_float(input, "cholesky_solve")
    return write_out(out, CholeskySolve.apply(input, input2, upper=upper))


class CholeskyInverse(Op):
    """``(L L^T)^{-1}``; torch's ``cholesky_inverse_backward``."""

    torch_name = "CholeskyInverseBackward0"

    def forward(self, factor, upper):
        self.upper = upper
        self.save_for_backward(factor, OUTPUT)
        n = factor._data.shape[-1]
        eye = np.broadcast_to(np.eye(n, dtype=factor._data.dtype), factor._data.shape)
        return _cholesky_solve_array(eye, factor._data, upper)

    def backward(self, g):
        factor, inverse = self.saved_tensors
        common = matmul(inverse, matmul(g + mT(g), inverse))
        return -matmul(factor, common) if self.upper else -matmul(common, factor)


def cholesky_inverse(input: Tensor, upper: bool = False, *, out=None) -> Tensor:
    """The inverse of ``A = L L^T`` from its Cholesky factor."""
    check_bools("cholesky_inverse", upper=upper)
    check_matrix(input, "cholesky_inverse", square=True, floating=False)
    _check_kernel(input, "cholesky_inverse_out_cpu")
    check_float(input, "cholesky_inverse")
    return write_out(out, CholeskyInverse.apply(input, upper=bool(upper)))


def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:  # noqa: A002
    """The pseudo-inverse with singular values below ``rcond * s_max`` dropped."""
    return pinv(input, rtol=rcond)


def triangular_solve(
    input: Tensor,
    A: Tensor,
    upper: bool = True,
    transpose: bool = False,
    unitriangular: bool = False,
) -> tuple:
    """``(solution, cloned_coefficient)`` of ``A X = b`` (``A^T X = b`` with ``transpose``); the clone is A
    broadcast to the batch shape, as torch returns it."""
    from ..ops._util import broadcast_shapes

    check_bools("triangular_solve", upper=upper, transpose=transpose, unitriangular=unitriangular)
    _check_triangular_solve(input, A)
    batch = broadcast_shapes(tuple(input.shape[:-2]), tuple(A.shape[:-2]))
    _check_kernel(A, "triangular_solve_cpu")
    coef = mT(A) if transpose else A
    x = solve_triangular(coef, input, upper=upper != transpose, unitriangular=unitriangular)
    return TriangularSolveResult(x, A.expand(*batch, *A.shape[-2:]).clone())


def _check_triangular_solve(b: Tensor, A: Tensor) -> None:  # noqa: N803
    """torch's checks of ``triangular_solve`` (its ``linearSolveCheckInputs``), in its order."""
    check_tensor(b, "triangular_solve", "input")
    check_tensor(A, "triangular_solve", "A", 2)
    for t, name in ((b, "b"), (A, "A")):
        if t.ndim < 2:
            raise RuntimeError(
                f"torch.triangular_solve: Expected {name} to have at least 2 dimensions, but it has {t.ndim} "
                "dimensions instead"
            )
    if b._data.dtype != A._data.dtype:
        raise RuntimeError(
            f"Expected b and A to have the same dtype, but found b of type {type_word(b)} and A of type "
            f"{type_word(A)} instead."
        )
    n = A.shape[-1]
    if A.shape[-2] != n:
        raise RuntimeError(f"A must be batches of square matrices, but they are {A.shape[-2]} by {n} matrices")
    if b.shape[-2] != n:
        raise RuntimeError(
            f"Incompatible matrix sizes for triangular_solve: each A matrix is {n} by {n} but each b matrix is "
            f"{b.shape[-2]} by {b.shape[-1]}"
        )


def inverse(input: Tensor, *, out=None) -> Tensor:  # noqa: A002
    """The inverse of each square matrix (``torch.inverse``)."""
    return inv(input, out=out)


def slogdet(input: Tensor) -> tuple:  # noqa: A002
    """``(sign, logabsdet)`` (``torch.slogdet``)."""
    sign, logabs = _linalg_slogdet(input)
    return LegacySlogdetResult(sign, logabs)


def geqrf(input: Tensor) -> tuple:  # noqa: A002
    """LAPACK's compact QR ``(a, tau)``: R above the diagonal, Householder vectors below (no gradient)."""
    check_tensor(input, "geqrf", "input")
    if input.ndim < 2:
        raise RuntimeError("torch.geqrf: input must have at least 2 dimensions.")
    _check_kernel(input, "geqrf_cpu")
    check_float(input, "torch.geqrf")
    a = np.ascontiguousarray(input._data)
    m, n = a.shape[-2:]
    packed = np.empty_like(a)
    tau = np.zeros(a.shape[:-2] + (min(m, n),), dtype=a.dtype)
    if a.size:
        geqrf_fn = scipy_linalg().lapack.get_lapack_funcs("geqrf", (a,))
        for idx in np.ndindex(*a.shape[:-2]) if a.ndim > 2 else [()]:
            qr_i, tau_i, _, _ = geqrf_fn(a[idx])
            packed[idx], tau[idx] = qr_i, tau_i
    return GeqrfResult(Tensor._make(packed), Tensor._make(tau))


def orgqr(input: Tensor, tau: Tensor) -> Tensor:  # noqa: A002
    """The explicit Q of ``geqrf``'s Householder form (``linalg.householder_product``)."""
    return householder_product(input, tau)


def ormqr(
    input: Tensor, input2: Tensor, input3: Tensor, left: bool = True, transpose: bool = False, *, out=None
) -> Tensor:  # noqa: A002
    """``Q @ other`` (or ``other @ Q``, with Q^T when ``transpose``) for geqrf's implicit Q."""
    from ..ops.shape import cat

    check_bools("ormqr", left=left, transpose=transpose)
    _check_ormqr(input, input2, input3, left)
    m = input.shape[-2]
    n = input.shape[-1]
    if m > n:
        pad = input.new_zeros(tuple(input.shape[:-1]) + (m - n,))
        full_input = cat([input, pad], dim=-1)
    else:
        full_input = input[..., :, :m]
    q = _full_q(full_input, input2, m)
    q = mT(q) if transpose else q
    return write_out(out, matmul(q, input3) if left else matmul(input3, q))


def _check_ormqr(input: Tensor, tau: Tensor, other: Tensor, left: bool) -> None:  # noqa: A002
    """torch's checks of ``ormqr``, in its order."""
    fn = "torch.ormqr"
    for t, name, pos in ((input, "input", 1), (tau, "input2", 2), (other, "input3", 3)):
        check_tensor(t, "ormqr", name, pos)
    for t, name in ((input, "input"), (other, "other")):
        if t.ndim < 2:
            raise RuntimeError(f"{fn}: {name} must have at least 2 dimensions.")
    side, which = (-2, "other.shape[-2]") if left else (-1, "other.shape[-1]")
    if other.shape[side] != input.shape[-2]:
        raise RuntimeError(f"{fn}: {which} must be equal to input.shape[-2]")
    if dim_size(tau, -1) != min(other.shape[side], input.shape[-1]):
        raise RuntimeError(f"{fn}: tau.shape[-1] must be equal to min({which}, input.shape[-1])")
    _check_ormqr_ranks(input, tau, other)
    for t, name in ((tau, "tau"), (other, "other")):
        if t._data.dtype != input._data.dtype:
            raise RuntimeError(
                f"{fn}: Expected input and {name} to have the same dtype, but input has dtype"
                f"{type_word(input)} and {name} has dtype {type_word(t)}"
            )
    _check_kernel(input, "ormqr_cpu")
    check_float(input, fn)


def _check_ormqr_ranks(input: Tensor, tau: Tensor, other: Tensor) -> None:  # noqa: A002
    fn = "torch.ormqr"
    if tau.ndim != input.ndim - 1:
        raise RuntimeError(
            f"{fn}: Expected tau to have one dimension less than input, but got tau.ndim equal to {tau.ndim} and "
            f"input.ndim is equal to {input.ndim}"
        )
    if other.ndim != input.ndim:
        raise RuntimeError(
            f"{fn}: Expected other to have the same number of dimensions as input, but got other.ndim equal to "
            f"{other.ndim} and input.ndim is equal to {input.ndim}"
        )
    batch = tuple(input.shape[:-2])
    for name, got in (("tau", tuple(tau.shape[:-1])), ("other", tuple(other.shape[:-2]))):
        if got != batch:
            raise RuntimeError(
                f"{fn}: Expected batch dimensions of {name} to be equal to input.shape[:-2], but got {list(got)}"
            )


def _full_q(a: Tensor, tau: Tensor, m: int) -> Tensor:
    from .products import _householder

    return _householder(a, tau, m)


def det(input: Tensor) -> Tensor:  # noqa: A002
    """The determinant (``torch.det``)."""
    from .determinants import det as _det

    return _det(input)


def matrix_power(input: Tensor, n: int, *, out=None) -> Tensor:  # noqa: A002
    """``input`` to the integer power ``n`` (``torch.matrix_power``)."""
    from .products import matrix_power as _matrix_power

    return _matrix_power(input, n, out=out)


def cross(input: Tensor, other: Tensor, dim=None, *, out=None) -> Tensor:  # noqa: A002
    """``torch.cross``: without ``dim``, the first dimension of size 3 (deprecated torch default)."""
    from .products import cross as _cross

    check_tensor(input, "cross", "input")
    check_tensor(other, "cross", "other", 2)
    if dim is None:
        from ..ops._util import broadcast_shapes

        shape = broadcast_shapes(tuple(input.shape), tuple(other.shape))
        dim = next((i for i, s in enumerate(shape) if s == 3), -1)
    return _cross(input, other, dim=dim, out=out)


def lu(A: Tensor, pivot: bool = True, get_infos: bool = False) -> tuple:  # noqa: N803
    """``(LU, pivots)`` (and ``info`` with ``get_infos``), as the deprecated ``torch.lu``."""
    from .lu import lu_factor_ex

    check_bools("_lu_with_info", pivot=pivot)
    packed, piv, info = lu_factor_ex(A, pivot=pivot, check_errors=not get_infos)
    return (packed, piv, info) if get_infos else (packed, piv)


def lu_solve(b: Tensor, LU_data: Tensor, LU_pivots: Tensor, *, out=None) -> Tensor:  # noqa: N803
    """The solution of ``A X = b`` from ``torch.lu``'s factors (``torch.lu_solve``)."""
    from .lu import lu_solve as _lu_solve

    for t, name, pos in ((b, "input", 1), (LU_data, "LU_data", 2), (LU_pivots, "LU_pivots", 3)):
        check_tensor(t, "lu_solve", name, pos)
    return _lu_solve(LU_data, LU_pivots, b, out=out)
