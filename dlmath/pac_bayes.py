"""PAC-Bayes bounds: the binary kl and its inversion, Gaussian KL, and the margin bound.

Everything here is arithmetic on numbers a run has measured (empirical errors, KL divergences,
norms); the stochastic networks themselves live in :mod:`dlmath.stochastic_nets`.

* ``kl(q || p) = q ln(q/p) + (1-q) ln((1-q)/(1-p))`` is the KL divergence between Bernoulli
  laws (:func:`kl_bernoulli`); :func:`kl_inverse_upper` returns ``sup{p >= q : kl(q||p) <= c}``
  by bisection (exact to ~1e-15).
* The PAC-Bayes-kl bound (Langford and Seeger 2001; Maurer 2004), :prf:ref:`thm-ch6-pac-bayes-kl`:
  with probability ``1 - delta`` over an i.i.d. sample of size ``m``, for every posterior ``Q``,
  ``kl(L_S(Q) || L(Q)) <= (KL(Q||P) + ln(2 sqrt(m)/delta)) / m`` (:func:`kl_bound`); its
  Pinsker relaxation is the McAllester-type bound ``L_S(Q) + sqrt((KL + ln(2 sqrt m/delta))/(2m))``
  (:func:`mcallester_bound`).
* :func:`mc_risk_upper` bounds the empirical risk ``L_S(Q)`` of a stochastic net from ``n``
  sampled nets (Langford and Caruana 2001): ``kl(hat L || L_S(Q)) <= ln(2/delta')/n``.
* :func:`gaussian_kl` is the closed form for diagonal Gaussians, :prf:ref:`lem-ch6-gauss-kl`.
* :func:`spectral_margin_bound` evaluates the margin bound of Neyshabur, Bhojanapalli and
  Srebro (2018, Thm 1) with explicit constants from its proof and every factor exposed,
  :prf:ref:`thm-ch6-margin`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._validate import as_float_array, check_int, check_real

__all__ = [
    "kl_bernoulli",
    "kl_inverse_upper",
    "kl_inverse_lower",
    "pac_bayes_rhs",
    "kl_bound",
    "mcallester_bound",
    "mc_risk_upper",
    "kl_certificate",
    "gaussian_kl",
    "std_grid",
    "snap_to_grid",
    "margin_loss",
    "perturbation_bound",
    "MarginBound",
    "spectral_margin_bound",
    "best_margin_bound",
]

_BISECT_STEPS = 200  # halving [0, 1] 200 times reaches the float64 spacing long before
_MAX_COUNT = 2**53  # sample sizes are used in float arithmetic: beyond 2^53 they are not exact


def _prob(x: Any, name: str) -> np.ndarray:
    arr = as_float_array(x, name)
    if np.any((arr < 0) | (arr > 1)):
        raise ValueError(f"{name} must lie in [0, 1], got values in [{arr.min()}, {arr.max()}]")
    return arr


def _nonneg(x: Any, name: str) -> np.ndarray:
    arr = as_float_array(x, name)
    if np.any(arr < 0):
        raise ValueError(f"{name} must be >= 0, got minimum {arr.min()}")
    return arr


def _out(arr: np.ndarray) -> float | np.ndarray:
    return float(arr) if arr.ndim == 0 else arr


def kl_bernoulli(q: Any, p: Any) -> float | np.ndarray:
    """``kl(q || p)`` between Bernoulli(q) and Bernoulli(p), elementwise, with ``0 ln 0 = 0``.

    Infinite where ``p`` is 0 or 1 and ``q`` differs from it.
    """
    q, p = np.broadcast_arrays(_prob(q, "q"), _prob(p, "p"))
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(q > 0, q * np.log(q / p), 0.0)
        b = np.where(q < 1, (1 - q) * np.log((1 - q) / (1 - p)), 0.0)
    out = a + b
    out = np.where(np.isnan(out), np.inf, out)
    return _out(np.maximum(out, 0.0))


def _bisect(q: np.ndarray, c: np.ndarray, upper: bool) -> np.ndarray:
    lo = q.copy() if upper else np.zeros_like(q)
    hi = np.ones_like(q) if upper else q.copy()
    for _ in range(_BISECT_STEPS):
        mid = 0.5 * (lo + hi)
        inside = np.asarray(kl_bernoulli(q, mid)) <= c
        if upper:
            lo, hi = np.where(inside, mid, lo), np.where(inside, hi, mid)
        else:
            lo, hi = np.where(inside, lo, mid), np.where(inside, mid, hi)
        if np.all(hi - lo <= 1e-16):
            break
    return lo if upper else hi


def kl_inverse_upper(q: Any, c: Any) -> float | np.ndarray:
    """``kl^{-1}(q, c) = sup{p in [q, 1] : kl(q || p) <= c}`` (elementwise), by bisection.

    The returned ``p`` satisfies ``kl(q||p) <= c``; the true supremum is at most ``1e-16`` above.
    """
    q, c = np.broadcast_arrays(_prob(q, "q"), _nonneg(c, "c"))
    return _out(_bisect(q.astype(float), c.astype(float), upper=True))


def kl_inverse_lower(q: Any, c: Any) -> float | np.ndarray:
    """``inf{p in [0, q] : kl(q || p) <= c}`` (elementwise): a lower confidence bound."""
    q, c = np.broadcast_arrays(_prob(q, "q"), _nonneg(c, "c"))
    return _out(_bisect(q.astype(float), c.astype(float), upper=False))


def pac_bayes_rhs(kl: Any, m: int, delta: float) -> float | np.ndarray:
    """``(KL(Q||P) + ln(2 sqrt(m) / delta)) / m``, the right side of the PAC-Bayes-kl bound."""
    kl = _nonneg(kl, "kl")
    m = check_int(m, "m", min_value=1, max_value=_MAX_COUNT)
    delta = check_real(delta, "delta", low=0, high=1, low_inclusive=False, high_inclusive=False)
    return _out((kl + math.log(2 * math.sqrt(m) / delta)) / m)


def kl_bound(emp_risk: Any, kl: Any, m: int, delta: float) -> float | np.ndarray:
    """PAC-Bayes-kl bound on ``L(Q)``: ``kl^{-1}(L_S(Q), (KL + ln(2 sqrt m / delta)) / m)``.

    :prf:ref:`thm-ch6-pac-bayes-kl` (Langford and Seeger 2001 with Maurer's 2004 constant).
    """
    return kl_inverse_upper(_prob(emp_risk, "emp_risk"), pac_bayes_rhs(kl, m, delta))


def mcallester_bound(emp_risk: Any, kl: Any, m: int, delta: float) -> float | np.ndarray:
    """McAllester-type bound ``L_S(Q) + sqrt((KL + ln(2 sqrt m / delta)) / (2m))``, capped at 1.

    It follows from :func:`kl_bound` and Pinsker's ``kl(q||p) >= 2 (p - q)^2``, so it is never
    smaller (:prf:ref:`thm-ch6-pac-bayes-kl`).
    """
    emp = _prob(emp_risk, "emp_risk")
    return _out(np.minimum(emp + np.sqrt(np.asarray(pac_bayes_rhs(kl, m, delta)) / 2), 1.0))


def mc_risk_upper(mc_error: Any, n_samples: int, delta: float) -> float | np.ndarray:
    """Upper confidence bound on ``L_S(Q)`` from the mean error of ``n_samples`` sampled nets.

    ``kl^{-1}(hat L, ln(2/delta) / n)`` (Langford and Caruana 2001): each sampled net's error
    rate on the sample lies in [0, 1], and the nets are i.i.d. draws from ``Q``.
    """
    n = check_int(n_samples, "n_samples", min_value=1, max_value=_MAX_COUNT)
    delta = check_real(delta, "delta", low=0, high=1, low_inclusive=False, high_inclusive=False)
    return kl_inverse_upper(_prob(mc_error, "mc_error"), math.log(2 / delta) / n)


def kl_certificate(
    mc_error: float, n_samples: int, kl: float, m: int, delta: float, delta_mc: float
) -> float:
    """Risk certificate valid with probability ``1 - delta - delta_mc``.

    ``kl^{-1}(mc_risk_upper(mc_error, n_samples, delta_mc), (KL + ln(2 sqrt m/delta)) / m)``:
    the Monte Carlo estimate is first bounded above, then the PAC-Bayes-kl bound applied.
    """
    upper = mc_risk_upper(mc_error, n_samples, delta_mc)
    return float(kl_bound(upper, kl, m, delta))


def gaussian_kl(mu_q: Any, std_q: Any, mu_p: Any, std_p: Any) -> Any:
    """``KL(N(mu_q, diag std_q^2) || N(mu_p, diag std_p^2))`` summed over coordinates.

    ``sum ln(std_p/std_q) + (std_q^2 + (mu_q - mu_p)^2) / (2 std_p^2) - 1/2``
    (:prf:ref:`lem-ch6-gauss-kl`). Arguments broadcast (a scalar ``std_p`` is an isotropic
    prior). Torch tensors in, a differentiable 0-d tensor out; otherwise a float.
    """
    args = (mu_q, std_q, mu_p, std_p)
    names = ("mu_q", "std_q", "mu_p", "std_p")
    if any(hasattr(a, "detach") for a in args):
        import torch

        ts = [a if torch.is_tensor(a) else torch.as_tensor(a, dtype=torch.float64) for a in args]
        for t, nm in zip(ts, names, strict=True):
            if not torch.all(torch.isfinite(t)):
                raise ValueError(f"{nm} must contain only finite values (no NaN or inf)")
        for t, nm in ((ts[1], "std_q"), (ts[3], "std_p")):
            if torch.any(t <= 0):
                raise ValueError(f"{nm} must be > 0")
        mq, sq, mp, sp = ts
        terms = torch.log(sp / sq) + (sq**2 + (mq - mp) ** 2) / (2 * sp**2) - 0.5
        return torch.broadcast_to(terms, torch.broadcast_shapes(*(t.shape for t in ts))).sum()
    mq, sq, mp, sp = (as_float_array(a, nm) for a, nm in zip(args, names, strict=True))
    for a, nm in ((sq, "std_q"), (sp, "std_p")):
        if np.any(a <= 0):
            raise ValueError(f"{nm} must be > 0")
    terms = np.log(sp / sq) + (sq**2 + (mq - mp) ** 2) / (2 * sp**2) - 0.5
    return float(np.broadcast_to(terms, np.broadcast_shapes(mq.shape, sq.shape, mp.shape,
                                                            sp.shape)).sum())


def std_grid(low: float, high: float, n: int) -> np.ndarray:
    """``n`` prior standard deviations, geometrically spaced from ``low`` to ``high``.

    Choosing one of them after seeing the data costs a union bound: run each bound at
    confidence ``delta / n`` (:prf:ref:`thm-ch6-union`).
    """
    low = check_real(low, "low", low=0, low_inclusive=False)
    high = check_real(high, "high", low=low)
    n = check_int(n, "n", min_value=1, max_value=10_000)
    return np.geomspace(low, high, n)


def snap_to_grid(value: float, grid: Any) -> float:
    """The grid point nearest to ``value`` on a log scale (for a prior std tuned on data)."""
    value = check_real(value, "value", low=0, low_inclusive=False)
    g = as_float_array(grid, "grid", ndim=1, min_size=1)
    if np.any(g <= 0):
        raise ValueError("grid must contain only positive values")
    return float(g[np.argmin(np.abs(np.log(g) - math.log(value)))])


def margin_loss(logits: Any, labels: Any, gamma: float) -> float:
    """Empirical margin loss: the fraction of examples with ``f(x)[y] - max_{j != y} f(x)[j] <= gamma``.

    ``gamma = 0`` gives the training error (ties count as errors).
    """
    f = as_float_array(logits, "logits", ndim=2, min_size=1)
    y = np.asarray(labels.detach().cpu() if hasattr(labels, "detach") else labels)
    if y.shape != (f.shape[0],) or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"labels must be integers of shape ({f.shape[0]},), got {y.shape}")
    if f.shape[1] < 2 or y.min() < 0 or y.max() >= f.shape[1]:
        raise ValueError(f"labels must lie in 0..{f.shape[1] - 1} and logits need >= 2 columns")
    gamma = check_real(gamma, "gamma", low=0)
    rows = np.arange(len(y))
    true = f[rows, y]
    other = f.copy()
    other[rows, y] = -np.inf
    return float(np.mean(true - other.max(axis=1) <= gamma))


def _matrices(weights: Any, name: str) -> list[np.ndarray]:
    if not isinstance(weights, (list, tuple)) or len(weights) == 0:
        raise TypeError(f"{name} must be a non-empty list of weight matrices")
    mats = [as_float_array(w, f"{name}[{i}]", ndim=2, min_size=1) for i, w in enumerate(weights)]
    for i in range(1, len(mats)):
        if mats[i].shape[1] != mats[i - 1].shape[0]:
            raise ValueError(f"{name}[{i}] has {mats[i].shape[1]} inputs but {name}[{i - 1}] "
                             f"has {mats[i - 1].shape[0]} outputs")
    return mats


def perturbation_bound(weights: Any, perturbations: Any, B: float) -> float:
    """Neyshabur et al. (2018, Lemma 2): ``e B prod_i ||W_i||_2 sum_i ||U_i||_2 / ||W_i||_2``.

    Bounds ``|f_{w+u}(x) - f_w(x)|_2`` for ``||x|| <= B`` when every ``||U_i||_2 <= ||W_i||_2/d``
    (bias-free ReLU net); raises ``ValueError`` if that hypothesis fails.
    """
    W = _matrices(weights, "weights")
    U = _matrices(perturbations, "perturbations")
    if [w.shape for w in W] != [u.shape for u in U]:
        raise ValueError("perturbations must have the shapes of weights")
    B = check_real(B, "B", low=0)
    d = len(W)
    sw = np.array([np.linalg.norm(w, 2) for w in W])
    su = np.array([np.linalg.norm(u, 2) for u in U])
    if np.any(su > sw / d * (1 + 1e-12)):
        raise ValueError("the lemma needs ||U_i||_2 <= ||W_i||_2 / d for every layer")
    return float(math.e * B * np.prod(sw) * np.sum(su / sw))


@dataclass(frozen=True)
class MarginBound:
    """The Neyshabur-Bhojanapalli-Srebro bound and each factor it multiplies.

    ``bound = margin_loss + complexity`` with ``complexity = 4 sqrt((kl + ln(6 m n_grid/delta))
    / (m - 1))`` and ``kl = beta^2 sum_ratio / (2 sigma^2)``, ``sigma = gamma / (42 B d
    beta^(d-1) sqrt(h ln(4 d h)))``, ``beta = (prod ||W_i||_2)^(1/d)``. ``order_term`` is the
    expression inside the paper's ``O(.)``, without constants.
    """

    margin_loss: float
    depth: int
    width: int
    B: float
    gamma: float
    m: int
    spectral: np.ndarray
    frobenius: np.ndarray
    prod_spectral_sq: float
    sum_ratio: float
    sigma: float
    kl: float
    n_grid: int
    complexity: float
    bound: float
    order_term: float


def spectral_margin_bound(
    weights: Any, *, margin_loss: float, B: float, gamma: float, m: int, delta: float = 0.05
) -> MarginBound:
    """Neyshabur, Bhojanapalli and Srebro (2018, Thm 1) with the constants of its proof.

    ``weights`` are the matrices ``W_1..W_d`` of a bias-free ReLU net (``W_i`` of shape
    (out, in)), ``margin_loss`` its empirical ``gamma``-margin loss on ``m`` examples of norm at
    most ``B``. ``h`` is the largest dimension of any ``W_i`` (the random-matrix step bounds the
    spectral norm of an ``out x in`` Gaussian perturbation by its larger side). The union over
    ``beta`` uses a grid of ``ceil(d m^(1/(2d)))`` points. See :prf:ref:`thm-ch6-margin`.
    """
    W = _matrices(weights, "weights")
    loss = float(_prob(margin_loss, "margin_loss"))
    B = check_real(B, "B", low=0, low_inclusive=False)
    gamma = check_real(gamma, "gamma", low=0, low_inclusive=False)
    m = check_int(m, "m", min_value=2, max_value=_MAX_COUNT)
    delta = check_real(delta, "delta", low=0, high=1, low_inclusive=False, high_inclusive=False)
    d = len(W)
    h = max(max(w.shape) for w in W)
    spec = np.array([np.linalg.norm(w, 2) for w in W])
    frob = np.array([np.linalg.norm(w) for w in W])
    if np.any(spec == 0):
        raise ValueError("every weight matrix must be non-zero")
    log_beta = float(np.mean(np.log(spec)))
    sum_ratio = float(np.sum(frob**2 / spec**2))
    log_sigma = (math.log(gamma) - math.log(42 * B * d) - (d - 1) * log_beta
                 - 0.5 * math.log(h * math.log(4 * d * h)))
    kl = math.exp(2 * log_beta - 2 * log_sigma) * sum_ratio / 2
    n_grid = math.ceil(d * m ** (1 / (2 * d)))
    complexity = 4 * math.sqrt((kl + math.log(6 * m * n_grid / delta)) / (m - 1))
    prod_sq = float(np.exp(2 * np.sum(np.log(spec))))
    order = math.sqrt((B**2 * d**2 * h * math.log(d * h) * prod_sq * sum_ratio
                       + math.log(d * m / delta)) / (gamma**2 * m))
    return MarginBound(loss, d, h, B, gamma, m, spec, frob, prod_sq, sum_ratio,
                       math.exp(log_sigma), kl, n_grid, complexity, loss + complexity, order)


def best_margin_bound(
    weights: Any, logits: Any, labels: Any, *, B: float, m: int, delta: float = 0.05,
    gammas: Any = None, max_margin_loss: float = 1.0,
) -> MarginBound:
    """The smallest :func:`spectral_margin_bound` over a grid of margins, union bound included.

    ``gammas`` must be fixed before seeing the data; the default is 41 margins geometrically
    spaced from 1e-2 to 1e2. Each bound is taken at confidence ``delta / len(gammas)``, so the
    minimum holds with probability ``1 - delta``. ``max_margin_loss`` restricts the minimum to
    margins that at most that fraction of the examples fail (e.g. 0.1 for an informative
    margin; at very large margins every example fails and the bound is trivially above 1).
    """
    f = as_float_array(logits, "logits", ndim=2, min_size=1)
    y = np.asarray(labels)
    if y.shape != (f.shape[0],):
        raise ValueError(f"labels must have shape ({f.shape[0]},), got {y.shape}")
    if gammas is None:
        gammas = np.geomspace(1e-2, 1e2, 41)
    g = as_float_array(gammas, "gammas", ndim=1, min_size=1)
    d_each = check_real(delta, "delta", low=0, high=1, low_inclusive=False,
                        high_inclusive=False) / len(g)
    top = check_real(max_margin_loss, "max_margin_loss", low=0, high=1)
    bounds = [spectral_margin_bound(weights, margin_loss=margin_loss(f, y, float(gm)), B=B,
                                    gamma=float(gm), m=m, delta=d_each) for gm in g]
    bounds = [b for b in bounds if b.margin_loss <= top]
    if not bounds:
        raise ValueError(f"no margin in gammas has margin loss <= max_margin_loss={top}")
    return min(bounds, key=lambda r: r.bound)
