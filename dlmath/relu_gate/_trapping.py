"""Where SGD gets trapped on a depth-2 single-filter net, and how to tell trapped runs apart.

With symmetric inputs a unit is never dead: :math:`P(w^\\top A_j x > 0) = \\tfrac12` for every
:math:`w \\ne 0`. What traps SGD instead is a spurious low region of the squared loss on the
far side of the origin. For :math:`c > 0`, positive homogeneity of :math:`\\sigma` gives
:math:`f_{-cw_*}(x) = c\\,f_{w_*}(-x)`, so on the ray :math:`w = -c\\,w_*` the population loss
is :math:`\\tfrac12E[(f_{w_*}(x) - c\\,f_{w_*}(-x))^2]`, minimized at

.. math:: c_* = \\frac{E[f_{w_*}(x)\\,f_{w_*}(-x)]}{E[f_{w_*}(x)^2]} \\in [0, 1)

(our derivation, :prf:ref:`prop-ch3-trap`). For a single gate :math:`c_*=0` (no trap); for the
filters :math:`A_j = M + c_jC` of the experiments the units disagree in sign and :math:`c_*`
is large.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import (
    as_float_array,
    check_choice,
    check_instance,
    check_int,
    check_limit,
    check_real,
    check_size,
)
from ._model import ALGORITHMS, MAX_WORK, DepthTwoNet, _check_wX, net_output
from ._simulate import simulate_grid

TRAP_LABELS = ("converged", "trapped", "diverged", "undecided")


def final_geometry(W, w_star) -> tuple[np.ndarray, np.ndarray]:
    """Per run, :math:`\\cos(w, w_*)` and :math:`\\|w\\|/\\|w_*\\|` for ``W`` of shape ``(S, r)``
    and ``w_star`` of shape ``(r,)`` or ``(S, r)``; ``nan`` where an iterate is not finite."""
    W = as_float_array(W, "W", shape=(None, None), finite=False)  # a diverged run: NaN or inf
    w_star = as_float_array(w_star, "w_star", ndim=(1, 2))
    if w_star.shape[-1] != W.shape[1] or (w_star.ndim == 2 and w_star.shape != W.shape):
        raise ValueError(f"w_star must have shape ({W.shape[1]},) or {W.shape}, got {w_star.shape}")
    w_star = np.broadcast_to(w_star, W.shape)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        norm = np.linalg.norm(W, axis=1)
        ref = np.linalg.norm(w_star, axis=1)
        cos = np.sum(W * w_star, axis=1) / (norm * ref)
    finite = np.all(np.isfinite(W), axis=1)
    return np.where(finite, cos, np.nan), np.where(finite, norm / ref, np.nan)


def classify_runs(W, w_star, *, tol: float = 0.1, blowup: float = 1e3) -> np.ndarray:
    """Label each final iterate: ``converged`` if :math:`\\|w-w_*\\| < \\text{tol}\\,\\|w_*\\|`,
    ``diverged`` if it is not finite or :math:`\\|w\\| > \\text{blowup}\\,\\|w_*\\|` (a run on its
    way to overflow is not trapped anywhere), ``trapped`` if :math:`\\cos(w, w_*) < 0` (on the far
    side of the origin, where :prf:ref:`prop-ch3-trap` locates the spurious region,
    near :math:`-c_*w_*` with :math:`c_* < 1`), else ``undecided``."""
    tol = check_real(tol, "tol", low=0.0, high=1.0, low_inclusive=False, high_inclusive=False)
    blowup = check_real(blowup, "blowup", low=1.0, low_inclusive=False)
    cos, ratio = final_geometry(W, w_star)
    W = np.asarray(W, dtype=float)
    ws = np.broadcast_to(np.asarray(w_star, dtype=float), W.shape)
    with np.errstate(invalid="ignore", over="ignore"):
        rel = np.linalg.norm(W - ws, axis=1) / np.linalg.norm(ws, axis=1)
    labels = np.full(W.shape[0], "undecided", dtype=object)
    labels[cos < 0] = "trapped"
    labels[rel < tol] = "converged"
    with np.errstate(invalid="ignore"):
        labels[~np.isfinite(ratio) | (ratio > blowup)] = "diverged"
    return labels


def spurious_scale(net: DepthTwoNet, w_star, X) -> float:
    """Estimate :math:`c_* = E[f_{w_*}(x)f_{w_*}(-x)]/E[f_{w_*}(x)^2]` from the inputs ``X``
    (rows drawn from a symmetric law): the point :math:`-c_*w_*` minimizes the squared loss on
    the ray through :math:`-w_*` (:prf:ref:`prop-ch3-trap`).

    The estimate is the exact minimizer of the empirical loss on the symmetrized sample
    :math:`X\\cup(-X)`, :math:`\\bar m/\\bar a` with :math:`\\bar m` the mean of
    :math:`f_{w_*}(x)f_{w_*}(-x)` and :math:`\\bar a` that of
    :math:`\\frac12(f_{w_*}(x)^2+f_{w_*}(-x)^2)`; there the loss is exactly
    :math:`(1-c_*^2)` times its value at :math:`w=0`.
    """
    w_star, X = _check_wX(net, w_star, X)
    if w_star.ndim != 1:
        raise ValueError(f"w_star must be 1-dimensional, got shape {w_star.shape}")
    f_pos, f_neg = net_output(net, w_star, X), net_output(net, w_star, -X)
    den = float(np.mean(f_pos**2 + f_neg**2)) / 2
    if den == 0.0:
        raise ValueError("the net's output is 0 on every row of X and -X: c_* is undefined")
    return float(np.mean(f_pos * f_neg)) / den


@dataclass
class Trajectories:
    """Iterates of independent runs of one algorithm, recorded every few iterations.

    ``W[s, j]`` is the iterate of run ``s`` after ``iterations[j]`` updates; ``w_star[s]`` its
    truth. ``cosine`` and ``norm_ratio`` are :func:`final_geometry` along the way.
    """

    iterations: np.ndarray
    W: np.ndarray
    w_star: np.ndarray

    @property
    def cosine(self) -> np.ndarray:
        return np.stack([final_geometry(self.W[:, j], self.w_star)[0]
                         for j in range(self.W.shape[1])], axis=1)  # fmt: skip

    @property
    def norm_ratio(self) -> np.ndarray:
        return np.stack([final_geometry(self.W[:, j], self.w_star)[1]
                         for j in range(self.W.shape[1])], axis=1)  # fmt: skip


def track_iterates(
    net: DepthTwoNet,
    w_star,
    *,
    algorithm: str,
    n_iter: int,
    every: int,
    b: int,
    eta: float,
    dist: str = "normal",
    scale: float = 1.0,
    df: float = 4.0,
    w0=None,
    seed: int = 0,
    max_work: float = MAX_WORK,
) -> Trajectories:
    """Run ``algorithm`` without attack for every row of ``w_star`` (shape ``(S, r)``), each run
    with its own data, and keep the iterates every ``every`` updates.

    The runs advance in segments of ``every`` updates of :func:`simulate_grid`
    (``independent=True``; segment ``j`` reads seed ``seed + j``, so segments and runs never
    share data). Runs whose work ``S n_iter b k r n`` exceeds ``max_work`` are refused before
    they start.
    """
    check_instance(net, "net", DepthTwoNet)
    check_choice(algorithm, "algorithm", ALGORITHMS)
    n_iter = check_int(n_iter, "n_iter", min_value=1)
    every = check_int(every, "every", min_value=1, max_value=n_iter)
    b = check_int(b, "b", min_value=1)
    seed = check_int(seed, "seed", min_value=0)
    w_star = as_float_array(w_star, "w_star", ndim=2)
    S = w_star.shape[0]
    max_work = check_limit(max_work, "max_work")
    check_size(S * n_iter * b * net.k * net.r * net.n, max_work,
               "the work S * n_iter * b * k * r * n", "a larger max_work")
    W = np.ones_like(w_star) if w0 is None else np.broadcast_to(
        as_float_array(w0, "w0", ndim=(1, 2)), w_star.shape).copy()  # fmt: skip
    iters, snaps = [0], [W.copy()]
    done, j = 0, 0
    lost = np.zeros(S, dtype=bool)  # runs that diverged stay nan (restarted from 1, then masked)
    while done < n_iter:
        step = min(every, n_iter - done)
        res = simulate_grid(net, w_star, n_iter=step, b=b, eta=eta, betas=np.zeros(S),
                            algorithms=algorithm, dist=dist, scale=scale, df=df,
                            w0=np.where(lost[:, None], 1.0, W), independent=True,
                            record_every=step, seed=seed + j, max_work=max_work)  # fmt: skip
        W = res.w_final[0].copy()
        lost |= ~np.all(np.isfinite(W), axis=1)
        W[lost] = np.nan
        done, j = done + step, j + 1
        iters.append(done)
        snaps.append(W.copy())
    return Trajectories(np.array(iters), np.stack(snaps, axis=1), w_star)
