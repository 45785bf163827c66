"""The ``device`` type: microtorch computes on the CPU only."""

from __future__ import annotations

__all__ = ["device", "cpu", "get_default_device", "set_default_device"]


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
            raise TypeError(
                f"device() received an invalid combination of arguments - got ({_name(type)}), but expected one of:\n"
                " * (torch.device device)\n * (str type, int index = -1)"
            )
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

    def __enter__(self) -> device:
        _context_stack.append(_default[0])
        set_default_device(self)
        return self

    def __exit__(self, *exc_info) -> None:
        _default[0] = _context_stack.pop()


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
_as_device = device  # for functions whose argument is named ``device``, as torch's

_default: list = [None]  # the default device; None is the plain CPU
_context_stack: list = []  # defaults in force before each ``with torch.device(...)``


def get_default_device() -> device:
    """The device factories create tensors on when given none (``torch.set_default_device``)."""
    d = _default[0]
    if d is None:
        return cpu
    if d.index is None and d.type not in ("cpu", "meta"):  # torch asks the backend for its current index
        raise _not_built(d.type)
    return d


def set_default_device(device: device | str | int | None) -> None:  # noqa: A002 - PyTorch's name
    """Make ``device`` the default of the factories; ``None`` restores the CPU (any valid device is accepted)."""
    _default[0] = None if device is None else _as_device(device)


def _not_built(kind: str) -> Exception:
    """torch's error for a backend its CPU build lacks."""
    if kind in ("cuda", "xpu"):
        return AssertionError(f"Torch not compiled with {kind.upper()} enabled")
    return RuntimeError(f"PyTorch is not linked with support for {kind} devices")


# the factories torch's default device applies to (torch.utils._device._device_constructors); the
# ``*_like`` and ``new_*`` ones follow their tensor's device
_DEVICE_CONSTRUCTORS = frozenset(
    "arange as_tensor asarray bartlett_window blackman_window empty empty_permuted empty_strided eye full "
    "hamming_window hann_window kaiser_window linspace logspace ones rand randint randn randperm range "
    "scalar_tensor tensor tril_indices triu_indices zeros".split()
)


def check_factory_device(d, op: str) -> None:
    """``check_device`` for a factory: without a ``device``, torch's constructors use the default device."""
    check_device(d, op)
    if d is not None or op not in _DEVICE_CONSTRUCTORS:
        return
    d = _default[0]
    if d is None or d.type == "cpu":
        return
    if d.type in ("cuda", "xpu"):
        raise _not_built(d.type)
    if d.type == "meta":
        raise NotImplementedError(f"{op}: microtorch has no meta tensors (the default device is meta)")
    raise NotImplementedError(f"Could not run '{op}' with arguments from the '{d.type.upper()}' backend.")


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
