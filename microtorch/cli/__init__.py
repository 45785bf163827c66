"""The ``microtorch`` command: ``demo``, ``train``, ``gradcheck``, ``bench`` and ``run`` subcommands.

Every error is reported as one line on stderr with a non-zero exit status, never a traceback (except the
traceback of a script that ``microtorch run`` runs, printed as ``python SCRIPT`` prints it).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Sequence

__all__ = ["main", "build_parser", "CLIError"]


class CLIError(Exception):
    """A user-facing error: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (no usage dump) and exit with status 2."""

    def error(self, message: str):  # type: ignore[override]
        """Print ``<prog>: error: message`` and exit 2."""
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def positive_int(text: str) -> int:
    """Parse an integer >= 1 for argparse."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def positive_float(text: str) -> float:
    """Parse a finite float > 0 for argparse."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``microtorch`` command and its subcommands."""
    from . import bench, demo, gradcheck, run, train

    parser = _Parser(
        prog="microtorch",
        description="microtorch: an autograd tensor framework in pure Python on numpy that speaks PyTorch.",
    )
    from .. import __version__

    parser.add_argument("--version", action="version", version=f"microtorch {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in (demo, train, gradcheck, bench, run):
        p = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "run", None) is None:
        parser.print_help()
        return 0
    try:
        return int(args.run(args) or 0)
    except CLIError as e:
        return _fail(parser, args, str(e))
    except KeyboardInterrupt:
        print("microtorch: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # one line, never a traceback (set MICROTORCH_DEBUG=1 to see it)
        if os.environ.get("MICROTORCH_DEBUG"):
            raise
        return _fail(parser, args, f"{type(e).__name__}: {e}")


def _fail(parser: argparse.ArgumentParser, args: argparse.Namespace, message: str) -> int:
    line = " ".join(str(message).split())  # one line, whatever the message held
    print(f"{parser.prog} {args.command}: error: {line}", file=sys.stderr)
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
