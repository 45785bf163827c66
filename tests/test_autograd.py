"""Graph semantics of the autograd engine."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

import microtorch as mt
from microtorch.autograd import Function, GradcheckError, gradcheck, gradgradcheck


def test_gradients_accumulate_across_backward_calls():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * x).sum().backward()
    assert x.grad.tolist() == [5.0, 7.0]


def test_diamond_sums_gradients():
    x = mt.tensor(2.0, requires_grad=True)
    a = x * 3
    b = x.exp()
    c = x * x
    (a + b + c).backward()
    assert float(x.grad) == pytest.approx(3 + np.exp(2.0) + 4)


def test_non_leaf_has_no_grad_unless_retained():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = y * y
    y.retain_grad()
    w = x + 1
    z.sum().backward()
    assert y.grad.tolist() == [4.0, 8.0]
    assert w.grad is None and not w.is_leaf


def test_second_backward_through_freed_graph_raises():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [4.0, 8.0]
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_no_grad_and_set_grad_enabled():
    x = mt.ones(2, requires_grad=True)
    with mt.no_grad():
        y = x * 2
    assert not y.requires_grad and y.grad_fn is None

    @mt.no_grad()
    def f(t):
        return t * 2

    assert not f(x).requires_grad
    with mt.set_grad_enabled(False):
        assert not mt.is_grad_enabled()
        with mt.enable_grad():
            assert (x * 2).requires_grad
    assert mt.is_grad_enabled()
    mt.set_grad_enabled(False)
    assert not (x * 2).requires_grad
    mt.set_grad_enabled(True)


def test_grad_mode_is_thread_local():
    import threading

    seen = []
    with mt.no_grad():
        t = threading.Thread(target=lambda: seen.append(mt.is_grad_enabled()))
        t.start()
        t.join()
    assert seen == [True]


def test_detach_shares_storage_and_cuts_graph():
    x = mt.ones(3, requires_grad=True)
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None
    d[0] = 7.0
    assert y.tolist()[0] == 7.0


def test_hooks_on_leaf_and_non_leaf():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g.tolist()))
    y = x * 3
    handle = y.register_hook(lambda g: g * 10)
    (y * y).sum().backward()
    assert seen == [[180.0, 360.0]]
    assert x.grad.tolist() == [180.0, 360.0]
    handle.remove()
    x.grad = None
    y = x * 3
    (y * y).sum().backward()
    assert x.grad.tolist() == [18.0, 36.0]


def test_version_counter_detects_inplace_modification():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = y * y  # saves y
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()
    assert x.grad is None


def test_inplace_on_non_leaf_is_recorded():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.mul_(3)
    y.add_(x)
    y.sum().backward()
    assert x.grad.tolist() == [7.0, 7.0]
    assert y.grad_fn.name() == "AddBackward0"


def test_chain_of_100000_ops_has_no_recursion_error():
    x = mt.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.backward()
    assert float(x.grad) == 1.0


def test_backward_errors_leave_state_unchanged():
    x = mt.ones(3, requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        y.backward()
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        y.backward(mt.ones(2))
    with pytest.raises(RuntimeError, match="does not require grad"):
        mt.ones(2).sum().backward()
    assert x.grad is None
    y.backward(mt.ones(3))
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


def test_integer_tensors_cannot_require_grad():
    with pytest.raises(RuntimeError, match="only Tensors of floating point"):
        mt.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="only Tensors of floating point"):
        mt.tensor([1, 2]).requires_grad_()


def test_autograd_grad_and_allow_unused():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    u = mt.tensor([5.0], requires_grad=True)
    y = (x**3).sum()
    (gx,) = mt.autograd.grad(y, x, retain_graph=True)
    assert gx.tolist() == [3.0, 12.0] and x.grad is None
    with pytest.raises(RuntimeError, match="appears to not have been used"):
        mt.autograd.grad(y, [x, u], retain_graph=True)
    gx, gu = mt.autograd.grad(y, [x, u], allow_unused=True)
    assert gu is None


def test_grad_of_non_leaf_input():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    y = (h * h).sum()
    (gh,) = mt.autograd.grad(y, h)
    assert gh.tolist() == [4.0, 8.0]


def test_hessian_vector_product_with_create_graph():
    x = mt.tensor([1.0, 2.0, 3.0], dtype=mt.float64, requires_grad=True)
    y = (x**3).sum() + (x[0] * x[1])
    (g,) = mt.autograd.grad(y, x, create_graph=True)
    v = mt.tensor([1.0, 0.0, 1.0], dtype=mt.float64)
    (hv,) = mt.autograd.grad((g * v).sum(), x)
    # H = diag(6x) + [[0,1,0],[1,0,0],[0,0,0]]
    assert hv.tolist() == pytest.approx([6.0, 1.0, 18.0])


def test_gradient_penalty_double_backward_into_grad():
    w = mt.tensor([0.5, -1.0], dtype=mt.float64, requires_grad=True)
    x = mt.tensor([2.0, 3.0], dtype=mt.float64, requires_grad=True)
    out = (w * x).tanh().sum()
    (gx,) = mt.autograd.grad(out, x, create_graph=True)
    penalty = (gx * gx).sum()
    penalty.backward()
    assert w.grad is not None and np.isfinite(w.grad.numpy()).all()
    assert gradcheck(lambda a: (mt.autograd.grad((a * x).tanh().sum(), x, create_graph=True)[0] ** 2).sum(), (w,))


def test_create_graph_false_records_nothing():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    assert x.grad.grad_fn is None and not x.grad.requires_grad


def test_intermediates_are_freed_after_backward():
    x = mt.randn(100, requires_grad=True)
    y = x.exp()
    z = y * 2
    ref = weakref.ref(y._data)
    loss = z.sum()
    del y, z
    loss.backward()
    del loss
    gc.collect()
    assert ref() is None


class Cube(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x * x


class WrongCube(Cube):
    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 2.9 * x * x


class ScaleBy(Function):
    @staticmethod
    def forward(ctx, x, factor: float):
        ctx.factor = factor
        assert ctx.needs_input_grad == (True, False)
        return x * factor

    @staticmethod
    def backward(ctx, g):
        return g * ctx.factor, None


def test_custom_function_forward_backward_and_double_backward():
    x = mt.tensor([1.0, -2.0], dtype=mt.float64, requires_grad=True)
    y = Cube.apply(x)
    assert y.grad_fn.name() == "CubeBackward"
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 12.0]
    assert gradcheck(Cube.apply, (x,))
    assert gradgradcheck(Cube.apply, (x,))
    assert gradcheck(lambda t: ScaleBy.apply(t, 2.5), (x,))


def test_gradcheck_catches_a_wrong_backward():
    x = mt.tensor([1.0, -2.0, 0.5], dtype=mt.float64, requires_grad=True)
    with pytest.raises(GradcheckError, match=r"(?s)input 0,\nnumerical:tensor.*analytical=2.9, numerical=2.99") as info:
        gradcheck(WrongCube.apply, (x,))
    assert "np.float64" not in str(info.value)
    assert gradcheck(WrongCube.apply, (x,), raise_exception=False) is False


def test_gradcheck_warns_on_float32():
    x = mt.tensor([1.0], requires_grad=True)
    with pytest.warns(UserWarning, match="not a double precision"):
        gradcheck(lambda t: t * 2, (x,), eps=1e-2, atol=1e-2, rtol=1e-2)


def test_backward_inputs_argument_limits_accumulation():
    a = mt.tensor(1.0, requires_grad=True)
    b = mt.tensor(2.0, requires_grad=True)
    (a * b).backward(inputs=[a])
    assert float(a.grad) == 2.0 and b.grad is None


def _view_program(lib, x, w):
    out = lib.zeros(2, 3, dtype=x.dtype)
    y = x * 2
    v = y.view(6)
    v[::2] += w
    z = y.t()
    z[0].add_(w * w)
    for i in range(2):
        out[i][1:] = y[i, :2] * w
    return (out.sum(0) * y.sum(0)).sum() + out.sum()


def test_inplace_on_views_updates_the_base_graph():
    rng = np.random.default_rng(0)
    x = mt.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    w = mt.tensor(rng.standard_normal(1), requires_grad=True)
    assert gradcheck(lambda a, b: _view_program(mt, a, b), (x, w))


def test_inplace_on_views_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((2, 3)), rng.standard_normal(1)
    x, w = mt.tensor(a, requires_grad=True), mt.tensor(b, requires_grad=True)
    tx, tw = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    out, tout = _view_program(mt, x, w), _view_program(torch, tx, tw)
    assert out.item() == pytest.approx(tout.item(), rel=1e-12)
    out.backward()
    tout.backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-12)


def test_inplace_on_a_view_after_its_value_was_saved_raises():
    x = mt.randn(2, 3, requires_grad=True)
    y = x * 2
    p = y[0, :2] * x[0, :2]
    y.view(6)[::2] += 1.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        p.sum().backward()


def test_building_a_tensor_by_assignment_into_zeros():
    w = mt.tensor([1.0, 2.0], requires_grad=True)
    out = mt.zeros(2, 2)
    out[0] = w * 3
    out[1][1] = w[0] * w[1]
    out.sum().backward()
    assert out.requires_grad and out.grad_fn.name() == "torch::autograd::CopySlices"
    assert w.grad.tolist() == [5.0, 4.0]


def _hook_errors(T):
    """The error (class, message) of each bad hook return, for module ``T``."""

    def named_bad_size(g):
        return T.ones(4)

    class Callable:
        def __call__(self, g):
            return g.double()

    cases = {
        "size_non_leaf": (False, named_bad_size),
        "size_leaf": (True, lambda g: T.ones(1, 3)),
        "broadcastable_size": (False, lambda g: T.ones(1)),
        "dtype_non_leaf": (False, lambda g: g.double()),
        "dtype_leaf": (True, Callable()),
        "int_dtype": (False, lambda g: T.ones(3, dtype=T.int64)),
        "float": (False, lambda g: 3.0),
        "int_leaf": (True, lambda g: 3),
    }
    out = {}
    for name, (leaf, hook) in cases.items():
        x = T.ones(3, requires_grad=True)
        y = x if leaf else x * 2
        y.register_hook(hook)
        with pytest.raises((RuntimeError, TypeError)) as info:
            y.sum().backward()
        out[name] = (info.type, str(info.value))
        assert x.grad is None
    return out


def test_hook_returning_other_shape_or_dtype_raises():
    errors = _hook_errors(mt)
    assert errors["size_non_leaf"] == (RuntimeError, "hook 'named_bad_size' has changed the size of value")
    assert errors["broadcastable_size"][0] is RuntimeError
    assert errors["dtype_leaf"] == (
        RuntimeError,
        "hook '<unknown>' has changed the type of value (was torch.FloatTensor got torch.DoubleTensor)",
    )
    assert errors["float"] == (TypeError, "expected Variable, but hook returned 'float'")


def test_hook_errors_match_torch():
    torch = pytest.importorskip("torch")
    assert _hook_errors(mt) == _hook_errors(torch)


def test_hook_replacement_of_same_shape_and_dtype_is_used():
    x = mt.ones(3, requires_grad=True)
    x.register_hook(lambda g: g * 2)
    y = x * 1
    y.register_hook(lambda g: g + 1)
    y.sum().backward()
    assert x.grad.tolist() == [4.0, 4.0, 4.0]


def _function_backward_results(T):
    """What ``T`` makes of various gradients returned by a Function's backward."""

    def make(ret, n_inputs=1):
        class Fn(T.autograd.Function):
            @staticmethod
            def forward(ctx, *args):
                return args[0] * 2

            @staticmethod
            def backward(ctx, g):
                return ret(g)

        return Fn

    cases = {
        "bigger": ((3,), lambda g: T.ones(4), ()),
        "reducible": ((3,), lambda g: T.ones(2, 3), ()),
        "leading_one": ((3,), lambda g: T.ones(1, 3), ()),
        "size_one": ((3,), lambda g: T.ones(1), ()),
        "zero_dim_for_vector": ((3,), lambda g: T.tensor(2.0), ()),
        "vector_for_zero_dim": ((), lambda g: T.ones(1), ()),
        "smaller": ((2, 3), lambda g: T.ones(3), ()),
        "dropped_dim": ((1, 3), lambda g: T.ones(3), ()),
        "double": ((3,), lambda g: g.double(), ()),
        "int64": ((3,), lambda g: T.ones(3, dtype=T.int64), ()),
        "python_float": ((3,), lambda g: 2.0, ()),
        "list": ((3,), lambda g: [g], ()),
        "extra_none": ((3,), lambda g: (g, None), ()),
        "extra_tensor": ((3,), lambda g: (g, g), ()),
        "grad_for_non_tensor": ((3,), lambda g: (g, T.ones(1)), (2.0,)),
        "bad_shape_for_constant_tensor": ((3,), lambda g: (g, T.ones(5)), ("tensor",)),
        "float_for_constant_tensor": ((3,), lambda g: (T.ones(7), 3.0), ("tensor",)),
        "too_few": ((3,), lambda g: g, ("tensor",)),
    }
    out = {}
    for name, (shape, ret, extra) in cases.items():
        x = T.ones(shape, requires_grad=True)
        args = [T.ones(3) if e == "tensor" else e for e in extra]
        try:
            make(ret).apply(x, *args).sum().backward()
            out[name] = (x.grad.shape, x.grad.dtype, x.grad.sum().item())
        except (RuntimeError, TypeError) as err:
            out[name] = (type(err), str(err))
    return out


def test_function_backward_gradient_validation():
    got = _function_backward_results(mt)
    assert got["bigger"] == (
        RuntimeError,
        "Function FnBackward returned an invalid gradient at index 0 - got [4] but expected shape compatible with [3]",
    )
    assert got["size_one"][0] is RuntimeError and got["smaller"][0] is RuntimeError
    assert got["reducible"] == (mt.Size([3]), mt.float32, 6.0)
    assert got["int64"] == (mt.Size([3]), mt.float32, 3.0)
    assert got["python_float"] == (RuntimeError, "expected Variable or None (got float)")
    assert got["grad_for_non_tensor"][1].endswith(
        "at position 2, but the corresponding forward input was not a Variable"
    )


def test_function_backward_gradient_validation_matches_torch():
    torch = pytest.importorskip("torch")
    got, want = _function_backward_results(mt), _function_backward_results(torch)
    assert got.keys() == want.keys()
    for name in want:
        if isinstance(want[name][0], type):
            assert got[name] == want[name], name
        else:
            assert (list(got[name][0]), str(got[name][1]), got[name][2]) == (
                list(want[name][0]),
                str(want[name][1]),
                want[name][2],
            ), name


def _check_functions(T):
    """Functions whose backward is wrong in ways only some gradcheck options see."""

    class SquareGrad(T.autograd.Function):
        """Backward uses g*g: right at the unit vectors slow mode uses, not linear in g."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * g * 3 * x * x

    class TwoOut(T.autograd.Function):
        """Two outputs; backward cannot take an undefined gradient for the second."""

        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            if g1 is None or g2 is None:
                raise RuntimeError("undefined output gradient")
            return g1 * 2 + g2 * 3

    class TwoOutOk(TwoOut):
        @staticmethod
        def backward(ctx, g1, g2):
            return (g1 * 2 if g1 is not None else 0) + (g2 * 3 if g2 is not None else 0)

    class NotMultiplied(T.autograd.Function):
        """Gives a gradient even when the output gradient is zero."""

        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2 + (g.abs().sum() == 0).to(g.dtype)

    return SquareGrad, TwoOut, TwoOutOk, NotMultiplied


def _verdicts(T):
    square, two_out, two_out_ok, not_multiplied = _check_functions(T)
    x = T.tensor([0.5, -1.5, 2.0], dtype=T.float64, requires_grad=True)

    def verdict(fn, **opts):
        try:
            return T.autograd.gradcheck(fn, (x,), **opts)
        except RuntimeError as err:  # GradcheckError in both libraries
            return str(err).split("\n")[0][:40]

    return {
        "square_slow": verdict(square.apply),
        "square_fast": verdict(square.apply, fast_mode=True),
        "square_batched": verdict(square.apply, check_batched_grad=True),
        "cube_fast": verdict(lambda t: t * t * t, fast_mode=True),
        "cube_batched": verdict(lambda t: t.sin() * t, check_batched_grad=True),
        "two_out_undefined": verdict(two_out.apply),
        "two_out_no_undefined_check": verdict(two_out.apply, check_undefined_grad=False),
        "two_out_ok": verdict(two_out_ok.apply),
        "not_multiplied": verdict(not_multiplied.apply),
    }


@pytest.mark.filterwarnings("ignore:Backwards compatibility")
def test_gradcheck_options_are_real_checks():
    got = _verdicts(mt)
    assert got["square_slow"] is True  # the unit-vector Jacobian is right
    assert got["square_fast"].startswith("Jacobian mismatch for output 0")
    assert got["square_batched"] is True  # consistent batched VJPs: as PyTorch, no linearity check
    assert got["cube_fast"] is True and got["cube_batched"] is True
    assert got["two_out_undefined"] == "undefined output gradient"
    assert got["two_out_no_undefined_check"] == "undefined output gradient"
    # the all-undefined case makes backward return the int 0: not a gradient
    assert got["two_out_ok"].startswith("Expected backward function to handle und")
    assert got["not_multiplied"] == "backward not multiplied by grad_output"


@pytest.mark.filterwarnings("ignore:Backwards compatibility")
def test_gradcheck_option_verdicts_match_torch():
    torch = pytest.importorskip("torch")
    assert _verdicts(mt) == _verdicts(torch)


def test_gradcheck_fast_mode_reports_plain_numbers_and_slow_detail():
    x = mt.tensor([1.0, -2.0, 0.5], dtype=mt.float64, requires_grad=True)
    with pytest.raises(GradcheckError) as info:
        gradcheck(WrongCube.apply, (x,), fast_mode=True)
    text = str(info.value)
    assert "in fast mode" in text and "The max per-element difference (slow mode) is: 0.4000" in text
    assert "np.float64" not in text
    assert gradcheck(Cube.apply, (x,), fast_mode=True)
    assert gradgradcheck(Cube.apply, (x,), fast_mode=True)


def test_gradcheck_nondet_tol():
    rng = np.random.default_rng(0)

    class Noisy(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * (2 + mt.tensor(rng.normal(0, 1e-9, g.shape)))

    x = mt.tensor([1.0, 2.0], dtype=mt.float64, requires_grad=True)
    with pytest.raises(GradcheckError, match="Backward is not reentrant"):
        gradcheck(Noisy.apply, (x,))
    assert gradcheck(Noisy.apply, (x,), nondet_tol=1e-6)


def test_gradcheck_forward_ad_options_raise():
    x = mt.tensor([1.0], dtype=mt.float64, requires_grad=True)
    with pytest.raises(NotImplementedError, match="check_forward_ad"):
        gradcheck(lambda t: t * 2, (x,), check_forward_ad=True)
    with pytest.raises(NotImplementedError, match="check_fwd_over_rev"):
        gradgradcheck(lambda t: t * t, (x,), check_fwd_over_rev=True)
    with pytest.raises(AssertionError, match="check_batched_forward_grad=True requires check_forward_ad"):
        gradcheck(lambda t: t * 2, (x,), check_batched_forward_grad=True)
    with pytest.raises(AssertionError, match="at least one of check_forward_ad or check_backward_ad"):
        gradcheck(lambda t: t * 2, (x,), check_backward_ad=False)


def test_gradcheck_non_contiguous_input_and_stride_zero():
    base = mt.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=mt.float64)
    x = base.t().detach().requires_grad_()
    assert not x.is_contiguous()
    assert gradcheck(lambda t: (t * t).sum(0), (x,))
    e = mt.tensor([1.0], dtype=mt.float64).expand(3).detach().requires_grad_()
    with pytest.raises(RuntimeError, match="The 0th input has a dimension with stride 0"):
        gradcheck(lambda t: t * 2, (e,))


def test_grad_is_grads_batched():
    x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * x
    v = mt.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]])
    (g,) = mt.autograd.grad(y, x, v, is_grads_batched=True)
    assert g.tolist() == [[2.0, 0.0, 0.0], [0.0, 4.0, 6.0]]
    with pytest.raises(RuntimeError, match="If `is_grads_batched=True`"):
        mt.autograd.grad(x * 2, x, mt.ones(2, 4), is_grads_batched=True)


def test_grad_is_grads_batched_matches_torch():
    torch = pytest.importorskip("torch")

    def run(T):
        x = T.tensor([1.0, 2.0, 3.0], dtype=T.float64, requires_grad=True)
        v = T.tensor([[1.0, 0.5, 0.0], [0.0, 1.0, -1.0]], dtype=T.float64)
        (g,) = T.autograd.grad((x.sin() * x).sum(0, keepdim=True) * x, x, v, is_grads_batched=True)
        return g.detach().numpy()

    np.testing.assert_allclose(run(mt), run(torch), rtol=1e-12)


def _mark_dirty_results(T):
    class Double(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2

    class Forgets(Double):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x * 1

    out = {}
    leaf = T.ones(3, requires_grad=True)
    a = leaf * 1
    b = Double.apply(a)
    out["same_object"] = b is a
    out["version"] = a._version
    (a * T.tensor([1.0, 2.0, 3.0])).sum().backward()
    out["grad"] = leaf.grad.tolist()
    leaf = T.ones(4, requires_grad=True)
    a = leaf * 1
    Double.apply(a[:2])
    (a * T.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    out["view_grad"] = leaf.grad.tolist()
    for name, fn, arg in (
        ("leaf", Double.apply, T.ones(3, requires_grad=True)),
        ("not_returned", Forgets.apply, T.ones(3, requires_grad=True) * 1),
    ):
        with pytest.raises(RuntimeError) as info:
            fn(arg)
        out[name] = str(info.value)
    return out


def test_function_mark_dirty_rebases_the_input():
    got = _mark_dirty_results(mt)
    assert got["same_object"] and got["version"] == 2
    assert got["grad"] == [2.0, 4.0, 6.0] and got["view_grad"] == [2.0, 4.0, 3.0, 4.0]
    assert got["leaf"] == "a leaf Variable that requires grad has been used in an in-place operation."


def test_function_mark_dirty_matches_torch():
    torch = pytest.importorskip("torch")
    assert _mark_dirty_results(mt) == _mark_dirty_results(torch)


def test_function_returning_non_differentiable_input():
    class Passthrough(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.mark_non_differentiable(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    x = mt.ones(2, requires_grad=True)
    y = Passthrough.apply(x * 1)
    assert not y.requires_grad and y._base is None  # as torch: not a differentiable view


def _functional_results(T):
    """Every torch.autograd.functional entry point on a few functions: values, or error text."""
    F = T.autograd.functional
    x = T.tensor([0.3, -0.5, 1.2], dtype=T.float64)
    y = T.tensor([0.7, 0.1, -0.4], dtype=T.float64)
    ones = T.ones(3, dtype=T.float64)
    w = T.tensor([0.2, 0.4, 0.6], dtype=T.float64, requires_grad=True)

    def f1(a):
        return a.sin() * a

    def f2(a, b):
        return (a * b).exp(), a.sum() * b

    def fs(a):
        return (a.sin() * a).sum()

    def fs2(a, b):
        return (a * a * b).sum()

    def outer_graph():
        F.jacobian(lambda t: t * t * w, x, create_graph=True).sum().backward()
        return w.grad

    cases = {
        "vjp": lambda: F.vjp(f1, x, ones),
        "vjp_tuple": lambda: F.vjp(f2, (x, y), (ones, ones)),
        "vjp_no_v": lambda: F.vjp(f1, x),
        "vjp_bad_v": lambda: F.vjp(f1, x, T.ones(2, dtype=T.float64)),
        "vjp_bad_output": lambda: F.vjp(lambda t: 3, x, ones),
        "vjp_strict": lambda: F.vjp(lambda a, b: (a * 2).sum(), (x, y), strict=True),
        "jvp": lambda: F.jvp(f1, x, ones),
        "jvp_tuple": lambda: F.jvp(f2, (x, y), (ones, y)),
        "jacobian": lambda: F.jacobian(f1, x),
        "jacobian_tuples": lambda: F.jacobian(f2, (x, y)),
        "jacobian_vectorized": lambda: F.jacobian(f2, (x, y), vectorize=True),
        "jacobian_forward_mode": lambda: F.jacobian(f2, (x, y), vectorize=True, strategy="forward-mode"),
        "jacobian_forward_mode_loop": lambda: F.jacobian(f1, x, strategy="forward-mode"),
        "jacobian_create_graph": lambda: F.jacobian(f1, x, create_graph=True),
        "jacobian_unused": lambda: F.jacobian(lambda a, b: a * 2, (x, y)),
        "jacobian_strict": lambda: F.jacobian(lambda a, b: a * 2, (x, y), strict=True),
        "jacobian_scalar_output": lambda: F.jacobian(lambda t: t.sum(), x),
        "jacobian_outer_graph": outer_graph,
        "hessian": lambda: F.hessian(fs, x),
        "hessian_tuple": lambda: F.hessian(fs2, (x, y)),
        "hessian_vectorized": lambda: F.hessian(fs2, (x, y), vectorize=True),
        "hessian_non_scalar": lambda: F.hessian(f1, x),
        "hessian_strict_linear": lambda: F.hessian(lambda t: t.sum() * 2, x, strict=True),
        "vhp": lambda: F.vhp(fs, x, y),
        "hvp": lambda: F.hvp(fs2, (x, y), (y, x)),
        "hvp_create_graph": lambda: F.hvp(fs, x, y, create_graph=True),
    }

    def plain(r):
        if isinstance(r, (tuple, list)):  # torch's forward-mode jacobian returns lists
            return tuple(plain(e) for e in r)
        return tuple(r.shape), np.array(r.detach().numpy() + 0.0), r.requires_grad

    out = {}
    for name, fn in cases.items():
        try:
            out[name] = plain(fn())
        except (RuntimeError, TypeError, NotImplementedError) as err:
            out[name] = (type(err).__name__, str(err))
    return out


def _assert_same_structure(a, b, where):
    if isinstance(b, tuple) and len(b) == 3 and isinstance(b[1], np.ndarray):
        assert a[0] == b[0] and a[2] == b[2], where
        np.testing.assert_allclose(a[1], b[1], rtol=1e-12, atol=1e-15, err_msg=where)
    elif isinstance(b, tuple) and b and isinstance(b[0], str):
        assert a == b, where
    else:
        assert isinstance(a, tuple) and len(a) == len(b), where
        for ea, eb in zip(a, b):
            _assert_same_structure(ea, eb, where)


def test_autograd_functional_matches_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = _functional_results(mt), _functional_results(torch)
    for name in theirs:
        _assert_same_structure(ours[name], theirs[name], name)


def test_autograd_functional_values():
    got = _functional_results(mt)
    x = np.array([0.3, -0.5, 1.2])
    y = np.array([0.7, 0.1, -0.4])
    np.testing.assert_allclose(got["jacobian"][1], np.diag(np.sin(x) + x * np.cos(x)))
    np.testing.assert_allclose(got["hessian"][1], np.diag(2 * np.cos(x) - x * np.sin(x)))
    (h_xx, h_xy), (h_yx, h_yy) = got["hessian_tuple"]
    np.testing.assert_allclose(h_xx[1], np.diag(2 * y))
    np.testing.assert_allclose(h_xy[1], np.diag(2 * x))
    np.testing.assert_allclose(got["hvp"][1][0][1], 2 * y * y + 2 * x * x)
    assert got["jacobian_create_graph"][2] and not got["jacobian"][2]
    shape, value, requires_grad = got["jacobian_unused"][1]  # the block of the unused input
    assert shape == (3, 3) and not value.any() and not requires_grad
    assert got["jacobian_strict"][0] == "RuntimeError"
    np.testing.assert_allclose(got["jacobian_outer_graph"][1], 2 * x)  # d/dw sum(diag(2 x w))


def _grad_mode_results(T):
    """Grad / inference mode seen inside every form of the switches."""
    out = {}

    @T.no_grad
    def bare_no_grad():
        return T.is_grad_enabled()

    @T.enable_grad
    def bare_enable_grad():
        return T.is_grad_enabled()

    @T.inference_mode
    def bare_inference():
        return T.is_grad_enabled(), T.is_inference_mode_enabled()

    @T.set_grad_enabled(False)
    def set_false():
        return T.is_grad_enabled()

    def gen():
        got = yield T.is_grad_enabled()
        yield got, T.is_grad_enabled()

    out["bare_no_grad"] = bare_no_grad()
    with T.no_grad():
        out["bare_enable_grad"] = bare_enable_grad()
        with T.inference_mode(False):
            out["inference_false"] = (T.is_grad_enabled(), T.is_inference_mode_enabled())
    out["bare_inference"] = bare_inference()
    with T.inference_mode():
        with T.enable_grad():
            out["enable_in_inference"] = (T.is_grad_enabled(), T.is_inference_mode_enabled())
    out["set_false"] = (set_false(), T.is_grad_enabled())
    g = T.no_grad()(gen)()
    out["generator"] = (next(g), T.is_grad_enabled(), g.send(5), T.is_grad_enabled())
    out["clone"] = type(T.no_grad().clone()).__name__
    return out


def test_grad_mode_switches():
    got = _grad_mode_results(mt)
    assert got["bare_no_grad"] is False and got["bare_enable_grad"] is True
    assert got["inference_false"] == (True, False) and got["bare_inference"] == (False, True)
    assert got["generator"] == (False, True, (5, False), True)
    assert mt.is_grad_enabled() and not mt.is_inference_mode_enabled()


def test_grad_mode_switches_match_torch():
    torch = pytest.importorskip("torch")
    assert _grad_mode_results(mt) == _grad_mode_results(torch)


def _grad_option_results(T):
    x = T.ones(3, requires_grad=True)
    y = x * 2
    z = T.ones(3, requires_grad=True)
    out = {}
    r = T.autograd.grad(y, (x, z), T.ones(2, 3), is_grads_batched=True, materialize_grads=True, retain_graph=True)
    out["batched_materialized_shapes"] = [tuple(t.shape) for t in r]
    with pytest.raises(ValueError) as info:
        T.autograd.grad(y, (x, z), T.ones(3), materialize_grads=True, allow_unused=False, retain_graph=True)
    out["materialize_without_unused"] = str(info.value)
    with pytest.warns(FutureWarning, match="only_inputs argument is deprecated"):
        T.autograd.grad(y, x, T.ones(3), only_inputs=False, retain_graph=True)
    return out


def test_grad_options():
    got = _grad_option_results(mt)
    assert got["batched_materialized_shapes"] == [(2, 3), (3,)]  # torch's zeros are not batched
    assert got["materialize_without_unused"].startswith("Expected allow_unused to be True")


def test_grad_options_match_torch():
    torch = pytest.importorskip("torch")
    assert _grad_option_results(mt) == _grad_option_results(torch)


def _node_hook_results(T):
    """grad_fn.register_hook / register_prehook: call order, replacements, torch's errors."""
    x = T.ones(3, requires_grad=True)
    out = {}
    log = []
    y = x.exp()
    z = y * 3
    y.register_hook(lambda g: log.append(("tensor", g.tolist())) or g * 10)
    pre = y.grad_fn.register_prehook(lambda go: log.append(("pre", [g.tolist() for g in go])) or (go[0] + 1,))
    post = y.grad_fn.register_hook(lambda gi, go: log.append(("post", [g.tolist() for g in go])) or (gi[0] * 2,))
    z.sum().backward(retain_graph=True)
    out["log"], out["grad"] = log[:], [round(v, 4) for v in x.grad.tolist()]
    pre.remove()
    post.remove()
    x.grad = None
    log.clear()
    z.sum().backward()
    out["removed"] = (log[:], [round(v, 4) for v in x.grad.tolist()])

    def bad_count(gi, go):
        return (gi[0], gi[0])

    bad = {
        "count": lambda n: n.register_hook(bad_count),
        "not_tuple": lambda n: n.register_prehook(lambda go: [go[0]]),
        "size": lambda n: n.register_hook(lambda gi, go: (T.ones(4),)),
    }
    for name, register in bad.items():
        w = x.exp()
        register(w.grad_fn)
        try:
            w.sum().backward()
            out[name] = "ok"
        except (RuntimeError, TypeError) as err:
            out[name] = (type(err).__name__, str(err))
    return out


def test_node_hooks():
    got = _node_hook_results(mt)
    assert [k for k, *_ in got["log"]] == ["tensor", "pre", "post"]
    assert got["log"][1] == ("pre", [[30.0, 30.0, 30.0]])
    assert got["grad"] == [round(2 * 31 * np.e, 4)] * 3
    assert got["removed"] == ([("tensor", [3.0, 3.0, 3.0])], [round(30 * np.e, 4)] * 3)
    assert got["count"] == (
        "RuntimeError",
        "hook 'bad_count' has returned an incorrect number of values (got 2, but expected 1)",
    )
    assert got["not_tuple"] == ("TypeError", "expected tuple, but hook returned 'list'")


def test_node_hooks_match_torch():
    torch = pytest.importorskip("torch")
    assert _node_hook_results(mt) == _node_hook_results(torch)


def test_products_save_only_what_the_gradient_needs():
    # x needs no gradient, so neither matmul nor mul keeps w: changing w in place afterwards is fine (as torch)
    leaf = mt.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=mt.float64, requires_grad=True)
    x = mt.tensor([[0.5, -1.0]], dtype=mt.float64)
    w = leaf * 1.0
    y = (x @ w).sum() + (x * w).sum()
    w.add_(1.0)
    y.backward()
    np.testing.assert_allclose(leaf.grad.numpy(), [[1.0, -0.5], [-0.5, -2.0]])
    # ... while a saved operand that is needed is still checked
    z = (w * w).sum()
    w.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.backward()


def test_scalar_division_is_reciprocal_times_scalar_as_torch():
    x = mt.tensor([2.0, 4.0], requires_grad=True)
    y = 2.0 / x
    assert y.grad_fn.name() == "MulBackward0"
    assert [n.name() if n is not None else None for n, _ in y.grad_fn.next_functions] == ["ReciprocalBackward0", None]
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [-0.5, -0.125])
    # PyTorch computes s / x as reciprocal(x) * s, which rounds differently from a float32 division
    s = mt.tensor(0.27100008726119995)
    assert (0.1 / s).item() == 0.3690035939216614
