"""The checked-in expected-failure list, and the figures the summary prints.

``expected_failures.txt`` holds one line per case that fails today,
``<database> <case key>  # <reason>``. A listed case that starts passing fails the test
too, so the file stays true and only shrinks."""

from __future__ import annotations

import collections
import os
from pathlib import Path

EXPECTED_FILE = Path(__file__).with_name("expected_failures.txt")
THOROUGH = os.environ.get("MICROTORCH_CONFORMANCE", "") == "thorough"

#: database -> Counter(passed=, failed=, expected=) of cases run in this session
FIGURES: dict = collections.defaultdict(collections.Counter)
#: database -> (entries present in microtorch, entries in the database)
PRESENCE: dict = {}
#: the fuzz test's counts (see ``_fuzz.summarise``)
FUZZ: collections.Counter = collections.Counter()


def load_expected() -> dict:
    """``{"<database> <key>": reason}`` from the expected-failure file."""
    expected = {}
    if not EXPECTED_FILE.exists():
        return expected
    for number, line in enumerate(EXPECTED_FILE.read_text().splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        key, sep, reason = line.partition("  # ")
        if not sep or not reason.strip():
            raise ValueError(f"{EXPECTED_FILE.name}:{number}: every line needs '  # <reason>'")
        expected[key.strip()] = reason.strip()
    return expected


def check_cases(database: str, cases, expected: dict) -> list[str]:
    """Record the figures; return a problem line per unexpected failure or listed pass."""
    problems = []
    for case in cases:
        key = f"{database} {case.key}"
        listed = key in expected
        figures = FIGURES[database]
        figures["passed" if case.ok else "failed"] += 1
        if listed:
            figures["listed"] += 1
        if case.ok and listed:
            problems.append(f"now passes, remove it from {EXPECTED_FILE.name}: {key}")
        elif not case.ok and not listed:
            problems.append(f"fails: {key}  # {case.detail}")
    return problems
