"""Variance and standard deviation (with Bessel's correction), and var_mean / std_mean."""

from __future__ import annotations

import builtins

import numpy as np

from .._backend import xp
from .._tensor import Tensor
from ..autograd.function import OUTPUT, Op
from .elementwise import eq, where
from .reduction import _INTS, _axes, _check_args, _count, _expand_back, _kept_shape, _reduced_shape, mean

__all__ = ["var", "std", "var_mean", "std_mean"]


def _check_correction(op: str, unbiased, correction) -> None:
    if unbiased is not None and not isinstance(unbiased, (bool, np.bool_)):
        raise TypeError(f"{op}(): argument 'unbiased' must be bool, not {type(unbiased).__name__}")
    if correction is not None and (isinstance(correction, bool) or not isinstance(correction, (_INTS, float))):
        raise TypeError(f"{op}(): argument 'correction' must be Number, not {type(correction).__name__}")


def _correction(unbiased, correction) -> float:
    if correction is not None:
        return float(correction)
    if unbiased is None:
        return 1.0
    return 1.0 if unbiased else 0.0


def _var_args(dim, unbiased):
    """``var(x, True)``: a bool in the dim position is ``unbiased``, as in PyTorch."""
    if isinstance(dim, bool):
        return None, dim
    return dim, unbiased


def _variance(x: Tensor, dim, unbiased, keepdim: bool, correction, op: str, node=None) -> Tensor:
    _check_args(op, x, keepdim=keepdim)
    dim, unbiased = _var_args(dim, unbiased)
    _check_correction(op, unbiased, correction)
    if x._data.dtype.kind != "f":
        raise RuntimeError("std and var only support floating point and complex dtypes")
    c = _correction(unbiased, correction)
    dims = _axes(dim, x.ndim, op)
    dof = _count(x.shape, dims) - c
    if dof <= 0 and (dim is None or x.ndim == 0):
        return (NoDofStd if node in (Std, StdMean) else NoDofVar).apply(x, dims=dims, keepdim=keepdim)
    return (node or Var).apply(x, dims=dims, keepdim=keepdim, dof=dof)


def _mean_kept(a: np.ndarray, dims) -> np.ndarray:
    """The mean over ``dims`` with those dims kept (0 for an empty slice, without numpy's warning)."""
    n = _count(a.shape, dims)
    return a.sum(axis=dims, keepdims=True) / a.dtype.type(n) if n else np.zeros(_kept_shape(a.shape, dims), a.dtype)


class Var(Op):
    """Variance: sum of squared deviations over ``max(0, dof)``; torch's backward
    ``grad * 2 / dof * (x - mean)`` (the mean's own term, zero in exact arithmetic, is left out)."""

    torch_name = "VarBackward0"

    def forward(self, x, dims, keepdim, dof):
        a = x._data
        self.in_shape, self.dims, self.keepdim, self.dof = a.shape, dims, keepdim, dof
        self.save_for_backward(x)
        centered = a - _mean_kept(a, dims)
        # dividing by 0 gives inf (or NaN for 0/0) as in torch; numpy's warnings are off globally
        return np.asarray((centered * centered).sum(axis=dims, keepdims=keepdim) / a.dtype.type(builtins.max(dof, 0)))

    def backward(self, g):
        (x,) = self.saved_tensors
        scale = 2.0 / self.dof if self.dof else float("inf")
        return _expand_back(g, self.in_shape, self.dims, self.keepdim) * scale * (x - mean(x, self.dims, keepdim=True))


class NoDofVar(Op):
    """Variance over every element with no degrees of freedom left (n <= correction): the
    sum divided by 0, and torch's constant gradient (NaN where x equals the mean, else inf)."""

    torch_name = "VarBackward0"

    def forward(self, x, dims, keepdim):
        a = x._data
        self.in_shape, self.dims, self.keepdim = a.shape, dims, keepdim
        m = _mean_kept(a, dims)
        centered = a - m
        self.weight = np.where(a == m, np.nan, np.inf).astype(a.dtype)
        return np.asarray((centered * centered).sum(axis=dims, keepdims=keepdim) / a.dtype.type(0))

    def backward(self, g):
        return _expand_back(g, self.in_shape, self.dims, self.keepdim) * Tensor._make(self.weight)


class NoDofStd(NoDofVar):
    """The standard deviation with no degrees of freedom left, one node as torch's std."""

    torch_name = "StdBackward0"

    def forward(self, x, dims, keepdim):
        out = np.asarray(xp.sqrt(super().forward(x, dims, keepdim)))
        self.save_for_backward(OUTPUT)
        return out

    def backward(self, g):
        (y,) = self.saved_tensors
        return NoDofVar.backward(self, where(eq(y, 0), Tensor._make(np.zeros((), g._data.dtype)), g / (y * 2)))


def var(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> Tensor:
    """Variance over ``dim`` with Bessel's ``correction`` (1 by default)."""
    return _variance(input, dim, unbiased, keepdim, correction, "var")


class Std(Var):
    """Standard deviation, one node as torch's: backward is var's on ``grad / (2 * std)``, which is
    0 where std is 0."""

    torch_name = "StdBackward0"

    def forward(self, x, dims, keepdim, dof):
        out = np.asarray(xp.sqrt(super().forward(x, dims, keepdim, dof)))
        self.save_for_backward(x, OUTPUT)
        return out

    def backward(self, g):
        x, y = self.saved_tensors
        gv = where(eq(y, 0), Tensor._make(np.zeros((), g._data.dtype)), g / (y * 2))
        scale = 2.0 / self.dof if self.dof else float("inf")
        return _expand_back(gv, self.in_shape, self.dims, self.keepdim) * scale * (x - mean(x, self.dims, keepdim=True))


def std(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> Tensor:
    """Standard deviation over ``dim`` with Bessel's ``correction`` (1 by default)."""
    return _variance(input, dim, unbiased, keepdim, correction, "std", Std)


def _mean_array(a: np.ndarray, dims, keepdim: bool) -> np.ndarray:
    """The mean over ``dims`` (NaN for an empty slice, without numpy's warning)."""
    n = _count(a.shape, dims)
    if n == 0:
        return np.full(_kept_shape(a.shape, dims) if keepdim else _reduced_shape(a.shape, dims), np.nan, a.dtype)
    return np.asarray(a.mean(axis=dims, keepdims=keepdim))


def _mean_grad(node, g: Tensor) -> Tensor:
    """The gradient of the mean output of ``var_mean`` / ``std_mean``."""
    n = _count(node.in_shape, node.dims)
    return _expand_back(g / n if n else g * float("nan"), node.in_shape, node.dims, node.keepdim)


class VarMean(Var):
    """``var_mean``: one node with two outputs, as torch's."""

    torch_name = "VarMeanBackward0"

    def forward(self, x, dims, keepdim, dof):
        return super().forward(x, dims, keepdim, dof), _mean_array(x._data, dims, keepdim)

    def backward(self, gv, gm):
        return Var.backward(self, gv) + _mean_grad(self, gm)


class StdMean(Std):
    """``std_mean``: one node with two outputs, as torch's."""

    torch_name = "StdMeanBackward0"

    def forward(self, x, dims, keepdim, dof):
        return super().forward(x, dims, keepdim, dof), _mean_array(x._data, dims, keepdim)

    def backward(self, gs, gm):
        return Std.backward(self, gs) + _mean_grad(self, gm)


def _with_mean(out, x: Tensor, dim, keepdim: bool, op: str) -> tuple:
    """A two-output node's result as it is; else (no degrees of freedom left) ``(out, mean)``."""
    if type(out) is tuple:
        return out
    return out, mean(x, _axes(dim, x.ndim, op), keepdim)


def var_mean(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """``(var, mean)`` over ``dim``."""
    out = _variance(input, dim, unbiased, keepdim, correction, "var_mean", VarMean)
    return _with_mean(out, input, _var_args(dim, unbiased)[0], keepdim, "var_mean")


def std_mean(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """``(std, mean)`` over ``dim``."""
    out = _variance(input, dim, unbiased, keepdim, correction, "std_mean", StdMean)
    return _with_mean(out, input, _var_args(dim, unbiased)[0], keepdim, "std_mean")
