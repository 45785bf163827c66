"""``angle`` and ``nonzero_static`` as Tensor methods (ops/native.py)."""

from ._tensor import Tensor
from ._tensor_methods import _method
from .ops import native as _N

Tensor.angle = _method(_N.angle, "angle")
Tensor.nonzero_static = _method(_N.nonzero_static, "nonzero_static")
