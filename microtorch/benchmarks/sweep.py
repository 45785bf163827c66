"""Size sweep: conv2d 3x3 (padding 1) forward+backward across batch, channels and image size,
around N=32, 16->32 channels, 32x32, so that each library's cost growth can be plotted."""

from __future__ import annotations

from . import Case
from .conv import fwd_bwd_builder

__all__ = ["AXES", "cases"]

BASE = {"batch": 32, "channels": 16, "image": 32}
AXES = {"batch": (4, 8, 16, 32, 64), "channels": (4, 8, 16, 32, 64), "image": (8, 16, 32, 64)}
QUICK_AXES = {"batch": (4, 16), "channels": (4, 16), "image": (8, 32)}


def _case(axis: str, value: int) -> Case:
    size = dict(BASE, **{axis: value})
    n, c, s = size["batch"], size["channels"], size["image"]
    xs, ws = (n, c, s, s), (2 * c, c, 3, 3)
    name = f"conv2d sweep {axis}={value}: N={n} {c}->{2 * c} {s}x{s} k3 p1 fwd+bwd"
    builders = {lib: fwd_bwd_builder(lib, 2, xs, ws, 1) for lib in ("microtorch", "torch")}
    return Case(name, builders, f"{axis} sweep", {"axis": axis, "value": value})


def cases(quick: bool = False) -> list[Case]:
    """One case per (axis, value); the other two sizes stay at the base shape."""
    axes = QUICK_AXES if quick else AXES
    return [_case(axis, v) for axis, values in axes.items() for v in values]
