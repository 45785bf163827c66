"""Training-step benchmarks (SimpleCNN at batch 1 and 256, LeNet5 at batch 64): prints a Markdown table.

Usage: python benchmarks/bench_training.py [--quick]
"""

import sys

from microtorch.benchmarks import family_cases, format_table, run_cases

if __name__ == "__main__":
    quick = "--quick" in sys.argv
    print(format_table(run_cases(family_cases("training", quick), quick)))
