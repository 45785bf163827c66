"""numpy's argument names on reductions, as torch's argument parser accepts them: ``axis=`` for
``dim=`` and ``keepdims=`` for ``keepdim=`` (``torch.argmax(x, axis=1)``, ``x.sum(axis=0,
keepdims=True)``), on the functions and Tensor methods that torch implements natively."""

from __future__ import annotations

import functools

import microtorch as _mt

from ._tensor import Tensor

#: torch-native functions (and Tensor methods) of the reduction family that take ``dim``
NAMES = (
    "sum mean nansum nanmean var std var_mean std_mean amax amin max min argmax argmin logsumexp prod all any "
    "count_nonzero cumsum cumprod cummax cummin logcumsumexp sort argsort topk median nanmedian kthvalue mode "
    "quantile nanquantile aminmax softmax log_softmax diff renorm trapezoid trapz cumulative_trapezoid gradient"
).split()
#: in-place Tensor methods that take ``dim``
INPLACE = ("cumsum_", "cumprod_", "renorm_")


def _renamed(kwargs: dict, name: str) -> dict:
    """``kwargs`` with ``axis`` / ``keepdims`` under torch's names (TypeError when both spellings are given)."""
    kwargs = dict(kwargs)
    if "axis" in kwargs:
        if "dim" in kwargs:
            raise TypeError(f"{name}() got an unexpected keyword argument 'axis'")
        kwargs["dim"] = kwargs.pop("axis")
    if "keepdims" in kwargs:
        if "keepdim" in kwargs:
            raise TypeError(
                f"{name}() received an invalid combination of arguments - got both 'keepdim' and 'keepdims'"
            )
        kwargs["keepdim"] = kwargs.pop("keepdims")
    return kwargs


def accepting_numpy_names(fn, name: str):
    """``fn`` also accepting ``axis=`` and ``keepdims=``."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if "axis" in kwargs or "keepdims" in kwargs:
            kwargs = _renamed(kwargs, name)
        return fn(*args, **kwargs)

    return wrapper


def install() -> None:
    """Wrap the listed ``microtorch`` functions and ``Tensor`` methods."""
    for name in NAMES:
        if hasattr(_mt, name):
            setattr(_mt, name, accepting_numpy_names(getattr(_mt, name), name))
        if hasattr(Tensor, name):
            setattr(Tensor, name, accepting_numpy_names(getattr(Tensor, name), name))
    for name in INPLACE:
        if hasattr(Tensor, name):
            setattr(Tensor, name, accepting_numpy_names(getattr(Tensor, name), name))
