"""Learning-rate schedulers: sequences against PyTorch and against the closed-form formulas."""

from __future__ import annotations

import math
import warnings

import pytest

import microtorch as mt
import microtorch.optim as optim
from microtorch.optim import lr_scheduler as lrs

STEPS = 40


def _opt(lib, kind="SGD"):
    a = lib.zeros(2, requires_grad=True)
    b = lib.zeros(3, requires_grad=True)
    groups = [{"params": [a]}, {"params": [b], "lr": 0.05}]
    if kind == "SGD":
        return lib.optim.SGD(groups, lr=0.1, momentum=0.9)
    return lib.optim.Adam(groups, lr=0.1)


SCHEDULERS = [
    ("StepLR", dict(step_size=3, gamma=0.5), "SGD"),
    ("MultiStepLR", dict(milestones=[5, 10, 10, 20], gamma=0.3), "SGD"),
    ("ExponentialLR", dict(gamma=0.9), "SGD"),
    ("CosineAnnealingLR", dict(T_max=10, eta_min=0.001), "SGD"),
    ("CosineAnnealingLR", dict(T_max=7), "Adam"),
    ("OneCycleLR", dict(max_lr=1.0, total_steps=STEPS + 1), "SGD"),
    ("OneCycleLR", dict(max_lr=[1.0, 0.5], total_steps=STEPS + 1, anneal_strategy="linear"), "Adam"),
    ("OneCycleLR", dict(max_lr=0.3, epochs=5, steps_per_epoch=9, three_phase=True, pct_start=0.25), "SGD"),
    ("OneCycleLR", dict(max_lr=0.3, total_steps=50, cycle_momentum=False, div_factor=10.0), "Adam"),
    ("ConstantLR", dict(factor=0.25, total_iters=6), "SGD"),
    ("LinearLR", dict(start_factor=0.1, end_factor=0.9, total_iters=12), "SGD"),
    ("LinearLR", dict(), "Adam"),
    ("PolynomialLR", dict(total_iters=25, power=2.0), "SGD"),
    ("MultiplicativeLR", dict(lr_lambda=lambda e: 0.9 if e % 2 else 1.01), "SGD"),
    ("CosineAnnealingWarmRestarts", dict(T_0=5), "SGD"),
    ("CosineAnnealingWarmRestarts", dict(T_0=3, T_mult=2, eta_min=0.01), "Adam"),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=4), "SGD"),
    ("CyclicLR", dict(base_lr=[0.01, 0.02], max_lr=[0.1, 0.3], step_size_up=3, step_size_down=5), "Adam"),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=4, mode="triangular2", base_momentum=0.7), "SGD"),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=3, mode="exp_range", gamma=0.95), "Adam"),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=2, scale_fn=lambda x: 0.5**x), "SGD"),
    (
        "CyclicLR",
        dict(base_lr=0.01, max_lr=0.1, step_size_up=5, scale_fn=lambda x: 1 / (1 + 0.1 * x), scale_mode="iterations"),
        "SGD",
    ),
    ("CyclicLR", dict(base_lr=0.05, max_lr=0.2, step_size_up=3, cycle_momentum=False), "SGD"),
]


def _sequence(lib, name, kw, kind):
    opt = _opt(lib, kind)
    sched = getattr(lib.optim.lr_scheduler, name)(opt, **kw)
    out = [(list(sched.get_last_lr()), _momenta(opt))]
    for _ in range(STEPS):
        opt.step()
        sched.step()
        out.append((list(sched.get_last_lr()), _momenta(opt)))
    return out


def _momenta(opt):
    return [g["betas"][0] if "betas" in g else g.get("momentum") for g in opt.param_groups]


@pytest.mark.parametrize("name,kw,kind", SCHEDULERS)
def test_sequence_matches_torch(name, kw, kind):
    torch = pytest.importorskip("torch")
    ours = _sequence(mt, name, kw, kind)
    theirs = _sequence(torch, name, kw, kind)
    for step, ((lr_a, m_a), (lr_b, m_b)) in enumerate(zip(ours, theirs)):
        assert lr_a == pytest.approx(lr_b, rel=1e-12, abs=1e-15), f"lr at step {step}"
        assert m_a == pytest.approx(m_b, rel=1e-12, abs=1e-15), f"momentum at step {step}"


def test_lambda_lr_matches_torch_and_formula():
    torch = pytest.importorskip("torch")
    lambdas = [lambda e: 0.95**e, lambda e: 1.0 / (1 + e)]
    seqs = []
    for lib in (mt, torch):
        opt = _opt(lib)
        s = lib.optim.lr_scheduler.LambdaLR(opt, lambdas)
        seq = [s.get_last_lr()]
        for _ in range(STEPS):
            opt.step()
            s.step()
            seq.append(s.get_last_lr())
        seqs.append(seq)
    for a, b in zip(*seqs):
        assert a == pytest.approx(b, rel=1e-15)
    assert seqs[0][10] == pytest.approx([0.1 * 0.95**10, 0.05 / 11], rel=1e-15)


PLATEAU = [
    dict(),
    dict(mode="max", factor=0.5, patience=2, threshold=0.1, threshold_mode="abs"),
    dict(factor=0.5, patience=1, cooldown=2, min_lr=[0.02, 0.03]),
    dict(mode="min", factor=0.2, patience=0, threshold=0.05, min_lr=1e-4, eps=1e-3),
]
METRICS = [5.0, 4.0, 4.0, 3.999, 4.2, 4.1, 3.0, 3.0, 3.0, 3.0, 2.0] + [2.0 + 0.01 * i for i in range(30)]


@pytest.mark.parametrize("kw", PLATEAU)
def test_reduce_on_plateau_matches_torch(kw):
    torch = pytest.importorskip("torch")
    seqs = []
    for lib in (mt, torch):
        opt = _opt(lib)
        s = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **kw)
        seq = []
        for m in METRICS:
            opt.step()
            s.step(m)
            seq.append((list(s.get_last_lr()), s.num_bad_epochs, s.cooldown_counter, s.best))
        seqs.append(seq)
    for a, b in zip(*seqs):
        assert a[0] == pytest.approx(b[0], rel=1e-15) and a[1:] == b[1:]


# --- against the formulas, no torch needed -----------------------------------------------------
def _run(sched, opt, n=STEPS):
    seq = [sched.get_last_lr()[0]]
    for _ in range(n):
        opt.step()
        sched.step()
        seq.append(sched.get_last_lr()[0])
    return seq


def test_step_multistep_exponential_closed_forms():
    opt = _opt(mt)
    seq = _run(lrs.StepLR(opt, step_size=4, gamma=0.5), opt)
    assert seq == pytest.approx([0.1 * 0.5 ** (e // 4) for e in range(STEPS + 1)], rel=1e-12)
    opt = _opt(mt)
    seq = _run(lrs.MultiStepLR(opt, milestones=[3, 8, 8], gamma=0.1), opt)
    expect = [0.1 * 0.1 ** (int(e >= 3) + 2 * int(e >= 8)) for e in range(STEPS + 1)]
    assert seq == pytest.approx(expect, rel=1e-12)
    opt = _opt(mt)
    seq = _run(lrs.ExponentialLR(opt, gamma=0.8), opt)
    assert seq == pytest.approx([0.1 * 0.8**e for e in range(STEPS + 1)], rel=1e-12)


def test_cosine_recursive_form_follows_the_cosine_curve():
    opt = _opt(mt)
    T, lo = 12, 0.002
    seq = _run(lrs.CosineAnnealingLR(opt, T_max=T, eta_min=lo), opt)
    for e in range(STEPS + 1):
        assert seq[e] == pytest.approx(lo + (0.1 - lo) * (1 + math.cos(math.pi * e / T)) / 2, abs=1e-12)
    assert seq[T] == pytest.approx(lo) and seq[2 * T] == pytest.approx(0.1)


def test_one_cycle_endpoints():
    opt = _opt(mt)
    total = 30
    s = lrs.OneCycleLR(opt, max_lr=2.0, total_steps=total, pct_start=0.3)
    seq = _run(s, opt, total - 1)
    assert seq[0] == pytest.approx(2.0 / 25)
    peak = int(0.3 * total) - 1
    assert seq[peak] == pytest.approx(2.0) and max(seq) == pytest.approx(2.0)
    assert seq[-1] == pytest.approx(2.0 / 25 / 1e4)
    assert opt.param_groups[0]["momentum"] == pytest.approx(0.95)
    with pytest.raises(ValueError, match="Tried to step 31 times"):
        opt.step()
        s.step()
        s.step()


def test_reduce_on_plateau_by_hand():
    opt = _opt(mt)
    s = lrs.ReduceLROnPlateau(opt, factor=0.5, patience=2, min_lr=0.02)
    lrs_seen = []
    for m in [1.0, 1.0, 1.0, 1.0, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6]:
        s.step(m)
        lrs_seen.append(s.get_last_lr())
    # bad epochs after the first: 1, 2, 3 -> reduce at the 4th metric; 0.5 improves; then 3 bad -> reduce
    assert [x[0] for x in lrs_seen] == pytest.approx([0.1] * 3 + [0.05] * 4 + [0.025] * 3 + [0.02] * 2)
    assert lrs_seen[-1][1] == pytest.approx(0.02)


def test_state_dict_round_trip_resumes():
    opt = _opt(mt)
    s = lrs.CosineAnnealingLR(opt, T_max=9)
    for _ in range(5):
        opt.step()
        s.step()
    sd = s.state_dict()
    assert "optimizer" not in sd and sd["last_epoch"] == 5 and sd["base_lrs"] == [0.1, 0.05]
    opt2 = _opt(mt)
    opt2.load_state_dict(opt.state_dict())
    s2 = lrs.CosineAnnealingLR(opt2, T_max=100, last_epoch=-1)
    s2.load_state_dict(sd)
    for _ in range(10):
        s.step()
        s2.step()
        assert s2.get_last_lr() == s.get_last_lr()


def test_initial_lr_and_resume_errors():
    opt = _opt(mt)
    lrs.StepLR(opt, step_size=2)
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.05]
    with pytest.raises(KeyError, match="initial_lr"):
        lrs.StepLR(_opt(mt), step_size=2, last_epoch=3)


def test_explicit_epoch_uses_closed_form_with_warning():
    opt = _opt(mt)
    s = lrs.StepLR(opt, step_size=2, gamma=0.5)
    opt.step()
    with pytest.warns(UserWarning, match="epoch parameter"):
        s.step(6)
    assert s.get_last_lr() == pytest.approx([0.1 * 0.125, 0.05 * 0.125])


def test_scheduler_errors():
    with pytest.raises(TypeError, match="is not an Optimizer"):
        lrs.StepLR(object(), step_size=2)
    opt = _opt(mt)
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        lrs.ReduceLROnPlateau(opt, factor=1.5)
    with pytest.raises(ValueError, match="mode bad is unknown"):
        lrs.ReduceLROnPlateau(opt, mode="bad")
    with pytest.raises(ValueError, match="expected 2 min_lrs"):
        lrs.ReduceLROnPlateau(opt, min_lr=[0.1])
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas"):
        lrs.LambdaLR(opt, [lambda e: 1.0])
    with pytest.raises(ValueError, match="total_steps OR"):
        lrs.OneCycleLR(opt, max_lr=1.0)
    with pytest.raises(ValueError, match="anneal_strategy"):
        lrs.OneCycleLR(opt, max_lr=1.0, total_steps=10, anneal_strategy="exp")
    with pytest.raises(ValueError, match="max_lr must have the same length"):
        lrs.OneCycleLR(opt, max_lr=[1.0, 2.0, 3.0], total_steps=10)
    p = mt.zeros(1, requires_grad=True)
    with pytest.raises(ValueError, match="momentum or beta1"):
        lrs.OneCycleLR(optim.Adagrad([p]), max_lr=1.0, total_steps=10)
    # a rejected OneCycleLR left the groups alone
    assert "max_lr" not in opt.param_groups[0] and opt.param_groups[0]["lr"] == 0.1


def test_sequential_lr_warmup_then_cosine_matches_torch():
    torch = pytest.importorskip("torch")
    seqs = []
    for lib in (mt, torch):
        opt = _opt(lib)
        S = lib.optim.lr_scheduler
        warm = S.LinearLR(opt, start_factor=0.1, total_iters=5)
        cos = S.CosineAnnealingLR(opt, T_max=20, eta_min=0.001)
        seq_s = S.SequentialLR(opt, [warm, cos], milestones=[5])
        seq = [list(seq_s.get_last_lr())]
        for _ in range(STEPS):
            opt.step()
            seq_s.step()
            seq.append(list(seq_s.get_last_lr()))
        seqs.append(seq)
    for step, (a, b) in enumerate(zip(*seqs)):
        assert a == pytest.approx(b, rel=1e-12), f"step {step}"


def test_warmup_closed_forms():
    opt = _opt(mt)
    seq = _run(lrs.LinearLR(opt, start_factor=0.2, end_factor=1.0, total_iters=8), opt)
    assert seq == pytest.approx([0.1 * (0.2 + 0.8 * min(e, 8) / 8) for e in range(STEPS + 1)], rel=1e-12)
    opt = _opt(mt)
    seq = _run(lrs.PolynomialLR(opt, total_iters=10, power=3.0), opt)
    assert seq == pytest.approx([0.1 * (1 - min(e, 10) / 10) ** 3 for e in range(STEPS + 1)], rel=1e-9, abs=1e-15)
    opt = _opt(mt)
    seq = _run(lrs.ConstantLR(opt, factor=0.5, total_iters=4), opt)
    assert seq == pytest.approx([0.05 if e < 4 else 0.1 for e in range(STEPS + 1)], rel=1e-12)


def test_order_warning_when_scheduler_steps_first():
    opt = _opt(mt)
    s = lrs.StepLR(opt, step_size=2)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        s.step()
    opt = _opt(mt)
    s = lrs.StepLR(opt, step_size=2)
    opt.step()
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s.step()


# --- CosineAnnealingWarmRestarts, CyclicLR, ChainedScheduler ----------------------------------
def test_warm_restarts_with_fractional_epochs_match_torch():
    torch = pytest.importorskip("torch")
    epochs = [0.0, 0.5, 1.25, 2.99, 3.0, 4.7, 9.0, 9.5, 20.0, 21.3, 44.9, 2.0, 0.0]
    for kw in (dict(T_0=3), dict(T_0=3, T_mult=2, eta_min=0.005)):
        seqs = []
        for lib in (mt, torch):
            opt = _opt(lib)
            s = lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, **kw)
            seq = []
            for e in epochs:
                opt.step()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    s.step(e)
                seq.append((list(s.get_last_lr()), s.T_cur, s.T_i, s.last_epoch))
            seqs.append(seq)
        for (a, ta, ia, la), (b, tb, ib, lb) in zip(*seqs):
            assert a == pytest.approx(b, rel=1e-12) and (ta, ia, la) == pytest.approx((tb, ib, lb), rel=1e-12)


def test_warm_restarts_follow_the_restarting_cosine():
    opt = _opt(mt)
    s = lrs.CosineAnnealingWarmRestarts(opt, T_0=4, T_mult=2, eta_min=0.01)
    seq = _run(s, opt, 27)
    starts = [0, 4, 12]  # cycles of 4, 8, 16 epochs
    for e, lr in enumerate(seq):
        start = max(x for x in starts if x <= e)
        length = 4 * 2 ** starts.index(start)
        assert lr == pytest.approx(0.01 + 0.09 * (1 + math.cos(math.pi * (e - start) / length)) / 2, abs=1e-12)
    assert seq[4] == pytest.approx(0.1) and seq[12] == pytest.approx(0.1)


def test_warm_restarts_errors():
    opt = _opt(mt)
    with pytest.raises(ValueError, match="Expected positive integer T_0, but got 0"):
        lrs.CosineAnnealingWarmRestarts(opt, T_0=0)
    with pytest.raises(ValueError, match="Expected positive integer T_0, but got 2.5"):
        lrs.CosineAnnealingWarmRestarts(opt, T_0=2.5)
    with pytest.raises(ValueError, match="Expected integer T_mult >= 1, but got 0"):
        lrs.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=0)
    with pytest.raises(ValueError, match="Expected float or int eta_min"):
        lrs.CosineAnnealingWarmRestarts(opt, T_0=2, eta_min="0")
    s = lrs.CosineAnnealingWarmRestarts(opt, T_0=2)
    with pytest.raises(ValueError, match="Expected non-negative epoch, but got -1"):
        s.step(-1)


def test_cyclic_triangular_by_hand_and_momentum_cycles_opposite():
    opt = _opt(mt)
    s = lrs.CyclicLR(opt, base_lr=0.01, max_lr=0.05, step_size_up=2, step_size_down=4)
    lr_seen, mom_seen = [s.get_last_lr()[0]], [opt.param_groups[0]["momentum"]]
    for _ in range(12):
        opt.step()
        s.step()
        lr_seen.append(s.get_last_lr()[0])
        mom_seen.append(opt.param_groups[0]["momentum"])
    expect = [0.01, 0.03, 0.05, 0.04, 0.03, 0.02, 0.01, 0.03, 0.05, 0.04, 0.03, 0.02, 0.01]
    assert lr_seen == pytest.approx(expect, abs=1e-12)
    # momentum: 0.9 at the base rate, 0.8 at the peak
    assert mom_seen == pytest.approx([0.9 - 0.1 * (lr - 0.01) / 0.04 for lr in expect], abs=1e-12)
    assert opt.param_groups[0]["max_momentum"] == 0.9 and opt.param_groups[0]["base_momentum"] == 0.8


def test_cyclic_triangular2_halves_each_cycle():
    opt = _opt(mt)
    s = lrs.CyclicLR(opt, base_lr=0.0, max_lr=1.0, step_size_up=2, mode="triangular2", cycle_momentum=False)
    peaks = []
    for i in range(1, 13):
        opt.step()
        s.step()
        if i % 4 == 2:
            peaks.append(s.get_last_lr()[0])
    assert peaks == pytest.approx([1.0, 0.5, 0.25])


def test_cyclic_state_dict_round_trip_and_custom_scale_object():
    class Halving:
        def __init__(self):
            self.factor = 0.5

        def __call__(self, x):
            return self.factor**x

    opt = _opt(mt)
    s = lrs.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=3, scale_fn=Halving())
    for _ in range(5):
        opt.step()
        s.step()
    sd = s.state_dict()
    assert sd["_scale_fn_custom"] == {"factor": 0.5} and "_scale_fn_ref" not in sd and "optimizer" not in sd
    opt2 = _opt(mt)
    s2 = lrs.CyclicLR(opt2, base_lr=0.01, max_lr=0.1, step_size_up=3, scale_fn=Halving())
    s2.load_state_dict(sd)
    for _ in range(8):
        s.step()
        s2.step()
        assert s2.get_last_lr() == s.get_last_lr()
    plain = lrs.CyclicLR(_opt(mt), base_lr=0.01, max_lr=0.1, mode="exp_range", gamma=0.9)
    sd = plain.state_dict()
    assert sd["_scale_fn_custom"] is None and "_scale_fn_ref" not in sd
    plain.load_state_dict(sd)
    assert plain.scale_fn(2) == pytest.approx(0.81)


def test_cyclic_errors():
    opt = _opt(mt)
    with pytest.raises(ValueError, match="mode is invalid and scale_fn is None"):
        lrs.CyclicLR(opt, base_lr=0.01, max_lr=0.1, mode="sawtooth")
    with pytest.raises(ValueError, match="base_lr must have the same length as optimizer.param_groups"):
        lrs.CyclicLR(opt, base_lr=[0.01], max_lr=0.1)
    p = mt.zeros(1, requires_grad=True)
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        lrs.CyclicLR(optim.Adagrad([p]), base_lr=0.01, max_lr=0.1)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        lrs.CyclicLR(None, base_lr=0.01, max_lr=0.1)


def _chained(lib):
    opt = _opt(lib)
    S = lib.optim.lr_scheduler
    chain = S.ChainedScheduler([S.ConstantLR(opt, factor=0.1, total_iters=3), S.ExponentialLR(opt, gamma=0.9)])
    return opt, chain


def test_chained_scheduler_matches_torch():
    torch = pytest.importorskip("torch")
    seqs = []
    for lib in (mt, torch):
        opt, chain = _chained(lib)
        seq = [list(chain.get_last_lr())]
        for _ in range(STEPS):
            opt.step()
            chain.step()
            seq.append(list(chain.get_last_lr()))
        seqs.append(seq)
    for step, (a, b) in enumerate(zip(*seqs)):
        assert a == pytest.approx(b, rel=1e-12), f"step {step}"


def test_chained_scheduler_composes_and_round_trips():
    opt, chain = _chained(mt)
    seq = _run(chain, opt, 6)
    assert seq == pytest.approx([0.1 * (0.1 if e < 3 else 1.0) * 0.9**e for e in range(7)], rel=1e-12)
    sd = chain.state_dict()
    assert len(sd["_schedulers"]) == 2 and sd["_schedulers"][1]["gamma"] == 0.9 and "optimizer" not in sd
    opt2, chain2 = _chained(mt)
    opt2.load_state_dict(opt.state_dict())
    chain2.load_state_dict(sd)
    assert "_schedulers" in sd  # left as given
    for _ in range(5):
        chain.step()
        chain2.step()
        assert chain2.get_last_lr() == chain.get_last_lr()


def test_chained_scheduler_errors():
    opt = _opt(mt)
    with pytest.raises(ValueError, match="expects at least one scheduler to be chained"):
        lrs.ChainedScheduler([])
    with pytest.raises(TypeError, match="at index 0 should have `optimizer` as its attribute"):
        lrs.ChainedScheduler([object()], optimizer=opt)
    with pytest.raises(ValueError, match="does not support `ReduceLROnPlateau`"):
        lrs.ChainedScheduler([lrs.ReduceLROnPlateau(opt)])
    with pytest.raises(ValueError, match="expects all schedulers to belong to the same optimizer"):
        lrs.ChainedScheduler([lrs.StepLR(opt, 2), lrs.StepLR(_opt(mt), 2)])


def test_every_torch_scheduler_class_exists():
    torch = pytest.importorskip("torch")
    missing = [n for n in torch.optim.lr_scheduler.__all__ if not hasattr(lrs, n)]
    assert missing == []


COMPOSED = [
    lambda S, o: S.SequentialLR(
        o, [S.CosineAnnealingWarmRestarts(o, T_0=4), S.CyclicLR(o, 0.01, 0.1, step_size_up=3)], milestones=[7]
    ),
    lambda S, o: S.SequentialLR(
        o, [S.LinearLR(o, 0.1, total_iters=5), S.CosineAnnealingWarmRestarts(o, T_0=4, T_mult=2)], milestones=[5]
    ),
    lambda S, o: S.ChainedScheduler([S.CosineAnnealingWarmRestarts(o, T_0=4), S.ExponentialLR(o, 0.9)]),
    lambda S, o: S.ChainedScheduler([S.CyclicLR(o, 0.01, 0.1, step_size_up=3), S.ExponentialLR(o, 0.9)]),
]


@pytest.mark.parametrize("make", COMPOSED)
def test_new_schedulers_compose_like_torch(make):
    torch = pytest.importorskip("torch")
    seqs = []
    for lib in (mt, torch):
        opt = _opt(lib)
        sched = make(lib.optim.lr_scheduler, opt)
        seq = [(list(sched.get_last_lr()), _momenta(opt))]
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # neither library warns on these sequences
            for _ in range(STEPS):
                opt.step()
                sched.step()
                seq.append((list(sched.get_last_lr()), _momenta(opt)))
        seqs.append(seq)
    for step, (a, b) in enumerate(zip(*seqs)):
        assert a[0] == pytest.approx(b[0], rel=1e-12) and a[1] == pytest.approx(b[1], rel=1e-12), f"step {step}"
