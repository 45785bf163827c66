"""Softmax and log-softmax along one dim, computed stably."""

from __future__ import annotations

import numpy as np

from .._backend import xp
from .._tensor import Tensor
from ..autograd.function import OUTPUT, Op
from .elementwise import exp
from .reduction import _check_args, _one_dim, _type_word, sum
from .shape import reshape

__all__ = ["softmax", "log_softmax"]


class Softmax(Op):
    def forward(self, x, dim):
        self.dim = dim
        a = x._data
        self.save_for_backward(OUTPUT)
        if a.size == 0:
            return a.copy()
        e = xp.exp(a - a.max(axis=dim, keepdims=True))
        e /= e.sum(axis=dim, keepdims=True)
        return e

    def backward(self, g):
        (y,) = self.saved_tensors
        gy = g * y
        return gy - y * sum(gy, self.dim, keepdim=True)


class LogSoftmax(Op):
    def forward(self, x, dim):
        self.dim = dim
        a = x._data
        self.save_for_backward(OUTPUT)
        if a.size == 0:
            return a.copy()
        shifted = a - a.max(axis=dim, keepdims=True)
        s = xp.exp(shifted).sum(axis=dim, keepdims=True)
        return shifted - xp.log(s, out=np.full(s.shape, -np.inf, s.dtype), where=s != 0)

    def backward(self, g):
        (y,) = self.saved_tensors
        return g - exp(y) * sum(g, self.dim, keepdim=True)


def _softmax_dim(x: Tensor, dim, name: str, stacklevel: int) -> int:
    """The softmax dim; None warns and picks torch's legacy choice.

    ``stacklevel`` counts frames from this function, as in torch's ``_get_softmax_dim``: 3 names the
    caller of the function that called this one.
    """
    if dim is None:
        import warnings

        warnings.warn(
            f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as an argument.",
            stacklevel=stacklevel,
        )
        dim = 0 if x.ndim in (0, 1, 3) else 1
    return _one_dim(dim, x.ndim, name)


def _softmax_family(x: Tensor, dim, dtype, node, name: str) -> Tensor:
    d = _softmax_dim(x, dim, name, stacklevel=4)  # the caller of softmax / log_softmax
    if dtype is not None:
        x = x.to(dtype)
    if x._data.dtype.kind != "f" and x._data.size:  # torch dispatches no kernel for an empty input
        raise NotImplementedError(f"\"{name}_lastdim_kernel_impl\" not implemented for '{_type_word(x)}'")
    if x.ndim == 0:
        return reshape(node.apply(reshape(x, (1,)), dim=0), ())
    return node.apply(x, dim=d)


def softmax(input: Tensor, dim: int | None, dtype=None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim``, computed stably."""
    _check_args("softmax", input)
    return _softmax_family(input, dim, dtype, Softmax, "softmax")


def log_softmax(input: Tensor, dim: int | None, dtype=None) -> Tensor:
    """``x - logsumexp(x)`` along ``dim``, stable at large logits."""
    _check_args("log_softmax", input)
    return _softmax_family(input, dim, dtype, LogSoftmax, "log_softmax")
