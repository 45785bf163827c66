"""``microtorch.save`` / ``microtorch.load``: see :mod:`microtorch.serialization`."""

from .serialization import load, save

__all__ = ["save", "load"]
