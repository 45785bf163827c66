"""``torch.accelerator``: the device-agnostic accelerator API, as torch's build without an accelerator."""

from __future__ import annotations

import warnings
from collections import OrderedDict
from typing import Any

from ._device import device

__all__ = [
    "current_accelerator",
    "current_device_idx",
    "current_device_index",
    "current_stream",
    "device_count",
    "device_index",
    "empty_cache",
    "empty_host_cache",
    "get_device_capability",
    "get_memory_info",
    "is_available",
    "max_memory_allocated",
    "max_memory_reserved",
    "memory_allocated",
    "memory_reserved",
    "memory_stats",
    "reset_accumulated_memory_stats",
    "reset_peak_memory_stats",
    "set_device_idx",
    "set_device_index",
    "set_stream",
    "synchronize",
]

_NONE = "Cannot access accelerator device when none is available."
_Device = device | str | int | None


def _unavailable() -> RuntimeError:
    return RuntimeError(_NONE)


def is_available() -> bool:
    """Whether an accelerator is available: never, microtorch computes on the CPU."""
    return False


def current_accelerator(check_available: bool = False) -> device | None:
    """The accelerator of this build: None."""
    return None


def device_count() -> int:
    """How many accelerator devices there are: 0."""
    return 0


def current_device_index() -> int:
    """The current accelerator's index; raises, as there is none."""
    raise _unavailable()


def current_device_idx() -> int:
    """Deprecated name of ``current_device_index``."""
    warnings.warn("Use `current_device_index` instead.", FutureWarning, stacklevel=2)
    return current_device_index()


def set_device_index(device: _Device, /) -> None:  # noqa: A002 - torch's name
    """Select an accelerator device; raises, as there is none."""
    raise _unavailable()


def set_device_idx(device: _Device, /) -> None:  # noqa: A002 - torch's name
    """Deprecated name of ``set_device_index``."""
    warnings.warn("Use `set_device_index` instead.", FutureWarning, stacklevel=2)
    set_device_index(device)


def synchronize(device: _Device = None, /) -> None:  # noqa: A002 - torch's name
    """Wait for an accelerator's work; raises, as there is none."""
    raise _unavailable()


def current_stream(device: _Device = None, /) -> Any:  # noqa: A002 - torch's name
    """The accelerator's current stream; raises, as there is none."""
    raise _unavailable()


def set_stream(stream: Any) -> None:
    """Make ``stream`` current; raises, as microtorch has no streams."""
    raise TypeError(
        "_accelerator_setStream(): incompatible function arguments. The following argument types are supported:\n"
        f"    1. (arg0: torch.Stream) -> None\n\nInvoked with: {stream!r}"
    )


def empty_cache() -> None:
    """Release the accelerator's cached memory; raises, as there is none."""
    raise _unavailable()


def empty_host_cache() -> None:
    """Release the pinned host memory cache; raises, as there is no accelerator."""
    raise _unavailable()


def get_device_capability(device: _Device = None, /) -> dict[str, Any]:  # noqa: A002 - torch's name
    """The accelerator's capabilities; raises, as there is none."""
    raise _unavailable()


def get_memory_info(device_index: _Device = None, /) -> tuple[int, int]:
    """Free and total accelerator memory; raises, as there is none."""
    raise _unavailable()


def memory_stats(device_index: _Device = None, /) -> OrderedDict[str, Any]:
    """The accelerator's allocator statistics; raises, as there is none."""
    raise _unavailable()


def memory_allocated(device_index: _Device = None, /) -> int:
    """Bytes held by tensors on the accelerator; raises, as there is none."""
    raise _unavailable()


def max_memory_allocated(device_index: _Device = None, /) -> int:
    """Peak of ``memory_allocated``; raises, as there is no accelerator."""
    raise _unavailable()


def memory_reserved(device_index: _Device = None, /) -> int:
    """Bytes the accelerator's allocator holds; raises, as there is none."""
    raise _unavailable()


def max_memory_reserved(device_index: _Device = None, /) -> int:
    """Peak of ``memory_reserved``; raises, as there is no accelerator."""
    raise _unavailable()


def reset_peak_memory_stats(device_index: _Device = None, /) -> None:
    """Reset the peak statistics; raises, as there is no accelerator."""
    raise _unavailable()


def reset_accumulated_memory_stats(device_index: _Device = None, /) -> None:
    """Reset the accumulated statistics; raises, as there is no accelerator."""
    raise _unavailable()


class device_index:  # noqa: N801 - torch's name
    """Context manager selecting an accelerator index; ``None`` switches nothing, an index raises."""

    def __init__(self, device: int | None, /) -> None:  # noqa: A002 - torch's name
        self.idx = device

    def __enter__(self) -> None:
        if self.idx is not None:
            raise _unavailable()

    def __exit__(self, *exc_info: object) -> None:
        return None
