"""``torch.onnx``: the query scripts make while tracing; microtorch exports no ONNX graphs."""

from __future__ import annotations

from typing import Any

__all__ = ["export", "is_in_onnx_export"]


def is_in_onnx_export() -> bool:
    """Whether an ONNX export is tracing the current call: never, microtorch does not export."""
    return False


def export(model: Any, args: Any = (), f: Any = None, *rest: Any, **kwargs: Any) -> None:
    """Refuses: microtorch has no ONNX exporter (torch's needs the onnx/onnxscript packages)."""
    raise NotImplementedError(
        "torch.onnx.export: microtorch does not export ONNX models; run the script with the real "
        "PyTorch (and onnxscript) to export"
    )
