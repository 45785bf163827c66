"""One benchmark worker: times (or measures the memory of) one case in one library, alone.

Run by the harness as ``python _worker.py '<json spec>'``, never imported by it. It loads
this folder as the standalone package ``_mtbench`` (standard library only), so the process
imports the library under test and nothing of the other: a torch worker never imports
microtorch. It prints one JSON line with the result on stdout.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WATCHED_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def _load_suite():
    """This folder as the package ``_mtbench``, without importing the ``microtorch`` package."""
    spec = importlib.util.spec_from_file_location(
        "_mtbench", HERE / "__init__.py", submodule_search_locations=[str(HERE)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["_mtbench"] = module
    spec.loader.exec_module(module)
    return module


def busy_cpu_seconds() -> float | None:
    """CPU seconds spent by the whole machine so far (/proc/stat, all CPUs), None where unreadable."""
    try:
        with open("/proc/stat") as f:
            fields = f.readline().split()
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    """CPU seconds of this process, all its threads."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _set_threads(library: str, n: int) -> dict:
    """The same thread count for every library: torch.set_num_threads, and threadpoolctl for the rest."""
    from threadpoolctl import threadpool_info, threadpool_limits

    if library == "torch":
        import torch

        torch.set_num_threads(n)
    threadpool_limits(limits=n)
    info = [
        {k: i.get(k) for k in ("user_api", "internal_api", "version", "architecture", "num_threads")}
        for i in threadpool_info()
    ]
    torch_threads = sys.modules["torch"].get_num_threads() if "torch" in sys.modules else None
    return {"threadpools": info, "torch_threads": torch_threads}


def _time(fn, min_time: float, repeat: int, warmup: float) -> dict:
    """Per-call seconds of ``repeat`` rounds of at least ``min_time`` each, after ``warmup`` seconds of calls."""
    calls, t0 = 0, time.perf_counter()
    while calls < 2 or time.perf_counter() - t0 < warmup:
        fn()
        calls += 1
    once = (time.perf_counter() - t0) / calls
    number = max(1, round(min_time / max(once, 1e-7)))
    busy0, own0, wall0 = busy_cpu_seconds(), own_cpu_seconds(), time.perf_counter()
    rounds = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        rounds.append((time.perf_counter() - start) / number)
    wall = time.perf_counter() - wall0
    own = own_cpu_seconds() - own0
    busy1 = busy_cpu_seconds()
    others = None if busy0 is None or busy1 is None else max(0.0, busy1 - busy0 - own)
    return {
        "seconds": statistics.median(rounds),
        "rounds": rounds,
        "number": number,
        "wall": wall,
        "own_cpu": own,
        "other_cpu": others,
    }


def _status_kib(key: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise KeyError(key)


def _reset_peak() -> bool:
    """Reset VmHWM to the current RSS (/proc/self/clear_refs '5'); False where not permitted."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return False
    return True


def _memory(fn, prime) -> dict:
    """Peak RSS of one call: its rise after two warm-up calls (VmHWM reset) and its peak above the inputs.

    ``prime`` (a small call of the same op, when the case has one) runs first, so that the
    library's one-time state is in the baseline. Where clear_refs is not permitted, the
    first call's rise (this is a fresh process).
    After warm-up, freed memory stays in the process (glibc free lists, workspaces), so the
    rise of a warm call is often near zero; the peak above the RSS held before the first
    call (inputs built) counts what the calls needed, kept between calls or not.
    """
    if prime is not None:
        prime()
    before_warmup = _status_kib("VmRSS")
    warm = _reset_peak()
    if warm:
        fn()
        fn()
        _reset_peak()
    base = _status_kib("VmHWM")
    fn()
    peak = _status_kib("VmHWM")
    return {
        "rise": (peak - base) * 1024,
        "retained": (base - before_warmup) * 1024 if warm else None,
        "peak": (peak - before_warmup) * 1024,
        "method": "warm (clear_refs)" if warm else "first call",
    }


def main(spec: dict) -> dict:
    """Run one spec: build the case for its library, set threads, time it or measure its memory."""
    suite = _load_suite()
    case = suite.find_case(spec["family"], spec["case"], spec["quick"])
    fn = case.builders[spec["library"]]()
    result = {"library": spec["library"], "case": spec["case"], **_set_threads(spec["library"], spec["threads"])}
    if spec["mode"] == "memory":
        result.update(_memory(fn, case.prime.get(spec["library"])))
    else:
        result.update(_time(fn, spec["min_time"], spec["repeat"], spec["warmup"]))
    loaded = {name.partition(".")[0] for name in sys.modules}
    result["imported"] = sorted(loaded & {"microtorch", "torch", "numpy"})
    result["env"] = {k: os.environ.get(k) for k in WATCHED_ENV}
    return result


if __name__ == "__main__":
    if sys.path and Path(sys.path[0]).resolve() == HERE:
        del sys.path[0]  # this folder's modules (core, pool, ...) are not top-level modules
    print(json.dumps(main(json.loads(sys.argv[1]))))
