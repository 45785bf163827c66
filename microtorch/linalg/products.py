"""Products and matrix functions: ``matrix_power``, ``matrix_exp``, ``multi_dot``, ``cross``,
``vecdot``, ``diagonal``, ``vander``, ``householder_product``, ``tensorinv``, ``tensorsolve``."""

from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Op
from ..ops.linalg import matmul
from ..ops.shape import cat, stack
from ._common import Constant, check_float, check_int, check_matrix, check_tensor, const, mT, type_word, write_out
from ._common import diagonal as _last_diagonal
from ._expm import expm

__all__ = [
    "matrix_power",
    "matrix_exp",
    "multi_dot",
    "cross",
    "vecdot",
    "diagonal",
    "vander",
    "householder_product",
    "tensorinv",
    "tensorsolve",
]


def matrix_power(input: Tensor, n: int, *, out: Tensor | None = None) -> Tensor:
    """``A`` multiplied by itself ``n`` times (the inverse's power for negative ``n``)."""
    from .solves import inv

    check_matrix(input, "linalg.matrix_power", square=True, floating=False)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"linalg_matrix_power(): argument 'n' (position 2) must be int, not {type(n).__name__}")
    if n == 0:
        eye = np.broadcast_to(np.eye(input.shape[-1], dtype=input._data.dtype), input.shape)
        result = Constant.apply(input, value=eye.copy())
    else:
        base = inv(input) if n < 0 else input
        result = _power(base, abs(int(n)))
    return write_out(out, result)


def _power(a: Tensor, n: int) -> Tensor:
    """Repeated squaring, as torch (its products in the same order)."""
    if n == 1:
        return a
    if n == 2:
        return matmul(a, a)
    if n == 3:
        return matmul(matmul(a, a), a)
    result, z = None, None
    while n > 0:
        z = a if z is None else matmul(z, z)
        if n % 2:
            result = z if result is None else matmul(result, z)
        n //= 2
    return result


class MatrixExp(Op):
    """torch's optimized-Taylor ``expm``; the gradient is the exponential of a block matrix, differentiable again."""

    torch_name = "LinalgMatrixExpBackward0"

    def forward(self, a):
        self.save_for_backward(a)
        x = a._data
        if x.size == 0:
            return x.copy()
        return expm(x)

    def backward(self, g):
        (a,) = self.saved_tensors
        n = a.shape[-1]
        at = mT(a)
        zeros = at.new_zeros(tuple(at.shape))
        block = cat([cat([at, g], dim=-1), cat([zeros, at], dim=-1)], dim=-2)
        return MatrixExp.apply(block)[..., :n, n:]


def matrix_exp(input: Tensor) -> Tensor:
    """The matrix exponential of each square matrix of ``A``."""
    check_matrix(input, "linalg.matrix_exp", square=True)
    return MatrixExp.apply(input)


def _check_multi_dot(tensors) -> None:
    n = len(tensors)
    if n < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {n}")
    for i, t in enumerate(tensors):
        check_tensor(t, "linalg_multi_dot", "tensors", 1)
        where = "first" if i == 0 else "last" if i == n - 1 else None
        if where and t.ndim not in (1, 2):
            raise RuntimeError(f"multi_dot(): the {where} tensor must be 1D or 2D but got {t.ndim}D")
        if not where and t.ndim != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t.ndim}D")
    names = {"float32": "float", "float64": "double", "int64": "long int"}
    for i, t in enumerate(tensors[1:], 1):
        if t._data.dtype != tensors[0]._data.dtype:
            first, other = (names.get(x._data.dtype.name, x._data.dtype.name) for x in (tensors[0], t))
            raise RuntimeError(
                f"multi_dot(): all tensors must have be the same dtype but tensor 0 is {first} and tensor {i} {other}"
            )


def multi_dot(tensors, *, out: Tensor | None = None) -> Tensor:
    """The chained matrix product of ``tensors`` (first / last may be vectors), in the cheapest order."""
    tensors = list(tensors)
    _check_multi_dot(tensors)
    first_vec, last_vec = tensors[0].ndim == 1, tensors[-1].ndim == 1
    mats = list(tensors)
    if first_vec:
        mats[0] = mats[0].unsqueeze(0)
    if last_vec:
        mats[-1] = mats[-1].unsqueeze(-1)
    for i in range(len(mats) - 1):
        if mats[i].shape[1] != mats[i + 1].shape[0]:
            raise RuntimeError(
                f"multi_dot(): tensors {i} and {i + 1} with shapes {list(tensors[i].shape)} and "
                f"{list(tensors[i + 1].shape)} cannot be multiplied"
            )
    result = _chain(mats, _chain_order([m.shape[0] for m in mats] + [mats[-1].shape[1]]), 0, len(mats) - 1)
    if first_vec and last_vec:
        result = result.reshape(())
    elif first_vec:
        result = result.squeeze(0)
    elif last_vec:
        result = result.squeeze(-1)
    return write_out(out, result)


def _chain_order(dims: list) -> list:
    """The classic matrix-chain dynamic programme: split points of the cheapest parenthesisation."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = math.inf
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def _chain(mats: list, split: list, i: int, j: int) -> Tensor:
    if i == j:
        return mats[i]
    k = split[i][j]
    return matmul(_chain(mats, split, i, k), _chain(mats, split, k + 1, j))


def cross(input: Tensor, other: Tensor, *, dim: int = -1, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The 3-D cross product along ``dim`` (operands broadcast)."""
    from ..ops._util import broadcast_shapes

    check_tensor(input, "linalg_cross", "input")
    check_tensor(other, "linalg_cross", "other", 2)
    if input.ndim != other.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    nd = max(input.ndim, other.ndim)
    if not -nd <= dim < max(nd, 1):
        raise IndexError(f"Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], but got {dim})")
    la = input.shape[dim] if input.ndim + dim >= 0 or dim >= 0 else 1
    lb = other.shape[dim] if other.ndim + dim >= 0 or dim >= 0 else 1
    if la != 3 or lb != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {la} and {lb}")
    broadcast_shapes(tuple(input.shape), tuple(other.shape))
    # torch picks the kernel by input's dtype (none for bool), then finds other's dtype wrong
    if input._data.dtype == np.bool_:
        raise NotImplementedError("\"cross\" not implemented for 'Bool'")
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(f"expected scalar type {type_word(input)} but found {type_word(other)}")
    return write_out(out, Cross.apply(input, other, dim=dim % nd))


class Cross(Op):
    """``a x b`` along ``dim`` (broadcast); gradients ``b x g`` and ``g x a``, themselves cross products."""

    torch_name = "LinalgCrossBackward0"

    def forward(self, a, b, dim):
        self.dim = dim
        self.shapes = (a._data.shape, b._data.shape)
        self.save_for_backward(a, b)
        return np.cross(a._data, b._data, axis=dim)

    def backward(self, g):
        from ..ops.shape import sum_to_size

        a, b = self.saved_tensors
        na, nb = self.needs_input_grad
        ga = sum_to_size(Cross.apply(b, g, dim=self.dim), self.shapes[0]) if na else None
        gb = sum_to_size(Cross.apply(g, a, dim=self.dim), self.shapes[1]) if nb else None
        return ga, gb


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1, out: Tensor | None = None) -> Tensor:
    """The dot product of ``x`` and ``y`` along ``dim`` (broadcast)."""
    check_tensor(x, "linalg_vecdot", "x")
    check_tensor(y, "linalg_vecdot", "y", 2)
    check_float(x, "linalg.vecdot")
    if x._data.dtype != y._data.dtype:
        raise RuntimeError(
            f"linalg.vecdot: Expected x and y to have the same dtype, but found x of type {type_word(x)} and y of "
            f"type {type_word(y)} instead"
        )
    if x.ndim == 1 and y.ndim == 1:
        # torch computes vdot(x, y) here: no broadcasting, and dim is not looked at
        if x.shape[0] != y.shape[0]:
            raise RuntimeError(
                f"inconsistent tensor size, expected tensor [{x.shape[0]}] and src [{y.shape[0]}] to have the same "
                f"number of elements, but got {x.shape[0]} and {y.shape[0]} elements respectively"
            )
        return write_out(out, (x * y).sum())
    return write_out(out, (x * y).sum(dim=dim))


def diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:  # noqa: N803
    """The diagonal ``offset`` of the matrices in dims (dim1, dim2), as its last dim."""
    check_tensor(A, "linalg_diagonal", "A")
    nd = max(A.ndim, 1)  # torch wraps dims of a 0-d tensor as if it were 1-d
    d1, d2 = (d % nd if -nd <= d < nd else None for d in (dim1, dim2))
    if d1 is None or d2 is None:
        bad = dim1 if d1 is None else dim2
        raise IndexError(f"Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], but got {bad})")
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    moved = A.movedim((d1, d2), (-2, -1))
    # an offset past the matrix gives the empty diagonal (clamped so that no huge int reaches numpy)
    offset = max(min(offset, moved.shape[-1]), -moved.shape[-2]) if moved.ndim >= 2 else offset
    return _last_diagonal(moved, offset)


def vander(x: Tensor, *, N: int | None = None) -> Tensor:  # noqa: N803
    """The Vandermonde matrix ``[x^0, x^1, ..., x^(N-1)]`` along a new last dim."""
    check_tensor(x, "linalg_vander", "x")
    kind = x._data.dtype.kind
    if kind == "b":
        raise RuntimeError(
            f"linalg.vander supports floating point, complex, and integer tensors, but got {type_word(x)}"
        )
    if kind in "iu":
        from .._dtype import int64

        x = x.to(int64)
    if x.ndim == 0:
        x = x.unsqueeze(0)
    n = x.shape[-1] if N is None else N
    if n <= 1:
        raise RuntimeError("N must be greater than 1.")
    cols = [x * 0 + 1]
    for _ in range(1, n):
        cols.append(cols[-1] * x)
    return stack(cols, dim=-1)


def householder_product(input: Tensor, tau: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The first n columns of ``H_1 ... H_k`` with ``H_i = I - tau_i v_i v_i^T`` (LAPACK orgqr)."""
    fn = "torch.linalg.householder_product"
    check_tensor(input, "linalg_householder_product", "input")
    check_tensor(tau, "linalg_householder_product", "tau", 2)
    if input.ndim < 2:
        raise RuntimeError(f"{fn}: input must have at least 2 dimensions.")
    m, n = input.shape[-2:]
    if tau.ndim == 0:
        raise IndexError("Dimension specified as -1 but tensor has no dimensions")
    k = tau.shape[-1]
    if m < n:
        raise RuntimeError(f"{fn}: input.shape[-2] must be greater than or equal to input.shape[-1]")
    if n < k:
        raise RuntimeError(f"{fn}: input.shape[-1] must be greater than or equal to tau.shape[-1]")
    if tau.ndim != input.ndim - 1:
        raise RuntimeError(
            f"{fn}: Expected tau to have one dimension less than input, but got tau.ndim equal to {tau.ndim} and input.ndim is equal to {input.ndim}"
        )
    if input.ndim > 2 and tuple(tau.shape[:-1]) != tuple(input.shape[:-2]):
        raise RuntimeError(
            f"{fn}: Expected batch dimensions of tau to be equal to input.shape[:-2], but got {list(tau.shape[:-1])}"
        )
    if input._data.dtype != tau._data.dtype:
        raise RuntimeError(f"{fn}: tau dtype {type_word(tau)} does not match input dtype {type_word(input)}")
    if input._data.dtype.kind in "biu":
        raise NotImplementedError(f"\"orgqr_cpu\" not implemented for '{type_word(input)}'")
    check_float(input, fn)
    result = _householder(input, tau, n)
    return write_out(out, result)


def _householder(A: Tensor, tau: Tensor, cols: int) -> Tensor:  # noqa: N803
    """``H_1 ... H_k`` applied to the first ``cols`` columns of the identity, right to left."""
    m = A.shape[-2]
    eye = np.broadcast_to(np.eye(m, cols, dtype=A._data.dtype), tuple(A.shape[:-2]) + (m, cols)).copy()
    q = Constant.apply(A, tau, value=eye)
    rows = np.arange(m)
    for i in range(tau.shape[-1] - 1, -1, -1):
        below = const((rows > i).astype(np.float64), A)
        unit = const((rows == i).astype(np.float64), A)
        v = A[..., :, i] * below + unit
        vq = matmul(v.unsqueeze(-2), q)
        q = q - tau[..., i, None, None] * v.unsqueeze(-1) * vq
    return q


def tensorinv(input: Tensor, ind: int = 2, *, out: Tensor | None = None) -> Tensor:
    """The inverse of ``A`` seen as a map from its last dims to its first ``ind`` dims."""
    from .solves import inv

    check_tensor(input, "linalg_tensorinv", "input")
    ind = check_int(ind, "linalg_tensorinv", "ind")
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    if ind > input.ndim:
        raise RuntimeError(f"ArrayRef: invalid slice, N = {ind}; size = {input.ndim}")
    head, tail = tuple(input.shape[:ind]), tuple(input.shape[ind:])
    rows, cols = math.prod(head), math.prod(tail)
    if rows != cols:
        raise RuntimeError(
            "Expected self to satisfy the requirement prod(self.shape[ind:]) == prod(self.shape[:ind]), but got "
            f"{cols} != {rows}"
        )
    result = inv(input.reshape(rows, cols)).reshape(*tail, *head)
    return write_out(out, result)


def tensorsolve(input: Tensor, other: Tensor, dims=None, *, out: Tensor | None = None) -> Tensor:
    """The X with ``tensordot(A, X, X.ndim) = B``; ``dims`` of A are moved to the end first."""
    from .solves import solve

    check_tensor(input, "linalg_tensorsolve", "input")
    check_tensor(other, "linalg_tensorsolve", "other", 2)
    if dims is not None:
        input = input.movedim(list(dims), list(range(input.ndim - len(dims), input.ndim)))
    result_shape = tuple(input.shape[other.ndim :])
    rows, cols = other.numel(), math.prod(result_shape)
    if rows != cols:
        raise RuntimeError(
            "Expected self to satisfy the requirement prod(self.shape[other.ndim:]) == prod(self.shape[:other.ndim]), "
            f"but got {cols} != {rows}"
        )
    result = solve(input.reshape(rows, cols), other.reshape(rows)).reshape(*result_shape)
    return write_out(out, result)
