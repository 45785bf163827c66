"""``microtorch bench``: the benchmark families of ``microtorch.benchmarks`` as one ratio table."""

from __future__ import annotations

import argparse
import importlib
import sys

NAME = "bench"
HELP = "time microtorch against numpy and (when installed) torch, and print the ratio table"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``microtorch bench``."""
    from microtorch.benchmarks import FAMILIES

    p.add_argument("--quick", action="store_true", help="a short run (fewer cases, shorter timings)")
    p.add_argument(
        "--families",
        default=",".join(FAMILIES),
        help=f"comma-separated families to run (default: {','.join(FAMILIES)}; missing ones are skipped)",
    )


def available_families(names: list[str]) -> tuple[list[str], list[str]]:
    """Split ``names`` into the families present in this build and those missing."""
    present, missing = [], []
    for name in names:
        try:
            importlib.import_module(f"microtorch.benchmarks.{name}")
        except ImportError:
            missing.append(name)
        else:
            present.append(name)
    return present, missing


def run(args: argparse.Namespace) -> int:
    """Run the requested families and print one table per family."""
    from microtorch.benchmarks import FAMILIES, family_cases, format_table, run_cases, torch_or_none

    from . import CLIError

    names = [n.strip() for n in args.families.split(",") if n.strip()]
    unknown = [n for n in names if n not in FAMILIES]
    if unknown or not names:
        raise CLIError(
            f"--families: unknown family {', '.join(unknown) or args.families!r}; choose from {', '.join(FAMILIES)}"
        )
    present, missing = available_families(names)
    for name in missing:
        print(f"skipping family {name!r}: not available in this build", file=sys.stderr)
    if not present:
        raise CLIError("none of the requested benchmark families is available")
    baseline = "torch and numpy" if torch_or_none() is not None else "numpy (torch is not installed)"
    print(
        f"microtorch benchmarks{' (quick)' if args.quick else ''}: times per call, ratios to {baseline}; lower is better\n"
    )
    for name in present:
        print(f"## {name}\n", flush=True)
        print(format_table(run_cases(family_cases(name, args.quick), args.quick)))
        print(flush=True)
    return 0
