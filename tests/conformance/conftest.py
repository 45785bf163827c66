"""Prints the conformance figures at the end of a run that ran conformance tests."""

from __future__ import annotations


def pytest_terminal_summary(terminalreporter) -> None:
    from ._expected import FIGURES, FUZZ, PRESENCE, THOROUGH

    if not FIGURES:
        return
    write = terminalreporter.write_line
    write("")
    write(f"PyTorch test databases against microtorch ({'thorough' if THOROUGH else 'default'} run)")
    for database in ("op_db", "module_db", "optim_db"):
        figures = FIGURES.get(database)
        if not figures:
            continue
        present, total = PRESENCE.get(database, ("?", "?"))
        run = figures["passed"] + figures["failed"]
        share = 100.0 * figures["passed"] / run if run else 0.0
        write(
            f"  {database:9s} entries present {present}/{total}; cases passed {figures['passed']}/{run} "
            f"({share:.2f}%), expected failures {figures['listed']}"
        )
    if FUZZ:
        raised = FUZZ["torch_raises"]
        share = 100.0 * FUZZ["same_class"] / raised if raised else 0.0
        write(
            f"  fuzz      {FUZZ['calls']} perturbed calls, torch raises on {raised}: microtorch raises torch's class on "
            f"{FUZZ['same_class']} ({share:.1f}%); silent results {FUZZ['silent']}, internal errors {FUZZ['internal']}, "
            f"other class {FUZZ['class']}, state changed {FUZZ['state']}; where torch accepts: rejected "
            f"{FUZZ['rejected']}, values differ {FUZZ['mismatch']}"
        )
