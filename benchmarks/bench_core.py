"""Core benchmarks: per-op overhead, large elementwise ops, matmul 1024^2 (fwd+bwd).

Each library is timed alone in fresh worker processes (see microtorch.benchmarks.harness).
Usage: python benchmarks/bench_core.py [--quick] [--pairs N] [--threads N] ... (--help for all)
"""

import sys

from microtorch.benchmarks.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], __doc__.splitlines()[0], families=("core",), memory=False))
