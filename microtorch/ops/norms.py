"""Vector p-norms (and the nuclear norm) behind ``norm``."""

from __future__ import annotations

import numpy as np

from .._backend import xp
from .._tensor import Tensor
from ..autograd.function import OUTPUT, Op
from .elementwise import abs as _abs
from .elementwise import eq, isnan, logical_or, sign, where
from .elementwise import pow as _pow
from .reduction import _INTS, _axes, _check_args, _keep, _kept_shape, _one_dim, _type_word, sum
from .shape import permute, reshape

__all__ = ["norm"]


class VectorNorm(Op):
    """``sum(|x|**p) ** (1/p)`` over dims, with p = 0 (count), +-inf (max/min of |x|) as torch."""

    torch_name = "LinalgVectorNormBackward0"

    def forward(self, x, p, dims, keepdim):
        self.p, self.dims, self.keepdim, self.in_shape = p, dims, keepdim, x._data.shape
        self.save_for_backward(x, OUTPUT)
        a = np.abs(x._data)
        if p == 0:
            out = (a != 0).sum(axis=dims, keepdims=keepdim).astype(a.dtype)
        elif p == np.inf:
            out = a.max(axis=dims, keepdims=keepdim)
        elif p == -np.inf:
            out = a.min(axis=dims, keepdims=keepdim)
        elif p == 1:
            out = a.sum(axis=dims, keepdims=keepdim)
        elif p == 2:
            out = xp.sqrt((a * a).sum(axis=dims, keepdims=keepdim))
        else:
            out = ((a**p).sum(axis=dims, keepdims=keepdim)) ** (1.0 / p)  # 0 ** negative p: inf, as torch
        return np.asarray(out, dtype=a.dtype)

    def backward(self, g):
        """torch's norm_backward, in differentiable ops: masked to 0 where the norm (or, for
        p < 1, x) is 0, so that second derivatives there are NaN as in torch."""
        x, norm_ = self.saved_tensors
        p = self.p
        if p == 0:
            return None
        g = _keep(g, self.in_shape, self.dims, self.keepdim)
        norm_ = _keep(norm_, self.in_shape, self.dims, self.keepdim)
        zero = Tensor._make(np.zeros((), x._data.dtype))
        if p == 1:
            return sign(x) * g
        if p == 2:
            return g * where(eq(norm_, 0), zero, x / norm_)
        if np.isinf(p):
            a = _abs(x)
            mask = logical_or(eq(a, norm_), isnan(a))
            weight = mask.to(x.dtype)
            return sign(x) * (g / sum(weight, self.dims, keepdim=True)) * weight
        if p < 1:
            scaled = sign(x) * where(eq(x, 0), zero, _pow(_abs(x), p - 1))
            return scaled * g * _pow(norm_, 1 - p)
        scaled = sign(x) * _pow(_abs(x), p - 1) if p < 2 else x * _pow(_abs(x), p - 2)
        return scaled * where(eq(norm_, 0), zero, g / _pow(norm_, p - 1))


class NuclearNorm(Op):
    """Sum of the singular values over the matrix dims (moved last)."""

    torch_name = "LinalgMatrixNormBackward0"

    def forward(self, x):
        self.save_for_backward(x)
        return np.asarray(np.linalg.svd(x._data, compute_uv=False).sum(-1))

    def backward(self, g):
        (x,) = self.saved_tensors
        return reshape(g, g.shape + (1, 1)) * PolarFactor.apply(x)


class PolarFactor(Op):
    """``U @ Vh`` of the thin SVD: the gradient of the nuclear norm (full-rank matrices)."""

    def forward(self, x):
        u, s, vh = np.linalg.svd(x._data, full_matrices=False)
        self.usv = (u, s, vh)
        return u @ vh

    def backward(self, g):
        """Adjoint of d(U Vh) = U X Vh + (1 - U Uh) dA V S^-1 Vh + U S^-1 Uh dA (1 - V Vh),
        X = (K - K^T) / (s_i + s_j), K = Uh dA V."""
        from .linalg import matmul

        u, s, vh = (Tensor._make(a) for a in self.usv)
        ut, v = u.mT, vh.mT
        inv_pair = Tensor._make(1.0 / (self.usv[1][..., :, None] + self.usv[1][..., None, :]))
        h = matmul(matmul(ut, g), v)
        core = matmul(matmul(u, (h - h.mT) * inv_pair), vh)
        inv_s = Tensor._make(1.0 / self.usv[1][..., None, :])
        m, n = self.usv[0].shape[-2], self.usv[2].shape[-1]
        if m > n:
            left = g - matmul(u, matmul(ut, g))
            core = core + matmul(matmul(left, v) * inv_s, vh)
        if n > m:
            right = g - matmul(matmul(g, v), vh)
            core = core + matmul(u * inv_s, matmul(ut, right))
        return core


def _nuclear_norm(x: Tensor, dim, keepdim: bool) -> Tensor:
    dims = tuple(range(x.ndim)) if dim is None else tuple(dim)
    if x.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    if len(dims) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(str(d) for d in dims)}")
    d0, d1 = (_one_dim(d, x.ndim, "norm") for d in dims)
    rest = [i for i in range(x.ndim) if i not in (d0, d1)]
    out = NuclearNorm.apply(permute(x, *rest, d0, d1))
    if keepdim:
        out = reshape(out, _kept_shape(x.shape, (d0, d1)))
    return out


def norm(input: Tensor, p="fro", dim=None, keepdim: bool = False, out: Tensor | None = None, dtype=None) -> Tensor:
    """``torch.norm``: ``tensor_norm``, with ``out=`` written as ``torch.linalg``'s norms write it."""
    result = tensor_norm(input, p, dim, keepdim, dtype)
    if out is None:
        return result
    from ..linalg._common import write_out

    via = "linalg_matrix_norm" if isinstance(p, str) and p != "fro" else "linalg_vector_norm"  # torch.norm's route
    return write_out(out, result, via)


def tensor_norm(input: Tensor, p="fro", dim=None, keepdim: bool = False, dtype=None) -> Tensor:
    """Vector p-norm (2 by default, 'fro', 0, +-inf) over all elements or ``dim``; 'nuc' for matrices
    (``Tensor.norm(p, dim, keepdim, dtype)``, whose 4th argument is ``dtype``, not ``torch.norm``'s ``out``)."""
    _check_args("norm", input, keepdim=keepdim)
    if dtype is not None:
        input = input.to(dtype)
    if input._data.dtype.kind != "f":
        raise RuntimeError(
            f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got {_type_word(input)}"
        )
    if isinstance(dim, _INTS):
        dim = (dim,)
    if p == "nuc":
        return _nuclear_norm(input, dim, keepdim)
    if p == "fro" and isinstance(dim, (tuple, list)) and len(dim) > 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(str(d) for d in dim)}")
    if p == "fro" or p is None:
        p = 2
    elif isinstance(p, str):
        raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported.")
    elif isinstance(p, bool) or not isinstance(p, (_INTS, float)):
        raise TypeError(f"linalg_vector_norm(): argument 'ord' must be Number, not {type(p).__name__}")
    dims = _axes(dim, input.ndim, "linalg.vector_norm")
    if p < 0 or np.isinf(p):
        for d in dims:
            if input.shape[d] == 0:
                raise RuntimeError(
                    f"linalg.vector_norm cannot compute the {p} norm on an empty tensor because the operation does "
                    "not have an identity"
                )
    return VectorNorm.apply(input, p=float(p), dims=dims, keepdim=keepdim)
