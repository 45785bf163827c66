"""Thread-local gradient mode: ``no_grad``, ``enable_grad``, ``set_grad_enabled``."""

from __future__ import annotations

import functools
import threading

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode"]


class _GradState(threading.local):
    enabled = True


_state = _GradState()


def is_grad_enabled() -> bool:
    """Return whether operations are currently recorded for autograd."""
    return _state.enabled


class _GradModeContext:
    """Base of the grad-mode switches: a context manager that also decorates functions."""

    _target = True

    def __enter__(self) -> None:
        self._prev = _state.enabled
        _state.enabled = self._target

    def __exit__(self, *exc) -> None:
        _state.enabled = self._prev

    def __call__(self, fn):
        target = self._target

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = _state.enabled
            _state.enabled = target
            try:
                return fn(*args, **kwargs)
            finally:
                _state.enabled = prev

        return wrapper


class no_grad(_GradModeContext):  # noqa: N801 - PyTorch's name
    """Context manager / decorator that turns off graph recording."""

    _target = False


class enable_grad(_GradModeContext):  # noqa: N801
    """Context manager / decorator that turns graph recording on."""

    _target = True


class inference_mode(_GradModeContext):  # noqa: N801
    """Like ``no_grad`` (microtorch has no separate inference tensors)."""

    def __init__(self, mode: bool = True) -> None:
        self._target = not mode


class set_grad_enabled(_GradModeContext):  # noqa: N801
    """Set grad mode now; restores the previous mode when used as a context manager."""

    def __init__(self, mode: bool) -> None:
        self._prev = _state.enabled
        self._target = bool(mode)
        _state.enabled = self._target

    def __enter__(self) -> None:
        pass

    def __call__(self, fn):
        _state.enabled = self._prev
        return super().__call__(fn)
