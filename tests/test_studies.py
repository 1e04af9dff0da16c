"""The paper-scale studies of dlmath.studies at toy sizes: grids, runners, summaries, settings."""

import numpy as np
import pytest

from dlmath import relu_gate as rg
from dlmath.studies import ch3_poisoning as poisoning


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
