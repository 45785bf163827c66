"""The layer classes of ``microtorch.nn``."""

# torch's module paths: classes that live in files of their own here are also reachable where torch
# keeps them (torch.nn.modules.loss.CTCLoss, torch.nn.modules.conv.LazyConv2d, ...)
from . import activation as _activation  # noqa: E402
from . import conv as _conv  # noqa: E402
from . import dropout as _dropout  # noqa: E402
from . import linear as _linear  # noqa: E402
from . import loss as _loss  # noqa: E402
from . import normalization as _normalization  # noqa: E402
from . import pooling as _pooling  # noqa: E402
from .activation import *  # noqa: F403
from .activation_attention import *  # noqa: F403
from .container import *  # noqa: F403
from .conv import *  # noqa: F403
from .distance import *  # noqa: F403
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
from .sparse import *  # noqa: F403
from .transformer import *  # noqa: F403
from .upsampling import *  # noqa: F403

_TORCH_PATHS = {
    _activation: ("RReLU", "Softmax2d"),
    _conv: ("LazyConv1d", "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d", "LazyConvTranspose2d", "LazyConvTranspose3d"),
    _dropout: ("AlphaDropout", "FeatureAlphaDropout"),
    _linear: ("Bilinear", "LazyLinear"),
    _loss: (
        "CTCLoss", "CosineEmbeddingLoss", "GaussianNLLLoss", "HingeEmbeddingLoss", "LinearCrossEntropyLoss",
        "MarginRankingLoss", "MultiLabelMarginLoss", "MultiLabelSoftMarginLoss", "MultiMarginLoss", "PoissonNLLLoss",
        "SoftMarginLoss", "TripletMarginLoss", "TripletMarginWithDistanceLoss",
    ),
    _normalization: ("LocalResponseNorm", "RMSNorm"),
    _pooling: ("FractionalMaxPool2d", "FractionalMaxPool3d"),
}  # fmt: skip
for _module, _names in _TORCH_PATHS.items():
    for _name in _names:
        setattr(_module, _name, globals()[_name])
