"""Chapter 3's paper-scale study: the eight Neuro-Tron data-poisoning simulations.

The grids of the Neuro-Tron experiments of :cite:t:`karmakar2020depth2`: sims 1-4
sweep the attack magnitude :math:`\\theta_*` over :data:`THETA_GRID` at attack probability
:math:`\\beta = 0.5`, sims 5-8 sweep :math:`\\beta` over :data:`BETA_GRID` at
:math:`\\theta_* = 0.25`. :func:`run_simulation` runs one of them as a single batched
:func:`dlmath.relu_gate.simulate_grid`; :func:`simulation` is the function that
:func:`dlmath.sweep.run_sweep` calls for each settings dictionary
(``scripts/ch3_full_sims.py`` is its command line); :func:`summarise` turns a result into the
JSON numbers that are committed under ``chapters/03_relu_gate/results/``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import relu_gate as rg
from .._validate import check_bool, check_instance, check_int, check_keys, check_real

__all__ = ["THETA_GRID", "BETA_GRID", "PAPER_SIMS", "PAPER_ALGORITHMS", "SETTINGS_KEYS",
           "run_simulation", "summarise", "simulation"]


#: The attack magnitudes :math:`\theta_*` swept by sims 1-4 (at :math:`\beta = 0.5`).
THETA_GRID = (0.0, 0.125, 0.25, 0.5, 1.0, 2.0, 4.0)
#: The attack probabilities :math:`\beta` swept by sims 5-8 (at :math:`\theta_* = 0.25`).
BETA_GRID = (0.0, 0.005, 0.05, 0.1, 0.2, 0.5, 0.9)
#: The eight simulations of the Neuro-Tron experiments (filter r=25, width k=10, batch b=16,
#: 40,000 iterations, seed = simulation number): input law, dimension n, step size eta, and the
#: swept attack parameter (theta* with beta=0.5, or beta with theta*=0.25).
PAPER_SIMS: dict[int, dict] = {
    s: {
        "dist": dist,
        "dist_kw": kw,
        "n": n,
        "eta": eta,
        "sweep": "theta" if s <= 4 else "beta",
        "betas": (0.5,) if s <= 4 else BETA_GRID,
        "thetas": THETA_GRID if s <= 4 else (0.25,),
    }
    for s, (dist, kw, n, eta) in {
        1: ("normal", {"scale": 1.0}, 100, 1e-4),
        2: ("normal", {"scale": 3.0}, 50, 5e-5),
        3: ("laplace", {"scale": 2.0}, 50, 5e-5),
        4: ("student_t", {"df": 4.0}, 100, 1e-4),
        5: ("normal", {"scale": 1.0}, 100, 1e-4),
        6: ("normal", {"scale": 3.0}, 50, 5e-5),
        7: ("laplace", {"scale": 2.0}, 50, 5e-5),
        8: ("student_t", {"df": 4.0}, 100, 1e-4),
    }.items()
}


def run_simulation(
    sim: int,
    *,
    n_iter: int = 40_000,
    n: int | None = None,
    r: int = 25,
    k: int = 10,
    b: int = 16,
    eta_factor: float = 1.0,
    algorithms: tuple[str, ...] | str = ("tron", "sgd"),
    attack: str = "alternating",
    record_every: int = 100,
    independent: bool = False,
) -> tuple[rg.GridResult, rg.DepthTwoNet, np.ndarray]:
    """Run simulation ``sim`` (1-8) of :data:`PAPER_SIMS` as one batched
    :func:`dlmath.relu_gate.simulate_grid`.

    The defaults are the paper's settings; ``n``, ``r``, ``k``, ``n_iter`` and ``eta_factor``
    (multiplying the paper's step size) shrink it for quick runs. The net's filters and
    :math:`w_*\\sim N(0, I_r)` are drawn from seed ``sim``. With ``independent=False`` every
    setting and algorithm reads one data stream (seed ``sim``; common random numbers, cheap, but
    then the floors of different settings are exactly proportional to each other); with
    ``independent=True`` every (setting, algorithm) pair has its own stream, as in the public
    experiment code (one batched call, seed ``100 * sim``, one stream row per pair). Returns
    the grid result, the net and :math:`w_*`.
    """
    sim = check_int(sim, "sim", min_value=1, max_value=8)
    cfg = PAPER_SIMS[sim]
    n = cfg["n"] if n is None else check_int(n, "n", min_value=1)
    eta_factor = check_real(eta_factor, "eta_factor", low=0.0, low_inclusive=False)
    rng = np.random.default_rng(sim)
    net = rg.make_depth2_net(n, r, k, rng)
    w_star = rng.standard_normal(net.r)
    kw = dict(n_iter=n_iter, b=b, eta=cfg["eta"] * eta_factor, betas=cfg["betas"],
              thetas=cfg["thetas"], attack=attack, dist=cfg["dist"], record_every=record_every,
              **cfg["dist_kw"])  # fmt: skip
    independent = check_bool(independent, "independent")
    seed = 100 * sim if independent else sim
    res = rg.simulate_grid(net, w_star, algorithms=algorithms, independent=independent, seed=seed, **kw)
    return res, net, w_star



#: The keys of a :func:`simulation` settings dictionary (``seed`` is the simulation number;
#: ``commit``, optional, is the git commit of the code that ran it, recorded with the result).
SETTINGS_KEYS = ("sim", "n_iter", "record_every", "seed", "commit")
#: The three algorithms run at paper scale (Neuro-Tron, SGD, and SGD as in the public code).
PAPER_ALGORITHMS = ("tron", "sgd", "sgd_first_sample")


def summarise(res: rg.GridResult, sim: int, w_star=None) -> dict[str, Any]:
    """The JSON numbers kept of one simulation: the swept values, the recorded iterations and,
    per algorithm, the final errors, the error floors (root-mean-square error over the last
    quarter, :meth:`dlmath.relu_gate.GridResult.plateau`) and the log10-error curves; with
    ``w_star``, also the cosine :math:`\\cos(w_T, w_*)` and the ratio :math:`\\|w_T\\|/\\|w_*\\|`
    of each final iterate (``None`` where it is not finite), which tell a trapped run
    (:func:`dlmath.relu_gate.classify_runs`) from a converged one."""
    check_instance(res, "res", rg.GridResult)
    cfg = PAPER_SIMS[check_int(sim, "sim", min_value=1, max_value=8)]
    values = res.thetas if cfg["sweep"] == "theta" else res.betas
    out: dict[str, Any] = {
        "swept": cfg["sweep"],
        "values": np.asarray(values).tolist(),
        "iterations": res.iterations.tolist(),
    }
    for a, alg in enumerate(res.algorithms):
        out[alg] = {
            "final_error": _finite_or_none(res.final(alg)),
            "floor_rms_last_quarter": _finite_or_none(res.plateau(alg)),
            "log10_error": [_finite_or_none(np.log10(np.maximum(e, 1e-300))) for e in res.errors[a]],
        }
        if w_star is not None:
            cos, ratio = rg.final_geometry(res.w_final[a], w_star)
            out[alg]["final_cosine"] = _finite_or_none(cos)
            out[alg]["final_norm_ratio"] = _finite_or_none(ratio)
    return out


def _finite_or_none(x: np.ndarray) -> list:
    """A list with ``None`` for every non-finite entry (JSON has no inf or nan)."""
    x = np.asarray(x, dtype=float)
    return [float(v) if np.isfinite(v) else None for v in x]


def simulation(settings: dict[str, Any]) -> dict[str, Any]:
    """Run one paper simulation from its settings (keys :data:`SETTINGS_KEYS`; all but
    ``commit`` required; an unknown key is an error) with independent data per setting and
    algorithm and the three :data:`PAPER_ALGORITHMS`, and :func:`summarise` it."""
    required = tuple(k for k in SETTINGS_KEYS if k != "commit")
    s = check_keys(settings, "settings", SETTINGS_KEYS, required=required)
    if s["seed"] != s["sim"]:
        raise ValueError(f"settings['seed'] must equal settings['sim'] (the paper's seeding), got {s}")
    res, _, w_star = run_simulation(s["sim"], n_iter=s["n_iter"], record_every=s["record_every"],
                                    algorithms=PAPER_ALGORITHMS, independent=True)  # fmt: skip
    return summarise(res, s["sim"], w_star)


_LAW_NAMES = {"normal": "N(0, {s:g}²)", "laplace": "Laplace(0, {s:g})", "student_t": "Student-t({df:g})"}


def law_label(sim: int) -> str:
    """The input law of simulation ``sim`` in words, for titles (``"Laplace(0, 2)"``)."""
    cfg = PAPER_SIMS[check_int(sim, "sim", min_value=1, max_value=8)]
    kw = {"s": 1.0, "df": 4.0} | {("s" if k == "scale" else k): v for k, v in cfg["dist_kw"].items()}
    return _LAW_NAMES[cfg["dist"]].format(**kw)


def load_paper_results(folder) -> dict[int, dict[str, Any]]:
    """The committed paper-scale records of :func:`simulation` in ``folder`` (written by
    ``scripts/ch3_full_sims.py``), by simulation number; empty when there are none. Records of
    an older format (without the first-sample variant) are skipped."""
    from ..sweep import load_results

    out: dict[int, dict[str, Any]] = {}
    for rec in load_results(folder):
        if rec.get("function", "").endswith(":simulation") and "sgd_first_sample" in rec["result"]:
            out[int(rec["settings"]["sim"])] = rec
    return dict(sorted(out.items()))
