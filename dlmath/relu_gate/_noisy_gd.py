"""Noise-assisted gradient descent on a ReLU gate, with its high-probability radius."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import as_float_array, as_generator, check_int, check_real, check_xy
from ..relu_nets import relu  # the one rectifier of the package (not re-exported)


@dataclass
class NoisyGDResult:
    """Norms :math:`\\|w_t\\|` of every chain, shape ``(n_runs, n_iter + 1)``, and the last iterates."""

    norms: np.ndarray
    w_final: np.ndarray


def noisy_gd(
    X, y, w0, *, eta: float, beta_inv: float, n_iter: int, n_runs: int, seed: int | np.random.Generator = 0
) -> NoisyGDResult:
    """Noise-assisted GD on :math:`\\hat L(w) = \\frac1{2m}\\sum_i (y_i - \\sigma(w^\\top x_i))^2`,
    ``n_runs`` independent chains advanced together (:prf:ref:`alg-ch3-noisy-gd`):

    .. math:: w_{t+1} = w_t - \\eta\\nabla\\hat L(w_t) + \\sqrt{2\\eta/\\beta_{\\rm inv}}\\,g_t,
              \\qquad g_t\\sim N(0, I_n).

    Returns a :class:`NoisyGDResult`: the norms along the way and the final iterates.
    """
    X, y = check_xy(X, y)
    w0 = as_float_array(w0, "w0", shape=(X.shape[1],))
    eta = check_real(eta, "eta", low=0.0, low_inclusive=False)
    beta_inv = check_real(beta_inv, "beta_inv", low=0.0, low_inclusive=False)
    n_iter = check_int(n_iter, "n_iter", min_value=1)
    n_runs = check_int(n_runs, "n_runs", min_value=1)
    rng = as_generator(seed)
    m, n = X.shape
    W = np.repeat(w0[None], n_runs, axis=0)
    norms = np.empty((n_runs, n_iter + 1))
    norms[:, 0] = np.linalg.norm(W, axis=1)
    noise_sd = np.sqrt(2 * eta / beta_inv)
    for t in range(n_iter):
        pre = W @ X.T  # (runs, m)
        grad = ((relu(pre) - y) * (pre > 0)) @ X / m
        W = W - eta * grad + noise_sd * rng.standard_normal((n_runs, n))
        norms[:, t + 1] = np.linalg.norm(W, axis=1)
    return NoisyGDResult(norms, W)


def noisy_gd_radius(X, y, w0, *, eta: float, beta_inv: float, n_iter: int, delta: float) -> float:
    """Radius :math:`R` with :math:`P(\\max_{t\\le T}\\|w_t\\| \\ge R)\\le\\delta` for :func:`noisy_gd`:

    .. math:: R^2 = \\frac{\\|w_0\\|^2 + \\eta T\\,(3\\bar Y + 2n/\\beta_{\\rm inv})}{\\delta},
              \\qquad \\bar Y = \\frac1m\\sum_i y_i^2,

    valid when :math:`\\eta\\max_i\\|x_i\\|^2\\le 1` and the labels are nonnegative (our
    derivation: :math:`\\|w_t\\|^2 + \\eta C(T-t)` is a nonnegative supermartingale; Ville's
    inequality; :prf:ref:`thm-ch3-noisy-ball`). No assumption on how the :math:`x_i` were drawn.
    """
    X, y = check_xy(X, y)
    w0 = as_float_array(w0, "w0", shape=(X.shape[1],))
    eta = check_real(eta, "eta", low=0.0, low_inclusive=False)
    beta_inv = check_real(beta_inv, "beta_inv", low=0.0, low_inclusive=False)
    n_iter = check_int(n_iter, "n_iter", min_value=1)
    delta = check_real(delta, "delta", low=0.0, high=1.0, low_inclusive=False)
    R2 = float(np.max(np.sum(X**2, axis=1)))
    if eta * R2 > 1:
        raise ValueError(f"eta must satisfy eta * max_i ||x_i||^2 <= 1, got {eta * R2:.3g}")
    if np.any(y < 0):
        raise ValueError("y must be nonnegative (labels of a ReLU gate)")
    C = 3 * np.mean(y**2) + 2 * X.shape[1] / beta_inv
    return float(np.sqrt((w0 @ w0 + eta * n_iter * C) / delta))
