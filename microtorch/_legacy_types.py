"""PyTorch's legacy tensor types and ``Variable``: ``torch.LongTensor([1, 2])``, ``isinstance(t,
torch.FloatTensor)`` and ``t.type(torch.DoubleTensor)``, as torch keeps them for old scripts (no ``BFloat16Tensor``: microtorch has no bfloat16 storage)."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _dtype as dt
from ._device import check_device
from ._tensor import Size, Tensor, _check_shape_args, _legacy_data
from .autograd.function import _TYPE_NAMES

__all__ = [
    "BoolTensor",
    "ByteTensor",
    "CharTensor",
    "DoubleTensor",
    "FloatTensor",
    "HalfTensor",
    "IntTensor",
    "LongTensor",
    "ShortTensor",
]


class _TensorType(type):
    """The metaclass of ``torch.LongTensor`` and its kin: calling one builds a tensor of its dtype, and
    ``isinstance`` asks for a tensor of that dtype."""

    dtype: dt.dtype

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype

    def __call__(cls, *args: Any, device: Any = None) -> Tensor:
        check_device(device, cls.__name__)
        if len(args) == 1 and isinstance(args[0], Tensor):
            return _alias_of(cls, args[0])
        if len(args) == 1 and not isinstance(args[0], (int, np.integer, Size)):
            return Tensor._make(_legacy_data(args[0], cls.dtype.np))
        shape = _check_shape_args(cls.__name__, args)
        if any(n < 0 for n in shape):
            raise RuntimeError(f"Trying to create tensor with negative dimension {min(shape)}: {list(shape)}")
        return Tensor._make(np.zeros(shape if args else (0,), dtype=cls.dtype.np))


def _alias_of(cls: _TensorType, x: Tensor) -> Tensor:
    """``torch.LongTensor(t)``: ``t`` itself as a new view (AliasBackward0), when it has the dtype."""
    from .ops.shape import Alias

    if x.dtype != cls.dtype:
        raise TypeError(f"{cls.__name__}(): expected a tensor of dtype {cls.dtype} (got {x.type()})")
    return Alias.apply(x)


def _legacy_type(name: str) -> _TensorType:
    """The legacy type class ``torch.<name>``."""
    dtype = dt._by_name(next(k for k, v in _TYPE_NAMES.items() if v == name))
    return _TensorType(name, (), {"dtype": dtype, "__module__": "torch", "__doc__": f"torch.{name}: {dtype} tensors."})


FloatTensor = _legacy_type("FloatTensor")
DoubleTensor = _legacy_type("DoubleTensor")
HalfTensor = _legacy_type("HalfTensor")
ByteTensor = _legacy_type("ByteTensor")
CharTensor = _legacy_type("CharTensor")
ShortTensor = _legacy_type("ShortTensor")
IntTensor = _legacy_type("IntTensor")
LongTensor = _legacy_type("LongTensor")
BoolTensor = _legacy_type("BoolTensor")


def legacy_dtype(t: Any) -> Any:
    """The dtype that a legacy type class (``torch.LongTensor``) stands for; anything else unchanged."""
    return t.dtype if isinstance(t, _TensorType) else t
