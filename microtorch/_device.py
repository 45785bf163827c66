"""The ``device`` type: microtorch computes on the CPU only."""

from __future__ import annotations

__all__ = ["device", "cpu"]


_TYPES = (
    "cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, ve, fpga, maia, xla, lazy, vulkan, mps, meta, hpu, "
    "mtia, privateuseone"
)
_KNOWN = frozenset(_TYPES.split(", "))


class device:  # noqa: N801 - PyTorch's name
    """A compute device, parsed as PyTorch's (``'cpu'``, ``'cuda:1'``); only the CPU computes here."""

    __slots__ = ("type", "index")

    def __init__(self, type: str | device = "cpu", index: int | None = None) -> None:  # noqa: A002
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index  # noqa: A001
        elif isinstance(type, int) and not isinstance(type, bool):
            raise RuntimeError("Cannot access accelerator device when none is available.")
        elif not isinstance(type, str):
            raise TypeError(f"device() received an invalid combination of arguments - got ({_name(type)})")
        else:
            type, parsed = _parse(type)  # noqa: A001
            if parsed is not None:
                if index is not None:
                    raise RuntimeError(
                        f"type (string) must not include an index because index was passed explicitly: {type}:{parsed}"
                    )
                index = parsed
        if index is not None:
            if not isinstance(index, int) or isinstance(index, bool):
                raise TypeError(f"device(): argument 'index' (position 2) must be int, not {_name(index)}")
            if index < 0:
                raise RuntimeError("Device index must not be negative")
        self.type = type
        self.index = index

    def __repr__(self) -> str:
        return (
            f"device(type='{self.type}')" if self.index is None else f"device(type='{self.type}', index={self.index})"
        )

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other) -> bool:
        if not isinstance(other, device):
            return NotImplemented  # as PyTorch: a device never equals a string
        return self.type == other.type and self.index == other.index

    def __hash__(self) -> int:
        return hash((self.type, self.index))


def _name(value) -> str:
    return type(value).__name__


def _parse(text: str) -> tuple:
    """``'cuda:1'`` -> (``'cuda'``, 1); PyTorch's errors for unknown types and bad indices."""
    kind, sep, rest = text.partition(":")
    if kind not in _KNOWN:
        raise RuntimeError(f"Expected one of {_TYPES} device type at start of device string: {text}")
    if not sep:
        return kind, None
    if not rest.isdigit() or (len(rest) > 1 and rest[0] == "0"):
        raise RuntimeError(f"Invalid device string: '{text}'")
    return kind, int(rest)


cpu = device("cpu")


def check_device(d, op: str = "to") -> None:
    """Raise for any device but the CPU (microtorch has no CUDA)."""
    if d is None:
        return
    if isinstance(d, int) and not isinstance(d, bool):
        raise RuntimeError(f"{op}: Cannot access accelerator device {d} when none is available.")
    kind = d.type if isinstance(d, device) else device(d).type if isinstance(d, str) else None
    if kind is None:
        raise TypeError(f"{op}(): argument 'device' must be torch.device, not {type(d).__name__}")
    if kind != "cpu":
        raise RuntimeError(f"{op}: microtorch runs on the CPU only; device '{d}' is not available")
