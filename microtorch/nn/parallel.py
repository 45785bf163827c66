"""``torch.nn.parallel`` as torch behaves on a machine without an accelerator (microtorch's only
kind): ``DataParallel`` holds the module and calls it, ``data_parallel`` finds no device type."""

from __future__ import annotations

from typing import Any

from .modules.module import Module

__all__ = ["DataParallel", "data_parallel"]


class DataParallel(Module):
    """Wraps ``module`` (seen as ``module.`` in the state dict); with no accelerator torch keeps no
    devices (``device_ids`` is ``[]``, the other arguments are unused) and forward calls the module."""

    def __init__(self, module: Module, device_ids: Any = None, output_device: Any = None, dim: int = 0) -> None:
        super().__init__()
        self.module = module
        self.device_ids: list = []

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        """``module(*inputs, **kwargs)`` on the CPU."""
        return self.module(*inputs, **kwargs)


def data_parallel(
    module: Module,
    inputs: Any,
    device_ids: Any = None,
    output_device: Any = None,
    dim: int = 0,
    module_kwargs: Any = None,
) -> Any:
    """Refuses as torch does without an accelerator: the functional form needs a device type."""
    raise RuntimeError("device type could not be determined")
