"""``torch.functional``: the module where torch defines a few tensor functions (``einsum``, ``split``,
``meshgrid``, ...); the same functions as microtorch's top level. (``stft``/``istft`` and the deprecated
``chain_matmul`` are not provided.)"""

from __future__ import annotations

from . import (
    atleast_1d,
    atleast_2d,
    atleast_3d,
    block_diag,
    broadcast_shapes,
    broadcast_tensors,
    cartesian_prod,
    cdist,
    einsum,
    lu,
    meshgrid,
    norm,
    pca_lowrank,
    split,
    svd_lowrank,
    tensordot,
    unique,
    unique_consecutive,
    unravel_index,
)

__all__ = [
    "atleast_1d",
    "atleast_2d",
    "atleast_3d",
    "broadcast_shapes",
    "broadcast_tensors",
    "cartesian_prod",
    "block_diag",
    "cdist",
    "einsum",
    "lu",
    "norm",
    "meshgrid",
    "pca_lowrank",
    "split",
    "svd_lowrank",
    "tensordot",
    "unique",
    "unique_consecutive",
    "unravel_index",
]
