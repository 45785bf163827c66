"""``microtorch run`` and ``install_as_torch``: unmodified PyTorch scripts on microtorch, in subprocesses only
(this test process may hold the real torch, which the hook refuses to replace)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from microtorch._torch_alias import TorchVersion, _version_key

ROOT = Path(__file__).resolve().parents[1]
SUBMODULES = [
    "torch.nn",
    "torch.nn.functional",
    "torch.nn.init",
    "torch.nn.utils",
    "torch.optim",
    "torch.optim.lr_scheduler",
    "torch.utils.data",
    "torch.autograd",
    "torch.testing",
    "torch.linalg",
    "torch.special",
    "torch.version",
    "torch.backends.cudnn",
]


def _script(tmp_path: Path, body: str, name: str = "script.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    return path


def _run(script: Path, *args: str, cwd: Path, launcher: list[str] | None = None) -> subprocess.CompletedProcess:
    """``python -m microtorch run script args`` from ``cwd`` (microtorch found through the installed package)."""
    cmd = (launcher or [sys.executable, "-m", "microtorch"]) + ["run", str(script), *args]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120)


def _no_torch_launcher(tmp_path: Path) -> list[str]:
    """A launcher whose interpreter cannot import the real torch: site-packages replaced by links to
    everything in it except torch and its companions, plus the repository (``-I -S``: no user paths)."""
    import numpy

    site = Path(numpy.__file__).resolve().parents[1]
    shim = tmp_path / "site-without-torch"
    shim.mkdir()
    hidden = ("torch", "torchgen", "functorch", "triton", "nvidia")
    for entry in site.iterdir():
        if entry.name.partition("-")[0].partition(".")[0].lower() not in hidden and not entry.name.endswith(".pth"):
            (shim / entry.name).symlink_to(entry)
    boot = (
        "import sys, importlib.util, runpy; "
        f"sys.path[:] = [p for p in sys.path if 'site-packages' not in p] + [{str(shim)!r}, {str(ROOT)!r}]; "
        "assert importlib.util.find_spec('torch') is None, 'torch is still importable'; "
        "sys.argv[0] = 'microtorch'; runpy.run_module('microtorch', run_name='__main__', alter_sys=True)"
    )
    return [sys.executable, "-I", "-S", "-c", boot]


IMPORTS = """
import sys
import torch
import microtorch
{imports}
mods = {mods!r}
for name in mods:
    mod = sys.modules[name]
    target = sys.modules["microtorch" + name[len("torch"):]] if name != "torch.backends.cudnn" else None
    assert target is None or mod is target, name
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset
assert torch is microtorch and nn is microtorch.nn and F is microtorch.nn.functional
assert torch.backends.cudnn is microtorch.backends.cudnn and DataLoader is microtorch.utils.data.DataLoader
assert "torch._C" not in sys.modules and torch.__file__.startswith(microtorch.__path__[0])
assert sys.modules["__main__"].__dict__ is globals() and __spec__ is None
print("version", torch.__version__, torch.__version__ >= "2.0", torch.__version__ < "3", torch.version.cuda)
print("name", __name__, "argv", sys.argv[1:], "path0", sys.path[0])
"""


def _imports_script(tmp_path: Path) -> Path:
    imports = "\n".join(f"import {m}" for m in SUBMODULES)
    return _script(tmp_path, IMPORTS.format(imports=imports, mods=SUBMODULES))


def _check_imports_output(out: subprocess.CompletedProcess, script: Path) -> None:
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "version 2.13.0+microtorch0.1.0 True True None"
    assert lines[1] == f"name __main__ argv ['a b', '--flag', '-x'] path0 {script.parent.resolve()}"


def test_every_listed_submodule_resolves_to_microtorch(tmp_path):
    script = _imports_script(tmp_path)
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    _check_imports_output(_run(script, "a b", "--flag", "-x", cwd=elsewhere), script)


def test_without_torch_installed(tmp_path):
    script = _imports_script(tmp_path)
    out = _run(script, "a b", "--flag", "-x", cwd=tmp_path, launcher=_no_torch_launcher(tmp_path))
    _check_imports_output(out, script)


def test_console_script(tmp_path):
    exe = shutil.which("microtorch", path=os.path.dirname(sys.executable))
    if exe is None:
        pytest.skip("the microtorch console script is not installed next to this interpreter")
    script = _imports_script(tmp_path)
    _check_imports_output(_run(script, "a b", "--flag", "-x", cwd=tmp_path, launcher=[exe]), script)


@pytest.mark.parametrize(
    ("code", "status", "stderr"),
    [
        ("import sys; sys.exit(3)", 3, ""),
        ("import sys; sys.exit('bad input')", 1, "bad input\n"),
        ("raise SystemExit", 0, ""),
        ("print('ok')", 0, ""),
    ],
)
def test_exit_statuses_as_python_gives(tmp_path, code, status, stderr):
    script = _script(tmp_path, code + "\n")
    out = _run(script, cwd=tmp_path)
    plain = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert (out.returncode, out.stderr) == (status, stderr) == (plain.returncode, plain.stderr)


def test_uncaught_exception_prints_the_scripts_traceback(tmp_path):
    script = _script(
        tmp_path,
        """\
        import torch

        def f(x):
            return x.no_such_method()

        f(torch.ones(2))
        """,
    )
    out = _run(script, cwd=tmp_path)
    assert out.returncode == 1
    assert out.stderr.splitlines() == [
        "Traceback (most recent call last):",
        f'  File "{script}", line 6, in <module>',
        "    f(torch.ones(2))",
        f'  File "{script}", line 4, in f',
        "    return x.no_such_method()",
        "           ^^^^^^^^^^^^^^^^",
        "AttributeError: 'Tensor' object has no attribute 'no_such_method'",
    ]


def test_relative_script_path_as_python_gives(tmp_path):
    _script(tmp_path, "import sys\nprint(__file__, sys.argv[0])\nraise ValueError(1)\n")
    out = _run(Path("script.py"), cwd=tmp_path)
    plain = subprocess.run([sys.executable, "script.py"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert (out.returncode, out.stdout, out.stderr) == (plain.returncode, plain.stdout, plain.stderr)
    assert out.stdout == f"{tmp_path / 'script.py'} script.py\n"


def test_syntax_error_in_the_script(tmp_path):
    script = _script(tmp_path, "x = (\n")
    out = _run(script, cwd=tmp_path)
    plain = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert out.returncode == plain.returncode == 1 and out.stderr == plain.stderr


def test_missing_script_is_one_line(tmp_path):
    out = _run(tmp_path / "nope.py", cwd=tmp_path)
    assert out.returncode == 2
    assert out.stderr == f"microtorch run: error: can't open file '{tmp_path / 'nope.py'}': no such file\n"


def test_missing_torch_module_and_add_ons_are_one_clear_error(tmp_path):
    script = _script(
        tmp_path,
        """\
        try:
            import torchvision
        except ImportError as e:
            print(type(e).__name__, e.name, "|", e)
        try:
            import torch.utils.tensorboard
        except ModuleNotFoundError as e:
            print(type(e).__name__, e.name)
        import torch.fft
        """,
    )
    out = _run(script, cwd=tmp_path)
    assert out.returncode == 1
    assert out.stdout.splitlines() == [
        "ModuleNotFoundError torchvision | No module named 'torchvision': microtorch does not provide torchvision "
        "(it needs the real PyTorch); this script runs with microtorch in place of torch",
        "ModuleNotFoundError torch.utils.tensorboard",
    ]
    assert out.stderr.splitlines()[-1] == (
        "ModuleNotFoundError: No module named 'torch.fft': microtorch does not provide torch.fft; this script runs "
        "with microtorch in place of torch (see docs/api.md for what it provides)"
    )
    assert f'File "{script}", line 9, in <module>' in out.stderr


TRAIN = """
import sys
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 8)
        self.fc2 = nn.Linear(8, 2)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                with torch.no_grad():
                    m.weight.copy_(torch.linspace(-0.5, 0.5, m.weight.numel()).reshape(m.weight.shape))
                nn.init.zeros_(m.bias)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


def main():
    x = torch.linspace(-1, 1, 24).reshape(8, 3)
    y = (x.sum(1) > 0).long()
    loader = DataLoader(TensorDataset(x, y), batch_size=4, shuffle=False)
    model = Net()
    opt = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    sched = StepLR(opt, step_size=2, gamma=0.5)
    for epoch in range(4):
        for xb, yb in loader:
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
        sched.step()
    torch.save(model.state_dict(), sys.argv[1])
    model.load_state_dict(torch.load(sys.argv[1], weights_only=True))
    print(f"{loss.item():.6f}")


if __name__ == "__main__":
    main()
"""


def test_unmodified_training_script_ends_as_with_torch(tmp_path):
    torch = pytest.importorskip("torch")
    script = _script(tmp_path, TRAIN)
    ours = _run(script, str(tmp_path / "ours.pt"), cwd=tmp_path)
    theirs = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "theirs.pt")], capture_output=True, text=True, timeout=120
    )
    assert ours.returncode == theirs.returncode == 0, ours.stderr + theirs.stderr
    assert abs(float(ours.stdout) - float(theirs.stdout)) < 1e-5
    ours_sd = torch.load(tmp_path / "ours.pt", weights_only=True)
    theirs_sd = torch.load(tmp_path / "theirs.pt", weights_only=True)
    assert list(ours_sd) == list(theirs_sd)
    assert all(torch.allclose(ours_sd[k], theirs_sd[k], atol=1e-5) for k in theirs_sd)


def _python(code: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, capture_output=True, text=True)


def test_install_as_torch_is_idempotent_and_refuses_the_real_torch(tmp_path):
    ok = _python(
        """\
        import sys, microtorch
        microtorch.install_as_torch()
        microtorch.install_as_torch()
        import torch, torch.nn
        assert torch is microtorch and torch.nn is microtorch.nn
        print(sum(type(f).__name__ == "TorchAliasFinder" for f in sys.meta_path))
        """,
        tmp_path,
    )
    assert ok.returncode == 0 and ok.stdout == "1\n", ok.stderr
    pytest.importorskip("torch")
    refused = _python("import torch, microtorch\nmicrotorch.install_as_torch()\n", tmp_path)
    assert refused.returncode == 1
    assert "RuntimeError: install_as_torch: the real PyTorch is already imported in this process" in refused.stderr


def test_testing_and_models_are_attributes_and_version_works_elsewhere(tmp_path):
    out = _python(
        "import microtorch; print(callable(microtorch.testing.assert_close), hasattr(microtorch.models, 'LeNet5'))",
        tmp_path,
    )
    assert out.stdout == "True True\n", out.stderr
    version = subprocess.run([sys.executable, "-m", "microtorch", "--version"], cwd=tmp_path, capture_output=True)
    assert version.returncode == 0 and version.stdout == b"microtorch 0.1.0\n"


def test_torch_version_compares_as_a_version():
    v = TorchVersion("2.13.0+microtorch0.1.0")
    assert v >= "2.0" and v > "2.9" and v < "2.14" and v == "2.13" and v != "2.12" and v <= (2, 13, 0)
    assert v > (2, 1) and not v < "2.13.0" and v > "2.13.0rc1" > "2.13.0a2" > "2.13.0.dev20250101"
    assert isinstance(v, str) and v.split("+")[0] == "2.13.0" and hash(v) == hash(str(v))
    assert _version_key("2") == _version_key("2.0.0")
    with pytest.raises(ValueError, match="Invalid version"):
        assert v < "banana"
    packaging = pytest.importorskip("packaging.version")
    assert packaging.parse(v) >= packaging.parse("2.0") and v >= packaging.parse("2.0")


def test_run_is_listed_and_has_help(tmp_path):
    top = subprocess.run([sys.executable, "-m", "microtorch", "--help"], cwd=tmp_path, capture_output=True, text=True)
    assert top.returncode == 0 and "run" in top.stdout.split("COMMAND", 1)[1]
    sub = subprocess.run(
        [sys.executable, "-m", "microtorch", "run", "--help"], cwd=tmp_path, capture_output=True, text=True
    )
    assert sub.returncode == 0 and sub.stdout.startswith("usage: microtorch run [-h] SCRIPT ...")
    bare = subprocess.run([sys.executable, "-m", "microtorch", "run"], cwd=tmp_path, capture_output=True, text=True)
    assert bare.returncode == 2 and "the following arguments are required: SCRIPT" in bare.stderr
