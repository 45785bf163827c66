"""The ops ``microtorch gradcheck`` checks: one table per op family, each row an op with its case generator.

Builders import their op lazily (``resolve`` of a form), so ops that are not part of this
build are skipped rather than failed.
"""

from __future__ import annotations

from . import (
    activation,
    attention_more,
    blas_more,
    conv,
    decomp,
    elementwise,
    indexing,
    linalg,
    loss,
    loss_more,
    math,
    math_more,
    nn_more,
    norm,
    pool,
    reduction,
    reduction_more,
    shape,
    shape_family,
)
from ._core import NAMESPACES, GradOp, build_case, case_rng, op, resolve

OPS: list[GradOp] = [
    *elementwise.OPS,
    *math.OPS,
    *reduction.OPS,
    *shape.OPS,
    *shape_family.OPS,
    *indexing.OPS,
    *linalg.OPS,
    *decomp.OPS,
    *activation.OPS,
    *norm.OPS,
    *conv.OPS,
    *pool.OPS,
    *loss.OPS,
    *reduction_more.OPS,
    *blas_more.OPS,
    *loss_more.OPS,
    *nn_more.OPS,
    *attention_more.OPS,
    *math_more.OPS,
]

__all__ = ["NAMESPACES", "OPS", "GradOp", "build_case", "case_rng", "op", "resolve"]
