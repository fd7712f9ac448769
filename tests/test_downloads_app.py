"""The CSV download under every key chart's numbers (``ui/downloads.py``): each page has
its buttons, a rerun builds no CSV, and each file, parsed back, holds the chart's data at
full resolution, checked against the book, plain-Python float64 maths (``reference``) or
the numbers the page shows, never against the code that wrote it.
"""

from __future__ import annotations

import io
import math
import re

import pandas as pd
import pytest
import streamlit as st
from conftest import as_number, metric_value, run_page
from reference import T_C, T_U32, fd_numpy, grad64, hessian_eigs64, lstsq64, mse64

from ui import downloads
from ui.catalog import page_info

SLOW = {"overfitting": 600, "optimizers": 300}
EXPECTED = {  # the charts each page's default view offers as CSV, by file-name start
    "home": ["home_"],
    "loss_surface": ["loss_surface_"],
    "finite_differences": ["finite_differences_"],
    "divergence": ["divergence_run_", "divergence_sweep_"],
    "autograd": ["autograd_zero_grad_"],
    "optimizers": ["optimizers_"],
    "overfitting": ["overfitting_"],
}


@pytest.fixture
def calls(monkeypatch) -> list[dict]:
    """Every CSV download button the page draws, with its arguments."""
    seen: list[dict] = []
    original = st.download_button

    def spy(label, data, **kwargs):
        if label == downloads.LABEL:
            seen.append({"data": data, **kwargs})
        return original(label, data, **kwargs)

    monkeypatch.setattr(st, "download_button", spy)
    return seen


def _open(stem: str, query: dict | None = None):
    return run_page(page_info(stem).path, query, timeout=SLOW.get(stem, 120))


def _csv(calls: list[dict], start: str) -> pd.DataFrame:
    """Click the one download whose file name starts with ``start``; its CSV parsed back."""
    [call] = [c for c in calls if c["file_name"].startswith(start)]
    return pd.read_csv(io.StringIO(call["data"]()))


def _gd64(lr: float, epochs: int, w: float = 1.0, b: float = 0.0, xs=T_U32, ys=T_C):
    """The chapter's loop in float64: (w, b, loss) before each epoch's update, stopping at
    the first loss that is not finite (included)."""
    out = []
    for _ in range(epochs):
        try:
            loss = mse64(w, b, xs, ys)
        except OverflowError:  # float64 overflows later than float32, but it does
            loss = math.inf
        out.append((w, b, loss))
        if not math.isfinite(loss):
            break
        gw, gb = grad64(w, b, xs, ys)
        w, b = w - lr * gw, b - lr * gb
    return out


@pytest.mark.parametrize("stem", list(EXPECTED))
def test_every_key_chart_has_a_small_csv_download(stem, calls):
    _open(stem)
    names = sorted(c["file_name"] for c in calls)
    assert len(names) == len(EXPECTED[stem]), names
    for start in EXPECTED[stem]:
        assert any(n.startswith(start) for n in names), (start, names)
    for c in calls:
        assert re.fullmatch(r"[A-Za-z0-9_.+-]+\.csv", c["file_name"]), c["file_name"]
        assert callable(c["data"]) and c["mime"] == "text/csv"
        assert c["type"] == "tertiary" and c["on_click"] == "ignore"


def test_a_rerun_builds_no_csv_and_trains_nothing_until_a_click(calls, monkeypatch):
    built, trained = [], []
    text, history = downloads.text, __import__("ui.overfitting.runs").overfitting.runs.history
    monkeypatch.setattr(downloads, "text", lambda frame: built.append(1) or text(frame))
    # The page imports history by name at each run, so the spy is what its button holds.
    monkeypatch.setattr("ui.overfitting.runs.history",
                        lambda **s: trained.append(1) or history(**s))
    at = _open("overfitting")
    at.run()
    assert len(calls) == 2 and not built and not trained
    frame = _csv(calls[-1:], "overfitting_")
    assert built == [1] and trained == [1] and len(frame) == 3000


def test_home_holds_the_readings_your_line_and_its_residuals(calls):
    at = _open("home", {"w": "0.5", "b": "-3"})
    [call] = calls
    assert call["file_name"] == "home_w0.5_b-3.csv"
    frame = _csv(calls, "home_")
    assert frame["t_u"].tolist() == T_U32 and frame["t_c (°C)"].tolist() == T_C
    pred = [0.5 * x - 3 for x in T_U32]
    assert frame["your prediction (°C)"].tolist() == pytest.approx(pred, rel=1e-12)
    assert frame["residual (°C)"].tolist() == pytest.approx(
        [p - y for p, y in zip(pred, T_C, strict=True)], rel=1e-12, abs=1e-12)
    assert as_number(metric_value(at, "MSE of your line")) == pytest.approx(
        mse64(0.5, -3.0), rel=1e-4)


def test_loss_surface_holds_every_cell_of_the_heatmap(calls):
    _open("loss_surface")
    frame = _csv(calls, "loss_surface_none_mse")
    assert len(frame) == 60 * 60
    assert frame["w"].nunique() == 60 and frame["b"].nunique() == 60
    expected = [mse64(w, b) for w, b in zip(frame["w"], frame["b"], strict=True)]
    assert frame["loss"].tolist() == pytest.approx(expected, rel=1e-9)
    assert frame["loss"].min() >= mse64(*lstsq64())  # no cell beats least squares


def test_finite_differences_holds_every_delta_of_the_v(calls):
    _open("finite_differences")
    frame = _csv(calls, "finite_differences_dL-dw_w1_b0_central-forward")
    assert set(frame["scheme"]) == {"central", "forward"}
    assert set(frame["dtype"]) == {"float32", "float64"}
    deltas = sorted(set(frame["delta"]))
    assert len(frame) == 4 * len(deltas) and deltas[0] <= 1e-10 and deltas[-1] >= 1
    true = grad64(1.0, 0.0)[0]
    for row in frame.itertuples():
        est, tol = fd_numpy(1.0, 0.0, row.delta, row.scheme, row.dtype, 0)
        assert row.estimate == pytest.approx(est, abs=tol + 1e-9 * abs(est)), row
        assert row.abs_error == pytest.approx(abs(row.estimate - true), rel=1e-6, abs=1e-9)


def test_divergence_run_holds_every_epoch_and_the_book_s_last_loss(calls):
    _open("divergence", {"lr": "0.0001", "epochs": "100"})
    names = {c["file_name"] for c in calls}
    assert "divergence_run_lr0.0001_epochs100_none_manual_constant_w1_b0.csv" in names
    frame = _csv(calls, "divergence_run_")
    assert frame["epoch"].tolist() == list(range(1, 101))
    assert frame["loss"].iloc[-1] == pytest.approx(29.022669, rel=1e-6)  # the book's epoch 100
    ref = _gd64(1e-4, 100)
    for col, k in (("w", 0), ("b", 1), ("loss", 2)):
        assert frame[col].tolist() == pytest.approx([r[k] for r in ref], rel=1e-4, abs=1e-6)
    assert set(frame["lr"]) == {1e-4}


def test_divergence_run_stops_at_the_blow_up_and_the_sweep_holds_sixty_rates(calls):
    _open("divergence")  # lr 0.01 on raw readings: the chapter's blow-up at epoch 11
    frame = _csv(calls, "divergence_run_")
    ref = _gd64(1e-2, 100)
    assert len(frame) == 11 and math.isinf(frame["loss"].iloc[-1])
    assert frame["loss"].iloc[:5].tolist() == pytest.approx([r[2] for r in ref[:5]], rel=1e-4)
    sweep = _csv(calls, "divergence_sweep_epochs100_none_w1_b0")
    assert len(sweep) == 60 and sweep["lr"].is_monotonic_increasing
    critical = 2 / hessian_eigs64(T_U32)[1]
    for row in sweep.itertuples():
        if row.lr < 0.5 * critical:  # well inside the stable range: float32 tracks float64
            assert row.final_loss == pytest.approx(_gd64(row.lr, 100)[-1][2], rel=1e-4), row.lr


def test_divergence_schedule_holds_the_rate_of_every_epoch(calls):
    _open("divergence", {"lr": "0.0001", "epochs": "300", "schedule": "StepLR",
                         "step_size": "100", "step_gamma": "0.5"})
    frame = _csv(calls, "divergence_schedule_")
    assert frame["epoch"].tolist() == list(range(1, 301))
    assert frame["lr"].tolist() == pytest.approx([1e-4 * 0.5 ** ((e - 1) // 100)
                                                  for e in range(1, 301)], rel=1e-12)


def test_autograd_holds_all_3000_epochs_of_the_zero_grad_run(calls):
    at = _open("autograd")
    frame = _csv(calls, "autograd_zero_grad_with.csv")
    assert list(frame.columns) == ["epoch", "loss_with"]
    assert frame["epoch"].tolist() == list(range(1, 3001))
    xs = [0.1 * x for x in T_U32]  # the chapter's 0.1·t_u, plain SGD at lr 0.01
    ref = _gd64(1e-2, 3000, xs=xs)
    assert frame["loss_with"].tolist() == pytest.approx([r[2] for r in ref], rel=1e-3)
    said = re.search(r"the loss falls to ([\d.,]*\d)", " ".join(m.value for m in at.markdown))
    assert said and frame["loss_with"].iloc[-1] == pytest.approx(as_number(said[1]), rel=1e-4)


def test_optimizers_hold_every_epoch_of_each_run(calls):
    at = _open("optimizers", {"opts": "sgd,adam", "opt_norm": "scale", "opt_epochs": "1000"})
    frame = _csv(calls, "optimizers_scale_epochs1000_SGD-Adam")
    assert list(frame["optimizer"].unique()) == ["SGD", "Adam"]
    sgd = frame[frame["optimizer"] == "SGD"]
    assert sgd["epoch"].tolist() == list(range(1, 1001))
    [lr] = [s.value for s in at.select_slider if s.key == "opt_sgd_lr"]
    ref = _gd64(lr, 1000, xs=[0.1 * x for x in T_U32])
    assert sgd["loss"].tolist() == pytest.approx([r[2] for r in ref], rel=1e-3)
    [results] = [d.value for d in at.dataframe if "final loss" in d.value.columns]
    for name, shown in zip(results["optimizer"], results["final loss"], strict=True):
        last = frame[frame["optimizer"] == name]["loss"].iloc[-1]
        assert last == pytest.approx(as_number(shown), rel=1e-5), name


def test_overfitting_holds_every_epoch_and_matches_the_metrics(calls):
    at = _open("overfitting")
    frame = _csv(calls, "overfitting_linear_SGD_lr0.01_epochs3000_book_extra0_leak-off.csv")
    assert frame["epoch"].tolist() == list(range(1, 3001))
    last = frame.iloc[-1]
    assert last["loss"] == pytest.approx(as_number(metric_value(at, "Training loss")), rel=1e-4)
    assert last["val_loss"] == pytest.approx(as_number(metric_value(at, "Validation loss")),
                                             rel=1e-4)
    best = int(frame.loc[frame["val_loss"].idxmin(), "epoch"])
    assert best == int(metric_value(at, "Best epoch"))
    # The fresh readings are scored only at the drawn epochs; the rest are blank.
    assert frame["holdout_loss"].notna().sum() < 400 and frame["holdout_loss"].iloc[-1] > 0


def test_a_file_name_is_plain_characters_whatever_a_link_sends():
    name = downloads.file_name("divergence", lr=1e-5, epochs=100, note="../x/<b>\n é", on=True)
    assert name == "divergence_lr1e-05_epochs100_..-x-b_on-on.csv"


def test_autograd_adds_the_run_without_zero_grad_once_it_is_drawn(calls):
    _open("autograd", {"ag_nozero": "true"})
    frame = _csv(calls, "autograd_zero_grad_with-and-without.csv")
    assert list(frame.columns) == ["epoch", "loss_with", "loss_without"]
    # Without zeroing, .grad after k backward() calls holds the sum of k gradients.
    w, b, xs = 1.0, 0.0, [0.1 * x for x in T_U32]
    acc_w = acc_b = 0.0
    for row in frame.head(5).itertuples():
        assert row.loss_without == pytest.approx(mse64(w, b, xs), rel=1e-5)
        gw, gb = grad64(w, b, xs)
        acc_w, acc_b = acc_w + gw, acc_b + gb
        w, b = w - 1e-2 * acc_w, b - 1e-2 * acc_b
