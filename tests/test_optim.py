"""Optimizers: trajectories against the documented update rules and PyTorch, state dicts, errors."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import microtorch as mt
import microtorch.optim as optim

RNG = np.random.default_rng(1234)
P0 = RNG.standard_normal((3, 4))
GRADS = [RNG.standard_normal((3, 4)) for _ in range(10)]

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.01)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1, maximize=True)),
    ("Adam", dict(lr=0.1)),
    ("Adam", dict(lr=0.05, betas=(0.8, 0.9), weight_decay=0.1, amsgrad=True)),
    ("Adam", dict(lr=0.05, maximize=True, eps=1e-3)),
    ("AdamW", dict(lr=0.1)),
    ("AdamW", dict(lr=0.1, weight_decay=0.3, amsgrad=True, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.1, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, initial_accumulator_value=0.2, weight_decay=0.1, maximize=True)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.5, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, momentum=0.3, centered=True, maximize=True)),
]


def _run_microtorch(name, kw, dtype=np.float64):
    p = mt.tensor(P0.astype(dtype), requires_grad=True)
    opt = getattr(optim, name)([p], **kw)
    traj = []
    for g in GRADS:
        p.grad = mt.tensor(g.astype(dtype))
        opt.step()
        traj.append(p.detach().numpy().copy())
    return p, opt, traj


# --- reference: the documented algorithms, written out elementwise in plain Python ---------
def _reference(name, kw):
    x = P0.copy()
    st: dict = {}
    out = []
    for t, g0 in enumerate(GRADS, start=1):
        g = -g0 if kw.get("maximize") else g0.copy()
        wd = kw.get("weight_decay", 0.01 if name == "AdamW" else 0.0)
        if name == "SGD":
            lr, mom, damp = kw["lr"], kw.get("momentum", 0), kw.get("dampening", 0)
            g = g + wd * x
            if mom:
                st["b"] = g.copy() if t == 1 else mom * st["b"] + (1 - damp) * g
                g = g + mom * st["b"] if kw.get("nesterov") else st["b"]
            x = x - lr * g
        elif name in ("Adam", "AdamW"):
            lr, (b1, b2), eps = kw["lr"], kw.get("betas", (0.9, 0.999)), kw.get("eps", 1e-8)
            if name == "AdamW":
                x = x * (1 - lr * wd)
            else:
                g = g + wd * x
            st["m"] = b1 * st.get("m", 0) + (1 - b1) * g
            st["v"] = b2 * st.get("v", 0) + (1 - b2) * g * g
            mhat = st["m"] / (1 - b1**t)
            v = st["v"]
            if kw.get("amsgrad"):
                st["vmax"] = np.maximum(st.get("vmax", 0), v)
                v = st["vmax"]
            x = x - lr * mhat / (np.sqrt(v / (1 - b2**t)) + eps)
        elif name == "Adadelta":
            lr, rho, eps = kw.get("lr", 1.0), kw.get("rho", 0.9), kw.get("eps", 1e-6)
            g = g + wd * x
            st["v"] = rho * st.get("v", 0) + (1 - rho) * g * g
            delta = np.sqrt(st.get("u", 0) + eps) / np.sqrt(st["v"] + eps) * g
            st["u"] = rho * st.get("u", 0) + (1 - rho) * delta * delta
            x = x - lr * delta
        elif name == "Adagrad":
            lr, decay, eps = kw["lr"], kw.get("lr_decay", 0), kw.get("eps", 1e-10)
            g = g + wd * x
            clr = lr / (1 + (t - 1) * decay)
            st["s"] = st.get("s", kw.get("initial_accumulator_value", 0)) + g * g
            x = x - clr * g / (np.sqrt(st["s"]) + eps)
        elif name == "RMSprop":
            lr, alpha, eps, mom = kw.get("lr", 0.01), kw.get("alpha", 0.99), kw.get("eps", 1e-8), kw.get("momentum", 0)
            g = g + wd * x
            st["v"] = alpha * st.get("v", 0) + (1 - alpha) * g * g
            v = st["v"]
            if kw.get("centered"):
                st["ga"] = alpha * st.get("ga", 0) + (1 - alpha) * g
                v = v - st["ga"] ** 2
            if mom > 0:
                st["b"] = mom * st.get("b", 0) + g / (np.sqrt(v) + eps)
                x = x - lr * st["b"]
            else:
                x = x - lr * g / (np.sqrt(v) + eps)
        out.append(x.copy())
    return out


@pytest.mark.parametrize("name,kw", CASES)
def test_ten_steps_match_documented_formula(name, kw):
    _, _, traj = _run_microtorch(name, kw)
    ref = _reference(name, kw)
    for step, (a, b) in enumerate(zip(traj, ref)):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-10, err_msg=f"{name} step {step}")


@pytest.mark.parametrize("name,kw", CASES)
def test_ten_steps_match_torch(name, kw):
    torch = pytest.importorskip("torch")
    p, opt, traj = _run_microtorch(name, kw)
    tp = torch.tensor(P0, requires_grad=True)
    topt = getattr(torch.optim, name)([tp], **kw)
    for step, g in enumerate(GRADS):
        tp.grad = torch.tensor(g)
        topt.step()
        np.testing.assert_allclose(traj[step], tp.detach().numpy(), rtol=0, atol=1e-10, err_msg=f"step {step}")
    # the state dicts agree too: same keys, same values, 'step' a float32 scalar tensor
    ours, theirs = opt.state_dict(), topt.state_dict()
    assert set(ours["state"]) == set(theirs["state"])
    for k, entry in theirs["state"].items():
        assert set(ours["state"][k]) == set(entry)
        for key, val in entry.items():
            mine = ours["state"][k][key]
            assert isinstance(mine, mt.Tensor)
            assert str(mine.dtype) == str(val.dtype)
            np.testing.assert_allclose(mine.numpy(), val.numpy(), rtol=0, atol=1e-10)
    assert ours["param_groups"] == theirs["param_groups"]


@pytest.mark.parametrize("name,kw", CASES[::3])
def test_float32_stays_float32_and_close_to_torch(name, kw):
    torch = pytest.importorskip("torch")
    p, _, traj = _run_microtorch(name, kw, dtype=np.float32)
    assert p.dtype == mt.float32
    tp = torch.tensor(P0.astype(np.float32), requires_grad=True)
    topt = getattr(torch.optim, name)([tp], **kw)
    for g in GRADS:
        tp.grad = torch.tensor(g.astype(np.float32))
        topt.step()
    np.testing.assert_allclose(traj[-1], tp.detach().numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name,kw", CASES[::2])
def test_step_is_in_place_and_bumps_version(name, kw):
    p = mt.tensor(P0.copy(), requires_grad=True)
    view = p.detach()
    opt = getattr(optim, name)([p], **kw)
    v0 = p._version
    for i, g in enumerate(GRADS[:3], start=1):
        p.grad = mt.tensor(g)
        opt.step()
        assert p._version == v0 + i
    assert np.shares_memory(view.numpy(), p.detach().numpy())
    assert not np.allclose(view.numpy(), P0)


def test_backward_through_a_stepped_parameter_raises():
    p = mt.tensor([1.0, 2.0], requires_grad=True)
    y = (p * p).sum()
    p.grad = mt.tensor([1.0, 1.0])
    optim.SGD([p], lr=0.1).step()
    with pytest.raises(RuntimeError):
        y.backward()


def test_params_without_grad_are_skipped_and_no_state():
    a = mt.tensor([1.0, 2.0], requires_grad=True)
    b = mt.tensor([3.0], requires_grad=True)
    opt = optim.Adam([a, b], lr=0.1)
    a.grad = mt.tensor([1.0, 1.0])
    opt.step()
    assert b.tolist() == [3.0] and b._version == 0
    assert b not in opt.state and a in opt.state


def test_per_group_options_and_defaults():
    a = mt.tensor([1.0], requires_grad=True)
    b = mt.tensor([1.0], requires_grad=True)
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5, "momentum": 0.9}], lr=0.1)
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[0]["momentum"] == 0
    assert opt.param_groups[1]["lr"] == 0.5 and opt.param_groups[1]["params"] == [b]
    a.grad = mt.tensor([1.0])
    b.grad = mt.tensor([1.0])
    opt.step()
    assert a.item() == pytest.approx(0.9) and b.item() == pytest.approx(0.5)
    c = mt.tensor([2.0], requires_grad=True)
    opt.add_param_group({"params": [c], "lr": 1.0})
    assert len(opt.param_groups) == 3 and opt.param_groups[2]["nesterov"] is False


def test_named_parameters_are_accepted():
    a = mt.tensor([1.0], requires_grad=True)
    opt = optim.SGD([("a", a)], lr=0.1)
    assert opt.param_groups[0]["params"] == [a] and opt.param_groups[0]["param_names"] == ["a"]


def test_zero_grad():
    p = mt.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    p.grad = mt.tensor([3.0, 4.0])
    g = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is g and g.tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert p.grad is None


def test_step_closure_returns_loss_with_grad_enabled():
    p = mt.tensor([2.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with mt.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 4.0
    assert p.item() == pytest.approx(1.0)


def test_training_a_linear_fit_converges():
    mt.manual_seed(0)
    x = mt.randn(64, 3, dtype=mt.float64)
    w_true = mt.tensor([[1.0], [-2.0], [0.5]], dtype=mt.float64)
    y = x @ w_true
    w = mt.zeros(3, 1, dtype=mt.float64, requires_grad=True)
    opt = optim.Adam([w], lr=0.1)
    for _ in range(300):
        opt.zero_grad()
        loss = ((x @ w - y) ** 2).mean()
        loss.backward()
        opt.step()
    np.testing.assert_allclose(w.detach().numpy(), w_true.numpy(), atol=1e-3)


# --- errors -------------------------------------------------------------------------------
def test_constructor_errors():
    p = mt.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        optim.SGD([p * 2], lr=0.1)
    with pytest.raises(ValueError, match=r"Invalid learning rate: -0.1"):
        optim.SGD([p], lr=-0.1)
    with pytest.raises(ValueError, match=r"Invalid learning rate: -0.1"):
        optim.Adam([p], lr=-0.1)
    with pytest.raises(TypeError, match="iterable of Tensors or dicts"):
        optim.SGD(p, lr=0.1)
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        optim.SGD([p, 3.0], lr=0.1)
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD([{"params": {p}}], lr=0.1)
    with pytest.raises(ValueError, match="Invalid momentum value: -1"):
        optim.SGD([p], lr=0.1, momentum=-1)
    with pytest.raises(ValueError, match="Nesterov momentum requires a momentum and zero dampening"):
        optim.SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="Invalid beta parameter at index 1: 1.0"):
        optim.Adam([p], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="Invalid epsilon value"):
        optim.AdamW([p], eps=-1e-8)
    with pytest.raises(ValueError, match="Invalid weight_decay value"):
        optim.RMSprop([p], weight_decay=-1)
    with pytest.raises(ValueError, match="Invalid rho value: 1.5"):
        optim.Adadelta([p], rho=1.5)
    with pytest.raises(ValueError, match="Invalid initial_accumulator_value value"):
        optim.Adagrad([p], initial_accumulator_value=-1)
    with pytest.raises(ValueError, match="Invalid alpha value"):
        optim.RMSprop([p], alpha=-0.5)


def test_errors_match_torch_classes():
    torch = pytest.importorskip("torch")
    for fn in (
        lambda T, p: T.optim.SGD([], lr=0.1),
        lambda T, p: T.optim.SGD([p * 2], lr=0.1),
        lambda T, p: T.optim.SGD([p], lr=-0.1),
        lambda T, p: T.optim.Adam([p], betas=(1.0, 0.9)),
        lambda T, p: T.optim.SGD([{"params": {p}}], lr=0.1),
    ):
        with pytest.raises(Exception) as theirs:
            fn(torch, torch.ones(1, requires_grad=True))
        with pytest.raises(Exception) as ours:
            fn(mt, mt.ones(1, requires_grad=True))
        assert type(ours.value) is type(theirs.value)
        assert str(ours.value) == str(theirs.value)


def test_add_param_group_errors_leave_optimizer_unchanged():
    a = mt.tensor([1.0], requires_grad=True)
    b = mt.tensor([1.0], requires_grad=True)
    opt = optim.SGD([a], lr=0.1)
    group = {"params": [b, a]}
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        opt.add_param_group(group)
    assert len(opt.param_groups) == 1 and "lr" not in group
    with pytest.raises(TypeError, match="param_group must be a dict"):
        opt.add_param_group([b])
    with pytest.raises(ValueError, match="can't optimize a non-leaf"):
        opt.add_param_group({"params": [b * 1]})
    assert len(opt.param_groups) == 1
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        opt.add_param_group({"params": [b, b]})
    assert any("duplicate parameters" in str(x.message) for x in w)


# --- state dicts --------------------------------------------------------------------------
def _trained(name="Adam", steps=3, **kw):
    p = mt.tensor(P0.copy(), requires_grad=True)
    q = mt.tensor([0.5, -0.5], dtype=mt.float64, requires_grad=True)
    opt = getattr(optim, name)([{"params": [p]}, {"params": [q], "lr": 0.01}], **kw)
    for g in GRADS[:steps]:
        p.grad = mt.tensor(g)
        q.grad = mt.tensor(g[0, :2])
        opt.step()
    return p, q, opt


def test_state_dict_layout():
    p, q, opt = _trained(amsgrad=True)
    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups"}
    assert [g["params"] for g in sd["param_groups"]] == [[0], [1]]
    assert sd["param_groups"][1]["lr"] == 0.01
    assert set(sd["state"]) == {0, 1}
    assert set(sd["state"][0]) == {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}
    step = sd["state"][0]["step"]
    assert isinstance(step, mt.Tensor) and step.dtype == mt.float32 and step.shape == () and step.item() == 3.0


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "Adadelta", "Adagrad", "RMSprop"])
def test_state_dict_round_trip_continues_identically(name):
    kw = {"momentum": 0.9} if name in ("SGD", "RMSprop") else {}
    kw.setdefault("lr", 0.1)
    p, q, opt = _trained(name, **kw)
    sd = opt.state_dict()
    p2 = mt.tensor(p.detach().numpy().copy(), requires_grad=True)
    q2 = mt.tensor(q.detach().numpy().copy(), requires_grad=True)
    opt2 = getattr(optim, name)([{"params": [p2]}, {"params": [q2]}], lr=0.5)
    opt2.load_state_dict(sd)
    assert opt2.param_groups[1]["lr"] == 0.01 and opt2.param_groups[0]["params"] == [p2]
    for g in GRADS[3:6]:
        for a, b in ((p, q), (p2, q2)):
            a.grad = mt.tensor(g)
            b.grad = mt.tensor(g[0, :2])
        opt.step()
        opt2.step()
    np.testing.assert_array_equal(p.detach().numpy(), p2.detach().numpy())
    np.testing.assert_array_equal(q.detach().numpy(), q2.detach().numpy())
    # loading copied the state: the first optimizer's buffers are not shared
    for entry in opt.state_dict()["state"].values():
        for v in entry.values():
            for e2 in opt2.state_dict()["state"].values():
                for v2 in e2.values():
                    assert v is not v2


def test_load_state_dict_casts_to_param_dtype():
    _, _, opt = _trained()
    sd = opt.state_dict()
    p = mt.tensor(P0.astype(np.float32), requires_grad=True)
    q = mt.tensor([0.0, 0.0], dtype=mt.float32, requires_grad=True)
    opt2 = optim.Adam([{"params": [p]}, {"params": [q]}])
    opt2.load_state_dict(sd)
    assert opt2.state[p]["exp_avg"].dtype == mt.float32
    assert opt2.state[p]["step"].dtype == mt.float32


def test_load_state_dict_errors_leave_state_unchanged():
    p, q, opt = _trained()
    before = opt.state_dict()
    before_vals = {k: {n: v.numpy().copy() for n, v in e.items()} for k, e in before["state"].items()}
    groups_before = [dict(g) for g in opt.param_groups]
    other_p, other_q, other = _trained(steps=5)
    good = other.state_dict()

    bad_groups = {"state": good["state"], "param_groups": good["param_groups"][:1]}
    with pytest.raises(ValueError, match="different number of parameter groups"):
        opt.load_state_dict(bad_groups)
    bad_size = {
        "state": good["state"],
        "param_groups": [good["param_groups"][0], {**good["param_groups"][1], "params": [1, 2]}],
    }
    with pytest.raises(ValueError, match="doesn't match the size"):
        opt.load_state_dict(bad_size)
    bad_shape = {
        "state": {0: dict(good["state"][0]), 1: {**good["state"][1], "exp_avg": mt.zeros(5, dtype=mt.float64)}},
        "param_groups": [{**g, "lr": 123.0} for g in good["param_groups"]],
    }
    with pytest.raises(ValueError, match="shape"):
        opt.load_state_dict(bad_shape)
    with pytest.raises(ValueError):
        opt.load_state_dict({"state": {}})
    after = opt.state_dict()
    assert [dict(g) for g in opt.param_groups] == groups_before
    for k, e in after["state"].items():
        for n, v in e.items():
            np.testing.assert_array_equal(v.numpy(), before_vals[k][n])


def test_load_torch_state_dict_and_continue_like_torch():
    torch = pytest.importorskip("torch")
    tp = torch.tensor(P0, requires_grad=True)
    topt = torch.optim.Adam([tp], lr=0.1, amsgrad=True)
    for g in GRADS[:4]:
        tp.grad = torch.tensor(g)
        topt.step()
    tsd = topt.state_dict()
    sd = {
        "state": {k: {n: mt.tensor(v.numpy()) for n, v in e.items()} for k, e in tsd["state"].items()},
        "param_groups": tsd["param_groups"],
    }
    p = mt.tensor(tp.detach().numpy().copy(), requires_grad=True)
    opt = optim.Adam([p], lr=0.1, amsgrad=True)
    opt.load_state_dict(sd)
    for g in GRADS[4:]:
        tp.grad = torch.tensor(g)
        p.grad = mt.tensor(g)
        topt.step()
        opt.step()
    np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), rtol=0, atol=1e-10)


def test_repr_lists_groups():
    p = mt.tensor([1.0], requires_grad=True)
    text = repr(optim.SGD([p], lr=0.1))
    assert text.startswith("SGD (") and "Parameter Group 0" in text and "lr: 0.1" in text


def test_adagrad_initial_state_exists_before_step():
    p = mt.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.Adagrad([p], initial_accumulator_value=0.5)
    st = opt.state[p]
    assert st["sum"].tolist() == [0.5, 0.5] and st["step"].item() == 0.0
    assert math.isclose(opt.param_groups[0]["lr"], 0.01)


def test_step_with_a_bad_gradient_changes_nothing():
    a = mt.tensor([1.0, 2.0], requires_grad=True)
    b = mt.tensor([3.0, 4.0], requires_grad=True)
    opt = optim.Adam([a, b], lr=0.1)
    a.grad = mt.tensor([1.0, 1.0])
    b._grad = mt.tensor([1.0, 1.0, 1.0])  # bypasses the setter's check
    with pytest.raises(RuntimeError, match="does not match"):
        opt.step()
    assert a.tolist() == [1.0, 2.0] and b.tolist() == [3.0, 4.0]
    assert a._version == 0 and len(opt.state) == 0


def test_user_defined_optimizer_in_pytorch_style():
    class SignSGD(optim.Optimizer):
        def __init__(self, params, lr=0.01):
            if lr < 0.0:
                raise ValueError(f"Invalid learning rate: {lr}")
            super().__init__(params, dict(lr=lr))

        @mt.no_grad()
        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    state = self.state[p]
                    state["count"] = state.get("count", 0) + 1
                    p.add_(p.grad.sign(), alpha=-group["lr"])

    p = mt.tensor([1.0, -1.0], requires_grad=True)
    opt = SignSGD([p], lr=0.25)
    p.grad = mt.tensor([3.0, -0.5])
    opt.step()
    assert p.tolist() == [0.75, -0.75] and p._version == 1
    sd = opt.state_dict()
    assert sd["state"] == {0: {"count": 1}} and sd["param_groups"] == [{"lr": 0.25, "params": [0]}]


def _hyper(draw, name):
    from hypothesis import strategies as st

    f = lambda lo, hi: draw(st.floats(lo, hi, allow_nan=False))  # noqa: E731
    kw = {"maximize": draw(st.booleans()), "weight_decay": draw(st.sampled_from([0.0, f(0.0, 0.5)]))}
    if name == "SGD":
        kw.update(lr=f(0.0, 1.0), momentum=draw(st.sampled_from([0.0, f(0.0, 0.99)])))
        if kw["momentum"] > 0 and draw(st.booleans()):
            kw["nesterov"] = True
        else:
            kw["dampening"] = f(0.0, 0.9)
    elif name in ("Adam", "AdamW"):
        kw.update(lr=f(1e-4, 0.5), betas=(f(0.0, 0.99), f(0.5, 0.9999)), eps=f(1e-8, 1e-2), amsgrad=draw(st.booleans()))
    elif name == "Adadelta":
        kw.update(lr=f(0.1, 2.0), rho=f(0.1, 0.99), eps=f(1e-7, 1e-3))
    elif name == "Adagrad":
        kw.update(lr=f(1e-3, 0.5), lr_decay=f(0.0, 0.1), initial_accumulator_value=f(0.0, 1.0), eps=f(1e-10, 1e-3))
    else:
        kw.update(lr=f(1e-4, 0.1), alpha=f(0.5, 0.999), momentum=f(0.0, 0.9), centered=draw(st.booleans()))
        kw["eps"] = f(1e-8, 1e-3)
    return kw


def test_random_hyperparameters_match_formula_and_torch():
    from hypothesis import given
    from hypothesis import strategies as st

    try:
        import torch
    except ImportError:
        torch = None

    names = ["SGD", "Adam", "AdamW", "Adadelta", "Adagrad", "RMSprop"]

    @given(st.data())
    def check(data):
        name = data.draw(st.sampled_from(names))
        kw = _hyper(data.draw, name)
        _, _, traj = _run_microtorch(name, kw)
        ref = _reference(name, kw)
        np.testing.assert_allclose(traj[-1], ref[-1], rtol=1e-9, atol=1e-10)
        if torch is not None:
            tp = torch.tensor(P0, requires_grad=True)
            topt = getattr(torch.optim, name)([tp], **kw)
            for g in GRADS:
                tp.grad = torch.tensor(g)
                topt.step()
            np.testing.assert_allclose(traj[-1], tp.detach().numpy(), rtol=1e-10, atol=1e-10)

    check()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"betas": (0, 0.99)}, "betas must be either both floats or both Tensors"),
        ({"betas": (0.9, mt.tensor(0.99))}, "betas must be either both floats or both Tensors"),
        ({"betas": (mt.tensor(0.9), mt.tensor(0.99)), "foreach": True}, r"betas\[0\] as a Tensor is not supported"),
        ({"lr": mt.tensor(0.001), "foreach": True}, "lr as a Tensor is not supported"),
    ],
)
def test_adam_rejects_tensor_hyperparameters_as_torch(kwargs, message):
    for cls in (mt.optim.Adam, mt.optim.AdamW):
        with pytest.raises(ValueError, match=message):
            cls([mt.nn.Parameter(mt.zeros(2))], **kwargs)


_DIFFERENTIABLE = [
    (optim.SGD, {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.1}),
    (optim.Adagrad, {"lr": 0.1, "lr_decay": 0.01}),
    (optim.Adadelta, {"lr": 0.5, "weight_decay": 0.1}),
    (optim.RMSprop, {"lr": 0.01, "momentum": 0.5, "centered": True}),
]


def _differentiable_run(lib, cls, kwargs, differentiable):
    """Three steps on a non-leaf copy of a leaf; returns final values and d(sum(p))/d(leaf)."""
    leaf = lib.tensor([1.0, -2.0, 0.5], dtype=lib.float64, requires_grad=True)
    p = leaf.clone() if differentiable else lib.nn.Parameter(leaf.detach().clone())
    opt = cls([p], differentiable=differentiable, **kwargs)
    for _ in range(3):
        g = lib.autograd.grad((p * 3.0).sum() + (p * p.detach()).sum(), p, create_graph=differentiable)[0]
        p.grad = g
        opt.step()
    grad = lib.autograd.grad((p * lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)).sum(), leaf)[0] if differentiable else None
    return p.detach().numpy().copy(), grad


@pytest.mark.parametrize("cls, kwargs", _DIFFERENTIABLE)
def test_differentiable_step_equals_the_plain_step(cls, kwargs):
    values, grad = _differentiable_run(mt, cls, kwargs, True)
    plain, _ = _differentiable_run(mt, cls, kwargs, False)
    np.testing.assert_allclose(values, plain, rtol=1e-12)
    assert grad is not None and grad.shape == (3,)


@pytest.mark.parametrize("cls, kwargs", _DIFFERENTIABLE)
def test_differentiable_step_gradient_against_torch(cls, kwargs):
    torch = pytest.importorskip("torch")
    values, grad = _differentiable_run(mt, cls, kwargs, True)
    t_values, t_grad = _differentiable_run(torch, getattr(torch.optim, cls.__name__), kwargs, True)
    np.testing.assert_allclose(values, t_values, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grad.numpy(), t_grad.numpy(), rtol=1e-9, atol=1e-12)


def test_differentiable_step_on_a_leaf_raises_as_torch():
    p = mt.nn.Parameter(mt.ones(2, dtype=mt.float64))
    p.grad = mt.ones(2, dtype=mt.float64)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        optim.SGD([p], lr=0.1, differentiable=True).step()
