"""Thread-local gradient mode: ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode``.

Each is a context manager and a decorator, as in PyTorch: of plain functions and of
generator functions (the mode then holds whenever the generator runs, not while it is
suspended); ``no_grad`` and ``enable_grad`` also decorate without parentheses.
"""

from __future__ import annotations

import functools
import inspect
import sys
import threading

__all__ = [
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
    "inference_mode",
    "is_inference_mode_enabled",
]


class _GradState(threading.local):
    enabled = True
    inference = False


_state = _GradState()


def is_grad_enabled() -> bool:
    """Return whether operations are currently recorded for autograd."""
    return _state.enabled


def is_inference_mode_enabled() -> bool:
    """Return whether an ``inference_mode`` block is active."""
    return _state.inference


class _GradModeContext:
    """Base of the grad-mode switches: a context manager that also decorates functions."""

    _target = True
    _inference = None  # inference_mode sets it; the others leave the inference flag alone

    def __enter__(self) -> None:
        self._prev = (_state.enabled, _state.inference)
        _state.enabled = self._target
        if self._inference is not None:
            _state.inference = self._inference

    def __exit__(self, *exc) -> None:
        _state.enabled, _state.inference = self._prev

    def clone(self) -> _GradModeContext:
        """A fresh context manager of the same kind and setting."""
        return self.__class__()

    def __call__(self, fn):
        if inspect.isgeneratorfunction(fn):
            return self._wrap_generator(fn)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.clone():
                return fn(*args, **kwargs)

        return wrapper

    def _wrap_generator(self, fn):
        """Run every step of the generator (and its close / throw) under this mode."""

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            gen = fn(*args, **kwargs)
            try:
                with self.clone():
                    response = gen.send(None)
                while True:
                    try:
                        request = yield response
                    except GeneratorExit:
                        with self.clone():
                            gen.close()
                        raise
                    except BaseException:
                        with self.clone():
                            response = gen.throw(*sys.exc_info())
                    else:
                        with self.clone():
                            response = gen.send(request)
            except StopIteration as stop:
                return stop.value

        return wrapper


class _NoParamDecorator(_GradModeContext):
    """Also usable as a bare decorator: ``@no_grad`` as well as ``@no_grad()``."""

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_NoParamDecorator):  # noqa: N801 - PyTorch's name
    """Context manager / decorator that turns off graph recording."""

    _target = False


class enable_grad(_NoParamDecorator):  # noqa: N801
    """Context manager / decorator that turns graph recording on."""

    _target = True


class inference_mode(_GradModeContext):  # noqa: N801
    """Like ``no_grad``, and ``is_inference_mode_enabled()`` is True inside (microtorch has no
    separate inference tensors); ``inference_mode(False)`` turns both back on and off, as PyTorch."""

    def __new__(cls, mode=True):
        if isinstance(mode, bool):
            return super().__new__(cls)
        return cls()(mode)  # used as a bare decorator

    def __init__(self, mode: bool = True) -> None:
        if not isinstance(mode, bool):  # the bare-decorator call already built the wrapper
            mode = True
        self.mode = mode
        self._inference = mode
        self._target = not mode

    def clone(self) -> inference_mode:
        """A fresh context manager with the same mode."""
        return self.__class__(self.mode)


class set_grad_enabled(_GradModeContext):  # noqa: N801
    """Set grad mode now; restores the previous mode when used as a context manager."""

    def __init__(self, mode: bool) -> None:
        self._prev = (_state.enabled, _state.inference)
        self._target = self.mode = bool(mode)
        _state.enabled = self._target

    def __enter__(self) -> None:
        pass

    def __call__(self, fn):
        _state.enabled = self._prev[0]
        return super().__call__(fn)

    def clone(self) -> set_grad_enabled:
        """A context manager that sets the same mode (the mode is set on creation)."""
        return _SetGradMode(self.mode)


class _SetGradMode(_GradModeContext):
    """The decorator form of ``set_grad_enabled``: sets the mode on entry only."""

    def __init__(self, mode: bool) -> None:
        self._target = mode

    def clone(self) -> _SetGradMode:
        return _SetGradMode(self._target)
