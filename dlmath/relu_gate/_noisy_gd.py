"""Noise-assisted gradient descent on a ReLU gate, with its high-probability radius."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import as_float_array, as_generator, check_int, check_limit, check_real, check_size, check_xy
from ..relu_nets._net import rectify as relu  # the package's one rectifier, unchecked in loops
from ._model import MAX_EXACT, MAX_WORK


@dataclass
class NoisyGDResult:
    """Norms :math:`\\|w_t\\|` of every chain, shape ``(n_runs, n_iter + 1)``, and the last iterates."""

    norms: np.ndarray
    w_final: np.ndarray


def noisy_gd(
    X, y, w0, *, eta: float, beta_inv: float, n_iter: int, n_runs: int,
    seed: int | np.random.Generator = 0, max_work: float = MAX_WORK,
) -> NoisyGDResult:
    """Noise-assisted GD on :math:`\\hat L(w) = \\frac1{2m}\\sum_i (y_i - \\sigma(w^\\top x_i))^2`,
    ``n_runs`` independent chains advanced together (:prf:ref:`alg-ch3-noisy-gd`):

    .. math:: w_{t+1} = w_t - \\eta\\nabla\\hat L(w_t) + \\sqrt{2\\eta/\\beta_{\\rm inv}}\\,g_t,
              \\qquad g_t\\sim N(0, I_n).

    Returns a :class:`NoisyGDResult`: the norms along the way and the final iterates. A run
    whose work ``n_iter n_runs m n`` exceeds ``max_work`` is refused before it starts.
    """
    X, y = check_xy(X, y)
    w0 = as_float_array(w0, "w0", shape=(X.shape[1],))
    eta = check_real(eta, "eta", low=0.0, low_inclusive=False)
    beta_inv = check_real(beta_inv, "beta_inv", low=0.0, low_inclusive=False)
    n_iter = check_int(n_iter, "n_iter", min_value=1)
    n_runs = check_int(n_runs, "n_runs", min_value=1)
    max_work = check_limit(max_work, "max_work")
    check_size(n_iter * n_runs * X.size, max_work, "the work n_iter * n_runs * m * n",
               "a larger max_work")
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
    n_iter = check_int(n_iter, "n_iter", min_value=1, max_value=MAX_EXACT)
    delta = check_real(delta, "delta", low=0.0, high=1.0, low_inclusive=False)
    R2 = float(np.max(np.sum(X**2, axis=1)))
    if eta * R2 > 1:
        raise ValueError(f"eta must satisfy eta * max_i ||x_i||^2 <= 1, got {eta * R2:.3g}")
    if np.any(y < 0):
        raise ValueError("y must be nonnegative (labels of a ReLU gate)")
    C = 3 * np.mean(y**2) + 2 * X.shape[1] / beta_inv
    return float(np.sqrt((w0 @ w0 + eta * n_iter * C) / delta))


def positive_curvature(
    X, *, n_starts: int = 256, n_steps: int = 300, seed: int = 0, max_work: float = MAX_WORK
) -> float:
    """Estimate :math:`\\lambda_+ = \\min_{\\|u\\|=1}\\frac1m\\sum_i\\sigma(u^\\top x_i)^2` by projected
    gradient descent on the sphere from ``n_starts`` random starts (the objective is
    continuously differentiable and piecewise quadratic).

    The value returned is attained at a unit vector, so it is an **upper** estimate of
    :math:`\\lambda_+`, and :func:`noisy_gd_stationary_bound` computed from it is at most the true
    bound: a check against it is stricter than the theorem. :math:`\\lambda_+ = 0` exactly when
    the data lie in a closed half-space. A search whose work ``n_starts n_steps m n`` exceeds
    ``max_work`` is refused before it starts.
    """
    X = as_float_array(X, "X", ndim=2, min_size=1)
    n_starts = check_int(n_starts, "n_starts", min_value=1)
    n_steps = check_int(n_steps, "n_steps", min_value=1)
    max_work = check_limit(max_work, "max_work")
    check_size(n_starts * n_steps * X.size, max_work, "the work n_starts * n_steps * m * n",
               "a larger max_work")
    rng = as_generator(seed)
    m = X.shape[0]
    U = rng.standard_normal((n_starts, X.shape[1]))
    U /= np.linalg.norm(U, axis=1, keepdims=True)
    lr = 0.5 / np.linalg.eigvalsh(X.T @ X / m)[-1]  # 1/(2L) for the smooth quadratic pieces
    for _ in range(n_steps):
        a = relu(U @ X.T)
        U = U - lr * (2 * a @ X / m)
        U /= np.linalg.norm(U, axis=1, keepdims=True)
    return float(np.min(np.mean(relu(U @ X.T) ** 2, axis=1)))


def noisy_gd_stationary_bound(X, y, w0, *, beta_inv: float, lam_plus: float) -> float:
    """:math:`V=\\max(\\|w_0\\|^2, 2C/\\lambda_+)` with :math:`C=3\\bar Y+2n/\\beta_{\\rm inv}`: a bound
    on :math:`E\\|w_t\\|^2` for every :math:`t` of :func:`noisy_gd` (when
    :math:`\\eta\\max_i\\|x_i\\|^2\\le1`), from the sharper drift inequality
    :math:`E[\\|w_{t+1}\\|^2\\mid w_t]\\le\\|w_t\\|^2-\\frac\\eta2S(w_t)+\\eta C` and
    :math:`S(w)\\ge\\lambda_+\\|w\\|^2` (our derivation, the exercise of :prf:ref:`thm-ch3-noisy-ball`).
    Unlike :func:`noisy_gd_radius` it does not grow with the number of steps."""
    X, y = check_xy(X, y)
    w0 = as_float_array(w0, "w0", shape=(X.shape[1],))
    beta_inv = check_real(beta_inv, "beta_inv", low=0.0, low_inclusive=False)
    lam_plus = check_real(lam_plus, "lam_plus", low=0.0, low_inclusive=False)
    if np.any(y < 0):
        raise ValueError("y must be nonnegative (labels of a ReLU gate)")
    C = 3 * np.mean(y**2) + 2 * X.shape[1] / beta_inv
    return float(max(w0 @ w0, 2 * C / lam_plus))
