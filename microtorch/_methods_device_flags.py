"""torch's per-tensor backend and layout flags (``t.is_cpu``, ``t.is_xpu``, ``t.is_sparse``, ...):
microtorch tensors are dense, strided, unquantized CPU tensors, so ``is_cpu`` is True and the rest False."""

from __future__ import annotations

from ._tensor import Tensor

FALSE_FLAGS = (
    "is_ipu",
    "is_maia",
    "is_meta",
    "is_mkldnn",
    "is_mps",
    "is_mtia",
    "is_nested",
    "is_quantized",
    "is_sparse",
    "is_sparse_csr",
    "is_vulkan",
    "is_xla",
    "is_xpu",
)


def _flag(name: str, value: bool) -> property:
    """A read-only property that is always ``value``."""

    def get(self: Tensor) -> bool:
        return value

    get.__name__ = name
    get.__doc__ = f"``{value}``: microtorch tensors are dense CPU tensors."
    return property(get)


Tensor.is_cpu = _flag("is_cpu", True)
for _name in FALSE_FLAGS:
    setattr(Tensor, _name, _flag(_name, False))
