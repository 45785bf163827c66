"""``microtorch bench``: the suite of ``microtorch.benchmarks``, each library timed alone in its own processes."""

from __future__ import annotations

import argparse

NAME = "bench"
HELP = "time microtorch against torch and numpy, each alone in fresh processes, and print median ratios"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``microtorch bench`` (those of ``microtorch.benchmarks.cli``)."""
    from microtorch.benchmarks.cli import add_arguments as bench_arguments

    bench_arguments(p)


def run(args: argparse.Namespace) -> int:
    """Run the requested benchmarks and print the tables."""
    from microtorch.benchmarks.cli import parse_families
    from microtorch.benchmarks.cli import run as bench_run

    from . import CLIError

    try:
        parse_families(args.families)
    except ValueError as e:
        raise CLIError(str(e)) from None
    return bench_run(args)
