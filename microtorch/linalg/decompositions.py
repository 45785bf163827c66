"""Matrix decompositions: ``svd``, ``svdvals``, ``eigh``, ``eigvalsh``, ``qr``, ``cholesky``
(``cholesky_ex``), with torch's backward formulas written in differentiable ops."""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import OUTPUT, Op
from ..autograd.grad_mode import _state
from ..ops.linalg import matmul
from ._common import (
    LinAlgError,
    check_bools,
    check_matrix,
    check_tensor,
    diag_embed,
    eye_like,
    mT,
    np_svd,
    scipy_linalg,
    write_out,
)
from ._results import CholeskyExResult, EighResult, QrResult, SvdResult

__all__ = ["svd", "svdvals", "eigh", "eigvalsh", "qr", "cholesky", "cholesky_ex"]


def keep_outputs(outs: tuple) -> tuple:
    """Save all outputs of a multi-output node for its backward (version-checked, no cycle)."""
    node = outs[0]._grad_fn
    if node is not None:
        node.save_for_backward(*outs)
        node._record_saved(outs)
    return outs


def _needs_graph(x: Tensor) -> bool:
    return _state.enabled and x._requires_grad


# --- SVD ----------------------------------------------------------------------------


class Svd(Op):
    """``U, S, Vh`` of ``A`` (gesdd, as torch on CPU); backward is torch's ``svd_backward``."""

    torch_name = "LinalgSvdBackward0"
    _materialize = False  # an unused output's gradient stays None (torch's undefined gradient)

    def forward(self, a, full_matrices):
        self.full = full_matrices
        x = a._data
        if x.size == 0:
            return _empty_svd(x, full_matrices)
        u, s, vh = np_svd(x, full_matrices=full_matrices)
        return u, s, vh

    def backward(self, gu, gs, gvh):
        u, s, vh = self.saved_tensors
        if self.full:
            k = s.shape[-1]
            u, vh = u[..., :, :k], vh[..., :k, :]
            gu = gu[..., :, :k] if gu is not None else None
            gvh = gvh[..., :k, :] if gvh is not None else None
        return svd_backward(gu, gs, gvh, u, s, vh)


def _empty_svd(x: np.ndarray, full: bool) -> tuple:
    m, n = x.shape[-2:]
    k = min(m, n)
    batch = x.shape[:-2]
    eye_u = np.broadcast_to(np.eye(m, m if full else k, dtype=x.dtype), batch + (m, m if full else k))
    eye_v = np.broadcast_to(np.eye(n if full else k, n, dtype=x.dtype), batch + (n if full else k, n))
    return eye_u.copy(), np.zeros(batch + (k,), dtype=x.dtype), eye_v.copy()


def svd_backward(gu, gs, gvh, u: Tensor, s: Tensor, vh: Tensor):
    """torch's ``svd_backward`` (real case) for the reduced SVD."""
    m, n = u.shape[-2], vh.shape[-1]
    if gu is None and gvh is None:
        if gs is None:
            return None
        return matmul(u, gs.unsqueeze(-1) * vh) if m >= n else matmul(u * gs.unsqueeze(-2), vh)
    s2 = s * s
    e = s2.unsqueeze(-2) - s2.unsqueeze(-1) + eye_like(s.shape[-1], s)
    uhgu = vhgv = None
    if gu is not None:
        x = matmul(mT(u), gu)
        uhgu = x - mT(x)
    if gvh is not None:
        x = matmul(vh, mT(gvh))
        vhgv = x - mT(x)
    if uhgu is not None and vhgv is not None:
        ga = (uhgu * s.unsqueeze(-2) + s.unsqueeze(-1) * vhgv) / e
    elif uhgu is not None:
        ga = (uhgu / e) * s.unsqueeze(-2)
    else:
        ga = s.unsqueeze(-1) * (vhgv / e)
    if gs is not None:
        ga = ga + diag_embed(gs)
    if m > n and gu is not None:
        ga = matmul(u, ga)
        gu_sinv = gu / s.unsqueeze(-2)
        ga = ga + gu_sinv - matmul(u, matmul(mT(u), gu_sinv))
        return matmul(ga, vh)
    if m < n and gvh is not None:
        ga = matmul(ga, vh)
        sinv_gvh = gvh / s.unsqueeze(-1)
        ga = ga + sinv_gvh - matmul(matmul(sinv_gvh, mT(vh)), vh)
        return matmul(u, ga)
    return matmul(u, matmul(ga, vh)) if m >= n else matmul(matmul(u, ga), vh)


def svd(A: Tensor, full_matrices: bool = True, *, driver=None) -> tuple:  # noqa: N803
    """``(U, S, Vh)`` with ``A = U diag(S) Vh`` (singular values descending)."""
    check_bools("linalg_svd", full_matrices=full_matrices)
    check_matrix(A, "linalg.svd")
    if driver is not None:
        raise RuntimeError(
            "torch.linalg.svd: keyword argument `driver=` is only supported on CUDA inputs with cuSOLVER backend."
        )
    return SvdResult(*keep_outputs(Svd.apply(A, full_matrices=bool(full_matrices))))


def svdvals(A: Tensor, *, driver=None, out: Tensor | None = None) -> Tensor:  # noqa: N803
    """The singular values of ``A``, descending (differentiable through the full SVD)."""
    check_matrix(A, "linalg.svd")
    if driver is not None:
        raise RuntimeError(
            "torch.linalg.svd: keyword argument `driver=` is only supported on CUDA inputs with cuSOLVER backend."
        )
    if _needs_graph(A):
        result = keep_outputs(Svd.apply(A, full_matrices=False))[1]
    else:
        x = A._data
        result = Tensor._make(np_svd(x, compute_uv=False) if x.size else _empty_svd(x, False)[1])
    return write_out(out, result)


# --- symmetric eigendecomposition ---------------------------------------------------


class Eigh(Op):
    """Eigenvalues (ascending) and eigenvectors of a symmetric matrix, read from one triangle."""

    torch_name = "LinalgEighBackward0"
    _materialize = False

    def forward(self, a, uplo):
        w, v = np.linalg.eigh(a._data, UPLO=uplo)
        return w, v

    def backward(self, gl, gv):
        w, v = self.saved_tensors
        return eigh_backward(gl, gv, w, v)


def eigh_backward(gl, gv, w: Tensor, v: Tensor):
    """torch's ``linalg_eig_backward`` for the Hermitian (real symmetric) case."""
    if gv is None:
        if gl is None:
            return None
        return matmul(v * gl.unsqueeze(-2), mT(v))
    vhgv = matmul(mT(v), gv)
    vhgv = 0.5 * (vhgv - mT(vhgv))
    e = w.unsqueeze(-2) - w.unsqueeze(-1) + eye_like(w.shape[-1], w)
    ret = vhgv / e
    if gl is not None:
        ret = ret + diag_embed(gl)
    return matmul(v, matmul(ret, mT(v)))


def _check_eigh_args(input, uplo, binding: str) -> str:
    """torch's checks of ``eigh`` / ``eigvalsh`` in its order; the triangle to read, upper-cased.

    An empty integer, bool or half input passes: torch runs no kernel on it (see ``_empty_eigh``).
    """
    check_tensor(input, binding, "input")
    if not isinstance(uplo, str):
        raise TypeError(f"{binding}(): argument 'UPLO' must be str, not {type(uplo).__name__}")
    check_matrix(input, "linalg.eigh", square=True, floating=False)
    if uplo not in ("L", "U", "l", "u"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {uplo}")
    if _without_kernel(input._data):
        return uplo.upper()
    if input._data.dtype == np.float16:
        raise NotImplementedError("\"linalg_eigh_cpu\" not implemented for 'Half'")
    check_matrix(input, "linalg.eigh", square=True, kernel="linalg_eigh_cpu")
    return uplo.upper()


def _without_kernel(a: np.ndarray) -> bool:
    """An empty input of a dtype the eigh kernel lacks (integer, bool, half): torch runs no kernel on it."""
    return a.size == 0 and (a.dtype.kind in "biu" or a.dtype == np.float16)


def _empty_eigh(input: Tensor) -> tuple | None:
    """torch's ``(eigenvalues, eigenvectors)`` of such an input: empty, of its dtype (None otherwise)."""
    a = input._data
    if not _without_kernel(a):
        return None
    return Tensor._make(np.empty(a.shape[:-1], a.dtype)), Tensor._make(np.empty(a.shape, a.dtype))


def eigh(input: Tensor, UPLO: str = "L") -> tuple:  # noqa: N803
    """``(eigenvalues, eigenvectors)`` of symmetric ``A``, reading the ``UPLO`` triangle."""
    uplo = _check_eigh_args(input, UPLO, "linalg_eigh")
    empty = _empty_eigh(input)
    if empty is not None:
        return EighResult(*empty)
    return EighResult(*keep_outputs(Eigh.apply(input, uplo=uplo)))


def eigvalsh(input: Tensor, UPLO: str = "L", *, out: Tensor | None = None) -> Tensor:  # noqa: N803
    """The eigenvalues of symmetric ``A`` in ascending order."""
    uplo = _check_eigh_args(input, UPLO, "linalg_eigvalsh")
    empty = _empty_eigh(input)
    if empty is not None:
        return write_out(out, empty[0])
    if _needs_graph(input):
        result = keep_outputs(Eigh.apply(input, uplo=uplo))[0]
    else:
        result = Tensor._make(np.linalg.eigvalsh(input._data, UPLO=uplo))
    return write_out(out, result)


# --- QR -----------------------------------------------------------------------------


class Qr(Op):
    """Householder QR (numpy's, as LAPACK geqrf/orgqr); torch's ``linalg_qr_backward``."""

    torch_name = "LinalgQrBackward0"
    _materialize = False

    def forward(self, a, mode):
        self.mode = mode
        x = a._data
        if mode == "r":
            r = (
                np.linalg.qr(x, mode="r")
                if x.size
                else np.zeros(x.shape[:-2] + (min(x.shape[-2:]), x.shape[-1]), x.dtype)
            )
            return np.zeros((0,), dtype=x.dtype), np.asarray(r)
        if x.size == 0:
            return _empty_qr(x, mode)
        q, r = np.linalg.qr(x, mode=mode)
        return q, r

    def backward(self, gq, gr):
        q, r = self.saved_tensors
        m, n = q.shape[-2] if q.ndim >= 2 else 0, r.shape[-1]
        if self.mode == "r":
            raise RuntimeError(
                "The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please use "
                "linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr."
            )
        if self.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")
        return qr_backward(gq, gr, q, r)


def _empty_qr(x: np.ndarray, mode: str) -> tuple:
    m, n = x.shape[-2:]
    k = m if mode == "complete" else min(m, n)
    q = np.broadcast_to(np.eye(m, k, dtype=x.dtype), x.shape[:-2] + (m, k)).copy()
    return q, np.zeros(x.shape[:-2] + (k, n), dtype=x.dtype)


def _diag(x: Tensor) -> Tensor:
    from ._common import diagonal

    return diagonal(x)


def _qr_square_backward(gq, gr, q: Tensor, r: Tensor) -> Tensor:
    """QR backward for m >= n: ``Q (gR + tril(skew(Q^T gQ) + skew(R gR^T)) R^{-T}) + (gQ - Q Q^T gQ) R^{-T}``."""
    from .solves import solve_triangular

    gq = gq if gq is not None else q.new_zeros(tuple(q.shape))
    gr = gr if gr is not None else r.new_zeros(tuple(r.shape))
    qdq = matmul(mT(q), gq)
    rdr = matmul(r, mT(gr))
    low = (qdq - mT(qdq) + rdr - mT(rdr)).tril()
    rt = mT(r)
    inner = gr + solve_triangular(rt, low, upper=False, left=False)
    return matmul(q, inner) + solve_triangular(rt, gq - matmul(q, qdq), upper=False, left=False)


def qr_backward(gq, gr, q: Tensor, r: Tensor) -> Tensor:
    """Gradient of reduced QR; the wide case treats ``A = [X | Y]`` with X square."""
    m, n = q.shape[-2], r.shape[-1]
    if m >= n:
        return _qr_square_backward(gq, gr, q, r)
    from ..ops.shape import cat

    y_cols = n - m
    r1 = r[..., :, :m]
    gr1 = gr[..., :, :m] if gr is not None else None
    gr2 = gr[..., :, m:] if gr is not None else None
    a_y = matmul(q, r[..., :, m:])
    gq_x = gq
    if gr2 is not None:
        extra = matmul(a_y, mT(gr2))
        gq_x = extra if gq_x is None else gq_x + extra
    gx = _qr_square_backward(gq_x, gr1, q, r1)
    gy = matmul(q, gr2) if gr2 is not None else gx.new_zeros(tuple(gx.shape[:-1]) + (y_cols,))
    return cat([gx, gy], dim=-1)


def qr(A: Tensor, mode: str = "reduced") -> tuple:  # noqa: N803
    """``(Q, R)`` with ``A = Q R``; ``mode`` is 'reduced', 'complete' or 'r' (Q empty)."""
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(
            f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', or 'complete'"
        )
    check_matrix(A, "linalg.qr")
    return QrResult(*keep_outputs(Qr.apply(A, mode=mode)))


# --- Cholesky -----------------------------------------------------------------------


def _potrf(a: np.ndarray, upper: bool) -> tuple:
    """LAPACK potrf on each matrix: (factor with the other triangle zeroed, info)."""
    lapack = scipy_linalg().lapack
    out = np.zeros_like(a)
    info = np.zeros(a.shape[:-2], dtype=np.int32)
    potrf = lapack.get_lapack_funcs("potrf", (a,))
    for idx in np.ndindex(*a.shape[:-2]) if a.ndim > 2 else [()]:
        c, inf = potrf(a[idx], lower=not upper, clean=True)
        out[idx], info[idx] = c, max(inf, 0)
    return out, info


def _cholesky_array(a: np.ndarray, upper: bool, check: bool, fn: str) -> tuple:
    try:
        low = np.linalg.cholesky(np.tril(a) + np.swapaxes(np.tril(a, -1), -1, -2))
        return (np.swapaxes(low, -1, -2) if upper else low), np.zeros(a.shape[:-2], dtype=np.int32)
    except np.linalg.LinAlgError:
        pass
    factor, info = _potrf(np.tril(a) + np.swapaxes(np.tril(a, -1), -1, -2), upper)
    if check:
        bad = int(np.flatnonzero(info.ravel())[0]) if a.ndim > 2 else None
        prefix = f"(Batch element {bad}): " if bad is not None else ""
        order = info.ravel()[bad or 0]
        raise LinAlgError(
            f"{fn}: {prefix}The factorization could not be completed because the input is not positive-definite "
            f"(the leading minor of order {order} is not positive-definite)."
        )
    return factor, info


class Cholesky(Op):
    """Cholesky factor (computed beforehand, with its info); torch's ``cholesky_backward``."""

    torch_name = "LinalgCholeskyExBackward0"

    def forward(self, a, factor, upper):
        self.upper = upper
        self.save_for_backward(OUTPUT)
        return factor

    def backward(self, g):
        (factor,) = self.saved_tensors
        return cholesky_backward(g, self.upper, factor)


def cholesky_backward(gl: Tensor, upper: bool, low: Tensor) -> Tensor:
    """``sym(L^{-T} Phi L^{-1})`` with ``Phi = tril(L^T gL)`` halved on the diagonal (Murray 2016)."""
    from .solves import solve_triangular

    if upper:
        low, gl = mT(low), mT(gl)
    phi = matmul(mT(low), gl).tril()
    phi = phi - 0.5 * diag_embed(_diag(phi))
    ga = solve_triangular(mT(low), phi, upper=True)
    ga = solve_triangular(low, ga, upper=False, left=False)
    return 0.5 * (ga + mT(ga))


def _cholesky(A: Tensor, upper: bool, check: bool, fn: str) -> tuple:  # noqa: N803
    check_matrix(A, fn, square=True)
    factor, info = _cholesky_array(A._data, bool(upper), check, fn)
    return Cholesky.apply(A, factor=factor, upper=bool(upper)), info


def cholesky(input: Tensor, *, upper: bool = False, out: Tensor | None = None) -> Tensor:
    """The Cholesky factor (lower, or upper with ``upper=True``) of symmetric positive-definite ``A``."""
    check_bools("linalg_cholesky", upper=upper)
    result = _cholesky(input, upper, True, "linalg.cholesky")[0]
    return write_out(out, result)


def cholesky_ex(input: Tensor, *, upper: bool = False, check_errors: bool = False) -> tuple:
    """``(L, info)``: info is the order of the first non-positive leading minor (0 on success)."""
    check_bools("linalg_cholesky_ex", upper=upper, check_errors=check_errors)
    check_matrix(input, "linalg.cholesky", square=True)
    result, info = _cholesky(input, upper, check_errors, "linalg.cholesky_ex")
    return CholeskyExResult(result, Tensor._make(info))
