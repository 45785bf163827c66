"""Run PyTorch's test databases against microtorch and print the failing cases (developer tool).

    cd tests && python -m conformance.report [--db op_db module_db optim_db] [--thorough] [--only NAME ...]

Each output line has the expected-failure file's form (``<database> <key>  # <reason>``), so
``... > /tmp/now.txt`` and a diff against ``expected_failures.txt`` shows what changed."""

from __future__ import annotations

import argparse
import collections
import sys
import time
import traceback


def _selected(name: str, short: str, only) -> bool:
    return not only or name in only or short in only


def _entries(database: str):
    import microtorch as mt

    from ._database import module_entries, op_entries, optim_entries
    from ._modules import microtorch_module_class, module_name, run_module_entry
    from ._ops import entry_name, run_entry
    from ._optims import run_optim_entry

    if database == "op_db":
        for op in op_entries():
            yield entry_name(op), op.name, lambda thorough, op=op: run_entry(op, thorough=thorough)
    elif database == "module_db":
        for info in module_entries():
            if microtorch_module_class(info) is not None:
                name = module_name(info)
                yield name, name[3:], lambda thorough, info=info: run_module_entry(info, thorough=thorough)
    elif database == "fuzz":
        from ._fuzz import fuzz_module, fuzz_op, fuzz_optim_and_data

        for op in op_entries():
            yield entry_name(op), op.name, lambda thorough, op=op: fuzz_op(op, *_fuzz_sizes(thorough))
        for info in module_entries():
            name = module_name(info)
            yield name, name[3:], lambda thorough, info=info: fuzz_module(info, _fuzz_sizes(thorough)[0])
        yield "optim_and_data", "optim", lambda thorough: fuzz_optim_and_data(_fuzz_sizes(thorough)[0])
    else:
        for info in optim_entries():
            if getattr(mt.optim, info.optim_cls.__name__, None) is not None:
                name = info.optim_cls.__name__
                yield name, name, lambda thorough, info=info: run_optim_entry(info)


def _fuzz_sizes(thorough: bool) -> tuple[int, int]:
    from .test_fuzz import PER_CALL, SAMPLES

    return (3, 3) if thorough else (PER_CALL, SAMPLES)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", nargs="*", default=["op_db", "module_db", "optim_db", "fuzz"], help="databases to run")
    parser.add_argument("--thorough", action="store_true", help="all samples and reference inputs")
    parser.add_argument("--only", nargs="*", default=None, help="entry names to run (op_db names, nn.X, optimizer)")
    args = parser.parse_args(argv)
    start = time.time()
    totals = collections.Counter()
    timing = {}
    for database in args.db:
        for name, short, run in _entries(database):
            if not _selected(name, short, args.only):
                continue
            t0 = time.time()
            try:
                cases = run(args.thorough)
            except Exception as exc:  # noqa: BLE001 - a harness error is reported, the run goes on
                print(f"# HARNESS ERROR in {database} {name}: {exc!r}", file=sys.stderr)
                traceback.print_exc()
                continue
            timing[f"{database} {name}"] = time.time() - t0
            for case in cases:
                totals["passed" if case.ok else "failed"] += 1
                if not case.ok:
                    print(f"{database} {case.key}  # {case.detail}")
    print(f"# {totals['passed']} passed, {totals['failed']} failed in {time.time() - start:.1f} s", file=sys.stderr)
    slow = sorted(timing.items(), key=lambda kv: -kv[1])[:10]
    print("# slowest: " + ", ".join(f"{k} {v:.2f}s" for k, v in slow), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
