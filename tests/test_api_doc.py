"""docs/api.md lists every public name, and every name it lists exists."""

from __future__ import annotations

import importlib

import pytest
from _api_index import API_MD, NAMESPACES, documented_index, public_names


@pytest.mark.parametrize("path", NAMESPACES)
def test_every_public_name_is_in_the_api_index_and_every_listed_name_exists(path):
    documented = documented_index(API_MD.read_text()).get(path, [])
    live = public_names(path)
    missing = sorted(set(live) - set(documented))
    stale = sorted(set(documented) - set(live))
    assert not missing, f"public in {path} but not in docs/api.md (run python tests/_api_index.py --write): {missing}"
    assert not stale, f"listed in docs/api.md under {path} but not there: {stale}"


def test_listed_names_resolve():
    for path, names in documented_index(API_MD.read_text()).items():
        module_path, _, cls = path.rpartition(".") if path.endswith(".Tensor") else (path, "", "")
        space = importlib.import_module(module_path)
        if cls:
            space = getattr(space, cls)
        for name in names:
            assert hasattr(space, name), f"{path}.{name}"
