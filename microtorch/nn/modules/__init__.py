"""The layer classes of ``microtorch.nn``."""

from .activation import *  # noqa: F403
from .container import *  # noqa: F403
from .conv import *  # noqa: F403
from .dropout import *  # noqa: F403
from .dropout_alpha import *  # noqa: F403
from .fold import *  # noqa: F403
from .lazy import *  # noqa: F403
from .linear import *  # noqa: F403
from .loss import *  # noqa: F403
from .loss_more import *  # noqa: F403
from .module import Module  # noqa: F401
from .norm_more import *  # noqa: F403
from .normalization import *  # noqa: F403
from .padding import *  # noqa: F403
from .pixelshuffle import *  # noqa: F403
from .pool_fractional import *  # noqa: F403
from .pooling import *  # noqa: F403
from .rnn import *  # noqa: F403
from .upsampling import *  # noqa: F403
from .activation_attention import *  # noqa: F403
from .transformer import *  # noqa: F403
from .sparse import *  # noqa: F403
from .distance import *  # noqa: F403
