"""PyTorch's OptimizerInfo database (``optim_db``) run against microtorch: every
configuration and implementation flag, five float64 steps, parameters equal after each."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")
pytest.importorskip("expecttest")

from ._expected import PRESENCE, check_cases, load_expected  # noqa: E402


def test_optim_db():
    import microtorch as mt

    from ._database import optim_entries
    from ._optims import run_optim_entry

    entries = optim_entries()
    present = [info for info in entries if getattr(mt.optim, info.optim_cls.__name__, None) is not None]
    PRESENCE["optim_db"] = (len(present), len(entries))
    expected = load_expected()
    problems = []
    for info in present:
        problems += check_cases("optim_db", run_optim_entry(info), expected)
    assert not problems, f"{len(problems)} cases differ from the expected-failure list:\n" + "\n".join(problems)
