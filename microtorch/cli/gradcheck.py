"""``microtorch gradcheck``: finite-difference checks of every differentiable op on generated inputs."""

from __future__ import annotations

import argparse
import sys
import warnings

import numpy as np

from .gradcheck_ops import OPS, build_case

NAME = "gradcheck"
HELP = "check every differentiable op's gradients against finite differences and print a table"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``microtorch gradcheck``."""
    from . import positive_int

    p.add_argument(
        "--ops", default=None, help="comma-separated op names or families to check (default: all); see --list"
    )
    p.add_argument("--examples", type=positive_int, default=3, help="generated cases per op (default 3)")
    p.add_argument("--seed", type=int, default=0, help="seed for the generated shapes and values (default 0)")
    p.add_argument("--list", action="store_true", help="list the ops and their families, then exit")


def _select(spec: str | None) -> list:
    from . import CLIError

    if spec is None:
        return list(OPS)
    wanted = [w.strip() for w in spec.split(",") if w.strip()]
    known = {op.name for op in OPS} | {op.family for op in OPS}
    unknown = [w for w in wanted if w not in known]
    if unknown or not wanted:
        raise CLIError(f"--ops: unknown op or family {', '.join(unknown) or spec!r}; run 'microtorch gradcheck --list'")
    return [op for op in OPS if op.name in wanted or op.family in wanted]


def check_case(fn, inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3) -> tuple[float, float, bool]:
    """(largest abs error, largest relative error, gradcheck verdict) of ``fn`` at ``inputs``."""
    from microtorch.autograd import gradcheck
    from microtorch.autograd.gradcheck import _analytical_jacobians, _numerical_jacobians

    diff = [j for j, x in enumerate(inputs) if getattr(x, "requires_grad", False)]
    _, analytical = _analytical_jacobians(fn, inputs, diff)
    _, numerical = _numerical_jacobians(fn, inputs, diff, eps)
    abs_err = rel_err = 0.0
    for key, a in analytical.items():
        n = numerical[key]
        if a.size:
            d = np.abs(a - n)
            abs_err = max(abs_err, float(d.max()))
            rel_err = max(rel_err, float((d / np.maximum(np.abs(n), 1e-3)).max()))
    ok = gradcheck(fn, inputs, eps=eps, atol=atol, rtol=rtol, raise_exception=False)
    return abs_err, rel_err, bool(ok)


def run(args: argparse.Namespace) -> int:
    """Run the checks, print the table; exit 1 if any op fails."""
    if args.list:
        for op in OPS:
            print(f"{op.family:<12} {op.name}")
        return 0
    ops = _select(args.ops)
    rows, skipped, failed = [], [], 0
    for op in ops:
        worst_abs = worst_rel = 0.0
        ok_all, errors = True, []
        for k in range(args.examples):
            rng = np.random.default_rng([args.seed, k, sum(map(ord, op.name))])
            try:
                fn, inputs = build_case(op, rng)
            except (ImportError, AttributeError):  # that op or family is not part of this build
                skipped.append(op.name)
                break
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    a, r, ok = check_case(fn, inputs)
            except Exception as e:  # an op that raises is a failure, reported in its row
                ok, a, r = False, float("nan"), float("nan")
                errors.append(f"{type(e).__name__}: {e}".splitlines()[0][:80])
            worst_abs, worst_rel = max(worst_abs, a), max(worst_rel, r)
            ok_all &= ok
        else:
            rows.append((op.family, op.name, args.examples, worst_abs, worst_rel, ok_all, errors))
            failed += not ok_all
    print("| family | op | cases | max abs err | max rel err | pass |")
    print("|---|---|---|---|---|---|")
    for family, name, cases, a, r, ok, errors in rows:
        note = "yes" if ok else "NO" + (f" ({errors[0]})" if errors else "")
        a_txt, r_txt = ("-", "-") if errors else (f"{a:.2e}", f"{r:.2e}")
        print(f"| {family} | {name} | {cases} | {a_txt} | {r_txt} | {note} |")
    if skipped:
        print(f"skipped (not available in this build): {', '.join(skipped)}", file=sys.stderr)
    print(f"\n{len(rows) - failed} of {len(rows)} ops passed ({len(rows) * args.examples} cases)")
    if not rows:
        print("no ops were checked", file=sys.stderr)
        return 1
    return 1 if failed else 0
