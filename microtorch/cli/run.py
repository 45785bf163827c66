"""``microtorch run SCRIPT [ARGS...]``: run an unmodified PyTorch script with microtorch in place of torch.

The script runs as ``python SCRIPT ARGS...`` would run it: ``__name__ == "__main__"``, ``__file__`` absolute,
``sys.argv == [SCRIPT, *ARGS]``, ``sys.path[0]`` its directory, the traceback of an uncaught exception
(from the script's own frames) and exit status 1, ``sys.exit(n)`` giving status ``n``.
"""

from __future__ import annotations

import argparse
import builtins
import importlib.machinery
import io
import os
import sys
import types
from types import TracebackType

NAME = "run"
HELP = "run an unmodified PyTorch script with `import torch` (and every torch.* module) resolved to microtorch"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``microtorch run``: the script and the arguments it receives."""
    p.add_argument("script", metavar="SCRIPT", help="path of the Python script to run")
    p.add_argument("args", metavar="ARGS", nargs=argparse.REMAINDER, help="arguments passed to the script")


def run(args: argparse.Namespace) -> int:
    """Install the torch alias hook and run the script; returns its exit status."""
    from microtorch._torch_alias import install_as_torch

    from . import CLIError

    script = args.script
    if not os.path.isfile(script):
        raise CLIError(f"can't open file {os.path.abspath(script)!r}: no such file")
    try:
        install_as_torch()
    except RuntimeError as e:
        raise CLIError(str(e)) from None
    sys.argv[:] = [script, *args.args]
    sys.path[0] = os.path.dirname(os.path.realpath(script))
    path = os.path.abspath(script)  # python names ``__file__`` and traceback frames absolutely since 3.9
    try:
        _run_as_main(path)
    except SystemExit:
        raise
    except BaseException as err:  # noqa: BLE001  (reported as the interpreter would, then its status)
        tb = _script_frames(err.__traceback__, path)
        sys.excepthook(type(err), err.with_traceback(tb), tb)
        return 130 if isinstance(err, KeyboardInterrupt) else 1
    return 0


def _run_as_main(path: str) -> None:
    """Execute the file as python runs a script: a fresh ``__main__`` module (left installed, as python does)."""
    with io.open_code(path) as fh:
        source = fh.read()
    code = compile(source, path, "exec", dont_inherit=True)  # bytes: honours a PEP 263 coding line
    main = types.ModuleType("__main__")
    main.__dict__.update(
        __file__=path,
        __cached__=None,
        __loader__=importlib.machinery.SourceFileLoader("__main__", path),
        __builtins__=builtins,
    )
    sys.modules["__main__"] = main
    exec(code, main.__dict__)


def _script_frames(tb: TracebackType | None, script: str) -> TracebackType | None:
    """The traceback from the script's module frame on (runpy's and this command's frames dropped)."""
    walk = tb
    while walk is not None:
        code = walk.tb_frame.f_code
        if code.co_filename == script and code.co_name == "<module>":
            return walk
        walk = walk.tb_next
    return None
