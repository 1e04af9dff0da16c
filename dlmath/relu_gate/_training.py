"""Training on a fixed data set: noise-assisted GD on a ReLU gate (with its high-probability
radius) and Tron/SGD on real data."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import (
    as_float_array,
    as_generator,
    check_choice,
    check_instance,
    check_int,
    check_real,
    check_xy,
)
from ..relu_nets import relu  # the one rectifier of the package (not re-exported)
from ._model import ALGORITHMS, DepthTwoNet, net_output, sgd_step, tron_step


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


# ----------------------------------------------------------------------------- real data
def fit_tron(
    net: DepthTwoNet,
    X,
    y,
    *,
    algorithm: str = "tron",
    eta: float,
    b: int,
    n_iter: int,
    w0=None,
    X_test=None,
    y_test=None,
    record_every: int = 100,
    seed: int | np.random.Generator = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Train on a fixed data set, mini-batches drawn uniformly with replacement.

    Returns ``(w, train_mse, test_mse)``, the curves recorded every ``record_every`` steps
    (``test_mse`` is empty without test data). ``algorithm`` is ``tron`` (:func:`tron_step`),
    ``sgd`` or ``sgd_first_sample`` (:func:`sgd_step`).
    """
    check_instance(net, "net", DepthTwoNet)
    X, y = check_xy(X, y)
    check_choice(algorithm, "algorithm", ALGORITHMS)
    w = np.ones(net.r) if w0 is None else as_float_array(w0, "w0", shape=(net.r,))
    n_iter = check_int(n_iter, "n_iter", min_value=1)
    b = check_int(b, "b", min_value=1)
    record_every = check_int(record_every, "record_every", min_value=1)
    has_test = X_test is not None
    if has_test:
        X_test, y_test = check_xy(X_test, y_test)
    rng = as_generator(seed)
    train, test = [], []
    for t in range(n_iter + 1):
        if t % record_every == 0:
            train.append(np.mean((y - net_output(net, w, X)) ** 2))
            if has_test:
                test.append(np.mean((y_test - net_output(net, w, X_test)) ** 2))
        if t == n_iter:
            break
        i = rng.integers(0, X.shape[0], b)
        if algorithm == "tron":
            w = tron_step(net, w, X[i], y[i], eta)
        else:
            w = sgd_step(net, w, X[i], y[i], eta, first_sample_bug=algorithm == "sgd_first_sample")
    return w, np.array(train), np.array(test)
