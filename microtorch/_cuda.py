"""``torch.cuda`` and ``torch.backends`` as seen from a CPU-only framework: nothing is available."""

from __future__ import annotations

import types

__all__ = ["backends", "cuda"]


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


def _unavailable() -> bool:
    """Always False: microtorch has no accelerator backends."""
    return False


# ``torch.backends``: the flags scripts set (``cudnn.benchmark = True``, ...) are plain
# attributes here; none of these backends exists, so they change nothing.
backends = types.SimpleNamespace(
    cudnn=types.SimpleNamespace(
        enabled=True, benchmark=False, deterministic=False, allow_tf32=True, is_available=_unavailable
    ),
    mps=types.SimpleNamespace(is_available=_unavailable, is_built=_unavailable),
    cuda=types.SimpleNamespace(is_built=_unavailable),
)
