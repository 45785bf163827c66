"""Lazy modules: layers whose input size is inferred from the first forward, as torch's.

Until then their parameters are ``UninitializedParameter`` (buffers ``UninitializedBuffer``):
placeholders with a dtype but no shape. The first call materialises them in place (the same
objects, so an optimizer built before keeps working), initialises them as the ordinary
layer does and turns the module into that layer (``cls_to_become``: a ``LazyConv2d`` becomes
a ``Conv2d``). Loading a state dict into a lazy module materialises what it loads, and the
module becomes the ordinary class at its first forward, as in torch.
"""

from __future__ import annotations

import numpy as np

from ... import _creation as C
from ... import _dtype as dt
from ..._device import check_device
from ..._tensor import Size, Tensor, _init
from ..parameter import Parameter
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .linear import Linear
from .module import Module
from .normalization import BatchNorm1d, BatchNorm2d, BatchNorm3d, InstanceNorm1d, InstanceNorm2d, InstanceNorm3d

__all__ = [
    "UninitializedParameter",
    "UninitializedBuffer",
    "LazyModuleMixin",
    "LazyLinear",
    "LazyConv1d",
    "LazyConv2d",
    "LazyConv3d",
    "LazyConvTranspose1d",
    "LazyConvTranspose2d",
    "LazyConvTranspose3d",
    "LazyBatchNorm1d",
    "LazyBatchNorm2d",
    "LazyBatchNorm3d",
    "LazyInstanceNorm1d",
    "LazyInstanceNorm2d",
    "LazyInstanceNorm3d",
]

_SHAPE_ERROR = (
    "Can't access the shape of an uninitialized parameter or buffer. This error usually happens in "
    "`load_state_dict` when trying to load an uninitialized parameter into an initialized one. Call `forward` "
    "to initialize the parameters before accessing their attributes."
)


def _use_error(what: str) -> ValueError:
    return ValueError(
        f"Attempted to use an uninitialized parameter in {what}. This error happens when you are using a "
        "`LazyModule` or explicitly manipulating `torch.nn.parameter.UninitializedParameter` objects. When using "
        "LazyModules Call `forward` with a dummy batch to initialize the parameters before calling torch functions"
    )


class UninitializedTensorMixin:
    """A tensor without a shape yet: it only knows its dtype until ``materialize``."""

    __slots__ = ()
    cls_to_become: type = Tensor
    _uninitialized = True

    def refuse(self, what: str):
        """Raise torch's ValueError for using this placeholder in ``what``."""
        raise _use_error(what)

    # While uninitialised, ``_data`` is an empty array that only carries the dtype (so that
    # ``Module.to`` / ``double()`` convert it); the real storage arrives with ``materialize``.
    @property
    def _data(self) -> np.ndarray:
        return self.__dict__["_uninitialized_dtype_holder"]

    @_data.setter
    def _data(self, value: np.ndarray) -> None:
        self.__dict__["_uninitialized_dtype_holder"] = np.empty((0,), dtype=value.dtype)

    def materialize(self, shape, device=None, dtype=None) -> None:
        """Give the tensor storage of ``shape`` (zeros) and turn it into ``cls_to_become``."""
        check_device(device, "materialize")
        npdt = self._data.dtype if dtype is None else dt.to_numpy_dtype(dtype)
        shape = tuple(int(n) for n in shape) if isinstance(shape, (tuple, list, Size)) else (int(shape),)
        del self.__dict__["_uninitialized_dtype_holder"]
        self.__class__ = self.cls_to_become
        self._data = np.zeros(shape, dtype=npdt)
        self._vc.value += 1

    @property
    def shape(self):
        """Raises, as torch: an uninitialised tensor has no shape yet."""
        raise RuntimeError(_SHAPE_ERROR)

    def dim(self) -> int:
        """Raises, as torch."""
        self.refuse("<method 'dim' of 'torch._C.TensorBase' objects>")

    def numel(self) -> int:
        """Raises, as torch."""
        self.refuse("<method 'numel' of 'torch._C.TensorBase' objects>")

    def detach(self):
        """The tensor itself (torch keeps uninitialised tensors as they are in a state dict)."""
        return self

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    def __deepcopy__(self, memo):
        new = type(self)(requires_grad=self._requires_grad, dtype=self.dtype)
        memo[id(self)] = new
        return new

    def __reduce_ex__(self, protocol):
        return (type(self), (self._requires_grad, None, self.dtype))


def _empty_of(dtype) -> np.ndarray:
    npdt = dt.get_default_dtype().np if dtype is None else dt.to_numpy_dtype(dtype)
    return np.empty((0,), dtype=npdt)


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A parameter whose shape the first forward of its lazy module decides."""

    __slots__ = ()
    cls_to_become = Parameter

    def __new__(cls, requires_grad: bool = True, device=None, dtype=None):
        check_device(device, cls.__name__)
        t = object.__new__(cls)
        _init(t, _empty_of(dtype))
        if requires_grad:
            t._requires_grad = True
        return t

    def __init__(self, requires_grad: bool = True, device=None, dtype=None) -> None:
        pass


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer whose shape the first forward of its lazy module decides."""

    __slots__ = ()
    cls_to_become = Tensor

    def __new__(cls, requires_grad: bool = False, device=None, dtype=None, persistent: bool = True):
        check_device(device, cls.__name__)
        t = object.__new__(cls)
        _init(t, _empty_of(dtype))
        t._requires_grad = bool(requires_grad)
        t.__dict__["_buffer_persistent"] = persistent
        return t

    def __init__(self, requires_grad: bool = False, device=None, dtype=None, persistent: bool = True) -> None:
        pass


def is_lazy(value) -> bool:
    """Whether ``value`` is an uninitialised parameter or buffer."""
    return isinstance(value, UninitializedTensorMixin)


def _unmaterialize(t: Tensor, cls: type) -> None:
    """Undo ``materialize`` (a failed first forward leaves the module as it was)."""
    npdt = t._data.dtype
    t._data = np.empty((0,), dtype=npdt)
    t.__class__ = cls
    t._data = np.empty((0,), dtype=npdt)


class LazyModuleMixin:
    """Infers the parameters' shapes at the first call, then becomes ``cls_to_become``."""

    cls_to_become: type | None = None

    def has_uninitialized_params(self) -> bool:
        """Whether a parameter or buffer is still uninitialised."""
        return any(is_lazy(t) for t in (*self._parameters.values(), *self._buffers.values()))

    def initialize_parameters(self, *args, **kwargs) -> None:
        """Materialise the parameters from the first input (defined by each lazy layer)."""
        raise NotImplementedError(f"initialize_parameters is not implemented for {type(self).__name__}")

    def _lazy_load_hook(self, state_dict, prefix: str) -> None:
        """Materialise each uninitialised tensor that ``state_dict`` gives an initialised value."""
        for name, t in (*self._parameters.items(), *self._buffers.items()):
            value = state_dict.get(prefix + name)
            if t is not None and is_lazy(t) and value is not None and not is_lazy(value):
                t.materialize(tuple(value.shape))

    def __call__(self, *args, **kwargs):
        if self.__dict__.get("_lazy_initialized"):  # a lazy module without cls_to_become, already inferred
            return Module.__call__(self, *args, **kwargs)
        lazy_cls, saved = type(self), dict(self.__dict__)
        pending = [(t, type(t)) for t in (*self._parameters.values(), *self._buffers.values()) if is_lazy(t)]
        try:
            self.initialize_parameters(*args, **kwargs)
            if self.has_uninitialized_params():
                raise RuntimeError(f"module {self._get_name()} has not been fully initialized")
            self.__dict__["_lazy_initialized"] = True
            if self.cls_to_become is not None:
                self.__class__ = self.cls_to_become
                del self.__dict__["_lazy_initialized"]
            return Module.__call__(self, *args, **kwargs)
        except BaseException:
            self.__class__ = lazy_cls
            self.__dict__.clear()
            self.__dict__.update(saved)
            for t, cls in pending:
                if not is_lazy(t):
                    _unmaterialize(t, cls)
            raise


class LazyLinear(LazyModuleMixin, Linear):
    """``Linear`` whose ``in_features`` is the last dim of the first input."""

    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(0, 0, False)
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_features = out_features
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self) -> None:
        """Linear's initialisation, once the parameters have shapes."""
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input: Tensor) -> None:
        """Take ``in_features`` from ``input.shape[-1]`` and initialise as Linear."""
        if self.has_uninitialized_params():
            self.in_features = input.shape[-1]
            self.weight.materialize((self.out_features, self.in_features))
            if self.bias is not None:
                self.bias.materialize((self.out_features,))
            self.reset_parameters()
        if self.in_features == 0:
            if input.shape[-1] != self.weight.shape[-1]:
                raise AssertionError(
                    f"The in_features inferred from input: {input.shape[-1]} is not equal to in_features from "
                    f"self.weight: {self.weight.shape[-1]}"
                )
            self.in_features = input.shape[-1]


class _LazyConvXdMixin(LazyModuleMixin):
    def _init_lazy(self, out_channels: int, bias: bool, device, dtype) -> None:
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_channels = out_channels
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self) -> None:
        """The convolution's initialisation, once the parameters have shapes."""
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()

    def initialize_parameters(self, input: Tensor, *args, **kwargs) -> None:
        """Take ``in_channels`` from the input's channel dim and initialise as the convolution."""
        if not self.has_uninitialized_params():
            return
        self.in_channels = self._get_in_channels(input)
        if self.in_channels % self.groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if self._transposed:
            shape = (self.in_channels, self.out_channels // self.groups, *self.kernel_size)
        else:
            shape = (self.out_channels, self.in_channels // self.groups, *self.kernel_size)
        self.weight.materialize(shape)
        if self.bias is not None:
            self.bias.materialize((self.out_channels,))
        self.reset_parameters()

    def _get_in_channels(self, input: Tensor) -> int:
        unbatched, batched = self._n + 1, self._n + 2
        if input.ndim not in (unbatched, batched):
            raise RuntimeError(
                f"Expected {unbatched}D (unbatched) or {batched}D (batched) input to {type(self).__name__}, but "
                f"got input of size: {input.shape}"
            )
        return input.shape[1] if input.ndim == batched else input.shape[0]


class _LazyConv(_LazyConvXdMixin):
    def __init__(
        self,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device=None,
        dtype=None,
    ) -> None:
        super().__init__(0, 0, kernel_size, stride, padding, dilation, groups, False, padding_mode, device, dtype)
        self._init_lazy(out_channels, bias, device, dtype)


class _LazyConvTranspose(_LazyConvXdMixin):
    def __init__(
        self,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        output_padding=0,
        groups: int = 1,
        bias: bool = True,
        dilation=1,
        padding_mode: str = "zeros",
        device=None,
        dtype=None,
    ) -> None:
        super().__init__(
            0, 0, kernel_size, stride, padding, output_padding, groups, False, dilation, padding_mode, device, dtype
        )
        self._init_lazy(out_channels, bias, device, dtype)


class LazyConv1d(_LazyConv, Conv1d):
    """``Conv1d`` whose ``in_channels`` comes from the first input."""

    cls_to_become = Conv1d


class LazyConv2d(_LazyConv, Conv2d):
    """``Conv2d`` whose ``in_channels`` comes from the first input."""

    cls_to_become = Conv2d


class LazyConv3d(_LazyConv, Conv3d):
    """``Conv3d`` whose ``in_channels`` comes from the first input."""

    cls_to_become = Conv3d


class LazyConvTranspose1d(_LazyConvTranspose, ConvTranspose1d):
    """``ConvTranspose1d`` whose ``in_channels`` comes from the first input."""

    cls_to_become = ConvTranspose1d


class LazyConvTranspose2d(_LazyConvTranspose, ConvTranspose2d):
    """``ConvTranspose2d`` whose ``in_channels`` comes from the first input."""

    cls_to_become = ConvTranspose2d


class LazyConvTranspose3d(_LazyConvTranspose, ConvTranspose3d):
    """``ConvTranspose3d`` whose ``in_channels`` comes from the first input."""

    cls_to_become = ConvTranspose3d


class _LazyNormBase(LazyModuleMixin):
    def __init__(
        self,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device=None,
        dtype=None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__(0, eps, momentum, False, False, device, dtype, bias=False)
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = UninitializedParameter(device=device, dtype=dtype)
            if bias:
                self.bias = UninitializedParameter(device=device, dtype=dtype)
        if track_running_stats:
            self.running_mean = UninitializedBuffer(device=device, dtype=dtype)
            self.running_var = UninitializedBuffer(device=device, dtype=dtype)
            self.num_batches_tracked = C.tensor(0)

    def reset_parameters(self) -> None:
        """The normalisation's initialisation, once the tensors have shapes."""
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input: Tensor) -> None:
        """Take ``num_features`` from ``input.shape[1]`` (torch's rule) and initialise."""
        if not self.has_uninitialized_params():
            return
        self.num_features = input.shape[1]
        for name in ("weight", "bias", "running_mean", "running_var"):
            t = getattr(self, name)
            if t is not None:
                t.materialize((self.num_features,))
        self.reset_parameters()


class LazyBatchNorm1d(_LazyNormBase, BatchNorm1d):
    """``BatchNorm1d`` whose ``num_features`` comes from the first input."""

    cls_to_become = BatchNorm1d


class LazyBatchNorm2d(_LazyNormBase, BatchNorm2d):
    """``BatchNorm2d`` whose ``num_features`` comes from the first input."""

    cls_to_become = BatchNorm2d


class LazyBatchNorm3d(_LazyNormBase, BatchNorm3d):
    """``BatchNorm3d`` whose ``num_features`` comes from the first input."""

    cls_to_become = BatchNorm3d


class LazyInstanceNorm1d(_LazyNormBase, InstanceNorm1d):
    """``InstanceNorm1d`` whose ``num_features`` comes from the first input (affine and tracking by default, as torch)."""

    cls_to_become = InstanceNorm1d


class LazyInstanceNorm2d(_LazyNormBase, InstanceNorm2d):
    """``InstanceNorm2d`` whose ``num_features`` comes from the first input."""

    cls_to_become = InstanceNorm2d


class LazyInstanceNorm3d(_LazyNormBase, InstanceNorm3d):
    """``InstanceNorm3d`` whose ``num_features`` comes from the first input."""

    cls_to_become = InstanceNorm3d
