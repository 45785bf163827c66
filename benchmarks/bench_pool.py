"""Pooling benchmarks (forward + backward, float32, ratio to torch): prints a Markdown table.

Usage: python benchmarks/bench_pool.py [--quick]
"""

import sys

from microtorch.benchmarks import family_cases, format_table, run_cases

if __name__ == "__main__":
    quick = "--quick" in sys.argv
    print(format_table(run_cases(family_cases("pool", quick), quick)))
