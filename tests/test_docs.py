"""The docs runner: every ```python block of README.md and docs/*.md runs, and its output is checked.

Convention: a ```python block may be followed (blank lines allowed) by a ```text block
holding exactly what the python block prints. Numbers are compared to a tolerance
(relative 1e-4, absolute 1e-4 -- docs print rounded values); everything else must match
up to whitespace. Python blocks without a following text block must run, and their output
is not checked. The blocks of one file run in order in one shared namespace. Shell
blocks (```bash, ```sh, ```console) are not run: the CLI tests exercise those commands.
"""

from __future__ import annotations

import contextlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC_FILES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```\s*$", re.M | re.S)
NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|[-+]?(?:inf|nan)\b")


@dataclass
class Block:
    code: str
    line: int
    expected: str | None


def parse_blocks(text: str) -> list[Block]:
    """The python blocks of a Markdown text, each with the text block that follows it (if any)."""
    fences = [
        (m.group(1), m.group(2), text.count("\n", 0, m.start()) + 1, m.start(), m.end()) for m in FENCE.finditer(text)
    ]
    blocks = []
    for i, (lang, body, line, _, end) in enumerate(fences):
        if lang != "python":
            continue
        expected = None
        if i + 1 < len(fences):
            nlang, nbody, _, nstart, _ = fences[i + 1]
            if nlang == "text" and text[end:nstart].strip() == "":
                expected = nbody
        blocks.append(Block(body, line, expected))
    return blocks


def outputs_match(actual: str, expected: str, rtol: float = 1e-4, atol: float = 1e-4) -> tuple[bool, str]:
    """Whether ``actual`` equals ``expected``, numbers within tolerance and whitespace ignored; and why not."""
    a_nums, e_nums = NUMBER.findall(actual), NUMBER.findall(expected)
    a_text = " ".join(" ".join(NUMBER.split(actual)).split())
    e_text = " ".join(" ".join(NUMBER.split(expected)).split())
    if a_text != e_text:
        return False, f"text differs:\n  got:      {a_text[:300]}\n  expected: {e_text[:300]}"
    if len(a_nums) != len(e_nums):
        return False, f"got {len(a_nums)} numbers, expected {len(e_nums)}"
    for k, (a, e) in enumerate(zip(a_nums, e_nums)):
        fa, fe = float(a), float(e)
        if fa != fe and not (abs(fa - fe) <= atol + rtol * abs(fe)):
            return False, f"number {k}: got {a}, expected {e}"
    return True, ""


def run_file(path: Path) -> None:
    """Execute the python blocks of ``path`` in order, checking outputs; raise AssertionError on a mismatch."""
    namespace: dict = {"__name__": f"docs_{path.stem}"}
    for block in parse_blocks(path.read_text()):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            try:
                exec(compile(block.code, f"{path.name}:{block.line}", "exec"), namespace)
            except Exception as e:
                raise AssertionError(f"{path.name}, block at line {block.line} raised {type(e).__name__}: {e}") from e
        if block.expected is not None:
            ok, why = outputs_match(out.getvalue(), block.expected)
            assert ok, f"{path.name}, block at line {block.line}: {why}\n--- printed ---\n{out.getvalue()}"


@pytest.mark.parametrize("path", DOC_FILES, ids=[p.name for p in DOC_FILES])
def test_doc_examples_run_and_print_what_they_say(path):
    if not path.exists():
        pytest.skip(f"{path.name} not present")
    if not parse_blocks(path.read_text()):
        pytest.skip(f"{path.name} has no python blocks")
    needs = {"sklearn": "sklearn", "matplotlib": "matplotlib"}
    text = path.read_text()
    for mod in needs:
        if f"import {mod}" in text:
            pytest.importorskip(mod)
    run_file(path)


def test_every_doc_has_runnable_examples():
    for name in ("README.md", "docs/tutorial.md", "docs/gradcheck.md"):
        p = ROOT / name
        if p.exists():
            assert any(b.expected is not None for b in parse_blocks(p.read_text())), name


# ---- the runner itself -----------------------------------------------------------------

SAMPLE = """
Intro.

```python
x = 2
print(x * 1.5)
```

```text
3.0
```

```bash
microtorch train
```

```python
print("done", x)
```
"""


def test_parse_pairs_python_with_following_text_only():
    blocks = parse_blocks(SAMPLE)
    assert [b.expected for b in blocks] == ["3.0\n", None]
    assert blocks[0].line == 4


def test_outputs_match_tolerates_rounding_but_not_real_differences():
    assert outputs_match("tensor([1.00001, 2.0])\n", "tensor([1.0, 2.0])")[0]
    assert outputs_match("loss 0.25   ok", "loss  0.2500 ok")[0]
    assert not outputs_match("tensor([1.1, 2.0])", "tensor([1.0, 2.0])")[0]
    assert not outputs_match("loss 0.25", "gain 0.25")[0]
    assert not outputs_match("1 2 3", "1 2")[0]
    assert not outputs_match("-1.0", "1.0")[0]


def test_run_file_reports_a_wrong_expected_output(tmp_path):
    p = tmp_path / "bad.md"
    p.write_text(SAMPLE.replace("3.0\n```", "3.5\n```"))
    with pytest.raises(AssertionError, match="number 0: got 3.0, expected 3.5"):
        run_file(p)
    good = tmp_path / "good.md"
    good.write_text(SAMPLE)
    run_file(good)
