"""Profiling only some steps: ``schedule``, ``ProfilerAction``, the transitions ``profile.step()``
makes between them, and ``tensorboard_trace_handler`` -- as ``torch.profiler``."""

from __future__ import annotations

import enum
import os
import warnings
from collections.abc import Callable

__all__ = ["ProfilerAction", "schedule", "tensorboard_trace_handler"]


class ProfilerAction(enum.Enum):
    """What the profiler does during a step: nothing, warm up (not recorded), record, record and then hand over."""

    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3


def schedule(*, wait: int, warmup: int, active: int, repeat: int = 0, skip_first: int = 0, skip_first_wait: int = 0):
    """The step -> ``ProfilerAction`` function of torch: skip ``skip_first`` steps, then cycles of ``wait``
    idle, ``warmup`` warm-up and ``active`` recorded steps (``repeat`` cycles, 0 for no limit); the last
    active step of a cycle is ``RECORD_AND_SAVE``, after which ``on_trace_ready`` is called."""

    def schedule_fn(step: int) -> ProfilerAction:
        if step < 0:
            raise AssertionError(f"Step must be non-negative. Got {step}.")
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        if skip_first_wait != 0:
            step += wait
        num_steps = wait + warmup + active
        if repeat > 0 and step / num_steps >= repeat:
            return ProfilerAction.NONE
        mod_step = step % num_steps
        if mod_step < wait:
            return ProfilerAction.NONE
        if mod_step < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if mod_step < num_steps - 1 else ProfilerAction.RECORD_AND_SAVE

    if wait < 0 or warmup < 0 or active <= 0 or repeat < 0 or skip_first < 0:
        raise AssertionError(
            f"Invalid profiler schedule arguments. Got wait={wait} (need >= 0), warmup={warmup} (need >= 0), "
            f"active={active} (need > 0), repeat={repeat} (need >= 0), skip_first={skip_first} (need >= 0)."
        )
    if warmup == 0:
        warnings.warn("Profiler won't be using warmup, this can skew profiler results", stacklevel=2)
    return schedule_fn


def default_schedule(step: int) -> ProfilerAction:
    """Without a schedule: record from start to stop."""
    return ProfilerAction.RECORD


_N, _W, _R, _S = ProfilerAction.NONE, ProfilerAction.WARMUP, ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE

#: (previous action, next action; None at stop) -> the profile methods to call, in order, as torch's action_map
TRANSITIONS: dict = {
    (_N, _W): ("_prepare_trace",),
    (_N, _R): ("_prepare_trace", "_start_trace"),
    (_N, _S): ("_prepare_trace", "_start_trace"),
    (_W, _N): ("_warn_warmup_then_none", "_start_trace", "_stop_trace"),
    (_W, _R): ("_start_trace",),
    (_W, _S): ("_start_trace",),
    (_R, _N): ("_warn_record_then_none", "_stop_trace"),
    (_R, _W): ("_warn_record_then_warmup", "_stop_trace"),
    (_S, _N): ("_stop_trace", "_trace_ready"),
    (_S, _W): ("_stop_trace", "_trace_ready", "_prepare_trace"),
    (_S, _R): ("_stop_trace", "_trace_ready", "_prepare_trace", "_start_trace"),
    (_S, _S): ("_stop_trace", "_trace_ready", "_prepare_trace", "_start_trace"),
    (_W, None): ("_start_trace", "_stop_trace"),
    (_R, None): ("_stop_trace", "_trace_ready"),
    (_S, None): ("_stop_trace", "_trace_ready"),
}


def tensorboard_trace_handler(dir_name: str, worker_name: str | None = None, use_gzip: bool = False) -> Callable:
    """An ``on_trace_ready`` that writes each cycle's Chrome trace to ``dir_name`` as
    ``<worker_name>.<time_ns>.pt.trace.json`` (``.gz`` with ``use_gzip``), the file names torch uses."""
    import socket
    import time

    def handler_fn(prof) -> None:
        nonlocal worker_name
        try:
            os.makedirs(dir_name, exist_ok=True)
        except OSError as e:
            raise RuntimeError("Can't create directory: " + dir_name) from e
        if not worker_name:
            worker_name = f"{socket.gethostname()}_{os.getpid()}"
        file_name = f"{worker_name}.{time.time_ns()}.pt.trace.json" + (".gz" if use_gzip else "")
        prof.export_chrome_trace(os.path.join(dir_name, file_name))

    return handler_fn
