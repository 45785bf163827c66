"""The benchmark harness: workers in subprocesses, isolation, environment, report fields (never timings)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import microtorch as mt
from microtorch.benchmarks import family_cases, find_case
from microtorch.benchmarks.harness import REMOVED_ENV, Settings, available_libraries, run_suite, run_worker

ROOT = Path(__file__).resolve().parents[1]
HAS_TORCH = importlib.util.find_spec("torch") is not None
CHAIN = "elementwise chain, 10 ops on 10 elements, fwd+bwd"
TINY = {"min_time": 0.0, "repeat": 1, "warmup": 0.0}


def _spec(library: str, case: str = CHAIN, family: str = "core", mode: str = "time") -> dict:
    return {"family": family, "case": case, "quick": True, "mode": mode, "library": library, **TINY}


@pytest.fixture
def openblas_env(monkeypatch):
    """The machines' OpenBLAS overrides, set in the parent (workers must not see them)."""
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    monkeypatch.setenv("OPENBLAS_L2_SIZE", "512")


def test_harness_runs_a_tiny_case_end_to_end_in_subprocesses(openblas_env):
    settings = Settings(pairs=2, repeat=1, min_time=0.0, warmup=0.0, threads=1, quick=True)
    lines = []
    (report,) = run_suite({"core": family_cases("core", True)[:1]}, settings, lines.append)
    libs = ["microtorch", "torch", "numpy"] if HAS_TORCH else ["microtorch", "numpy"]
    assert sorted(report.times) == sorted(libs)
    assert all(len(t) == 2 and all(s > 0 for s in t) for t in report.times.values())
    assert len(lines) == 2 * len(libs) and lines[0].startswith(f"[1/{2 * len(libs)}] {CHAIN} | microtorch pair 1")
    # A B / B A: the second pair starts with the library that ended the first
    assert [w["library"] for w in report.workers] == libs + libs[::-1]
    med, lo, hi = report.ratio("numpy")
    assert lo <= med <= hi and len(report.ratios("numpy")) == 2
    data = json.loads(json.dumps(report.as_dict()))
    assert {"name", "times", "median", "ratio", "other_load"} <= set(data)
    assert (report.ratio("torch") is not None) == HAS_TORCH
    assert all(0.0 <= load <= 1.0 for load in report.other_load)


@pytest.mark.parametrize("library", ["microtorch", "torch", "numpy"])
def test_worker_imports_only_its_own_library_and_drops_openblas_overrides(library, openblas_env):
    if library == "torch" and not HAS_TORCH:
        pytest.skip("torch is not installed")
    r = run_worker(_spec(library), threads=1)
    assert (
        r["imported"]
        == {"microtorch": ["microtorch", "numpy"], "torch": ["numpy", "torch"], "numpy": ["numpy"]}[library]
    )
    assert r["env"] == dict.fromkeys(REMOVED_ENV)
    assert {p["num_threads"] for p in r["threadpools"]} == {1}
    if library == "torch":
        assert r["torch_threads"] == 1


def test_torch_worker_builds_a_training_case_without_microtorch():
    pytest.importorskip("torch")
    r = run_worker(_spec("torch", "SimpleCNN train step, batch 1, 5x5", "training"), threads=1)
    assert r["imported"] == ["numpy", "torch"]


def test_memory_worker_reports_a_peak_rise():
    r = run_worker(_spec("microtorch", "conv2d N=64 1->8 28x28 k5 fwd+bwd", "conv", "memory"), threads=1)
    assert r["rise"] >= 0 and r["method"] in ("warm (clear_refs)", "first call")
    assert "torch" not in r["imported"]


def test_every_case_builds_and_runs_in_each_library():
    libs = available_libraries()
    for family in ("core", "conv", "pool", "training", "sweep"):
        for case in family_cases(family, quick=True):
            assert "microtorch" in case.builders
            for lib in set(libs) & set(case.builders):
                case.built(lib)()


def test_training_cases_start_from_the_same_loss_in_both_libraries():
    torch = pytest.importorskip("torch")
    from microtorch.benchmarks.training import network

    for kind in ("simple", "lenet"):
        nets = [network(lib, kind) for lib in (mt, torch)]
        for p, q in zip(nets[0].parameters(), nets[1].parameters()):
            assert tuple(p.shape) == tuple(q.shape)


def test_find_case_names_the_family_of_a_missing_case():
    with pytest.raises(KeyError, match="family 'core'"):
        find_case("core", "nope", True)


@pytest.mark.parametrize("script", sorted((ROOT / "benchmarks").glob("*.py")), ids=lambda p: p.name)
def test_every_benchmark_script_honours_help(script):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 0, r.stderr
    assert "usage:" in r.stdout and "--quick" in r.stdout and "--threads" in r.stdout


def test_benchmark_script_rejects_an_unknown_family():
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    script = ROOT / "benchmarks" / "run_all.py"
    r = subprocess.run([sys.executable, str(script), "--families", "nope"], capture_output=True, text=True, env=env)
    assert r.returncode == 2 and "unknown family 'nope'" in r.stderr


def test_set_num_threads_round_trip():
    before = mt.get_num_threads()
    try:
        mt.set_num_threads(1)
        assert mt.get_num_threads() == 1
        from threadpoolctl import threadpool_info

        assert all(i["num_threads"] == 1 for i in threadpool_info() if i["user_api"] == "blas")
        mt.set_num_threads(2)
        assert mt.get_num_threads() == 2
    finally:
        mt.set_num_threads(before)


@pytest.mark.parametrize(
    ("value", "message"),
    [(0, "expects a positive integer"), (-2, "expects a positive integer"), (1.5, "expects an int, but got float")],
)
def test_set_num_threads_rejects_what_torch_rejects(value, message):
    before = mt.get_num_threads()
    with pytest.raises(RuntimeError, match=message):
        mt.set_num_threads(value)
    assert mt.get_num_threads() == before


def test_set_num_threads_errors_match_torch():
    torch = pytest.importorskip("torch")
    for value in (0, True, "2", 1.5):
        with pytest.raises(RuntimeError) as expected:
            torch.set_num_threads(value)
        with pytest.raises(RuntimeError) as got:
            mt.set_num_threads(value)
        assert str(got.value) == str(expected.value)
