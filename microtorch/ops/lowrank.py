"""Randomised low-rank SVD and PCA (Halko, Martinsson and Tropp 2009, algorithms 4.4 and
5.1), as ``torch.svd_lowrank`` / ``torch.pca_lowrank``: differentiable through qr and svd."""

from __future__ import annotations

from .. import _creation as C
from .._tensor import Tensor
from ..linalg import qr, svd
from .linalg import _tensor_arg, matmul

__all__ = ["svd_lowrank", "pca_lowrank"]


def _approximate_basis(A: Tensor, q: int, niter: int, M: Tensor | None) -> Tensor:
    """Orthonormal Q with ``Q Q^H (A - M) ~ A - M``, refined by ``niter`` subspace iterations."""
    R = C.randn(A.shape[-1], q, dtype=A.dtype if A.dtype.is_floating_point else None)  # float32 for ints
    X = matmul(A, R) if M is None else matmul(A, R) - matmul(M, R)
    Q = qr(X).Q
    for _ in range(niter):
        X = matmul(A.mH, Q) if M is None else matmul(A.mH, Q) - matmul(M.mH, Q)
        Q = qr(X).Q
        X = matmul(A, Q) if M is None else matmul(A, Q) - matmul(M, Q)
        Q = qr(X).Q
    return Q


def _svd_lowrank(A: Tensor, q: int, niter: int, M: Tensor | None) -> tuple:
    m, n = A.shape[-2:]
    if M is not None:
        M = M.broadcast_to(tuple(A.shape))
    if m < n:
        A = A.mH
        M = None if M is None else M.mH
    Q = _approximate_basis(A, q, niter, M)
    B = matmul(Q.mH, A) if M is None else matmul(Q.mH, A) - matmul(Q.mH, M)
    U, S, Vh = svd(B, full_matrices=False)
    U, V = matmul(Q, U), Vh.mH
    return (V, S, U) if m < n else (U, S, V)


def _check_niter(niter) -> int:
    niter = 2 if niter is None else niter
    if not niter >= 0:
        raise ValueError(f"niter(={niter}) must be non-negative integer")
    return niter


def svd_lowrank(A: Tensor, q: int | None = 6, niter: int | None = 2, M: Tensor | None = None) -> tuple:
    """``(U, S, V)`` with ``A - M ~ U diag(S) V^H`` of rank ``q``, by random projections."""
    _tensor_arg(A, "svd_lowrank", "A", 1)
    return _svd_lowrank(A, 6 if q is None else q, _check_niter(niter), M)


def pca_lowrank(A: Tensor, q: int | None = None, center: bool = True, niter: int = 2) -> tuple:
    """Low-rank SVD of ``A`` with its column means removed (``center``): principal directions in ``V``."""
    _tensor_arg(A, "pca_lowrank", "A", 1)
    m, n = A.shape[-2:]
    if q is None:
        q = min(6, m, n)
    elif not (0 <= q <= min(m, n)):
        raise ValueError(f"q(={q}) must be non-negative integer and not greater than min(m, n)={min(m, n)}")
    niter = _check_niter(niter)
    if not center:
        return _svd_lowrank(A, q, niter, None)
    return _svd_lowrank(A - A.mean(dim=(-2,), keepdim=True), q, niter, None)
