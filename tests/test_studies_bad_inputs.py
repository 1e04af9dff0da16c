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
