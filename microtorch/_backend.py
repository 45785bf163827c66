"""The array module every kernel and op computes with.

All hot-path numpy calls go through ``xp`` so that a CuPy backend can slot in later
without touching Tensor, nn or optim.
"""

import numpy as xp

__all__ = ["xp"]
