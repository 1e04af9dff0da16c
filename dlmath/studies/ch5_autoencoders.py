"""Chapter 5's paper-scale study: ADAM, RMSProp and NAG on ReLU autoencoders.

The comparison of De, Mukherjee and Ullah (2018, arXiv:1807.06766) at three scales
(:data:`STUDY_SCALES`): depths x batch regimes x optimizer settings (:data:`STUDY_CONFIGS`) x
learning rates, then Hessian tracking on the best run of each setting. :func:`run_experiment`
trains one autoencoder (:mod:`dlmath.autoencoders`) from one settings dictionary; it is the
function :func:`dlmath.sweep.run_sweep` runs for every point of the grid
(``scripts/ch5_full_sweep.py`` is the command line). :func:`best_runs` and :func:`findings`
summarise the records.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .. import autoencoders as ae
from .. import config, data, optim
from .._validate import check_choice, check_instance, check_int, check_keys, check_sequence
from ..sweep import load_results, run_sweep

__all__ = [
    "RUN_KEYS",
    "run_experiment",
    "STUDY_SCALES",
    "STUDY_CONFIGS",
    "config_label",
    "regime_label",
    "study_settings",
    "with_hessian",
    "best_runs",
    "run_study",
    "load_study",
    "findings",
]

#: The keys of a :func:`run_experiment` settings dictionary besides the optimizer's.
RUN_KEYS = ("source", "n_train", "n_test", "width", "n_hidden", "batch_size", "n_steps",
            "eval_every", "hessian_every", "hessian_n", "lanczos_ncv", "seed", "device")


def run_experiment(settings: dict[str, Any]) -> dict[str, Any]:
    """Train one autoencoder described by ``settings`` and return its metrics as a dict.

    Keys (defaults in brackets): ``source`` [``"mnist_5k"``], ``n_train``, ``n_test``,
    ``width`` [1000], ``n_hidden`` [3], ``batch_size`` [``None`` = full batch], ``n_steps``,
    ``eval_every`` [100], ``hessian_every`` [``None``], ``hessian_n`` [500], ``lanczos_ncv``
    [80], ``seed`` [0],
    ``device`` [:func:`dlmath.config.device`], and the optimizer keys of
    :func:`dlmath.optim.from_spec` (``optimizer``, ``lr`` and the chosen class's own keys, whose
    defaults are the class's). Any other key is an error naming it, so that a misspelt setting
    (``"widht"``) never trains the default net. The result holds the
    :class:`~dlmath.autoencoders.TrainHistory` fields plus ``final_train_loss``,
    ``final_test_loss`` and ``final_grad_norm`` (``inf`` if diverged).
    """
    settings = check_instance(settings, "settings", dict)
    opt_keys = ("optimizer",) + optim.spec_keys(settings.get("optimizer"))
    check_keys(settings, "settings", RUN_KEYS + opt_keys, required=("n_steps", "optimizer", "lr"))
    dev = torch.device(settings.get("device") or config.device())
    seed = settings.get("seed", 0)
    X_train, X_test, _ = ae.load_autoencoder_data(settings.get("source", "mnist_5k"),
                                               n_train=settings.get("n_train"),
                                               n_test=settings.get("n_test"), seed=0)
    X_train, X_test = X_train.to(dev), X_test.to(dev)
    model = ae.make_autoencoder(X_train.shape[1], settings.get("width", 1000),
                             settings.get("n_hidden", 3), seed=seed).to(dev)
    opt = optim.from_spec(model.parameters(), {k: v for k, v in settings.items() if k in opt_keys})
    hist = ae.train_autoencoder(model, X_train, X_test, opt, n_steps=settings["n_steps"],
                             batch_size=settings.get("batch_size"),
                             eval_every=settings.get("eval_every", 100),
                             hessian_every=settings.get("hessian_every"),
                             hessian_n=settings.get("hessian_n", 500),
                             lanczos_ncv=settings.get("lanczos_ncv", 80), seed=seed)
    out = hist.to_dict()
    out["final_train_loss"] = hist.final_train_loss
    out["final_test_loss"] = math.inf if hist.diverged else hist.test_loss[-1]
    out["final_grad_norm"] = math.inf if hist.diverged else hist.grad_norm[-1]
    return out


#: Settings of the comparison at each scale. ``lrs`` maps an optimizer to its learning-rate grid;
#: ``configs`` lists the optimizer settings compared (each is run at every lr of its grid).
STUDY_SCALES: dict[str, dict[str, Any]] = {
    "smoke": dict(source="mnist_5k", n_train=200, n_train_full_batch=200, n_test=500,
                  width=16, depths=(3,), batch_sizes=(None, 100), n_steps=150, eval_every=25,
                  lrs={"adam": (3e-3, 1e-2), "nag": (3e-3, 1e-2)}, xis=(1e-8, 1e-1),
                  hessian_every=50, hessian_n=100, lanczos_ncv=40, hessian_depths=(3,),
                  hessian_batch_sizes=(None,), hessian_seeds=(0,)),
    "default": dict(source="mnist_5k", n_train=500, n_train_full_batch=500, n_test=1000,
                    width=32, depths=(1, 3, 5), batch_sizes=(None, 100), n_steps=200,
                    eval_every=25, lrs={"adam": (1e-3, 3e-3, 1e-2), "nag": (1e-3, 3e-3, 1e-2)},
                    xis=(1e-8, 1e-4, 1e-1), hessian_every=50, hessian_n=200, lanczos_ncv=80,
                    hessian_depths=(3,), hessian_batch_sizes=(None,), hessian_seeds=(0, 1, 2)),
    "full": dict(source="fashion_mnist", n_train=60_000, n_train_full_batch=10_000,
                 n_test=10_000, width=1000, depths=(1, 3, 5), batch_sizes=(None, 100),
                 n_steps=10_000, eval_every=250,
                 lrs={"adam": (1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2),
                      "nag": (1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2)},
                 xis=(1e-8, 1e-4, 1e-1), hessian_every=1000, hessian_n=1000, lanczos_ncv=40,
                 hessian_depths=(1, 3, 5), hessian_batch_sizes=(None, 100),
                 hessian_seeds=(0, 1, 2)),
}

#: The optimizer settings compared in the main grid (the paper's beta_1 and momentum values).
STUDY_CONFIGS: tuple[dict[str, Any], ...] = (
    {"optimizer": "adam", "beta1": 0.9, "beta2": 0.999, "xi": 1e-8},
    {"optimizer": "adam", "beta1": 0.99, "beta2": 0.999, "xi": 1e-8},
    {"optimizer": "nag", "momentum": 0.9},
    {"optimizer": "nag", "momentum": 0.99},
)


def _check_records(records: Any, name: str, settings_keys: tuple[str, ...] = (),
                   result_keys: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """``records`` as a list after checking that each is a sweep record: a dict whose
    ``"settings"`` and ``"result"`` are dicts holding ``settings_keys`` and ``result_keys``."""
    records = check_sequence(records, name, what="a list of sweep records")
    for i, r in enumerate(records):
        where = f"{name}[{i}]"
        check_instance(r, where, dict, "a sweep record (a dict)")
        for part, keys in (("settings", settings_keys), ("result", result_keys)):
            if not isinstance(r.get(part), dict):
                raise ValueError(f"{where} must hold a {part!r} dict, got keys {sorted(r, key=str)}")
            missing = [k for k in keys if k not in r[part]]
            if missing:
                raise ValueError(f"{where}[{part!r}] is missing the keys {missing}")
    return records


def config_label(settings: dict[str, Any]) -> str:
    """Short name of an optimizer setting, e.g. ``"ADAM b1=0.99 xi=1e-08"`` or ``"NAG mu=0.9"``;
    a key left out shows its class's default (:func:`dlmath.optim.spec_defaults`)."""
    settings = check_instance(settings, "settings", dict, "a dict of optimizer settings")
    if "optimizer" not in settings:
        raise ValueError(f"settings must name its 'optimizer', got keys {sorted(settings, key=str)}")
    name = settings.get("optimizer")
    s = dict(optim.spec_defaults(name), **settings)
    if name == "adam":
        bc = " bias-corrected" if s.get("bias_correction") else ""
        return f"ADAM b1={s['beta1']} xi={s['xi']:.0e}{bc}"
    if name == "rmsprop":
        return f"RMSProp b2={s['beta2']} xi={s['xi']:.0e} ({s['xi_placement']})"
    form = " look-ahead" if s.get("form") == "lookahead" else ""
    return f"NAG mu={s['momentum']}{form}"


def regime_label(batch_size: int | None) -> str:
    """``"full batch"`` for ``None``, else ``"batch <b>"``."""
    return "full batch" if batch_size is None else f"batch {check_int(batch_size, 'batch_size', min_value=1)}"


def study_settings(scale: str, *, seeds: tuple[int, ...] = (0,), device: str | None = None
                   ) -> dict[str, list[dict[str, Any]]]:
    """The chapter's experiment grids at ``scale`` (``smoke``, ``default`` or ``full``).

    Returns ``{"main": [...], "xi": [...], "hessian": []}``: ``main`` is depths x batch regimes
    x :data:`STUDY_CONFIGS` x learning rates x ``seeds``; ``xi`` runs ADAM with
    :math:`\\beta_1 = 0.99` at the extra values of :math:`\\xi` on the 3-hidden-layer net with
    mini-batches. At ``full`` scale the data are Fashion-MNIST unless ``DLMATH_MNIST_DIR``
    names the MNIST IDX files (:func:`dlmath.data.load_mnist`). Hessian tracking is
    added afterwards, on the best runs (see :func:`with_hessian`). ``device`` (e.g.
    ``"cpu"``) is stored in every setting if given.
    """
    cfg = STUDY_SCALES[check_choice(scale, "scale", tuple(STUDY_SCALES))]
    seeds = tuple(check_int(v, f"seeds[{i}]", min_value=0)
                  for i, v in enumerate(check_sequence(seeds, "seeds", min_len=1)))
    if device is not None:
        check_instance(device, "device", str, "None or a device name such as 'cpu'")
        try:
            torch.device(device)
        except RuntimeError as exc:
            raise ValueError(f"device must name a torch device such as 'cpu' or 'cuda', got "
                             f"{device!r}") from exc
    common = {k: cfg[k] for k in ("source", "n_test", "width", "n_steps", "eval_every")}
    if scale == "full" and os.environ.get(data.MNIST_ENV, "").strip():
        common["source"] = "mnist"  # the paper's data, when the user has the IDX files
    if device is not None:
        common["device"] = device

    def one(n_hidden, bs, opt, lr, seed):
        n_train = cfg["n_train_full_batch"] if bs is None else cfg["n_train"]
        return dict(common, n_train=n_train, n_hidden=n_hidden, batch_size=bs, **opt, lr=lr,
                    seed=seed)

    main = [one(d, bs, opt, lr, seed) for d in cfg["depths"] for bs in cfg["batch_sizes"]
            for opt in STUDY_CONFIGS for lr in cfg["lrs"][opt["optimizer"]] for seed in seeds]
    xi = [one(3, 100, dict(STUDY_CONFIGS[1], xi=x), lr, seed) for x in cfg["xis"] if x != 1e-8
          for lr in cfg["lrs"]["adam"] for seed in seeds]
    return {"main": main, "xi": xi}


def with_hessian(settings: dict[str, Any], scale: str) -> dict[str, Any]:
    """``settings`` plus the Hessian-tracking keys of ``scale`` (every ``hessian_every`` steps)."""
    settings = check_instance(settings, "settings", dict, "a dict of run_experiment settings")
    cfg = STUDY_SCALES[check_choice(scale, "scale", tuple(STUDY_SCALES))]
    return dict(settings, hessian_every=cfg["hessian_every"], hessian_n=cfg["hessian_n"],
                lanczos_ncv=cfg["lanczos_ncv"])


def best_runs(records: list[dict[str, Any]]) -> dict[tuple[int, str, str], dict[str, Any]]:
    """For each (depth, regime, optimizer setting), the record whose lr gave the lowest final
    training loss (averaged over seeds), as the paper tuned the learning rate per optimizer.

    ``records`` are :func:`dlmath.sweep.run_sweep` records of :func:`run_experiment`. The value
    is the record of the first seed at the best lr, with ``"mean_final_train_loss"`` added.
    """
    records = _check_records(records, "records", ("n_hidden", "lr", "optimizer"),
                             ("final_train_loss",))
    groups: dict[tuple, dict[float, list[dict[str, Any]]]] = {}
    for r in records:
        s = r["settings"]
        key = (s["n_hidden"], regime_label(s.get("batch_size")), config_label(s))
        groups.setdefault(key, {}).setdefault(s["lr"], []).append(r)
    out = {}
    for key, by_lr in groups.items():
        means = {lr: float(np.mean([r["result"]["final_train_loss"] for r in rs]))
                 for lr, rs in by_lr.items()}
        lr = min(means, key=lambda k: (means[k], k))
        out[key] = dict(by_lr[lr][0], mean_final_train_loss=means[lr])
    return out


def run_study(scale: str, out_dir, *, seeds: tuple[int, ...] = (0,), device: str | None = None,
              **sweep_kwargs: Any) -> dict[str, list[dict[str, Any]]]:
    """Run the chapter's whole study at ``scale`` through :func:`dlmath.sweep.run_sweep`.

    Three sweeps, each resumable in its own sub-folder of ``out_dir``: ``main`` and ``xi``
    (:func:`study_settings`), then ``hessian``: the best run (:func:`best_runs`) of every
    optimizer setting, for the scale's ``hessian_depths`` and ``hessian_batch_sizes``, re-run
    with :math:`\\lambda_{\\min}` tracking for each of the scale's ``hessian_seeds``.
    ``sweep_kwargs`` go to ``run_sweep`` (``backend``, ``n_jobs``, ``address``, ...).
    Returns ``{"main", "xi", "hessian"}`` lists of records.
    """
    cfg = STUDY_SCALES[check_choice(scale, "scale", tuple(STUDY_SCALES))]
    grids = study_settings(scale, seeds=seeds, device=device)
    out = Path(out_dir)
    res = {k: run_sweep(run_experiment, grids[k], out / k, **sweep_kwargs) for k in ("main", "xi")}
    best = best_runs(res["main"])
    todo = [with_hessian(dict(r["settings"], seed=seed), scale)
            for (d, reg, _), r in sorted(best.items())
            if d in cfg["hessian_depths"]
            and reg in {regime_label(b) for b in cfg["hessian_batch_sizes"]}
            for seed in cfg["hessian_seeds"]]
    res["hessian"] = run_sweep(run_experiment, todo, out / "hessian", **sweep_kwargs)
    return res


def load_study(out_dir) -> dict[str, list[dict[str, Any]]]:
    """Whatever results of :func:`run_study` exist in ``out_dir`` (empty lists if none)."""
    return {k: load_results(Path(out_dir) / k) for k in ("main", "xi", "hessian")}


def findings(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The paper's comparisons, per (depth, regime), from the best-lr runs of the main grid.

    Each row: ``depth``, ``regime``, the best final training loss of each optimizer setting
    (``loss[label]``), ``best_nag`` (the NAG setting with the lowest loss), and the findings

    * ``adam099_beats_nag``: ADAM with :math:`\\beta_1=0.99` reaches a lower training loss than
      the best NAG;
    * ``adam09_beats_nag``: the same for :math:`\\beta_1=0.9`;
    * ``nag_smaller_grad``: the best NAG run ends with a smaller full-batch gradient norm than
      the best ADAM :math:`\\beta_1=0.99` run.
    """
    _check_records(records, "records", result_keys=("final_grad_norm",))
    best = best_runs(records)
    rows = []
    for depth, regime in sorted({(k[0], k[1]) for k in best}):
        runs = {k[2]: v for k, v in best.items() if k[:2] == (depth, regime)}
        loss = {lab: r["mean_final_train_loss"] for lab, r in runs.items()}
        nags = [lab for lab in runs if lab.startswith("NAG")]
        a99, a09 = config_label(STUDY_CONFIGS[1]), config_label(STUDY_CONFIGS[0])
        if not nags or a99 not in runs:
            continue
        nag = min(nags, key=lambda lab: loss[lab])
        row = {"depth": depth, "regime": regime, "loss": loss, "best_nag": nag,
               "grad_nag": runs[nag]["result"]["final_grad_norm"],
               "grad_adam099": runs[a99]["result"]["final_grad_norm"],
               "adam099_beats_nag": loss[a99] < loss[nag]}
        row["nag_smaller_grad"] = row["grad_nag"] < row["grad_adam099"]
        if a09 in runs:
            row["adam09_beats_nag"] = loss[a09] < loss[nag]
        rows.append(row)
    return rows
