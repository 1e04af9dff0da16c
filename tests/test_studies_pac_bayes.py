"""Tests of dlmath.studies.pac_bayes: the data of the chapter and the record files."""

import numpy as np
import pytest

from dlmath.studies import pac_bayes as st


def test_load_task_binary_mnist():
    train, test = st.load_task("mnist5k-binary", pool=2, n_test=1000, seed=0)
    assert len(train) == 4000 and len(test) == 1000
    assert train.X.shape[1] == 196 and float(train.X.max()) <= 1.0
    assert set(np.unique(train.y.numpy())) == {0, 1}
    assert not (train.fingerprints & test.fingerprints)
    ten, _ = st.load_task("mnist5k-10class", pool=4, seed=0)
    assert ten.X.shape[1] == 49 and int(ten.y.max()) == 9


def test_record_round_trip(tmp_path, monkeypatch):
    rec = {"settings": {"seed": 0}, "init_prior": {"bound": 0.5}, "objects": {"x": object()}}
    out = st.save_record(rec, tmp_path / "results" / "r.json")
    assert "objects" not in out and set(out["versions"]) >= {"dlmath", "torch", "git_commit"}
    monkeypatch.chdir(tmp_path)
    assert st.load_record("r.json")["init_prior"]["bound"] == 0.5
    assert st.load_record("absent.json") is None


@pytest.mark.parametrize(("call", "exc"), [
    (lambda: st.load_task("cifar"), ValueError),
    (lambda: st.load_task("mnist5k-binary", pool=0), ValueError),
    (lambda: st.load_record("../x.json"), ValueError),
    (lambda: st.run_bound_study("settings"), TypeError),
])
def test_bad_inputs(call, exc):
    with pytest.raises(exc):
        call()
