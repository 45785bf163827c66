"""Rank-revealing routines: ``pinv``, ``matrix_rank`` and ``lstsq`` (torch's tolerances,
drivers and result shapes; gradients through torch's ``pinv_backward``)."""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import OUTPUT, Op
from ..ops._util import broadcast_shapes
from ..ops.linalg import matmul
from ._common import (
    Constant,
    LinAlgError,
    _type_name,
    check_bools,
    check_float,
    check_float_or_double,
    check_matrix,
    check_tensor,
    mT,
    np_svd,
    scipy_linalg,
    type_word,
    write_out,
)
from ._results import LstsqResult

__all__ = ["pinv", "matrix_rank", "lstsq"]


def _tol_value(value, batch: tuple) -> np.ndarray | float | None:
    """A tolerance given as a number or a tensor (broadcast over the batch)."""
    if value is None:
        return None
    if isinstance(value, Tensor):
        return np.asarray(value._data, dtype=np.float64)
    return float(value)


def _tolerance(smax: np.ndarray, m: int, n: int, dtype, atol, rtol) -> np.ndarray:
    """torch's ``max(atol, rtol * smax)``; rtol defaults to eps * max(m, n) unless atol is given."""
    a = _tol_value(atol, smax.shape)
    r = _tol_value(rtol, smax.shape)
    if r is None:
        r = np.finfo(dtype).eps * max(m, n) if a is None or np.all(np.asarray(a) <= 0) else 0.0
    a = 0.0 if a is None else a
    return np.maximum(a, np.asarray(r) * smax)


def _pinv_array(a: np.ndarray, atol, rtol, hermitian: bool) -> np.ndarray:
    m, n = a.shape[-2:]
    if a.size == 0:
        return np.zeros(a.shape[:-2] + (n, m), dtype=a.dtype)
    if hermitian:
        w, v = np.linalg.eigh(a)
        wabs = np.abs(w)
        tol = _tolerance(wabs.max(axis=-1), m, n, a.dtype, atol, rtol)[..., None]
        with np.errstate(divide="ignore"):
            winv = np.where(wabs > tol, 1.0 / w, 0.0).astype(a.dtype)
        return (v * winv[..., None, :]) @ np.swapaxes(v, -1, -2)
    u, s, vh = np_svd(a, full_matrices=False)
    tol = _tolerance(s[..., 0], m, n, a.dtype, atol, rtol)[..., None]
    with np.errstate(divide="ignore"):
        sinv = np.where(s > tol, 1.0 / s, 0.0).astype(a.dtype)
    return (np.swapaxes(vh, -1, -2) * sinv[..., None, :]) @ np.swapaxes(u, -1, -2)


def pinv_backward(g: Tensor, pinv_a: Tensor, a: Tensor) -> Tensor:
    """torch's ``pinv_backward`` (Golub & Pereyra), smallest intermediate matrices first."""
    m, n = a.shape[-2], a.shape[-1]
    pinv_ah, gh = mT(pinv_a), mT(g)
    if m <= n:
        k = matmul(gh, pinv_a)
        k_pinv_ah = matmul(k, pinv_ah)
        return (
            -mT(matmul(pinv_a, k))
            + k_pinv_ah
            - matmul(matmul(a, pinv_a), k_pinv_ah)
            + matmul(matmul(pinv_ah, pinv_a), gh - matmul(k, a))
        )
    k = matmul(pinv_a, gh)
    pinv_ah_k = matmul(pinv_ah, k)
    return (
        -mT(matmul(k, pinv_a))
        + matmul(matmul(gh - matmul(a, k), pinv_a), pinv_ah)
        + pinv_ah_k
        - matmul(matmul(pinv_ah_k, pinv_a), a)
    )


class Pinv(Op):
    """Moore-Penrose pseudo-inverse by SVD (or eigh for symmetric input)."""

    torch_name = "LinalgPinvBackward0"

    def forward(self, a, atol, rtol, hermitian):
        self.save_for_backward(a, OUTPUT)
        return _pinv_array(a._data, atol, rtol, hermitian)

    def backward(self, g):
        a, out = self.saved_tensors
        return pinv_backward(g, out, a)


def _check_pinv_input(A, fn: str) -> None:  # noqa: N803
    check_tensor(A, fn, "input")
    if A.ndim < 2 or A._data.dtype.kind != "f":
        if A._data.dtype.kind == "c":
            check_float(A, fn)
        raise RuntimeError(
            f"{fn}({type_word(A)}{{{list(A.shape)}}}): expected a tensor with 2 or more dimensions of float, double, cfloat "
            "or cdouble types"
        )


_PINV_SIGNATURES = (
    " * (Tensor input, *, Tensor atol = None, Tensor rtol = None, bool hermitian = False, Tensor out = None)\n"
    " * (Tensor input, *, float atol = None, float rtol = None, bool hermitian = False, Tensor out = None)\n"
    " * (Tensor input, Tensor rcond, bool hermitian = False, *, Tensor out = None)\n"
    " * (Tensor input, float rcond, bool hermitian = False, *, Tensor out = None)\n"
)


def _check_pinv_tolerances(rcond, atol, rtol) -> None:
    """torch's parser TypeError when a tolerance is no number or Tensor, or ``rcond`` is mixed with atol/rtol."""
    given = {name: v for name, v in (("rcond", rcond), ("atol", atol), ("rtol", rtol)) if v is not None}
    numbers = (Tensor, int, float, np.integer, np.floating)
    if all(isinstance(v, numbers) for v in given.values()) and not ("rcond" in given and len(given) > 1):
        return
    got = ", ".join(["Tensor"] + [f"{name}={_type_name(v)}" for name, v in given.items()])
    raise TypeError(
        f"linalg_pinv() received an invalid combination of arguments - got ({got}), but expected one of:\n"
        + _PINV_SIGNATURES
    )


def pinv(
    input: Tensor,
    rcond=None,
    hermitian: bool = False,
    *,
    atol=None,
    rtol=None,
    out: Tensor | None = None,
) -> Tensor:
    """The pseudo-inverse of ``A``; singular values below ``max(atol, rtol * s_max)`` are dropped."""
    check_bools("linalg_pinv", hermitian=hermitian)
    _check_pinv_tolerances(rcond, atol, rtol)
    _check_pinv_input(input, "linalg.pinv")
    if hermitian and input._data.size:  # torch returns an empty (n, m) result before looking at the shape
        check_matrix(input, "linalg.eigh", square=True)
    if rcond is not None:
        rtol = rcond
    result = Pinv.apply(input, atol=atol, rtol=rtol, hermitian=bool(hermitian))
    return write_out(out, result)


def matrix_rank(
    input: Tensor,
    tol=None,
    hermitian: bool = False,
    *,
    atol=None,
    rtol=None,
    out: Tensor | None = None,
) -> Tensor:
    """The number of singular values above ``max(atol, rtol * s_max)`` (int64)."""
    check_bools("linalg_matrix_rank", hermitian=hermitian)
    check_tensor(input, "linalg_matrix_rank", "input")
    if input.ndim < 2:
        raise RuntimeError("torch.linalg.matrix_rank: The input tensor input must have at least 2 dimensions.")
    check_float_or_double(input)
    if tol is not None:
        atol, rtol = tol, 0.0
    a = input._data
    m, n = a.shape[-2:]
    if a.size == 0:
        return Tensor._make(np.zeros(a.shape[:-2], dtype=np.int64))
    if hermitian:
        check_matrix(input, "linalg.eigh", square=True)
    s = np.abs(np.linalg.eigvalsh(a)) if hermitian else np_svd(a, compute_uv=False)
    tol_v = _tolerance(s.max(axis=-1), m, n, a.dtype, atol, rtol)[..., None]
    result = Tensor._make(np.asarray(np.sum(s > tol_v, axis=-1), dtype=np.int64))
    return write_out(out, result)


_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


class Lstsq(Op):
    """Least-squares solution ``pinv(A) B`` (numpy's gelsd); torch's ``linalg_lstsq_backward``."""

    torch_name = "LinalgLstsqBackward0"

    def forward(self, a, b, rcond, driver):
        self.save_for_backward(a, b)
        return _lstsq_solution(a._data, b._data, rcond, driver)

    def backward(self, g):
        a, b = self.saved_tensors
        na, nb = self.needs_input_grad
        pinv_a = pinv(a)
        ga = pinv_backward(matmul(g, mT(b)), pinv_a, a) if na else None
        gb = matmul(mT(pinv_a), g) if nb else None
        return ga, gb


def _gels(a: np.ndarray, b: np.ndarray, where: str) -> np.ndarray:
    """LAPACK gels (QR or LQ, no rank check), torch's ``gels`` driver: its exact solution, or its error."""
    m, n = a.shape
    if 0 in (m, n, b.shape[-1]):
        return np.zeros((n, b.shape[-1]), dtype=a.dtype)
    gels = scipy_linalg().lapack.get_lapack_funcs("gels", (a, b))
    rhs = np.zeros((max(m, n), b.shape[-1]), dtype=a.dtype)
    rhs[:m] = b
    _, x, info = gels(a, rhs)
    if info > 0:
        raise LinAlgError(
            f"torch.linalg.lstsq: {where}The least squares solution could not be computed because the input matrix "
            f"does not have full rank (error code: {info})."
        )
    return x[:n]


def _lstsq_solution(a: np.ndarray, b: np.ndarray, rcond, driver: str) -> np.ndarray:
    batched = a.ndim > 2
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = np.broadcast_to(a, batch + a.shape[-2:])
    b = np.broadcast_to(b, batch + b.shape[-2:])
    out = np.empty(batch + (a.shape[-1], b.shape[-1]), dtype=a.dtype)
    for i, idx in enumerate(np.ndindex(*batch) if batch else [()]):
        try:
            if driver == "gels":
                out[idx] = _gels(a[idx], b[idx], f"(Batch element {i}): " if batched else "")
            else:
                out[idx] = np.linalg.lstsq(a[idx], b[idx], rcond=rcond)[0]
        except np.linalg.LinAlgError:
            raise LinAlgError(
                "torch.linalg.lstsq: The least squares solution could not be computed because the input matrix "
                "contained non-finite values."
            ) from None
    return out


def _lstsq_extras(a: np.ndarray, driver: str, rcond) -> tuple:
    """Whether torch returns residuals, and the rank and singular values it returns, for ``driver``."""
    m, n = a.shape[-2:]
    empty = np.zeros((0,), dtype=a.dtype)
    s = np_svd(a, compute_uv=False) if a.size else np.zeros(a.shape[:-2] + (0,), a.dtype)
    rank = None
    if driver != "gels":
        cutoff = (rcond if rcond is not None else np.finfo(a.dtype).eps * max(m, n)) * s[..., :1]
        rank = np.sum(s > cutoff, axis=-1).astype(np.int64)
    full_rank = rank is None or bool(np.all(rank == n))
    with_residuals = m > n and driver != "gelsy" and full_rank
    values = s if driver in ("gelsd", "gelss") else empty
    rank_t = np.zeros((0,), dtype=np.int64) if rank is None else np.asarray(rank)
    return with_residuals, rank_t, values


def lstsq(input: Tensor, b: Tensor, rcond=None, *, driver=None) -> tuple:
    """``(solution, residuals, rank, singular_values)`` of ``min ||A X - B||`` (torch's CPU drivers)."""
    vector, batch = _check_lstsq(input, b, rcond, driver)
    rhs = b.unsqueeze(-1) if vector else b
    if not vector and b.ndim == input.ndim - 1:
        rhs = rhs.expand(*batch, *rhs.shape[-2:])
    driver = driver or "gelsy"
    x = Lstsq.apply(input, rhs, rcond=rcond, driver=driver)
    with_residuals, rank, values = _lstsq_extras(input._data, driver, rcond)
    if with_residuals and driver == "gels" and input.shape[-1] == 0:
        # LAPACK's gels zeroes B when A has no columns, and torch sums B's rows into the residuals
        residuals = Constant.apply(input, rhs, value=np.zeros(tuple(x.shape[:-2]) + x.shape[-1:], input._data.dtype))
    elif with_residuals:
        residuals = ((matmul(input, x) - rhs) ** 2).sum(dim=-2)
    else:
        residuals = Constant.apply(input, rhs, value=np.zeros((0,), dtype=input._data.dtype))
    solution = x.squeeze(-1) if vector else x
    return LstsqResult(solution, residuals, Tensor._make(rank), Tensor._make(values))


def _check_lstsq(A, B, rcond, driver) -> tuple:  # noqa: N803
    """torch's checks of ``linalg.lstsq`` in its order; whether B is a (batch of) vector(s), and the batch shape."""
    fn = "torch.linalg.lstsq"
    check_tensor(A, "linalg_lstsq", "self")
    check_tensor(B, "linalg_lstsq", "b", 2)
    if rcond is not None and (isinstance(rcond, bool) or not isinstance(rcond, (int, float, np.integer, np.floating))):
        raise TypeError(f"linalg_lstsq(): argument 'rcond' must be float, not {type(rcond).__name__}")
    if driver is not None and not isinstance(driver, str):
        raise TypeError(f"linalg_lstsq(): argument 'driver' must be str, not {type(driver).__name__}")
    if A.ndim < 2:
        raise RuntimeError(f"{fn}: input must have at least 2 dimensions.")
    if B.ndim < 1:
        raise RuntimeError(f"{fn}: other must have at least 1 dimension.")
    if A._data.dtype != B._data.dtype:
        raise RuntimeError(
            f"{fn}: Expected input and other to have the same dtype, but got input's dtype {_word(A)} and other's "
            f"dtype {_word(B)}"
        )
    if not 0 <= A.ndim - B.ndim <= 1:
        raise RuntimeError(
            f"{fn}: input.dim() must be greater or equal to other.dim() and (input.dim() - other.dim()) <= 1"
        )
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    rows = B.shape[-1] if vector else B.shape[-2]
    if rows != A.shape[-2]:
        raise RuntimeError(f"{fn}: input.size(-2) should match other.size({-1 if vector else -2})")
    check_float_or_double(A)
    if driver is not None and driver not in _DRIVERS:
        raise RuntimeError(f"{fn}: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    # torch broadcasts A's batch with B.shape[:-1] whenever B has one dim less, even for a matrix B
    # (whose rows then act as a batch dim)
    b_batch = B.shape[:-1] if B.ndim == A.ndim - 1 else B.shape[:-2]
    return vector, broadcast_shapes(tuple(A.shape[:-2]), tuple(b_batch))


def _word(x: Tensor) -> str:
    return type_word(x)
