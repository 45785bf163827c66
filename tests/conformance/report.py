"""Run every op_db entry microtorch has and print the failing cases (developer tool).

    cd tests && python -m conformance.report [--thorough] [--only NAME ...] [--details]

The output lines have the expected-failure file's form (``key  # reason``)."""

from __future__ import annotations

import argparse
import collections
import sys
import time


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--thorough", action="store_true", help="all samples and reference inputs")
    parser.add_argument("--only", nargs="*", default=None, help="entry names to run")
    args = parser.parse_args(argv)
    from ._database import op_entries
    from ._ops import entry_name, run_entry

    start = time.time()
    totals = collections.Counter()
    timing = {}
    for op in op_entries():
        name = entry_name(op)
        if args.only and name not in args.only and op.name not in args.only:
            continue
        t0 = time.time()
        try:
            cases = run_entry(op, thorough=args.thorough)
        except Exception as exc:  # noqa: BLE001 - a harness error is reported, the run goes on
            import traceback

            print(f"# HARNESS ERROR in {name}: {exc!r}", file=sys.stderr)
            traceback.print_exc()
            continue
        timing[name] = time.time() - t0
        for case in cases:
            totals["passed" if case.ok else "failed"] += 1
            if not case.ok:
                print(f"{case.key}  # {case.detail}")
    print(f"# {totals['passed']} passed, {totals['failed']} failed in {time.time() - start:.1f} s", file=sys.stderr)
    slow = sorted(timing.items(), key=lambda kv: -kv[1])[:10]
    print("# slowest: " + ", ".join(f"{k} {v:.2f}s" for k, v in slow), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
