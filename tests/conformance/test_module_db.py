"""PyTorch's ModuleInfo database (``module_db``) run against microtorch: same constructor
arguments, torch's state copied in, outputs, gradients and buffers in train and eval mode."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")
pytest.importorskip("expecttest")

from ._expected import PRESENCE, THOROUGH, check_cases, load_expected  # noqa: E402

SHARDS = 4


@pytest.mark.parametrize("shard", range(SHARDS))
def test_module_db_shard(shard):
    from ._database import module_entries
    from ._modules import microtorch_module_class, run_module_entry

    entries = module_entries()
    present = [info for info in entries if microtorch_module_class(info) is not None]
    PRESENCE["module_db"] = (len(present), len(entries))
    expected = load_expected()
    problems = []
    for info in present[shard::SHARDS]:
        problems += check_cases("module_db", run_module_entry(info, thorough=THOROUGH), expected)
    assert not problems, f"{len(problems)} cases differ from the expected-failure list:\n" + "\n".join(problems)
