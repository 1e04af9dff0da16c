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

This module holds what any chapter's autoencoder needs (model, loss, data, training loop and
history); Chapter 5's grid of runs and its summaries are :mod:`dlmath.studies.ch5_autoencoders`.
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from . import data
from ._validate import check_choice, check_instance, check_int, check_limit, check_real, check_size
from .hessian import flat_grad, min_hessian_eigenvalue
from .nets import build_mlp

__all__ = [
    "make_autoencoder",
    "load_autoencoder_data",
    "reconstruction_loss",
    "gradient_norm",
    "TrainHistory",
    "train_autoencoder",
    "DIVERGED_LOSS",
]

#: A training loss above this (or NaN/inf) counts as divergence and stops the run.
DIVERGED_LOSS = 1e6
_MAX_PARAMS = 10**10  # weights of one autoencoder (40 GB in float32)
#: Default limit on a training run's work, ``n_steps`` times the batch size times the
#: parameter count, far above the book's full scale; pass ``max_work`` to go beyond.
MAX_WORK = 10**17

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
    check_size((n_hidden - 1) * width * (width + 1) + (2 * n_in + 1) * width + n_in, _MAX_PARAMS,
               "the parameter count of the autoencoder")
    return build_mlp([n_in] + [width] * n_hidden + [n_in], seed=seed, dtype=dtype)


@functools.lru_cache(maxsize=4)
def _images(source: str) -> tuple[np.ndarray, np.ndarray | None, str]:
    if source == "mnist_5k":
        ds = data.load_mnist_5k()
        return ds.X.reshape(len(ds.X), -1), None, ds.source
    load = data.load_mnist if source == "mnist" else data.load_fashion_mnist
    train, test = load("train"), load("test")
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
    4,000 training and 1,000 test images. ``source="mnist"`` (the IDX files named by
    ``DLMATH_MNIST_DIR``, :func:`dlmath.data.load_mnist`) and ``"fashion_mnist"``: the data
    set's own 60,000/10,000 split. ``n_train``/``n_test`` keep the first images of each (after the
    shuffle). Returns ``(X_train, X_test, description)``.
    """
    source = check_choice(source, "source", ("mnist_5k", "mnist", "fashion_mnist"))
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
    check_instance(X, "X", torch.Tensor, "a torch tensor of shape (n, n_in)")
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
    max_work: float = MAX_WORK,
) -> TrainHistory:
    """Train ``model`` on :func:`reconstruction_loss` for ``n_steps`` optimizer steps.

    ``batch_size=None`` is full-batch gradient descent on ``X_train``; otherwise each epoch
    visits a fresh random permutation (seeded by ``seed``) in mini-batches of ``batch_size``.
    Every ``eval_every`` steps (and at steps 0 and ``n_steps``) the full training and test loss
    and the full-batch gradient norm are recorded; every ``hessian_every`` steps (if given) also
    :math:`\\lambda_{\\min}` of the Hessian of the loss on the first ``hessian_n`` training
    images (Lanczos with relative tolerance ``lanczos_tol`` and ``lanczos_ncv`` basis vectors).
    A run whose loss passes :data:`DIVERGED_LOSS` stops early with ``diverged=True``. A run
    whose work (``n_steps`` times the batch size times the parameter count) exceeds
    ``max_work`` is refused before it starts.
    """
    check_instance(model, "model", nn.Module)
    check_instance(optimizer, "optimizer", torch.optim.Optimizer)
    n_steps = check_int(n_steps, "n_steps", min_value=1)
    eval_every = check_int(eval_every, "eval_every", min_value=1)
    for name, X in (("X_train", X_train), ("X_test", X_test)):
        if not isinstance(X, torch.Tensor):
            raise TypeError(f"{name} must be a torch tensor of shape (n, n_in), got {type(X).__name__}")
        if X.ndim != 2 or X.shape[0] == 0:
            raise ValueError(f"{name} must be a 2-dimensional tensor with at least one row, got shape "
                             f"{tuple(X.shape)}")
        if X.is_complex() or not bool(torch.isfinite(X).all()):
            raise ValueError(f"{name} must hold only finite real values")
    lanczos_tol = check_real(lanczos_tol, "lanczos_tol", low=0.0, low_inclusive=False)
    lanczos_ncv = check_int(lanczos_ncv, "lanczos_ncv", min_value=3)
    if batch_size is not None:
        batch_size = check_int(batch_size, "batch_size", min_value=1, max_value=len(X_train))
    if hessian_every is not None:
        hessian_every = check_int(hessian_every, "hessian_every", min_value=1)
    hessian_n = check_int(hessian_n, "hessian_n", min_value=1)
    if X_train.ndim != 2 or X_test.ndim != 2 or X_train.shape[1] != X_test.shape[1]:
        raise ValueError("X_train and X_test must be 2-dimensional with the same number of columns")
    max_work = check_limit(max_work, "max_work")
    n_params = sum(p.numel() for p in model.parameters())
    check_size(n_steps * (batch_size or len(X_train)) * n_params, max_work,
               "the work n_steps * batch size * parameters", "a larger max_work")
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
