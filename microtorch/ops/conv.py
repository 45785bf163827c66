"""Convolution ops: ``conv1d/2d/3d`` and ``conv_transpose1d/2d/3d`` with PyTorch's arguments.

Three ops close under differentiation: the input gradient of a convolution is a
transposed convolution, its weight gradient is ``ConvWeight``, and the gradients of
those two are again convolutions, so double backward works.
"""

from __future__ import annotations

import numpy as np

from .._foreign import foreign_tensor_error
from .._tensor import Tensor
from ..autograd import engine as _engine
from ..autograd.function import Op
from ..autograd.grad_mode import _state
from ..kernels import conv as K
from ..kernels.windows import CheckedCache, is_int, plain_ints, scalar_name, window_arg
from ._index_common import _CPP_NAMES

__all__ = [
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
]


class ConvNd(Op):
    """Cross-correlation of (N, C_in, *s) with (C_out, C_in/groups, *k), plus an optional bias."""

    torch_name = "ConvolutionBackward0"

    def forward(self, x, w, b=None, *, stride, pads, dilation, groups, out_shape=None):
        self.opts = (stride, pads, dilation, groups)
        self.shapes = (x._data.shape[2:], w._data.shape[2:])
        self.save_for_backward(x, w)
        return K.conv_nd(x._data, w._data, stride, pads, dilation, groups, out_shape, None if b is None else b._data)

    def backward(self, g):
        x, w = self.saved_tensors
        stride, pads, dilation, groups = self.opts
        if not _state.enabled and _engine._instrument is None:
            return self._array_backward(g._data, x._data, w._data)
        gx = gw = None
        if self.needs_input_grad[0]:
            gx = ConvTransposeNd.apply(
                g, w, stride=stride, pads=pads, dilation=dilation, groups=groups, out_spatial=self.shapes[0]
            )
        if self.needs_input_grad[1]:
            gw = ConvWeight.apply(
                x, g, kernel=self.shapes[1], stride=stride, pads=pads, dilation=dilation, groups=groups
            )
        return _with_bias_grad(self, g, gx, gw)

    def _array_backward(self, g, x, w) -> tuple:
        """The backward on the arrays, when nothing is recorded: the same kernels, no nodes."""
        stride, pads, dilation, groups = self.opts
        need = self.needs_input_grad
        gx = gw = None
        if need[0]:
            gx = Tensor._make(K.conv_transpose_nd(g, w, stride, pads, dilation, groups, tuple(self.shapes[0])))
        if need[1]:
            gw = Tensor._make(K.conv_weight_nd(x, g, self.shapes[1], stride, pads, dilation, groups))
        if len(self.next_edges) == 2:
            return gx, gw
        gb = Tensor._make(np.asarray(g.sum(axis=(0,) + tuple(range(2, g.ndim))))) if need[2] else None
        return gx, gw, gb


class ConvTransposeNd(Op):
    """Adjoint of ``ConvNd`` in its input: (N, C_out, *o) -> (N, C_in, *out_spatial)."""

    torch_name = "ConvolutionBackward0"

    def forward(self, g, w, b=None, *, stride, pads, dilation, groups, out_spatial):
        self.opts = (stride, pads, dilation, groups)
        self.shapes = (g._data.shape[2:], w._data.shape[2:])
        self.save_for_backward(g, w)
        bias = None if b is None else b._data
        if bias is not None and bias.dtype != g._data.dtype:  # PyTorch adds any castable bias in place
            self.bias_dtype = b.dtype
            bias = bias.astype(g._data.dtype)
        return K.conv_transpose_nd(g._data, w._data, stride, pads, dilation, groups, tuple(out_spatial), bias)

    def backward(self, gy):
        g, w = self.saved_tensors
        stride, pads, dilation, groups = self.opts
        gg = gw = None
        if self.needs_input_grad[0]:
            gg = ConvNd.apply(
                gy, w, stride=stride, pads=pads, dilation=dilation, groups=groups, out_shape=self.shapes[0]
            )
        if self.needs_input_grad[1]:
            gw = ConvWeight.apply(
                gy, g, kernel=self.shapes[1], stride=stride, pads=pads, dilation=dilation, groups=groups
            )
        return _with_bias_grad(self, gy, gg, gw)


def _with_bias_grad(node, g, ga, gb):
    """The gradient tuple, with the bias gradient (sum over batch and positions) when there is a bias."""
    if len(node.next_edges) == 2:
        return ga, gb
    if not node.needs_input_grad[2]:
        return ga, gb, None
    gbias = g.sum(dim=(0,) + tuple(range(2, g.ndim)))
    dtype = getattr(node, "bias_dtype", None)
    return ga, gb, (gbias if dtype is None else gbias.to(dtype))


class ConvWeight(Op):
    """Weight gradient of ``ConvNd``: bilinear in the input ``x`` and output gradient ``g``."""

    torch_name = "ConvolutionBackwardBackward0"

    def forward(self, x, g, kernel, stride, pads, dilation, groups):
        self.opts = (stride, pads, dilation, groups)
        self.shapes = (x._data.shape[2:], g._data.shape[2:])
        self.save_for_backward(x, g)
        return K.conv_weight_nd(x._data, g._data, kernel, stride, pads, dilation, groups)

    def backward(self, gw):
        x, g = self.saved_tensors
        stride, pads, dilation, groups = self.opts
        gx = gg = None
        if self.needs_input_grad[0]:
            gx = ConvTransposeNd.apply(
                g, gw, stride=stride, pads=pads, dilation=dilation, groups=groups, out_spatial=self.shapes[0]
            )
        if self.needs_input_grad[1]:
            gg = ConvNd.apply(
                x, gw, stride=stride, pads=pads, dilation=dilation, groups=groups, out_shape=self.shapes[1]
            )
        return gx, gg


# --- argument checks ------------------------------------------------------------------


def _tuple(value, k: int, name: str, op: str) -> tuple:
    """An int or a sequence of length 1 or ``k`` as a ``k``-tuple of ints."""
    vals = window_arg(value, name, op)
    if len(vals) == 1:
        return vals * k
    if len(vals) != k:
        raise RuntimeError(f"{op}: expected {name} to be a single integer value or a list of {k} values, got {value!r}")
    return vals


def _name(t: Tensor, names: dict | None = None) -> str:
    """torch's name of ``t``'s dtype in messages: its C++ type from ``names``, else its ScalarType."""
    if names is None:
        return scalar_name(t._data.dtype)
    return names.get(t._data.dtype.name, t._data.dtype.name)


def _unsupported_kernel(dtype: np.dtype, k: int, transposed: bool) -> str | None:
    """The CPU kernel PyTorch names when it has no implementation for ``dtype``, else None."""
    if transposed:
        if dtype.kind == "f" or dtype == np.int64:
            return None
        return "slow_conv_transpose3d_out_cpu" if k == 3 else "slow_conv_transpose2d_out_cpu"
    if dtype.kind != "b":
        return None
    return "compute_columns3d" if k == 3 else "slow_conv2d_cpu"


def _check_dtypes(op, input, weight, bias, k, transposed) -> None:
    """PyTorch's CPU dtype rules: floats and (transposed: only int64) integers, all three alike."""
    dt = input._data.dtype
    if (
        dt.kind == "f"
        and weight._data.dtype == dt
        and (bias is None or (isinstance(bias, Tensor) and bias._data.dtype == dt))
    ):
        return  # the common case, decided in one test
    if bias is not None and not isinstance(bias, Tensor):
        raise TypeError(f"{op}(): argument 'bias' must be Tensor, not {type(bias).__name__}")
    # transposed 1-D / 2-D convolutions add the bias in place (any dtype castable to the output)
    loose_bias = transposed and k < 3
    if bias is not None and bias._data.dtype != dt and not transposed:
        raise RuntimeError(
            f"{op}: Input type ({_name(input, _CPP_NAMES)}) and bias type ({_name(bias, _CPP_NAMES)}) should be the same"
        )
    kernel = _unsupported_kernel(dt, k, transposed)
    if kernel is not None:
        raise NotImplementedError(f"{op}: \"{kernel}\" not implemented for '{_name(input)}'")
    for other in (weight,) if loose_bias or not transposed else (weight, bias):
        if other is not None and other._data.dtype != dt:
            raise RuntimeError(f"{op}: expected scalar type {_name(input)} but found {_name(other)}")
    if loose_bias and bias is not None and dt.kind != "f" and bias._data.dtype.kind == "f":
        raise RuntimeError(f"{op}: result type {_name(bias)} can't be cast to the desired output type {_name(input)}")


def _groups(groups, op: str) -> int:
    if not is_int(groups):
        raise TypeError(f"{op}(): argument 'groups' must be int, not {type(groups).__name__}")
    return int(groups)


def _common_checks(op, input, weight, bias, k, stride, dilation, groups, transposed):
    """Checks shared by convolution and transposed convolution; returns (x, unbatched)."""
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        raise foreign_tensor_error(op, input, weight) or TypeError(
            f"{op}(): input and weight must be Tensors, got {type(input).__name__}, {type(weight).__name__}"
        )
    if weight.ndim != k + 2:
        layout = "(in, out/groups, *kernel)" if transposed else "(out, in/groups, *kernel)"
        raise RuntimeError(f"{op}: expected weight of {k + 2} dims {layout}, got shape {tuple(weight.shape)}")
    if input.ndim not in (k + 1, k + 2):
        raise RuntimeError(
            f"Expected {k + 1}D (unbatched) or {k + 2}D (batched) input to {op}, "
            f"but got input of size: {list(input.shape)}"
        )
    _check_dtypes(op, input, weight, bias, k, transposed)
    if groups <= 0:
        raise RuntimeError(f"{op}: non-positive groups is not supported, got groups={groups}")
    if any(s <= 0 for s in stride):
        raise RuntimeError(f"{op}: non-positive stride is not supported, got stride={stride}")
    if any(d <= 0 for d in dilation):
        raise RuntimeError(f"{op}: dilation should be greater than zero, got dilation={dilation}")
    unbatched = input.ndim == k + 1
    return (input.unsqueeze(0) if unbatched else input), unbatched


def _check_bias(op, bias, channels, weight):
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != channels):
        raise RuntimeError(
            f"{op}: Given weight of size {list(weight.shape)}, expected bias to be 1-dimensional with "
            f"{channels} elements, but got bias of size {list(bias.shape)} instead"
        )


def _check_kernel(op: str, weight: Tensor, transposed: bool) -> None:
    """PyTorch's CPU kernels reject empty kernels (and transposed ones any empty weight)."""
    if 0 not in weight._data.shape:
        return
    shape = list(weight.shape)
    kernel = shape[2:]
    if transposed and len(kernel) == 3 and 0 in shape:
        raise RuntimeError(
            f"{op}: non-empty 5D (n_output_plane x n_input_plane x kernel_depth x kernel_height x kernel_width) "
            f"tensor expected for weight, but got: {shape}"
        )
    if 0 in kernel:
        if len(kernel) == 3:
            raise RuntimeError(
                f"{op}: kernel size should be greater than zero, but got: {' x '.join(map(str, kernel))} (TxHxW)"
            )
        kh, kw = ([1] + kernel)[-2:]
        raise RuntimeError(
            f"{op}: kernel size should be greater than zero, but got kernel_height: {kh} kernel_width: {kw}"
        )
    if transposed and 0 in shape:
        raise RuntimeError(f"{op}: non-empty 2D or 4D weight tensor expected, but got: {shape}")


def _check_out_channels(op: str, weight: Tensor, groups: int) -> None:
    if weight.shape[0] == 0:
        raise RuntimeError(
            f"{op}: Given groups={groups}, expected weight to be at least 1 at dimension 0, "
            f"but got weight of size {list(weight.shape)} instead"
        )


_PLANS = CheckedCache()  # checked (stride, pads, dilation, groups, unbatched) per call signature


def _plan_key(op: str, input, weight, bias, stride, padding, dilation, groups):
    """What ``_conv``'s checks depend on, or None when an argument is not a plain int/tuple/str."""
    if not (isinstance(input, Tensor) and isinstance(weight, Tensor) and (bias is None or isinstance(bias, Tensor))):
        return None
    if not (
        type(groups) is int
        and plain_ints(stride)
        and plain_ints(dilation)
        and (type(padding) is str or plain_ints(padding))
    ):
        return None
    x, w = input._data, weight._data
    b = None if bias is None else (bias._data.shape, bias._data.dtype)
    return (op, x.shape, x.dtype, w.shape, w.dtype, b, stride, padding, dilation, groups)


def _conv(op: str, k: int, input, weight, bias, stride, padding, dilation, groups) -> Tensor:
    # the checks depend only on shapes, dtypes and the arguments: a signature that passed
    # once is looked up (a training loop repeats one signature per layer every step)
    key = _plan_key(op, input, weight, bias, stride, padding, dilation, groups)
    plan = _PLANS.get(key)
    if plan is None:
        plan = _conv_plan(op, k, input, weight, bias, stride, padding, dilation, groups)
        _PLANS.put(key, plan)
    stride, pads, dilation, groups, unbatched = plan
    x = input.unsqueeze(0) if unbatched else input
    ins = (x, weight) if bias is None else (x, weight, bias)
    out = ConvNd.apply(*ins, stride=stride, pads=pads, dilation=dilation, groups=groups)
    return out.squeeze(0) if unbatched else out


def _conv_plan(op: str, k: int, input, weight, bias, stride, padding, dilation, groups) -> tuple:
    """Checked arguments of ``_conv`` (PyTorch's errors): (stride, pads, dilation, groups, unbatched)."""
    stride = _tuple(stride, k, "stride", op)
    dilation = _tuple(dilation, k, "dilation", op)
    groups = _groups(groups, op)
    x, unbatched = _common_checks(op, input, weight, bias, k, stride, dilation, groups, False)
    kernel = tuple(weight.shape[2:])
    if isinstance(padding, str):
        if padding == "valid":
            pads = [(0, 0)] * k
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError(f"{op}: padding='same' is not supported for strided convolutions (stride={stride})")
            pads = []
            for kk, d in zip(kernel, dilation):
                total = d * (kk - 1)
                pads.append((total // 2, total - total // 2))  # PyTorch puts the odd one on the right
        else:
            raise RuntimeError(f"{op}: Invalid padding string: {padding!r}, should be one of {{'valid', 'same'}}")
    else:
        p = _tuple(padding, k, "padding", op)
        if any(v < 0 for v in p):
            raise RuntimeError(f"{op}: negative padding is not supported, got padding={p}")
        pads = [(v, v) for v in p]
    cout, cg = weight.shape[0], weight.shape[1]
    cin = x.shape[1]
    _check_out_channels(op, weight, groups)
    if cout % groups:
        raise RuntimeError(
            f"{op}: Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
            f"but got weight of size {list(weight.shape)} instead"
        )
    if cg * groups != cin:
        raise RuntimeError(
            f"{op}: Given groups={groups}, weight of size {list(weight.shape)}, expected input{list(x.shape)} "
            f"to have {cg * groups} channels, but got {cin} channels instead"
        )
    _check_bias(op, bias, cout, weight)
    padded = tuple(s + b + a for s, (b, a) in zip(x.shape[2:], pads))
    spans = tuple(d * (kk - 1) + 1 for kk, d in zip(kernel, dilation))
    if any(s < sp for s, sp in zip(padded, spans)):
        raise RuntimeError(
            f"{op}: Calculated padded input size per channel: ({' x '.join(map(str, padded))}). "
            f"Kernel size: ({' x '.join(map(str, spans))}). Kernel size can't be greater than actual input size"
        )
    _check_kernel(op, weight, False)
    _check_empty_spatial(op, x)
    return stride, pads, dilation, groups, unbatched


def _check_empty_spatial(op: str, x: Tensor) -> None:
    """PyTorch computes on an empty input only when its batch or channels are empty."""
    n, c = x.shape[:2]
    if n and c and 0 in x.shape[2:]:
        shape = list(x.shape) if x.ndim > 3 else [n, c, 1, x.shape[2]]  # conv1d runs as conv2d
        raise RuntimeError(f"{op}: Only zero batch or zero channel inputs are supported, but got input shape: {shape}")


def _conv_transpose(op, k, input, weight, bias, stride, padding, output_padding, groups, dilation) -> Tensor:
    stride = _tuple(stride, k, "stride", op)
    dilation = _tuple(dilation, k, "dilation", op)
    if isinstance(padding, str):
        raise TypeError(f"{op}(): argument 'padding' must be an int or a tuple of ints, not str ({padding!r})")
    groups = _groups(groups, op)
    x, unbatched = _common_checks(op, input, weight, bias, k, stride, dilation, groups, True)
    p = _tuple(padding, k, "padding", op)
    op_ = _tuple(output_padding, k, "output_padding", op)
    if any(v < 0 for v in p):
        raise RuntimeError(f"{op}: negative padding is not supported, got padding={p}")
    if any(v < 0 or (v >= s and v >= d) for v, s, d in zip(op_, stride, dilation)):
        raise RuntimeError(
            f"{op}: output padding must be smaller than either stride or dilation, but got "
            f"output_padding={op_}, stride={stride}, dilation={dilation}"
        )
    if 0 in x.shape[2:]:
        raise RuntimeError(
            f"{op}: Only zero batch or zero channel inputs are supported, but got input shape: {list(x.shape)}"
        )
    cin_w, cg = weight.shape[0], weight.shape[1]
    _check_out_channels(op, weight, groups)
    if x.shape[1] != cin_w:
        raise RuntimeError(
            f"{op}: Given transposed=1, weight of size {list(weight.shape)}, expected input{list(x.shape)} "
            f"to have {cin_w} channels, but got {x.shape[1]} channels instead"
        )
    if cin_w % groups:
        raise RuntimeError(
            f"{op}: Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
            f"but got weight of size {list(weight.shape)} instead"
        )
    cout = cg * groups
    _check_bias(op, bias, cout, weight)
    kernel = tuple(weight.shape[2:])
    out_spatial = tuple(
        (i - 1) * s - 2 * pp + d * (kk - 1) + o + 1
        for i, s, pp, d, kk, o in zip(x.shape[2:], stride, p, dilation, kernel, op_)
    )
    if any(o <= 0 for o in out_spatial):
        raise RuntimeError(
            f"{op}: Given input size per channel: {list(x.shape[2:])}, calculated output size "
            f"{list(out_spatial)} is too small (padding={p}, kernel={kernel}, stride={stride})"
        )
    _check_kernel(op, weight, True)
    pads = [(v, v) for v in p]
    ins = (x, weight) if bias is None else (x, weight, bias)
    out = ConvTransposeNd.apply(
        *ins, stride=stride, pads=pads, dilation=dilation, groups=groups, out_spatial=out_spatial
    )
    return out.squeeze(0) if unbatched else out


# --- public functions -----------------------------------------------------------------


def conv1d(
    input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1, groups: int = 1
) -> Tensor:
    """1-D cross-correlation of (N, C_in, L) with (C_out, C_in/groups, k), plus optional bias."""
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(
    input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1, groups: int = 1
) -> Tensor:
    """2-D cross-correlation of (N, C_in, H, W) with (C_out, C_in/groups, kH, kW), plus optional bias."""
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(
    input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1, groups: int = 1
) -> Tensor:
    """3-D cross-correlation of (N, C_in, D, H, W) with (C_out, C_in/groups, kD, kH, kW), plus optional bias."""
    return _conv("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride=1,
    padding=0,
    output_padding=0,
    groups: int = 1,
    dilation=1,
) -> Tensor:
    """1-D transposed convolution (adjoint of conv1d) with weight (C_in, C_out/groups, k)."""
    return _conv_transpose(
        "conv_transpose1d", 1, input, weight, bias, stride, padding, output_padding, groups, dilation
    )


def conv_transpose2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride=1,
    padding=0,
    output_padding=0,
    groups: int = 1,
    dilation=1,
) -> Tensor:
    """2-D transposed convolution (adjoint of conv2d) with weight (C_in, C_out/groups, kH, kW)."""
    return _conv_transpose(
        "conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding, groups, dilation
    )


def conv_transpose3d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride=1,
    padding=0,
    output_padding=0,
    groups: int = 1,
    dilation=1,
) -> Tensor:
    """3-D transposed convolution (adjoint of conv3d) with weight (C_in, C_out/groups, kD, kH, kW)."""
    return _conv_transpose(
        "conv_transpose3d", 3, input, weight, bias, stride, padding, output_padding, groups, dilation
    )
