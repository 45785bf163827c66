"""Vector and matrix norms (``vector_norm``, ``matrix_norm``, ``norm``, ``cond``) with
torch's gradients (its ``norm_backward``: subgradient 0 at 0, ties of the inf norm shared)."""

from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor
from ..autograd.function import OUTPUT, Op
from ..ops._util import dims_arg
from ..ops.comparison import where
from ._common import check_float, check_matrix, check_tensor, const, type_word, write_out

__all__ = ["vector_norm", "matrix_norm", "norm", "cond"]


def _abs_pow(a: np.ndarray, p: float) -> np.ndarray:
    return np.abs(a) ** p


def _vector_norm_array(a: np.ndarray, p: float, axes: tuple, keepdim: bool) -> np.ndarray:
    """The p-norm of ``a`` over ``axes`` in numpy (``axes`` empty: no reduction happens)."""
    if p != 0 and math.prod(a.shape[d] for d in axes) == 1:
        # one element per result: torch gives |x| exactly, with no |x|^p overflow for a large p
        return np.abs(a).sum(axis=axes, keepdims=keepdim)
    if p == math.inf:
        return np.amax(np.abs(a), axis=axes, keepdims=keepdim)
    if p == -math.inf:
        return np.amin(np.abs(a), axis=axes, keepdims=keepdim)
    if p == 0:
        return np.sum(a != 0, axis=axes, keepdims=keepdim).astype(a.dtype)
    if p == 1:
        return np.sum(np.abs(a), axis=axes, keepdims=keepdim)
    if p == 2:
        return np.sqrt(np.sum(a * a, axis=axes, keepdims=keepdim))
    return np.sum(_abs_pow(a, p), axis=axes, keepdims=keepdim) ** (1.0 / p)


class VectorNorm(Op):
    """``linalg.vector_norm`` over ``dims``; the backward is torch's ``norm_backward``."""

    torch_name = "LinalgVectorNormBackward0"

    def forward(self, x, ord, dims, keepdim):  # noqa: A002
        self.ord, self.dims, self.keepdim = ord, dims, keepdim
        self.save_for_backward(x, OUTPUT)
        return np.asarray(_vector_norm_array(x._data, ord, dims, keepdim), dtype=x._data.dtype)

    def backward(self, g):
        x, out = self.saved_tensors
        if not self.keepdim and x.ndim:
            shape = tuple(1 if i in self.dims else n for i, n in enumerate(x.shape))
            g, out = g.reshape(shape), out.reshape(shape)
        return norm_backward(g, x, self.ord, out, self.dims)


def norm_backward(g: Tensor, x: Tensor, p: float, out: Tensor, dims: tuple) -> Tensor | None:
    """torch's ``norm_backward`` in differentiable ops (``g`` and ``out`` already keep the reduced dims)."""
    if p == 0:
        return None
    zero = const(0.0, x)
    if p == 1:
        return x.sign() * g
    if p == 2:
        return g * where(out == 0, zero, x / out)
    if math.isinf(p):
        xa = x.abs()
        mask = ((xa == out) | xa.isnan()).to(x.dtype)
        count = mask.sum(dim=dims, keepdim=True) if dims else mask
        return x.sign() * ((g / count) * mask)
    if p < 1:
        scaled = x.sign() * where(x == 0, zero, x.abs().pow(p - 1))
        return scaled * g * out.pow(1 - p)
    scaled = x.sign() * x.abs().pow(p - 1) if p < 2 else x * x.abs().pow(p - 2)
    return scaled * where(out == 0, zero, g / out.pow(p - 1))


def _norm_dtype(x: Tensor, dtype, fn: str) -> Tensor:
    """The input converted to ``dtype=`` as torch allows it (floating, never narrowing)."""
    if dtype is None:
        return x
    if not dtype.is_floating_point:
        word = type_word(Tensor._make(np.zeros(0, dtype=dtype.np)))
        raise RuntimeError(f"{fn}: dtype should be floating point or complex, but got {word}")
    if dtype.itemsize < x._data.dtype.itemsize:
        target = type_word(Tensor._make(np.zeros(0, dtype=dtype.np)))
        raise RuntimeError(
            f"{fn}: the dtype of the input ({type_word(x)}) should be convertible without narrowing to the "
            f"specified dtype ({target})"
        )
    return x.to(dtype)


def _ord_text(p: float) -> str:
    return str(int(p)) if float(p).is_integer() else str(p)


def _check_empty_reduction(x: Tensor, p: float, dims: tuple, whole: bool) -> None:
    """inf / negative norms have no identity: torch refuses them over empty dims."""
    if p >= 0 and p != math.inf:
        return
    what = "inf" if p == math.inf else _ord_text(p)
    if whole and x._data.size == 0:
        raise RuntimeError(
            f"linalg.vector_norm cannot compute the {what} norm on an empty tensor because the operation does "
            "not have an identity"
        )
    for d in dims:
        if x.shape[d] == 0:
            raise RuntimeError(
                f"linalg.vector_norm cannot compute the {what} norm on the dimension {d}because this dimension is "
                "empty and the operation does not have an identity"
            )


def vector_norm(
    input: Tensor,
    ord: float = 2,  # noqa: A002
    dim=None,
    keepdim: bool = False,
    *,
    dtype=None,
    out: Tensor | None = None,
) -> Tensor:
    """The vector ``ord``-norm of ``x`` over ``dim`` (all elements when None)."""
    check_tensor(input, "linalg_vector_norm", "input")
    if isinstance(ord, bool) or not isinstance(ord, (int, float)):
        raise TypeError(f"linalg_vector_norm(): argument 'ord' (position 2) must be Number, not {type(ord).__name__}")
    check_float(input, "linalg.vector_norm")
    input = _norm_dtype(input, dtype, "linalg.vector_norm")
    whole = dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0)
    dims = dims_arg(None if whole else dim, max(input.ndim, 1), "linalg.vector_norm")
    if input.ndim == 0:
        dims = ()
    _check_empty_reduction(input, float(ord), dims, whole)
    result = VectorNorm.apply(input, ord=float(ord), dims=dims, keepdim=keepdim)
    return write_out(out, result)


_MATRIX_NORM_SIGNATURES = (
    " * (Tensor input, Number ord, tuple of ints dim = {-2,-1}, bool keepdim = False, *, torch.dtype dtype = None, "
    "Tensor out = None)\n"
    ' * (Tensor input, str ord = "fro", tuple of ints dim = {-2,-1}, bool keepdim = False, *, torch.dtype dtype = None, '
    "Tensor out = None)\n"
)


def _check_dim_ints(ord, dim) -> None:  # noqa: A002
    """torch's argument-parser TypeErrors for a ``dim`` that is not a tuple of ints."""
    binding = "linalg_matrix_norm"
    if isinstance(dim, (tuple, list)) and not dim:
        return
    # the parser picks the overload on the first element (a bool is no int there), then unpacks the rest
    seq = list(dim) if isinstance(dim, (tuple, list)) and dim else [None]
    is_int = [isinstance(d, (int, np.integer)) and (i or not isinstance(d, bool)) for i, d in enumerate(seq)]
    if is_int[0] and all(is_int):
        return
    if not is_int[0]:
        raise TypeError(
            f"{binding}() received an invalid combination of arguments - got (Tensor, {type(ord).__name__}, "
            f"{type(dim).__name__}), but expected one of:\n" + _MATRIX_NORM_SIGNATURES
        )
    pos = is_int.index(False)
    raise TypeError(
        f"{binding}(): argument 'dim' failed to unpack the object at pos {pos + 1} with error "
        f'"type must be tuple of ints,but got {type(seq[pos]).__name__}"'
    )


def _matrix_dims(x: Tensor, dim, fn: str) -> tuple:
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        raise RuntimeError(f"{fn}: dim must be a 2-tuple. Got {' '.join(str(d) for d in dim)}")
    d0, d1 = (dims_arg(int(d), x.ndim, fn)[0] for d in dim)
    if d0 == d1:
        raise RuntimeError(f"{fn}: dims must be different. Got ({dim[0]}, {dim[1]})")
    return d0, d1


def _svd_norm(x: Tensor, d0: int, d1: int, keepdim: bool, reduce) -> Tensor:
    """A norm from the singular values of the (d0, d1) matrices: ``reduce`` picks sum / max / min."""
    from .decompositions import svdvals

    rest = [i for i in range(x.ndim) if i not in (d0, d1)]
    s = svdvals(x.permute(*rest, d0, d1))
    result = reduce(s)
    if keepdim:
        result = result.unsqueeze(min(d0, d1)).unsqueeze(max(d0, d1))
    return result


def matrix_norm(
    input: Tensor,
    ord="fro",  # noqa: A002
    dim=(-2, -1),
    keepdim: bool = False,
    *,
    dtype=None,
    out: Tensor | None = None,
) -> Tensor:
    """The matrix norm ``ord`` ('fro', 'nuc', ±1, ±2, ±inf) of the matrices in dims ``dim``."""
    fn = "linalg.matrix_norm"
    check_tensor(input, "linalg_matrix_norm", "input")
    _check_dim_ints(ord, dim)
    check_matrix(input, fn)
    input = _norm_dtype(input, dtype, fn)
    d0, d1 = _matrix_dims(input, dim, fn)
    result = _matrix_norm(input, ord, d0, d1, keepdim, fn)
    return write_out(out, result)


def _matrix_norm(A: Tensor, ord, d0: int, d1: int, keepdim: bool, fn: str) -> Tensor:  # noqa: A002, N803
    if isinstance(ord, str):
        if ord == "fro":
            return vector_norm(A, 2, (d0, d1), keepdim)
        if ord == "nuc":
            return _svd_norm(A, d0, d1, keepdim, lambda s: s.sum(dim=-1))
        raise RuntimeError(f"{fn}: Order {ord} not supported.")
    p = float(ord)
    if abs(p) not in (1.0, 2.0, math.inf):
        raise RuntimeError(f"{fn}: Order {_ord_text(p)} not supported.")
    if A._data.size == 0 and p > 0:
        # torch: every positive-order norm of an empty matrix is 0
        return vector_norm(A, 2, (d0, d1), keepdim)
    if abs(p) == 2:
        return _svd_norm(A, d0, d1, keepdim, lambda s: s.amax(dim=-1) if p > 0 else s.amin(dim=-1))
    if abs(p) == math.inf:
        d0, d1 = d1, d0
    reduced = vector_norm(A, 1.0, d0, keepdim)
    d1 = d1 - 1 if not keepdim and d0 < d1 else d1
    return reduced.amax(dim=d1, keepdim=keepdim) if p > 0 else reduced.amin(dim=d1, keepdim=keepdim)


def norm(
    input: Tensor,
    ord=None,  # noqa: A002
    dim=None,
    keepdim: bool = False,
    *,
    dtype=None,
    out: Tensor | None = None,
) -> Tensor:
    """A vector or matrix norm, chosen as ``torch.linalg.norm`` does from ``ord`` and ``dim``."""
    check_tensor(input, "linalg_norm", "input")
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None:
        if len(dim) not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dim)}")
    elif ord is not None and input.ndim not in (1, 2):
        raise RuntimeError(
            f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got {input.ndim}D."
        )
    if isinstance(ord, str) or (ord is not None and (len(dim) == 2 if dim is not None else input.ndim == 2)):
        result = matrix_norm(input, ord, tuple(dim) if dim is not None else (0, 1), keepdim, dtype=dtype)
    else:
        result = vector_norm(input, 2 if ord is None else ord, dim, keepdim, dtype=dtype)
    return write_out(out, result)


def cond(input: Tensor, p=None, *, out: Tensor | None = None) -> Tensor:
    """The condition number of ``A`` in norm ``p`` (2-norm from the singular values by default)."""
    from .decompositions import svdvals
    from .solves import inv

    fn = "linalg.cond"
    check_tensor(input, "linalg_cond", "input")
    if input.ndim < 2:
        raise RuntimeError(f"{fn}: The input tensor must have at least 2 dimensions.")
    if p is None or p in (2, -2):
        check_matrix(input, "linalg.svd")
        if 0 in input.shape[-2:]:  # torch: the condition number of an empty matrix is 0
            return write_out(out, Tensor._make(np.zeros(input.shape[:-2], dtype=input._data.dtype)))
        s = svdvals(input)
        result = s.amax(dim=-1) / s.amin(dim=-1) if p != -2 else s.amin(dim=-1) / s.amax(dim=-1)
    else:
        if not (isinstance(p, str) and p in ("fro", "nuc")) and p not in (1, -1, math.inf, -math.inf):
            raise RuntimeError(f"{fn} got an invalid norm type: {p}")
        check_matrix(input, f"{fn}(ord={p})", square=True, floating=False)
        check_float(input, "linalg.inv")
        result = _cond_by_inverse(input, p, inv)
    return write_out(out, result)


def _cond_by_inverse(A: Tensor, p, inv) -> Tensor:  # noqa: N803
    """``norm(A) * norm(inv(A))``, with inf where a matrix is singular (torch's rule)."""
    from .solves import inv_ex

    if A._data.size == 0:
        return Tensor._make(np.zeros(A.shape[:-2], dtype=A._data.dtype))
    inverse, info = inv_ex(A)
    value = matrix_norm(A, p) * matrix_norm(inverse, p)
    singular = info._data != 0
    if singular.any():
        value = where(Tensor._make(singular), const(math.inf, A), value)
    return value
