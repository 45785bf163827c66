"""``torch.nn.modules.batchnorm``: torch's module path for the batch-norm layers (defined in
``normalization`` and ``lazy``), for scripts that import or name them there."""

from .lazy import (
    LazyBatchNorm1d,
    LazyBatchNorm2d,
    LazyBatchNorm3d,
    _LazyNormBase,  # noqa: F401  (torch's private bases, which init code imports from here)
)
from .normalization import (
    BatchNorm1d,
    BatchNorm2d,
    BatchNorm3d,
    _BatchNorm,  # noqa: F401
)

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d"]
