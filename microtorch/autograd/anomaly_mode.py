"""Anomaly detection as ``torch.autograd.detect_anomaly`` / ``set_detect_anomaly``.

While it is on, every new graph node keeps the traceback of the forward call that made it;
a backward node that raises, or (with ``check_nan``) returns NaN, warns with that traceback,
and the NaN case raises ``RuntimeError("Function 'MulBackward0' returned nan values in its
0th output.")`` as PyTorch.
"""

from __future__ import annotations

import warnings

from . import _instrument

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "is_anomaly_check_nan_enabled"]


def is_anomaly_enabled() -> bool:
    """Whether anomaly detection is on."""
    return _instrument.anomaly


def is_anomaly_check_nan_enabled() -> bool:
    """Whether anomaly detection also checks backward outputs for NaN."""
    return _instrument.check_nan


def _set(mode: bool, check_nan: bool) -> None:
    _instrument.anomaly = bool(mode)
    _instrument.check_nan = bool(check_nan)
    _instrument.refresh()


class detect_anomaly:
    """Context manager that turns anomaly detection on inside its block (and warns that it is slow)."""

    def __init__(self, check_nan: bool = True) -> None:
        self.prev = is_anomaly_enabled()
        self.check_nan = check_nan
        self.prev_check_nan = is_anomaly_check_nan_enabled()
        warnings.warn(
            "Anomaly Detection has been enabled. This mode will increase the runtime and should only be enabled "
            "for debugging.",
            UserWarning,
            stacklevel=2,
        )

    def __enter__(self) -> None:
        _set(True, self.check_nan)

    def __exit__(self, *exc) -> None:
        _set(self.prev, self.prev_check_nan)


class set_detect_anomaly:
    """Turn anomaly detection on or off now; as a context manager, restore the old setting on exit."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.prev = is_anomaly_enabled()
        self.prev_check_nan = is_anomaly_check_nan_enabled()
        _set(mode, check_nan)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc) -> None:
        _set(self.prev, self.prev_check_nan)
