"""``torch.special``: special functions under PyTorch's names (scipy supplies what numpy lacks)."""

from __future__ import annotations

from .ops import reduction as _R
from .ops import special as _S
from .ops import special_functions as _F
from .ops import unary as _U
from .ops.special_polynomials import POLYNOMIALS as _POLYNOMIALS

__all__ = [
    "expit",
    "logit",
    "erf",
    "erfc",
    "erfcx",
    "erfinv",
    "ndtr",
    "ndtri",
    "log_ndtr",
    "gammaln",
    "digamma",
    "psi",
    "polygamma",
    "multigammaln",
    "i0",
    "i0e",
    "i1",
    "i1e",
    "xlogy",
    "xlog1py",
    "entr",
    "sinc",
    "logsumexp",
    "softmax",
    "log_softmax",
    "log1p",
    "expm1",
    "exp2",
    "round",
    "zeta",
    *_F.NON_DIFFERENTIABLE,
    *_POLYNOMIALS,
]

expit = _U.sigmoid
logit = _S.logit
erf = _U.erf
erfc = _F.erfc
erfcx = _F.erfcx
erfinv = _F.erfinv
ndtr = _F.ndtr
ndtri = _F.ndtri
log_ndtr = _F.log_ndtr
gammaln = _F.lgamma
digamma = psi = _F.digamma
polygamma = _F.polygamma
multigammaln = _F.mvlgamma
i0 = _F.i0
i0e = _F.i0e
i1 = _F.i1
i1e = _F.i1e
xlogy = _S.xlogy
xlog1py = _F.xlog1py
entr = _F.entr
sinc = _F.sinc
logsumexp = _R.logsumexp
softmax = _R.softmax
log_softmax = _R.log_softmax
log1p = _U.log1p
expm1 = _U.expm1
exp2 = _S.exp2
round = _U.round  # noqa: A001 - PyTorch's name
zeta = _F.zeta
globals().update(_F.NON_DIFFERENTIABLE)
globals().update(_POLYNOMIALS)
