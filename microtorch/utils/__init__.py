"""Utilities (``torch.utils``): data loading lives in ``microtorch.utils.data``."""

from . import data

__all__ = ["data"]
