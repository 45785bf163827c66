"""Operand handling shared by the elementwise families: PyTorch's type promotion.

Python scalars stay weakly typed (a float32 tensor with a Python float stays float32);
tensor operands are cast to PyTorch's common dtype before a binary kernel runs.
"""

from __future__ import annotations

import numpy as np

from .. import _dtype as dt
from .._foreign import foreign_tensor_error
from .._tensor import Tensor
from ._util import as_tensor_arg, broadcast_error

_pyscalar = (int, float, bool, np.number, np.bool_)


def _py(x):
    """numpy scalars behave as Python scalars (weakly typed), as in PyTorch."""
    return x.item() if isinstance(x, np.generic) else x


def _float_array(x: Tensor) -> np.ndarray:
    a = x._data
    return a if a.dtype.kind == "f" else a.astype(dt.get_default_dtype().np)


def _align(a, b, op: str):
    """Return (a, b) as Tensors of PyTorch's common dtype for a binary op."""
    if not isinstance(a, Tensor):
        a = as_tensor_arg(a, op)
    if not isinstance(b, Tensor):
        b = as_tensor_arg(b, op)
    if a._data.dtype != b._data.dtype:
        target = dt.result_type(a, b)
        if a._data.dtype != target.np:
            a = a.to(target)
        if b._data.dtype != target.np:
            b = b.to(target)
    return a, b


def _scalar_target(x: Tensor, s) -> dt.dtype | None:
    """The dtype of ``x (op) s`` for a Python scalar, or None when it is ``x``'s dtype."""
    kind = x._data.dtype.kind
    if kind == "f":
        return None
    if isinstance(s, (bool, np.bool_)):
        return None
    if isinstance(s, (int, np.integer)):
        return None if kind in "iu" else dt.int64
    return dt.get_default_dtype()


def _binary(cls, scalar_cls, a, b, op: str):
    if isinstance(b, np.generic):
        b = b.item()  # numpy scalars act as Python scalars (weak dtype), as in PyTorch
    if isinstance(b, _pyscalar) and isinstance(a, Tensor):
        target = _scalar_target(a, b)
        if target is not None:
            a = a.to(target)
        return scalar_cls.apply(a, s=fit_int(a, b))
    a, b = _align(a, b, op)
    try:
        return cls.apply(a, b)
    except ValueError:
        raise broadcast_error(op, a.shape, b.shape) from None


# PyTorch's scalar type names (as its dtype-mismatch messages spell them)
TYPE_WORD = {
    "float16": "Half",
    "float32": "Float",
    "float64": "Double",
    "int64": "Long",
    "int32": "Int",
    "int16": "Short",
    "int8": "Char",
    "uint8": "Byte",
    "bool": "Bool",
}


def type_name(x) -> str:
    """How PyTorch's argument parser names the type of ``x`` in its TypeErrors."""
    return "Tensor" if isinstance(x, Tensor) else type(x).__name__


def invalid_arguments(op: str, *args) -> TypeError:
    """PyTorch's TypeError for an argument combination none of an op's signatures accepts."""
    foreign = foreign_tensor_error(op, *args)
    if foreign is not None:
        return foreign
    got = ", ".join(type_name(a) for a in args)
    return TypeError(f"{op}() received an invalid combination of arguments - got ({got})")


def not_a_tensor(op: str, x, name: str, position: int) -> TypeError:
    """PyTorch's TypeError for a non-Tensor where an op accepts only a Tensor."""
    foreign = foreign_tensor_error(op, x)
    if foreign is not None:
        return foreign
    return TypeError(f"{op}(): argument '{name}' (position {position}) must be Tensor, not {type_name(x)}")


def fit_int(x: Tensor, s):
    """A Python int combined with an integer tensor wraps to the tensor's dtype, as in PyTorch."""
    a = x._data
    if a.dtype.kind in "iu" and type(s) is int:
        info = np.iinfo(a.dtype)
        if not info.min <= s <= info.max:
            return np.asarray(s).astype(a.dtype)[()]
    return s


def check_tensor(op: str, x, name: str = "input", position: int = 1) -> None:
    """PyTorch's TypeError unless ``x`` is a Tensor."""
    if not isinstance(x, Tensor):
        raise not_a_tensor(op, x, name, position)


def check_number(op: str, x, name: str, position: int | None) -> None:
    """PyTorch's TypeError unless ``x`` is a number (an int, float or bool); ``position`` None: passed by keyword."""
    if not isinstance(x, _pyscalar):
        where = "" if position is None else f" (position {position})"
        raise TypeError(f"{op}(): argument '{name}'{where} must be Number, not {type_name(x)}")


def not_implemented(kernel: str, x: Tensor) -> NotImplementedError:
    """PyTorch's error for a kernel that has no loop for ``x``'s dtype."""
    return NotImplementedError(f"\"{kernel}\" not implemented for '{TYPE_WORD[x._data.dtype.name]}'")
