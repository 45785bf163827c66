"""Core benchmarks (per-op overhead, large elementwise, matmul): prints a Markdown table.

Usage: python benchmarks/bench_core.py [--quick]
"""

import sys

from microtorch.benchmarks import family_cases, format_table, run_cases

if __name__ == "__main__":
    quick = "--quick" in sys.argv
    print(format_table(run_cases(family_cases("core", quick), quick)))
