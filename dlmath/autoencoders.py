"""Fully connected ReLU autoencoders on images, trained by ADAM, RMSProp or NAG (Ch. 5).

The experiment of Chapter 5 (De, Mukherjee and Ullah, 2018, arXiv:1807.06766) compares the
adaptive methods with Nesterov's accelerated gradient on autoencoders
:math:`f_\\theta:\\mathbb{R}^{784}\\to\\mathbb{R}^{784}` with ``n_hidden`` ReLU layers of
``width`` units and a linear output layer,

.. math::

   f_\\theta(x) = W_{k+1}\\,\\mathrm{ReLU}(W_k \\cdots \\mathrm{ReLU}(W_1 x + b_1) \\cdots + b_k)
   + b_{k+1},

trained on the squared reconstruction loss

.. math::

   L(\\theta) = \\frac{1}{2n} \\sum_{i=1}^n \\lVert f_\\theta(x_i) - x_i \\rVert_2^2 ,

with pixels scaled to :math:`[0, 1]`. Along training we record the training and test loss,
the full-batch gradient norm :math:`\\lVert\\nabla L(\\theta_t)\\rVert_2` and the minimum
eigenvalue of the Hessian :math:`\\lambda_{\\min}(\\nabla^2 L(\\theta_t))` (by Lanczos, see
:mod:`dlmath.hessian`).

:func:`run_experiment` maps one settings dictionary to its metrics; it is the function that
:func:`dlmath.sweep.run_sweep` runs for every point of the grid.
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from ._validate import check_choice, check_int, check_real
from .hessian import flat_grad, min_hessian_eigenvalue

__all__ = [
    "make_autoencoder",
    "load_autoencoder_data",
    "reconstruction_loss",
    "gradient_norm",
    "make_optimizer",
    "TrainHistory",
    "train_autoencoder",
    "run_experiment",
    "DIVERGED_LOSS",
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

#: A training loss above this (or NaN/inf) counts as divergence and stops the run.
DIVERGED_LOSS = 1e6

OPTIMIZERS = ("adam", "rmsprop", "nag")


def make_autoencoder(
    n_in: int = 784,
    width: int = 1000,
    n_hidden: int = 3,
    *,
    seed: int = 0,
    dtype: torch.dtype = torch.float32,
) -> nn.Sequential:
    """A fully connected autoencoder ``n_in -> width x n_hidden -> n_in``, ReLU between layers.

    Weights use torch's default (Kaiming-uniform) initialisation drawn from a generator seeded
    with ``seed``, so the same ``seed`` gives the same net whatever the global RNG state.
    """
    n_in = check_int(n_in, "n_in", min_value=1)
    width = check_int(width, "width", min_value=1)
    n_hidden = check_int(n_hidden, "n_hidden", min_value=1)
    seed = check_int(seed, "seed", min_value=0)
    sizes = [n_in] + [width] * n_hidden + [n_in]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        layers: list[nn.Module] = []
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
            layers.append(nn.Linear(a, b, dtype=dtype))
            if i < len(sizes) - 2:
                layers.append(nn.ReLU())
    return nn.Sequential(*layers)


@functools.lru_cache(maxsize=4)
def _images(source: str) -> tuple[np.ndarray, np.ndarray | None, str]:
    from . import data

    if source == "mnist_5k":
        ds = data.load_mnist_5k()
        return ds.X.reshape(len(ds.X), -1), None, ds.source
    train = data.load_fashion_mnist("train")
    test = data.load_fashion_mnist("test")
    return train.X.reshape(len(train.X), -1), test.X.reshape(len(test.X), -1), train.source


def load_autoencoder_data(
    source: str = "mnist_5k",
    *,
    n_train: int | None = None,
    n_test: int | None = None,
    seed: int = 0,
    dtype: torch.dtype = torch.float32,
) -> tuple[torch.Tensor, torch.Tensor, str]:
    """Training and test images as float tensors of shape (n, 784) with pixels in [0, 1].

    ``source="mnist_5k"``: the 5,000 real MNIST digits, shuffled with ``seed`` and split into
    4,000 training and 1,000 test images. ``source="fashion_mnist"``: Fashion-MNIST's own
    60,000/10,000 split. ``n_train``/``n_test`` keep the first images of each (after the
    shuffle). Returns ``(X_train, X_test, description)``.
    """
    source = check_choice(source, "source", ("mnist_5k", "fashion_mnist"))
    seed = check_int(seed, "seed", min_value=0)
    X, X_test, desc = _images(source)
    if X_test is None:
        perm = np.random.default_rng(seed).permutation(len(X))
        X, X_test = X[perm[:4000]], X[perm[4000:]]
    else:
        X = X[np.random.default_rng(seed).permutation(len(X))]
    for name, n, arr in (("n_train", n_train, X), ("n_test", n_test, X_test)):
        if n is not None:
            check_int(n, name, min_value=1, max_value=len(arr))
    X = X[:n_train] if n_train is not None else X
    X_test = X_test[:n_test] if n_test is not None else X_test
    as_t = lambda a: torch.as_tensor(a, dtype=dtype) / 255.0  # noqa: E731
    return as_t(X), as_t(X_test), f"{desc}: {len(X)} train / {len(X_test)} test images"


def reconstruction_loss(model: nn.Module, X: torch.Tensor) -> torch.Tensor:
    """:math:`\\frac{1}{2n}\\sum_i \\lVert f(x_i) - x_i\\rVert^2` for the rows ``x_i`` of ``X``."""
    if not isinstance(X, torch.Tensor):
        raise TypeError(f"X must be a torch tensor of shape (n, n_in), got {type(X).__name__}")
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-dimensional torch tensor (n, n_in), got shape {tuple(X.shape)}")
    if X.shape[0] == 0:
        raise ValueError("X must hold at least one row (image): the mean loss of no data is undefined")
    if X.is_complex():
        raise TypeError("X must be a real tensor, got a complex one")
    return 0.5 * ((model(X) - X) ** 2).sum(dim=1).mean()


def gradient_norm(model: nn.Module, X: torch.Tensor) -> float:
    """:math:`\\lVert \\nabla_\\theta L(\\theta) \\rVert_2` of :func:`reconstruction_loss` on ``X``."""
    g = flat_grad(reconstruction_loss(model, X), model)
    return float(torch.linalg.vector_norm(g))


def make_optimizer(params, spec: dict[str, Any]) -> torch.optim.Optimizer:
    """Build an optimizer of :mod:`dlmath.optim` from a settings dictionary.

    * ``{"optimizer": "adam", "lr", "beta1", "beta2"=0.999, "xi"=1e-8,
      "bias_correction"=False}``: ADAM as analysed (:math:`\\xi` added to :math:`\\sqrt{v_t}`,
      no bias correction unless asked for);
    * ``{"optimizer": "rmsprop", "lr", "beta2"=0.999, "xi"=1e-8}``: RMSProp, :math:`\\xi`
      inside the average;
    * ``{"optimizer": "nag", "lr", "momentum"}``: Nesterov's accelerated gradient.
    """
    if not isinstance(spec, dict):
        raise TypeError(f"spec must be a dict, got {type(spec).__name__}")
    name = check_choice(spec.get("optimizer"), "spec['optimizer']", OPTIMIZERS)
    lr = check_real(spec.get("lr"), "spec['lr']", low=0.0, low_inclusive=False)
    from . import optim

    if name == "adam":
        return optim.Adam(params, lr=lr, beta1=spec.get("beta1", 0.9),
                          beta2=spec.get("beta2", 0.999), xi=spec.get("xi", 1e-8),
                          bias_correction=spec.get("bias_correction", False))
    if name == "rmsprop":
        return optim.RMSProp(params, lr=lr, beta2=spec.get("beta2", 0.999),
                             xi=spec.get("xi", 1e-8))
    return optim.NAG(params, lr=lr, momentum=spec.get("momentum", 0.9))


@dataclass
class TrainHistory:
    """Metrics recorded along one training run (lists, one entry per evaluation).

    ``steps``: iteration numbers of the evaluations (0 = initialisation); ``train_loss``,
    ``test_loss``: :func:`reconstruction_loss`; ``grad_norm``: full-batch gradient norm;
    ``hessian_steps``/``min_eig``: iterations and values of :math:`\\lambda_{\\min}` of the
    training-loss Hessian, NaN where Lanczos did not converge (``min_eig_converged`` says which;
    ``min_eig_ritz`` keeps the best Ritz value even then); ``diverged``: the loss exceeded
    :data:`DIVERGED_LOSS` or became NaN.
    """

    steps: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    test_loss: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
    hessian_steps: list[int] = field(default_factory=list)
    min_eig: list[float] = field(default_factory=list)
    min_eig_converged: list[bool] = field(default_factory=list)
    min_eig_ritz: list[float] = field(default_factory=list)
    diverged: bool = False

    @property
    def final_train_loss(self) -> float:
        """Last training loss, ``inf`` for a diverged run."""
        return math.inf if self.diverged else self.train_loss[-1]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def train_autoencoder(
    model: nn.Module,
    X_train: torch.Tensor,
    X_test: torch.Tensor,
    optimizer: torch.optim.Optimizer,
    *,
    n_steps: int,
    batch_size: int | None = None,
    eval_every: int = 100,
    hessian_every: int | None = None,
    hessian_n: int = 500,
    lanczos_tol: float = 1e-4,
    lanczos_ncv: int = 80,
    seed: int = 0,
) -> TrainHistory:
    """Train ``model`` on :func:`reconstruction_loss` for ``n_steps`` optimizer steps.

    ``batch_size=None`` is full-batch gradient descent on ``X_train``; otherwise each epoch
    visits a fresh random permutation (seeded by ``seed``) in mini-batches of ``batch_size``.
    Every ``eval_every`` steps (and at steps 0 and ``n_steps``) the full training and test loss
    and the full-batch gradient norm are recorded; every ``hessian_every`` steps (if given) also
    :math:`\\lambda_{\\min}` of the Hessian of the loss on the first ``hessian_n`` training
    images (Lanczos with relative tolerance ``lanczos_tol`` and ``lanczos_ncv`` basis vectors).
    A run whose loss passes :data:`DIVERGED_LOSS` stops early with ``diverged=True``.
    """
    n_steps = check_int(n_steps, "n_steps", min_value=1)
    eval_every = check_int(eval_every, "eval_every", min_value=1)
    for name, X in (("X_train", X_train), ("X_test", X_test)):
        if not isinstance(X, torch.Tensor):
            raise TypeError(f"{name} must be a torch tensor of shape (n, n_in), got {type(X).__name__}")
        if X.ndim != 2 or X.shape[0] == 0:
            raise ValueError(f"{name} must be a 2-dimensional tensor with at least one row, got shape "
                             f"{tuple(X.shape)}")
    lanczos_tol = check_real(lanczos_tol, "lanczos_tol", low=0.0, low_inclusive=False)
    lanczos_ncv = check_int(lanczos_ncv, "lanczos_ncv", min_value=3)
    if batch_size is not None:
        batch_size = check_int(batch_size, "batch_size", min_value=1, max_value=len(X_train))
    if hessian_every is not None:
        hessian_every = check_int(hessian_every, "hessian_every", min_value=1)
    hessian_n = check_int(hessian_n, "hessian_n", min_value=1)
    if X_train.ndim != 2 or X_test.ndim != 2 or X_train.shape[1] != X_test.shape[1]:
        raise ValueError("X_train and X_test must be 2-dimensional with the same number of columns")
    gen = torch.Generator().manual_seed(check_int(seed, "seed", min_value=0))
    hist = TrainHistory()
    X_h = X_train[:hessian_n]
    order, pos = None, 0

    def evaluate(t: int) -> bool:
        with torch.no_grad():
            test = float(reconstruction_loss(model, X_test))
        train_t = reconstruction_loss(model, X_train)
        train = float(train_t.detach())
        if not math.isfinite(train) or train > DIVERGED_LOSS:
            hist.diverged = True
            return False
        g = flat_grad(train_t, model)
        hist.steps.append(t)
        hist.train_loss.append(train)
        hist.test_loss.append(test)
        hist.grad_norm.append(float(torch.linalg.vector_norm(g)))
        return True

    def hessian(t: int) -> None:
        eig = min_hessian_eigenvalue(lambda: reconstruction_loss(model, X_h), model,
                                     tol=lanczos_tol, ncv=lanczos_ncv, seed=t)
        hist.hessian_steps.append(t)
        hist.min_eig.append(eig.value if eig.converged else math.nan)
        hist.min_eig_converged.append(bool(eig.converged))
        hist.min_eig_ritz.append(eig.value)

    evaluate(0)
    if hessian_every is not None:
        hessian(0)
    for t in range(1, n_steps + 1):
        if batch_size is None:
            xb = X_train
        else:
            if order is None or pos + batch_size > len(X_train):
                order, pos = torch.randperm(len(X_train), generator=gen), 0
            xb = X_train[order[pos : pos + batch_size].to(X_train.device)]
            pos += batch_size

        def closure(xb: torch.Tensor = xb) -> torch.Tensor:
            optimizer.zero_grad(set_to_none=True)
            loss = reconstruction_loss(model, xb)
            loss.backward()
            return loss

        optimizer.step(closure)  # NAG (Sutskever form) evaluates the gradient at x + mu v
        if t % eval_every == 0 or t == n_steps:
            if not evaluate(t):
                break
        if hessian_every is not None and (t % hessian_every == 0 or t == n_steps):
            hessian(t)
    return hist


def run_experiment(settings: dict[str, Any]) -> dict[str, Any]:
    """Train one autoencoder described by ``settings`` and return its metrics as a dict.

    Keys (defaults in brackets): ``source`` [``"mnist_5k"``], ``n_train``, ``n_test``,
    ``width`` [1000], ``n_hidden`` [3], ``batch_size`` [``None`` = full batch], ``n_steps``,
    ``eval_every`` [100], ``hessian_every`` [``None``], ``hessian_n`` [500], ``lanczos_ncv``
    [80], ``seed`` [0],
    ``device`` [:func:`dlmath.config.device`], and the optimizer keys of
    :func:`make_optimizer`. The result holds the :class:`TrainHistory` fields plus
    ``final_train_loss``, ``final_test_loss`` and ``final_grad_norm`` (``inf`` if diverged).
    """
    if not isinstance(settings, dict):
        raise TypeError(f"settings must be a dict, got {type(settings).__name__}")
    from .config import device as default_device

    dev = torch.device(settings.get("device") or default_device())
    seed = settings.get("seed", 0)
    X_train, X_test, _ = load_autoencoder_data(settings.get("source", "mnist_5k"),
                                               n_train=settings.get("n_train"),
                                               n_test=settings.get("n_test"), seed=0)
    X_train, X_test = X_train.to(dev), X_test.to(dev)
    model = make_autoencoder(X_train.shape[1], settings.get("width", 1000),
                             settings.get("n_hidden", 3), seed=seed).to(dev)
    opt = make_optimizer(model.parameters(), settings)
    hist = train_autoencoder(model, X_train, X_test, opt, n_steps=settings["n_steps"],
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


# --- The chapter's grid: one definition for the notebook (smoke/default) and the full sweep ---

#: Settings of the comparison at each scale. ``lrs`` maps an optimizer to its learning-rate grid;
#: ``configs`` lists the optimizer settings compared (each is run at every lr of its grid).
STUDY_SCALES: dict[str, dict[str, Any]] = {
    "smoke": dict(source="mnist_5k", n_train=200, n_train_full_batch=200, n_test=500,
                  width=16, depths=(3,), batch_sizes=(None, 100), n_steps=150, eval_every=25,
                  lrs={"adam": (3e-3, 1e-2), "nag": (3e-3, 1e-2)}, xis=(1e-8, 1e-1),
                  hessian_every=50, hessian_n=100, lanczos_ncv=40, hessian_depths=(3,),
                  hessian_batch_sizes=(None,)),
    "default": dict(source="mnist_5k", n_train=500, n_train_full_batch=500, n_test=1000,
                    width=32, depths=(1, 3, 5), batch_sizes=(None, 100), n_steps=200,
                    eval_every=25, lrs={"adam": (1e-3, 3e-3, 1e-2), "nag": (1e-3, 3e-3, 1e-2)},
                    xis=(1e-8, 1e-4, 1e-1), hessian_every=50, hessian_n=200, lanczos_ncv=80,
                    hessian_depths=(3,), hessian_batch_sizes=(None,)),
    "full": dict(source="fashion_mnist", n_train=60_000, n_train_full_batch=10_000,
                 n_test=10_000, width=1000, depths=(1, 3, 5), batch_sizes=(None, 100),
                 n_steps=10_000, eval_every=250,
                 lrs={"adam": (1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2),
                      "nag": (1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2)},
                 xis=(1e-8, 1e-4, 1e-1), hessian_every=1000, hessian_n=1000, lanczos_ncv=40,
                 hessian_depths=(1, 3, 5), hessian_batch_sizes=(None, 100)),
}

#: The optimizer settings compared in the main grid (the paper's beta_1 and momentum values).
STUDY_CONFIGS: tuple[dict[str, Any], ...] = (
    {"optimizer": "adam", "beta1": 0.9, "beta2": 0.999, "xi": 1e-8},
    {"optimizer": "adam", "beta1": 0.99, "beta2": 0.999, "xi": 1e-8},
    {"optimizer": "nag", "momentum": 0.9},
    {"optimizer": "nag", "momentum": 0.99},
)


def config_label(settings: dict[str, Any]) -> str:
    """Short name of an optimizer setting, e.g. ``"ADAM b1=0.99 xi=1e-08"`` or ``"NAG mu=0.9"``."""
    name = settings.get("optimizer")
    if name == "adam":
        return f"ADAM b1={settings.get('beta1', 0.9)} xi={settings.get('xi', 1e-8):.0e}"
    if name == "rmsprop":
        return f"RMSProp b2={settings.get('beta2', 0.999)} xi={settings.get('xi', 1e-8):.0e}"
    if name == "nag":
        return f"NAG mu={settings.get('momentum', 0.9)}"
    raise ValueError(f"settings['optimizer'] must be one of {list(OPTIMIZERS)}, got {name!r}")


def regime_label(batch_size: int | None) -> str:
    """``"full batch"`` for ``None``, else ``"batch <b>"``."""
    return "full batch" if batch_size is None else f"batch {check_int(batch_size, 'batch_size', min_value=1)}"


def study_settings(scale: str, *, seeds: tuple[int, ...] = (0,), device: str | None = None
                   ) -> dict[str, list[dict[str, Any]]]:
    """The chapter's experiment grids at ``scale`` (``smoke``, ``default`` or ``full``).

    Returns ``{"main": [...], "xi": [...], "hessian": []}``: ``main`` is depths x batch regimes
    x :data:`STUDY_CONFIGS` x learning rates x ``seeds``; ``xi`` runs ADAM with
    :math:`\\beta_1 = 0.99` at the extra values of :math:`\\xi` on the 3-hidden-layer net with
    mini-batches. Hessian tracking is added afterwards, on the best runs (see
    :func:`with_hessian`). ``device`` (e.g. ``"cpu"``) is stored in every setting if given.
    """
    cfg = STUDY_SCALES[check_choice(scale, "scale", tuple(STUDY_SCALES))]
    common = {k: cfg[k] for k in ("source", "n_test", "width", "n_steps", "eval_every")}
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
    cfg = STUDY_SCALES[check_choice(scale, "scale", tuple(STUDY_SCALES))]
    return dict(settings, hessian_every=cfg["hessian_every"], hessian_n=cfg["hessian_n"],
                lanczos_ncv=cfg["lanczos_ncv"])


def best_runs(records: list[dict[str, Any]]) -> dict[tuple[int, str, str], dict[str, Any]]:
    """For each (depth, regime, optimizer setting), the record whose lr gave the lowest final
    training loss (averaged over seeds), as the paper tuned the learning rate per optimizer.

    ``records`` are :func:`dlmath.sweep.run_sweep` records of :func:`run_experiment`. The value
    is the record of the first seed at the best lr, with ``"mean_final_train_loss"`` added.
    """
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
    with :math:`\\lambda_{\\min}` tracking. ``sweep_kwargs`` go to ``run_sweep`` (``backend``,
    ``n_jobs``, ``address``, ...). Returns ``{"main", "xi", "hessian"}`` lists of records.
    """
    from pathlib import Path

    from .sweep import run_sweep

    cfg = STUDY_SCALES[check_choice(scale, "scale", tuple(STUDY_SCALES))]
    grids = study_settings(scale, seeds=seeds, device=device)
    out = Path(out_dir)
    res = {k: run_sweep(run_experiment, grids[k], out / k, **sweep_kwargs) for k in ("main", "xi")}
    best = best_runs(res["main"])
    todo = [with_hessian(r["settings"], scale) for (d, reg, _), r in sorted(best.items())
            if d in cfg["hessian_depths"]
            and reg in {regime_label(b) for b in cfg["hessian_batch_sizes"]}]
    res["hessian"] = run_sweep(run_experiment, todo, out / "hessian", **sweep_kwargs)
    return res


def load_study(out_dir) -> dict[str, list[dict[str, Any]]]:
    """Whatever results of :func:`run_study` exist in ``out_dir`` (empty lists if none)."""
    from pathlib import Path

    from .sweep import load_results

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
