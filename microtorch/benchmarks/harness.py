"""Time each library alone: one fresh worker process per (library, case, pair), runs alternated.

Timing several libraries in one process lies: torch's convolution took 2-3x longer with
microtorch imported beside it, or after a glibc ``mallopt`` call, than alone. So every
measurement runs in its own worker (``_worker.py``) that imports only the library under
test; for each case the libraries run in turn, the order reversed every pair (A B, B A,
...), so both see the same drift of a shared machine. Each pair gives one ratio; a case
reports the median ratio with its min-max spread and each library's median time.

Workers run without ``OPENBLAS_CORETYPE`` / ``OPENBLAS_L2_SIZE`` (set on these machines for
older OpenBLAS builds; they select a slower sgemm kernel in numpy's current OpenBLAS) and
with the same thread count for every library. Nothing touches one library's allocator.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import statistics
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import LIBRARIES, Case

__all__ = [
    "REMOVED_ENV",
    "BenchmarkError",
    "CaseReport",
    "MemoryReport",
    "Settings",
    "available_libraries",
    "blas_info",
    "default_threads",
    "run_case",
    "run_memory",
    "run_suite",
    "run_worker",
    "worker_env",
]

WORKER = Path(__file__).resolve().with_name("_worker.py")
REMOVED_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


class BenchmarkError(RuntimeError):
    """A worker process failed (its stderr is in the message)."""


def default_threads() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


@dataclass
class Settings:
    """How to time: pairs of runs per case, rounds per worker, warm-up, threads, busy threshold."""

    pairs: int = 3
    repeat: int = 5
    min_time: float = 0.1
    warmup: float = 0.3
    threads: int = field(default_factory=default_threads)
    busy_threshold: float = 0.1
    quick: bool = False
    libraries: tuple[str, ...] = LIBRARIES

    @classmethod
    def for_quick(cls, quick: bool, **changes) -> Settings:
        """Defaults, or the short ones of ``--quick`` (2 pairs, 3 rounds of 30 ms, 0.1 s warm-up)."""
        base = {"pairs": 2, "repeat": 3, "min_time": 0.03, "warmup": 0.1, "quick": True} if quick else {}
        base.update({k: v for k, v in changes.items() if v is not None})
        return cls(**base)


def worker_env(threads: int) -> dict[str, str]:
    """The environment of every worker: OpenBLAS overrides removed, thread counts set, this microtorch first."""
    env = {k: v for k, v in os.environ.items() if k not in REMOVED_ENV}
    env.update(dict.fromkeys(THREAD_ENV, str(threads)))
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    return env


def available_libraries(wanted: tuple[str, ...] = LIBRARIES) -> tuple[str, ...]:
    """The libraries of ``wanted`` installed here (found without importing them)."""
    return tuple(lib for lib in wanted if importlib.util.find_spec(lib) is not None)


def run_worker(spec: dict, threads: int, timeout: float = 600) -> dict:
    """Run one worker process on ``spec`` and return its JSON result."""
    spec = dict(spec, threads=threads)
    r = subprocess.run(
        [sys.executable, str(WORKER), json.dumps(spec)],
        capture_output=True,
        text=True,
        env=worker_env(threads),
        timeout=timeout,
    )
    if r.returncode != 0:
        raise BenchmarkError(f"{spec['library']} worker for {spec['case']!r} failed:\n{r.stderr[-3000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def _spread(values: list[float]) -> tuple[float, float, float] | None:
    return (statistics.median(values), min(values), max(values)) if values else None


@dataclass
class CaseReport:
    """One case's results: per library, one median seconds per pair; other processes' CPU per worker."""

    name: str
    family: str
    note: str
    extra: dict
    times: dict[str, list[float]]
    other_load: list[float]
    workers: list[dict]

    def median(self, library: str) -> float | None:
        """The median over pairs of ``library``'s per-call seconds."""
        t = self.times.get(library)
        return statistics.median(t) if t else None

    def ratios(self, baseline: str) -> list[float]:
        """microtorch time / ``baseline`` time, one per pair."""
        return [m / b for m, b in zip(self.times.get("microtorch", []), self.times.get(baseline, []))]

    def ratio(self, baseline: str) -> tuple[float, float, float] | None:
        """(median, min, max) of the pair ratios against ``baseline``, None without that baseline."""
        return _spread(self.ratios(baseline))

    def as_dict(self) -> dict:
        """The report as plain data (for ``--json``)."""
        return {
            "name": self.name,
            "family": self.family,
            "note": self.note,
            "extra": self.extra,
            "times": self.times,
            "median": {lib: self.median(lib) for lib in self.times},
            "ratio": {b: self.ratio(b) for b in ("torch", "numpy") if b in self.times},
            "other_load": self.other_load,
        }


Progress = Callable[[str], None]


def _load(result: dict) -> float | None:
    """Other processes' share of the machine's CPU time during a worker's timed rounds."""
    if result.get("other_cpu") is None or not result.get("wall"):
        return None
    # /proc/stat counts in clock ticks (10 ms): over short rounds the estimate can pass 100 %
    return min(1.0, result["other_cpu"] / (result["wall"] * (os.cpu_count() or 1)))


def run_case(family: str, case: Case, settings: Settings, progress: Progress, counter: list[int]) -> CaseReport:
    """Time one case: ``settings.pairs`` rounds of one worker per library, order reversed every pair."""
    libs = [lib for lib in available_libraries(settings.libraries) if lib in case.builders]
    times: dict[str, list[float]] = {lib: [] for lib in libs}
    loads, workers = [], []
    spec = {"family": family, "case": case.name, "quick": settings.quick, "mode": "time"}
    spec.update(min_time=settings.min_time, repeat=settings.repeat, warmup=settings.warmup)
    for pair in range(settings.pairs):
        for lib in libs if pair % 2 == 0 else reversed(libs):
            result = run_worker(dict(spec, library=lib), settings.threads)
            times[lib].append(result["seconds"])
            workers.append(result)
            load = _load(result)
            if load is not None:
                loads.append(load)
            counter[0] += 1
            busy = load is not None and load > settings.busy_threshold
            note = f"  WARNING: busy machine, other processes used {load:.0%} of the CPUs" if busy else ""
            progress(
                f"[{counter[0]}/{counter[1]}] {case.name} | {lib} pair {pair + 1}: {fmt_time(result['seconds'])}{note}"
            )
    return CaseReport(case.name, family, case.note, case.extra, times, loads, workers)


def run_suite(
    families: dict[str, list[Case]], settings: Settings, progress: Progress = lambda line: None
) -> list[CaseReport]:
    """Time every case of ``families`` (family name -> cases) in workers; ``progress`` gets one line per worker."""
    libs = available_libraries(settings.libraries)
    total = sum(
        settings.pairs * len([lib for lib in libs if lib in c.builders]) for cs in families.values() for c in cs
    )
    counter = [0, total]
    return [run_case(family, c, settings, progress, counter) for family, cs in families.items() for c in cs]


@dataclass
class MemoryReport:
    """Peak RSS of one forward+backward per library (bytes, one per sample) and how it was measured.

    ``rise``: above the RSS after the warm-up calls; ``retained``: RSS kept after the warm-up
    calls over the RSS with the inputs built; ``peak``: the call's peak over that same
    baseline (retained + rise).
    """

    name: str
    rise: dict[str, list[int]]
    retained: dict[str, list[int]]
    peak: dict[str, list[int]]
    method: str

    def ratio(self, key: str = "peak") -> float | None:
        """microtorch's median of ``key`` (peak, rise or retained) / torch's."""
        m, t = getattr(self, key).get("microtorch"), getattr(self, key).get("torch")
        return statistics.median(m) / statistics.median(t) if m and t and statistics.median(t) else None


def run_memory(settings: Settings, progress: Progress = lambda line: None) -> list[MemoryReport]:
    """The peak RSS rise of one conv forward+backward, each sample a fresh worker, libraries alternated."""
    from .conv import SHAPES

    libs = [lib for lib in available_libraries(settings.libraries) if lib != "numpy"]
    reports = []
    for name, *_ in SHAPES[:2] if settings.quick else SHAPES:
        rise: dict[str, list[int]] = {lib: [] for lib in libs}
        retained: dict[str, list[int]] = {lib: [] for lib in libs}
        peak: dict[str, list[int]] = {lib: [] for lib in libs}
        method = ""
        for sample in range(settings.pairs):
            for lib in libs if sample % 2 == 0 else reversed(libs):
                spec = {"family": "conv", "case": f"{name} fwd+bwd", "quick": settings.quick, "mode": "memory"}
                r = run_worker(dict(spec, library=lib), settings.threads)
                rise[lib].append(r["rise"])
                peak[lib].append(r["peak"])
                if r["retained"] is not None:
                    retained[lib].append(r["retained"])
                method = r["method"]
                mib = r["rise"] / 2**20, r["peak"] / 2**20
                progress(f"memory {name} | {lib} sample {sample + 1}: rise {mib[0]:.1f} MiB, peak {mib[1]:.1f} MiB")
        reports.append(MemoryReport(name, rise, retained, peak, method))
    return reports


def blas_info(settings: Settings) -> dict:
    """Which BLAS numpy runs in a worker (threadpoolctl), and the library versions (from metadata)."""
    from . import family_cases

    case = family_cases("core", True)[0]
    spec = {"family": "core", "case": case.name, "quick": True, "mode": "time", "library": "numpy"}
    r = run_worker(dict(spec, min_time=0.0, repeat=1, warmup=0.0), settings.threads)
    versions = {}
    for lib in LIBRARIES:
        try:
            versions[lib] = importlib.metadata.version(lib)
        except importlib.metadata.PackageNotFoundError:
            versions[lib] = None
    return {"threadpools": r["threadpools"], "versions": versions, "env": r["env"]}


def fmt_time(s: float | None) -> str:
    """Seconds as us / ms / s."""
    if s is None:
        return "-"
    if s < 1e-3:
        return f"{s * 1e6:.1f} us"
    if s < 1:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.2f} s"
