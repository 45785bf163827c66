"""The ``device`` type: microtorch computes on the CPU only."""

from __future__ import annotations

__all__ = ["device", "cpu"]


class device:  # noqa: N801 - PyTorch's name
    """A compute device; only ``'cpu'`` exists (CUDA requests raise)."""

    __slots__ = ("type", "index")

    def __init__(self, type: str | device = "cpu", index: int | None = None) -> None:  # noqa: A002
        if isinstance(type, device):
            type, index = type.type, type.index  # noqa: A001
        kind = str(type).split(":")[0]
        if kind not in ("cpu", "cuda", "mps", "meta"):
            raise RuntimeError(f"Expected one of cpu, cuda, mps device type at start of device string: {type}")
        self.type = kind
        self.index = index

    def __repr__(self) -> str:
        return (
            f"device(type='{self.type}')" if self.index is None else f"device(type='{self.type}', index={self.index})"
        )

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and self.type == other.type and self.index == other.index

    def __hash__(self) -> int:
        return hash((self.type, self.index))


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
