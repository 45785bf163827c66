"""Parameter names as torch's signatures: ``torch.median(input=t, dim=0)``, ``F.linear(input=x, weight=w)``.

The signature test compares the positional parameter names of every public function of microtorch,
microtorch.nn.functional, microtorch.linalg and microtorch.special that torch also has with torch's own
names, taken from torch.overrides' testing lambdas, the aten schemas of builtins (``self`` is ``input``
in Python), the signature lines of their docstrings, and ``inspect.signature`` for Python-level functions.
"""

from __future__ import annotations

import ast
import inspect
import re
import types

import numpy as np
import pytest

import microtorch
import microtorch.linalg
import microtorch.nn.functional as F
import microtorch.special

_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)

# ours differ from torch's on purpose, or the file belongs to another family: "module.name": reason
ALLOWED = {
    # torch's builtins take these positionally only (keywords raise TypeError there)
    "microtorch.from_numpy": "torch.from_numpy takes no keyword arguments",
    "microtorch.set_num_threads": "torch.set_num_threads takes no keyword arguments",
}


def _positional_names(fn) -> list[str] | None:
    """The names of ``fn``'s positional parameters (None when it has no readable signature)."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    return [p.name for p in sig.parameters.values() if p.kind in _POSITIONAL]


def _python_variants(tfn) -> list[list[str]]:
    """Positional names of a Python-level torch function (both sides of a boolean_dispatch)."""
    names = _positional_names(tfn)
    if names or not tfn.__closure__:
        return [names] if names is not None else []
    chosen = [c.cell_contents for c in tfn.__closure__ if isinstance(c.cell_contents, types.FunctionType)]
    return [v for f in chosen for v in _python_variants(f)]


def _aten_variants(opname: str, torch) -> list[list[str]]:
    """Positional names of every overload of ``aten::opname`` (``self`` read as ``input``)."""
    try:
        schemas = torch._C._jit_get_schemas_for_operator("aten::" + opname)
    except RuntimeError:
        return []
    return [["input" if a.name == "self" else a.name for a in s.arguments if not a.kwarg_only] for s in schemas]


_DOC_TAIL = r"\((.*)\)\s*(?:->.*)?$"


def _doc_variants(short: str, tfn) -> list[list[str]]:
    """Positional names on the signature lines of a builtin's docstring (``median(input, dim=-1, ...)``)."""
    found = []
    for line in (tfn.__doc__ or "").splitlines():
        m = re.match(
            r"^\s*(?:\.\. function:: )?(?:torch\.)?(?:linalg\.|special\.)?" + re.escape(short) + _DOC_TAIL, line
        )
        if not m:
            continue
        try:
            args = ast.parse(f"def f({m.group(1)}): pass").body[0].args
        except SyntaxError:
            continue
        found.append([p.arg for p in args.posonlyargs + args.args])
    return found


def _override_variant(tfn, overrides) -> list[list[str]]:
    """The testing lambda's names up to ``out`` (after which torch's parameters are keyword-only)."""
    names = _positional_names(overrides[tfn]) if tfn in overrides else None
    if not names:
        return []
    return [names[: names.index("out")] if "out" in names else names]


_ATEN_PREFIX = {"microtorch": "", "microtorch.nn.functional": "", "microtorch.linalg": "linalg_"}
_ATEN_PREFIX["microtorch.special"] = "special_"


def torch_variants(module: str, name: str, tfn, torch) -> list[list[str]]:
    """Every list of positional names torch accepts for ``tfn``."""
    if isinstance(tfn, types.FunctionType):
        return _python_variants(tfn)
    from torch.overrides import get_testing_overrides

    found = _aten_variants(_ATEN_PREFIX[module] + name, torch)
    return found + _doc_variants(name, tfn) + _override_variant(tfn, get_testing_overrides())


def _public_pairs(torch):
    """(qualified name, ours, torch's) for every public function both sides have."""
    sides = [
        ("microtorch", microtorch, torch),
        ("microtorch.nn.functional", F, torch.nn.functional),
        ("microtorch.linalg", microtorch.linalg, torch.linalg),
        ("microtorch.special", microtorch.special, torch.special),
    ]
    for module, ours_mod, torch_mod in sides:
        for name in sorted(dir(ours_mod)):
            ours, theirs = getattr(ours_mod, name), getattr(torch_mod, name, None)
            if name.startswith("_") or theirs is None or not callable(ours) or isinstance(ours, type):
                continue
            yield module, name, ours, theirs


def name_mismatches(ours, variants: list[list[str]]) -> list[str]:
    """Positions where our parameter name is none of torch's names at that position."""
    names = _positional_names(ours) or []
    problems = []
    for i, name in enumerate(names):
        accepted = {v[i] for v in variants if i < len(v)}
        if accepted and name not in accepted:
            problems.append(f"{i}: {name!r} (torch: {sorted(accepted)})")
    return problems


def test_positional_names_are_torchs():
    torch = pytest.importorskip("torch")
    wrong = {}
    for module, name, ours, theirs in _public_pairs(torch):
        qualified = f"{module}.{name}"
        problems = name_mismatches(ours, torch_variants(module, name, theirs, torch))
        if problems and qualified not in ALLOWED:
            wrong[qualified] = problems
    assert not wrong, f"parameter names differ from torch's: {wrong}"


# keyword-only parameters of ours that torch's function lacks: "module.name": reason
EXTRA_KEYWORDS = {
    "microtorch.nn.functional.sigmoid": "F.sigmoid is torch.sigmoid here, which takes out=",
    "microtorch.nn.functional.tanh": "F.tanh is torch.tanh here, which takes out=",
}


def _keyword_only(fn) -> list[str]:
    """The names of ``fn``'s keyword-only parameters."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return []
    return [p.name for p in params if p.kind == inspect.Parameter.KEYWORD_ONLY]


def torch_names(module: str, name: str, tfn, torch) -> set[str] | None:
    """Every parameter name torch's ``tfn`` takes (None when it takes ``**kwargs``)."""
    if isinstance(tfn, types.FunctionType):
        params = inspect.signature(tfn).parameters.values()
        if any(p.kind == p.VAR_KEYWORD for p in params):
            return None
        return {p.name for p in params}
    from torch.overrides import get_testing_overrides

    # the Python bindings add out= to every op with an out overload and requires_grad= to the factories
    found = {"out", "requires_grad"} | {n for v in torch_variants(module, name, tfn, torch) for n in v}
    try:
        schemas = torch._C._jit_get_schemas_for_operator("aten::" + _ATEN_PREFIX[module] + name)
    except RuntimeError:
        schemas = []
    found |= {a.name for s in schemas for a in s.arguments}
    override = get_testing_overrides().get(tfn)
    return found | set(_positional_names(override) or [] if override else [])


def test_keyword_only_names_are_torchs():
    torch = pytest.importorskip("torch")
    wrong = {}
    for module, name, ours, theirs in _public_pairs(torch):
        names = torch_names(module, name, theirs, torch)
        extra = [k for k in _keyword_only(ours) if names is not None and k not in names]
        if extra and f"{module}.{name}" not in EXTRA_KEYWORDS:
            wrong[f"{module}.{name}"] = extra
    assert not wrong, f"keyword-only parameters torch does not have: {wrong}"


def test_checker_catches_a_wrong_name():
    torch = pytest.importorskip("torch")

    def median(x, dim=None, keepdim=False):
        """A stand-in with numpy's name for the input."""

    variants = torch_variants("microtorch", "median", torch.median, torch)
    assert name_mismatches(median, variants) == ["0: 'x' (torch: ['input'])"]
    assert name_mismatches(microtorch.median, variants) == []
    names = torch_names("microtorch", "median", torch.median, torch)
    assert {"input", "dim", "keepdim", "out"} <= names and "keepdims" not in names and "x" not in names


def _t(a) -> microtorch.Tensor:
    return microtorch.tensor(np.asarray(a, dtype=np.float64))


def test_reductions_by_keyword():
    t = _t([[3.0, 1.0, 2.0], [0.5, 4.0, -1.0]])
    values, indices = microtorch.median(input=t, dim=0)
    ref_v, ref_i = microtorch.median(t, 0)
    assert values.tolist() == ref_v.tolist() and indices.tolist() == ref_i.tolist()
    assert microtorch.sum(input=t, dim=1).tolist() == [6.0, 3.5]
    assert microtorch.argmax(input=t).item() == 4
    assert microtorch.var(input=t, dim=1, correction=0).tolist() == pytest.approx(np.var(t.numpy(), axis=1))
    assert microtorch.sort(input=t, dim=1, descending=True).values.tolist() == [[3.0, 2.0, 1.0], [4.0, 0.5, -1.0]]
    assert microtorch.cumsum(input=t, dim=1).tolist() == pytest.approx(np.cumsum(t.numpy(), axis=1))
    assert microtorch.softmax(input=t, dim=1).sum(dim=1).tolist() == pytest.approx([1.0, 1.0])


def test_linalg_and_misc_by_keyword():
    a = _t([[4.0, 1.0], [1.0, 3.0]])
    b = _t([[1.0], [2.0]])
    assert microtorch.linalg.norm(input=a).item() == pytest.approx(np.linalg.norm(a.numpy()))
    assert microtorch.linalg.vector_norm(input=a, ord=1).item() == pytest.approx(9.0)
    solution = microtorch.linalg.lstsq(input=a, b=b).solution
    assert solution.numpy() == pytest.approx(np.linalg.solve(a.numpy(), b.numpy()))
    chol = microtorch.linalg.cholesky(input=a)
    assert microtorch.cholesky_solve(input=b, input2=chol).numpy() == pytest.approx(solution.numpy())
    assert microtorch.searchsorted(sorted_sequence=_t([1.0, 2.0, 3.0]), input=_t([2.5])).tolist() == [2]
    assert microtorch.promote_types(type1=microtorch.int32, type2=microtorch.float32) is microtorch.float32
    assert microtorch.result_type(tensor=a, other=1) is microtorch.float64
    assert microtorch.scalar_tensor(s=2.0).item() == 2.0
    assert microtorch.numel(input=a) == 4 and microtorch.is_floating_point(input=a)


def test_functional_and_elementwise_by_keyword():
    x, w = _t([[1.0, -2.0]]), _t([[0.5, 1.0], [2.0, 0.0]])
    assert F.linear(input=x, weight=w, bias=_t([1.0, 1.0])).tolist() == [[-0.5, 3.0]]
    assert microtorch.abs(input=x).tolist() == [[1.0, 2.0]]
    assert microtorch.maximum(input=x, other=_t([[0.0, 0.0]])).tolist() == [[1.0, 0.0]]
    assert microtorch.clamp(input=x, min=-1.0).tolist() == [[1.0, -1.0]]
    assert list(inspect.signature(microtorch.abs).parameters) == ["input", "out"]


def test_keyword_calls_match_torch():
    torch = pytest.importorskip("torch")
    data = np.array([[3.0, 1.0, 2.0], [0.5, 4.0, -1.0]])
    calls = [
        ("median", dict(dim=1)),
        ("sum", dict(dim=0, keepdim=True)),
        ("logsumexp", dict(dim=1)),
        ("quantile", dict(q=0.25, dim=1)),
        ("std", dict(dim=0)),
        ("cummax", dict(dim=1)),
        ("topk", dict(k=2, dim=1)),
    ]
    for name, kwargs in calls:
        ours = getattr(microtorch, name)(input=microtorch.tensor(data), **kwargs)
        theirs = getattr(torch, name)(input=torch.tensor(data), **kwargs)
        ours = ours if isinstance(ours, tuple) else (ours,)
        theirs = theirs if isinstance(theirs, tuple) else (theirs,)
        for o, t in zip(ours, theirs):
            np.testing.assert_allclose(o.numpy(), t.numpy(), err_msg=name)


def test_norm_takes_out_fifth_and_the_method_dtype_fourth():
    x = _t([[3.0, 4.0], [0.0, 0.0]])
    out = microtorch.empty(0, dtype=microtorch.float64)
    assert microtorch.norm(x, 2, 1, False, out) is out and out.tolist() == [5.0, 0.0]
    assert microtorch.norm(input=x, p=1, out=out) is out and out.item() == 7.0
    assert x.float().norm(2, 1, False, microtorch.float64).dtype is microtorch.float64
    with pytest.raises(RuntimeError, match="Expected out tensor to have dtype double, but got float instead"):
        microtorch.norm(x, out=microtorch.empty(0))


def test_norm_out_as_torch():
    torch = pytest.importorskip("torch")
    data = np.arange(6.0).reshape(2, 3)
    for kwargs in (dict(), dict(p=1, dim=0), dict(p="fro", dim=(0, 1), keepdim=True), dict(p=float("inf"), dim=1)):
        ours, theirs = microtorch.empty(0, dtype=microtorch.float64), torch.empty(0, dtype=torch.float64)
        microtorch.norm(microtorch.tensor(data), out=ours, **kwargs)
        torch.norm(torch.tensor(data), out=theirs, **kwargs)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy())
    grad_input = torch.tensor(data, requires_grad=True)
    with pytest.raises(RuntimeError) as expected:
        torch.norm(grad_input, out=torch.empty(0, dtype=torch.float64))
    with pytest.raises(RuntimeError) as got:
        microtorch.norm(microtorch.tensor(data, requires_grad=True), out=microtorch.empty(0, dtype=microtorch.float64))
    assert str(got.value) == str(expected.value)


def test_shape_family_by_keyword_matches_torch():
    torch = pytest.importorskip("torch")
    data = np.arange(24.0).reshape(2, 3, 4)
    calls = [
        ("reshape", dict(shape=(4, 6))),
        ("broadcast_to", dict(size=(2, 2, 3, 4))),
        ("permute", dict(dims=(2, 0, 1))),
        ("transpose", dict(dim0=0, dim1=2)),
        ("swapaxes", dict(axis0=0, axis1=2)),
        ("movedim", dict(source=0, destination=2)),
        ("flatten", dict(start_dim=1)),
        ("unflatten", dict(dim=2, sizes=(2, 2))),
        ("clone", dict()),
        ("narrow", dict(dim=2, start=1, length=2)),
        ("select", dict(dim=1, index=2)),
        ("flip", dict(dims=(0, 2))),
        ("squeeze", dict()),
        ("unsqueeze", dict(dim=1)),
        ("chunk", dict(chunks=2, dim=2)),
        ("unbind", dict(dim=1)),
    ]
    for name, kwargs in calls:
        ours = getattr(microtorch, name)(input=microtorch.tensor(data), **kwargs)
        theirs = getattr(torch, name)(input=torch.tensor(data), **kwargs)
        ours = ours if isinstance(ours, tuple) else (ours,)
        theirs = theirs if isinstance(theirs, tuple) else (theirs,)
        assert len(ours) == len(theirs), name
        for o, t in zip(ours, theirs):
            np.testing.assert_array_equal(o.numpy(), t.numpy(), err_msg=name)
    parts = microtorch.split(tensor=microtorch.tensor(data), split_size_or_sections=[1, 3], dim=2)
    assert [p.shape[2] for p in parts] == [1, 3]
    with pytest.raises(TypeError):
        microtorch.swapaxes(microtorch.tensor(data), dim0=0, dim1=1)


def _implicit_dim_warnings(fn, *args, **kwargs) -> list[tuple[str, int]]:
    """(file name, line) of each deprecation warning ``fn(*args, **kwargs)`` raises."""
    import os
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn(*args, **kwargs)
    return [(os.path.basename(w.filename), w.lineno) for w in caught if "Implicit dimension" in str(w.message)]


@pytest.mark.filterwarnings("ignore:Implicit dimension")
@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
def test_functional_softmax_signature_and_stacklevel(name):
    torch = pytest.importorskip("torch")
    ours, theirs = getattr(F, name), getattr(torch.nn.functional, name)
    assert list(inspect.signature(ours).parameters) == ["input", "dim", "_stacklevel", "dtype"]
    data = np.array([[0.5, -1.0, 2.0], [3.0, 0.0, 1.0]], dtype=np.float32)
    x, tx = microtorch.tensor(data), torch.tensor(data)
    # _stacklevel=3 (the default) names the caller (the helper's line), 4 its caller (this line), 2 F itself
    helper_line = inspect.getsourcelines(_implicit_dim_warnings)[1] + 7
    assert _implicit_dim_warnings(ours, x) == [("test_keyword_names.py", helper_line)]
    assert _implicit_dim_warnings(ours, x, None, 3, microtorch.float64) == [("test_keyword_names.py", helper_line)]
    here = inspect.currentframe().f_lineno + 1
    assert _implicit_dim_warnings(ours, x, _stacklevel=4) == [("test_keyword_names.py", here)]
    assert _implicit_dim_warnings(ours, x, _stacklevel=2)[0][0] == "functional.py"
    assert _implicit_dim_warnings(ours, x, dim=1, _stacklevel=2) == []
    result = ours(input=x, dim=1, _stacklevel=5, dtype=microtorch.float64)
    expected = theirs(input=tx, dim=1, _stacklevel=5, dtype=torch.float64)
    assert result.dtype is microtorch.float64
    np.testing.assert_allclose(result.numpy(), expected.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours(x, None, 3, microtorch.float64).numpy(), theirs(tx, None, 3, torch.float64).numpy())


def test_broadcast_to_bad_arguments_as_torch():
    torch = pytest.importorskip("torch")
    for args in (([1.0, 2.0], (2, 2)), ("tensor", (2, 2)), (None, (2,)), ("ones", 2)):
        real = [torch.ones(2) if a == "ones" else a for a in args]
        ours = [microtorch.ones(2) if a == "ones" else a for a in args]
        with pytest.raises(TypeError) as expected:
            torch.broadcast_to(*real)
        with pytest.raises(TypeError) as got:
            microtorch.broadcast_to(*ours)
        assert str(got.value) == str(expected.value)


def test_unfold_argument_types_as_torch():
    torch = pytest.importorskip("torch")
    data = np.arange(20.0).reshape(4, 5)
    for args in ((0, 2.0, 1), (0, 2, 1.5), (1.0, 2, 1), (0, True, 1), (0, "2", 1), (0, None, 1)):
        with pytest.raises(TypeError) as expected:
            torch.tensor(data).unfold(*args)
        with pytest.raises(TypeError) as got:
            microtorch.tensor(data).unfold(*args)
        assert str(got.value) == str(expected.value)
    windows = microtorch.tensor(data).unfold(1, np.int64(2), 2)
    np.testing.assert_array_equal(windows.numpy(), torch.tensor(data).unfold(1, 2, 2).numpy())


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_torch_softmax_needs_dim_as_torch(name):
    torch = pytest.importorskip("torch")
    data = np.array([[0.5, -1.0, 2.0], [3.0, 0.0, 1.0]])
    with pytest.raises(TypeError, match="dim"):
        getattr(torch, name)(torch.tensor(data))
    with pytest.raises(TypeError, match="dim"):
        getattr(microtorch, name)(microtorch.tensor(data))
    with pytest.raises(TypeError, match="dim"):
        getattr(microtorch.tensor(data), name)()
    ours = getattr(microtorch, name)(microtorch.tensor(data), 0, microtorch.float32)
    theirs = getattr(torch, name)(torch.tensor(data), 0, torch.float32)
    assert ours.dtype is microtorch.float32
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
