"""Pooling benchmarks: forward+backward of max and average pooling.

Each library is timed alone in fresh worker processes (see microtorch.benchmarks.harness).
Usage: python benchmarks/bench_pool.py [--quick] [--pairs N] [--threads N] ... (--help for all)
"""

import sys

from microtorch.benchmarks.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], __doc__.splitlines()[0], families=("pool",), memory=False))
