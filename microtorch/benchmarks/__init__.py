"""The benchmark suite shared by ``microtorch bench`` and the scripts in ``benchmarks/``.

Each family module (``core``, ``conv``, ``pool``, ``training``) defines
``cases(quick: bool) -> list[Case]``. A case times microtorch, and where available
torch and plain numpy, on the same work in the same run; the report prints ratios.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = [
    "Case",
    "Result",
    "measure",
    "measure_together",
    "run_cases",
    "steady_allocator",
    "format_table",
    "FAMILIES",
    "torch_or_none",
]

FAMILIES = ("core", "conv", "pool", "training")


@dataclass
class Case:
    """One benchmark: a name, the microtorch callable, and optional baselines."""

    name: str
    microtorch: Callable[[], object]
    torch: Callable[[], object] | None = None
    numpy: Callable[[], object] | None = None
    note: str = ""
    extra: dict = field(default_factory=dict)


@dataclass
class Result:
    """Best seconds per call (over interleaved rounds) of each implementation of one case."""

    name: str
    microtorch: float
    torch: float | None
    numpy: float | None
    note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def vs_torch(self) -> float | None:
        """microtorch time / torch time (lower is better; 1.0 is parity)."""
        return self.microtorch / self.torch if self.torch else None

    @property
    def vs_numpy(self) -> float | None:
        """microtorch time / numpy time."""
        return self.microtorch / self.numpy if self.numpy else None


def _calls_per_round(fn: Callable[[], object], min_time: float) -> int:
    """How many calls of ``fn`` make a round of at least ``min_time`` (after a warm-up call)."""
    fn()  # warm up (allocations, caches)
    t0 = time.perf_counter()
    fn()
    once = max(time.perf_counter() - t0, 1e-7)
    return max(1, int(min_time / once))


def _round(fn: Callable[[], object], number: int) -> float:
    t0 = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - t0) / number


def measure(fn: Callable[[], object], min_time: float = 0.2, repeat: int = 5) -> float:
    """Best seconds per call over ``repeat`` rounds of at least ``min_time`` each."""
    return measure_together([fn], min_time, repeat)[0]


def measure_together(
    fns: list[Callable[[], object]], min_time: float = 0.2, repeat: int = 5, pause: float = 0.1
) -> list[float]:
    """Best seconds per call of each function over ``repeat`` rounds, rounds interleaved.

    On a shared machine the speed drifts by tens of percent within seconds; alternating
    the implementations round by round exposes them to the same drift, and the best
    round is the least disturbed one. Before each round the process sleeps ``pause``
    seconds: BLAS and OpenMP worker threads keep spinning for a while after their last
    call, and a round started at once would compete with the previous library's threads
    for the two cores.
    """
    numbers = [_calls_per_round(fn, min_time) for fn in fns]
    rounds: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for fn, number, times in zip(fns, numbers, rounds):
            time.sleep(pause)
            times.append(_round(fn, number))
    return [min(times) for times in rounds]


def steady_allocator() -> bool:
    """Keep freed memory in the process (glibc ``mallopt``), so no library page-faults in a loop.

    By default glibc hands large blocks back to the OS on free and maps fresh zeroed
    pages on the next allocation; whether a library's arrays take that path depends on
    what ran earlier in the process, and on this machine it made torch's convolution
    2-3x slower in some runs and not others. With large blocks kept on the heap both
    libraries run at their compute speed. Returns False where ``mallopt`` is unavailable.
    """
    import ctypes  # noqa: PLC0415
    import ctypes.util  # noqa: PLC0415

    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        m_trim_threshold, m_mmap_threshold = -1, -3
        return bool(libc.mallopt(m_mmap_threshold, 1 << 30)) and bool(libc.mallopt(m_trim_threshold, 1 << 40))
    except (OSError, AttributeError):
        return False


def torch_or_none():
    """The real torch module when installed (for baselines), else None."""
    try:
        import torch  # noqa: PLC0415
    except ImportError:
        return None
    return torch


def run_cases(cases: list[Case], quick: bool = False) -> list[Result]:
    """Time every case (microtorch, torch, numpy) in this one process, rounds interleaved."""
    steady_allocator()
    min_time, repeat = (0.05, 3) if quick else (0.1, 7)
    results = []
    for c in cases:
        fns = [fn for fn in (c.microtorch, c.torch, c.numpy) if fn is not None]
        times = iter(measure_together(fns, min_time, repeat))
        mt = next(times)
        th = next(times) if c.torch else None
        npy = next(times) if c.numpy else None
        results.append(Result(c.name, mt, th, npy, c.note, c.extra))
    return results


def _fmt_time(s: float | None) -> str:
    if s is None:
        return "-"
    if s < 1e-3:
        return f"{s * 1e6:.1f} us"
    if s < 1:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.2f} s"


def _fmt_ratio(r: float | None) -> str:
    return "-" if r is None else f"{r:.2f}x"


def format_table(results: list[Result]) -> str:
    """A Markdown table: case, times, and ratios to torch and numpy."""
    lines = [
        "| case | microtorch | torch | numpy | vs torch | vs numpy | note |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.name} | {_fmt_time(r.microtorch)} | {_fmt_time(r.torch)} | {_fmt_time(r.numpy)} | "
            f"{_fmt_ratio(r.vs_torch)} | {_fmt_ratio(r.vs_numpy)} | {r.note} |"
        )
    return "\n".join(lines)


def family_cases(name: str, quick: bool = False) -> list[Case]:
    """The cases of one family module (``microtorch.benchmarks.<name>``)."""
    module = importlib.import_module(f"microtorch.benchmarks.{name}")
    return module.cases(quick)
