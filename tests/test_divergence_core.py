"""pytest on thermo_core for the divergence page: the book's printed log, schedules, the
clipped path, per-direction step factors, the batched sweep and thinning."""

from __future__ import annotations

import itertools
import math

import pytest
import torch
from reference import T_U32, grad64, hessian_eigs64, lstsq64, mse64

import thermo_core as tc
from thermo_core.lessons import divergence as dv
from thermo_core.lessons import loss_surface as ls
from thermo_core.numbers import fmt

# The book's printed output (dlwpt-code p1ch5/1_parameter_estimation.ipynb, In [17] and In [21]).
BOOK_RAW_1E2 = [
    "Epoch 1, Loss 1763.884644",
    "    Params: tensor([-44.1730,  -0.8260])",
    "    Grad:   tensor([4517.2969,   82.6000])",
    "Epoch 2, Loss 5802485.500000",
    "    Params: tensor([2568.4014,   45.1637])",
    "    Grad:   tensor([-261257.4219,   -4598.9712])",
    "Epoch 3, Loss 19408035840.000000",
    "    Params: tensor([-148527.7344,   -2616.3933])",
    "    Grad:   tensor([15109614.0000,   266155.7188])",
    "...",
    "Epoch 10, Loss 90901154706620645225508955521810432.000000",
    "    Params: tensor([3.2144e+17, 5.6621e+15])",
    "    Grad:   tensor([-3.2700e+19, -5.7600e+17])",
    "Epoch 11, Loss inf",
    "    Params: tensor([-1.8590e+19, -3.2746e+17])",
    "    Grad:   tensor([1.8912e+21, 3.3313e+19])",
]
XS_SCALE = [0.1 * x for x in T_U32]


@pytest.fixture(scope="module")
def data():
    return tc.load_readings()


# ---- the book's log ----------------------------------------------------------------------
def test_book_log_raw_lr_1e2_is_the_books_output_line_for_line():
    log = dv.book_log(tc.book(), "none", 1e-2, 100)
    assert list(log.lines) == BOOK_RAW_1E2
    assert log.stopped_at == 11


def test_book_log_raw_lr_1e4_hundred_epochs():
    log = dv.book_log(tc.book(), "none", 1e-4, 100)
    assert log.lines[-3:] == (
        "Epoch 100, Loss 29.022669",
        "    Params: tensor([ 0.2327, -0.0438])",
        "    Grad:   tensor([-0.0532,  3.0226])",
    )
    assert log.stopped_at is None
    # and against plain float64 gradient descent (independent of the float32 ordering)
    w, b = 1.0, 0.0
    for _ in range(100):
        gw, gb = grad64(w, b)
        w, b = w - 1e-4 * gw, b - 1e-4 * gb
    assert log.params.tolist() == pytest.approx([w, b], abs=2e-4)


def test_book_log_scaled_5000_epochs():
    log = dv.book_log(tc.book(), "scale", 1e-2, 5000, print_params=False)
    assert log.lines[-2:] == ("Epoch 4000, Loss 2.927680", "Epoch 5000, Loss 2.927648")
    assert [round(v, 4) for v in log.params.tolist()] == [5.3671, -17.3012]


def test_train_history_agrees_with_the_book_log(data):
    """The loss column of tc.train is the number after "Epoch k, Loss" (before the k-th update)."""
    t_u, t_c = data
    run = tc.train(t_u, t_c, optimizer="manual", lr=1e-2, epochs=100, schedule="constant")
    book = [float(line.split("Loss ")[1]) for line in BOOK_RAW_1E2 if line.startswith("Epoch")]
    ours = run.history["loss"].tolist()
    for k, value in zip([1, 2, 3, 10, 11], book, strict=True):
        assert ours[k - 1] == pytest.approx(value, rel=1e-6) or (
            math.isinf(value) and math.isinf(ours[k - 1])
        )
    assert run.history["lr"].tolist() == [1e-2] * 11


# ---- schedules ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("schedule", "kw", "expected"),
    [
        ("StepLR", {"step_size": 7, "gamma": 0.5}, lambda k: 0.02 * 0.5 ** ((k - 1) // 7)),
        ("ExponentialLR", {"gamma": 0.97}, lambda k: 0.02 * 0.97 ** (k - 1)),
        (
            "CosineAnnealingLR",
            {"T_max": 40},
            lambda k: 0.01 * (1 + math.cos(math.pi * (k - 1) / 40)),
        ),
    ],
)
def test_schedule_lr_column_follows_closed_form_for_both_rules(data, schedule, kw, expected):
    t_u, t_c = data
    x = tc.normalize(t_u, "scale")
    runs = [
        tc.train(x, t_c, optimizer=rule, lr=0.02, epochs=40, schedule=schedule, schedule_kwargs=kw)
        for rule in ("manual", "SGD")
    ]
    for run in runs:
        assert run.history["lr"].tolist() == pytest.approx(
            [expected(k) for k in range(1, 41)], rel=1e-9
        )
    # each epoch's update used that epoch's lr: replay in float64
    w, b = 1.0, 0.0
    for k in range(1, 41):
        gw, gb = grad64(w, b, XS_SCALE)
        w, b = w - expected(k) * gw, b - expected(k) * gb
    for run in runs:
        assert run.params.tolist() == pytest.approx([w, b], rel=1e-4, abs=1e-4)


def test_manual_and_sgd_agree_with_and_without_schedule(data):
    t_u, t_c = data
    x = tc.normalize(t_u, "scale")
    for schedule in (None, "ExponentialLR"):
        a = tc.train(x, t_c, optimizer="manual", lr=0.02, epochs=800, schedule=schedule)
        b = tc.train(x, t_c, optimizer="SGD", lr=0.02, epochs=800, schedule=schedule)
        assert a.params.tolist() == pytest.approx(b.params.tolist(), rel=1e-5, abs=1e-5)
        assert a.history["loss"].tolist() == pytest.approx(b.history["loss"].tolist(), rel=1e-5)
    raw_a = tc.train(t_u, t_c, optimizer="manual", lr=1e-2, epochs=50)
    raw_b = tc.train(t_u, t_c, optimizer="SGD", lr=1e-2, epochs=50)
    assert raw_a.diverged_at == raw_b.diverged_at == 11


def test_plateau_schedule_matches_a_plain_torch_loop(data):
    """Our loop vs the textbook loop with the real scheduler attached (autograd, no shortcuts)."""
    t_u, t_c = data
    x = tc.normalize(t_u, "scale")
    kw = {"factor": 0.5, "patience": 3, "threshold": 0.0}
    run = tc.train(
        x,
        t_c,
        optimizer="SGD",
        lr=0.06,
        epochs=300,
        schedule="ReduceLROnPlateau",
        schedule_kwargs=kw,
    )
    params = torch.tensor([1.0, 0.0], requires_grad=True)
    opt = torch.optim.SGD([params], lr=0.06)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, **kw)
    lrs = []
    for _ in range(300):
        lrs.append(opt.param_groups[0]["lr"])
        loss = ((params[0] * x + params[1] - t_c) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step(loss.item())
    assert run.history["lr"].tolist() == lrs
    assert run.params.tolist() == pytest.approx(params.detach().tolist(), rel=1e-4, abs=1e-4)


def test_schedule_preset_rescues_a_rate_that_diverges_when_constant(data):
    p = dv.SCHEDULE_PRESET
    x, _t_c = dv.inputs(tc.book(), p["mode"])
    assert p["lr"] > tc.critical_lr(x)
    constant = dv.run_lesson(tc.book(), p["mode"], p["lr"], p["epochs"], "manual", "constant")
    assert constant.run.diverged_at == 44
    assert constant.verdict.code == "diverging" and constant.verdict.growth == math.inf
    rescued = dv.run_lesson(tc.book(),
        p["mode"],
        p["lr"],
        p["epochs"],
        "manual",
        p["schedule"],
        factor=p["factor"],
        patience=p["patience"],
        threshold=p["threshold"],
    )
    h = rescued.run.history
    assert rescued.run.diverged_at is None
    assert h["loss"].max() > 1e5  # it overshoots first ...
    w, b = lstsq64(XS_SCALE)
    assert rescued.run.final_loss == pytest.approx(
        mse64(w, b, XS_SCALE), rel=1e-3
    )  # ... then converges
    assert h["lr"].iloc[0] == p["lr"] and h["lr"].iloc[-1] < tc.critical_lr(x)


def test_bad_schedule_settings_are_clear_errors(data):
    t_u, t_c = data
    with pytest.raises(ValueError, match="allowed: constant, StepLR"):
        tc.train(t_u, t_c, schedule="Linear")
    with pytest.raises(ValueError, match="bad settings for StepLR"):
        tc.train(t_u, t_c, schedule="StepLR", schedule_kwargs={"step_sizes": 3})
    with pytest.raises(ValueError, match="needs a schedule"):
        tc.train(t_u, t_c, schedule_kwargs={"gamma": 0.5})
    with pytest.raises(ValueError, match="update rule"):
        dv.run_lesson(tc.book(), rule="Adam")


# ---- the clipped path --------------------------------------------------------------------
def test_clip_path_keeps_axes_in_the_window_and_says_where_it_went(data):
    win = ls.surface_window(tc.book(), "none")
    run = dv.run_lesson(tc.book(), "none", 1e-2, 100).run
    path = dv.clip_path(run.history["w"], run.history["b"], win.w_range, win.b_range)
    f = path.frame
    assert f["w_plot"].between(*win.w_range).all() and f["b_plot"].between(*win.b_range).all()
    first_out = int(f.loc[~f["inside"], "epoch"].iloc[0])
    w_k = run.history["w"].iloc[first_out - 1]
    assert not win.w_range[0] <= w_k <= win.w_range[1]
    assert (f["inside"] == (f["w"].between(*win.w_range) & f["b"].between(*win.b_range))).all()
    w_last, b_last = run.history["w"].iloc[-1], run.history["b"].iloc[-1]
    assert path.sentence == (
        f"left the plot at epoch {first_out}, heading to w ≈ {fmt(w_last, sig=2, trim=True)}, "
        f"b ≈ {fmt(b_last, sig=2, trim=True)}"
    )
    assert "e17" in path.sentence  # scientific notation for huge numbers
    edge = path.exits.iloc[0]
    assert edge["w_edge"] in win.w_range or edge["b_edge"] in win.b_range


def test_clip_path_handles_non_finite_points_and_stays_silent_inside():
    path = dv.clip_path(
        [0.0, 5.0, float("inf"), float("nan")], [0.0, 0.0, 1.0, 2.0], (-1.0, 1.0), (-1.0, 1.0)
    )
    f = path.frame
    assert f["finite"].tolist() == [True, True, False, False]
    assert f["inside"].tolist() == [True, False, False, False]
    assert f["w_plot"].tolist() == [0.0, 1.0, 1.0, 1.0]
    assert path.exits["w_edge"].iloc[0] == pytest.approx(1.0) and path.exits["epoch"].iloc[0] == 2
    assert path.sentence.startswith("left the plot at epoch 2, heading to w ≈ 5")
    quiet = dv.clip_path([0.1, 0.2], [0.0, 0.1], (-1.0, 1.0), (-1.0, 1.0))
    assert quiet.sentence == "" and quiet.exits.empty


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (-3.2e19, "−3.2e19"),
        (0.5367, "0.537"),
        (12345678.0, "1.23e7"),
        (float("inf"), "∞"),
        (float("nan"), "not a number"),
        (2.5e-4, "0.00025"),
        (0.01, "0.01"),
    ],
)
def test_prose_numbers_use_the_one_formatter(value, text):
    assert fmt(value, sig=3 if abs(value) != 3.2e19 else 2, trim=True) == text


# ---- step factors and the critical rate --------------------------------------------------
@pytest.mark.parametrize(
    ("mode", "crit"), [("none", 3.399e-4), ("scale", 0.03298), ("standardize", 1.000)]
)
def test_critical_lr_values(mode, crit):
    x, _ = dv.inputs(tc.book(), mode)
    assert tc.critical_lr(x) == pytest.approx(crit, rel=2e-4)
    _lo, hi = hessian_eigs64(x.double().tolist())
    assert tc.critical_lr(x) == pytest.approx(2 / hi, rel=1e-9)


@pytest.mark.parametrize(
    ("mode", "lr"), [("none", 1e-2), ("none", 1e-4), ("scale", 0.02), ("scale", 0.05)]
)
def test_step_factors_against_closed_form_eigenvalues(mode, lr):
    x, _ = dv.inputs(tc.book(), mode)
    lo, hi = hessian_eigs64(x.double().tolist())
    f = dv.step_factors(tc.book(), mode, lr)
    assert f["direction"].tolist() == ["flattest", "steepest"]
    assert f["eigenvalue"].tolist() == pytest.approx([lo, hi], rel=1e-9)
    assert f["factor"].tolist() == pytest.approx([abs(1 - lr * lo), abs(1 - lr * hi)], rel=1e-9)
    assert f["verdict"].tolist() == [
        "shrinks" if abs(1 - lr * v) < 1 else "grows" for v in (lo, hi)
    ]
    # the steep direction is mostly w: the big raw t_u values make ∂²L/∂w² large
    assert f["mostly"].tolist() == ["mostly b", "mostly w"]
    assert (f["v_w"] ** 2 + f["v_b"] ** 2).tolist() == pytest.approx([1.0, 1.0])


def test_step_factor_predicts_the_growth_seen_in_training(data):
    """Far along a blow-up, the distance to the minimum grows by the steep factor per epoch."""
    t_u, t_c = data
    run = tc.train(t_u, t_c, optimizer="manual", lr=1e-3, epochs=40)
    w0, b0 = lstsq64()
    d = [
        math.hypot(w - w0, b - b0) for w, b in zip(run.history["w"], run.history["b"], strict=True)
    ]
    factor = dv.step_factors(tc.book(), "none", 1e-3)["factor"].iloc[1]
    assert d[20] / d[19] == pytest.approx(factor, rel=1e-3)


# ---- the batched sweep -------------------------------------------------------------------
def test_descend_many_agrees_with_train_rate_by_rate(data):
    t_u, t_c = data
    for mode in ("none", "scale"):
        x = tc.normalize(t_u, mode)
        rates = dv.log_spaced(1e-6, 10.0, 60)
        many = tc.descend_many(x, t_c, rates, epochs=600)
        crit = tc.critical_lr(x)
        for j in range(0, 60, 4):
            if 0.9 < rates[j] / crit < 1.1:
                continue
            run = tc.train(x, t_c, optimizer="manual", lr=rates[j], epochs=600)
            assert many.diverged_at[j] == run.diverged_at
            if run.diverged_at is None:
                assert float(many.final_losses[j]) == pytest.approx(run.final_loss, rel=1e-4)
                assert many.params[j].tolist() == pytest.approx(
                    run.params.tolist(), rel=1e-4, abs=1e-5
                )
            else:
                k = run.diverged_at
                assert many.losses[: k - 1, j].tolist() == pytest.approx(
                    run.history["loss"].iloc[: k - 1].tolist(), rel=1e-4
                )


def test_lr_sweep_regions_from_the_numbers():
    sweep = dv.lr_sweep(tc.book(), "scale", epochs=5000)
    f = sweep.frame
    assert (
        len(f) == 60
        and f["lr"].iloc[0] == pytest.approx(1e-6)
        and f["lr"].iloc[-1] == pytest.approx(10.0)
    )
    xs = dv.inputs(tc.book(), "scale")[0].double().tolist()  # the float32 inputs the runs use
    w, b = lstsq64(xs)
    assert sweep.best_loss == pytest.approx(mse64(w, b, xs), rel=1e-9)
    # every overflowed rate is above the critical rate; every rate clearly below it converges or crawls
    assert (f.loc[f["overflowed"], "lr"] > sweep.critical_lr).all()
    assert (f.loc[f["lr"] < 0.99 * sweep.critical_lr, "region"] != "diverging").all()
    assert f.loc[f["overflowed"], "plot_loss"].isna().all()
    assert sweep.bounds["converging"][1] < sweep.critical_lr < sweep.bounds["diverging"][0]
    assert sweep.bounds["too slow"][1] < sweep.bounds["converging"][0]
    good = f[f["region"] == "converging"]
    assert (good["final_loss"] <= sweep.best_loss * 1.01).all()
    # one "converging" and one "too slow" rate checked against plain float64 gradient descent
    for region in ("converging", "too slow"):
        row = f[f["region"] == region].iloc[-1]
        wv, bv = 1.0, 0.0
        for _ in range(4999):
            gw, gb = grad64(wv, bv, xs)
            wv, bv = wv - row["lr"] * gw, bv - row["lr"] * gb
        assert row["final_loss"] == pytest.approx(mse64(wv, bv, xs), rel=1e-4)


def test_lr_sweep_raw_inputs_never_reach_the_optimum_in_5000_epochs():
    sweep = dv.lr_sweep(tc.book(), "none", epochs=5000)
    assert sweep.bounds["converging"] is None
    assert sweep.bounds["too slow"][1] < sweep.critical_lr < sweep.bounds["diverging"][0]


# ---- thinning ----------------------------------------------------------------------------
def test_thin_indices_keep_first_last_and_the_kept_rows():
    thin = dv.thin_indices(5000, 500)
    assert 450 <= len(thin) <= 502
    assert thin[0] == 0 and thin[-1] == 4999
    assert thin == sorted(set(thin))
    assert max(b - a for a, b in itertools.pairwise(thin)) <= 11
    assert dv.thin_indices(11, 500) == list(range(11))  # a short history is sent whole
    idx = dv.thin_indices(5000, 100, keep=[1234])
    assert 1234 in idx and idx[0] == 0 and idx[-1] == 4999


# ---- the one rule: converging / too slow / diverging ----------------------------------------
@pytest.mark.parametrize(
    ("losses", "last_lr", "code"),
    [
        ([10.0, 20.0], 0.1, "diverging"),  # grew, though below the critical rate
        ([10.0, math.inf], 0.1, "diverging"),  # overflowed
        ([10.0, 4.0, 5.0], 2.0, "diverging"),  # past critical and rising: not yet above the start
        ([10.0, 5.0, 4.0], 2.0, "too slow"),  # past critical but still falling
        ([10.0, 5.0, 5.5], 0.5, "too slow"),  # a rise below the critical rate is not divergence
        ([10.0, 3.0, 3.02], 0.5, "converging"),  # within 1% of the best loss 3
    ],
)
def test_judge_classifies_by_the_losses_and_the_last_rate(losses, last_lr, code):
    verdict = dv.judge(losses, last_lr, critical=1.0, best_loss=3.0)
    assert verdict.code == code
    assert verdict.growth == pytest.approx(losses[-1] / losses[0])
    assert verdict.past_critical == (last_lr > 1.0)


def _gd64_losses(lr: float, epochs: int, xs=T_U32) -> list[float]:
    """Loss before each update of the chapter's update in float64 (independent of torch)."""
    w, b, out = 1.0, 0.0, []
    for _ in range(epochs):
        try:
            out.append(mse64(w, b, xs))
            gw, gb = grad64(w, b, xs)
        except OverflowError:
            return [*out, math.inf]
        w, b = w - lr * gw, b - lr * gb
    return out


def test_a_run_just_past_the_critical_rate_is_diverging_with_its_growth_factor():
    out = dv.run_lesson(tc.book(), "none", 3.6e-4, 100)
    assert out.run.diverged_at is None  # no overflow: only the rule can call it
    ref = _gd64_losses(3.6e-4, 100)
    assert out.verdict.code == "diverging"
    assert out.verdict.growth == pytest.approx(ref[-1] / ref[0], rel=1e-3)
    assert out.verdict.growth > 1e9


def test_a_decayed_rate_that_grew_first_is_still_diverging():
    out = dv.run_lesson(tc.book(), "scale", 0.06, 5000, schedule="ExponentialLR", gamma=0.99)
    h = out.run.history
    assert out.run.diverged_at is None and h["lr"].iloc[-1] < out.critical_lr
    assert h["loss"].iloc[-1] > h["loss"].iloc[0]
    assert out.verdict.code == "diverging" and not out.verdict.past_critical


def test_sweep_regions_follow_float64_gradient_descent_rate_by_rate():
    sweep = dv.lr_sweep(tc.book(), "none", epochs=100)
    lam_max = hessian_eigs64(T_U32)[1]
    for row in sweep.frame.itertuples():
        ref = _gd64_losses(row.lr, 100)
        grew = not math.isfinite(ref[-1]) or ref[-1] > ref[0]
        rising_past = row.lr > 2 / lam_max and ref[-1] >= ref[-2]
        assert (row.region == "diverging") == (grew or rising_past), row.lr
