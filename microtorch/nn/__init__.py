"""Neural-network building blocks (``torch.nn``)."""

from . import functional, init, parallel, utils  # noqa: F401
from .modules import *  # noqa: F403
from .modules import Module  # noqa: F401
from .parallel import DataParallel  # noqa: F401
from .parameter import Buffer, Parameter  # noqa: F401
