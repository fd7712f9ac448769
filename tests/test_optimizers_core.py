"""pytest on thermo_core for the optimizer page: catalogue defaults, the chapter's Adam run,
the results table and the optimizer state with the step it implies."""

from __future__ import annotations

import math

import pytest
import torch
from reference import lstsq64, mse64

import thermo_core as tc
from thermo_core.lessons import optimizers as op

RAW_BEST = lstsq64()


def _best_loss(mode: str) -> float:
    xs = tc.normalize(tc.load_readings()[0], mode).double().tolist()
    return mse64(*lstsq64(xs), xs)


def test_catalogue_uses_real_torch_optim_classes():
    assert list(op.CATALOGUE) == [
        "SGD",
        "SGD + momentum",
        "SGD + Nesterov",
        "Adagrad",
        "RMSprop",
        "Adadelta",
        "Adam",
        "AdamW",
        "NAdam",
        "RAdam",
        "LBFGS",
    ]
    for spec in op.CATALOGUE.values():
        assert issubclass(getattr(torch.optim, spec.cls), torch.optim.Optimizer)
    assert op.settings_for("SGD + Nesterov", "scale") == {
        "optimizer": "SGD",
        "lr": 1e-2,
        "nesterov": True,
        "momentum": 0.9,
    }
    assert op.settings_for("Adam", "none", lr=0.05, beta1=0.8)["betas"] == (0.8, 0.999)
    with pytest.raises(ValueError, match="takes no momentum"):
        op.settings_for("Adam", "none", momentum=0.9)
    with pytest.raises(ValueError, match="unknown optimizer"):
        op.settings_for("Lion", "none")


# Which defaults reach within 1% of the least-squares loss in 5000 epochs, per input.
SLOW_ON_RAW = {"SGD", "RMSprop", "Adadelta", "RAdam"}


@pytest.mark.parametrize("mode", ["none", "scale", "standardize"])
def test_catalogue_defaults_converge(mode):
    best = _best_loss(mode)
    for label in op.CATALOGUE:
        epochs = 200 if label == "LBFGS" else 5000
        res = op.run_optimizer(tc.book(), label, mode, epochs=epochs, state_at=[])
        assert not res.diverged, label
        assert math.isfinite(res.final_loss) and res.final_loss < res.run.history["loss"].iloc[0], (
            label
        )
        if mode == "none" and label in SLOW_ON_RAW:
            assert res.reached_at is None, label  # the lesson: these crawl on raw inputs
        elif label == "AdamW":
            assert res.final_loss < best * 1.01  # weight decay keeps it just off the optimum
        else:
            assert res.reached_at is not None and res.reached_at <= epochs, label
            # within 1% in loss; along the long valley that can still be ~0.2 off in b
            assert res.distance < 0.25, label


def test_sgd_needs_normalized_inputs_adam_copes_with_raw():
    """The chapter: Adam lr 0.1 on raw t_u, 2000 epochs -> [0.5367, -17.3021], loss 2.927646."""
    t_u, t_c = tc.load_readings()
    run = tc.train(t_u, t_c, optimizer="Adam", lr=0.1, epochs=2000)
    assert [round(v, 4) for v in run.params.tolist()] == [0.5367, -17.3021]
    assert run.final_loss == pytest.approx(2.927646, rel=1e-6)
    assert mse64(*run.params.tolist()) == pytest.approx(2.927646, rel=1e-6)
    sgd_raw = op.run_optimizer(tc.book(), "SGD", "none", state_at=[])
    sgd_scaled = op.run_optimizer(tc.book(), "SGD", "scale", state_at=[])
    assert sgd_raw.reached_at is None and sgd_raw.distance > 10
    assert sgd_scaled.reached_at is not None and sgd_scaled.distance < 1e-3
    assert tc.train(t_u, t_c, optimizer="SGD", lr=1e-3, epochs=100).diverged_at is not None


def test_results_row_against_independent_numbers():
    res = op.run_optimizer(tc.book(), "SGD", "scale", epochs=3000, state_at=[])
    xs = tc.normalize(tc.load_readings()[0], "scale").double().tolist()
    h = res.run.history
    # reached_at: first epoch whose loss (recomputed in float64) is within 1% of the optimum
    best = mse64(*lstsq64(xs), xs)
    losses = [mse64(w, b, xs) for w, b in zip(h["w"], h["b"], strict=True)]
    first = next(k for k, v in enumerate(losses, 1) if v <= 1.01 * best)
    assert res.reached_at in (first - 1, first, first + 1)  # float32 vs float64 at the threshold
    assert res.final_loss == pytest.approx(losses[-1], rel=1e-5)
    # raw-unit parameters and distance: w_raw = w·0.1, b_raw = b
    w, b = res.run.params.tolist()
    assert res.raw_params == pytest.approx((0.1 * w, b), rel=1e-6)
    assert res.distance == pytest.approx(
        math.hypot(0.1 * w - RAW_BEST[0], b - RAW_BEST[1]), rel=1e-4, abs=1e-7
    )
    assert not res.diverged


def test_diverging_optimizer_is_reported_not_raised():
    res = op.run_optimizer(tc.book(), "SGD", "none", lr=1e-2, epochs=200, state_at=[])
    assert res.diverged and res.run.diverged_at == 11 and res.reached_at is None
    assert math.isinf(res.final_loss) and res.distance > 1e17
    w, b = res.run.params.tolist()  # the parameters whose loss overflowed
    assert res.distance == pytest.approx(math.hypot(w - RAW_BEST[0], b - RAW_BEST[1]), rel=1e-6)


@pytest.mark.parametrize(
    ("label", "mode"),
    [
        ("SGD", "scale"),
        ("SGD + momentum", "scale"),
        ("SGD + Nesterov", "none"),
        ("Adam", "none"),
        ("AdamW", "scale"),
        ("RMSprop", "none"),
        ("Adagrad", "scale"),
    ],
)
def test_implied_step_equals_the_change_the_optimizer_made(label, mode):
    res = op.run_optimizer(tc.book(), label, mode, epochs=400, state_at=[1, 2, 3, 50, 399, 400])
    s = res.states
    assert s["epoch"].tolist() == [1, 2, 3, 50, 399, 400]
    h = res.run.history.set_index("epoch")
    # the recorded update is the parameter change of that epoch (next row minus this row)
    for e in (1, 2, 3, 50, 399):
        row = s.set_index("epoch").loc[e]
        assert row["update_w"] == pytest.approx(
            h.loc[e + 1, "w"] - h.loc[e, "w"], rel=1e-5, abs=1e-7
        )
        assert row["update_b"] == pytest.approx(
            h.loc[e + 1, "b"] - h.loc[e, "b"], rel=1e-5, abs=1e-7
        )
    assert s["implied_w"].tolist() == pytest.approx(s["update_w"].tolist(), rel=2e-3, abs=1e-6)
    assert s["implied_b"].tolist() == pytest.approx(s["update_b"].tolist(), rel=2e-3, abs=1e-6)


def test_adam_state_matches_a_float64_replay_and_steps_ignore_input_scale():
    """exp_avg/exp_avg_sq from optimizer.state vs Adam written out in float64 on raw inputs."""
    res = op.run_optimizer(tc.book(), "Adam", "none", epochs=30, state_at=list(range(1, 31)))
    s = res.states.set_index("epoch")
    h = res.run.history.set_index("epoch")
    m, v = [0.0, 0.0], [0.0, 0.0]
    for t in range(1, 31):
        g = [h.loc[t, "grad_w"], h.loc[t, "grad_b"]]
        for i, axis in enumerate("wb"):
            m[i] = 0.9 * m[i] + 0.1 * g[i]
            v[i] = 0.999 * v[i] + 0.001 * g[i] ** 2
            assert s.loc[t, f"exp_avg_{axis}"] == pytest.approx(m[i], rel=1e-4)
            assert s.loc[t, f"exp_avg_sq_{axis}"] == pytest.approx(v[i], rel=1e-4)
    # raw gradients differ ~55x between w and b, yet the first steps are both ~lr
    first = s.loc[1]
    assert abs(h.loc[1, "grad_w"] / h.loc[1, "grad_b"]) > 50
    assert abs(first["update_w"]) == pytest.approx(0.1, rel=1e-5)
    assert abs(first["update_b"]) == pytest.approx(0.1, rel=1e-5)


def test_state_epochs_are_thinned_and_include_the_start_and_end():
    e = op.state_epochs(5000)
    assert e[:20] == list(range(1, 21)) and e[-1] == 5000 and len(e) <= 201
    assert op.state_epochs(5) == [1, 2, 3, 4, 5]
    res = op.run_optimizer(tc.book(), "SGD + momentum", "scale", epochs=5000)
    assert res.states["epoch"].tolist() == e
    assert {"momentum_buffer_w", "momentum_buffer_b"} <= set(res.states.columns)


def test_record_state_rejects_epochs_out_of_range():
    t_u, t_c = tc.load_readings()
    with pytest.raises(ValueError, match="record_state_at"):
        tc.train(t_u, t_c, epochs=10, record_state_at=[0, 11])


def test_benchmark_script_runs_and_prints_its_figures(capsys):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "optimizers.py"
    spec = importlib.util.spec_from_file_location("bench_optimizers", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--repeats", "1", "--epochs", "200"]) == 0
    out = capsys.readouterr().out
    assert out.count("lr sweep, 60 rates") == 2 and "optimizer view" in out and "ratio" in out
