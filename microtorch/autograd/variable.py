"""``torch.autograd.Variable``: since Variables and Tensors merged, every tensor is a Variable."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

__all__ = ["Variable"]


class _VariableMeta(type):
    def __instancecheck__(cls, obj: Any) -> bool:
        from .._tensor import Tensor  # _tensor imports this package: resolved at call time

        return isinstance(obj, Tensor)


class Variable(metaclass=_VariableMeta):
    """``Variable(t, requires_grad=False)``: ``t`` detached (same storage) with ``requires_grad`` set,
    as torch gives it; ``Variable()`` is an empty tensor."""

    def __new__(cls, data: Any = None, requires_grad: bool = False, volatile: bool = False) -> Any:
        from .. import _dtype as dt
        from .._tensor import Tensor

        if volatile:
            warnings.warn(
                "volatile was removed and now has no effect. Use `with torch.no_grad():` instead.", stacklevel=2
            )
        if data is None:
            return Tensor._make(np.zeros((0,), dtype=dt.get_default_dtype().np))
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        return data.detach().requires_grad_(requires_grad)
