"""microtorch: an autograd tensor framework in pure Python on numpy that speaks PyTorch.

Write ``import microtorch as torch`` and use the PyTorch API subset documented in
``docs/api.md``.
"""

from __future__ import annotations

import builtins

__version__ = "0.1.0"

from . import _dtype
from ._device import device, get_default_device, set_default_device
from ._dtype import (
    bfloat16,
    bool_ as bool,  # noqa: A004
    channels_last,
    channels_last_3d,
    contiguous_format,
    double,
    dtype,
    float,  # noqa: A004
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    int,  # noqa: A004
    int8,
    int16,
    int32,
    int64,
    layout,
    long,
    memory_format,
    preserve_format,
    promote_types,
    set_default_dtype,
    short,
    strided,
    uint8,
)
from ._tensor import Size, Tensor
from . import _tensor_methods  # noqa: F401  (binds the ops to Tensor)
from ._creation import (
    arange,
    as_tensor,
    bernoulli,
    empty,
    empty_like,
    empty_permuted,
    empty_strided,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    logspace,
    multinomial,
    normal,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    scalar_tensor,
    tensor,
    tril,
    tril_indices,
    triu,
    triu_indices,
    zero_,
    zeros,
    zeros_like,
)
from ._printing import set_printoptions
from .autograd import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .ops.elementwise import (
    abs,  # noqa: A004
    add,
    ceil,
    clamp,
    clamp_max,
    clamp_min,
    cos,
    div,
    elu,
    eq,
    erf,
    exp,
    expm1,
    floor,
    floor_divide,
    fmod,
    ge,
    gt,
    isclose,
    isfinite,
    isinf,
    isnan,
    le,
    lerp,
    log,
    log1p,
    log2,
    log10,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    lt,
    maximum,
    minimum,
    mul,
    ne,
    neg,
    pow,  # noqa: A004
    reciprocal,
    relu,
    remainder,
    round,  # noqa: A004
    rsqrt,
    sigmoid,
    sign,
    sin,
    sqrt,
    square,
    sub,
    tan,
    tanh,
    true_divide,
    trunc,
    where,
)
from .ops import indexing as _indexing
from .ops.indexing import (
    argwhere,
    diag,
    index_add,
    index_copy,
    index_fill,
    index_put,
    index_reduce,
    masked_scatter,
    masked_select,
    meshgrid,
    put,
    roll,
    scatter,
    scatter_add,
    scatter_reduce,
    take,
    take_along_dim,
    tile,
    unique,
)
from .ops.linalg import einsum
from .ops._out_linalg import bmm, dot, matmul, mm, mv, outer  # with out=
from .ops.reduction import (
    all,  # noqa: A004
    amax,
    amin,
    any,  # noqa: A004
    argmax,
    argmin,
    argsort,
    count_nonzero,
    cumsum,
    logsumexp,
    max,  # noqa: A004
    mean,
    min,  # noqa: A004
    nonzero,
    norm,
    prod,
    sort,
    std,
    std_mean,
    sum,  # noqa: A004
    topk,
    var,
    var_mean,
)
from .ops.reduction import log_softmax, softmax
from .ops.dropout import torch_dropout as dropout, torch_dropout_ as dropout_
from .ops.native import angle, native_batch_norm, native_group_norm, native_layer_norm, nonzero_static, rsub
from . import _methods_native  # noqa: F401  (Tensor.angle, Tensor.nonzero_static)
from .ops.conv import conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d
from .ops.pool import adaptive_avg_pool1d, adaptive_max_pool1d, avg_pool1d, max_pool1d, max_pool2d, max_pool3d
from .ops.shape import (
    broadcast_to,
    cat,
    chunk,
    clone,
    flatten,
    flip,
    movedim,
    narrow,
    permute,
    reshape,
    select,
    split,
    squeeze,
    stack,
    swapaxes,
    transpose,
    unbind,
    unflatten,
    unsqueeze,
)
from .random import Generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state

from . import autograd  # noqa: E402
from . import linalg  # noqa: E402
from .linalg.determinants import logdet  # noqa: E402
from .linalg.legacy import (  # noqa: E402
    cholesky,
    cholesky_inverse,
    cholesky_solve,
    cross,
    det,
    geqrf,
    inverse,
    lu,
    lu_solve,
    matrix_power,
    orgqr,
    ormqr,
    pinverse,
    qr,
    slogdet,
    svd,
    triangular_solve,
)
from .linalg.lu import lu_unpack  # noqa: E402
from .linalg.products import matrix_exp  # noqa: E402

concat = concatenate = cat
clip = clamp
fix = trunc
subtract = sub
multiply = mul
divide = div
negative = neg
greater = gt
less = lt
absolute = abs
leaky_relu = __import__("microtorch.ops.elementwise", fromlist=["leaky_relu"]).leaky_relu
is_tensor = lambda obj: isinstance(obj, Tensor)  # noqa: E731
is_floating_point = lambda input: input.is_floating_point()  # noqa: E731
numel = lambda input: input.numel()  # noqa: E731


def allclose(
    input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: builtins.bool = False
) -> builtins.bool:
    """Whether all elements satisfy ``|input - other| <= atol + rtol * |other|``."""
    from .ops.comparison import close_mask

    return builtins.bool(close_mask("allclose", input, other, rtol, atol, equal_nan).all())


def equal(input: Tensor, other: Tensor) -> builtins.bool:
    """Whether both tensors have the same shape and elements."""
    from .ops._promote import check_tensor

    check_tensor("equal", input)
    check_tensor("equal", other, "other", 2)
    return input.equal(other)


def gather(
    input: Tensor, dim: builtins.int, index: Tensor, *, sparse_grad: builtins.bool = False, out: Tensor | None = None
) -> Tensor:
    """Values of ``input`` along ``dim`` at ``index``."""
    return _indexing.gather(input, dim, index, sparse_grad=sparse_grad, out=out)


def index_select(input: Tensor, dim: builtins.int, index: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Entries of ``input`` along ``dim`` at the positions in ``index``."""
    return _indexing.index_select(input, dim, index, out=out)


def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:
    """``value`` where ``mask`` is True, ``input`` elsewhere."""
    return _indexing.masked_fill(input, mask, value)


def t(input: Tensor) -> Tensor:
    """Transpose of a matrix (vectors unchanged)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"t(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    return input.t()


def result_type(tensor, other):  # noqa: F811 - torch's parameter name shadows microtorch.tensor
    """PyTorch's promoted dtype of two operands."""
    return _dtype.result_type(tensor, other)


def get_num_threads() -> builtins.int:
    """Threads of numpy's BLAS (the largest count threadpoolctl reports for a loaded BLAS; 1 without one)."""
    from threadpoolctl import threadpool_info

    return builtins.max((i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"), default=1)


def set_num_threads(n: builtins.int) -> None:
    """Set the threads of numpy's BLAS (every BLAS loaded so far) through threadpoolctl, as torch's own."""
    if isinstance(n, builtins.bool) or not isinstance(n, builtins.int):
        raise RuntimeError(f"set_num_threads expects an int, but got {type(n).__name__}")
    if n <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=n, user_api="blas")


from ._cuda import backends, cuda  # noqa: E402
from . import accelerator  # noqa: E402

from . import nn  # noqa: E402
from ._save import load, save  # noqa: E402
from . import optim, utils  # noqa: E402
from . import signal  # noqa: E402
from . import profiler  # noqa: E402
from .autograd.anomaly_mode import is_anomaly_check_nan_enabled, is_anomaly_enabled  # noqa: E402
from . import models, testing  # noqa: E402
from ._torch_alias import install_as_torch  # noqa: E402

from .ops.special import (  # noqa: E402
    acos,
    acosh,
    asin,
    asinh,
    atan,
    atan2,
    atanh,
    bitwise_and,
    bitwise_left_shift,
    bitwise_not,
    bitwise_or,
    bitwise_right_shift,
    bitwise_xor,
    copysign,
    cosh,
    deg2rad,
    exp2,
    float_power,
    fmax,
    fmin,
    frac,
    gcd,
    heaviside,
    hypot,
    isneginf,
    isposinf,
    isreal,
    lcm,
    ldexp,
    logaddexp,
    logaddexp2,
    logit,
    nan_to_num,
    nextafter,
    positive,
    rad2deg,
    sgn,
    signbit,
    sinh,
    xlogy,
)
from .ops.special_functions import digamma, erfc, erfinv, i0, lgamma, mvlgamma, polygamma, sinc  # noqa: E402
from . import special  # noqa: E402
from .ops.statistics import *  # noqa: E402,F403
from .ops.scan import *  # noqa: E402,F403
from .ops.bucketing import *  # noqa: E402,F403
from .ops.igamma import igamma, igammac  # noqa: E402
from . import masked  # noqa: E402

arcsin, arccos, arctan, arctan2 = asin, acos, atan, atan2
arcsinh, arccosh, arctanh = asinh, acosh, atanh
from .ops.blas import addbmm, addmm, addmv, addr, baddbmm, inner, kron, tensordot, vdot  # noqa: E402
from .ops.distance import cdist, cosine_similarity, dist, pairwise_distance, pdist  # noqa: E402
from .ops.shape_views import *  # noqa: E402,F403
from .ops.shape_combine import *  # noqa: E402,F403
from .ops.shape_split import *  # noqa: E402,F403
from .ops.shape_misc import *  # noqa: E402,F403
from ._methods_shape import as_strided_, conj_physical_, fill, fill_, resize_as_  # noqa: E402
from .ops.lowrank import pca_lowrank, svd_lowrank  # noqa: E402
from ._numpy_names import install as _install_numpy_names  # noqa: E402

_install_numpy_names()
from .ops.grid_sample import grid_sampler, grid_sampler_2d, grid_sampler_3d  # noqa: E402
from ._legacy_types import BoolTensor, ByteTensor, CharTensor, DoubleTensor, FloatTensor, HalfTensor  # noqa: E402
from ._legacy_types import IntTensor, LongTensor, ShortTensor  # noqa: E402
from . import onnx  # noqa: E402,F401
from .ops.dropout_alpha import rrelu, rrelu_  # noqa: E402
from .ops.norm_more import channel_shuffle, rms_norm  # noqa: E402
from ._inplace_functions import *  # noqa: E402,F403  (torch.sin_(x) and the other in-place functions)
from . import functional  # noqa: E402,F401  (torch.functional)
from ._method_names import install as _install_method_names  # noqa: E402

_install_method_names()  # last: every method is bound by now
