"""``torch.cuda`` as seen from a CPU-only framework: nothing is available."""

from __future__ import annotations

import types

__all__ = ["cuda"]


def _is_available() -> bool:
    """Always False: microtorch computes on the CPU."""
    return False


def _device_count() -> int:
    """Always 0."""
    return 0


cuda = types.SimpleNamespace(
    is_available=_is_available,
    device_count=_device_count,
    manual_seed=lambda seed: None,
    manual_seed_all=lambda seed: None,
    synchronize=lambda *a, **k: None,
    empty_cache=lambda: None,
)
