"""Profiler events and their summaries: ``FunctionEvent``, ``FunctionEventAvg``, ``EventList``
(``key_averages``, ``table``, ``export_chrome_trace``), laid out as ``torch.autograd.profiler_util``."""

from __future__ import annotations

import gzip
import json
import os
import threading

__all__ = ["FunctionEvent", "FunctionEventAvg", "EventList"]

SORT_KEYS = ("cpu_time", "cpu_time_total", "self_cpu_time_total", "count")


def _format_time(time_us: float) -> str:
    """Microseconds as PyTorch's tables print them (``12.345us``, ``1.234ms``, ``1.234s``)."""
    if time_us >= 1e6:
        return f"{time_us / 1e6:.3f}s"
    if time_us >= 1e3:
        return f"{time_us / 1e3:.3f}ms"
    return f"{time_us:.3f}us"


def _format_share(time_us: float, total_us: float) -> str:
    return "NaN" if total_us == 0 else f"{time_us * 100.0 / total_us:.2f}%"


class FunctionEvent:
    """One recorded range: an op's forward, a backward node, AccumulateGrad or a ``record_function`` block."""

    __slots__ = (
        "id",
        "name",
        "trace_name",
        "kind",
        "input_shapes",
        "cpu_parent",
        "cpu_children",
        "start_ns",
        "end_ns",
        "thread",
    )

    def __init__(self, id: int, name: str, kind: str, input_shapes, parent) -> None:
        self.id = id
        self.trace_name = name
        # as torch, the steps of a scheduled profile share one name in the summaries (the trace keeps "#N")
        self.name = "ProfilerStep*" if name.startswith("ProfilerStep#") else name
        self.kind = kind  # "cpu_op" or "user_annotation", the Chrome trace category
        self.input_shapes = input_shapes
        self.cpu_parent = parent
        self.cpu_children: list = []
        self.thread = threading.get_ident()
        self.start_ns = self.end_ns = 0
        if parent is not None:
            parent.cpu_children.append(self)

    @property
    def key(self) -> str:
        """The name the summaries group by."""
        return self.name

    count = 1

    @property
    def cpu_time_total(self) -> float:
        """Wall time of the range in microseconds, children included."""
        return (self.end_ns - self.start_ns) / 1e3

    @property
    def self_cpu_time_total(self) -> float:
        """Microseconds spent in this range outside its child ranges."""
        return self.cpu_time_total - sum(c.cpu_time_total for c in self.cpu_children)

    cpu_time = cpu_time_total

    def __repr__(self) -> str:
        return (
            f"<FunctionEvent id={self.id} name={self.name} cpu_time={_format_time(self.cpu_time_total)} "
            f"self_cpu_time={_format_time(self.self_cpu_time_total)} input_shapes={self.input_shapes}>"
        )


class FunctionEventAvg:
    """The events of one key (name, and input shapes when grouped by them) summed: calls and times."""

    def __init__(self, key: str, input_shapes=None) -> None:
        self.key = key
        self.input_shapes = input_shapes
        self.count = 0
        self.cpu_time_total = 0.0
        self.self_cpu_time_total = 0.0
        self.cpu_parent = None

    def add(self, event) -> FunctionEventAvg:
        """Add one event (or another average) of the same key."""
        if event.key != self.key:
            raise ValueError(f"FunctionEventAvg.add: expected an event of key {self.key!r}, got {event.key!r}")
        if self.count == 0:
            self.cpu_parent = event.cpu_parent  # as torch: the first event's, for top_level_events_only
        self.count += event.count
        self.cpu_time_total += event.cpu_time_total
        self.self_cpu_time_total += event.self_cpu_time_total
        return self

    @property
    def cpu_time(self) -> float:
        """Average microseconds per call, children included."""
        return self.cpu_time_total / self.count if self.count else 0.0

    @property
    def cpu_time_str(self) -> str:
        """``cpu_time`` formatted as in the table."""
        return _format_time(self.cpu_time)

    @property
    def cpu_time_total_str(self) -> str:
        """``cpu_time_total`` formatted as in the table."""
        return _format_time(self.cpu_time_total)

    @property
    def self_cpu_time_total_str(self) -> str:
        """``self_cpu_time_total`` formatted as in the table."""
        return _format_time(self.self_cpu_time_total)

    def __repr__(self) -> str:
        return (
            f"<FunctionEventAvg key={self.key} self_cpu_time={self.self_cpu_time_total_str} "
            f"cpu_time={self.cpu_time_total_str} count={self.count} input_shapes={self.input_shapes or ''}>"
        )


class EventList(list):
    """A list of events (or of their averages) with PyTorch's summary methods."""

    def key_averages(self, group_by_input_shape: bool = False) -> EventList:
        """One ``FunctionEventAvg`` per name (and per input shapes with ``group_by_input_shape``), in first-seen order."""
        groups: dict = {}
        for event in self:
            shapes = event.input_shapes if group_by_input_shape else None
            key = (event.key, str(shapes)) if group_by_input_shape else event.key
            avg = groups.get(key)
            if avg is None:
                avg = groups[key] = FunctionEventAvg(event.key, shapes)
            avg.add(event)
        return EventList(groups.values())

    def total_average(self) -> FunctionEventAvg:
        """All events summed into one average, keyed ``Total``."""
        total = FunctionEventAvg("Total")
        for event in self:
            total.count += event.count
            total.cpu_time_total += event.cpu_time_total
            total.self_cpu_time_total += event.self_cpu_time_total
        return total

    @property
    def self_cpu_time_total(self) -> float:
        """Sum of the self times of the events, in microseconds."""
        return sum(event.self_cpu_time_total for event in self)

    def table(
        self,
        sort_by: str | None = None,
        row_limit: int = 100,
        max_name_column_width: int = 55,
        max_shapes_column_width: int = 80,
        header: str | None = None,
        top_level_events_only: bool = False,
    ) -> str:
        """The summary table as PyTorch prints it, rows sorted by ``sort_by`` (largest first)."""
        return _build_table(
            self, sort_by, row_limit, max_name_column_width, max_shapes_column_width, header, top_level_events_only
        )

    def __str__(self) -> str:
        return self.table()

    def export_chrome_trace(self, path: str | os.PathLike) -> None:
        """Write the events as Chrome trace JSON (chrome://tracing, Perfetto), one complete ("X") event each;
        gzip-compressed when ``path`` ends in ``.gz``."""
        events = [e for e in self if isinstance(e, FunctionEvent)]
        origin = min((e.start_ns for e in events), default=0)
        pid = os.getpid()
        trace = [{"name": "process_name", "ph": "M", "pid": pid, "tid": 0, "args": {"name": "microtorch"}}]
        for e in events:
            args = {"Input Dims": e.input_shapes} if e.input_shapes is not None else {}
            trace.append(
                {
                    "name": e.trace_name,
                    "cat": e.kind,
                    "ph": "X",
                    "ts": (e.start_ns - origin) / 1e3,
                    "dur": (e.end_ns - e.start_ns) / 1e3,
                    "pid": pid,
                    "tid": e.thread,
                    "args": args,
                }
            )
        opener = gzip.open if os.fspath(path).endswith(".gz") else open
        with opener(path, "wt") as f:
            json.dump({"traceEvents": trace, "displayTimeUnit": "ms"}, f)


def _sort_value(event, sort_by: str):
    key = sort_by.replace("cuda", "device")
    try:
        return getattr(event, key)
    except AttributeError:
        raise AttributeError(
            f"table: unknown sort_by {sort_by!r}; choose from {', '.join(SORT_KEYS)} (CPU only: microtorch "
            "records no device time or memory)"
        ) from None


def _build_table(events, sort_by, row_limit, name_width_max, shapes_width_max, header, top_level_only) -> str:
    """PyTorch's ``_build_table`` layout for CPU-only events: Name, Self CPU %, Self CPU, CPU total %,
    CPU total, CPU time avg, # of Calls and, when shapes were recorded and grouped, Input Shapes."""
    if len(events) == 0:
        return ""
    if sort_by is not None:
        events = sorted(events, key=lambda e: _sort_value(e, sort_by), reverse=True)
    has_shapes = any(e.input_shapes for e in events)
    name_width = max(len(e.key) for e in events) + 4
    if name_width_max is not None:
        name_width = min(name_width, name_width_max)
    shapes_width = min(max(len(str(e.input_shapes)) for e in events) + 4, shapes_width_max)
    headers = ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg", "# of Calls"]
    widths = [name_width] + [12] * 6
    if has_shapes:
        headers.append("Input Shapes")
        widths.append(shapes_width)
    row_format = "".join("{: >" + str(w) + "}  " for w in widths)
    separator = "".join("-" * w + "  " for w in widths)
    line_length = sum(w + 2 for w in widths) - 2
    total = sum(e.self_cpu_time_total for e in events)
    lines = []
    if header is not None:
        lines += ["=" * line_length, header]
    if top_level_only:
        lines += ["=" * line_length, "This report only display top-level ops statistics"]
    lines += [separator, row_format.format(*headers), separator]
    shown = 0
    for e in events:
        if shown == row_limit:
            break
        if top_level_only and getattr(e, "cpu_parent", None) is not None:
            continue
        shown += 1
        name = e.key
        if name_width_max is not None and len(name) >= name_width_max - 3:
            name = name[: name_width_max - 3] + "..."
        row = [
            name,
            _format_share(e.self_cpu_time_total, total),
            _format_time(e.self_cpu_time_total),
            _format_share(e.cpu_time_total, total),
            _format_time(e.cpu_time_total),
            _format_time(e.cpu_time),
            e.count,
        ]
        if has_shapes:
            row.append(str(e.input_shapes)[:shapes_width])
        lines.append(row_format.format(*row))
    lines += [separator, f"Self CPU time total: {_format_time(total)}"]
    return "\n".join(lines) + "\n"
