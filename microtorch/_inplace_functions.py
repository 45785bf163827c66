"""``torch.sin_(x)`` and the other in-place ops that torch also exposes as functions: each is the
Tensor method of the same name (``x.sin_()``), with torch's TypeError for a non-tensor input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._tensor import Tensor

# the trailing-underscore functions of torch's namespace whose Tensor method microtorch has
NAMES = (
    "abs_ acos_ acosh_ addmv_ arccos_ arccosh_ arcsin_ arcsinh_ arctan_ arctanh_ asin_ asinh_ atan_ atanh_ "
    "ceil_ clamp_ clamp_max_ clamp_min_ clip_ cos_ cosh_ deg2rad_ detach_ erf_ erfc_ exp2_ exp_ expm1_ fix_ "
    "floor_ frac_ gcd_ i0_ index_put_ lcm_ ldexp_ log10_ log1p_ log2_ log_ logit_ nan_to_num_ neg_ negative_ "
    "rad2deg_ reciprocal_ relu_ round_ rsqrt_ sigmoid_ sin_ sinc_ sinh_ sqrt_ square_ tan_ tanh_ trunc_ xlogy_"
).split()

__all__ = list(NAMES)


def _function_of(name: str) -> Callable[..., Tensor]:
    """``torch.<name>(input, ...)``: ``input.<name>(...)``, refusing a non-tensor ``input`` as torch."""
    method = getattr(Tensor, name)

    def fn(input: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
        return method(input, *args, **kwargs)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"In-place ``input.{name}(...)``, as ``torch.{name}``; returns ``input``."
    return fn


globals().update({name: _function_of(name) for name in NAMES})
