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
from collections.abc import Callable
from time import perf_counter_ns

from ..autograd import _instrument
from ._events import EventList, FunctionEvent, FunctionEventAvg
from ._schedule import TRANSITIONS, ProfilerAction, default_schedule, schedule, tensorboard_trace_handler

__all__ = [
    "profile",
    "record_function",
    "ProfilerActivity",
    "ProfilerAction",
    "schedule",
    "tensorboard_trace_handler",
    "EventList",
    "FunctionEvent",
    "FunctionEventAvg",
]


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
        """Close the range ``event`` (normally the innermost; ranges still open inside it are dropped from the stack)."""
        event.end_ns = perf_counter_ns()
        stack = self.stack
        if stack and stack[-1] is event:
            stack.pop()
        elif event in stack:  # a record_function left out of order (e.g. by a generator): keep the stack consistent
            del stack[stack.index(event) :]
        elif event.cpu_parent is not None and event.cpu_parent.end_ns:  # dropped so: it ends with its parent
            event.end_ns = min(event.end_ns, event.cpu_parent.end_ns)


_UNSUPPORTED = ("profile_memory", "with_stack", "with_flops", "with_modules")
_running = None  # the profile between its start() and stop()


class profile:
    """Record the ops run inside ``with profile(...) as prof:`` (or between ``start()`` and ``stop()``).

    ``record_shapes=True`` keeps every op's input shapes (for ``key_averages(group_by_input_shape=True)``
    and the trace). With a ``schedule`` (see ``microtorch.profiler.schedule``), ``prof.step()`` marks
    each step (recorded as ``ProfilerStep#N``) and only the steps the schedule says are recorded;
    ``on_trace_ready(prof)`` is called at the end of each recorded cycle (and at stop while recording).
    Memory, stack, FLOP and module recording are not implemented: asking for them raises.
    """

    def __init__(
        self,
        *,
        activities=None,
        schedule: Callable | None = None,
        on_trace_ready: Callable | None = None,
        record_shapes: bool = False,
        **options,
    ) -> None:
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
        self.schedule = schedule if schedule is not None else default_schedule
        self.record_steps = schedule is not None
        self.on_trace_ready = on_trace_ready
        self.step_num = 0
        self.current_action = self.schedule(0)
        self._recorder = None
        self._events = None
        self._step_range = None

    # --- the public state machine, as torch's ---------------------------------------
    def start(self) -> None:
        """Start profiling (recording at once unless the schedule says to wait)."""
        global _running
        if _running is not None:
            raise RuntimeError("profile: a profiler is already running; nest record_function blocks instead")
        _running = self
        self._transit(ProfilerAction.NONE, self.current_action)
        self._enter_step()

    def stop(self) -> None:
        """Stop profiling; the events of the last recorded cycle are then available."""
        global _running
        if _running is not self:
            raise RuntimeError("profile.stop: this profiler is not running")
        self._exit_step()
        try:
            self._transit(self.current_action, None)
        finally:
            _running = None
            if self._recorder is not None:  # an error in on_trace_ready must not leave the hooks in
                self._stop_trace()

    def step(self) -> None:
        """Mark the start of the next step: the schedule decides whether it is recorded."""
        self._exit_step()
        prev = self.current_action
        self.step_num += 1
        self.current_action = self.schedule(self.step_num)
        self._transit(prev, self.current_action)
        self._enter_step()

    def __enter__(self) -> profile:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- results --------------------------------------------------------------------
    def events(self) -> EventList:
        """Every range recorded in the last cycle, in the order they started."""
        if self._events is None:
            raise RuntimeError("profile: no results yet; read them after the with block (or after stop())")
        return self._events

    def key_averages(self, group_by_input_shape: bool = False) -> EventList:
        """Per op name (and input shapes when grouping by them): calls, self and total CPU time."""
        if group_by_input_shape and not self.record_shapes:
            raise RuntimeError("key_averages: group_by_input_shape=True needs profile(record_shapes=True)")
        return self.events().key_averages(group_by_input_shape)

    def export_chrome_trace(self, path: str | os.PathLike) -> None:
        """Write the ranges as Chrome trace JSON (``{"traceEvents": [...]}``) to ``path`` (gzip for ``.gz``)."""
        self.events().export_chrome_trace(path)

    # --- transitions ----------------------------------------------------------------
    def _transit(self, prev, action) -> None:
        for name in TRANSITIONS.get((prev, action), ()):
            getattr(self, name)()

    def _prepare_trace(self) -> None:
        self._events = None

    def _start_trace(self) -> None:
        self._recorder = _Recorder(self.record_shapes)
        _instrument.recorder = self._recorder
        _instrument.refresh()

    def _stop_trace(self) -> None:
        _instrument.recorder = None
        _instrument.refresh()
        self._events = EventList(e for e in self._recorder.events if e.end_ns)
        self._recorder = None

    def _trace_ready(self) -> None:
        if self.on_trace_ready is not None:
            self.on_trace_ready(self)

    def _warn_warmup_then_none(self) -> None:
        warnings.warn("Incorrect schedule: WARMUP followed by NONE", stacklevel=4)

    def _warn_record_then_none(self) -> None:
        warnings.warn("Incorrect schedule: RECORD followed by NONE", stacklevel=4)

    def _warn_record_then_warmup(self) -> None:
        warnings.warn("Incorrect schedule: RECORD followed by WARMUP", stacklevel=4)

    def _enter_step(self) -> None:
        if self.record_steps:
            self._step_range = record_function(f"ProfilerStep#{self.step_num}")
            self._step_range.__enter__()

    def _exit_step(self) -> None:
        if self._step_range is not None:
            self._step_range.__exit__(None, None, None)
            self._step_range = None


class record_function(contextlib.ContextDecorator):
    """Time a block (``with record_function("name"):``) or every call of a decorated function as one range."""

    def __init__(self, name: str) -> None:
        if not isinstance(name, str):
            raise TypeError(f"record_function: name must be a str, got {type(name).__name__}")
        self.name = name
        self._events: list = []

    def __enter__(self) -> record_function:
        rec = _instrument.recorder
        event = rec.begin(self.name, (), None, "user_annotation") if rec is not None else None
        self._events.append((rec, event))
        return self

    def __exit__(self, *exc) -> None:
        rec, event = self._events.pop()
        if event is not None and _instrument.recorder is rec:  # not if that recording has stopped since
            rec.end(event)
