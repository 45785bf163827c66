"""Every differentiable public op of microtorch has a ``microtorch gradcheck`` case, and every case passes.

The public API is enumerated programmatically (``microtorch``, ``microtorch.nn.functional``,
``linalg``/``special``/``fft`` when present, ``Tensor`` methods, properties and operators), so a
new op fails ``test_every_differentiable_public_op_has_a_case`` until it gets a case in
``microtorch/cli/gradcheck_ops/`` or, if it is not differentiable, an entry in ``EXCLUDED``.
"""

from __future__ import annotations

import importlib
import inspect
import types
import warnings

import numpy as np
import pytest

import microtorch as mt
from microtorch.autograd import gradcheck, gradgradcheck
from microtorch.cli.gradcheck import grad_outputs_for
from microtorch.cli.gradcheck_ops import NAMESPACES, OPS, build_case, case_rng, resolve

# The only public names without a case. Each group says why it has no gradient to check.
# fmt: off
EXCLUDED = {
    # non-differentiable: bool or integer results (comparisons, predicates, arg-sorts, indices, counts)
    *(f"{ns}.{n}" for ns in ("torch", "Tensor") for n in (
        "all", "any", "allclose", "argmax", "argmin", "argsort", "count_nonzero", "eq", "equal", "ge", "gt",
        "greater", "isclose", "isfinite", "isinf", "isnan", "le", "less", "lt", "ne", "logical_and",
        "logical_not", "logical_or", "logical_xor", "nonzero", "unique", "is_floating_point", "numel",
        "isneginf", "isposinf", "isreal", "signbit",
        # integer-only ops
        "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_left_shift", "bitwise_right_shift",
        "gcd", "lcm",
    )),
    "linalg.matrix_rank",
    "torch.argwhere", "torch.is_tensor", "torch.is_inference_mode_enabled", "Tensor.greater_equal",
    "Tensor.less_equal", "Tensor.not_equal",
    "F.one_hot",
    # non-differentiable in PyTorch too: floor_divide ("derivative for aten::floor_divide is not
    # implemented"); detach/data cut the graph; casts to integer or bool types
    "torch.floor_divide", "Tensor.floor_divide", "Tensor.detach", "Tensor.data",
    "Tensor.bool", "Tensor.byte", "Tensor.char", "Tensor.int", "Tensor.long", "Tensor.short",
    # no derivative in PyTorch either ("derivative for ... is not implemented", or outputs without grad_fn)
    "torch.heaviside", "Tensor.heaviside", "torch.geqrf", "linalg.ldl_factor", "linalg.ldl_factor_ex",
    "linalg.ldl_solve", "special.zeta", "special.airy_ai", "special.spherical_bessel_j0",
    "special.bessel_j0", "special.bessel_j1", "special.bessel_y0", "special.bessel_y1",
    "special.modified_bessel_i0", "special.modified_bessel_i1", "special.modified_bessel_k0",
    "special.modified_bessel_k1",
    "special.scaled_modified_bessel_k0", "special.scaled_modified_bessel_k1",
    *(f"special.{p}_polynomial_{k}" for p in ("chebyshev", "shifted_chebyshev") for k in "tuvw"),
    "special.hermite_polynomial_h", "special.hermite_polynomial_he", "special.laguerre_polynomial_l",
    "special.legendre_polynomial_p",
    # no derivative in PyTorch either: bincount/histogram/histogramdd raise "derivative for aten::... is not
    # implemented", unique_consecutive "the derivative for 'unique_consecutive' is not implemented"; histc's
    # result does not require grad; bucketize/searchsorted/isin/nonzero_static give integer or bool results
    *(f"{ns}.{n}" for ns in ("torch", "Tensor") for n in ("bincount", "histc", "histogram", "unique_consecutive")),
    "torch.histogramdd", "torch.bucketize", "torch.searchsorted", "torch.isin", "torch.nonzero_static",
    "Tensor.nonzero_static",
    # bfloat16 has no storage in microtorch (numpy has no such dtype): the cast raises NotImplementedError
    "Tensor.bfloat16",
    # CUDA and pinned memory do not exist here: these raise
    "Tensor.cuda", "Tensor.pin_memory",
    # random: a gradient through a random draw is not reproducible by finite differences
    "torch.bernoulli", "torch.dropout", "torch.multinomial", "torch.normal", "torch.rand", "torch.rand_like",
    "torch.randint", "torch.randint_like", "torch.randn", "torch.randn_like", "torch.randperm",
    "F.dropout", "F.dropout1d", "F.dropout2d", "F.dropout3d", "Tensor.bernoulli", "Tensor.multinomial",
    "F.alpha_dropout", "F.feature_alpha_dropout",
    # creation: factories take no tensor to differentiate (or copy one out of the graph)
    "torch.arange", "torch.as_tensor", "torch.empty", "torch.empty_like", "torch.empty_strided", "torch.eye",
    "torch.from_numpy", "torch.full", "torch.full_like", "torch.linspace", "torch.logspace", "torch.ones",
    "torch.ones_like", "torch.scalar_tensor", "torch.tensor", "torch.zeros", "torch.zeros_like", "torch.empty_permuted",
    "torch.tril_indices", "torch.triu_indices",
    "Tensor.new_empty", "Tensor.new_empty_strided", "Tensor.new_full", "Tensor.new_ones", "Tensor.new_tensor",
    "Tensor.new_zeros",
    # not tensor ops (non-differentiable): global state, files, printing, dtype rules
    "torch.get_default_dtype", "torch.set_default_dtype", "torch.get_num_threads", "torch.set_num_threads",
    "torch.get_rng_state", "torch.set_rng_state", "torch.initial_seed", "torch.manual_seed", "torch.seed",
    "torch.is_grad_enabled", "torch.load", "torch.save", "torch.set_printoptions", "torch.promote_types",
    "torch.is_anomaly_enabled", "torch.is_anomaly_check_nan_enabled",
    "torch.result_type", "torch.get_default_device", "torch.set_default_device",
    "torch.install_as_torch",  # makes ``import torch`` give microtorch: a module alias, not an op
    # not tensor ops (non-differentiable): metadata, conversions out of microtorch, autograd machinery
    *(f"Tensor.{n}" for n in (
        "device", "dtype", "shape", "ndim", "layout", "is_cuda", "is_leaf", "is_contiguous", "is_set_to",
        "is_pinned", "dim", "ndimension", "nelement", "size", "stride", "element_size", "data_ptr", "item",
        "tolist", "numpy", "grad", "grad_fn", "requires_grad", "output_nr", "retains_grad", "retain_grad",
        "register_hook", "backward",
    )),
    # backend/layout flags (is_cpu True, the others False): metadata
    *(f"Tensor.is_{n}" for n in (
        "cpu", "ipu", "maia", "meta", "mkldnn", "mps", "mtia", "nested", "quantized", "sparse", "sparse_csr",
        "vulkan", "xla", "xpu",
    )),
    # shapes and indices, not tensors to differentiate; complex-number flags of (always real) tensors
    "torch.broadcast_shapes", "torch.unravel_index", "Tensor.is_conj", "Tensor.is_neg", "Tensor.imag",
    # operators that are non-differentiable (comparisons, logic, floor division), in place, or Python protocol
    *(f"Tensor.__{n}__" for n in (
        "eq", "ne", "lt", "le", "gt", "ge", "and", "rand", "or", "ror", "xor", "rxor", "invert", "floordiv",
        "rfloordiv", "lshift", "rlshift", "rshift", "rrshift",
        "iadd", "isub", "imul", "itruediv", "ifloordiv", "imod", "ipow", "iand", "ior", "ixor", "ilshift",
        "irshift", "setitem",
        "bool", "float", "int", "index", "len", "iter", "array", "copy", "deepcopy", "repr", "str", "format",
        "init", "init_subclass", "subclasshook", "reduce_ex", "hash", "contains", "dlpack", "dlpack_device",
        "reversed",
    )),
}
# fmt: on


def _in_place(name: str) -> bool:
    """PyTorch's in-place convention, a trailing underscore (``exp_``, ``index_put_``); not dunders."""
    attr = name.rpartition(".")[2]
    return attr.endswith("_") and not attr.endswith("__")


def _module_names(ns: str, module) -> set[str]:
    """``ns.name`` for each public function of ``module`` (classes and submodules are not ops)."""
    names = set()
    for n in dir(module):
        v = getattr(module, n)
        if not n.startswith("_") and callable(v) and not inspect.isclass(v) and not isinstance(v, types.ModuleType):
            names.add(f"{ns}.{n}")
    return names


def _tensor_names() -> set[str]:
    """``Tensor.name`` for public methods and properties, and operators Tensor defines beyond ``object``'s."""
    names = set()
    for n in dir(mt.Tensor):
        if n.startswith("__"):
            v = getattr(mt.Tensor, n)
            if n.endswith("__") and callable(v) and v is not getattr(object, n, None) and not inspect.isclass(v):
                names.add(f"Tensor.{n}")
        elif not n.startswith("_"):
            names.add(f"Tensor.{n}")
    return names


def public_names() -> set[str]:
    """Every public op-like name of microtorch's API, as ``namespace.name``."""
    names = _tensor_names()
    for ns, path in NAMESPACES.items():
        if ns == "signal":  # microtorch's own module, not PyTorch's API; its ops have cases anyway
            continue
        try:
            names |= _module_names(ns, importlib.import_module(path))
        except ModuleNotFoundError:  # linalg/special/fft are not part of this build
            continue
    return {n for n in names if not _in_place(n)}


COVERED = {form for op in OPS for form in op.forms}


def test_every_differentiable_public_op_has_a_case():
    missing = sorted(public_names() - COVERED - EXCLUDED)
    assert not missing, (
        f"{len(missing)} public ops have no gradcheck case: {', '.join(missing)}. Add a row to "
        "microtorch/cli/gradcheck_ops/<family>.py, or (only if not differentiable) to EXCLUDED here."
    )


def test_exclusions_do_not_hide_checked_ops():
    assert not (EXCLUDED & COVERED)


def test_every_form_resolves_and_names_are_unique():
    for op in OPS:
        for form in op.forms:
            assert callable(resolve(form)), form
    names = [op.name for op in OPS]
    assert len(names) == len(set(names))


def test_enumeration_sees_ops_of_every_namespace():
    names = public_names()
    assert {"torch.gather", "torch.prod", "F.conv2d", "Tensor.exp", "Tensor.T", "Tensor.__add__"} <= names
    assert "Tensor.exp_" not in names


def _run(op, form: int, second: bool) -> None:
    fn, inputs = build_case(op, case_rng(0, form, op.name), form)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert gradcheck(fn, inputs, eps=op.eps)
        if second:
            assert gradgradcheck(fn, inputs, grad_outputs_for(fn, inputs, op.eps), eps=op.eps)


@pytest.mark.parametrize("op", OPS, ids=[op.name for op in OPS])
def test_every_case_passes_first_and_second_order(op):
    """One case per public form (first order), the first of them also at second order."""
    for form in range(max(1, len(op.forms))):
        _run(op, form, second=form == 0 and op.second_order)


def test_gradcheck_accepts_empty_inputs_as_torch():
    """Regression: numpy gives empty arrays stride 0; gradcheck must use the tensor's (torch's) strides."""
    x = mt.tensor(np.zeros((3, 0)), dtype=mt.float64, requires_grad=True)
    assert x.stride() == (1, 1)
    assert gradcheck(lambda t: t * 2, (x,))
    assert gradgradcheck(lambda t: t * t, (x,))
    torch = pytest.importorskip("torch")
    assert torch.zeros(3, 0).stride() == x.stride()
    assert torch.autograd.gradcheck(lambda t: t * 2, (torch.zeros(3, 0, dtype=torch.float64, requires_grad=True),))
