"""Learning-rate schedulers (``torch.optim.lr_scheduler``), PyTorch's chainable formulas."""

from ._base import LRScheduler
from .composite import ChainedScheduler, SequentialLR
from .cyclic import CyclicLR, OneCycleLR
from .multiplicative import ConstantLR, LambdaLR, LinearLR, MultiplicativeLR, PolynomialLR
from .periodic import CosineAnnealingLR, CosineAnnealingWarmRestarts, ExponentialLR, MultiStepLR, StepLR
from .plateau import ReduceLROnPlateau

__all__ = [
    "LRScheduler",
    "LambdaLR",
    "MultiplicativeLR",
    "ConstantLR",
    "LinearLR",
    "PolynomialLR",
    "SequentialLR",
    "StepLR",
    "MultiStepLR",
    "ExponentialLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "CyclicLR",
    "ChainedScheduler",
    "OneCycleLR",
    "ReduceLROnPlateau",
]
