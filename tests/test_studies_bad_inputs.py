"""Regression tests for the bad inputs of ``dlmath.studies`` that the walk in
``tests/test_bad_inputs.py`` found (issue 10): each must be refused with a named error."""

from __future__ import annotations

import json

import pytest
import torch

from dlmath import elasticity as el
from dlmath.studies import elasticity as se
from dlmath.studies import pac_bayes as sp

_X9 = torch.rand(9, 1, 8, 8, generator=torch.Generator().manual_seed(12), dtype=torch.float64)
_Y9 = torch.tensor([0, 1, 2] * 3)


def _cnn(seed):
    return el.small_cnn(3, channels=(2, 2), side=8, seed=seed, dtype=torch.float64)


_GOOD = dict(seed=0, n_epochs=1, batch_size=3, lr_train=1e-3, anchors_per_class=2,
             measures_per_epoch=1, definitions=("rms",))


def _run(*args, **kw):
    x_tr, y_tr, x_te, y_te = args or (_X9, _Y9, _X9[:3], _Y9[:3])
    return se.run_classification(_cnn, x_tr, y_tr, x_te, y_te, **{**_GOOD, **kw})


def test_run_classification_accuracy_is_the_models_own():
    run = _run()
    with torch.no_grad():
        pred = run.model(_X9[:3]).argmax(1)
    assert run.test_accuracy == pytest.approx(float((pred == _Y9[:3]).double().mean()))


@pytest.mark.parametrize("y_test, match", [
    (torch.tensor(-1), r"y_test must have shape \(3,\)"),  # was: accuracy against a broadcast label
    (torch.tensor([0, 1, -1]), "y_test must hold labels >= 0"),
    (torch.tensor([0, 1, 3]), "< 3"),
    (torch.tensor([0.0, 1.0, 2.0]), "integer class labels"),
    (torch.tensor([0, 1]), r"shape \(3,\)"),
    (None, "y_test must be a torch tensor"),
])
def test_run_classification_rejects_bad_test_labels(y_test, match):
    with pytest.raises((TypeError, ValueError), match=match):
        _run(_X9, _Y9, _X9[:3], y_test)


@pytest.mark.parametrize("which, value, match", [
    (0, _X9.clone().fill_(float("nan")), "x_train must contain only finite"),
    (0, _X9.to(torch.complex128), "x_train must be a real floating-point"),
    (0, _X9[:0], r"x_train must have shape \(N, ...\)"),
    (2, _X9[:3, :, :4], "x_test must have images of the shape"),
    (1, _Y9[:8], r"y_train must have shape \(9,\)"),
    (1, _Y9 - 1, "y_train must hold labels >= 0"),
    (1, torch.zeros(9, dtype=torch.long), "at least two classes"),
    (1, torch.tensor([0, 1, 2] * 2 + [0, 1, 10**6]), "each present"),
])
def test_run_classification_rejects_bad_data(which, value, match):
    args = [_X9, _Y9, _X9[:3], _Y9[:3]]
    args[which] = value
    with pytest.raises((TypeError, ValueError), match=match):
        _run(*args)


def test_run_classification_guards_the_work_and_anchor_count():
    with pytest.raises(ValueError, match="the work .* above the limit .* max_work"):
        _run(n_epochs=10**400)
    with pytest.raises(ValueError, match="the work .* above the limit"):
        _run(n_epochs=10**6, max_work=10**9)
    with pytest.raises(ValueError, match="anchors_per_class .* exceeds the 3 training images"):
        _run(anchors_per_class=4)
    with pytest.raises(ValueError, match=r"anchors_per_class \(about 2\^1328\)"):
        _run(anchors_per_class=10**400)


def test_run_classification_max_work_override():
    with pytest.raises(ValueError, match="max_work"):
        _run(max_work=10.0)
    assert se.MAX_WORK >= 10**15
    assert 0.0 <= _run(max_work=float("inf")).test_accuracy <= 1.0


@pytest.mark.parametrize("device, exc", [("x", ValueError), (-1, TypeError), (None, TypeError)])
def test_run_classification_rejects_bad_device(device, exc):
    with pytest.raises(exc, match="device"):
        _run(device=device)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU-only message")
def test_run_classification_names_a_missing_cuda_device():
    with pytest.raises(ValueError, match="no CUDA device"):
        _run(device="cuda")


def test_save_record_rejects_bad_records_and_folders(tmp_path):
    with pytest.raises(TypeError, match="rec must be a dict"):
        sp.save_record(None, tmp_path / "r.json")
    with pytest.raises(ValueError, match="is a folder"):
        sp.save_record({"a": 1}, tmp_path)
    with pytest.raises(TypeError, match="path must be a file path"):
        sp.save_record({"a": 1}, None)
    with pytest.raises(TypeError, match="JSON values"):
        sp.save_record({"a": object()}, tmp_path / "r.json")
    (tmp_path / "f").write_text("")
    with pytest.raises(ValueError, match="under a file"):
        sp.save_record({"a": 1}, tmp_path / "f" / "r.json")
    assert not (tmp_path / "r.json").exists()
    out = sp.save_record({"a": 1, "objects": 2}, tmp_path / "sub" / "r.json")
    assert json.loads((tmp_path / "sub" / "r.json").read_text()) == out
    assert out["a"] == 1 and "objects" not in out and "versions" in out


@pytest.mark.parametrize("seed, exc", [(None, TypeError), (-1, ValueError), ("0", TypeError)])
def test_load_task_refuses_an_unseeded_split(seed, exc):
    # seed=None used to give np.random.default_rng(None): a different held-out set every run
    with pytest.raises(exc, match="seed"):
        sp.load_task("mnist5k-binary", seed=seed)


# ---------------------------------------------------------------- the Chapter 3 simulator


def _grid(**kw):
    import numpy as np

    from dlmath import relu_gate as rg

    base = dict(n_iter=4, b=2, eta=0.05, betas=0.5, thetas=0.1, record_every=2, seed=0)
    return rg.simulate_grid(rg.relu_gate_net(3), np.ones(3), **{**base, **kw})


@pytest.mark.parametrize("kw, match", [
    # n_iter=10**400 used to build set(range(0, n_iter + 1, record_every)) first: out of memory
    ({"n_iter": 10**400}, r"the work .* about 2\^\d+, above the limit 1e\+12; pass a larger "
                          "max_work"),
    ({"n_iter": 10**9, "max_work": float("inf")}, "recorded errors .* larger record_every"),
    ({"b": 10**400}, r"one iteration .* about 2\^\d+, above the limit 1e\+07"),  # was OverflowError
    ({"b": 10**8}, r"one iteration n_alg \* S \* b \* \(n \+ k\) is about 8e\+08, above the limit "
                   "1e\\+07; pass a larger max_batch"),
    ({"betas": [[0.5], [0.1, 0.2]]}, "betas must be an array of real numbers"),  # ragged
    ({"betas": [0.1, [0.2]]}, "betas must be an array of real numbers"),
    ({"thetas": []}, "at least 1 entry"),
    ({"max_work": float("nan")}, "max_work"),
])
def test_simulate_grid_checks_sizes_first(kw, match):
    import time

    t0 = time.perf_counter()
    with pytest.raises((TypeError, ValueError), match=match):
        _grid(**kw)
    assert time.perf_counter() - t0 < 1.0


def test_simulate_grid_overrides_allow_a_bigger_run():
    with pytest.raises(ValueError, match="max_batch"):
        _grid(b=4, max_batch=10)
    with pytest.raises(ValueError, match="max_work"):
        _grid(max_work=10)
    res = _grid(b=4, max_batch=1e9, max_work=1e9)
    assert res.errors.shape == (2, 1, 3) and res.iterations.tolist() == [0, 2, 4]


@pytest.mark.parametrize("kw", [{"n_iter": 10**400}, {"b": 10**400}, {"b": 10**8}])
def test_run_simulation_passes_the_size_checks_on(kw):
    from dlmath.studies import ch3_poisoning as cp

    with pytest.raises(ValueError, match="above the limit"):
        cp.run_simulation(1, **kw)


# ---------------------------------------------------------------- Chapter 5 records


def _ch5_rec(lr=1e-3, seed=0, **res):
    s = {"optimizer": "adam", "beta1": 0.99, "beta2": 0.999, "xi": 1e-8, "lr": lr, "seed": seed,
         "n_hidden": 3, "batch_size": 100}
    r = {"final_train_loss": 1.0, "final_grad_norm": 1.0, "final_test_loss": 1.0, **res}
    return {"settings": s, "result": r}


@pytest.mark.parametrize("fn", ["best_runs", "findings", "group_records", "slice_optima"])
@pytest.mark.parametrize("records, exc, match", [
    (None, TypeError, "records must be a list of sweep records"),
    ("x", TypeError, "records must be a list"),
    ([None], TypeError, r"records\[0\] must be a sweep record"),
    ([{"settings": _ch5_rec()["settings"]}], ValueError, r"records\[0\] must hold a 'result'"),
    ([{"settings": {"lr": 1e-3}, "result": {}}], ValueError, r"records\[0\]\['(settings|result)'\] "
                                                             "is missing the keys"),
])
def test_ch5_record_readers_name_a_bad_record(fn, records, exc, match):
    from dlmath.studies import ch5_autoencoders as ca
    from dlmath.studies import ch5_evidence as ce

    f = getattr(ca, fn, None) or getattr(ce, fn)
    with pytest.raises(exc, match=match):
        f(records)


def test_ch5_result_keys_are_named():
    from dlmath.studies import ch5_autoencoders as ca
    from dlmath.studies import ch5_evidence as ce

    bad = _ch5_rec()
    del bad["result"]["final_grad_norm"]
    with pytest.raises(ValueError, match=r"\['result'\] is missing the keys \['final_grad_norm'\]"):
        ca.findings([bad])
    with pytest.raises(ValueError, match="missing the keys"):
        ce.slice_optima([bad])
    with pytest.raises(ValueError, match=r"runs\[0\]\['result'\] is missing the keys \['nope'\]"):
        ce.seed_summary([_ch5_rec()], key="nope")  # was a bare KeyError
    with pytest.raises(TypeError, match="key must be"):
        ce.seed_summary([_ch5_rec()], key=None)
    assert ce.seed_summary([_ch5_rec(), _ch5_rec(seed=1, final_train_loss=3.0)])["mean"] == 2.0


def test_ch5_interior_optimum_and_labels_name_bad_input():
    from dlmath.studies import ch5_autoencoders as ca
    from dlmath.studies import ch5_evidence as ce

    with pytest.raises(TypeError, match="by_lr must be a dict"):
        ce.interior_optimum([_ch5_rec()], (1e-3,))  # was AttributeError
    with pytest.raises(ValueError, match=r"by_lr\[0.001\]\[0\]\['result'\] is missing"):
        ce.interior_optimum({1e-3: [{"settings": {"seed": 0}, "result": {}}]}, (1e-3,))
    with pytest.raises(TypeError, match="settings must be a dict"):
        ca.config_label(None)  # was AttributeError
    with pytest.raises(ValueError, match="settings must name its 'optimizer'"):
        ca.config_label({"lr": 1e-3})
    assert ca.config_label(_ch5_rec()["settings"]) == "ADAM b1=0.99 xi=1e-08"
    out = ce.interior_optimum({1e-3: [_ch5_rec()], 1e-2: [_ch5_rec(1e-2, final_train_loss=0.5)]},
                              (1e-3, 1e-2))
    assert out["lr"] == 1e-2 and out["interior"] is False


def test_ch5_decisions_name_bad_input():
    from dlmath.studies import ch5_evidence as ce

    recs = [_ch5_rec(lr, seed) for lr in ce.MID_CONFIGS[0][1] for seed in (0, 1, 2)]
    optima, status = ce.slice_optima(recs, n_configs=1), ce.slice_status(recs, (3, 100, 1))
    lab = "ADAM b1=0.99 xi=1e-08"
    with pytest.raises(ValueError, match="a 'nope' has no optimum"):
        ce.paired_difference(optima, "nope", lab)  # was KeyError
    with pytest.raises(ValueError, match="key must be one of"):
        ce.paired_difference(optima, lab, lab, key="x")
    assert ce.paired_difference(optima, lab, lab).tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(TypeError, match="refutable must be True or False"):
        ce.decide_difference(optima, status, lab, lab, refutable="no")
    with pytest.raises(TypeError, match="optima must be a dict"):
        ce.missing_evidence(None, status, [lab])
    with pytest.raises(TypeError, match="labels must be a list of config labels"):
        ce.missing_evidence(optima, status, lab)  # a string would be read letter by letter
    with pytest.raises(TypeError, match="best_only must be True or False"):
        ce.slice_status(recs, (3, 100, 1), best_only="x")
    with pytest.raises(ValueError, match=r"per_slice\[0\] must be one of"):
        ce.sometimes_verdict(["x"], 4)
    with pytest.raises(ValueError, match="n_planned must be >= 2"):
        ce.sometimes_verdict(["reproduced", "reproduced"], 1)
    with pytest.raises(ValueError, match="n_configs must be <= 7"):
        ce.nag_labels(10**400)


@pytest.mark.parametrize("kw, exc, match", [
    ({"seeds": "x"}, TypeError, "seeds must be"),
    ({"seeds": (0, float("nan"))}, TypeError, r"seeds\[1\] must be an integer"),
    ({"seeds": ()}, ValueError, "seeds must have at least 1"),
    ({"device": float("nan")}, TypeError, "device must be None or a device name"),
    ({"device": "x"}, ValueError, "device must name a torch device"),
])
def test_study_settings_checks_seeds_and_device(kw, exc, match):
    from dlmath.studies import ch5_autoencoders as ca

    with pytest.raises(exc, match=match):
        ca.study_settings("smoke", **kw)


def test_run_sweep_names_a_file_out_dir_and_a_bad_progress(tmp_path):
    from dlmath import sweep

    (tmp_path / "f").write_text("")
    with pytest.raises(ValueError, match="out_dir must name a folder"):  # was FileExistsError
        sweep.run_sweep(lambda s: 1, [{"a": 1}], tmp_path / "f", backend="serial")
    with pytest.raises(TypeError, match="progress must be True or False"):  # "x" was accepted
        sweep.run_sweep(lambda s: 1, [{"a": 1}], tmp_path / "d", backend="serial", progress="x")


def test_with_hessian_wants_a_settings_dict():
    import numpy as np

    from dlmath.studies import ch5_autoencoders as ca

    with pytest.raises(TypeError, match="settings must be a dict"):
        ca.with_hessian(np.zeros(0), "smoke")  # an empty array was read as an empty dict
    assert ca.with_hessian({"lr": 1.0}, "smoke")["hessian_every"] == 50
