"""Reproducible randomness: ``Generator`` and ``manual_seed`` (numpy PCG64 streams).

Streams are reproducible within microtorch; they are not PyTorch's bit streams.
"""

from __future__ import annotations

import contextlib

import numpy as np

__all__ = [
    "Generator",
    "manual_seed",
    "seed",
    "initial_seed",
    "default_generator",
    "get_rng_state",
    "set_rng_state",
    "fork_rng",
]


class Generator:
    """A random number generator; pass it as ``generator=`` to sampling functions."""

    def __init__(self, device="cpu") -> None:
        from ._device import check_device

        check_device(device, "Generator")
        self._seed = 67280421310721
        self._rng = np.random.Generator(np.random.PCG64(self._seed))

    def manual_seed(self, seed: int) -> Generator:
        """Reset the stream from ``seed`` (an integer in [-2**63, 2**64); negative ones wrap as in PyTorch)."""
        seed = int(seed)
        if not -(2**63) <= seed < 2**64:
            raise ValueError("Overflow when unpacking long long")
        self._seed = seed & (2**64 - 1)
        self._rng = np.random.Generator(np.random.PCG64(self._seed))
        return self

    def seed(self) -> int:
        """Seed from fresh entropy and return the seed."""
        s = int(np.random.SeedSequence().entropy) & (2**63 - 1)
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        """The seed this stream started from."""
        return self._seed

    def get_state(self):
        """The generator state (a Tensor of uint8 bytes, as PyTorch)."""
        import json

        from ._tensor import Tensor

        raw = json.dumps(self._rng.bit_generator.state).encode()
        return Tensor._make(np.frombuffer(raw, dtype=np.uint8).copy())

    def set_state(self, state) -> Generator:
        """Restore a state from ``get_state``."""
        import json

        arr = state._data if hasattr(state, "_data") else np.asarray(state)
        self._rng.bit_generator.state = json.loads(arr.astype(np.uint8).tobytes().decode())
        return self

    @property
    def device(self):
        from ._device import cpu

        return cpu


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the default generator; returns it."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed the default generator from fresh entropy."""
    return default_generator.seed()


def initial_seed() -> int:
    """The default generator's seed."""
    return default_generator.initial_seed()


def get_rng_state():
    """The default generator's state."""
    return default_generator.get_state()


def set_rng_state(new_state) -> None:
    """Restore the default generator's state."""
    default_generator.set_state(new_state)


def rng(generator: Generator | None) -> np.random.Generator:
    """The numpy generator behind ``generator`` (or the default one)."""
    return (generator or default_generator)._rng


@contextlib.contextmanager
def fork_rng(devices=None, enabled: bool = True):
    """Restore the default generator's state on exit, so that draws inside do not affect the stream.

    ``devices`` names accelerator devices to fork too: there are none here, so it must be empty."""
    if devices:
        raise RuntimeError(f"fork_rng: microtorch runs on the CPU only; devices {list(devices)} are not available")
    if not enabled:
        yield
        return
    state, seed_before = default_generator._rng.bit_generator.state, default_generator._seed
    try:
        yield
    finally:
        default_generator._rng.bit_generator.state = state
        default_generator._seed = seed_before
