"""``torch.nn.modules.flatten``: torch's module path for ``Flatten``/``Unflatten`` (defined in ``linear``)."""

from .linear import Flatten, Unflatten

__all__ = ["Flatten", "Unflatten"]
