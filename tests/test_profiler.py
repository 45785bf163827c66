"""microtorch.profiler: rows, counts and times of the table, record_function, the Chrome trace,
and that nothing is instrumented outside a profiler."""

from __future__ import annotations

import json
import re
import warnings

import pytest

import microtorch as mt
from microtorch.autograd import _instrument, engine
from microtorch.autograd.function import Function, Op
from microtorch.models import SimpleCNN
from microtorch.profiler import ProfilerActivity, profile, record_function

PLAIN_OP_APPLY = Op.__dict__["apply"]
PLAIN_FUNCTION_APPLY = Function.__dict__["apply"]

# per row of the notes' network, one forward and one backward: calls, as torch names the ops
EXPECTED_COUNTS = {
    "aten::convolution": 1,
    "aten::relu": 1,
    "aten::max_pool2d_with_indices": 1,
    "aten::addmm": 2,
    "aten::sigmoid": 2,
    "ConvolutionBackward0": 1,
    "ReluBackward0": 1,
    "MaxPool2DWithIndicesBackward0": 1,
    "ViewBackward0": 1,
    "AddmmBackward0": 2,
    "TBackward0": 2,
    "SigmoidBackward0": 2,
    "SubBackward0": 1,
    "PowBackward0": 1,
    "SumBackward0": 1,
    "torch::autograd::AccumulateGrad": 6,
}


def _notes_step(lib, model, x, y):
    loss = ((model(x) - y) ** 2).sum()
    loss.backward()
    return loss


def _profiled_notes_step(record_shapes=False):
    mt.manual_seed(0)
    model = SimpleCNN().double()
    x = mt.rand(1, 1, 5, 5, dtype=mt.float64)
    y = mt.tensor([[1.0, 0.0]], dtype=mt.float64)
    with profile(record_shapes=record_shapes) as prof:
        with record_function("train_step"):
            _notes_step(mt, model, x, y)
    return prof


def test_rows_and_counts_of_the_notes_network():
    averages = {e.key: e for e in _profiled_notes_step().key_averages()}
    for name, count in EXPECTED_COUNTS.items():
        assert averages[name].count == count, name
    assert averages["train_step"].count == 1


def test_backward_rows_are_the_ones_torch_records():
    torch = pytest.importorskip("torch")
    from torch import nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv, self.pool = nn.Conv2d(1, 1, 2), nn.MaxPool2d(2)
            self.fc1, self.fc2 = nn.Linear(4, 3), nn.Linear(3, 2)

        def forward(self, x):
            h = self.pool(torch.relu(self.conv(x))).flatten(1)
            return torch.sigmoid(self.fc2(torch.sigmoid(self.fc1(h))))

    net, x, y = Net().double(), torch.rand(1, 1, 5, 5, dtype=torch.float64), torch.tensor([[1.0, 0.0]])
    with torch.profiler.profile() as prof:
        _notes_step(torch, net, x, y.double())
    theirs = {e.key: e.count for e in prof.key_averages() if e.key.endswith("Backward0") or "AccumulateGrad" in e.key}
    theirs = {k: v for k, v in theirs.items() if "evaluate_function" not in k}
    ours = {e.key: e.count for e in _profiled_notes_step().key_averages()}
    assert {k: ours.get(k) for k in theirs} == theirs


def test_self_time_excludes_children_and_totals_add_up():
    prof = _profiled_notes_step()
    events = prof.events()
    for e in events:
        assert 0 <= e.self_cpu_time_total <= e.cpu_time_total
        assert sum(c.cpu_time_total for c in e.cpu_children) <= e.cpu_time_total + 1e-9
    (top,) = [e for e in events if e.cpu_parent is None and e.name == "train_step"]
    assert all(e.cpu_parent is not None for e in events if e is not top)  # everything ran inside the block
    averages = prof.key_averages()
    assert averages.self_cpu_time_total == pytest.approx(top.cpu_time_total)
    step = next(a for a in averages if a.key == "train_step")
    assert step.cpu_time == pytest.approx(step.cpu_time_total)


def test_backward_nodes_contain_the_ops_of_their_formulas():
    x = mt.randn(3, requires_grad=True)
    with profile() as prof:
        (x * x).sum().backward()
    (node,) = [e for e in prof.events() if e.name == "MulBackward0"]
    assert [c.name for c in node.cpu_children].count("aten::mul") == 2
    assert node.self_cpu_time_total < node.cpu_time_total


def test_table_layout_sorting_and_row_limit():
    prof = _profiled_notes_step()
    averages = prof.key_averages()
    text = averages.table(sort_by="self_cpu_time_total", row_limit=5)
    lines = text.splitlines()
    assert lines[0].startswith("-") and lines[2].startswith("-")
    assert lines[1].split() == "Name Self CPU % Self CPU CPU total % CPU total CPU time avg # of Calls".split()
    assert len(lines) == 3 + 5 + 2 and lines[-1].startswith("Self CPU time total: ")
    for key in ("self_cpu_time_total", "cpu_time_total", "cpu_time", "count"):
        rows = averages.table(sort_by=key, row_limit=-1).splitlines()[3:-2]
        values = [getattr(next(a for a in averages if a.key == r.strip().split("  ")[0]), key) for r in rows]
        assert values == sorted(values, reverse=True), key
    assert len(averages.table(row_limit=-1).splitlines()) == 3 + len(averages) + 2
    with pytest.raises(AttributeError, match="sort_by"):
        averages.table(sort_by="self_cpu_memory_usage")


def test_percentages_and_time_units_as_torch():
    from microtorch.profiler._events import _format_share, _format_time

    assert _format_time(12.3456) == "12.346us"
    assert _format_time(1234.5) == "1.234ms" or _format_time(1234.5) == "1.235ms"
    assert _format_time(2.5e6) == "2.500s"
    assert _format_share(1.0, 4.0) == "25.00%"
    assert _format_share(0.0, 0.0) == "NaN"


def test_group_by_input_shape_records_the_shapes():
    a, b = mt.randn(3, 4, requires_grad=True), mt.randn(4, 5)
    c = mt.randn(2, 4)
    with profile(record_shapes=True) as prof:
        (a @ b).sum().backward()
        c @ b
    shapes = sorted(str(e.input_shapes) for e in prof.key_averages(group_by_input_shape=True) if e.key == "aten::mm")
    assert "[[2, 4], [4, 5]]" in shapes and "[[3, 4], [4, 5]]" in shapes
    table = prof.key_averages(group_by_input_shape=True).table()
    assert "Input Shapes" in table.splitlines()[1] and "[[3, 4], [4, 5]]" in table
    assert "Input Shapes" not in prof.key_averages().table()


def test_group_by_input_shape_needs_record_shapes():
    with profile() as prof:
        mt.ones(2) * 2
    with pytest.raises(RuntimeError, match="record_shapes"):
        prof.key_averages(group_by_input_shape=True)


def test_record_function_as_block_and_decorator():
    @record_function("double_it")
    def double(t):
        return t * 2

    x = mt.ones(3)
    assert double(x).tolist() == [2.0, 2.0, 2.0]  # also without a profiler
    with profile() as prof:
        with record_function("outer"):
            double(x)
            double(x)
    events = prof.events()
    outer = next(e for e in events if e.name == "outer")
    assert [c.name for c in outer.cpu_children] == ["double_it", "double_it"]
    assert [c.name for c in outer.cpu_children[0].cpu_children] == ["aten::mul"]
    with pytest.raises(TypeError, match="name"):
        record_function(3)


def test_custom_function_rows():
    class Cube(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * g * x * x

    x = mt.randn(4, requires_grad=True)
    with profile() as prof:
        Cube.apply(x).sum().backward()
    counts = {e.key: e.count for e in prof.key_averages()}
    assert counts["Cube"] == 1 and counts["CubeBackward"] == 1


def test_chrome_trace_json(tmp_path):
    prof = _profiled_notes_step(record_shapes=True)
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(str(path))
    data = json.loads(path.read_text())
    complete = [e for e in data["traceEvents"] if e["ph"] == "X"]
    assert len(complete) == len(prof.events())
    for e in complete:
        assert {"name", "ph", "ts", "dur", "pid", "tid", "args"} <= set(e)
        assert e["dur"] >= 0 and e["ts"] >= 0
    step = next(e for e in complete if e["name"] == "train_step")
    assert step["cat"] == "user_annotation"
    for e in complete:  # every op lies inside the block, as the viewers nest them
        assert step["ts"] <= e["ts"] and e["ts"] + e["dur"] <= step["ts"] + step["dur"] + 1e-3
    addmm = next(e for e in complete if e["name"] == "aten::addmm")
    assert addmm["args"]["Input Dims"][0] == [3]


def test_nothing_is_instrumented_outside_a_profiler():
    assert Op.__dict__["apply"] is PLAIN_OP_APPLY and engine._instrument is None
    with profile():
        assert Op.__dict__["apply"] is not PLAIN_OP_APPLY and engine._instrument is not None
    assert Op.__dict__["apply"] is PLAIN_OP_APPLY and Function.__dict__["apply"] is PLAIN_FUNCTION_APPLY
    assert engine._instrument is None and _instrument.recorder is None
    with pytest.raises(ValueError):
        with profile():
            raise ValueError("inside")
    assert Op.__dict__["apply"] is PLAIN_OP_APPLY and engine._instrument is None


def test_profiler_start_stop_and_misuse():
    prof = profile()
    with pytest.raises(RuntimeError, match="after the with block"):
        prof.key_averages()
    prof.start()
    try:
        with pytest.raises(RuntimeError, match="already running"):
            profile().start()
        mt.ones(2) + 1
    finally:
        prof.stop()
    assert [e.name for e in prof.events()] == ["aten::add"]
    with pytest.raises(RuntimeError, match="not running"):
        prof.stop()


def test_profiler_options():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]):
            pass
    assert any("CUDA is not available" in str(w.message) for w in caught)
    with pytest.raises(ValueError, match="CPU"):
        profile(activities=[ProfilerActivity.CUDA])
    with pytest.raises(NotImplementedError, match="profile_memory"):
        profile(profile_memory=True)
    with profile(with_stack=False):
        pass
    with pytest.raises(TypeError, match="experimental_config"):
        profile(experimental_config=None)


def test_bench_profile_prints_the_table(capsys):
    from microtorch.cli import main

    assert main(["bench", "--profile", "elementwise chain", "--repeat", "2", "--row-limit", "3"]) == 0
    out = capsys.readouterr().out
    assert "2 calls after one warm-up" in out and "Self CPU time total: " in out
    assert len([line for line in out.splitlines() if re.search(r"\d\.\d\d%", line)]) == 3


def test_bench_profile_rejects_unknown_or_ambiguous_cases(capsys):
    from microtorch.cli import main

    assert main(["bench", "--profile", "no such case"]) == 2
    assert "no case matches" in capsys.readouterr().err
    assert main(["bench", "--profile", "train step"]) == 2
    assert "several cases match" in capsys.readouterr().err


def test_autograd_profiler_spelling():
    from microtorch.autograd import profiler as legacy

    x = mt.randn(3, requires_grad=True)
    with legacy.profile(record_shapes=True) as prof:
        with legacy.record_function("block"):
            (x * 2).sum().backward()
    assert [e.name for e in prof.function_events][:2] == ["block", "aten::mul"]
    assert "Input Shapes" in prof.table() and prof.self_cpu_time_total == pytest.approx(
        prof.function_events[0].cpu_time_total
    )
    assert prof.total_average().count == len(prof.function_events)
    with legacy.profile(enabled=False) as off:
        assert engine._instrument is None
        x * 2
    with pytest.raises(RuntimeError, match="no results"):
        off.key_averages()
    assert mt.autograd.profiler.record_function is record_function


@pytest.mark.parametrize(
    "kwargs",
    [
        {"wait": 1, "warmup": 1, "active": 2},
        {"wait": 2, "warmup": 1, "active": 3, "repeat": 2, "skip_first": 3},
        {"wait": 5, "warmup": 1, "active": 1, "skip_first": 2, "skip_first_wait": 1},
    ],
)
def test_schedule_matches_torch(kwargs):
    torch = pytest.importorskip("torch")
    ours, theirs = mt.profiler.schedule(**kwargs), torch.profiler.schedule(**kwargs)
    assert [ours(i).name for i in range(40)] == [theirs(i).name for i in range(40)]


def test_schedule_checks_its_arguments():
    with pytest.raises(AssertionError, match="active=0"):
        mt.profiler.schedule(wait=0, warmup=1, active=0)
    with pytest.warns(UserWarning, match="warmup"):
        mt.profiler.schedule(wait=0, warmup=0, active=1)


def _scheduled_run(lib, steps: int, **kwargs):
    """Per on_trace_ready call: the number of ProfilerStep ranges and of mul calls recorded."""
    cycles = []

    def ready(prof):
        keys = {e.key: e.count for e in prof.key_averages()}
        cycles.append((keys.get("ProfilerStep*", 0), keys.get("aten::mul", 0)))

    x = lib.ones(3)
    with lib.profiler.profile(schedule=lib.profiler.schedule(**kwargs), on_trace_ready=ready) as prof:
        for _ in range(steps):
            x * 2
            prof.step()
    return cycles


SCHEDULED_RUNS = [
    # two full cycles of two recorded steps, each with one mul
    (10, {"wait": 1, "warmup": 1, "active": 2, "repeat": 2}, [(2, 2), (2, 2)]),
    # a full cycle, then stop during the next one: what was recorded so far (the last step is empty)
    (6, {"wait": 0, "warmup": 1, "active": 3}, [(3, 3), (2, 1)]),
]


@pytest.mark.parametrize("steps, kwargs, expected", SCHEDULED_RUNS)
def test_scheduled_profiling_records_the_scheduled_steps(steps, kwargs, expected):
    assert _scheduled_run(mt, steps, **kwargs) == expected


@pytest.mark.parametrize("steps, kwargs, expected", SCHEDULED_RUNS)
def test_scheduled_profiling_records_the_steps_torch_records(steps, kwargs, expected):
    torch = pytest.importorskip("torch")
    assert _scheduled_run(torch, steps, **kwargs) == expected


def test_on_trace_ready_without_schedule_runs_once_at_stop():
    seen = []
    with profile(on_trace_ready=lambda p: seen.append([e.name for e in p.events()])):
        mt.ones(2) * 2
    assert seen == [["aten::mul"]]


def test_tensorboard_trace_handler_writes_one_trace_per_cycle(tmp_path):
    handler = mt.profiler.tensorboard_trace_handler(str(tmp_path / "log"), worker_name="w0", use_gzip=True)
    x = mt.ones(3)
    with profile(schedule=mt.profiler.schedule(wait=0, warmup=1, active=1, repeat=2), on_trace_ready=handler) as p:
        for _ in range(5):
            x + 1
            p.step()
    files = sorted((tmp_path / "log").iterdir())
    assert len(files) == 2 and all(f.name.startswith("w0.") and f.name.endswith(".pt.trace.json.gz") for f in files)
    import gzip

    data = json.loads(gzip.decompress(files[0].read_bytes()))
    assert {e["name"] for e in data["traceEvents"] if e["ph"] == "X"} == {"ProfilerStep#1", "aten::add"}


def test_a_failing_on_trace_ready_leaves_nothing_instrumented():
    def broken(prof):
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        with profile(on_trace_ready=broken):
            mt.ones(1) + 1
    assert Op.__dict__["apply"] is PLAIN_OP_APPLY and engine._instrument is None
    with profile():
        pass


def test_record_functions_closed_out_of_order_keep_the_nesting_consistent():
    outer, inner = record_function("outer"), record_function("inner")
    with profile() as prof:
        outer.__enter__()
        inner.__enter__()
        outer.__exit__(None, None, None)  # closed before the block opened inside it
        inner.__exit__(None, None, None)
        mt.ones(1) + 1
    events = {e.name: e for e in prof.events()}
    assert events["aten::add"].cpu_parent is None and events["inner"].cpu_parent is events["outer"]
    assert 0 <= events["inner"].cpu_time_total <= events["outer"].cpu_time_total
    assert events["outer"].self_cpu_time_total >= 0
