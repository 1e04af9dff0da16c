"""The paper-scale studies of dlmath.studies at toy sizes: grids, runners, summaries, settings."""

import math

import numpy as np
import pytest

from dlmath import relu_gate as rg
from dlmath.studies import ch3_poisoning as poisoning
from dlmath.studies import ch5_autoencoders as ae_study


def test_ch3_grids_follow_the_paper_layout():
    assert sorted(poisoning.PAPER_SIMS) == list(range(1, 9))
    for sim, cfg in poisoning.PAPER_SIMS.items():
        swept = cfg["thetas"] if sim <= 4 else cfg["betas"]
        fixed = cfg["betas"] if sim <= 4 else cfg["thetas"]
        assert len(swept) == 7 and len(fixed) == 1
        assert cfg["sweep"] == ("theta" if sim <= 4 else "beta")


def test_ch3_run_simulation_small():
    res, net, w_star = poisoning.run_simulation(1, n_iter=50, n=10, r=3, k=2, b=4, record_every=25)
    assert res.errors.shape == (2, 7, 3) and net.filters.shape == (2, 3, 10)
    np.testing.assert_allclose(res.thetas, poisoning.THETA_GRID)
    assert w_star.shape == (3,)


def test_ch3_summarise_reads_the_result():
    res, _, _ = poisoning.run_simulation(5, n_iter=40, n=8, r=3, k=2, b=4, record_every=20)
    out = poisoning.summarise(res, 5)
    assert out["swept"] == "beta" and out["values"] == list(poisoning.BETA_GRID)
    assert out["iterations"] == [0, 20, 40]
    a = res.algorithms.index("sgd")
    np.testing.assert_allclose(out["sgd"]["log10_error"], np.log10(res.errors[a]))
    np.testing.assert_allclose(out["tron"]["final_error"], res.errors[0, :, -1])
    with pytest.raises(TypeError, match="res must be a GridResult"):
        poisoning.summarise({"errors": 1}, 5)


@pytest.mark.parametrize(
    "settings,exc,match",
    [
        ({"sim": 1, "n_iter": 5, "record_every": 5, "seed": 1, "iters": 9}, ValueError, "unknown keys"),
        ({"sim": 1, "n_iter": 5, "seed": 1}, ValueError, "missing"),
        ({"sim": 1, "n_iter": 5, "record_every": 5, "seed": 2}, ValueError, "seed"),
        ({"sim": 9, "n_iter": 5, "record_every": 5, "seed": 9}, ValueError, "sim"),
        ([1], TypeError, "settings must be a dict"),
    ],
)
def test_ch3_simulation_rejects_bad_settings(settings, exc, match):
    with pytest.raises(exc, match=match):
        poisoning.simulation(settings)


def test_ch3_simulation_equals_run_simulation():
    rec = poisoning.simulation({"sim": 2, "n_iter": 30, "record_every": 30, "seed": 2, "commit": "abc"})
    res, _, w_star = poisoning.run_simulation(2, n_iter=30, record_every=30, independent=True,
                                              algorithms=poisoning.PAPER_ALGORITHMS)
    assert rec == poisoning.summarise(res, 2, w_star)
    assert isinstance(res, rg.GridResult) and res.algorithms == poisoning.PAPER_ALGORITHMS
    assert set(rec["sgd"]) >= {"final_cosine", "final_norm_ratio"}


def test_ch3_independent_streams_differ_per_setting_and_algorithm():
    """Shared stream: two settings with the same attack level have identical curves; independent
    streams: they differ, and each algorithm reads a stream of its own."""
    res, _, _ = poisoning.run_simulation(1, n_iter=60, n=10, r=3, k=2, b=4, record_every=30,
                                         algorithms=("tron", "tron"), independent=True)
    assert not np.allclose(res.errors[0], res.errors[1])
    shared, _, _ = poisoning.run_simulation(1, n_iter=60, n=10, r=3, k=2, b=4, record_every=30,
                                            algorithms=("tron", "tron"))
    np.testing.assert_array_equal(shared.errors[0], shared.errors[1])
    # settings 0 (theta = 0) of the independent run differs from the shared one (other streams)
    assert not np.allclose(res.errors[0, 1:], shared.errors[0, 1:])


def test_ch3_law_labels_and_loading_results(tmp_path):
    assert poisoning.law_label(3) == "Laplace(0, 2)" and poisoning.law_label(8) == "Student-t(4)"
    assert poisoning.load_paper_results(tmp_path / "missing") == {}
    from dlmath.sweep import run_sweep

    settings = [{"sim": 2, "n_iter": 20, "record_every": 10, "seed": 2, "commit": "x"}]
    run_sweep(poisoning.simulation, settings, tmp_path, backend="serial", progress=False)
    found = poisoning.load_paper_results(tmp_path)
    assert list(found) == [2] and found[2]["result"]["iterations"] == [0, 10, 20]
    with pytest.raises(ValueError, match="sim"):
        poisoning.law_label(0)


# ---------------------------------------------------------------- Chapter 5: autoencoder study
def test_run_experiment_settings_roundtrip():
    s = {"n_train": 100, "n_test": 50, "width": 8, "n_hidden": 1, "n_steps": 10,
         "eval_every": 5, "optimizer": "adam", "lr": 1e-3, "beta1": 0.99, "xi": 1e-8,
         "seed": 1, "device": "cpu"}
    out = ae_study.run_experiment(s)
    assert out["steps"] == [0, 5, 10]
    assert out["final_train_loss"] == out["train_loss"][-1]
    assert out["final_grad_norm"] == out["grad_norm"][-1]
    assert ae_study.run_experiment(s) == out
    with pytest.raises(TypeError, match="settings"):
        ae_study.run_experiment([1])
    with pytest.raises(ValueError, match=r"unknown keys \['widht'\]"):
        ae_study.run_experiment(dict(s, widht=4))
    with pytest.raises(ValueError, match=r"unknown keys \['mometum'\]"):
        ae_study.run_experiment({**{k: v for k, v in s.items() if k not in ("beta1", "xi")},
                                 "optimizer": "nag", "mometum": 0.9})
    with pytest.raises(ValueError, match="missing"):
        ae_study.run_experiment({k: v for k, v in s.items() if k != "n_steps"})


def fake_record(n_hidden, bs, opt, lr, loss, grad=1.0):
    s = dict(opt, n_hidden=n_hidden, batch_size=bs, lr=lr, seed=0)
    return {"settings": s, "result": {"final_train_loss": loss, "final_grad_norm": grad}}


def test_labels():
    assert ae_study.config_label({"optimizer": "adam", "beta1": 0.99, "xi": 0.1}) == "ADAM b1=0.99 xi=1e-01"
    assert ae_study.config_label({"optimizer": "nag", "momentum": 0.9}) == "NAG mu=0.9"
    assert ae_study.regime_label(None) == "full batch" and ae_study.regime_label(100) == "batch 100"
    with pytest.raises(ValueError, match="optimizer"):
        ae_study.config_label({"optimizer": "sgd"})
    with pytest.raises(ValueError, match="batch_size"):
        ae_study.regime_label(0)
    with pytest.raises(TypeError, match="batch_size"):
        ae_study.regime_label(100.0)


def test_study_settings_sizes_and_contents():
    for scale, cfg in ae_study.STUDY_SCALES.items():
        g = ae_study.study_settings(scale, seeds=(0, 1))
        n_lr = sum(len(cfg["lrs"][c["optimizer"]]) for c in ae_study.STUDY_CONFIGS)
        assert len(g["main"]) == len(cfg["depths"]) * len(cfg["batch_sizes"]) * n_lr * 2
        assert len(g["xi"]) == (len(cfg["xis"]) - 1) * len(cfg["lrs"]["adam"]) * 2
        assert {s["n_hidden"] for s in g["main"]} == set(cfg["depths"])
        full = [s for s in g["main"] if s["batch_size"] is None]
        assert all(s["n_train"] == cfg["n_train_full_batch"] for s in full)
    full = ae_study.study_settings("full")["main"]
    assert {s["width"] for s in full} == {1000} and {s["source"] for s in full} == {"fashion_mnist"}
    assert ae_study.with_hessian({"a": 1}, "smoke")["hessian_every"] == 50
    with pytest.raises(ValueError, match="scale"):
        ae_study.study_settings("huge")


def test_best_runs_and_findings_pick_the_best_learning_rate():
    a99, a09 = ae_study.STUDY_CONFIGS[1], ae_study.STUDY_CONFIGS[0]
    nag9, nag99 = ae_study.STUDY_CONFIGS[2], ae_study.STUDY_CONFIGS[3]
    recs = [
        fake_record(3, None, a99, 1e-3, 5.0, grad=9.0),
        fake_record(3, None, a99, 1e-2, 2.0, grad=8.0),
        fake_record(3, None, a09, 1e-3, 1.0, grad=7.0),
        fake_record(3, None, nag9, 1e-3, 3.0, grad=0.5),
        fake_record(3, None, nag9, 1e-2, math.inf, grad=math.inf),  # diverged
        fake_record(3, None, nag99, 1e-3, 4.0, grad=0.1),
    ]
    best = ae_study.best_runs(recs)
    assert best[(3, "full batch", ae_study.config_label(a99))]["settings"]["lr"] == 1e-2
    assert best[(3, "full batch", ae_study.config_label(nag9))]["settings"]["lr"] == 1e-3
    (row,) = ae_study.findings(recs)
    assert row["best_nag"] == "NAG mu=0.9" and row["grad_nag"] == 0.5 and row["grad_adam099"] == 8.0
    assert row["adam099_beats_nag"] and row["adam09_beats_nag"] and row["nag_smaller_grad"]
    recs[1] = fake_record(3, None, a99, 1e-2, 3.5, grad=0.1)
    (row,) = ae_study.findings(recs)
    assert not row["adam099_beats_nag"] and not row["nag_smaller_grad"]


def test_run_study_tiny(tmp_path, monkeypatch):
    tiny = dict(ae_study.STUDY_SCALES["smoke"], n_train=100, n_train_full_batch=100, n_test=50, width=4,
                n_steps=4, eval_every=2, lrs={"adam": (1e-3,), "nag": (1e-3,)},
                hessian_every=2, hessian_n=20, lanczos_ncv=10)
    monkeypatch.setitem(ae_study.STUDY_SCALES, "smoke", tiny)
    res = ae_study.run_study("smoke", tmp_path, device="cpu", backend="serial", progress=False)
    assert len(res["main"]) == 8 and len(res["xi"]) == 1 and len(res["hessian"]) == 4
    assert all(r["result"]["hessian_steps"] == [0, 2, 4] for r in res["hessian"])
    again = ae_study.load_study(tmp_path)
    assert {k: len(v) for k, v in again.items()} == {"main": 8, "xi": 1, "hessian": 4}
    assert ae_study.load_study(tmp_path / "none") == {"main": [], "xi": [], "hessian": []}
