"""``microtorch gradcheck``: finite-difference checks of every differentiable op on generated inputs."""

from __future__ import annotations

import argparse
import sys
import warnings
from dataclasses import dataclass, field

import numpy as np

from .gradcheck_ops import OPS, GradOp, build_case, case_rng, resolve

NAME = "gradcheck"
HELP = "check every differentiable op's gradients (first and second order) against finite differences"

ORDER_HELP = (
    "1: first derivatives only (gradcheck); 2 (default): also second derivatives (gradgradcheck) of every op "
    "whose backward is differentiable. The default is 2 because every backward formula is written in "
    "differentiable ops (create_graph=True must work), so a second-order bug should fail here, not in a user's "
    "double backward; 1 is about three times faster"
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``microtorch gradcheck``."""
    from . import positive_int

    p.add_argument(
        "--ops", default=None, help="comma-separated op names or families to check (default: all); see --list"
    )
    p.add_argument(
        "--examples",
        type=positive_int,
        default=3,
        help="generated cases per op (default 3); case k calls the op through its k-th public form "
        "(torch.X, Tensor.X, F.X, aliases), cycling",
    )
    p.add_argument("--seed", type=int, default=0, help="seed for the generated shapes and values (default 0)")
    p.add_argument("--order", type=int, choices=(1, 2), default=2, help=ORDER_HELP)
    p.add_argument("--list", action="store_true", help="list the ops, their families and public forms, then exit")


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


def _errors(analytical: dict, numerical: dict) -> tuple[float, float]:
    """Largest absolute and relative (to max(|numerical|, 1e-3)) Jacobian differences."""
    abs_err = rel_err = 0.0
    for key, a in analytical.items():
        n = numerical[key]
        if a.size:
            d = np.abs(a - n)
            abs_err = max(abs_err, float(d.max()))
            rel_err = max(rel_err, float((d / np.maximum(np.abs(n), 1e-3)).max()))
    return abs_err, rel_err


def _jacobian_errors(fn, inputs, eps: float) -> tuple[float, float]:
    from microtorch.autograd.gradcheck import _analytical_jacobians, _numerical_jacobians

    diff = [j for j, x in enumerate(inputs) if getattr(x, "requires_grad", False)]
    _, analytical = _analytical_jacobians(fn, inputs, diff)
    _, numerical = _numerical_jacobians(fn, inputs, diff, eps)
    return _errors(analytical, numerical)


def check_case(fn, inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3) -> tuple[float, float, bool]:
    """(largest abs error, largest relative error, gradcheck verdict) of ``fn``'s first derivatives at ``inputs``."""
    from microtorch.autograd import gradcheck

    abs_err, rel_err = _jacobian_errors(fn, inputs, eps)
    ok = gradcheck(fn, inputs, eps=eps, atol=atol, rtol=rtol, raise_exception=False)
    return abs_err, rel_err, bool(ok)


def _first_grad(fn, n_in: int):
    """``(*inputs, *grad_outputs) -> d(sum(out * grad_out))/d(inputs)`` with a graph: what gradgradcheck checks."""
    from microtorch import Tensor
    from microtorch.autograd import grad
    from microtorch.autograd.gradcheck import _outputs

    def first(*args):
        ins, gos = args[:n_in], args[n_in:]
        outs = _outputs(fn, ins)
        wrt = [x for x in ins if isinstance(x, Tensor) and x.requires_grad]
        gs = grad(outs, wrt, list(gos[: len(outs)]), create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return first


def grad_outputs_for(fn, inputs, eps: float) -> tuple:
    """gradgradcheck's random output gradients, rounded to multiples of ``eps``.

    Harmless for the usual tiny step; for a case with a coarse exact step (a half-precision
    cast, whose backward rounds the gradient) it keeps the gradient's own finite differences exact.
    """
    import microtorch as mt
    from microtorch.autograd.gradcheck import _outputs, _random_grad_outputs

    return tuple(
        mt.tensor(np.round(g.detach().numpy() / eps) * eps, dtype=g.dtype, requires_grad=True)
        for g in _random_grad_outputs(_outputs(fn, inputs), False)
    )


def check_case_order2(
    fn, inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3
) -> tuple[float, float, bool]:
    """(largest abs error, largest relative error, gradgradcheck verdict) of ``fn``'s second derivatives."""
    from microtorch.autograd import gradgradcheck

    grad_outputs = grad_outputs_for(fn, inputs, eps)
    abs_err, rel_err = _jacobian_errors(_first_grad(fn, len(inputs)), tuple(inputs) + grad_outputs, eps)
    ok = gradgradcheck(fn, inputs, grad_outputs, eps=eps, atol=atol, rtol=rtol, raise_exception=False)
    return abs_err, rel_err, bool(ok)


@dataclass
class Result:
    """The worst errors and verdict of one op over its cases, at one derivative order."""

    abs_err: float = 0.0
    rel_err: float = 0.0
    ok: bool = True
    errors: list = field(default_factory=list)

    def add(self, check, fn, inputs, eps: float) -> None:
        """Run ``check`` on one case and fold its result in; an op that raises fails with the message kept."""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                a, r, ok = check(fn, inputs, eps=eps)
        except Exception as e:  # an op that raises is a failure, reported in its row
            self.fail(e)
            return
        self.abs_err, self.rel_err = max(self.abs_err, a), max(self.rel_err, r)
        self.ok &= ok

    def fail(self, e: BaseException) -> None:
        """Record an exception as this op's failure."""
        self.ok = False
        self.errors.append(f"{type(e).__name__}: {e}".splitlines()[0][:80] if str(e) else type(e).__name__)

    def cells(self) -> tuple[str, str, str]:
        """The table cells: max abs error, max rel error, verdict."""
        verdict = "yes" if self.ok else "NO" + (f" ({self.errors[0]})" if self.errors else "")
        if self.errors:
            return "-", "-", verdict
        return f"{self.abs_err:.2e}", f"{self.rel_err:.2e}", verdict


def available_forms(op: GradOp) -> tuple[list[int], list[str]]:
    """Indices of ``op``'s forms that this build has, and the forms it lacks."""
    have, missing = [], []
    for i, form in enumerate(op.forms):
        try:
            resolve(form)
            have.append(i)
        except (ImportError, AttributeError):
            missing.append(form)
    return have, missing


def check_op(op: GradOp, examples: int, seed: int, order: int) -> tuple[Result, Result | None]:
    """First- (and, for ``order`` 2 and an op whose backward is differentiable, second-) order results of ``op``."""
    first = Result()
    second = Result() if order == 2 and op.second_order else None
    forms, _ = available_forms(op)
    for k in range(examples):
        rng = case_rng(seed, k, op.name)
        try:
            fn, inputs = build_case(op, rng, forms[k % len(forms)] if forms else 0)
        except Exception as e:  # a generator or op that raises while building: the row fails
            for result in (first, second) if second is not None else (first,):
                result.fail(e)
            continue
        first.add(check_case, fn, inputs, op.eps)
        if second is not None:
            second.add(check_case_order2, fn, inputs, op.eps)
    return first, second


def _print_list() -> int:
    for op in OPS:
        print(f"{op.family:<12} {op.name:<34} {' '.join(op.forms)}")
    return 0


def run(args: argparse.Namespace) -> int:
    """Run the checks, print the table; exit 1 if any op fails."""
    if args.list:
        return _print_list()
    rows, skipped, failed = [], [], 0
    for op in _select(args.ops):
        forms, missing = available_forms(op)
        if op.forms and not forms:  # that op or family is not part of this build
            skipped.append(op.name)
            continue
        skipped.extend(missing)
        first, second = check_op(op, args.examples, args.seed, args.order)
        rows.append((op, first, second))
        failed += not (first.ok and (second is None or second.ok))
    _print_table(rows, args)
    if skipped:
        print(f"skipped (not available in this build): {', '.join(skipped)}", file=sys.stderr)
    print(f"\n{len(rows) - failed} of {len(rows)} ops passed ({len(rows) * args.examples} cases)")
    if not rows:
        print("no ops were checked", file=sys.stderr)
        return 1
    return 1 if failed else 0


def _print_table(rows, args) -> None:
    head = "| family | op | cases | max abs err | max rel err | pass |"
    if args.order == 2:
        head += " 2nd-order max abs err | 2nd-order max rel err | 2nd-order pass |"
    print(head)
    print("|---" * (head.count("|") - 1) + "|")
    for op, first, second in rows:
        line = f"| {op.family} | {op.name} | {args.examples} | {' | '.join(first.cells())} |"
        if args.order == 2:
            line += " n/a | n/a | n/a |" if second is None else f" {' | '.join(second.cells())} |"
        print(line)
