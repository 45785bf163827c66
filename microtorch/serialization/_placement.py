"""``map_location`` for ``load``: every storage lands on the CPU, or a clear error names the device."""

from __future__ import annotations

from typing import Any

from .._device import cpu as _cpu
from .._device import device as _Device


class _Placement:
    """Where ``map_location`` sends each storage: the CPU, or a clear error for any other device."""

    def __init__(self, map_location: Any) -> None:
        if map_location is None or isinstance(map_location, dict) or callable(map_location):
            self.how = map_location
        elif isinstance(map_location, (str, _Device)) or type(map_location).__name__ == "device":
            self.how = str(map_location)
            self.check(self.how, None)
        else:
            raise TypeError(
                "load: map_location must be a string, a device, a dict or a callable, got "
                f"{type(map_location).__name__}"
            )

    def restore(self, location: str, key: str, nbytes: int) -> None:
        """Check that a storage saved at ``location`` lands on the CPU (calling a callable map_location)."""
        how = self.how
        if isinstance(how, str):
            return
        if isinstance(how, dict):
            self.check(how.get(location, location), key)
            return
        if how is None:
            self.check(location, key)
            return
        given = _MappedStorage(key, nbytes)
        result = how(given, location)
        if result is None:
            self.check(location, key)
        elif result is not given:
            raise TypeError(
                f"load: map_location returned a {type(result).__name__} for storage '{key}'; it must return the "
                "storage it was given (or None)"
            )

    @staticmethod
    def check(target: Any, key: str | None) -> None:
        """Raise unless ``target`` names the CPU."""
        if not isinstance(target, (str, _Device)) and type(target).__name__ != "device":
            raise TypeError(f"load: map_location must map locations to devices, got {type(target).__name__}")
        if str(target).split(":")[0] != "cpu":
            what = f"storage '{key}'" if key is not None else "storages"
            raise RuntimeError(
                f"load: cannot load {what} on '{target}': microtorch runs on the CPU only; use "
                "map_location='cpu' (or torch.device('cpu')) to map storages to the CPU"
            )


class _MappedStorage:
    """What a callable ``map_location`` receives: a CPU storage that cannot move to another device."""

    __slots__ = ("key", "_nbytes")
    device = _cpu

    def __init__(self, key: str, nbytes: int) -> None:
        self.key = key
        self._nbytes = nbytes

    def nbytes(self) -> int:
        """Size of the storage in bytes."""
        return self._nbytes

    def cpu(self) -> _MappedStorage:
        """This storage (it is on the CPU already)."""
        return self

    def to(self, target: Any, non_blocking: bool = False) -> _MappedStorage:
        """This storage if ``target`` is the CPU; raises for any other device."""
        _Placement.check(target, self.key)
        return self

    def cuda(self, target: Any = None, non_blocking: bool = False) -> _MappedStorage:
        """Raises: microtorch has no CUDA."""
        _Placement.check("cuda" if target is None else f"cuda:{target}", self.key)
        return self
