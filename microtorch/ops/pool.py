"""Pooling ops (``nn.functional.max_pool*``, ``avg_pool*``, ``lp_pool*``, adaptive pools,
``max_unpool*``) with PyTorch's arguments, output sizes, indices and gradients.

Max pooling sends each window's gradient to the element whose index it returns (the
first maximum in scan order), accumulating where windows overlap. Every backward is
another op here (scatter <-> gather, average <-> its adjoint), so double backward works.
"""

from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor
from ..autograd import engine as _engine
from ..autograd.function import Op
from ..autograd.grad_mode import _state
from ..kernels import pool as K
from ..kernels.windows import CheckedCache, is_int, plain_ints, scalar_name, window_arg

_Size = int | tuple[int, ...]

__all__ = [
    "max_pool1d",
    "max_pool2d",
    "max_pool3d",
    "max_pool1d_with_indices",
    "max_pool2d_with_indices",
    "max_pool3d_with_indices",
    "avg_pool1d",
    "avg_pool2d",
    "avg_pool3d",
    "lp_pool1d",
    "lp_pool2d",
    "lp_pool3d",
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_avg_pool3d",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "adaptive_max_pool3d",
    "adaptive_max_pool1d_with_indices",
    "adaptive_max_pool2d_with_indices",
    "max_unpool1d",
    "max_unpool2d",
    "max_unpool3d",
]


# --- argument checking -------------------------------------------------------------


def _ntuple(value, n: int, name: str, op: str) -> tuple:
    """An int or a sequence of 1 or ``n`` ints -> a tuple of ``n`` ints."""
    vals = window_arg(value, name, op)
    if len(vals) == 1:
        return vals * n
    if len(vals) != n:
        raise RuntimeError(f"{op}: {name} must either be a single int, or a tuple of {n} ints, got {value!r}")
    return vals


def _flag(value, name: str, op: str) -> bool:
    """A bool argument: PyTorch refuses ints, None and anything else."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{op}(): argument '{name}' must be bool, not {type(value).__name__}")
    return bool(value)


def _require_dtype(input: Tensor, allowed: str, kernel: str, op: str) -> None:
    """NotImplementedError naming PyTorch's kernel unless the dtype kind is in ``allowed``."""
    dtype = input._data.dtype
    if dtype.kind not in allowed:
        raise NotImplementedError(f"{op}: \"{kernel}\" not implemented for '{scalar_name(dtype)}'")


def _check_input(input, k: int, op: str) -> None:
    """Rank k+1 (unbatched) or k+2; every dim but the batch dim non-empty."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")
    shape = tuple(input.shape)
    if len(shape) not in (k + 1, k + 2) or any(s == 0 for s in shape[len(shape) - k - 1 :]):
        raise RuntimeError(
            f"{op}: Expected {k + 1}D or {k + 2}D (batch mode) tensor with optional 0 dim batch size "
            f"for input, but got: {list(shape)}"
        )


def _check_int32(values) -> None:
    if max(values) > _INT32_MAX or min(values) < -_INT32_MAX:
        raise RuntimeError("value cannot be converted to type int without overflow")


_INT32_MAX = 2**31 - 1


_GEOMETRIES = CheckedCache()  # checked geometries of the argument combinations seen


def _geometry(
    input: Tensor, k: int, kernel_size, stride, padding, dilation, ceil_mode: bool, op: str, int32: bool = True
):
    """Checked pooling sizes (PyTorch's messages), as a ``PoolGeometry``.

    The checks depend only on the input's shape and the arguments, so a combination that
    passed once is looked up (a training loop repeats one combination every step).
    """
    if not (
        isinstance(input, Tensor)
        and type(ceil_mode) is bool
        and plain_ints(kernel_size)
        and (stride is None or plain_ints(stride))
        and plain_ints(padding)
        and plain_ints(dilation)
    ):
        return _checked_geometry(input, k, kernel_size, stride, padding, dilation, ceil_mode, op, int32)
    key = (input._data.shape, k, kernel_size, stride, padding, dilation, ceil_mode, op, int32)
    geom = _GEOMETRIES.get(key)
    if geom is None:
        geom = _checked_geometry(input, k, kernel_size, stride, padding, dilation, ceil_mode, op, int32)
        _GEOMETRIES.put(key, geom)
    return geom


def _checked_geometry(input, k: int, kernel_size, stride, padding, dilation, ceil_mode, op: str, int32: bool):
    """``_geometry`` computed and checked from scratch."""
    _check_input(input, k, op)
    kernel = _ntuple(kernel_size, k, "kernel_size", op)
    stride = (
        kernel
        if stride is None or (not isinstance(stride, int) and len(stride) == 0)
        else _ntuple(stride, k, "stride", op)
    )
    padding = _ntuple(padding, k, "padding", op)
    dilation = _ntuple(dilation, k, "dilation", op)
    if op != "max_pool1d" or int32:  # PyTorch's kernels take C ints (its 1-D index-free one int64)
        _check_int32(kernel + stride + padding + dilation)
    if any(v <= 0 for v in kernel):
        raise RuntimeError(f"{op}: kernel_size should be greater than zero, but got kernel_size={kernel}")
    if any(v == 0 for v in stride):
        raise RuntimeError(f"{op}: stride should not be zero, got stride={stride}")
    if any(v < 0 for v in stride):
        raise RuntimeError(f"{op}: stride should be greater than zero, but got stride={stride}")
    if any(v <= 0 for v in dilation):
        raise RuntimeError(f"{op}: dilation should be greater than zero, but got dilation={dilation}")
    if any(p < 0 for p in padding):
        raise RuntimeError(f"{op}: pad must be non-negative, but got padding={padding}")
    for kk, p in zip(kernel, padding):
        if p > kk // 2:
            raise RuntimeError(
                f"{op}: pad should be at most half of kernel size, but got pad={p} and kernel_size={kk} "
                f"(padding={padding}, kernel_size={kernel})"
            )
    spatial = tuple(input.shape[-k:])
    geom = K.pool_geometry(spatial, kernel, stride, padding, dilation, _flag(ceil_mode, "ceil_mode", op))
    if any(o <= 0 for o in geom.out):
        c = input.shape[-k - 1]
        raise RuntimeError(
            f"{op}: Given input size: ({'x'.join(map(str, (c,) + spatial))}). Calculated output size: "
            f"({'x'.join(map(str, (c,) + geom.out))}). Output size is too small "
            f"(kernel_size={kernel}, stride={stride}, padding={padding}, dilation={dilation})"
        )
    return geom


def _lead(x: Tensor, k: int) -> tuple:
    return tuple(x.shape[: x.ndim - k])


# --- gather / scatter by flat per-plane indices -------------------------------------


class FlatGather(Op):
    """``out[..., i] = x_plane[idx[..., i]]``; backward: scatter-add."""

    torch_name = "GatherBackward0"

    def forward(self, x, idx, k_in, k_idx):
        self.idx, self.k_in, self.k_idx = idx, k_in, k_idx
        self.plane = x._data.shape[x._data.ndim - k_in :]
        return K.flat_gather(x._data, idx, k_in, k_idx)

    def backward(self, g):
        return FlatScatterAdd.apply(g, idx=self.idx, plane=self.plane, k_in=self.k_in, k_idx=self.k_idx)


class FlatScatterAdd(Op):
    """Sum into zero planes at flat indices; backward: gather."""

    torch_name = "ScatterAddBackward0"

    def forward(self, src, idx, plane, k_in, k_idx):
        self.idx, self.k_in, self.k_idx = idx, k_in, k_idx
        return K.flat_scatter_add(src._data, idx, plane, k_idx)

    def backward(self, g):
        return FlatGather.apply(g, idx=self.idx, k_in=self.k_in, k_idx=self.k_idx)


# --- max pooling ---------------------------------------------------------------------


class _MaxPlan:
    """What max pooling's backward needs: the geometry and each window's chosen index."""

    __slots__ = ("geom", "flat", "valid", "lead")

    def __init__(self, geom, flat, valid, lead) -> None:
        self.geom, self.flat, self.valid, self.lead = geom, flat, valid, lead


class MaxPool(Op):
    """Max over each window; backward scatters to the first maximum."""

    torch_name = "MaxPoolWithIndicesBackward0"

    def forward(self, x, geom, need_indices, sink):
        out, flat, valid = K.max_pool_forward(x._data, geom, need_indices)
        self.plan = _MaxPlan(geom, flat, valid, _lead(x, len(geom.kernel)))
        sink.append(self.plan)
        return out

    def backward(self, g):
        if not _state.enabled and _engine._instrument is None:  # nothing recorded: no node for the scatter
            plan = self.plan
            return Tensor._make(K.max_pool_scatter(g._data, plan.flat, plan.valid, plan.geom, plan.lead))
        return MaxPoolScatter.apply(g, plan=self.plan)


class MaxPoolScatter(Op):
    """Max pooling's backward: each window's gradient to its chosen element (accumulating)."""

    torch_name = "MaxPoolWithIndicesBackwardBackward0"

    def forward(self, g, plan):
        self.plan = plan
        return K.max_pool_scatter(g._data, plan.flat, plan.valid, plan.geom, plan.lead)

    def backward(self, gg):
        return MaxPoolGather.apply(gg, plan=self.plan)


class MaxPoolGather(Op):
    """Each window's chosen element (the adjoint of ``MaxPoolScatter``)."""

    torch_name = "GatherBackward0"

    def forward(self, x, plan):
        self.plan = plan
        return K.flat_gather_masked(x._data, plan.flat, plan.valid, len(plan.geom.kernel))

    def backward(self, g):
        return MaxPoolScatter.apply(g, plan=self.plan)


def _max_pool(input, k, kernel_size, stride, padding, dilation, ceil_mode, return_indices, op):
    geom = _geometry(input, k, kernel_size, stride, padding, dilation, ceil_mode, op, bool(return_indices))
    if k == 1 and not return_indices:  # PyTorch's index-free 1-D kernel is float-only
        _require_dtype(input, "f", "max_pool1d_impl", op)
    else:
        _require_dtype(input, "fiu", "max_pool3d" if k == 3 else "max_pool2d", op)
    need = bool(return_indices) or (_state.enabled and input.requires_grad)
    sink = []
    out = _MAXPOOL_OPS[k].apply(input, geom=geom, need_indices=need, sink=sink)
    if return_indices:
        return out, Tensor._make(sink[0].flat)
    return out


_MAXPOOL_OPS = {
    k: type(f"MaxPool{k}d", (MaxPool,), {"__slots__": (), "torch_name": f"MaxPool{k}DWithIndicesBackward0"})
    for k in (1, 2, 3)
}


def max_pool1d(
    input: Tensor,
    kernel_size: _Size,
    stride: _Size | None = None,
    padding: _Size = 0,
    dilation: _Size = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
):
    """1D max pooling over the last dim of a (N, C, L) or (C, L) input."""
    return _max_pool(input, 1, kernel_size, stride, padding, dilation, ceil_mode, return_indices, "max_pool1d")


def max_pool2d(
    input: Tensor,
    kernel_size: _Size,
    stride: _Size | None = None,
    padding: _Size = 0,
    dilation: _Size = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
):
    """2D max pooling over the last two dims of a (N, C, H, W) or (C, H, W) input."""
    return _max_pool(input, 2, kernel_size, stride, padding, dilation, ceil_mode, return_indices, "max_pool2d")


def max_pool3d(
    input: Tensor,
    kernel_size: _Size,
    stride: _Size | None = None,
    padding: _Size = 0,
    dilation: _Size = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
):
    """3D max pooling over the last three dims of a (N, C, D, H, W) or (C, D, H, W) input."""
    return _max_pool(input, 3, kernel_size, stride, padding, dilation, ceil_mode, return_indices, "max_pool3d")


def max_pool1d_with_indices(
    input: Tensor,
    kernel_size: _Size,
    stride: _Size | None = None,
    padding: _Size = 0,
    dilation: _Size = 1,
    ceil_mode: bool = False,
):
    """``max_pool1d`` returning ``(output, indices)``."""
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(
    input: Tensor,
    kernel_size: _Size,
    stride: _Size | None = None,
    padding: _Size = 0,
    dilation: _Size = 1,
    ceil_mode: bool = False,
):
    """``max_pool2d`` returning ``(output, indices)``."""
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(
    input: Tensor,
    kernel_size: _Size,
    stride: _Size | None = None,
    padding: _Size = 0,
    dilation: _Size = 1,
    ceil_mode: bool = False,
):
    """``max_pool3d`` returning ``(output, indices)``."""
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


# --- average pooling -----------------------------------------------------------------


class AvgPool(Op):
    """Window means (a linear map); backward is its adjoint."""

    torch_name = "AvgPoolBackward0"

    def forward(self, x, geom, divisor, lead):
        self.geom, self.divisor, self.lead = geom, divisor, lead
        return K.avg_pool_forward(x._data, geom, divisor)

    def backward(self, g):
        return AvgPoolAdjoint.apply(g, geom=self.geom, divisor=self.divisor, lead=self.lead)


class AvgPoolAdjoint(Op):
    """Average pooling's backward: spread each window's gradient over it; backward: AvgPool."""

    torch_name = "AvgPoolBackwardBackward0"

    def forward(self, g, geom, divisor, lead):
        self.geom, self.divisor, self.lead = geom, divisor, lead
        return K.avg_pool_adjoint(g._data, geom, divisor, lead)

    def backward(self, gg):
        return AvgPool.apply(gg, geom=self.geom, divisor=self.divisor, lead=self.lead)


def _avg_pool(input, k, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, op):
    if divisor_override is not None and not is_int(divisor_override):
        raise TypeError(f"{op}(): argument 'divisor_override' must be int, not {type(divisor_override).__name__}")
    if k == 2 and isinstance(input, Tensor) and input.ndim < 3:  # PyTorch looks up dim -3 first
        raise IndexError(f"{op}: Dimension out of range (expected a 3D or 4D input, got a {input.ndim}-d tensor)")
    geom = _geometry(input, k, kernel_size, stride, padding, 1, ceil_mode, op)
    if k == 3 and any(n < kk for n, kk in zip(geom.spatial, geom.kernel)):
        raise RuntimeError(
            f"{op}: input image (T: {geom.spatial[0]} H: {geom.spatial[1]} W: {geom.spatial[2]}) smaller than "
            f"kernel size (kT: {geom.kernel[0]} kH: {geom.kernel[1]} kW: {geom.kernel[2]})"
        )
    if input._data.dtype != np.int64:
        _require_dtype(input, "f", "avg_pool3d_out_frame" if k == 3 else "avg_pool2d", op)
    count_include_pad = _flag(count_include_pad, "count_include_pad", op)
    if divisor_override is not None and int(divisor_override) == 0:
        raise RuntimeError(f"{op}: divisor must be not zero, got divisor_override={divisor_override}")
    divisor = K.avg_divisor(geom, bool(count_include_pad), divisor_override, input._data.dtype)
    return _AVGPOOL_OPS[k].apply(input, geom=geom, divisor=divisor, lead=_lead(input, k))


_AVGPOOL_OPS = {
    k: type(f"AvgPool{k}d", (AvgPool,), {"__slots__": (), "torch_name": f"AvgPool{k}DBackward0"}) for k in (1, 2, 3)
}


def avg_pool1d(
    input: Tensor,
    kernel_size: _Size,
    stride: _Size | None = None,
    padding: _Size = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """1D average pooling of a (N, C, L) or (C, L) input."""
    return _avg_pool(input, 1, kernel_size, stride, padding, ceil_mode, count_include_pad, None, "avg_pool1d")


def avg_pool2d(
    input: Tensor,
    kernel_size: _Size,
    stride: _Size | None = None,
    padding: _Size = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """2D average pooling of a (N, C, H, W) or (C, H, W) input."""
    return _avg_pool(
        input, 2, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, "avg_pool2d"
    )


def avg_pool3d(
    input: Tensor,
    kernel_size: _Size,
    stride: _Size | None = None,
    padding: _Size = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """3D average pooling of a (N, C, D, H, W) or (C, D, H, W) input."""
    return _avg_pool(
        input, 3, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, "avg_pool3d"
    )


# --- power-average (LP) pooling --------------------------------------------------------


def _lp_pool(input, k, norm_type, kernel_size, stride, ceil_mode, op):
    if k == 2 and isinstance(input, Tensor) and input.ndim < 3:  # as avg_pool2d, which PyTorch calls
        raise IndexError(f"{op}: Dimension out of range (expected a 3D or 4D input, got a {input.ndim}-d tensor)")
    _check_input(input, k, op)
    kernel = _ntuple(kernel_size, k, "kernel_size", op)
    p = float(norm_type)
    if p == math.inf:
        return _max_pool(input.abs(), k, kernel_size, stride, 0, 1, ceil_mode, False, op)
    if p == -math.inf:
        return -_max_pool(-input.abs(), k, kernel_size, stride, 0, 1, ceil_mode, False, op)
    out = _avg_pool(input.pow(norm_type), k, kernel_size, stride, 0, ceil_mode, True, None, op)
    return (out.sign() * out.abs().relu()).mul(math.prod(kernel)).pow(1.0 / norm_type)


def lp_pool1d(
    input: Tensor, norm_type: float, kernel_size: _Size, stride: _Size | None = None, ceil_mode: bool = False
) -> Tensor:
    """1D power-average pooling: ``(sum over window of x**p) ** (1/p)`` (PyTorch's definition)."""
    return _lp_pool(input, 1, norm_type, kernel_size, stride, ceil_mode, "lp_pool1d")


def lp_pool2d(
    input: Tensor, norm_type: float, kernel_size: _Size, stride: _Size | None = None, ceil_mode: bool = False
) -> Tensor:
    """2D power-average pooling; ``norm_type=2`` is square-root (L2) pooling."""
    return _lp_pool(input, 2, norm_type, kernel_size, stride, ceil_mode, "lp_pool2d")


def lp_pool3d(
    input: Tensor, norm_type: float, kernel_size: _Size, stride: _Size | None = None, ceil_mode: bool = False
) -> Tensor:
    """3D power-average pooling (PyTorch's definition)."""
    return _lp_pool(input, 3, norm_type, kernel_size, stride, ceil_mode, "lp_pool3d")


# adaptive pooling and max unpooling live in their own module (they use the checks above)
from .pool_adaptive import (  # noqa: E402
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_avg_pool3d,
    adaptive_max_pool1d,
    adaptive_max_pool1d_with_indices,
    adaptive_max_pool2d,
    adaptive_max_pool2d_with_indices,
    adaptive_max_pool3d,
    max_unpool1d,
    max_unpool2d,
    max_unpool3d,
)
