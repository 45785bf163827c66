"""Determinants: ``det``, ``slogdet`` and the legacy ``logdet``, with torch's gradients
(``det * A^{-T}`` by a solve; the SVD formula for singular matrices)."""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import OUTPUT, Op
from ..ops.comparison import where
from ..ops.linalg import matmul
from ._common import check_matrix, const, diag_embed, mT, write_out
from ._results import SlogdetResult

__all__ = ["det", "slogdet", "logdet"]


def _cofactor_solve(a: Tensor, scale: Tensor) -> Tensor:
    """``scale * A^{-T}`` as ``solve(A^T, diag(scale))``, differentiable again."""
    from .solves import Solve

    n = a.shape[-1]
    d = diag_embed(scale.unsqueeze(-1).expand(*scale.shape, n))
    return Solve.apply(mT(a), d)


def _prod_others(g: Tensor, s: Tensor) -> Tensor:
    """``g * prod_{j != i} s_j`` for each i (torch's ``prod_safe_zeros_backward`` over the last dim)."""
    from ..ops.shape import cat

    ones = s[..., :1] * 0 + 1
    left = _cumprod(cat([ones, s[..., :-1]], dim=-1))
    flipped = s.flip(-1)
    right = _cumprod(cat([ones, flipped[..., :-1]], dim=-1)).flip(-1)
    return g.unsqueeze(-1) * left * right


def _cumprod(x: Tensor) -> Tensor:
    """Cumulative product over the last dim by repeated products (differentiable, small n)."""
    from ..ops.shape import stack

    cols = [x[..., 0]]
    for i in range(1, x.shape[-1]):
        cols.append(cols[-1] * x[..., i])
    return stack(cols, dim=-1)


def _singular_det_grad(a: Tensor, g: Tensor) -> Tensor:
    """The adjugate-transpose gradient of det at singular matrices, from the SVD (torch's formula)."""
    from .decompositions import svd

    u, s, vh = svd(a)
    alpha = det(u.detach()) * det(vh.detach())
    d = _prod_others(g * alpha, s)
    return matmul(u * d.unsqueeze(-2), vh)


class Det(Op):
    """Determinant; gradient ``g det A^{-T}`` (SVD-based where A is singular, as torch)."""

    torch_name = "LinalgDetBackward0"

    def forward(self, a):
        self.save_for_backward(a, OUTPUT)
        return np.asarray(np.linalg.det(a._data))

    def backward(self, g):
        a, d = self.saved_tensors
        singular = d._data == 0
        if not singular.any():
            return _cofactor_solve(a, g * d)
        if singular.all():
            return _singular_det_grad(a, g)
        mask = Tensor._make(singular[..., None, None])
        safe = where(mask, const(np.eye(a.shape[-1]), a), a)
        regular = _cofactor_solve(safe, g * d)
        return where(mask, _singular_det_grad(a, g), regular)


def det(A: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: N803
    """The determinant of each square matrix of ``A``."""
    check_matrix(A, "linalg.det", square=True)
    result = Det.apply(A)
    return write_out(out, result)


class Slogdet(Op):
    """``(sign, log|det|)``; only log|det| carries a gradient (``g A^{-T}``)."""

    torch_name = "LinalgSlogdetBackward0"
    _materialize = False

    def forward(self, a):
        self.save_for_backward(a)
        sign, logabs = np.linalg.slogdet(a._data)
        return np.asarray(sign), np.asarray(logabs)

    def backward(self, gsign, glog):
        if glog is None:
            return None
        (a,) = self.saved_tensors
        return _cofactor_solve(a, glog)


def slogdet(A: Tensor) -> tuple:  # noqa: N803
    """``(sign, logabsdet)`` of the determinant, stable for large and small determinants."""
    check_matrix(A, "linalg.slogdet", square=True)
    sign, logabs = Slogdet.apply(A)
    return SlogdetResult(sign, logabs)


def logdet(input: Tensor) -> Tensor:
    """``log(det(A))``: nan for a negative determinant, -inf for a zero one."""
    check_matrix(input, "logdet", square=True)
    sign, logabs = Slogdet.apply(input)
    return where(sign == -1, const(np.nan, input), logabs)
