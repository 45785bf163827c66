"""autograd items of issue 13: torch 2.x style ``Function`` (``setup_context``), anomaly mode,
gradcheck's options that really check or raise, and ``autograd.functional``'s options, against torch."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import microtorch as mt
from microtorch.autograd import engine
from microtorch.autograd.function import Function, Op

PLAIN_OP_APPLY = Op.__dict__["apply"]


def _power_function(lib):
    """The same torch 2.x style Function (ctx-less forward, setup_context) in ``lib``."""

    class Power(lib.autograd.Function):
        generate_vmap_rule = False

        @staticmethod
        def forward(x, k=3.0):
            return x**k, (x > 0).to(lib.int64)

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, k = inputs
            ctx.save_for_backward(x)
            ctx.k = k
            ctx.seen = (len(inputs), ctx.needs_input_grad)
            ctx.mark_non_differentiable(output[1])

        @staticmethod
        def backward(ctx, g, g_mask):
            (x,) = ctx.saved_tensors
            return g * ctx.k * x ** (ctx.k - 1), None

    return Power


@pytest.mark.parametrize("kwargs", [{}, {"k": 2.0}])
def test_setup_context_function_matches_torch(kwargs):
    torch = pytest.importorskip("torch")
    data = np.array([-1.5, 0.5, 2.0])
    results = []
    for lib in (mt, torch):
        x = lib.tensor(data, requires_grad=True)
        out, mask = _power_function(lib).apply(x, **kwargs)
        out.sum().backward()
        results.append((out.detach().numpy(), mask.numpy(), mask.requires_grad, x.grad.numpy(), out.grad_fn.name()))
    (o1, m1, r1, g1, n1), (o2, m2, r2, g2, n2) = results
    np.testing.assert_allclose(o1, o2)
    np.testing.assert_array_equal(m1, m2)
    np.testing.assert_allclose(g1, g2)
    assert (r1, n1) == (r2, n2) == (False, "PowerBackward")


def test_setup_context_sees_every_argument_and_needs_input_grad():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    Power = _power_function(mt)
    out, _ = Power.apply(x)
    assert out.grad_fn.seen == (2, (True, False))  # the default k is bound into the inputs, as torch
    with mt.no_grad():
        assert Power.apply(x)[0].grad_fn is None
    assert mt.autograd.gradcheck(
        lambda t: Power.apply(t, 2.5)[0], (mt.tensor([0.5, 1.5], dtype=mt.float64).requires_grad_(),)
    )


def test_setup_context_not_implemented_in_the_base():
    with pytest.raises(NotImplementedError, match="setup_context"):
        Function.setup_context(None, (), None)
    assert Function.generate_vmap_rule is False


def test_set_materialize_grads_false_passes_none():
    seen = []

    class Two(mt.autograd.Function):
        @staticmethod
        def forward(x):
            return x * 2, x * 3

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.set_materialize_grads(False)

        @staticmethod
        def backward(ctx, g1, g2):
            seen.append((g1 is None, g2 is None))
            return g1 * 2

    x = mt.ones(2, requires_grad=True)
    a, _ = Two.apply(x)
    a.sum().backward()
    assert seen == [(False, True)] and x.grad.tolist() == [2.0, 2.0]


def test_once_differentiable_keeps_the_name_and_records_nothing():
    class Sq(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @mt.autograd.once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * g * x

    assert Sq.backward.__name__ == "backward"
    x = mt.tensor([3.0], requires_grad=True)
    (g,) = mt.autograd.grad(Sq.apply(x), x, create_graph=True)
    assert g.tolist() == [6.0] and not g.requires_grad


# --- anomaly mode -------------------------------------------------------------------------
def _nan_backward(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    w = lib.tensor([float("nan"), 1.0])
    y = x * w  # MulBackward0's gradient for x is nan * g
    return y.sum()


def test_anomaly_mode_names_the_node_that_returned_nan_as_torch():
    torch = pytest.importorskip("torch")
    messages = []
    for lib in (torch, mt):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with lib.autograd.detect_anomaly():
                loss = _nan_backward(lib)
                with pytest.raises(RuntimeError) as err:
                    loss.backward()
        messages.append(str(err.value))
        text = "\n".join(str(w.message) for w in caught)
        assert "Anomaly Detection has been enabled" in text
        assert "Error detected in MulBackward0. Traceback of forward call that caused the error" in text
        assert "test_autograd_more.py" in text and "y = x * w" in text  # the forward line, from this file
    assert messages[1] == messages[0] == "Function 'MulBackward0' returned nan values in its 0th output."


def test_without_anomaly_mode_nan_flows_silently_and_nothing_is_instrumented():
    assert not mt.is_anomaly_enabled()
    loss = _nan_backward(mt)
    assert "_anomaly_trace" not in loss.grad_fn.__dict__
    loss.backward()
    assert Op.__dict__["apply"] is PLAIN_OP_APPLY and engine._instrument is None


def test_set_detect_anomaly_call_and_context_manager():
    mt.autograd.set_detect_anomaly(True)
    try:
        assert mt.is_anomaly_enabled() and mt.autograd.is_anomaly_check_nan_enabled()
        with (
            pytest.raises(RuntimeError, match="returned nan values"),
            pytest.warns(UserWarning, match="Error detected"),
        ):
            _nan_backward(mt).backward()
    finally:
        mt.autograd.set_detect_anomaly(False)
    assert not mt.is_anomaly_enabled() and Op.__dict__["apply"] is PLAIN_OP_APPLY
    with mt.autograd.set_detect_anomaly(True, check_nan=False):
        assert mt.is_anomaly_enabled() and not mt.is_anomaly_check_nan_enabled()
        _nan_backward(mt).backward()  # NaN is not checked
    assert not mt.is_anomaly_enabled() and mt.is_anomaly_check_nan_enabled()


def test_anomaly_mode_shows_the_forward_call_of_a_backward_that_raises():
    class Broken(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.clone()

        @staticmethod
        def backward(ctx, g):
            raise ValueError("broken backward")

    x = mt.ones(2, requires_grad=True)
    with pytest.warns(UserWarning, match="Anomaly Detection"):
        guard = mt.autograd.detect_anomaly()
    with guard:
        y = Broken.apply(x)
        with pytest.raises(ValueError, match="broken backward"), pytest.warns(UserWarning) as caught:
            y.sum().backward()
    text = "\n".join(str(w.message) for w in caught)
    assert "Error detected in BrokenBackward" in text and "y = Broken.apply(x)" in text


def test_anomaly_mode_on_nodes_made_before_it_was_on():
    loss = _nan_backward(mt)
    with pytest.warns(UserWarning) as caught:
        with mt.autograd.detect_anomaly():
            with pytest.raises(RuntimeError, match="0th output"):
                loss.backward()
    assert any("No forward pass information available" in str(w.message) for w in caught)


# --- gradcheck --------------------------------------------------------------------------
class _WrongGrad(mt.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return g * 3


def _x():
    return mt.tensor([0.5, -1.0, 2.0], dtype=mt.float64, requires_grad=True)


@pytest.mark.parametrize("option", ["check_forward_ad", "check_batched_forward_grad"])
def test_gradcheck_forward_ad_options_raise(option):
    kwargs = {option: True}
    if option == "check_batched_forward_grad":
        kwargs["check_forward_ad"] = True
    with pytest.raises(NotImplementedError, match="forward-mode AD"):
        mt.autograd.gradcheck(lambda t: t * 2, (_x(),), **kwargs)
    with pytest.raises(NotImplementedError, match="forward-mode AD"):
        mt.autograd.gradgradcheck(lambda t: t * t, (_x(),), check_fwd_over_rev=True)


def test_gradcheck_masked_raises_and_option_conflicts_as_torch():
    with pytest.raises(NotImplementedError, match="masked"):
        mt.autograd.gradcheck(lambda t: t * 2, (_x(),), masked=True)
    with pytest.raises(AssertionError, match="check_batched_grad=True requires check_backward_ad"):
        mt.autograd.gradcheck(
            lambda t: t * 2, (_x(),), check_batched_grad=True, check_backward_ad=False, check_forward_ad=True
        )


@pytest.mark.parametrize("fast_mode", [False, True])
def test_gradcheck_finds_a_wrong_gradient_and_prints_plain_numbers(fast_mode):
    with pytest.raises(mt.autograd.GradcheckError) as err:
        mt.autograd.gradcheck(_WrongGrad.apply, (_x(),), fast_mode=fast_mode)
    text = str(err.value)
    assert "Jacobian mismatch for output 0 with respect to input 0" in text
    assert "np.float64" not in text and "array(" not in text
    assert not mt.autograd.gradcheck(_WrongGrad.apply, (_x(),), fast_mode=fast_mode, raise_exception=False)


def test_gradcheck_batched_grad_checks_and_passes_good_functions():
    assert mt.autograd.gradcheck(lambda t: (t.sin() * t).cumsum(0), (_x(),), check_batched_grad=True)
    assert mt.autograd.gradgradcheck(lambda t: (t.sin() * t).sum(), (_x(),), check_batched_grad=True)


def test_gradcheck_batched_grad_catches_a_backward_that_depends_on_the_batch():
    calls = []

    class Drifting(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            calls.append(1)
            return g * 2 if len(calls) <= 8 else g * 5  # right for the Jacobian checks (6 calls), the 2 VJPs

    with pytest.raises(mt.autograd.GradcheckError, match="batched gradient"):
        mt.autograd.gradcheck(Drifting.apply, (_x(),), check_batched_grad=True, check_undefined_grad=False)


def test_gradcheck_undefined_grad_check():
    class NoneUnsafe(mt.autograd.Function):
        @staticmethod
        def forward(x):
            return x * 2

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.set_materialize_grads(False)

        @staticmethod
        def backward(ctx, g):
            if g is None:  # refuses an undefined gradient (torch's check catches RuntimeError)
                raise RuntimeError("undefined")
            return g * 2

    with pytest.raises(mt.autograd.GradcheckError, match="undefined output grads"), pytest.warns(UserWarning):
        mt.autograd.gradcheck(NoneUnsafe.apply, (_x(),))
    assert mt.autograd.gradcheck(NoneUnsafe.apply, (_x(),), check_undefined_grad=False)


def test_gradcheck_nondet_tol():
    state = {"n": 0}

    class Noisy(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            state["n"] += 1
            return g * (2 + 1e-9 * (state["n"] % 2))

    with pytest.raises(mt.autograd.GradcheckError, match="not reentrant"):
        mt.autograd.gradcheck(Noisy.apply, (_x(),))
    assert mt.autograd.gradcheck(Noisy.apply, (_x(),), nondet_tol=1e-6)


# --- autograd.functional ----------------------------------------------------------------
def _f(x, y):
    return (x.sin() * y.exp()).sum() + (x * x * y).sum()


def _flat(result) -> list:
    if isinstance(result, (tuple, list)):
        return [a for r in result for a in _flat(r)]
    return [np.asarray(result.detach().numpy())]


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("hessian", {"vectorize": True, "outer_jacobian_strategy": "forward-mode"}),
        ("hessian", {"create_graph": True}),
        ("hessian", {"strict": True}),
        ("jacobian", {"vectorize": True, "strategy": "forward-mode"}),
        ("vhp", {"create_graph": True}),
        ("hvp", {"strict": True}),
        ("jvp", {"create_graph": True}),
        ("vjp", {"strict": True}),
    ],
)
def test_functional_options_match_torch(name, kwargs):
    torch = pytest.importorskip("torch")
    xs, ys = np.array([0.1, 0.7, -0.4]), np.array([0.3, -0.2, 0.5])
    results = []
    for lib in (torch, mt):
        x, y = lib.tensor(xs), lib.tensor(ys)
        fn = getattr(lib.autograd.functional, name)
        if name in ("hessian", "jacobian"):
            results.append(_flat(fn(_f, (x, y), **kwargs)))
        else:
            v = lib.tensor(1.0, dtype=lib.float64) if name == "vjp" else (lib.ones(3, dtype=lib.float64),) * 2
            results.append(_flat(fn(_f, (x, y), v, **kwargs)))
    assert len(results[0]) == len(results[1])
    for a, b in zip(*results):
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-12)
