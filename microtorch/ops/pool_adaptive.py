"""Adaptive pooling (``adaptive_avg_pool*``, ``adaptive_max_pool*``) and max unpooling
(``max_unpool*``) with PyTorch's arguments, output sizes, indices and gradients.

Re-exported by ``ops.pool``, whose argument checks and gather op they use.
"""

from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Op
from ..kernels import pool as K
from ..kernels.windows import is_int
from .pool import FlatGather, _check_input, _lead, _require_dtype, _Size

# --- adaptive pooling ----------------------------------------------------------------


def _check_output_rank(input, k, output_size) -> None:
    """PyTorch's Python-level check: a sequence output_size needs more input dims than entries."""
    if not isinstance(input, Tensor):
        raise TypeError(f"adaptive pooling: argument 'input' must be Tensor, not {type(input).__name__}")
    if k > 1 and not isinstance(output_size, (int, np.integer)) and input.ndim <= len(output_size):
        raise ValueError(f"Input dimension should be at least {len(output_size) + 1}")


def _adaptive_out(input, k, output_size, op) -> tuple:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")
    shape = tuple(input.shape)
    if len(shape) not in (k + 1, k + 2):
        raise RuntimeError(f"{op}(): Expected {k + 1}D or {k + 2}D tensor, but got {list(shape)}")
    # PyTorch's 1-D / 2-D adaptive average pooling lets every dim but the pooled ones be empty
    first = len(shape) - k if op in ("adaptive_avg_pool1d", "adaptive_avg_pool2d") else len(shape) - k - 1
    for d in range(first, len(shape)):
        if shape[d] == 0:
            raise RuntimeError(
                f"{op}(): Expected input to have non-zero size for non-batch dimensions, but input has sizes "
                f"{list(shape)} with dimension {d} being empty"
            )
    if is_int(output_size) or output_size is None:
        output_size = (output_size,) * k
    if not isinstance(output_size, (tuple, list)) or not all(o is None or is_int(o) for o in output_size):
        raise TypeError(f"{op}(): argument 'output_size' must be tuple of ints (or None), got {output_size!r}")
    output_size = tuple(output_size)
    if len(output_size) != k:  # PyTorch expands only a plain int, never a 1-sequence
        raise RuntimeError(f"{op}: output_size must be {k}, got {output_size!r}")
    out = tuple(shape[-k + i] if o is None else int(o) for i, o in enumerate(output_size))
    if any(o < 0 for o in out):
        raise RuntimeError(f"{op}(): elements of output_size must be greater than or equal to 0 but received {out}")
    return out


def _all_ones(output_size, k: int) -> bool:
    sizes = (output_size,) * k if isinstance(output_size, (int, np.integer)) else tuple(output_size)
    return len(sizes) == k and all(isinstance(o, (int, np.integer)) and o == 1 for o in sizes)


def _adaptive_avg(input, k, output_size, op):
    if k > 1:
        _check_output_rank(input, k, output_size)
        if _all_ones(output_size, k):  # PyTorch's shortcut: a mean over the last k dims, any rank
            if input.ndim < k:
                raise IndexError(f"{op}(): Dimension out of range: a {input.ndim}D input has no last {k} dims")
            return input.mean(dim=tuple(range(-k, 0)), keepdim=True)
    out = _adaptive_out(input, k, output_size, op)
    if input.numel() or k == 3:  # PyTorch's 1-D / 2-D kernels check no dtype on an empty input
        _require_dtype(input, "f", "adaptive_avg_pool3d_cpu" if k == 3 else "adaptive_avg_pool2d", op)
    x = input
    lead = _lead(input, k)
    sizes = list(input.shape[-k:])
    for i in range(k):
        if sizes[i] == out[i]:
            continue
        m = Tensor._make(K.adaptive_avg_matrix(sizes[i], out[i], input._data.dtype))
        before = tuple(sizes[:i])
        rest = math.prod(sizes[i + 1 :])
        y = x.reshape(lead + before + (sizes[i], rest))
        y = m.matmul(y)
        sizes[i] = out[i]
        x = y.reshape(lead + tuple(sizes))
    if x is input:
        x = input.clone()
    return x


def adaptive_avg_pool1d(input: Tensor, output_size: _Size) -> Tensor:
    """Average pooling to a fixed output length (windows floor(i*L/out) .. ceil((i+1)*L/out))."""
    return _adaptive_avg(input, 1, output_size, "adaptive_avg_pool1d")


def adaptive_avg_pool2d(input: Tensor, output_size: _Size) -> Tensor:
    """Average pooling to a fixed (H, W) output (None keeps that input size)."""
    return _adaptive_avg(input, 2, output_size, "adaptive_avg_pool2d")


def adaptive_avg_pool3d(input: Tensor, output_size: _Size) -> Tensor:
    """Average pooling to a fixed (D, H, W) output (None keeps that input size)."""
    return _adaptive_avg(input, 3, output_size, "adaptive_avg_pool3d")


def _adaptive_max(input, k, output_size, return_indices, op):
    _check_output_rank(input, k, output_size)
    out = _adaptive_out(input, k, output_size, op)
    _require_dtype(input, "f", "adaptive_max_pool3d_cpu" if k == 3 else "adaptive_max_pool2d", op)
    idx = K.adaptive_max_indices(input._data, out)
    y = FlatGather.apply(input, idx=idx, k_in=k, k_idx=k)
    return (y, Tensor._make(idx)) if return_indices else y


def adaptive_max_pool1d(input: Tensor, output_size: _Size, return_indices: bool = False):
    """Max pooling to a fixed output length; gradient to the first maximum of each window."""
    return _adaptive_max(input, 1, output_size, return_indices, "adaptive_max_pool1d")


def adaptive_max_pool2d(input: Tensor, output_size: _Size, return_indices: bool = False):
    """Max pooling to a fixed (H, W) output; gradient to the first maximum of each window."""
    return _adaptive_max(input, 2, output_size, return_indices, "adaptive_max_pool2d")


def adaptive_max_pool3d(input: Tensor, output_size: _Size, return_indices: bool = False):
    """Max pooling to a fixed (D, H, W) output; gradient to the first maximum of each window."""
    return _adaptive_max(input, 3, output_size, return_indices, "adaptive_max_pool3d")


def adaptive_max_pool1d_with_indices(input: Tensor, output_size: _Size, return_indices: bool = False):
    """``adaptive_max_pool1d`` returning ``(output, indices)``."""
    return adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(input: Tensor, output_size: _Size, return_indices: bool = False):
    """``adaptive_max_pool2d`` returning ``(output, indices)``."""
    return adaptive_max_pool2d(input, output_size, True)


# --- max unpooling -------------------------------------------------------------------


class MaxUnpool(Op):
    """Place values at their flat indices in zero planes; backward: gather."""

    torch_name = "MaxUnpoolBackward0"

    def forward(self, x, idx, plane, k):
        self.idx, self.k = idx, k
        return K.flat_put(x._data, idx, plane, k)

    def backward(self, g):
        return FlatGather.apply(g, idx=self.idx, k_in=self.k, k_idx=self.k)


def _loose_tuple(value, k: int) -> tuple:
    """PyTorch's ``_single`` / ``_pair`` / ``_triple``: a number repeated, a sequence kept as it is."""
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * k


def _unpool_size(input, k, kernel, stride, padding, output_size, op) -> tuple:
    """PyTorch's Python-level ``_unpool_output_size``: the default size, or ``output_size`` checked to
    lie strictly within one stride of it (ValueError otherwise)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")
    if input.ndim < k:
        raise IndexError(f"{op}: Dimension out of range: a {input.ndim}-d input has no {k} spatial dims")
    shape = tuple(input.shape)
    n_k = len(kernel)  # PyTorch loops over the kernel's length, indexing shape, stride and padding by it
    default = tuple(
        (shape[-n_k + d] - 1) * stride[d] + kernel[d] - 2 * padding[d] for d in range(n_k)
    )  # IndexError (tuple index out of range) as PyTorch's when a sequence is too short
    if output_size is None:
        return default
    size = tuple(output_size)
    if len(size) == n_k + 2:
        size = size[2:]
    if len(size) != n_k:
        raise ValueError(
            f"{op}: output_size should be a sequence containing {n_k} or {n_k + 2} elements, but it has a length "
            f"of '{len(size)}'"
        )
    for d, (o, dflt, s) in enumerate(zip(size, default, stride)):
        if not dflt - s < o < dflt + s:
            raise ValueError(f"{op}: invalid output_size {size} (dim {d} must be between {dflt - s} and {dflt + s})")
    return size


def _max_unpool(input, indices, k, kernel_size, stride, padding, output_size, op):
    kernel = _loose_tuple(kernel_size, k)
    stride = kernel if stride is None else _loose_tuple(stride, k)
    plane = _unpool_size(input, k, kernel, stride, _loose_tuple(padding, k), output_size, op)
    if not all(is_int(v) for v in plane):
        raise TypeError(f"{op}(): argument 'output_size' must be tuple of ints, got {plane!r}")
    plane = tuple(int(v) for v in plane)
    if not isinstance(indices, Tensor):
        raise TypeError(f"{op}(): argument 'indices' (position 2) must be Tensor, not {type(indices).__name__}")
    if k == 3:  # PyTorch's max_unpool3d kernel takes stride and padding as tuples of ints
        for name, pos, vals in (("stride", 4, stride), ("padding", 5, _loose_tuple(padding, k))):
            for i, v in enumerate(vals):
                if not is_int(v):
                    raise TypeError(
                        f"{op}(): argument '{name}' (position {pos}) must be tuple of ints, but found element of "
                        f"type {type(v).__name__} at pos {i}"
                    )
    if len(plane) != k:
        raise RuntimeError(f"{op}: output_size must have {k} elements, got {list(plane)}")
    _check_input(input, k, op)
    if indices._data.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: expected indices to be an int64 Tensor, got {getattr(indices, 'dtype', indices)!r}")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(
            f"{op}: Expected shape of indices to be same as that of the input tensor ({list(input.shape)}) "
            f"but got indices tensor with shape: {list(indices.shape)}"
        )
    _require_dtype(input, "f", "max_unpool3d" if k == 3 else "max_unpool2d", op)
    if any(p <= 0 for p in plane):
        raise RuntimeError(f"{op}: computed output size {plane} is too small")
    idx = indices._data.astype(np.int64, copy=False)
    total = math.prod(plane)
    if idx.size and (idx.min() < 0 or idx.max() >= total):
        bad = int(idx.max()) if idx.max() >= total else int(idx.min())
        raise RuntimeError(
            f"{op}: Found an invalid max index: {bad} (output volumes are of size {'x'.join(map(str, plane))})"
        )
    return MaxUnpool.apply(input, idx=idx, plane=plane, k=k)


def max_unpool1d(
    input: Tensor,
    indices: Tensor,
    kernel_size: _Size,
    stride: _Size | None = None,
    padding: _Size = 0,
    output_size: _Size | None = None,
) -> Tensor:
    """Partial inverse of ``max_pool1d``: values at their indices, zeros elsewhere."""
    return _max_unpool(input, indices, 1, kernel_size, stride, padding, output_size, "max_unpool1d")


def max_unpool2d(
    input: Tensor,
    indices: Tensor,
    kernel_size: _Size,
    stride: _Size | None = None,
    padding: _Size = 0,
    output_size: _Size | None = None,
) -> Tensor:
    """Partial inverse of ``max_pool2d``: values at their indices, zeros elsewhere."""
    return _max_unpool(input, indices, 2, kernel_size, stride, padding, output_size, "max_unpool2d")


def max_unpool3d(
    input: Tensor,
    indices: Tensor,
    kernel_size: _Size,
    stride: _Size | None = None,
    padding: _Size = 0,
    output_size: _Size | None = None,
) -> Tensor:
    """Partial inverse of ``max_pool3d``: values at their indices, zeros elsewhere."""
    return _max_unpool(input, indices, 3, kernel_size, stride, padding, output_size, "max_unpool3d")
