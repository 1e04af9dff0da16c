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
from .._validate import check_instance, check_int, check_keys, check_real

__all__ = ["THETA_GRID", "BETA_GRID", "PAPER_SIMS", "SETTINGS_KEYS", "run_simulation",
           "summarise", "simulation"]


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
) -> tuple[rg.GridResult, rg.DepthTwoNet, np.ndarray]:
    """Run simulation ``sim`` (1-8) of :data:`PAPER_SIMS` as one batched
    :func:`dlmath.relu_gate.simulate_grid`.

    The defaults are the paper's settings; ``n``, ``r``, ``k``, ``n_iter`` and ``eta_factor``
    (multiplying the paper's step size) shrink it for quick runs. The net's filters and
    :math:`w_*\\sim N(0, I_r)` are drawn from seed ``sim``; the data stream from seed ``sim`` too.
    Returns the grid result, the net and :math:`w_*`.
    """
    sim = check_int(sim, "sim", min_value=1, max_value=8)
    cfg = PAPER_SIMS[sim]
    n = cfg["n"] if n is None else check_int(n, "n", min_value=1)
    eta_factor = check_real(eta_factor, "eta_factor", low=0.0, low_inclusive=False)
    rng = np.random.default_rng(sim)
    net = rg.make_depth2_net(n, r, k, rng)
    w_star = rng.standard_normal(net.r)
    res = rg.simulate_grid(
        net, w_star, n_iter=n_iter, b=b, eta=cfg["eta"] * eta_factor, betas=cfg["betas"],
        thetas=cfg["thetas"], algorithms=algorithms, attack=attack, dist=cfg["dist"],
        record_every=record_every, seed=sim, **cfg["dist_kw"],
    )  # fmt: skip
    return res, net, w_star



#: The keys of a :func:`simulation` settings dictionary (``seed`` is the simulation number).
SETTINGS_KEYS = ("sim", "n_iter", "record_every", "seed")


def summarise(res: rg.GridResult, sim: int) -> dict[str, Any]:
    """The JSON numbers kept of one simulation: the swept values, the recorded iterations and,
    per algorithm, the final errors, the error floors (root-mean-square error over the last
    quarter, :meth:`dlmath.relu_gate.GridResult.plateau`) and the log10-error curves."""
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
            "final_error": res.final(alg).tolist(),
            "floor_rms_last_quarter": res.plateau(alg).tolist(),
            "log10_error": np.log10(np.maximum(res.errors[a], 1e-300)).tolist(),
        }
    return out


def simulation(settings: dict[str, Any]) -> dict[str, Any]:
    """Run one paper simulation from its settings (keys :data:`SETTINGS_KEYS`, all required;
    an unknown key is an error) and :func:`summarise` it."""
    s = check_keys(settings, "settings", SETTINGS_KEYS, required=SETTINGS_KEYS)
    if s["seed"] != s["sim"]:
        raise ValueError(f"settings['seed'] must equal settings['sim'] (the paper's seeding), got {s}")
    res, _, _ = run_simulation(s["sim"], n_iter=s["n_iter"], record_every=s["record_every"])
    return summarise(res, s["sim"])
