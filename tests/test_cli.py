"""The ``microtorch`` command end to end, in subprocesses, with short settings."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    return subprocess.run(
        [sys.executable, "-m", "microtorch", *args], capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT
    )


def _percent(pattern: str, text: str) -> float:
    m = re.search(pattern + r"\s*([0-9.]+)%", text)
    assert m, f"{pattern!r} not in output:\n{text}"
    return float(m.group(1))


def test_help_of_every_subcommand():
    top = run_cli("--help")
    assert top.returncode == 0
    for cmd in ("demo", "train", "gradcheck", "bench"):
        assert cmd in top.stdout
        r = run_cli(cmd, "--help")
        assert r.returncode == 0 and "usage: microtorch " + cmd in r.stdout


def test_demo_prints_every_stage_and_a_passing_gradient_check():
    r = run_cli("demo")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    stages = [
        "28 trainable parameters",
        "Input layer",
        "Convolution: 2x2 kernel, no padding, stride 1",
        "4x4 convolution output",
        "scalar bias",
        "ReLU",
        "Max pooling on 2x2",
        "vector of length 4",
        "Fully-connected layer: W (3x4)",
        "Output layer: W (2x3)",
        "Loss = (z0 - y0)^2 + (z1 - y1)^2",
        "d loss / d conv.weight",
        "d loss / d fc2.bias",
        "SGD update with learning rate 0.1",
        "new fc1.weight",
        "Finite-difference check",
    ]
    positions = [out.find(s) for s in stages]
    assert all(p >= 0 for p in positions), [s for s, p in zip(stages, positions) if p < 0]
    assert positions == sorted(positions), "stages printed out of order"
    before, after = (float(v) for v in re.search(r"before the update: ([0-9.]+); after: ([0-9.]+)", out).groups())
    assert after < before
    worst = float(re.search(r"Largest error over all 28 gradients: ([0-9.e+-]+) \(OK\)", out).group(1))
    assert worst < 1e-6
    for name in ("conv.weight", "conv.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"):
        assert re.search(rf"{re.escape(name)}\s+\d+ elements\s+largest abs error", out)


def test_train_simple_cnn_on_bars_reaches_full_training_accuracy(tmp_path):
    import importlib.util

    ckpt, plot = tmp_path / "simple.mt", tmp_path / "curves.png"
    has_matplotlib = importlib.util.find_spec("matplotlib") is not None
    plot_args = ("--plot", str(plot)) if has_matplotlib else ()
    r = run_cli("train", "--model", "simple-cnn", "--dataset", "bars", "--no-progress", "--save", str(ckpt), *plot_args)
    assert r.returncode == 0, r.stderr
    assert _percent("final train accuracy:", r.stdout) == 100.0
    assert _percent("test accuracy:", r.stdout) >= 95.0
    assert len(re.findall(r"^epoch \d+/8 ", r.stdout, flags=re.M)) == 8
    import microtorch as mt
    from microtorch.models import SimpleCNN

    state = mt.load(str(ckpt))
    assert state["model_name"] == "simple-cnn" and len(state["history"]["train_acc"]) == 8
    model = SimpleCNN()
    model.load_state_dict(state["model"])
    if has_matplotlib:
        assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_train_is_reproducible_with_the_same_seed():
    def numbers(seed: str) -> str:
        r = run_cli("train", "--model", "simple-cnn", "--epochs", "2", "--seed", seed, "--no-progress")
        assert r.returncode == 0, r.stderr
        return re.sub(r"\([0-9.]+ s\)|total time: [0-9.]+ s", "", r.stdout)

    first = numbers("3")
    assert first == numbers("3")
    assert first != numbers("4")


def test_short_digits_run_improves_accuracy():
    pytest.importorskip("sklearn")
    r = run_cli("train", "--epochs", "2", "--limit", "320", "--no-progress")
    assert r.returncode == 0, r.stderr
    assert "LeNet5" in r.stdout and "digits" in r.stdout
    before = _percent("test accuracy before training:", r.stdout)
    after = _final(r.stdout)
    assert after > before + 25, r.stdout


def _final(text: str) -> float:
    m = re.search(r"^test accuracy: ([0-9.]+)%", text, flags=re.M)
    assert m, text
    return float(m.group(1))


def test_gradcheck_passes_on_some_ops():
    r = run_cli("gradcheck", "--ops", "exp,matmul,log_softmax", "--examples", "2")
    assert r.returncode == 0, r.stdout + r.stderr
    for op in ("exp", "matmul", "log_softmax"):
        assert re.search(rf"\| {op} \| 2 \| [0-9.e+-]+ \| [0-9.e+-]+ \| yes \|", r.stdout)
    assert "3 of 3 ops passed" in r.stdout


def test_gradcheck_fails_on_a_wrong_gradient(monkeypatch):
    """The in-process runner reports a wrong gradient and exits non-zero."""
    import microtorch as mt
    from microtorch.autograd import Function
    from microtorch.cli import gradcheck, main
    from microtorch.cli.gradcheck_ops import GradOp

    class BadSquare(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * x  # should be 2 * g * x

    def build(rng):
        return BadSquare.apply, (mt.tensor(rng.uniform(0.5, 1.0, size=3), dtype=mt.float64, requires_grad=True),)

    monkeypatch.setattr(gradcheck, "OPS", [GradOp("bad_square", "custom", build)])
    assert main(["gradcheck", "--examples", "1"]) == 1


def test_gradcheck_checks_second_order_by_default():
    r = run_cli("gradcheck", "--ops", "gather,prod", "--examples", "2")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "| 2nd-order max abs err | 2nd-order max rel err | 2nd-order pass |" in r.stdout
    num = r"[0-9.e+-]+"
    for op in ("gather", "prod"):
        assert re.search(rf"\| {op} \| 2 \| {num} \| {num} \| yes \| {num} \| {num} \| yes \|$", r.stdout, re.M)
    assert "2 of 2 ops passed (4 cases)" in r.stdout


def test_gradcheck_order_1_keeps_the_first_order_table():
    r = run_cli("gradcheck", "--ops", "indexing", "--examples", "1", "--order", "1")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "2nd-order" not in r.stdout
    assert re.search(r"^\| indexing \| scatter_add \| 1 \| [0-9.e+-]+ \| [0-9.e+-]+ \| yes \|$", r.stdout, re.M)


def test_gradcheck_help_and_list_name_the_default_order_and_forms():
    r = run_cli("gradcheck", "--help")
    assert "--order {1,2}" in r.stdout and "(default)" in r.stdout
    r = run_cli("gradcheck", "--list")
    assert r.returncode == 0
    assert re.search(r"^indexing\s+gather\s+torch\.gather Tensor\.gather$", r.stdout, re.M)
    assert re.search(r"^elementwise\s+add\s+.*Tensor\.__radd__", r.stdout, re.M)


def test_gradcheck_fails_on_a_wrong_second_derivative(monkeypatch, capsys):
    """A backward that is right but not differentiable passes --order 1 and fails the default order 2."""
    import microtorch as mt
    from microtorch.autograd import Function
    from microtorch.cli import gradcheck, main
    from microtorch.cli.gradcheck_ops import GradOp

    class DetachedSquare(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 2 * x.detach()  # right value, but d/dx of it is lost

    def build(rng):
        x = mt.tensor(rng.uniform(0.5, 1.0, size=3), dtype=mt.float64, requires_grad=True)
        return DetachedSquare.apply, (x,)

    monkeypatch.setattr(gradcheck, "OPS", [GradOp("detached_square", "custom", build)])
    assert main(["gradcheck", "--examples", "1", "--order", "1"]) == 0
    assert main(["gradcheck", "--examples", "1"]) == 1
    # an op declared first-order only is not checked at second order: its row says n/a
    monkeypatch.setattr(gradcheck, "OPS", [GradOp("detached_square", "custom", build, second_order=False)])
    assert main(["gradcheck", "--examples", "1"]) == 0
    assert "| yes | n/a | n/a | n/a |" in capsys.readouterr().out


def test_gradcheck_reports_a_case_that_raises_in_both_orders(monkeypatch, capsys):
    from microtorch.cli import gradcheck, main
    from microtorch.cli.gradcheck_ops import GradOp

    def build(rng):
        raise ValueError("no such shape")

    monkeypatch.setattr(gradcheck, "OPS", [GradOp("broken", "custom", build)])
    assert main(["gradcheck", "--examples", "1"]) == 1
    out = capsys.readouterr().out
    assert "| - | - | NO (ValueError: no such shape) | - | - | NO (ValueError: no such shape) |" in out


def test_gradcheck_cases_cycle_through_the_public_forms(monkeypatch):
    """Case k calls the op through its k-th form: a wrong Tensor method is caught although torch.X is right."""
    import microtorch as mt
    from microtorch.autograd import Function
    from microtorch.cli import gradcheck
    from microtorch.cli.gradcheck_ops import build_case, case_rng, op
    from microtorch.cli.gradcheck_ops._gen import unary

    class BadExp(Function):
        @staticmethod
        def forward(ctx, x):
            return mt.exp(x.detach())

        @staticmethod
        def backward(ctx, g):
            return g  # should be g * exp(x)

    checked = op("exp", "elementwise", unary(), "torch Tensor")
    monkeypatch.setattr(mt.Tensor, "exp", lambda self: BadExp.apply(self))
    first, _ = gradcheck.check_op(checked, examples=1, seed=0, order=1)
    assert first.ok  # case 0: torch.exp, still right
    first, _ = gradcheck.check_op(checked, examples=2, seed=0, order=1)
    assert not first.ok and not first.errors  # case 1: Tensor.exp, the patched one: a wrong gradient, no error
    fn, inputs = build_case(checked, case_rng(0, 0, "exp"), 0)
    assert fn(*inputs).grad_fn is not None


@pytest.mark.parametrize(
    "args,needle",
    [
        (["train", "--model", "resnet"], "--model"),
        (["train", "--lr", "-1"], "--lr"),
        (["train", "--epochs", "two"], "--epochs"),
        (["train", "--model", "lenet5", "--dataset", "bars"], "does not fit"),
        (["train", "--model", "simple-cnn", "--save", "/nonexistent-dir/x.mt"], "does not exist"),
        (["gradcheck", "--ops", "frobnicate"], "unknown op"),
        (["gradcheck", "--order", "3"], "--order"),
        (["bench", "--families", "nope"], "unknown family"),
        (["bench", "--pairs", "0"], "--pairs"),
        (["train", "--threads", "0"], "--threads"),
        (["train", "--seed", "-1"], "--seed"),
        (["train", "--model", "simple-cnn", "--activation", "tanh"], "--activation applies only to --model lenet5"),
        (["train", "--model", "simple-cnn", "--plot", "curves.xyz"], "unknown image format 'xyz'"),
        (["train", "--model", "simple-cnn", "--plot", "/nonexistent-dir/p.png"], "does not exist"),
        (["fly"], "invalid choice"),
    ],
)
def test_bad_arguments_give_one_line_and_nonzero_exit(args, needle):
    r = run_cli(*args)
    assert r.returncode != 0
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert needle in lines[0]


def test_console_script_is_installed():
    script = Path(sys.executable).with_name("microtorch")
    if not script.exists():
        pytest.skip("console script not installed in this environment")
    r = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.startswith("microtorch ")


def test_bench_quick_prints_median_ratios_with_their_spread():
    short = ("--pairs", "2", "--repeat", "1", "--min-time", "0", "--warmup", "0", "--threads", "1")
    r = run_cli("bench", "--quick", "--families", "core", *short)
    assert r.returncode == 0, r.stderr
    header = "| case | microtorch | torch | numpy | microtorch/torch | microtorch/numpy | others' CPU | note |"
    assert header in r.stdout
    assert re.search(r"\| elementwise chain.*\| [0-9.]+ (us|ms|s) \|.*\| [0-9.]+x \([0-9.]+-[0-9.]+\) \|", r.stdout)
    assert "OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset" in r.stdout and "numpy BLAS in the workers:" in r.stdout
    assert "threads: 1 for every library" in r.stdout
    assert re.search(r"^\[1/\d+\] elementwise chain.* \| microtorch pair 1: ", r.stderr, re.M)  # progress


def test_train_threads_sets_the_blas_threads():
    r = run_cli("train", "--model", "simple-cnn", "--epochs", "1", "--threads", "1", "--no-progress")
    assert r.returncode == 0, r.stderr
    assert "batch 1, 1 epoch, seed 0, 1 BLAS thread" in r.stdout


def test_shift_batch_moves_images_and_fills_with_background():
    import numpy as np

    import microtorch as mt
    from microtorch.cli.train import shift_batch

    a = np.zeros((2, 1, 6, 6), dtype=np.float32)
    a[:, 0, 2, 3] = 1.0
    rng = np.random.default_rng(0)
    for _ in range(10):
        out = shift_batch(mt.from_numpy(a), rng).numpy()
        assert out.shape == a.shape and out.dtype == a.dtype
        assert out.sum() == 2.0  # a shift of at most 2 keeps the pixel inside the 6x6 frame
        (_, _, y, x), *_ = np.argwhere(out == 1.0)
        assert abs(y - 2) <= 2 and abs(x - 3) <= 2


def test_train_help_shows_the_defaults_the_presets_use():
    from microtorch.cli.train import PRESETS

    r = run_cli("train", "--help")
    text = " ".join(r.stdout.split())
    assert f"lenet5: {PRESETS['lenet5'].epochs}, simple-cnn: {PRESETS['simple-cnn'].epochs}" in text
    assert f"lenet5: {PRESETS['lenet5'].batch_size}, simple-cnn: {PRESETS['simple-cnn'].batch_size}" in text


def test_train_plot_without_extension_names_the_file_it_writes(tmp_path):
    pytest.importorskip("matplotlib")
    target = tmp_path / "curves"
    r = run_cli("train", "--model", "simple-cnn", "--epochs", "1", "--no-progress", "--plot", str(target))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "curves.png").exists()
    assert f"saved plot to {target}.png" in r.stdout
