"""PyTorch's OpInfo database (``op_db``) run against microtorch: values, gradients, errors.

Skipped without torch. MICROTORCH_CONFORMANCE=thorough runs every sample, the
reference inputs and more integer dtypes."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")
pytest.importorskip("expecttest")

from ._expected import PRESENCE, THOROUGH, check_cases, load_expected  # noqa: E402

SHARDS = 8


@pytest.mark.parametrize("shard", range(SHARDS))
def test_op_db_shard(shard):
    from ._database import all_op_entries, op_entries
    from ._ops import run_entry

    entries = op_entries()
    PRESENCE["op_db"] = (len(entries), len(all_op_entries()))
    expected = load_expected()
    problems = []
    for op in entries[shard::SHARDS]:
        problems += check_cases("op_db", run_entry(op, thorough=THOROUGH), expected)
    assert not problems, f"{len(problems)} cases differ from the expected-failure list:\n" + "\n".join(problems)


def test_our_hypothesis_profile_survives_the_import():
    from _profiles import our_profile_name
    from hypothesis import settings

    from ._database import op_entries

    op_entries()
    ours = settings.get_profile(our_profile_name())
    active = settings()
    assert (active.max_examples, active.derandomize, active.deadline) == (
        ours.max_examples,
        ours.derandomize,
        ours.deadline,
    )


def test_expected_failure_file_is_well_formed():
    expected = load_expected()
    assert all(reason for reason in expected.values())
    assert all(key.split(" ", 1)[0] in ("op_db", "module_db", "optim_db", "fuzz") for key in expected)
