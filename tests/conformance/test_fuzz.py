"""Differential bad-input fuzzing against torch (see ``_fuzz``): where torch raises,
microtorch raises (torch's class, never an internal error, state untouched); where torch
accepts, microtorch accepts and agrees. MICROTORCH_CONFORMANCE=thorough perturbs more."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")
pytest.importorskip("expecttest")

from ._expected import FUZZ, THOROUGH, check_cases, load_expected  # noqa: E402

SHARDS = 4
PER_CALL = 3 if THOROUGH else 1
SAMPLES = 3 if THOROUGH else 1


def _record(cases) -> None:
    from ._fuzz import summarise

    for key, value in summarise(cases).items():
        FUZZ[key] += value


@pytest.mark.parametrize("shard", range(SHARDS))
def test_fuzz_ops(shard):
    from ._database import op_entries
    from ._fuzz import fuzz_op

    cases = []
    for op in op_entries()[shard::SHARDS]:
        cases += fuzz_op(op, per_call=PER_CALL, samples=SAMPLES)
    _record(cases)
    problems = check_cases("fuzz", cases, load_expected())
    assert not problems, f"{len(problems)} calls differ from the expected-failure list:\n" + "\n".join(problems)


def test_fuzz_modules_optimizers_and_data():
    from ._database import module_entries
    from ._fuzz import fuzz_module, fuzz_optim_and_data

    cases = []
    for info in module_entries():
        cases += fuzz_module(info, per_call=PER_CALL)
    cases += fuzz_optim_and_data(per_call=PER_CALL)
    _record(cases)
    problems = check_cases("fuzz", cases, load_expected())
    assert not problems, f"{len(problems)} calls differ from the expected-failure list:\n" + "\n".join(problems)
