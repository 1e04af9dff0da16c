"""Chapter 5's evidence scale (``mid``): the autoencoder comparison over seeds and half-decade
learning-rate grids, committed as per-run JSON files and plotted by the book.

:data:`MID_GRID` is the whole design (real MNIST 5k split, 1/3/5 hidden layers, mini-batch and
full batch, at least :math:`3/(1-\\beta_2)` steps, per-optimizer grids of five half-decade
learning rates, three seeds, ADAM with and without bias correction, RMSProp, both NAG forms,
:math:`\\beta_1\\in\\{0.9, 0.99\\}`). :func:`mid_settings` lists it in priority order, so that a
sweep cut short has run the most important slice first: stage 1 scans every learning rate
with seed 0, stage 2 adds the other seeds at the best rate of stage 1 and its two neighbours.
:func:`run_mid_experiment` is :func:`~dlmath.studies.ch5_autoencoders.run_experiment` plus the
git commit that ran it. :func:`seed_summary`, :func:`interior_optimum` and :func:`slice_optima`
turn the records into per-optimizer tuned rates and per-seed numbers; :func:`slice_status` says
what of a slice ran; :func:`decide_difference` decides a paired comparison over seeds by the
ledger's rule, inconclusive wherever :func:`missing_evidence` finds a gap (a slice cut short,
an optimum at a grid edge, seeds missing); :func:`sometimes_verdict` combines slices. These are
the numbers the claims about :prf:ref:`alg-ch5-adam` and :prf:ref:`alg-ch5-nag` are decided on.
"""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path
from typing import Any

import numpy as np

from .. import claims as cl
from .._validate import check_bool, check_choice, check_instance, check_int, check_sequence
from . import ch5_autoencoders as aes

__all__ = [
    "MID_GRID",
    "MID_CONFIGS",
    "SLICE",
    "BEST_ONLY",
    "run_mid_experiment",
    "mid_settings",
    "group_records",
    "seed_summary",
    "interior_optimum",
    "slice_optima",
    "slice_name",
    "design_settings",
    "slice_status",
    "nag_labels",
    "best_nag",
    "missing_evidence",
    "paired_difference",
    "decide_difference",
    "sometimes_verdict",
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

#: Slices whose stage 2 runs the other seeds at the stage-1 optimum only, not at its two
#: neighbours (the depth slices, as run on a CPU: ``scripts/ch5_mid_sweep.py --best-only 1,2``).
BEST_ONLY: tuple[tuple, ...] = (MID_GRID["slices"][1], MID_GRID["slices"][2])


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
    commit of the code that ran it added to the result as ``"git_commit"`` (read before the
    process's first run, so that a commit made while it trains is not recorded)."""
    commit = _git_commit()
    out = aes.run_experiment(settings)
    out["git_commit"] = commit
    return out


def _one(n_hidden: int, batch_size: int | None, opt: dict[str, Any], lr: float, seed: int,
         grid: dict[str, Any]) -> dict[str, Any]:
    keys = ("source", "n_train", "n_test", "width", "n_steps", "eval_every")
    return dict({k: grid[k] for k in keys}, n_hidden=n_hidden, batch_size=batch_size, **opt,
                lr=lr, seed=seed)


def mid_settings(stage: int, slice_: tuple = SLICE, *, best_lr: dict[str, float] | None = None,
                 grid: dict[str, Any] | None = None, best_only: bool | None = None
                 ) -> list[dict[str, Any]]:
    """Settings of one stage of one slice ``(n_hidden, batch_size, n_configs)``.

    ``stage=1``: every learning rate of every config's grid, seed ``grid["seeds"][0]``.
    ``stage=2``: the other seeds at ``best_lr[label]`` (the stage-1 optimum of each config,
    keyed by :func:`~dlmath.studies.ch5_autoencoders.config_label`) first, then at its two
    grid neighbours, so that a sweep cut short has the seeds at the optimum; with
    ``best_only`` (default: ``slice_`` is in :data:`BEST_ONLY`) at the optimum only.
    """
    grid = MID_GRID if grid is None else check_instance(grid, "grid", dict)
    stage = check_int(stage, "stage", min_value=1, max_value=2)
    n_hidden, batch_size, n_cfg = check_sequence(slice_, "slice_", min_len=3)[:3]
    configs = MID_CONFIGS[: check_int(n_cfg, "slice_[2]", min_value=1,
                                      max_value=len(MID_CONFIGS))]
    best_only = _best_only(slice_, best_only)
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
        at, *nbrs = _stage2_lrs(lrs, best_lr[label], best_only)
        for seed in others:
            first.append(_one(n_hidden, batch_size, opt, at, seed, grid))
            then += [_one(n_hidden, batch_size, opt, lr, seed, grid) for lr in nbrs]
    return first + then


def _stage2_lrs(lrs: tuple[float, ...], best: float, best_only: bool = False) -> list[float]:
    """The stage-1 optimum ``best`` of the grid ``lrs``, then (unless ``best_only``) its grid
    neighbours."""
    i = lrs.index(best)
    nbrs = [] if best_only else [lrs[j] for j in (i - 1, i + 1) if 0 <= j < len(lrs)]
    return [best] + nbrs


def _best_only(slice_: tuple, best_only: bool | None) -> bool:
    """``best_only`` checked, with its default: whether ``slice_`` is in :data:`BEST_ONLY`."""
    return check_bool(tuple(slice_) in BEST_ONLY if best_only is None else best_only,
                      "best_only")


_KEYS = ("loss", "grad", "test")  # the per-seed numbers of a slice_optima entry


def _check_optima(optima: Any, name: str = "optima") -> dict[str, dict[str, Any]]:
    optima = check_instance(optima, name, dict, "a dict label -> optimum (from slice_optima)")
    for lab, o in optima.items():
        if not isinstance(o, dict) or not {"lr", "interior", "n_seeds", "runs", *_KEYS} <= set(o):
            raise ValueError(f"{name}[{lab!r}] must be an entry of slice_optima (a dict with "
                             f"'lr', 'interior', 'n_seeds', 'runs', 'loss', 'grad', 'test')")
    return optima


def _check_status(status: Any) -> dict[str, dict[str, Any]]:
    status = check_instance(status, "status", dict, "a dict label -> status (from slice_status)")
    for lab, st in status.items():
        if not isinstance(st, dict) or not {"stage1", "stage2", "complete"} <= set(st):
            raise ValueError(f"status[{lab!r}] must be an entry of slice_status (a dict with "
                             f"'stage1', 'stage2', 'complete')")
    return status


def _check_label(x: Any, name: str, optima: dict | None = None) -> str:
    x = check_instance(x, name, str, "a config label (config_label)")
    if optima is not None and x not in optima:
        raise ValueError(f"{name} {x!r} has no optimum; labels with one: {sorted(optima)}")
    return x


def slice_name(slice_: tuple) -> str:
    """Folder name of a slice ``(n_hidden, batch_size, n_configs)``, e.g. ``"h3_b100_c7"``
    or ``"h3_full_c4"`` (full batch)."""
    n_hidden, bs, n_cfg = check_sequence(slice_, "slice_", min_len=3)[:3]
    return f"h{n_hidden}_{'full' if bs is None else f'b{bs}'}_c{n_cfg}"


def group_records(records: list[dict[str, Any]]) -> dict[str, dict[float, list[dict]]]:
    """Records by config label, then learning rate (each a list over seeds, seed order)."""
    records = aes._check_records(records, "records", ("lr", "seed", "optimizer"))
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
    key = check_instance(key, "key", str, "the name of a result entry")
    runs = aes._check_records(runs, "runs", ("seed",), (key,))
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
    by_lr = check_instance(by_lr, "by_lr", dict, "a dict learning rate -> list of records")
    for lr, rs in by_lr.items():
        aes._check_records(rs, f"by_lr[{lr!r}]", ("seed",), ("final_train_loss",))
    grid_lrs = tuple(check_sequence(grid_lrs, "grid_lrs", min_len=1))
    seed = check_int(seed, "seed", min_value=0)
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
    seeds = tuple(check_sequence(seeds, "seeds", min_len=1))
    aes._check_records(records, "records", result_keys=("final_train_loss", "final_grad_norm",
                                                        "final_test_loss"))
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


def design_settings(slice_: tuple = SLICE, grid: dict[str, Any] | None = None
                    ) -> list[dict[str, Any]]:
    """Every setting either stage of ``slice_`` can run: each config at each of its grid's
    learning rates with each seed (a committed record must be one of them)."""
    grid = MID_GRID if grid is None else check_instance(grid, "grid", dict)
    n_hidden, batch_size, n_cfg = check_sequence(slice_, "slice_", min_len=3)[:3]
    return [_one(n_hidden, batch_size, opt, lr, seed, grid)
            for opt, lrs in MID_CONFIGS[:n_cfg] for lr in lrs for seed in grid["seeds"]]


def slice_status(records: list[dict[str, Any]], slice_: tuple = SLICE,
                 seeds: tuple[int, ...] = MID_GRID["seeds"], *,
                 best_only: bool | None = None) -> dict[str, dict[str, Any]]:
    """What of ``slice_`` ran, per config label: ``stage1`` and ``stage2`` as ``[done,
    planned]`` (stage 2's plan is known once stage 1 is complete, else ``planned`` is
    ``None``) and ``complete``: both stages as :func:`mid_settings` plans them, stage 2 at
    the stage-1 optimum only if ``best_only`` (default: ``slice_`` is in :data:`BEST_ONLY`)."""
    n_cfg = check_sequence(slice_, "slice_", min_len=3)[2]
    n_cfg = check_int(n_cfg, "slice_[2]", min_value=1, max_value=len(MID_CONFIGS))
    best_only = _best_only(slice_, best_only)
    seeds = tuple(check_sequence(seeds, "seeds", min_len=1))
    by = group_records(records)
    out = {}
    for opt, lrs in MID_CONFIGS[:n_cfg]:
        label = aes.config_label(opt)
        runs = {(lr, r["settings"]["seed"]) for lr, rs in by.get(label, {}).items() for r in rs}
        done1 = sum((lr, seeds[0]) in runs for lr in lrs)
        plan2 = None
        if done1 == len(lrs):
            best = interior_optimum(by[label], lrs, seed=seeds[0])["lr"]
            at = _stage2_lrs(lrs, best, best_only)
            plan2 = {(lr, s) for lr in at for s in seeds[1:]}
        done2 = (sum(k in runs for k in plan2) if plan2 is not None
                 else sum(s != seeds[0] for _, s in runs))
        out[label] = {"stage1": [done1, len(lrs)],
                      "stage2": [done2, None if plan2 is None else len(plan2)],
                      "complete": plan2 is not None and done2 == len(plan2)}
    return out


def nag_labels(n_configs: int = SLICE[2]) -> list[str]:
    """Labels of the NAG settings in Sutskever's form among the first ``n_configs`` configs
    (the candidates for "the best NAG"; the look-ahead form is the same algorithm)."""
    n_configs = check_int(n_configs, "n_configs", min_value=1, max_value=len(MID_CONFIGS))
    return [aes.config_label(o) for o, _ in MID_CONFIGS[:n_configs]
            if o["optimizer"] == "nag" and o.get("form", "sutskever") != "lookahead"]


def best_nag(optima: dict[str, dict[str, Any]], n_configs: int = SLICE[2]) -> str | None:
    """The NAG label of :func:`nag_labels` with the lowest seed-mean final training loss at
    its tuned rate (``None`` if none ran)."""
    optima = _check_optima(optima)
    cands = [lab for lab in nag_labels(n_configs) if lab in optima]
    return min(cands, key=lambda lab: float(np.mean(optima[lab]["loss"]))) if cands else None


def missing_evidence(optima: dict[str, dict[str, Any]], status: dict[str, dict[str, Any]],
                     labels: list[str] | tuple[str, ...], n_seeds: int = len(MID_GRID["seeds"])
                     ) -> str | None:
    """``None`` if every label in ``labels`` has complete evidence (both stages run, the
    tuned rate interior, ``n_seeds`` seeds there), else the first reason it has not."""
    optima, status = _check_optima(optima), _check_status(status)
    labels = check_sequence(labels, "labels", item_type=str, what="a list of config labels")
    n_seeds = check_int(n_seeds, "n_seeds", min_value=1)
    for lab in labels:
        if lab not in optima or lab not in status:
            return f"{lab}: not run"
        st, o = status[lab], optima[lab]
        if not st["complete"]:
            return (f"{lab}: cut short (stage 1 {st['stage1'][0]}/{st['stage1'][1]}, "
                    f"stage 2 {st['stage2'][0]}/{st['stage2'][1] or '?'})")
        if not o["interior"]:
            return f"{lab}: optimum at a grid edge (lr {o['lr']:g})"
        if o["n_seeds"] < n_seeds:
            return f"{lab}: {o['n_seeds']} of {n_seeds} seeds"
    return None


def paired_difference(optima: dict[str, dict[str, Any]], a: str, b: str, key: str = "loss"
                      ) -> np.ndarray:
    """Per-seed ``key`` of ``a`` minus that of ``b`` at their tuned rates, over the seeds both
    ran (seeds are paired: a seed fixes the initialisation and the mini-batch order)."""
    optima = _check_optima(optima)
    a, b = _check_label(a, "a", optima), _check_label(b, "b", optima)
    key = check_choice(key, "key", _KEYS)

    def by_seed(lab: str) -> dict[int, float]:
        o = optima[lab]
        return dict(zip((r["settings"]["seed"] for r in o["runs"]), o[key], strict=True))

    va, vb = by_seed(a), by_seed(b)
    return np.array([va[s] - vb[s] for s in sorted(set(va) & set(vb))], dtype=float)


def decide_difference(optima: dict[str, dict[str, Any]], status: dict[str, dict[str, Any]],
                      a: str, b: str, key: str = "loss", *, needs: tuple[str, ...] = (),
                      refutable: bool = True, n_seeds: int = len(MID_GRID["seeds"])
                      ) -> tuple[str, dict[str, Any]]:
    """Verdict on "``key`` of ``a`` exceeds that of ``b``" by the ledger's rule over seeds:
    reproduced if the 95% Student interval of the per-seed differences lies above 0, not as
    stated if below (inconclusive instead when not ``refutable``), else inconclusive; also
    inconclusive when :func:`missing_evidence` finds a gap for ``a``, ``b`` or ``needs``."""
    a, b = _check_label(a, "a"), _check_label(b, "b")
    needs = tuple(check_sequence(needs, "needs", item_type=str, what="a tuple of config labels"))
    key = check_choice(key, "key", _KEYS)
    refutable = check_bool(refutable, "refutable")
    reason = missing_evidence(optima, status, (a, b, *needs), n_seeds)
    if reason is not None:
        return cl.INCONCLUSIVE, {"complete": False, "reason": reason}
    d = paired_difference(optima, a, b, key)
    m, lo, hi = cl.mean_ci(d)
    v = cl.decide(lo, hi, 0.0, holds_if="above")
    if v == cl.NOT_AS_STATED and not refutable:
        v = cl.INCONCLUSIVE
    return v, {"complete": True, "mean": m, "sd": float(np.std(d, ddof=1)), "ci_low": lo,
               "ci_high": hi, "seeds": len(d)}


def sometimes_verdict(per_slice: list[str], n_planned: int) -> str:
    """Verdict on a claim that holds "sometimes", from its verdicts on the slices that ran
    (``per_slice``): reproduced if some slice reproduces it, not as stated if all
    ``n_planned`` slices of the design ran and each was decided against it, else
    inconclusive."""
    per_slice = check_sequence(per_slice, "per_slice", item_type=str, what="a list of verdicts")
    for i, v in enumerate(per_slice):
        check_choice(v, f"per_slice[{i}]", cl.VERDICTS)
    n_planned = check_int(n_planned, "n_planned", min_value=max(len(per_slice), 1))
    if cl.REPRODUCED in per_slice:
        return cl.REPRODUCED
    if len(per_slice) == n_planned and all(v == cl.NOT_AS_STATED for v in per_slice):
        return cl.NOT_AS_STATED
    return cl.INCONCLUSIVE
