"""Operand handling shared by the elementwise families: PyTorch's type promotion.

Python scalars stay weakly typed (a float32 tensor with a Python float stays float32);
tensor operands are cast to PyTorch's common dtype before a binary kernel runs.
"""

from __future__ import annotations

import numpy as np

from .. import _dtype as dt
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
        target = dt.result_type(a, b).np
        if a._data.dtype != target:
            a = a.to(target)
        if b._data.dtype != target:
            b = b.to(target)
    return a, b


def _scalar_target(x: Tensor, s) -> np.dtype | None:
    """The dtype of ``x (op) s`` for a Python scalar, or None when it is ``x``'s dtype."""
    kind = x._data.dtype.kind
    if kind == "f":
        return None
    if isinstance(s, (bool, np.bool_)):
        return None
    if isinstance(s, (int, np.integer)):
        return None if kind in "iu" else np.dtype(np.int64)
    return dt.get_default_dtype().np


def _binary(cls, scalar_cls, a, b, op: str):
    if isinstance(b, np.generic):
        b = b.item()  # numpy scalars act as Python scalars (weak dtype), as in PyTorch
    if isinstance(b, _pyscalar) and isinstance(a, Tensor):
        target = _scalar_target(a, b)
        if target is not None:
            a = a.to(target)
        return scalar_cls.apply(a, s=b)
    a, b = _align(a, b, op)
    try:
        return cls.apply(a, b)
    except ValueError:
        raise broadcast_error(op, a.shape, b.shape) from None
