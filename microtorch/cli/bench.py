"""``microtorch bench``: the suite of ``microtorch.benchmarks``, each library timed alone in its own processes;
``--profile CASE`` instead runs one case's microtorch code under ``microtorch.profiler`` and prints the table."""

from __future__ import annotations

import argparse

NAME = "bench"
HELP = "time microtorch against torch and numpy, each alone in fresh processes, and print median ratios"

PROFILE_CALLS = 5


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``microtorch bench`` (those of ``microtorch.benchmarks.cli``, and ``--profile``)."""
    from microtorch.benchmarks.cli import add_arguments as bench_arguments

    bench_arguments(p)
    p.add_argument(
        "--profile",
        metavar="CASE",
        default=None,
        help="instead of timing: run the microtorch side of the case whose name contains CASE (in --families) "
        f"under the profiler, --repeat calls (default {PROFILE_CALLS}) after one warm-up, and print the "
        "per-op table (self and total CPU time, calls)",
    )
    p.add_argument("--row-limit", type=int, default=20, help="rows of the --profile table (default 20; -1 for all)")


def find_profile_case(text: str, families: list[str], quick: bool):
    """The one case (in ``families``) whose name is ``text`` or contains it (case-insensitive); ValueError otherwise."""
    from microtorch.benchmarks import family_cases

    cases = [c for f in families for c in family_cases(f, quick)]
    exact = [c for c in cases if c.name == text]
    matches = exact or [c for c in cases if text.lower() in c.name.lower()]
    if len(matches) == 1:
        return matches[0]
    names = "; ".join(c.name for c in (matches or cases))
    what = "several cases match" if matches else "no case matches"
    raise ValueError(f"--profile: {what} {text!r}: {names}")


def profile_case(case, calls: int, row_limit: int) -> str:
    """The profiler table of ``calls`` calls of the case's microtorch callable (after one warm-up call)."""
    from microtorch.profiler import profile

    fn = case.microtorch
    fn()
    with profile(record_shapes=False) as prof:
        for _ in range(calls):
            fn()
    return prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=row_limit)


def run(args: argparse.Namespace) -> int:
    """Run the requested benchmarks and print the tables (or, with --profile, one case's profile)."""
    from microtorch.benchmarks.cli import parse_families
    from microtorch.benchmarks.cli import run as bench_run

    from . import CLIError

    try:
        families = parse_families(args.families)
        case = find_profile_case(args.profile, families, args.quick) if args.profile is not None else None
    except ValueError as e:
        raise CLIError(str(e)) from None
    if case is None:
        return bench_run(args)
    calls = args.repeat or PROFILE_CALLS
    print(f"microtorch profile of {case.name!r}: {calls} call{'s' if calls != 1 else ''} after one warm-up\n")
    print(profile_case(case, calls, args.row_limit))
    return 0
