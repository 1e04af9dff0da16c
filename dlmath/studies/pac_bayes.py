"""The Chapter 6 bound study: one trained MLP, three bounds, the test error beside them.

:func:`load_task` prepares the data (binary or 10-class MNIST 5k subset; binary Fashion-MNIST at
full scale), :func:`run_bound_study` trains an MLP by SGD from a recorded initialization and
computes, for stochastic nets around it,

1. a certificate with a data-free prior centred at the initialization, the posterior optimized
   Dziugaite-Roy style on the whole training sample (:prf:ref:`alg-ch6-optimize`);
2. certificates with *path priors*: centred at points (after ``prior_epochs``) of one SGD
   path run on the prior half of a split of the training sample, each posterior optimized and
   certified on the other half only (:prf:ref:`thm-ch6-data-dependent`), every certificate
   paying a union bound over the prior stds and path points tried;

and the Monte Carlo test error of each stochastic net with a Wilson interval. The record it
returns holds only JSON scalars (plus the objective traces), so it can be committed.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from .. import config
from .. import pac_bayes as pb
from .. import stochastic_nets as sn
from .._validate import check_choice, check_instance, check_int, check_real
from ..nets import build_mlp
from ..weight_paths import error_rate, train_sgd

__all__ = ["TASKS", "load_task", "BoundStudy", "run_bound_study", "save_record", "load_record"]

TASKS = ("mnist5k-binary", "mnist5k-10class", "fashion-binary")


def _features(images: np.ndarray, pool: int) -> np.ndarray:
    x = images.astype(np.float32) / 255.0
    n, hgt, wid = x.shape
    x = x[:, : hgt - hgt % pool, : wid - wid % pool]
    x = x.reshape(n, hgt // pool, pool, wid // pool, pool).mean(axis=(2, 4))
    return x.reshape(n, -1)


def load_task(task: str, *, pool: int = 2, n_test: int = 1000, seed: int = 0
              ) -> tuple[sn.LabelledSample, sn.LabelledSample]:
    """(train, test) samples for ``task``; pixels in [0, 1], averaged over ``pool x pool`` blocks.

    ``mnist5k-*``: the 5,000 real MNIST digits, ``n_test`` of them held out at random (seeded);
    ``*-binary`` labels are ``digit >= 5`` (the binary MNIST task of Dziugaite and Roy 2017).
    ``fashion-binary``: Fashion-MNIST's 60,000/10,000 split, label ``class >= 5``.
    """
    from .. import data

    task = check_choice(task, "task", TASKS)
    pool = check_int(pool, "pool", min_value=1, max_value=28)
    seed = check_int(seed, "seed", min_value=0)  # None would be an unseeded split
    if task == "fashion-binary":
        tr, te = data.load_fashion_mnist("train"), data.load_fashion_mnist("test")
        return (sn.LabelledSample.from_arrays(_features(tr.X, pool), (tr.y >= 5).astype(int)),
                sn.LabelledSample.from_arrays(_features(te.X, pool), (te.y >= 5).astype(int)))
    d = data.load_mnist_5k()
    n_test = check_int(n_test, "n_test", min_value=1, max_value=len(d.y) - 1)
    y = (d.y >= 5).astype(int) if task == "mnist5k-binary" else d.y
    X = _features(d.X, pool)
    perm = np.random.default_rng(seed).permutation(len(y))
    te, tr = np.sort(perm[:n_test]), np.sort(perm[n_test:])
    return (sn.LabelledSample.from_arrays(X[tr], y[tr]),
            sn.LabelledSample.from_arrays(X[te], y[te]))


@dataclass(frozen=True)
class BoundStudy:
    """Settings of one study run (see :func:`run_bound_study`)."""

    task: str = "mnist5k-binary"
    pool: int = 2
    width: int = 100
    lr: float = 0.05
    batch_size: int = 64
    epochs: float = 20.0
    prior_epochs: tuple = (1.0, 5.0, 20.0)
    post_steps: int = 1500
    post_lr: float = 3e-3
    prior_std: float = 0.03
    grid: tuple = (1e-3, 1.0, 19)
    objective: str = "mcallester"
    n_mc: int = 500
    n_mc_test: int = 200
    delta: float = 0.025
    delta_mc: float = 0.01
    prior_fraction: float = 0.5
    bias: bool = False
    seed: int = 0


def _stochastic(model: torch.nn.Module, prior: sn.GaussianPrior, sample: sn.LabelledSample,
                test: sn.LabelledSample, s: BoundStudy, grid: np.ndarray, seed: int,
                n_choices: int = 1) -> dict[str, Any]:
    post = sn.GaussianPosterior(model, prior.std).to(config.device())  # starts at Q = P
    prior, trace = sn.optimize_posterior(post, prior, sample, steps=s.post_steps, lr=s.post_lr,
                                         delta=s.delta, tune_prior_std=True, grid=grid,
                                         objective=s.objective,
                                         seed=seed)
    prior = sn.GaussianPrior(prior.means, prior.std, prior.seen, prior.grid_size * n_choices)
    cert = sn.certificate(post, prior, sample, delta=s.delta, delta_mc=s.delta_mc,
                          n_mc=s.n_mc, seed=seed + 1)
    test_rates = sn.mc_error_rates(post, test, s.n_mc_test, seed=seed + 2)
    n_err = int(round(float(test_rates.mean()) * len(test) * s.n_mc_test))
    from ..claims import proportion_ci

    p, lo, hi = proportion_ci(n_err, len(test) * s.n_mc_test)
    return {"m": cert.m, "kl": cert.kl, "train_mc_error": cert.mc_error,
            "train_mc_upper": cert.mc_upper, "bound": cert.kl_bound,
            "mcallester": cert.mcallester, "prior_std": cert.prior_std,
            "test_error": p, "test_ci_low": lo, "test_ci_high": hi,
            "mean_net_test_error": error_rate(_mean_net(model, post), test.X, test.y),
            "trace": trace.tolist(), "posterior": post, "prior": prior}


def _mean_net(model: torch.nn.Module, post: sn.GaussianPosterior) -> torch.nn.Module:
    net = copy.deepcopy(model)
    with torch.no_grad():
        for p, mu in zip(net.parameters(), post.mu, strict=True):
            p.copy_(mu)
    return net


def run_bound_study(study: BoundStudy | None = None) -> dict[str, Any]:
    """Train, optimize and certify as described in the module docstring; return the record.

    ``record["init_prior"]`` and ``record["path_prior"]`` (a list, one per path point) hold
    each bound with its test error;
    ``record["net"]`` the deterministic net's train/test error; ``"seconds"`` the wall time.
    The posteriors and priors are returned under ``"objects"`` (not JSON; drop before saving).
    """
    s = study or BoundStudy()
    if not isinstance(s, BoundStudy):
        raise TypeError(f"study must be a BoundStudy, got {type(s).__name__}")
    check_real(s.prior_fraction, "prior_fraction", low=0, high=1, low_inclusive=False,
               high_inclusive=False)
    t0 = time.perf_counter()
    dev = config.device()
    train, test = load_task(s.task, pool=s.pool, seed=s.seed)
    n_cls = int(train.y.max()) + 1
    grid = pb.std_grid(*s.grid[:2], int(s.grid[2]))
    widths = [train.X.shape[1], s.width, n_cls]

    init = build_mlp(widths, bias=s.bias, seed=s.seed).to(dev)
    net = build_mlp(widths, bias=s.bias, seed=s.seed).to(dev)
    train_sgd(net, train.X, train.y, lr=s.lr, batch_size=s.batch_size, epochs=s.epochs,
              seed=s.seed)
    rec: dict[str, Any] = {"settings": {k: (list(v) if isinstance(v, tuple) else v)
                                        for k, v in s.__dict__.items()},
                           "device": str(dev), "versions": _provenance()}
    rec["net"] = {"train_error": error_rate(net, train.X, train.y),
                  "test_error": error_rate(net, test.X, test.y),
                  "n_params": sum(p.numel() for p in net.parameters())}
    if not s.bias:
        with torch.no_grad():
            logits = net(train.X.to(dev)).cpu().numpy()
        B = float(train.X.norm(dim=1).max())
        err = pb.margin_loss(logits, train.y.numpy(), 0.0)  # as on the margin-bound page
        mb = pb.best_margin_bound([p.detach().cpu().numpy() for p in net.parameters()],
                                  logits, train.y.numpy(), B=B, m=len(train), delta=s.delta,
                                  max_margin_loss=min(1.0, err + 0.1))
        rec["net"].update(margin_bound=mb.bound, margin_gamma=mb.gamma,
                          margin_loss=mb.margin_loss, margin_kl=mb.kl)

    # 1. data-free prior at the initialization; Q starts at P and is trained on all of S
    prior0 = sn.prior_at(init, s.prior_std)
    rec["init_prior"] = _stochastic(init, prior0, train, test, s, grid, s.seed + 10)

    # 2. path priors: points of one SGD path run on the prior part only; bound on the rest.
    # Every certificate pays for the choice among all (std, path point) pairs.
    prior_part, bound_part = sn.split_sample(train, s.prior_fraction,
                                             np.random.default_rng(s.seed + 1))
    early = build_mlp(widths, bias=s.bias, seed=s.seed).to(dev)
    rec["path_prior"], done, points = [], 0.0, []
    for k, ep in enumerate(s.prior_epochs):
        train_sgd(early, prior_part.X, prior_part.y, lr=s.lr, batch_size=s.batch_size,
                  epochs=ep - done, seed=s.seed + 2 + k)
        done = ep
        points.append(copy.deepcopy(early))
        prior1 = sn.prior_at(early, s.prior_std, learned_on=prior_part)
        res = _stochastic(early, prior1, bound_part, test, s, grid, s.seed + 20 + k,
                          n_choices=len(s.prior_epochs))
        res.update(prior_epochs=ep, prior_mean_test_error=error_rate(early, test.X, test.y))
        rec["path_prior"].append(res)
    rec["seconds"] = time.perf_counter() - t0
    rec["objects"] = {"init_prior": {k: rec["init_prior"].pop(k) for k in ("posterior", "prior")},
                      "path_prior": [{k: r.pop(k) for k in ("posterior", "prior")}
                                     for r in rec["path_prior"]]}
    rec["objects"].update(net=net, init=init, path_points=points)
    rec["objects"]["train"], rec["objects"]["test"] = train, test
    rec["objects"]["bound_part"], rec["objects"]["prior_part"] = bound_part, prior_part
    return rec


def _provenance() -> dict[str, Any]:
    import subprocess
    from pathlib import Path

    from .. import __version__

    here = Path(__file__).parent

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], capture_output=True, text=True, check=True,
                              cwd=here).stdout.strip()

    try:
        commit, dirty = git("rev-parse", "HEAD"), bool(git("status", "--porcelain", "--", ".."))
    except (OSError, subprocess.CalledProcessError):
        commit, dirty = "unknown", None
    return {"dlmath": __version__, "torch": torch.__version__, "numpy": np.__version__,
            "git_commit": commit, "dlmath_modified": dirty}


def save_record(rec: dict[str, Any], path: Any) -> dict[str, Any]:
    """Write ``rec`` (from :func:`run_bound_study`, without ``"objects"``) as JSON to ``path``.

    The record carries the versions of dlmath, torch and numpy and the git commit taken when the
    run started (and whether ``dlmath`` had uncommitted changes then).
    """
    import json
    import os
    from pathlib import Path

    rec = check_instance(rec, "rec", dict, "a dict (a record from run_bound_study)")
    if isinstance(path, bool) or not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a file path (str or os.PathLike), got {type(path).__name__}")
    if Path(path).is_dir():
        raise ValueError(f"path must name a file, but {str(path)!r} is a folder")
    out = {k: v for k, v in rec.items() if k != "objects"}
    out.setdefault("versions", _provenance())
    try:
        text = json.dumps(out, indent=1) + "\n"
    except (TypeError, ValueError) as exc:
        raise TypeError(f"rec must hold only JSON values (numbers, strings, lists, dicts): "
                        f"{exc}") from exc
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as exc:
        raise ValueError(f"path {str(path)!r} lies under a file, not a folder") from exc
    Path(path).write_text(text)
    return out


def load_record(name: str) -> dict[str, Any] | None:
    """A committed study record ``chapters/06_pac_bayes/results/<name>``, or None if absent.

    Looks beside the running notebook (``results/<name>``) and in the source tree that holds
    this package (a clone of the book's repository), so it also works when the notebook runs
    in a temporary directory.
    """
    import json
    from pathlib import Path

    if not isinstance(name, str) or "/" in name or not name.endswith(".json"):
        raise ValueError(f"name must be a .json file name, got {name!r}")
    roots = [Path.cwd() / "results",
             Path(__file__).resolve().parents[2] / "chapters" / "06_pac_bayes" / "results"]
    for root in roots:
        if (root / name).is_file():
            return json.loads((root / name).read_text())
    return None
