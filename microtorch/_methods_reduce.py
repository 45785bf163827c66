"""Tensor methods of the statistics, scan and bucketing families (bound onto ``Tensor``)."""

from __future__ import annotations

from ._tensor import Tensor
from ._tensor_methods import _inplace, _method, _no_bool_promotion
from .ops import bucketing as _BK
from .ops import igamma as _IG
from .ops import scan as _SC
from .ops import statistics as _ST

for _name in (
    "median",
    "nanmedian",
    "kthvalue",
    "mode",
    "msort",
    "quantile",
    "nanquantile",
    "nansum",
    "nanmean",
    "aminmax",
    "cov",
    "corrcoef",
):
    setattr(Tensor, _name, _method(getattr(_ST, _name), _name))

for _name in ("cumprod", "cummax", "cummin", "logcumsumexp", "diff", "renorm", "frexp"):
    setattr(Tensor, _name, _method(getattr(_SC, _name), _name))
Tensor.cumprod_ = _inplace("cumprod_", _SC.cumprod)
Tensor.renorm_ = _inplace("renorm_", _SC.renorm)
for _name in ("bincount", "histc", "histogram", "unique_consecutive"):
    setattr(Tensor, _name, _method(getattr(_BK, _name), _name))
for _name in ("igamma", "igammac"):
    setattr(Tensor, _name, _method(getattr(_IG, _name), _name))
    setattr(Tensor, _name + "_", _inplace(_name + "_", _no_bool_promotion(_name + "_", getattr(_IG, _name))))
