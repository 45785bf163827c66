"""Matrix products with PyTorch's shape rules (1-D, 2-D and broadcast batches), and the
``linear`` used by ``nn.Linear``, recording the graph nodes torch records."""

from __future__ import annotations

import math

import numpy as np

from .._backend import xp
from .._dtype import int64
from .._foreign import foreign_tensor_error
from .._tensor import Tensor
from ..autograd import engine as _engine
from ..autograd.function import Op, save_needed
from ..autograd.grad_mode import _state
from ._promote import TYPE_WORD
from ._util import broadcast_shapes
from .elementwise import _align
from .shape import Expand, Permute, Reshape, _sum_to_array, clone, reshape, sum_to_size, transpose

__all__ = ["matmul", "mm", "bmm", "mv", "dot", "outer", "linear", "einsum"]


def _tensor_arg(value, fn: str, name: str, pos: int) -> None:
    """torch's argument-parser TypeError for a non-Tensor where a Tensor is expected."""
    if not isinstance(value, Tensor):
        raise foreign_tensor_error(fn, value) or TypeError(
            f"{fn}(): argument '{name}' (position {pos}) must be Tensor, not {type(value).__name__}"
        )


def _mT(x: Tensor) -> Tensor:
    return transpose(x, -1, -2)


class T(Permute):
    """``Tensor.t()`` of a matrix (a view), the node torch names ``TBackward0``."""

    torch_name = "TBackward0"

    def backward(self, g):
        # its own inverse: torch's formula ``grad.t()``; nothing recorded: the array view
        if not _state.enabled and _engine._instrument is None:
            return Tensor._make(g._data.transpose(self.dims))
        return T.apply(g, dims=self.dims)


class UnsafeView(Reshape):
    """Reshape of a fresh result (torch's ``_unsafe_view`` inside matmul)."""

    torch_name = "UnsafeViewBackward0"


class Unsqueeze(Reshape):
    """Insert a leading size-1 dim (matmul's 1-D @ 2-D path)."""

    torch_name = "UnsqueezeBackward0"


class Squeeze(Reshape):
    """Drop the leading size-1 dim again (torch's in-place ``squeeze_(0)``)."""

    torch_name = "SqueezeBackward4"


def _t(x: Tensor) -> Tensor:
    return T.apply(x, dims=(1, 0) if x.ndim == 2 else (0,))


class ReshapeAlias(Reshape):
    """A reshape of a non-contiguous tensor that strides can still express (torch's ``_reshape_alias``)."""

    torch_name = "ReshapeAliasBackward0"


class Transpose(Permute):
    """``Tensor.mT`` (swap the last two dims), the node torch names ``TransposeBackward0``."""

    torch_name = "TransposeBackward0"


class SqueezeDim(Reshape):
    """``squeeze(-1)`` of a batched matrix-vector product."""

    torch_name = "SqueezeBackward1"


def _fold(x: Tensor, shape: tuple) -> Tensor:
    """``x.reshape(shape)`` as torch records it: a view if contiguous, an alias if strides allow, else a copy."""
    if x._data.flags.c_contiguous:
        return Reshape.apply(x, shape=shape)
    try:
        xp.reshape(x._data, shape, copy=False)
    except ValueError:
        return UnsafeView.apply(clone(x), shape=shape)
    return ReshapeAlias.apply(x, shape=shape)


def _swap_last(x: Tensor) -> Tensor:
    dims = list(range(x.ndim))
    dims[-1], dims[-2] = dims[-2], dims[-1]
    return Transpose.apply(x, dims=tuple(dims))


class Mm(Op):
    """Product of two matrices."""

    torch_name = "MmBackward0"

    def forward(self, a, b):
        self.save_for_backward(*save_needed(a, b))
        return xp.matmul(a._data, b._data)

    def backward(self, g):
        a, b = self.saved_tensors
        na, nb = self.needs_input_grad
        return (Mm.apply(g, _t(b)) if na else None, Mm.apply(_t(a), g) if nb else None)


class Addmm(Op):
    """``bias + mat1 @ mat2`` in one node (nn.Linear's 2-D path)."""

    torch_name = "AddmmBackward0"

    def forward(self, bias, a, b):
        self.bias_shape = bias._data.shape
        self.save_for_backward(*save_needed(a, b))
        out = xp.matmul(a._data, b._data)
        out += bias._data
        return out

    def backward(self, g):
        a, b = self.saved_tensors
        nbias, na, nb = self.needs_input_grad
        if not _state.enabled and _engine._instrument is None:
            return self._plain_backward(g, a, b, nbias, na, nb)
        gbias = sum_to_size(g, self.bias_shape) if nbias else None
        return gbias, Mm.apply(g, _t(b)) if na else None, Mm.apply(_t(a), g) if nb else None

    def _plain_backward(self, g, a, b, nbias: bool, na: bool, nb: bool) -> tuple:
        """The same gradients computed on the arrays, when nothing is recorded or profiled (the
        common backward pass): the same numpy calls as the Tensor-op formula, without its nodes."""
        gd = g._data
        gbias = None
        if nbias:
            gbias = g if gd.shape == self.bias_shape else Tensor._make(_sum_to_array(gd, self.bias_shape))
        ga = Tensor._make(xp.matmul(gd, b._data.T)) if na else None
        gb = Tensor._make(xp.matmul(a._data.T, gd)) if nb else None
        return gbias, ga, gb


class Mv(Op):
    """Matrix-vector product."""

    torch_name = "MvBackward0"

    def forward(self, a, v):
        self.save_for_backward(*save_needed(a, v))
        return xp.matmul(a._data, v._data)

    def backward(self, g):
        a, v = self.saved_tensors
        na, nv = self.needs_input_grad
        ga = reshape(g, (-1, 1)) * reshape(v, (1, -1)) if na else None
        return ga, Mv.apply(_t(a), g) if nv else None


class Dot(Op):
    """Inner product of two vectors."""

    torch_name = "DotBackward0"

    def forward(self, a, b):
        self.save_for_backward(*save_needed(a, b))
        return xp.asarray(xp.dot(a._data, b._data))

    def backward(self, g):
        a, b = self.saved_tensors
        na, nb = self.needs_input_grad
        return (g * b if na else None, g * a if nb else None)


class Matmul(Op):
    """Batched product of tensors with at least 2 dims (batch dims broadcast)."""

    torch_name = "BmmBackward0"

    def forward(self, a, b):
        self.shapes = (a._data.shape, b._data.shape)
        self.save_for_backward(*save_needed(a, b))
        return xp.matmul(a._data, b._data)

    def backward(self, g):
        a, b = self.saved_tensors
        na, nb = self.needs_input_grad
        ga = sum_to_size(matmul(g, _mT(b)), self.shapes[0]) if na else None
        gb = sum_to_size(matmul(_mT(a), g), self.shapes[1]) if nb else None
        return ga, gb


def _shape_error(a: Tensor, b: Tensor) -> RuntimeError:
    sa = "x".join(map(str, a.shape[-2:] if a.ndim > 1 else (1,) + tuple(a.shape)))
    sb = "x".join(map(str, b.shape[-2:] if b.ndim > 1 else tuple(b.shape) + (1,)))
    return RuntimeError(
        f"matmul: mat1 and mat2 shapes cannot be multiplied ({sa} and {sb}); shapes {list(a.shape)} and {list(b.shape)}"
    )


def matmul(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Matrix product with PyTorch's rules for 1-D, 2-D and batched (broadcast) operands."""
    a, b = input, other
    _tensor_arg(a, "matmul", "input", 1)
    _tensor_arg(b, "matmul", "other", 2)
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
    return _matmul_nodes(a, b)


def _should_fold(a: Tensor, b: Tensor) -> bool:
    """torch's rule for doing a >=3-D @ matrix/vector product (either order) as one mm/mv."""
    big, small = (a, b) if a.ndim >= b.ndim else (b, a)
    if not (big.ndim >= 3 and small.ndim <= 2):
        return False
    if small._requires_grad:
        return True
    if a.ndim == 2:
        return False
    if big._data.size == 0:
        return True
    arr = big._data if big is a else np.swapaxes(b._data, -1, -2)  # torch checks b.mT
    shape, strides = arr.shape, arr.strides
    return all(strides[i] == strides[i + 1] * shape[i + 1] for i in range(arr.ndim - 2))


def _folded_product(a: Tensor, b: Tensor) -> Tensor:
    """Batch dims folded into the rows of one mm/mv (torch's path for N-D @ matrix and matrix @ N-D)."""
    transposed = b.ndim > a.ndim
    t1 = _swap_last(b) if transposed else a
    t2 = (_t(a) if a.ndim == 2 else a) if transposed else b
    lead = tuple(t1.shape[:-1])
    folded = _fold(t1, (math.prod(lead), t1.shape[-1]))
    if t2.ndim == 1:
        return UnsafeView.apply(Mv.apply(folded, t2), shape=lead)
    out = UnsafeView.apply(Mm.apply(folded, t2), shape=lead + (t2.shape[1],))
    if not transposed:
        return out
    out = _swap_last(out)
    return out if out._data.flags.c_contiguous else clone(out)


def _batched_product(a: Tensor, b: Tensor) -> Tensor:
    """Both operands expanded to the broadcast batch, flattened to 3-D and multiplied by one bmm."""
    n, m1 = (a.shape[-2] if a.ndim > 1 else 1), a.shape[-1]
    m2, p = (b.shape[-2], b.shape[-1]) if b.ndim > 1 else (b.shape[0], 1)
    batch = broadcast_shapes(tuple(a.shape[:-2]), tuple(b.shape[:-2]))
    rows = math.prod(batch)
    a3 = _fold(Expand.apply(a, shape=batch + (n, m1)), (rows, n, m1))
    if b.ndim == 1:
        b3 = Unsqueeze.apply(_fold(Expand.apply(b, shape=batch + (m2,)), (rows, m2)), shape=(rows, m2, 1))
    else:
        b3 = _fold(Expand.apply(b, shape=batch + (m2, p)), (rows, m2, p))
    out = Matmul.apply(a3, b3)
    shape = batch + ((n,) if a.ndim > 1 else ()) + ((p,) if b.ndim > 1 else ())
    if b.ndim == 1:
        out = SqueezeDim.apply(out, shape=(rows, n))
    return UnsafeView.apply(out, shape=shape)


def _matmul_nodes(a: Tensor, b: Tensor) -> Tensor:
    """Dispatch to dot / mv / mm / folded mm / bmm as torch's matmul does (same graph nodes)."""
    if a.ndim <= 2 and b.ndim <= 2:
        if b.ndim == 1:
            return Dot.apply(a, b) if a.ndim == 1 else Mv.apply(a, b)
        if a.ndim == 2:
            return Mm.apply(a, b)
        out = Mm.apply(Unsqueeze.apply(a, shape=(1, a.shape[0])), b)
        return Squeeze.apply(out, shape=(b.shape[1],))
    if a.ndim == 3 and b.ndim == 3 and (a.shape[0] == 1) != (b.shape[0] == 1):
        # torch drops a batch of one from the operand that needs a gradient, then folds
        if b.shape[0] == 1 and b._requires_grad:
            return _matmul_nodes(a, SqueezeDim.apply(b, shape=tuple(b.shape[1:])))
        if a.shape[0] == 1 and a._requires_grad:
            return _matmul_nodes(SqueezeDim.apply(a, shape=tuple(a.shape[1:])), b)
    if _should_fold(a, b):
        return _folded_product(a, b)
    return _batched_product(a, b)


def _dname(x: Tensor) -> str:
    return {"float32": "float", "float64": "double", "int64": "long int", "float16": "c10::Half"}.get(
        x.dtype.name, x.dtype.name
    )


def _tname(x: Tensor) -> str:
    """The scalar type as torch's messages spell it (``Float``, ``Long``, ...)."""
    name = x._data.dtype.name
    return TYPE_WORD.get(name, name)


def mm(input: Tensor, mat2: Tensor) -> Tensor:  # noqa: A002
    """Product of two matrices."""
    a, b = input, mat2
    _tensor_arg(a, "mm", "input", 1)
    _tensor_arg(b, "mm", "mat2", 2)
    if a.ndim != 2:
        raise RuntimeError(f"mm: self must be a matrix, got a {a.ndim}-D tensor of shape {list(a.shape)}")
    if b.ndim != 2:
        raise RuntimeError(f"mm: mat2 must be a matrix, got a {b.ndim}-D tensor of shape {list(b.shape)}")
    return matmul(a, b)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:  # noqa: A002
    """Batched product of (b, n, m) and (b, m, p) tensors."""
    a, b = input, mat2
    _tensor_arg(a, "bmm", "input", 1)
    _tensor_arg(b, "bmm", "mat2", 2)
    if a.ndim != 3:
        raise RuntimeError(f"bmm: batch1 must be a 3D tensor, got shape {list(a.shape)}")
    if b.ndim != 3:
        raise RuntimeError(f"bmm: batch2 must be a 3D tensor, got shape {list(b.shape)}")
    if a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1]:
        raise RuntimeError(
            f"bmm: Expected size for first two dimensions of batch2 tensor to be: [{a.shape[0]}, {a.shape[2]}] but got: "
            f"[{b.shape[0]}, {b.shape[1]}]."
        )
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"expected scalar type {_tname(a)} but found {_tname(b)}")
    return Matmul.apply(a, b)


def mv(input: Tensor, vec: Tensor) -> Tensor:  # noqa: A002
    """Matrix-vector product."""
    a, v = input, vec
    _tensor_arg(a, "mv", "input", 1)
    _tensor_arg(v, "mv", "vec", 2)
    if a.ndim == 0:
        raise IndexError("mv: Dimension specified as 0 but tensor has no dimensions")
    if a.ndim != 2 or v.ndim != 1:
        raise RuntimeError(f"mv: vector + matrix @ vector expected, got 1, {a.ndim}, {v.ndim}")
    if a.shape[1] != v.shape[0]:
        raise RuntimeError(
            f"mv: size mismatch, got input ({a.shape[0]}), mat ({a.shape[0]}x{a.shape[1]}), vec ({v.shape[0]})"
        )
    return matmul(a, v)


def dot(input: Tensor, tensor: Tensor) -> Tensor:  # noqa: A002
    """Inner product of two 1-D tensors."""
    a, b = input, tensor
    _tensor_arg(a, "dot", "input", 1)
    _tensor_arg(b, "dot", "tensor", 2)
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.shape != b.shape:
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src [{b.shape[0]}] to have the same number "
            f"of elements, but got {a.shape[0]} and {b.shape[0]} elements respectively"
        )
    return matmul(a, b)


def outer(input: Tensor, vec2: Tensor) -> Tensor:  # noqa: A002
    """Outer product of two 1-D tensors."""
    a, b = input, vec2
    _tensor_arg(a, "outer", "input", 1)
    _tensor_arg(b, "outer", "vec2", 2)
    for x, name in ((a, "self"), (b, "vec2")):
        if x.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {x.ndim}-D")
    return reshape(a, (-1, 1)) * b


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002
    """``input @ weight.T + bias`` (nn.Linear's computation), recording torch's nodes."""
    if _plain_2d_linear(input, weight, bias):
        return Addmm.apply(bias, input, T.apply(weight, dims=(1, 0)))
    _tensor_arg(input, "linear", "input", 1)
    _tensor_arg(weight, "linear", "weight", 2)
    if bias is not None:
        _tensor_arg(bias, "linear", "bias", 3)
    xs, ws = input._data.shape, weight._data.shape
    if not xs or not ws:
        raise RuntimeError(
            f"both arguments to linear need to be at least 1D, but they are {input.ndim}D and {weight.ndim}D"
        )
    if len(ws) > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {weight.ndim}D")
    if xs[-1] != ws[-1]:
        rows = math.prod(input.shape[:-1])
        cols = "x".join(map(str, weight.shape[::-1])) if weight.ndim == 2 else str(weight.shape[0])
        raise RuntimeError(
            f"linear: mat1 and mat2 shapes cannot be multiplied ({rows}x{input.shape[-1]} and {cols}); "
            f"input {list(input.shape)}, weight {list(weight.shape)}"
        )
    if input._data.dtype != weight._data.dtype:
        raise RuntimeError(
            f"linear: expected m1 and m2 to have the same dtype, but got: {_dname(input)} != {_dname(weight)}"
        )
    if bias is not None and bias._data.dtype != weight._data.dtype:
        raise RuntimeError(
            f"linear: self and mat2 must have the same dtype, but got {_tname(bias)} and {_tname(weight)}"
        )
    return _linear_nodes(input, weight, bias)


def _plain_2d_linear(x, w, bias) -> bool:
    """nn.Linear's common case, which needs none of ``linear``'s other checks: 2-D input and weight
    that fit, a bias of one row, one dtype throughout."""
    if not (isinstance(x, Tensor) and isinstance(w, Tensor) and isinstance(bias, Tensor)):
        return False
    a, b, c = x._data, w._data, bias._data
    xs, ws = a.shape, b.shape
    return len(xs) == 2 and len(ws) == 2 and xs[1] == ws[1] and c.shape == ws[:1] and a.dtype == b.dtype == c.dtype


def _check_addmm_bias(bias: Tensor, rows: int, cols: int) -> None:
    """addmm expands ``bias`` to (rows, cols); torch's message when it cannot."""
    shape = bias._data.shape
    if shape == (cols,):
        return
    if len(shape) > 2:
        raise RuntimeError(
            f"expand(torch.{_tname(bias)}Tensor{{{list(shape)}}}, size=[{rows}, {cols}]): the number of sizes "
            f"provided (2) must be greater or equal to the number of dimensions in the tensor ({len(shape)})"
        )
    padded = (1,) * (2 - len(shape)) + shape
    for dim, (have, want) in enumerate(zip(padded, (rows, cols))):
        if have not in (1, want):
            raise RuntimeError(
                f"The expanded size of the tensor ({want}) must match the existing size ({have}) at non-singleton "
                f"dimension {dim}.  Target sizes: [{rows}, {cols}].  Tensor sizes: {list(shape)}"
            )


def _linear_nodes(x: Tensor, w: Tensor, bias: Tensor | None) -> Tensor:
    """torch's dispatch: addmm for 2-D (or flattened contiguous N-D with 1-D bias) input, else matmul (+ add)."""
    wt = _t(w)
    if bias is None:
        return matmul(x, wt)
    xs, ws = x._data.shape, w._data.shape
    if len(ws) == 2 and (len(xs) == 2 or (bias._data.ndim == 1 and x._data.flags.c_contiguous)):
        lead = xs[:-1]
        rows = math.prod(lead)
        _check_addmm_bias(bias, rows, ws[0])
        if len(xs) == 2:
            return Addmm.apply(bias, x, wt)
        flat = Reshape.apply(x, shape=(rows, xs[-1]))
        return Reshape.apply(Addmm.apply(bias, flat, wt), shape=lead + (ws[0],))
    if w.ndim == 1 and x.ndim == 2:
        raise RuntimeError("mat2 must be a matrix, got 1-D tensor")
    out = matmul(x, wt)
    shape = broadcast_shapes(out.shape, bias.shape)
    if shape != tuple(out.shape):
        raise RuntimeError(f"output with shape {list(out.shape)} doesn't match the broadcast shape {list(shape)}")
    return out + bias


def einsum(equation: str, *operands) -> Tensor:
    """Einstein summation with torch's rules (ellipsis broadcast and summed when not in the output,
    implicit output, size-1 broadcasting, integer sums in int64), differentiable to any order."""
    if not isinstance(equation, str):
        raise TypeError(f"einsum(): argument 'equation' (position 1) must be str, not {type(equation).__name__}")
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    for i, t in enumerate(operands):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 1, but got {type(t).__name__}")
    ins, out = _explicit_subscripts(equation.replace(" ", ""), operands)
    ops = _align(operands[0], operands[1], "einsum") if len(operands) == 2 else operands
    ops = _broadcast_operands(ops, ins)
    if any(t._data.dtype.kind in "iu" for t in ops) and _sums_alone(ins, out):
        ops = tuple(t.to(int64) if t._data.dtype.kind in "iu" else t for t in ops)
    return Einsum.apply(*ops, equation=",".join(ins) + "->" + out)


def _explicit_subscripts(equation: str, operands: tuple) -> tuple:
    """The equation with every ``...`` spelled out in unused letters: (input subscripts, output)."""
    lhs, arrow, rhs = equation.partition("->")
    ins = lhs.split(",")
    if len(ins) != len(operands):
        which = "more" if len(operands) > len(ins) else "fewer"
        raise RuntimeError(f"einsum(): {which} operands were provided than specified in the equation")
    ranks = []
    for i, (sub, t) in enumerate(zip(ins, operands)):
        named = len(sub.replace("...", ""))
        if "..." not in sub and named != t.ndim:
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({named}) does not match the number of "
                f"dimensions ({t.ndim}) for operand {i} and no ellipsis was given"
            )
        if named > t.ndim:
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({named}) is more than the number of "
                f"dimensions ({t.ndim}) for operand {i}"
            )
        ranks.append(t.ndim - named if "..." in sub else 0)
    used = set(equation)
    spare = [c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in used]
    ell = "".join(spare[: max(ranks, default=0)])
    ins = [sub.replace("...", ell[len(ell) - r :] if r else "") for sub, r in zip(ins, ranks)]
    if arrow:
        out = rhs.replace("...", ell)
    else:
        letters = "".join(ins)
        out = ell + "".join(sorted(c for c in set(letters) if letters.count(c) == 1 and c not in ell))
    for c in out:
        if out.count(c) > 1:
            raise RuntimeError(f"einsum(): output subscript {c} appears more than once in the output")
        if c not in "".join(ins):
            raise RuntimeError(f"einsum(): output subscript {c} does not appear in the equation for any input operand")
    return ins, out


def _broadcast_operands(ops: tuple, ins: list) -> tuple:
    """Expand size-1 dims to the size the same letter has elsewhere (torch broadcasts them)."""
    sizes: dict = {}
    for k, (sub, t) in enumerate(zip(ins, ops)):
        for c, n in zip(sub, t._data.shape):
            if sizes.get(c, 1) == 1:
                sizes[c] = n
            elif n not in (1, sizes[c]):
                raise RuntimeError(
                    f"einsum(): subscript {c} has size {n} for operand {k} which does not broadcast with "
                    f"previously seen size {sizes[c]}"
                )
    result = []
    for sub, t in zip(ins, ops):
        target = tuple(sizes[c] for c in sub)
        result.append(t.expand(*target) if target != t._data.shape else t)
    return tuple(result)


def _sums_alone(ins: list, out: str) -> bool:
    """Whether some operand has a letter summed away by itself (torch then calls sum: int64)."""
    for i, sub in enumerate(ins):
        others = out + "".join(s for j, s in enumerate(ins) if j != i)
        if any(c not in others for c in sub):
            return True
    return False


def _unique(sub: str) -> str:
    return "".join(dict.fromkeys(sub))


class Einsum(Op):
    """``numpy.einsum`` on an explicit equation (no ellipsis, operands of matching sizes)."""

    def forward(self, *tensors, equation):
        self.save_for_backward(*tensors)
        self.equation = equation
        return np.asarray(xp.einsum(equation, *[t._data for t in tensors], optimize=len(tensors) > 2))

    def backward(self, g):
        tensors = self.saved_tensors
        lhs, out = self.equation.split("->")
        ins = lhs.split(",")
        grads = []
        for i, need in enumerate(self.needs_input_grad):
            grads.append(_einsum_grad(g, tensors, ins, out, i) if need else None)
        return tuple(grads)


def _einsum_grad(g: Tensor, tensors: tuple, ins: list, out: str, i: int) -> Tensor:
    """Gradient of an explicit einsum with respect to operand ``i`` (itself an einsum)."""
    target, shape = ins[i], tensors[i].shape
    others = [t for j, t in enumerate(tensors) if j != i]
    avail = set(out).union(*(ins[j] for j in range(len(ins)) if j != i))
    uniq = _unique(target)
    kept = "".join(c for c in uniq if c in avail)
    gi = Einsum.apply(g, *others, equation=",".join([out] + [s for j, s in enumerate(ins) if j != i]) + "->" + kept)
    size = dict(zip(target, shape))
    if kept != uniq:
        # letters summed away by this operand alone come back as broadcast dimensions
        gi = reshape(gi, tuple(size[c] if c in avail else 1 for c in uniq)).expand(*(size[c] for c in uniq))
    if uniq != target:
        gi = DiagEmbed.apply(gi, uniq=uniq, sub=target, shape=tuple(shape))
    return gi


class DiagEmbed(Op):
    """Adjoint of an einsum that takes a diagonal (``'ii->i'``): zeros with ``x`` on the diagonal."""

    def forward(self, x, uniq, sub, shape):
        self.uniq, self.sub = uniq, sub
        out = np.zeros(shape, dtype=x._data.dtype)
        np.einsum(f"{sub}->{uniq}", out)[...] = x._data
        return out

    def backward(self, g):
        return Einsum.apply(g, equation=f"{self.sub}->{self.uniq}")
