"""The committed paper-scale results of Chapter 3 (scripts/ch3_full_sims.py) against the theory
and against a fresh re-run.

The files hold the eight simulations at the settings of the public experiment code (r=25,
k=10, b=16, the paper's step sizes), Neuro-Tron, SGD and the first-sample variant, every
(setting, algorithm) pair with its own data stream, and the commit of the code that wrote them.
Two kinds of test: the floors must match the first-order prediction of prop-ch3-floor within
5% on average over a simulation's settings for Gaussian inputs, 10% for the heavy-tailed ones
(a wrong floor formula, step size or oracle fails it), and a short re-run of one simulation
with the current code must reproduce the committed curves (a change of the simulator, the
seeding or the stream fails it).
"""

import re
from pathlib import Path

import numpy as np
import pytest

from dlmath.studies import ch3_poisoning as poisoning

RESULTS = Path(__file__).resolve().parent.parent / "chapters" / "03_relu_gate" / "results" / "sims_full"
RECORDS = poisoning.load_paper_results(RESULTS)
R, B = 25, 16


def _arr(values):
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def test_all_eight_simulations_with_their_commit():
    assert sorted(RECORDS) == list(range(1, 9))
    for rec in RECORDS.values():
        assert re.fullmatch(r"[0-9a-f]{40}", rec["settings"]["commit"]), rec["settings"]
        assert rec["result"]["iterations"][-1] == rec["settings"]["n_iter"]
        assert set(poisoning.PAPER_ALGORITHMS) <= set(rec["result"])


@pytest.mark.parametrize("sim", range(1, 9))
def test_neurotron_floor_matches_first_order_prediction(sim):
    res, cfg = RECORDS[sim]["result"], poisoning.PAPER_SIMS[sim]
    values = np.array(res["values"])
    assert values[0] == 0 and np.all(np.diff(values) > 0)
    betas = np.full(7, cfg["betas"][0]) if cfg["sweep"] == "theta" else values
    thetas = values if cfg["sweep"] == "theta" else np.full(7, cfg["thetas"][0])
    pred = thetas * np.sqrt(cfg["eta"] * betas * R / B)
    floors = _arr(res["tron"]["floor_rms_last_quarter"])
    # without attack: geometric decay to the rounding level
    assert _arr(res["tron"]["final_error"])[0] < 1e-10
    attacked = (betas > 0) & (thetas > 0)
    ratio = floors[attacked] / pred[attacked]
    # Each setting has its own data, so each ratio carries a few percent of sampling noise, and
    # the prediction drops terms of order eta that grow with the inputs' fourth moments. For
    # Gaussian inputs the mean ratio must be within 5% of 1; for Laplace and Student-t(4)
    # inputs (infinite fourth moment) the committed runs sit 4-6% above, so there 10%.
    tol = 0.05 if cfg["dist"] == "normal" else 0.10
    assert abs(ratio.mean() - 1) < tol, (sim, ratio.round(3))
    assert np.all(np.abs(ratio - 1) < 0.15), (sim, ratio.round(3))
    assert ratio.mean() > 1, (sim, ratio.round(3))  # the neglected terms add variance


def test_first_sample_variant_is_far_behind_correct_sgd_without_attack():
    """The public code's SGD: wherever correct SGD converged without attack, the first-sample
    variant ends at least 1e3 times farther from w* (or diverged)."""
    compared = 0
    for rec in RECORDS.values():
        res = rec["result"]
        sgd, bug = _arr(res["sgd"]["final_error"])[0], _arr(res["sgd_first_sample"]["final_error"])[0]
        if sgd < 1e-10:
            compared += 1
            assert not np.isfinite(bug) or bug > 1e3 * sgd, (rec["settings"]["sim"], bug, sgd)
    assert compared >= 1


def test_runs_end_converged_or_on_the_far_side():
    """Every run either converges (cos(w_T, w*) > 0.99) or ends on the far side of the origin
    (cos < 0) or diverged: nothing in between, and never Neuro-Tron on the far side."""
    for rec in RECORDS.values():
        for alg in poisoning.PAPER_ALGORITHMS:
            cos = _arr(rec["result"][alg]["final_cosine"])
            ok = np.isnan(cos) | (cos > 0.99) | (cos < 0)
            assert np.all(ok), (rec["settings"]["sim"], alg, cos.round(3))
        assert np.all(_arr(rec["result"]["tron"]["final_cosine"]) > 0.99)


def test_a_short_rerun_reproduces_the_committed_curves():
    """Re-run sim01's first 1,000 iterations with the current code: the same streams (each
    chunk of random numbers is drawn whole), so the committed log10-errors are matched up to
    rounding."""
    rec = RECORDS[1]
    every = rec["settings"]["record_every"]
    n_iter = 10 * every
    res, _, _ = poisoning.run_simulation(1, n_iter=n_iter, record_every=every, independent=True,
                                         algorithms=poisoning.PAPER_ALGORITHMS)
    for a, alg in enumerate(poisoning.PAPER_ALGORITHMS):
        committed = np.array([_arr(row[: 11]) for row in rec["result"][alg]["log10_error"]])
        fresh = np.log10(res.errors[a])
        np.testing.assert_allclose(fresh, committed, rtol=0, atol=1e-6, err_msg=alg)
