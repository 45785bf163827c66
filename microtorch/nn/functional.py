"""``torch.nn.functional``: the stateless functions layers are built from.

Each op family lives in its own module under ``microtorch.ops``; this module only
gathers them under PyTorch's names.
"""

from __future__ import annotations

from .._tensor import Tensor
from ..ops import dropout as _dropout_ops
from ..ops import pool as _pool_ops
from ..ops import softmax as _softmax_ops
from ..ops.conv import conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d
from ..ops.dropout import dropout, dropout1d, dropout2d, dropout3d  # noqa: F401
from ..ops.elementwise import (
    celu,
    elu,
    gelu,
    glu,
    hardshrink,
    hardsigmoid,
    hardswish,
    logsigmoid,
    mish,
    prelu,
    selu,
    sigmoid,
    silu,
    softplus,
    softshrink,
    softsign,
    tanh,
    tanhshrink,
)
from ..ops.elementwise import hardtanh as _hardtanh
from ..ops.elementwise import leaky_relu as _leaky_relu
from ..ops.elementwise import relu as _relu
from ..ops.elementwise import threshold as _threshold
from ..ops.interpolate import interpolate
from ..ops.linalg import linear
from ..ops.padding import pad
from ..ops.pool import (  # noqa: F401
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_avg_pool3d,
    adaptive_max_pool1d,
    adaptive_max_pool1d_with_indices,
    adaptive_max_pool2d,
    adaptive_max_pool2d_with_indices,
    adaptive_max_pool3d,
    avg_pool1d,
    avg_pool2d,
    avg_pool3d,
    lp_pool1d,
    lp_pool2d,
    lp_pool3d,
    max_pool1d,
    max_pool1d_with_indices,
    max_pool2d,
    max_pool2d_with_indices,
    max_pool3d,
    max_pool3d_with_indices,
    max_unpool1d,
    max_unpool2d,
    max_unpool3d,
)
from ..ops.reduction import _softmax_dim
from ..ops.shape import pixel_shuffle, pixel_unshuffle
from ..ops.unfold import fold, unfold

__all__ = [
    "relu",
    "leaky_relu",
    "sigmoid",
    "tanh",
    "elu",
    "gelu",
    "silu",
    "softplus",
    "hardtanh",
    "relu6",
    "softmax",
    "log_softmax",
    "linear",
]
__all__ += _pool_ops.__all__ + _dropout_ops.__all__ + ["interpolate"]
__all__ += [
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "pad",
    "fold",
    "unfold",
    "pixel_shuffle",
    "pixel_unshuffle",
    "upsample",
    "upsample_nearest",
    "upsample_bilinear",
    "celu",
    "glu",
    "hardshrink",
    "hardsigmoid",
    "hardswish",
    "logsigmoid",
    "mish",
    "prelu",
    "selu",
    "softshrink",
    "softsign",
    "tanhshrink",
    "threshold",
    "threshold_",
    "hardtanh_",
    "softmin",
]


def relu(input, inplace: bool = False):
    """Elementwise max(x, 0)."""
    return input.relu_() if inplace else _relu(input)


def leaky_relu(input, negative_slope: float = 0.01, inplace: bool = False):
    """``x`` where positive, ``negative_slope * x`` elsewhere."""
    return input.leaky_relu_(negative_slope) if inplace else _leaky_relu(input, negative_slope)


from ..ops.indexing import one_hot  # noqa: E402
from ..ops.loss import (  # noqa: E402
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    kl_div,
    l1_loss,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)
from ..ops.normalization import batch_norm, group_norm, instance_norm, layer_norm  # noqa: E402

__all__ += [
    "one_hot",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "mse_loss",
    "nll_loss",
    "smooth_l1_loss",
    "batch_norm",
    "layer_norm",
    "group_norm",
    "instance_norm",
]


def upsample(
    input: Tensor, size=None, scale_factor=None, mode: str = "nearest", align_corners: bool | None = None
) -> Tensor:
    """Deprecated alias of ``interpolate`` (warns, as PyTorch does)."""
    import warnings

    warnings.warn("nn.functional.upsample is deprecated. Use nn.functional.interpolate instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: ``interpolate(..., mode='nearest')`` (warns, as PyTorch does)."""
    import warnings

    warnings.warn("nn.functional.upsample_nearest is deprecated. Use nn.functional.interpolate instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: ``interpolate(..., mode='bilinear', align_corners=True)`` (warns, as PyTorch does)."""
    import warnings

    warnings.warn("nn.functional.upsample_bilinear is deprecated. Use nn.functional.interpolate instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


from .._tensor_methods import _inplace  # noqa: E402

_hardtanh_inplace = _inplace("hardtanh_", _hardtanh)
_threshold_inplace = _inplace("threshold_", _threshold)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """Clamp to ``[min_val, max_val]``; the gradient is 0 at and beyond the limits."""
    return _hardtanh_inplace(input, min_val, max_val) if inplace else _hardtanh(input, min_val, max_val)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """In-place ``hardtanh``."""
    return _hardtanh_inplace(input, min_val, max_val)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """Clamp to ``[0, 6]``; the gradient is 0 at 0 and 6."""
    return hardtanh(input, 0.0, 6.0, inplace)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """``input`` where ``input > threshold``, ``value`` elsewhere."""
    return _threshold_inplace(input, threshold, value) if inplace else _threshold(input, threshold, value)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """In-place ``threshold``."""
    return _threshold_inplace(input, threshold, value)


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim``; without ``dim``, warns ``_stacklevel`` frames up, as torch."""
    if dim is None:
        dim = _softmax_dim(input, None, "softmax", _stacklevel)
    return _softmax_ops.softmax(input, dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """``x - logsumexp(x)`` along ``dim``; without ``dim``, warns ``_stacklevel`` frames up, as torch."""
    if dim is None:
        dim = _softmax_dim(input, None, "log_softmax", _stacklevel)
    return _softmax_ops.log_softmax(input, dim, dtype=dtype)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """``softmax(-input, dim)``; without ``dim``, warns ``_stacklevel`` frames up, as torch."""
    if dim is None:
        dim = _softmax_dim(input, None, "softmin", _stacklevel)
    return _softmax_ops.softmax(-input, dim, dtype=dtype)


from ..ops import attention as _attention  # noqa: E402
from ..ops.attention import _canonical_mask, _none_or_dtype, multi_head_attention_forward, scaled_dot_product_attention  # noqa: E402, F401

__all__ += _attention.__all__
from ..ops.distance import bilinear, cosine_similarity, normalize, pairwise_distance, pdist  # noqa: E402

__all__ += ["bilinear", "cosine_similarity", "normalize", "pairwise_distance", "pdist"]

# the losses issue's families (margin, likelihood, ...)
from ..ops import loss_margin as _loss_margin  # noqa: E402
from ..ops import loss_nll_family as _loss_nll_family  # noqa: E402
from ..ops import pool_fractional as _pool_fractional  # noqa: E402
from ..ops.dropout_alpha import alpha_dropout, feature_alpha_dropout, rrelu, rrelu_  # noqa: E402
from ..ops.grid_sample import affine_grid, grid_sample  # noqa: E402
from ..ops.loss_ctc import ctc_loss  # noqa: E402
from ..ops.loss_linear_ce import linear_cross_entropy  # noqa: E402
from ..ops.loss_margin import *  # noqa: E402, F403
from ..ops.loss_nll_family import *  # noqa: E402, F403
from ..ops.norm_more import channel_shuffle, local_response_norm, rms_norm  # noqa: E402
from ..ops.pool_fractional import *  # noqa: E402, F403

__all__ += _loss_margin.__all__ + _loss_nll_family.__all__ + ["channel_shuffle", "local_response_norm", "rms_norm"]
__all__ += ["alpha_dropout", "feature_alpha_dropout", "rrelu", "rrelu_", "linear_cross_entropy"]
__all__ += _pool_fractional.__all__ + ["affine_grid", "grid_sample", "ctc_loss"]
# end of the losses issue's families

from ..ops.embedding import embedding, embedding_bag  # noqa: E402

__all__ += ["embedding", "embedding_bag"]
