"""Every benchmark family and the conv memory table: the figures of docs/performance.md.

Each library is timed alone in fresh worker processes (see microtorch.benchmarks.harness).
Usage: python benchmarks/run_all.py [--quick] [--plot docs/performance.png] [--json PATH] (--help for all)
"""

import sys

from microtorch.benchmarks.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], __doc__.splitlines()[0], memory=True))
