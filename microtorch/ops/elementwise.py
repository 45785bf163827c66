"""The elementwise ops, gathered from their families under one module.

Arithmetic, unary math, comparison / logic and activations each live in their own
module; this one re-exports them so ``microtorch.ops.elementwise`` stays the place the
names come from.
"""

from __future__ import annotations

from . import activations as _activations
from . import arithmetic as _arithmetic
from . import comparison as _comparison
from . import unary as _unary
from ._promote import _align  # noqa: F401  (used by linalg)
from .activations import *  # noqa: F403
from .arithmetic import *  # noqa: F403
from .comparison import *  # noqa: F403
from .unary import *  # noqa: F403

__all__ = _arithmetic.__all__ + _unary.__all__ + _comparison.__all__ + _activations.__all__
