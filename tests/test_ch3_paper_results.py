"""The committed paper-scale results of Chapter 3 (scripts/ch3_full_sims.py) against the theory
and against a fresh re-run.

The files hold the eight simulations at the settings of the public experiment code (r=25,
k=10, b=16, the paper's step sizes), Neuro-Tron, SGD and the first-sample variant, every
(setting, algorithm) pair with its own data stream, and the commit of the code that wrote them.
Two kinds of test: the Neuro-Tron floors against the prediction of prop-ch3-floor with a
tolerance fixed by the rule derived in
:func:`test_neurotron_floor_matches_second_order_prediction` (a wrong floor formula, step size
or oracle fails it), and a short re-run of one simulation with the current code must reproduce
the committed curves (a change of the simulator, the seeding or the stream fails it).
"""

import re
from pathlib import Path

import numpy as np
import pytest

from dlmath import relu_gate as rg
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


def _second_order_term(sim: int, n_mc: int = 20_000) -> float:
    """delta = eta tr(H^-1 K) / (4 r) of the floor's expansion (see the test below), with
    E[|grad f|^2 (Mx)(Mx)^T] by Monte Carlo at w = w_* (the net and w_* of run_simulation)."""
    cfg = poisoning.PAPER_SIMS[sim]
    rng = np.random.default_rng(sim)
    net = rg.make_depth2_net(cfg["n"], R, 10, rng)
    w_star = rng.standard_normal(R)
    X = rg.sample_inputs(cfg["dist"], (n_mc, cfg["n"]), np.random.default_rng(1000 + sim),
                         **cfg["dist_kw"])  # fmt: skip
    AX = np.einsum("krn,Nn->Nkr", net.filters, X)  # A_j x
    act = (AX @ w_star > 0)[..., None]
    grad = net.q / net.k * (act * AX).sum(1)  # grad_w f at w_*, (N, r)
    MX = X @ net.M.T
    var = rg.input_moments(cfg["dist"], cfg["n"], **cfg["dist_kw"]).variance
    H = net.q / 2 * var * net.M @ net.M.T  # E[M x grad f^T], exactly (lem-ch3-expected-update)
    Ehh = np.einsum("N,Na,Nb->ab", np.sum(grad**2, 1), MX, MX) / n_mc
    K = H @ H.T + (Ehh - H @ H.T) / B
    return cfg["eta"] * float(np.trace(np.linalg.solve(H, K))) / (4 * R)


def _batch_se(log10_errors: np.ndarray, n_batches: int = 5) -> np.ndarray:
    """Per setting, the standard error of floor = sqrt(mean e^2) over the last quarter of the
    records, from ``n_batches`` consecutive batch means of e^2 (delta method for the root)."""
    e2 = 10.0 ** (2 * log10_errors)
    m = max(1, int(round(0.25 * e2.shape[-1])))
    last = e2[:, -m:]
    batches = last[:, : m - m % n_batches].reshape(e2.shape[0], n_batches, -1).mean(-1)
    se_e2 = batches.std(axis=1, ddof=1) / np.sqrt(n_batches)
    return se_e2 / (2 * np.sqrt(last.mean(axis=1)))


K_SE = 4.0  # P(|t_5| > 4) = 0.010: a false alarm in about 1 of 100 simulations


@pytest.mark.parametrize("sim", range(1, 9))
def test_neurotron_floor_matches_second_order_prediction(sim):
    """The rule, fixed before looking at the committed runs (ours, not the paper's).

    Linearize Neuro-Tron at w_* (Delta_t = w_t - w_*): Delta_{t+1} = (I - eta H_t) Delta_t
    + eta n_t with H_t = (1/b) sum_i M x_i grad f(x_i)^T, whose mean is exactly
    H = (q/2) M Sigma M^T (lem-ch3-expected-update), and attack noise n_t = (1/b) sum_i
    alpha_i xi_i M x_i, mean zero, covariance N = (beta theta^2 / b) M Sigma M^T =
    (2 beta theta^2/(q b)) H, uncorrelated with H_t Delta_t. The stationary second moment S
    solves S = E[(I - eta H_t) S (I - eta H_t)^T] + eta^2 N. With S = eta c I + eta^2 D:
    order eta^2 gives 2 c H = N, so c = beta theta^2/(q b) and E|Delta|^2 = eta beta theta^2 r
    /(q b), the first-order floor pred^2; order eta^3 gives H D + D H = c K with
    K = E[H_t H_t^T] = H H^T + (E[h h^T] - H H^T)/b, h = M x grad f(x)^T, so tr D =
    c tr(H^-1 K)/2 and floor/pred = sqrt(1 + 2 delta) = 1 + delta + O(delta^2) with
    delta = eta tr(H^-1 K)/(4 r) > 0. E[h h^T] = E[|grad f|^2 (Mx)(Mx)^T] involves the inputs'
    fourth moments: finite for Gaussian and Laplace inputs (estimated here by Monte Carlo),
    infinite for Student-t(4). There the expansion stops at first order: E[h h^T] = inf means
    the one-step second moment is infinite, so there is no finite correction to predict; what
    remains testable is the sign (the neglected terms add variance).

    Each attacked setting's ratio floor/pred is an independent estimate (its own stream); its
    standard error comes from the run itself, the larger of (a) batch means (5 batches) over
    the last quarter and (b) the spread of the ratios over the settings. Tolerance for the mean
    ratio over the settings: |mean - (1 + delta)| <= K_SE * SE + delta (the unknown next term
    taken as at most the size of the last one kept); Student-t(4): mean >= 1 - K_SE * SE.
    """
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
    logs = np.array([_arr(row) for row in res["tron"]["log10_error"]])[attacked]
    se_batch = np.sqrt(np.sum((_batch_se(logs) / pred[attacked]) ** 2)) / attacked.sum()
    se_spread = ratio.std(ddof=1) / np.sqrt(attacked.sum())
    se = max(se_batch, se_spread)
    msg = (sim, ratio.round(4), round(se, 4))
    if cfg["dist"] == "student_t":
        assert ratio.mean() >= 1 - K_SE * se, msg
        return
    delta = _second_order_term(sim)
    assert abs(ratio.mean() - (1 + delta)) <= K_SE * se + delta, msg + (round(delta, 4),)


def _hitting_time(res: dict, alg: str, level: float = -10.0) -> float:
    """The first recorded iteration with log10-error <= level without attack (inf: never)."""
    hit = np.flatnonzero(_arr(res[alg]["log10_error"][0]) <= level)
    return float(res["iterations"][hit[0]]) if hit.size else np.inf


def test_first_sample_variant_is_slower_than_correct_sgd_without_attack():
    """The public code's SGD: wherever correct SGD reached 1e-10 without attack, the
    first-sample variant reaches it more than 1.5 times later or never (the rule of "faster"
    stated in ch3/03). Comparing the final errors instead fails where both end at the
    rounding level (sim08: 1,600 against 28,300 iterations)."""
    compared = 0
    for rec in RECORDS.values():
        res = rec["result"]
        t_sgd, t_bug = _hitting_time(res, "sgd"), _hitting_time(res, "sgd_first_sample")
        if np.isfinite(t_sgd):
            compared += 1
            assert t_bug > 1.5 * t_sgd, (rec["settings"]["sim"], t_bug, t_sgd)
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
