"""Tensor methods of the BLAS-style products and distances (``addmm``/``addmm_``, ``inner``,
``kron``, ``dist``, ...), bound onto ``Tensor``."""

from __future__ import annotations

from ._tensor import Tensor
from ._tensor_methods import _inplace, _method
from .ops import blas as _B
from .ops import distance as _D

for _name in ("addmm", "addmv", "addr", "baddbmm", "addbmm"):
    setattr(Tensor, _name, _method(getattr(_B, _name), _name))
    setattr(Tensor, _name + "_", _inplace(_name + "_", getattr(_B, _name)))
for _name in ("inner", "vdot", "kron"):
    setattr(Tensor, _name, _method(getattr(_B, _name), _name))
Tensor.dist = _method(_D.dist, "dist")
