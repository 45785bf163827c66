"""Size sweep: conv2d 3x3 forward+backward across batch, channels and image size, both libraries.

Each library is timed alone in fresh worker processes; --plot PATH draws time against size.
Usage: python benchmarks/bench_sweep.py [--quick] [--plot sweep.png] (--help for all)
"""

import sys

from microtorch.benchmarks.cli import main

if __name__ == "__main__":
    sys.exit(main([*sys.argv[1:], "--sweep"], __doc__.splitlines()[0]))
