"""The command line shared by ``microtorch bench`` and the scripts in ``benchmarks/``."""

from __future__ import annotations

import argparse
import json
import sys

from . import FAMILIES, family_cases
from .harness import Settings, available_libraries, blas_info, default_threads, run_memory, run_suite
from .report import format_header, format_memory, format_table, plot_ratios, plot_sweep

__all__ = ["add_arguments", "main", "parse_families", "run"]


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _non_negative_float(text: str) -> float:
    value = float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative number, got {text!r}")
    return value


def add_arguments(p: argparse.ArgumentParser, families: tuple[str, ...] = FAMILIES, memory: bool = False) -> None:
    """The benchmark options; ``families`` and ``memory`` are the defaults of --families and --memory."""
    p.add_argument("--quick", action="store_true", help="a short run: fewer and smaller cases, 2 pairs, short rounds")
    p.add_argument(
        "--families",
        default=",".join(families),
        help=f"comma-separated families (default: {','.join(families)}; any of {', '.join(FAMILIES)})",
    )
    p.add_argument("--sweep", action="store_true", help="instead of the families: conv2d across batch, channels, size")
    p.add_argument(
        "--memory",
        action=argparse.BooleanOptionalAction,
        default=memory,
        help="also measure the peak RSS rise of one conv forward+backward per library",
    )
    p.add_argument("--pairs", type=_positive_int, default=None, help="alternated runs per library (default 3, quick 2)")
    p.add_argument("--repeat", type=_positive_int, default=None, help="timed rounds per worker (default 5, quick 3)")
    p.add_argument(
        "--min-time", type=_non_negative_float, default=None, help="seconds per round (default 0.1, quick 0.03)"
    )
    p.add_argument(
        "--warmup", type=_non_negative_float, default=None, help="warm-up seconds per worker (default 0.3, quick 0.1)"
    )
    p.add_argument(
        "--threads",
        type=_positive_int,
        default=default_threads(),
        help=f"threads for every library (default: this machine's {default_threads()})",
    )
    p.add_argument(
        "--busy-threshold",
        type=_non_negative_float,
        default=0.1,
        help="warn when other processes use more than this share of the CPUs during a worker (default 0.1)",
    )
    p.add_argument("--json", metavar="PATH", default=None, help="also write every result to PATH as JSON")
    p.add_argument(
        "--plot", metavar="PATH", default=None, help="save a chart (ratios, or time against size with --sweep)"
    )


def parse_families(text: str) -> list[str]:
    """The family names of ``--families``; ValueError naming an unknown one."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in FAMILIES]
    if unknown or not names:
        raise ValueError(
            f"--families: unknown family {', '.join(unknown) or text!r}; choose from {', '.join(FAMILIES)}"
        )
    return names


def _progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    """Run the benchmarks the options ask for and print the tables (progress goes to stderr)."""
    names = ["sweep"] if args.sweep else parse_families(args.families)
    settings = Settings.for_quick(
        args.quick,
        pairs=args.pairs,
        repeat=args.repeat,
        min_time=args.min_time,
        warmup=args.warmup,
        threads=args.threads,
        busy_threshold=args.busy_threshold,
    )
    libs = available_libraries()
    print(f"microtorch benchmarks{' (quick)' if args.quick else ''}; libraries: {', '.join(libs)}")
    print(format_header(settings, blas_info(settings)) + "\n", flush=True)
    families = {name: family_cases(name, args.quick) for name in names}
    reports = run_suite(families, settings, _progress)
    for name in names:
        print(f"## {name}\n\n{format_table([r for r in reports if r.family == name])}\n", flush=True)
    busy = [r.name for r in reports if any(load > settings.busy_threshold for load in r.other_load)]
    if busy:
        print(f"WARNING: the machine was busy during {len(busy)} of {len(reports)} cases (others' CPU column)\n")
    memory = run_memory(settings, _progress) if args.memory else []
    if memory:
        print(f"## memory (peak RSS rise of one forward+backward)\n\n{format_memory(memory)}\n")
    if args.json:
        data = {"cases": [r.as_dict() for r in reports], "memory": [vars(m) for m in memory]}
        with open(args.json, "w") as f:
            json.dump(data, f, indent=1)
    if args.plot:
        (plot_sweep if args.sweep else plot_ratios)(reports, args.plot)
        print(f"saved {args.plot}")
    return 0


def main(argv: list[str] | None, description: str, families: tuple[str, ...] = FAMILIES, memory: bool = False) -> int:
    """Entry point of the scripts in ``benchmarks/``: parse ``argv`` and run."""
    p = argparse.ArgumentParser(description=description)
    add_arguments(p, families, memory)
    args = p.parse_args(argv)
    try:
        parse_families(args.families)
    except ValueError as e:
        p.error(str(e))
    return run(args)
