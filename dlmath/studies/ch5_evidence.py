"""Chapter 5's evidence scale (``mid``): the autoencoder comparison over seeds and half-decade
learning-rate grids, committed as per-run JSON files and plotted by the book.

:data:`MID_GRID` is the whole design (real MNIST 5k split, 1/3/5 hidden layers, mini-batch and
full batch, at least :math:`3/(1-\\beta_2)` steps, per-optimizer grids of five half-decade
learning rates, three seeds, ADAM with and without bias correction, RMSProp, both NAG forms,
:math:`\\beta_1\\in\\{0.9, 0.99\\}`). :func:`mid_settings` lists it in priority order, so that a
sweep cut short has run the most important slice first: stage 1 scans every learning rate
with seed 0, stage 2 adds the other seeds at the best rate of stage 1 and its two neighbours.
:func:`run_mid_experiment` is :func:`~dlmath.studies.ch5_autoencoders.run_experiment` plus the
git commit that ran it. :func:`seed_summary` and :func:`interior_optimum` turn the records into
the numbers the claims of :prf:ref:`alg-ch5-adam` and :prf:ref:`alg-ch5-nag` are decided on.
"""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path
from typing import Any

import numpy as np

from .._validate import check_instance, check_int, check_sequence
from . import ch5_autoencoders as aes

__all__ = [
    "MID_GRID",
    "MID_CONFIGS",
    "SLICE",
    "run_mid_experiment",
    "mid_settings",
    "group_records",
    "seed_summary",
    "interior_optimum",
    "slice_optima",
]

_ROOT = Path(__file__).resolve().parents[2]

#: Optimizer settings of the evidence scale with their learning-rate grids (half decades).
MID_CONFIGS: tuple[tuple[dict[str, Any], tuple[float, ...]], ...] = (
    ({"optimizer": "adam", "beta1": 0.99, "beta2": 0.999, "xi": 1e-8},
     (1e-4, 3e-4, 1e-3, 3e-3, 1e-2)),
    ({"optimizer": "adam", "beta1": 0.9, "beta2": 0.999, "xi": 1e-8},
     (1e-4, 3e-4, 1e-3, 3e-3, 1e-2)),
    ({"optimizer": "nag", "momentum": 0.9}, (1e-3, 3e-3, 1e-2, 3e-2, 1e-1)),
    ({"optimizer": "nag", "momentum": 0.99}, (1e-4, 3e-4, 1e-3, 3e-3, 1e-2)),
    ({"optimizer": "adam", "beta1": 0.9, "beta2": 0.999, "xi": 1e-8, "bias_correction": True},
     (1e-4, 3e-4, 1e-3, 3e-3, 1e-2)),
    ({"optimizer": "rmsprop", "beta2": 0.999, "xi": 1e-8, "xi_placement": "outside"},
     (1e-5, 3e-5, 1e-4, 3e-4, 1e-3)),
    ({"optimizer": "nag", "momentum": 0.9, "form": "lookahead"}, (1e-3, 3e-3, 1e-2, 3e-2, 1e-1)),
)

#: The whole evidence-scale design. ``slices`` in priority order: (n_hidden, batch_size,
#: number of configs of :data:`MID_CONFIGS` used). The first slice is the chapter's headline
#: comparison with every optimizer (3 hidden layers, mini-batch 100); then one and five hidden
#: layers and full batch, each with the first four configs (ADAM b1 = 0.99 and 0.9, NAG
#: mu = 0.9 and 0.99).
MID_GRID: dict[str, Any] = dict(
    source="mnist_5k", n_train=4000, n_test=1000, width=128, n_steps=3000, eval_every=250,
    seeds=(0, 1, 2),
    slices=((3, 100, 7), (1, 100, 4), (5, 100, 4), (3, None, 4)),
)

#: The slice committed with the book (the first of ``MID_GRID["slices"]``).
SLICE = MID_GRID["slices"][0]


@functools.lru_cache(maxsize=1)
def _git_commit() -> str:
    """HEAD (with ``+dirty`` for uncommitted changes to tracked files) at the first call,
    i.e. when the sweep's first run starts, so that every record of one process agrees."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=_ROOT, capture_output=True,
                             text=True, timeout=10, check=False)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=_ROOT, capture_output=True, text=True, timeout=10,
                               check=False)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    sha = out.stdout.strip() or "unknown"
    return sha + ("+dirty" if dirty.stdout.strip() else "")


def run_mid_experiment(settings: dict[str, Any]) -> dict[str, Any]:
    """:func:`~dlmath.studies.ch5_autoencoders.run_experiment` on ``settings``, with the git
    commit of the code that ran it added to the result as ``"git_commit"``."""
    out = aes.run_experiment(settings)
    out["git_commit"] = _git_commit()
    return out


def _one(n_hidden: int, batch_size: int | None, opt: dict[str, Any], lr: float, seed: int,
         grid: dict[str, Any]) -> dict[str, Any]:
    keys = ("source", "n_train", "n_test", "width", "n_steps", "eval_every")
    return dict({k: grid[k] for k in keys}, n_hidden=n_hidden, batch_size=batch_size, **opt,
                lr=lr, seed=seed)


def mid_settings(stage: int, slice_: tuple = SLICE, *, best_lr: dict[str, float] | None = None,
                 grid: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Settings of one stage of one slice ``(n_hidden, batch_size, n_configs)``.

    ``stage=1``: every learning rate of every config's grid, seed ``grid["seeds"][0]``.
    ``stage=2``: the other seeds at ``best_lr[label]`` (the stage-1 optimum of each config,
    keyed by :func:`~dlmath.studies.ch5_autoencoders.config_label`) first, then at its two
    grid neighbours, so that a sweep cut short has the seeds at the optimum.
    """
    grid = MID_GRID if grid is None else check_instance(grid, "grid", dict)
    stage = check_int(stage, "stage", min_value=1, max_value=2)
    n_hidden, batch_size, n_cfg = check_sequence(slice_, "slice_", min_len=3)[:3]
    configs = MID_CONFIGS[: check_int(n_cfg, "slice_[2]", min_value=1,
                                      max_value=len(MID_CONFIGS))]
    seed0, *others = grid["seeds"]
    if stage == 1:
        return [_one(n_hidden, batch_size, opt, lr, seed0, grid)
                for opt, lrs in configs for lr in lrs]
    if best_lr is None:
        raise ValueError("best_lr (config label -> stage-1 optimum) is needed for stage 2")
    first, then = [], []
    for opt, lrs in configs:
        label = aes.config_label(opt)
        if label not in best_lr:
            raise ValueError(f"best_lr has no entry for {label!r}")
        i = lrs.index(best_lr[label])
        for seed in others:
            first.append(_one(n_hidden, batch_size, opt, lrs[i], seed, grid))
            for j in (i - 1, i + 1):
                if 0 <= j < len(lrs):
                    then.append(_one(n_hidden, batch_size, opt, lrs[j], seed, grid))
    return first + then


def group_records(records: list[dict[str, Any]]) -> dict[str, dict[float, list[dict]]]:
    """Records by config label, then learning rate (each a list over seeds, seed order)."""
    out: dict[str, dict[float, list[dict]]] = {}
    for r in records:
        s = r["settings"]
        out.setdefault(aes.config_label(s), {}).setdefault(s["lr"], []).append(r)
    for by_lr in out.values():
        for rs in by_lr.values():
            rs.sort(key=lambda r: r["settings"]["seed"])
    return out


def seed_summary(runs: list[dict[str, Any]], key: str = "final_train_loss") -> dict[str, Any]:
    """``key`` of the result over the seeds of ``runs``: ``values`` (seed order), ``seeds``,
    ``mean`` and ``sd`` (``nan`` for one seed)."""
    if not runs:
        raise ValueError("runs must hold at least one record")
    vals = np.array([float(r["result"][key]) for r in runs])
    return {"values": vals.tolist(), "seeds": [r["settings"]["seed"] for r in runs],
            "mean": float(vals.mean()), "sd": float(vals.std(ddof=1)) if len(vals) > 1
            else float("nan")}


def interior_optimum(by_lr: dict[float, list[dict[str, Any]]], grid_lrs: tuple[float, ...],
                     seed: int = 0) -> dict[str, Any]:
    """The learning rate of ``grid_lrs`` with the lowest final training loss at ``seed``
    (diverged runs count as ``inf``), and whether it is interior: not at either end of the
    grid, with both neighbours run."""
    losses = {}
    for lr in grid_lrs:
        run = [r for r in by_lr.get(lr, []) if r["settings"]["seed"] == seed]
        if run:
            losses[lr] = float(run[0]["result"]["final_train_loss"])
    if not losses:
        raise ValueError(f"no run at seed {seed} on the grid {grid_lrs}")
    best = min(losses, key=lambda lr: (losses[lr], lr))
    i = grid_lrs.index(best)
    interior = 0 < i < len(grid_lrs) - 1 and all(grid_lrs[j] in losses for j in (i - 1, i + 1))
    return {"lr": best, "losses": losses, "interior": bool(interior)}


def slice_optima(records: list[dict[str, Any]], n_configs: int = SLICE[2],
                 seeds: tuple[int, ...] = MID_GRID["seeds"]) -> dict[str, dict[str, Any]]:
    """Per config label of the slice: the tuned learning rate and the per-seed numbers there.

    The optimum is the lowest seed-mean final training loss among the learning rates run
    with all ``seeds`` (stage 2: the stage-1 optimum and its neighbours); with none, the
    stage-1 optimum (:func:`interior_optimum`). ``interior`` requires both the stage-1
    optimum and the chosen rate to be off the grid's ends. Each entry holds ``lr``,
    ``interior``, ``n_seeds`` and the per-seed ``loss`` and ``grad`` (final training loss and
    full-batch gradient norm, seed order) at ``lr``, ``test`` likewise, and ``runs``.
    """
    check_int(n_configs, "n_configs", min_value=1, max_value=len(MID_CONFIGS))
    by = group_records(records)
    out = {}
    for opt, lrs in MID_CONFIGS[:n_configs]:
        label = aes.config_label(opt)
        if label not in by:
            continue
        stage1 = interior_optimum(by[label], lrs, seed=seeds[0])
        full = {lr: rs for lr, rs in by[label].items()
                if sorted(r["settings"]["seed"] for r in rs) == sorted(seeds)}
        if full:
            lr = min(full, key=lambda k: (seed_summary(full[k])["mean"], k))
        else:
            lr = stage1["lr"]
        runs = by[label][lr]
        i = lrs.index(lr)
        out[label] = {
            "lr": lr, "interior": bool(stage1["interior"] and 0 < i < len(lrs) - 1),
            "n_seeds": len(runs), "loss": seed_summary(runs)["values"],
            "grad": seed_summary(runs, "final_grad_norm")["values"],
            "test": seed_summary(runs, "final_test_loss")["values"], "runs": runs,
            "stage1_losses": stage1["losses"],
        }
    return out
