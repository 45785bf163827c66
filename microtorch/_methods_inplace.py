"""In-place methods: the elementwise ``add_`` family and its operators, ``tril_`` / ``triu_`` and the in-place views."""

from __future__ import annotations

from . import _creation as _C
from ._inplace import _TYPE_WORD, _check_inplace, _inplace, _no_out, _NoGrad
from ._tensor import Tensor
from .autograd.grad_mode import _state
from .ops import elementwise as E
from .ops import reduction as R
from .ops import shape as S

_INPLACE = {
    "add_": E.add,
    "sub_": E.sub,
    "subtract_": E.sub,
    "mul_": E.mul,
    "multiply_": E.mul,
    "div_": E.div,
    "divide_": E.div,
    "pow_": E.pow,
    "clamp_": E.clamp,
    "clamp_min_": E.clamp_min,
    "clamp_max_": E.clamp_max,
    "clip_": E.clamp,
    "neg_": E.neg,
    "exp_": E.exp,
    "log_": E.log,
    "sqrt_": E.sqrt,
    "abs_": E.abs,
    "sigmoid_": E.sigmoid,
    "tanh_": E.tanh,
    "relu_": E.relu,
    "sin_": E.sin,
    "cos_": E.cos,
    "floor_": E.floor,
    "ceil_": E.ceil,
    "round_": E.round,
    "sign_": E.sign,
    "reciprocal_": E.reciprocal,
    "square_": E.square,
    "rsqrt_": E.rsqrt,
    "trunc_": E.trunc,
    "fix_": E.trunc,
    "leaky_relu_": E.leaky_relu,
    "lerp_": E.lerp,
    "addcmul_": lambda self, t1, t2, value=1: E.add(self, E.mul(E.mul(t1, t2), value)),
    "addcdiv_": lambda self, t1, t2, value=1: E.add(self, E.mul(E.div(t1, t2), value)),
    "maximum_": E.maximum,
    "minimum_": E.minimum,
    "true_divide_": E.true_divide,
    "floor_divide_": E.floor_divide,
    "remainder_": E.remainder,
    "fmod_": E.fmod,
    "negative_": E.neg,
    "absolute_": E.abs,
    "tan_": E.tan,
    "log2_": E.log2,
    "log10_": E.log10,
    "log1p_": E.log1p,
    "expm1_": E.expm1,
    "erf_": E.erf,
    # comparisons write 0 / 1 in self's dtype, as PyTorch
    "eq_": E.eq,
    "ne_": E.ne,
    "not_equal_": E.ne,
    "lt_": E.lt,
    "less_": E.lt,
    "le_": E.le,
    "less_equal_": E.le,
    "gt_": E.gt,
    "greater_": E.gt,
    "ge_": E.ge,
    "greater_equal_": E.ge,
    "logical_and_": E.logical_and,
    "logical_or_": E.logical_or,
    "logical_xor_": E.logical_xor,
    "logical_not_": E.logical_not,
}


def _no_bool_promotion(name: str, fn):
    """``fn``, refusing (as PyTorch) an integer result that an in-place op would write into a bool tensor."""

    def compute(self, *args, **kwargs):
        out = fn(self, *args, **kwargs)
        if self._data.dtype.kind == "b" and out._data.dtype.kind in "iu":
            raise RuntimeError(
                f"{name}: result type {_TYPE_WORD[out._data.dtype.name]} can't be cast to the desired output type Bool"
            )
        return out

    return compute


for _name, _fn in _INPLACE.items():
    setattr(Tensor, _name, _inplace(_name, _no_bool_promotion(_name, _fn)))

Tensor.__iadd__ = lambda self, other: Tensor.add_(self, other)
Tensor.__isub__ = lambda self, other: Tensor.sub_(self, other)
Tensor.__imul__ = lambda self, other: Tensor.mul_(self, other)
Tensor.__itruediv__ = lambda self, other: Tensor.div_(self, other)
Tensor.__ipow__ = lambda self, other: Tensor.pow_(self, other)
Tensor.__ifloordiv__ = lambda self, other: Tensor.floor_divide_(self, other)
Tensor.__imod__ = lambda self, other: Tensor.remainder_(self, other)

Tensor.addcmul = lambda self, t1, t2, value=1: E.add(self, E.mul(E.mul(t1, t2), value))
Tensor.addcdiv = lambda self, t1, t2, value=1: E.add(self, E.mul(E.div(t1, t2), value))


Tensor.tril = lambda self, diagonal=0: _C.tril(self, diagonal)
Tensor.triu = lambda self, diagonal=0: _C.triu(self, diagonal)
Tensor.tril_ = _inplace("tril_", _C.tril)
Tensor.triu_ = _inplace("triu_", _C.triu)


def _inplace_view(op_name: str, view):
    """Build ``squeeze_``-style methods: ``self`` becomes ``view(self, ...)`` over the same
    storage; the version is bumped and, under autograd, the view op joins the graph."""

    def method(self, *args, **kwargs):
        if kwargs and "out" in kwargs:
            raise _no_out(op_name)
        involves = _state.enabled and self._requires_grad
        _check_inplace(self, involves, op_name)
        if involves:
            old = Tensor._make(self._data, self._grad_fn, self._output_nr)
            old._requires_grad = True
            new = view(old, *args, **kwargs)
            self._grad_fn, self._output_nr = new._grad_fn, new._output_nr
        else:
            with _NoGrad():
                new = view(Tensor._make(self._data), *args, **kwargs)
        self._data = new._data
        self._vc.value += 1
        if self._base is not None:
            self._view_ver = self._vc.value  # its grad_fn is already current
        return self

    method.__name__ = op_name
    method.__doc__ = f"In-place version of ``{op_name.rstrip('_')}``: changes this tensor's shape and strides."
    return method


Tensor.squeeze_ = _inplace_view("squeeze_", S.squeeze_view_)
Tensor.unsqueeze_ = _inplace_view("unsqueeze_", S.unsqueeze_view_)
Tensor.transpose_ = _inplace_view("transpose_", S.transpose_view_)
Tensor.t_ = _inplace_view("t_", S.t_view_)
Tensor.swapaxes_ = _inplace_view("swapaxes_", S.transpose_view_)
Tensor.cumsum_ = _inplace("cumsum_", R.cumsum)
