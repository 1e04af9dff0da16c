"""The path a network's weights trace during training, measured without storing it.

:class:`PathRecorder` keeps three copies of each weight matrix (the initialization, the last
recorded point and the last recorded step), whatever the number of records, and at every record
``t`` computes per layer (:prf:ref:`def-ch6-path-stats`):

* ``dist_init = ||W_t - W_0||_F`` and ``rel_dist = dist_init / ||W_0||_F``;
* ``cos_init``, the cosine between ``W_t`` and ``W_0`` (as vectors);
* ``path_length = sum_s ||W_{s+1} - W_s||_F`` over the recorded points (a lower bound on the
  length of the full path, by the triangle inequality; equal when recording every step);
* ``spectral = ||W_t||_2`` and ``stable_rank = ||W_t||_F^2 / ||W_t||_2^2``;
* ``cos_successive``, the cosine between two successive recorded steps, and ``cos_step_disp``,
  the cosine between the last step ``W_t - W_{t-1}`` and the displacement ``W_{t-1} - W_0``.

:func:`train_sgd` trains an MLP by mini-batch SGD on cross-entropy and records its path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from ._validate import as_float_array, check_instance, check_int, check_real

__all__ = ["METRICS", "PathHistory", "PathRecorder", "sequence_stats", "train_sgd", "error_rate"]

METRICS = ("dist_init", "rel_dist", "cos_init", "path_length", "spectral", "stable_rank",
           "cos_successive", "cos_step_disp")


def _cos(a: torch.Tensor, b: torch.Tensor) -> float:
    na, nb = torch.linalg.vector_norm(a), torch.linalg.vector_norm(b)
    if na == 0 or nb == 0:
        return float("nan")
    return float(torch.sum(a * b) / (na * nb))


@dataclass(frozen=True)
class PathHistory:
    """Recorded statistics: ``stats[metric]`` has shape (records, layers); ``steps`` (records,).

    ``cos_successive`` and ``cos_step_disp`` are NaN at the first two records
    (the steps they compare do not exist yet).
    """

    steps: np.ndarray
    layers: tuple
    stats: dict

    def __getitem__(self, metric: str) -> np.ndarray:
        if metric not in self.stats:
            raise KeyError(f"metric must be one of {list(METRICS)}, got {metric!r}")
        return self.stats[metric]

    def sq_distance(self) -> np.ndarray:
        """``sum_layers ||W_t - W_0||_F^2`` per record: ``2 sigma^2 KL`` for ``N(W_t, sigma^2 I)``
        against ``N(W_0, sigma^2 I)`` over the weight matrices (:prf:ref:`lem-ch6-gauss-kl`)."""
        return np.sum(self.stats["dist_init"] ** 2, axis=1)


class PathRecorder:
    """Record the weight matrices of ``model`` (every 2-d parameter) along training.

    Call :meth:`record` with the step number after each update you want to record (the
    initialization is recorded at construction, step 0); :meth:`history` returns the arrays.
    """

    def __init__(self, model: nn.Module) -> None:
        if not isinstance(model, nn.Module):
            raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
        self._params = [(n, p) for n, p in model.named_parameters() if p.ndim == 2]
        if not self._params:
            raise ValueError("model has no 2-d weight matrices to record")
        self.layers = tuple(n for n, _ in self._params)
        self._init = [p.detach().clone() for _, p in self._params]
        self._prev = [w.clone() for w in self._init]
        self._last_step: list[torch.Tensor | None] = [None] * len(self._init)
        self._length = np.zeros(len(self._init))
        self._steps: list[int] = []
        self._rows: dict[str, list[list[float]]] = {k: [] for k in METRICS}
        self._append(0, first=True)

    def _append(self, step: int, first: bool = False) -> None:
        row: dict[str, list[float]] = {k: [] for k in METRICS}
        for i, (_, p) in enumerate(self._params):
            W, W0 = p.detach(), self._init[i]
            step_vec = W - self._prev[i]
            if not first:
                self._length[i] += float(torch.linalg.vector_norm(step_vec))
            disp = W - W0
            d = float(torch.linalg.vector_norm(disp))
            n0 = float(torch.linalg.vector_norm(W0))
            spec = float(torch.linalg.matrix_norm(W, ord=2))
            frob = float(torch.linalg.vector_norm(W))
            row["dist_init"].append(d)
            row["rel_dist"].append(d / n0 if n0 > 0 else float("nan"))
            row["cos_init"].append(_cos(W, W0))
            row["path_length"].append(self._length[i])
            row["spectral"].append(spec)
            row["stable_rank"].append(frob**2 / spec**2 if spec > 0 else float("nan"))
            last = self._last_step[i]
            row["cos_successive"].append(_cos(step_vec, last) if last is not None and not first
                                         else float("nan"))
            row["cos_step_disp"].append(float("nan") if first
                                        else _cos(step_vec, self._prev[i] - W0))
            if not first:
                self._last_step[i] = step_vec.clone()
            self._prev[i] = W.clone()
        for k in METRICS:
            self._rows[k].append(row[k])
        self._steps.append(step)

    def record(self, step: int) -> None:
        """Record the current weights as the point of the path at ``step``."""
        step = check_int(step, "step", min_value=1)
        if step <= self._steps[-1]:
            raise ValueError(f"step must increase, got {step} after {self._steps[-1]}")
        self._append(step)

    def history(self) -> PathHistory:
        """The recorded steps and, per statistic, an array of shape (records, layers)."""
        stats = {k: np.array(v, dtype=float) for k, v in self._rows.items()}
        return PathHistory(np.array(self._steps), self.layers, stats)


def sequence_stats(matrices: Any) -> dict[str, np.ndarray]:
    """The statistics of :class:`PathRecorder` for a given sequence ``W_0, W_1, ...`` of one
    layer's matrices: ``{metric: array of shape (len(matrices),)}``."""
    if not isinstance(matrices, (list, tuple)) or len(matrices) < 1:
        raise TypeError("matrices must be a non-empty list of 2-d arrays")
    mats = [torch.as_tensor(np.asarray(m, dtype=np.float64)) for m in matrices]
    if any(m.ndim != 2 or m.shape != mats[0].shape for m in mats):
        raise ValueError("matrices must all be 2-d with the same shape")
    holder = nn.Module()
    holder.weight = nn.Parameter(mats[0].clone())
    rec = PathRecorder(holder)
    for step, m in enumerate(mats[1:], start=1):
        with torch.no_grad():
            holder.weight.copy_(m)
        rec.record(step)
    return {k: v[:, 0] for k, v in rec.history().stats.items()}


@torch.no_grad()
def _labelled(X: Any, y: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """``X`` as a float32 (n, d) tensor with n >= 1 finite rows, ``y`` as n int64 labels >= 0."""
    X = torch.as_tensor(as_float_array(X, "X", ndim=2, min_size=1), dtype=torch.float32)
    if hasattr(y, "detach"):
        y = y.detach().cpu().numpy()
    yv = np.asarray(y) if y is not None and not isinstance(y, (str, bytes)) else None
    if yv is None or yv.dtype.kind not in "iub" and not (
        yv.dtype.kind == "f" and np.all(np.isfinite(yv)) and np.all(yv == np.round(yv))
    ):
        raise TypeError(f"y must be an array of integer class labels, got {type(y).__name__}")
    if yv.shape != (X.shape[0],) or (yv.size and yv.min() < 0):
        raise ValueError(f"y must hold {X.shape[0]} class labels >= 0, got shape {yv.shape}")
    return X, torch.as_tensor(yv.astype(np.int64))


def error_rate(model: nn.Module, X: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of ``X`` that ``model`` misclassifies (argmax of its logits)."""
    check_instance(model, "model", nn.Module)
    X, y = _labelled(X, y)
    dev = next(model.parameters()).device
    return float((model(X.to(dev)).argmax(1) != y.to(dev)).double().mean())


def train_sgd(
    model: nn.Module, X: Any, y: Any, *, lr: float, batch_size: int, epochs: float,
    record_every: int | None = None, seed: int = 0,
) -> tuple[nn.Module, PathHistory, np.ndarray]:
    """Mini-batch SGD on the cross-entropy of ``model`` (trained in place), recording its path.

    The model is tagged with the fingerprints of ``(X, y)`` (see
    :func:`dlmath.stochastic_nets.prior_at`), so a prior centred at it cannot certify on them.

    ``epochs`` may be fractional (``epochs * n / batch_size`` steps, at least one); batches are
    drawn without replacement within each epoch from a seeded permutation. The path is recorded
    every ``record_every`` steps (default: about 100 records) and at the last step. Returns
    (model, path history, training loss per step).
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    X, y = _labelled(X, y)
    lr = check_real(lr, "lr", low=0, low_inclusive=False)
    n = X.shape[0]
    batch_size = check_int(batch_size, "batch_size", min_value=1, max_value=n)
    epochs = check_real(epochs, "epochs", low=0, low_inclusive=False)
    n_steps = max(1, int(round(epochs * n / batch_size)))
    if n_steps > 10**7:
        raise ValueError(f"epochs={epochs} means {n_steps} steps, more than the limit 10**7")
    every = max(1, n_steps // 100) if record_every is None else check_int(
        record_every, "record_every", min_value=1)
    # tag the model with the examples it is fitted to, so that a prior centred at it
    # remembers them (dlmath.stochastic_nets.prior_at)
    from .stochastic_nets import TRAINED_ON, fingerprints

    object.__setattr__(model, TRAINED_ON,
                       getattr(model, TRAINED_ON, frozenset()) | fingerprints(X, y))
    dev = next(model.parameters()).device
    X, y = X.to(dev), y.to(dev)
    gen = torch.Generator().manual_seed(check_int(seed, "seed", min_value=0))
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    rec = PathRecorder(model)
    losses = np.empty(n_steps)
    perm, pos = torch.randperm(n, generator=gen), 0
    for step in range(1, n_steps + 1):
        if pos + batch_size > n:
            perm, pos = torch.randperm(n, generator=gen), 0
        idx = perm[pos:pos + batch_size].to(dev)
        pos += batch_size
        loss = nn.functional.cross_entropy(model(X[idx]), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses[step - 1] = float(loss.detach())
        if step % every == 0 or step == n_steps:
            rec.record(step)
    return model, rec.history(), losses
