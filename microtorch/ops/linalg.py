"""Matrix products with PyTorch's shape rules (1-D, 2-D and broadcast batches), and the
fused ``linear`` used by ``nn.Linear``."""

from __future__ import annotations

import numpy as np

from .._backend import xp
from .._tensor import Tensor
from ..autograd.function import Op
from ._util import broadcast_shapes
from .elementwise import _align
from .shape import reshape, sum_to_size, transpose

__all__ = ["matmul", "mm", "bmm", "mv", "dot", "outer", "linear", "einsum"]


def _mT(x: Tensor) -> Tensor:
    return transpose(x, -1, -2)


class Matmul(Op):
    """Product of tensors with at least 2 dims (batch dims broadcast)."""

    torch_name = "MmBackward0"

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return xp.matmul(a._data, b._data)

    def backward(self, g):
        a, b = self.saved_tensors
        na, nb = self.needs_input_grad
        ga = gb = None
        if na:
            ga = sum_to_size(matmul(g, _mT(b)), a.shape)
        if nb:
            if b.ndim == 2 and a.ndim > 2:
                # sum over the batch inside one GEMM instead of a batched product + reduction
                k, m = a.shape[-1], g.shape[-1]
                gb = matmul(_mT(reshape(a, (-1, k))), reshape(g, (-1, m)))
            else:
                gb = sum_to_size(matmul(_mT(a), g), b.shape)
        return ga, gb


def _shape_error(a: Tensor, b: Tensor) -> RuntimeError:
    sa = "x".join(map(str, a.shape[-2:] if a.ndim > 1 else (1,) + tuple(a.shape)))
    sb = "x".join(map(str, b.shape[-2:] if b.ndim > 1 else tuple(b.shape) + (1,)))
    return RuntimeError(
        f"matmul: mat1 and mat2 shapes cannot be multiplied ({sa} and {sb}); shapes {list(a.shape)} and {list(b.shape)}"
    )


def matmul(a: Tensor, b: Tensor) -> Tensor:
    """Matrix product with PyTorch's rules for 1-D, 2-D and batched (broadcast) operands."""
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError(
            f"matmul(): argument 'other' must be Tensor, not {type(b if isinstance(a, Tensor) else a).__name__}"
        )
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {a.ndim}D and {b.ndim}D")
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {_dname(a)} != {_dname(b)}")
    ka = a.shape[-1]
    kb = b.shape[-2] if b.ndim > 1 else b.shape[0]
    if ka != kb:
        raise _shape_error(a, b)
    if a.ndim > 2 or b.ndim > 2:
        try:
            broadcast_shapes(a.shape[:-2], b.shape[:-2] if b.ndim > 1 else ())
        except RuntimeError:
            raise _shape_error(a, b) from None
    if a.ndim == 1 and b.ndim == 1:
        return reshape(Matmul.apply(reshape(a, (1, -1)), reshape(b, (-1, 1))), ())
    if a.ndim == 1:
        out = Matmul.apply(reshape(a, (1, -1)), b)
        return reshape(out, tuple(out.shape[:-2]) + (out.shape[-1],))
    if b.ndim == 1:
        out = Matmul.apply(a, reshape(b, (-1, 1)))
        return reshape(out, tuple(out.shape[:-1]))
    return Matmul.apply(a, b)


def _dname(x: Tensor) -> str:
    return {"float32": "float", "float64": "double", "int64": "long int", "float16": "c10::Half"}.get(
        x.dtype.name, x.dtype.name
    )


def mm(a: Tensor, b: Tensor) -> Tensor:
    """Product of two matrices."""
    if a.ndim != 2:
        raise RuntimeError(f"mm: self must be a matrix, got a {a.ndim}-D tensor of shape {list(a.shape)}")
    if b.ndim != 2:
        raise RuntimeError(f"mm: mat2 must be a matrix, got a {b.ndim}-D tensor of shape {list(b.shape)}")
    return matmul(a, b)


def bmm(a: Tensor, b: Tensor) -> Tensor:
    """Batched product of (b, n, m) and (b, m, p) tensors."""
    if a.ndim != 3:
        raise RuntimeError(f"bmm: batch1 must be a 3D tensor, got shape {list(a.shape)}")
    if b.ndim != 3:
        raise RuntimeError(f"bmm: batch2 must be a 3D tensor, got shape {list(b.shape)}")
    if a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1]:
        raise RuntimeError(
            f"bmm: Expected size for first two dimensions of batch2 tensor to be: [{a.shape[0]}, {a.shape[2]}] but got: "
            f"[{b.shape[0]}, {b.shape[1]}]."
        )
    return matmul(a, b)


def mv(a: Tensor, v: Tensor) -> Tensor:
    """Matrix-vector product."""
    if a.ndim != 2 or v.ndim != 1:
        raise RuntimeError(f"mv: expected a matrix and a vector, got shapes {list(a.shape)} and {list(v.shape)}")
    return matmul(a, v)


def dot(a: Tensor, b: Tensor) -> Tensor:
    """Inner product of two 1-D tensors."""
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.shape != b.shape:
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src [{b.shape[0]}] to have the same number "
            "of elements, but got {a.shape[0]} and {b.shape[0]} elements respectively"
        )
    return matmul(a, b)


def outer(a: Tensor, b: Tensor) -> Tensor:
    """Outer product of two 1-D tensors."""
    return reshape(a, (-1, 1)) * reshape(b, (1, -1))


class Linear(Op):
    """``x @ w.T + b`` in one node (the layer of nn.Linear)."""

    torch_name = "AddmmBackward0"

    def forward(self, x, w, b=None):
        self.save_for_backward(x, w)
        out = xp.matmul(x._data, w._data.T)
        if b is not None:
            out += b._data
        return out

    def backward(self, g):
        x, w = self.saved_tensors
        need = self.needs_input_grad
        gx = matmul(g, w) if need[0] else None
        gw = None
        if need[1]:
            if x.ndim == 1:
                gw = reshape(g, (-1, 1)) * reshape(x, (1, -1))
            else:
                gw = matmul(_mT(reshape(g, (-1, g.shape[-1]))), reshape(x, (-1, x.shape[-1])))
        if len(need) == 3:
            gb = None
            if need[2]:
                gb = g.sum(tuple(range(g.ndim - 1))) if g.ndim > 1 else g
            return gx, gw, gb
        return gx, gw


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002
    """``input @ weight.T + bias`` (nn.Linear's computation)."""
    if weight.ndim != 2 or input.ndim == 0 or input.shape[-1] != weight.shape[-1]:
        raise RuntimeError(
            f"linear: mat1 and mat2 shapes cannot be multiplied "
            f"({'x'.join(map(str, (int(np.prod(input.shape[:-1])) if input.ndim > 1 else 1, input.shape[-1] if input.ndim else 1)))} and "
            f"{'x'.join(map(str, weight.shape[::-1]))}); input {list(input.shape)}, weight {list(weight.shape)}"
        )
    if input._data.dtype != weight._data.dtype:
        raise RuntimeError(
            f"linear: expected input and weight to have the same dtype, but got {input.dtype} and {weight.dtype}"
        )
    if bias is not None:
        if bias.shape not in ((weight.shape[0],), (), (1,)) and broadcast_shapes(bias.shape, (weight.shape[0],)) != (
            weight.shape[0],
        ):
            raise RuntimeError(
                f"linear: bias of shape {list(bias.shape)} does not match out_features {weight.shape[0]}"
            )
        return Linear.apply(input, weight, bias)
    return Linear.apply(input, weight)


def einsum(equation: str, *operands) -> Tensor:
    """Einstein summation (differentiable through a small op written with numpy.einsum)."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    ops = _align(operands[0], operands[1], "einsum") if len(operands) == 2 else operands
    return Einsum.apply(*ops, equation=equation.replace(" ", ""))


class Einsum(Op):
    def forward(self, *tensors, equation):
        self.save_for_backward(*tensors)
        self.equation = equation
        return np.asarray(xp.einsum(equation, *[t._data for t in tensors], optimize=len(tensors) > 2))

    def backward(self, g):
        tensors = self.saved_tensors
        lhs, out = self.equation.split("->") if "->" in self.equation else (self.equation, None)
        ins = lhs.split(",")
        if out is None:
            letters = "".join(ins)
            out = "".join(sorted(c for c in set(letters) if letters.count(c) == 1 and c.isalpha()))
        grads = []
        for i, need in enumerate(self.needs_input_grad):
            if not need:
                grads.append(None)
                continue
            others = [t for j, t in enumerate(tensors) if j != i]
            sub = ",".join([out] + [s for j, s in enumerate(ins) if j != i])
            target = ins[i]
            # letters of the input absent from every other operand are summed: broadcast back after
            avail = set(out) | set("".join(s for j, s in enumerate(ins) if j != i))
            kept = "".join(c for c in target if c in avail)
            if len(set(target)) != len(target):
                raise RuntimeError(
                    f"einsum: backward of repeated subscripts in one operand ('{target}') is not supported"
                )
            gi = Einsum.apply(g, *others, equation=f"{sub}->{kept}")
            if kept != target:
                # letters summed away in forward come back as broadcast dimensions
                gi = reshape(gi, tuple(tensors[i].shape[k] if c in avail else 1 for k, c in enumerate(target)))
                gi = gi.expand(*tensors[i].shape)
            grads.append(gi)
        return tuple(grads)
