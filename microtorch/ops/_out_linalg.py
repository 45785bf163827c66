"""The matrix products as ``torch.<name>`` exposes them: with torch's ``out=`` (see ``_out.py``)."""

from __future__ import annotations

from .._tensor import Tensor
from . import linalg as _linalg
from ._out import torch_args

__all__ = ["bmm", "dot", "matmul", "mm", "mv", "outer"]


def _matmul_rule(out, input, other) -> str:  # noqa: A002 - PyTorch's names
    """The kernel torch's ``matmul`` reaches, whose dtype check ``out`` has to pass."""
    if not (isinstance(input, Tensor) and isinstance(other, Tensor) and other.ndim == 1):
        return "mm"
    if input.ndim == 1:
        return "dot"
    return "mv" if input.ndim > 2 else _mv_rule(out, input, other)


def _mv_rule(out, input, vec) -> str:  # noqa: A002 - PyTorch's names
    """torch resizes a mis-shaped ``out`` of a matrix-vector product through mm's check."""
    return "mv" if isinstance(input, Tensor) and tuple(out.shape) == tuple(input.shape[:1]) else "mm"


matmul = torch_args(rule=_matmul_rule)(_linalg.matmul)
mm = torch_args(rule="mm")(_linalg.mm)
bmm = torch_args(rule="mm")(_linalg.bmm)
mv = torch_args(rule=_mv_rule)(_linalg.mv)
dot = torch_args(rule="dot")(_linalg.dot)
outer = torch_args()(_linalg.outer)
