"""In-place random fills: uniform_, normal_, bernoulli_, exponential_, ... and random_."""

from __future__ import annotations

import numpy as np

from . import _creation as _C
from . import _creation_random as _CR
from ._inplace import _inplace
from ._tensor import Tensor
from .random import rng


def _random_fill(name: str, check, draw, aliases: dict | None = None):
    """An in-place random fill: ``check(self, *args, **params)`` raises as PyTorch, ``draw(rng, shape, *args,
    **params)`` samples; ``aliases`` renames PyTorch keywords that are Python keywords (``from`` / ``to``).

    The new values take part in autograd with a zero gradient, as PyTorch's."""

    def compute(self, *args, generator=None, **params):
        if aliases:
            params = {aliases.get(k, k): v for k, v in params.items()}
        check(self, *args, **params)
        values = draw(rng(generator), self.shape, *args, **params)
        return _CR._sampled(np.asarray(values).astype(self._data.dtype), [self])

    return _inplace(name, compute)


def _check_uniform(self, low=0.0, high=1.0):
    _C._require_float(self._data.dtype, "check_uniform_bounds")
    if low > high:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={low} > to={high}")
    info = np.finfo(self._data.dtype)
    for bound, label in ((low, "from"), (high, "to")):
        if not info.min <= bound <= info.max:
            raise RuntimeError(f"uniform_: {label} is out of bounds for {self.dtype.name}")


def _check_normal(self, mean=0.0, std=1.0):
    _C._require_float(self._data.dtype, "normal_kernel_cpu")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")


def _check_bernoulli(self, p=0.5):
    if isinstance(p, Tensor):
        if not np.all((p._data >= 0) & (p._data <= 1)):
            raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
    elif not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")


def _bernoulli_draw(gen, shape, p=0.5):
    return gen.random(shape) < (p._data if isinstance(p, Tensor) else p)


Tensor.uniform_ = _random_fill(
    "uniform_",
    _check_uniform,
    lambda g, shape, low=0.0, high=1.0: g.uniform(low, high, shape),
    aliases={"from": "low", "to": "high"},
)
Tensor.normal_ = _random_fill(
    "normal_", _check_normal, lambda g, shape, mean=0.0, std=1.0: g.standard_normal(shape) * std + mean
)
Tensor.bernoulli_ = _random_fill("bernoulli_", _check_bernoulli, _bernoulli_draw)


def _continuous_only(self, distribution: str) -> None:
    if self._data.dtype.kind != "f":
        raise RuntimeError(
            f"{distribution} distribution is a continuous probability distribution. dtype must be a floating point "
            f"but you specified {_C._scalar_name(self._data.dtype)}"
        )


def _check_exponential(self, lambd=1.0):
    _continuous_only(self, "Exponential")
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")


def _check_cauchy(self, median=0.0, sigma=1.0):
    _continuous_only(self, "Cauchy")
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")


def _check_log_normal(self, mean=1.0, std=2.0):
    _C._require_float(self._data.dtype, "log_normal_cpu")
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")


def _check_geometric(self, p):
    if self._data.dtype.kind == "b":
        raise NotImplementedError("\"geometric_cpu\" not implemented for 'Bool'")
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")


def _random_bounds(self, args: tuple, to) -> tuple:
    """``random_()``, ``random_(to)``, ``random_(from, to)`` -> [low, high): PyTorch's default ranges."""
    if len(args) > 2 or (args and args[0] is None) or (len(args) == 2 and to is not None):
        raise TypeError(
            "random_() received an invalid combination of arguments - expected (), (int to) or (int from, int to)"
        )
    low, high = (0, args[0]) if len(args) == 1 else (args[0], args[1]) if len(args) == 2 else (0, to)
    npdt = self._data.dtype
    if high is None:  # up to the largest value the dtype holds exactly
        high = (
            2 ** (np.finfo(npdt).nmant + 1) if npdt.kind == "f" else 1 if npdt.kind == "b" else int(np.iinfo(npdt).max)
        ) + 1
    low, high = _CR._int_arg(low, "random_", "from", 1), _CR._int_arg(high, "random_", "to", 2)
    if npdt.kind == "f":
        if high <= low:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    else:
        _CR._check_int_bounds(low, high, npdt)
    return low, high


def _random_(self, *args, to=None, generator=None):
    """Fill with integers uniform in [from, to) in place (PyTorch's ``random_`` call forms and defaults)."""
    low, high = _random_bounds(self, args, to)
    return _random_fill("random_", lambda s: None, lambda g, shape: g.integers(low, high, size=shape))(
        self, generator=generator
    )


Tensor.exponential_ = _random_fill(
    "exponential_", _check_exponential, lambda g, shape, lambd=1.0: g.exponential(1.0 / lambd, shape)
)
Tensor.cauchy_ = _random_fill(
    "cauchy_", _check_cauchy, lambda g, shape, median=0.0, sigma=1.0: median + sigma * g.standard_cauchy(shape)
)
Tensor.log_normal_ = _random_fill(
    "log_normal_", _check_log_normal, lambda g, shape, mean=1.0, std=2.0: g.lognormal(mean, std, shape)
)
Tensor.geometric_ = _random_fill("geometric_", _check_geometric, lambda g, shape, p: g.geometric(p, shape))
Tensor.random_ = _random_
Tensor.bernoulli = lambda self, p=None, *, generator=None: _C.bernoulli(self, p, generator=generator)
Tensor.multinomial = lambda self, num_samples, replacement=False, *, generator=None: _C.multinomial(
    self, num_samples, replacement, generator=generator
)
