"""Tensor methods of the statistics, scan and bucketing families (bound onto ``Tensor``)."""

from __future__ import annotations

from ._tensor import Tensor
from ._tensor_methods import _method
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
