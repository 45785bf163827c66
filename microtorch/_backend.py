"""The array module every kernel and op computes with.

All hot-path numpy calls go through ``xp`` so that a CuPy backend can slot in later
without touching Tensor, nn or optim.

PyTorch never warns for 1/0, exp(1000) or log(0): it returns inf or nan. numpy's
floating-point error state is set to ``ignore`` once here, at import, so that ops stay
silent without paying for an ``np.errstate`` context on every call. The setting is
numpy's process-wide (per-thread context) state, so it also applies to the caller's own
numpy code in this thread; ``np.errstate`` restores warnings locally where wanted.
"""

import numpy as xp

xp.seterr(all="ignore")

__all__ = ["xp"]
