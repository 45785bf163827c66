"""A CPU profiler in the shape of ``torch.profiler``: ``profile``, ``record_function``, ``ProfilerActivity``.

Inside ``with profile() as prof:`` every built-in op's forward (``aten::mul``), every backward
node the engine runs (``MulBackward0``), every gradient accumulated into a leaf
(``torch::autograd::AccumulateGrad``), every custom ``autograd.Function`` and every
``record_function`` block is timed as a nested range; ``prof.key_averages().table(...)``
summarises them as PyTorch does and ``prof.export_chrome_trace(path)`` writes them for
chrome://tracing or Perfetto. Outside a profiler nothing is recorded and nothing is paid.
"""

from __future__ import annotations

import contextlib
import enum
import os
import warnings
from time import perf_counter_ns

from ..autograd import _instrument
from ._events import EventList, FunctionEvent, FunctionEventAvg

__all__ = ["profile", "record_function", "ProfilerActivity", "EventList", "FunctionEvent", "FunctionEventAvg"]


class ProfilerActivity(enum.Enum):
    """What to profile: microtorch runs on the CPU only, so CUDA is accepted and warned about, as torch without CUDA."""

    CPU = "CPU"
    CUDA = "CUDA"


class _Recorder:
    """Collects nested ranges while a profiler is active (called by ``autograd._instrument``)."""

    def __init__(self, record_shapes: bool) -> None:
        self.record_shapes = record_shapes
        self.events: list = []
        self.stack: list = []

    def begin(self, name: str, inputs, options, kind: str = "cpu_op") -> FunctionEvent:
        """Open a range; ``inputs``' shapes (``[]`` for non-tensors and each keyword option) when recording shapes."""
        shapes = None
        if self.record_shapes:
            shapes = [list(a.shape) if hasattr(a, "_data") else [] for a in inputs]
            shapes += [[] for _ in options or ()]
        parent = self.stack[-1] if self.stack else None
        event = FunctionEvent(len(self.events), name, kind, shapes, parent)
        self.events.append(event)
        self.stack.append(event)
        event.start_ns = perf_counter_ns()
        return event

    def end(self, event: FunctionEvent) -> None:
        """Close the innermost range, ``event``."""
        event.end_ns = perf_counter_ns()
        self.stack.pop()


_UNSUPPORTED = ("profile_memory", "with_stack", "with_flops", "with_modules")


class profile:
    """Record the ops run inside ``with profile(...) as prof:`` (or between ``start()`` and ``stop()``).

    ``record_shapes=True`` keeps every op's input shapes (for ``key_averages(group_by_input_shape=True)``
    and the trace). Memory, stack, FLOP and module recording are not implemented: asking for them raises.
    """

    def __init__(self, *, activities=None, record_shapes: bool = False, **options) -> None:
        for name, value in options.items():
            if name not in _UNSUPPORTED:
                raise TypeError(f"profile() got an unexpected keyword argument '{name}'")
            if value:
                raise NotImplementedError(f"profile: {name}=True is not supported by microtorch's profiler")
        activities = set(activities) if activities is not None else {ProfilerActivity.CPU}
        if ProfilerActivity.CUDA in activities:
            warnings.warn("CUDA is not available, disabling CUDA profiling", UserWarning, stacklevel=2)
        if ProfilerActivity.CPU not in activities:
            raise ValueError("profile: microtorch profiles the CPU only; activities must include ProfilerActivity.CPU")
        self.record_shapes = bool(record_shapes)
        self._recorder = None
        self._events = None

    def start(self) -> None:
        """Start recording."""
        if _instrument.recorder is not None:
            raise RuntimeError("profile: a profiler is already running; nest record_function blocks instead")
        self._recorder = _Recorder(self.record_shapes)
        self._events = None
        _instrument.recorder = self._recorder
        _instrument.refresh()

    def stop(self) -> None:
        """Stop recording; the events are then available."""
        if self._recorder is None or _instrument.recorder is not self._recorder:
            raise RuntimeError("profile.stop: this profiler is not running")
        _instrument.recorder = None
        _instrument.refresh()
        self._events = EventList(e for e in self._recorder.events if e.end_ns)

    def __enter__(self) -> profile:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def events(self) -> EventList:
        """Every recorded range, in the order they started."""
        if self._events is None:
            raise RuntimeError("profile: no results yet; read them after the with block (or after stop())")
        return self._events

    def key_averages(self, group_by_input_shape: bool = False) -> EventList:
        """Per op name (and input shapes when grouping by them): calls, self and total CPU time."""
        if group_by_input_shape and not self.record_shapes:
            raise RuntimeError("key_averages: group_by_input_shape=True needs profile(record_shapes=True)")
        return self.events().key_averages(group_by_input_shape)

    def export_chrome_trace(self, path: str | os.PathLike) -> None:
        """Write the ranges as Chrome trace JSON (``{"traceEvents": [...]}``) to ``path``."""
        self.events().export_chrome_trace(path)


class record_function(contextlib.ContextDecorator):
    """Time a block (``with record_function("name"):``) or every call of a decorated function as one range."""

    def __init__(self, name: str) -> None:
        if not isinstance(name, str):
            raise TypeError(f"record_function: name must be a str, got {type(name).__name__}")
        self.name = name
        self._events: list = []

    def __enter__(self) -> record_function:
        rec = _instrument.recorder
        self._events.append(rec.begin(self.name, (), None, "user_annotation") if rec is not None else None)
        return self

    def __exit__(self, *exc) -> None:
        event = self._events.pop()
        rec = _instrument.recorder
        if event is not None and rec is not None:
            rec.end(event)
