"""Local elasticity in regression: ridge regression on random ReLU features (appendix).

The model (:prf:ref:`def-appA-ridge`): fixed features ``h(x) = relu(W x)``, ``W`` in
R^{p x dim} with standard normal entries; two linear heads ``V = [v_0, v_1]`` in R^{p x 2};
two classes of ``n_k`` points each, "near" ``x ~ N(1 * 1, 2^2 I)`` (class 0) and "far"
``x ~ N(9 * 1, I)`` (class 1), with one-hot targets ``e_k``; the loss

.. math:: L(V) = \\frac{1}{2N}\\sum_i \\|e_{k_i} - V^\\top h_i\\|^2 + \\frac{\\mu}{2}\\|V\\|_F^2

and the gradient flow ``dV/dt = -theta^2 grad L(V) = -theta^2 (M V - B)`` with
``M = mu I + H^T H / N`` and ``B = H^T E / N``. Its solution (:prf:ref:`thm-appA-flow`) is

.. math:: V(t) = V_* + e^{-\\theta^2 t M}(V(0) - V_*),\\qquad V_* = M^{-1} B.

S_rel of a gradient step on the per-sample loss ``l(V; x_a) = |e_a - V^T h_a|^2 / 2 +
mu |V|^2 / 2`` (whose average over the sample is ``L``) is exact for this linear-in-V model
and independent of the step size (:prf:ref:`thm-appA-srel-ridge`):

.. math:: S_{\\rm rel}(x_a, x_b; V) = \\frac{\\|r_a\\, h_a^\\top h_b + \\mu V^\\top h_b\\|}
          {\\|r_a \\|h_a\\|^2 + \\mu V^\\top h_a\\|},\\qquad r_a = V^\\top h_a - e_a.

Composed with ``V(t)`` this is S_rel(t) in closed form. The defaults copy the public notebook
(``p, dim`` free, ``n_k = 1000``, ``theta = 1e-3``, ``mu = N lambda / K = 1000`` with
``lambda = 1, K = 2``: the constant of its matrix ``M``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._validate import as_float_array, check_int, check_real, check_rng, check_size

__all__ = [
    "RidgeFeatureModel",
    "make_ridge_features",
    "flow",
    "flow_field",
    "gd_trajectory",
    "loss",
    "srel",
    "srel_by_step",
    "srel_public_formula",
    "phase_boundary",
]

MAX_FEATURES = 5_000
MAX_ENTRIES = 50_000_000
_MAX_WORK = 10**12  # multiply-adds of one gradient-descent run
_MAX_FLOATS = 10**9  # recorded iterates (8 GB)


@dataclass(frozen=True)
class RidgeFeatureModel:
    """Features ``H`` (N, p), class labels (N,) in {0, 1}, ridge ``reg`` = mu and rate ``theta``.

    ``M``, ``B``, the eigen-decomposition of ``M`` and the minimizer ``V_star`` are computed once.
    """

    features: np.ndarray
    labels: np.ndarray
    reg: float
    theta: float
    M: np.ndarray = field(init=False, repr=False)
    B: np.ndarray = field(init=False, repr=False)
    evals: np.ndarray = field(init=False, repr=False)
    evecs: np.ndarray = field(init=False, repr=False)
    V_star: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        H = as_float_array(self.features, "features", ndim=2, min_size=2)
        y = np.asarray(self.labels)
        if y.shape != (H.shape[0],) or not np.isin(y, (0, 1)).all():
            raise ValueError(f"labels must be {H.shape[0]} entries in {{0, 1}}")
        reg = check_real(self.reg, "reg", low=0.0, low_inclusive=False)
        check_real(self.theta, "theta", low=0.0, low_inclusive=False)
        n, p = H.shape
        E = np.eye(2)[y]
        M = reg * np.eye(p) + H.T @ H / n
        evals, evecs = np.linalg.eigh(M)
        for k, v in {"features": H, "labels": y.astype(np.int64), "M": M, "B": H.T @ E / n,
                     "evals": evals, "evecs": evecs}.items():
            object.__setattr__(self, k, v)
        object.__setattr__(self, "V_star", np.linalg.solve(M, self.B))

    @property
    def p(self) -> int:
        """Number of random features."""
        return self.features.shape[1]

    @property
    def targets(self) -> np.ndarray:
        """One-hot targets e_k, shape (N, 2)."""
        return np.eye(2)[self.labels]


def make_ridge_features(
    p: int,
    dim: int,
    rng: np.random.Generator,
    *,
    n_per_class: int = 1000,
    near: tuple[float, float] = (1.0, 2.0),
    far: tuple[float, float] = (9.0, 1.0),
    lam: float = 1.0,
    theta: float = 1e-3,
) -> RidgeFeatureModel:
    """Draw ``W``, the near/far data and their features; ``reg = N lam / 2`` as in the public code.

    ``near`` and ``far`` are (mean of every coordinate, standard deviation) of the two classes.
    Fails fast when ``p`` exceeds ``MAX_FEATURES`` or the data would hold more than
    ``MAX_ENTRIES`` numbers.
    """
    p = check_int(p, "p", min_value=1, max_value=MAX_FEATURES)
    dim = check_int(dim, "dim", min_value=1)
    n_per_class = check_int(n_per_class, "n_per_class", min_value=1)
    rng = check_rng(rng)
    n = 2 * n_per_class
    if n * max(dim, p) > MAX_ENTRIES:
        raise ValueError(f"2 * n_per_class * max(dim, p) = {n * max(dim, p)} numbers exceeds the "
                         f"limit {MAX_ENTRIES}")
    (m0, s0), (m1, s1) = near, far
    for v, nm in ((m0, "near mean"), (m1, "far mean"), (s0, "near sd"), (s1, "far sd")):
        check_real(v, nm)
    if s0 <= 0 or s1 <= 0:
        raise ValueError(f"standard deviations must be > 0, got {s0} and {s1}")
    lam = check_real(lam, "lam", low=0.0, low_inclusive=False)
    W = rng.standard_normal((p, dim))
    X = np.concatenate([m0 + s0 * rng.standard_normal((n_per_class, dim)),
                        m1 + s1 * rng.standard_normal((n_per_class, dim))])
    labels = np.repeat([0, 1], n_per_class)
    return RidgeFeatureModel(np.maximum(X @ W.T, 0.0), labels, reg=n * lam / 2, theta=theta)


def _check_V(model: RidgeFeatureModel, V, name: str = "V") -> np.ndarray:
    if not isinstance(model, RidgeFeatureModel):
        raise TypeError(f"model must be a RidgeFeatureModel, got {type(model).__name__}")
    V = as_float_array(V, name)
    if V.ndim < 2 or V.shape[-2:] != (model.p, 2):
        raise ValueError(f"{name} must have shape (..., {model.p}, 2), got {V.shape}")
    return V


def flow(model: RidgeFeatureModel, V0, t) -> np.ndarray:
    """V(t) of the gradient flow from ``V0`` (shape (..., p, 2)) at times ``t`` (shape (T,)).

    Closed form of :prf:ref:`thm-appA-flow`; returns shape (..., T, p, 2).
    """
    V0 = _check_V(model, V0, "V0")
    t = as_float_array(t, "t", ndim=1, min_size=1)
    if (t < 0).any():
        raise ValueError("t must be >= 0")
    Q = model.evecs
    C = Q.T @ (V0 - model.V_star)  # coordinates in M's eigenbasis, (..., p, 2)
    decay = np.exp(-(model.theta**2) * t[:, None] * model.evals[None, :])  # (T, p)
    return model.V_star + Q @ (decay[:, :, None] * C[..., None, :, :])


def flow_field(model: RidgeFeatureModel, V) -> np.ndarray:
    """dV/dt = -theta^2 (M V - B), the right-hand side of the flow (for ODE solvers)."""
    V = _check_V(model, V)
    return -(model.theta**2) * (model.M @ V - model.B)


def gd_trajectory(model: RidgeFeatureModel, V0, n_steps: int, record_every: int = 1) -> np.ndarray:
    """Discrete gradient descent ``V <- V - theta^2 grad L(V)`` (one Euler step of the flow per
    unit of time); returns the iterates at steps 0, record_every, ..., shape (R, p, 2)."""
    V = _check_V(model, V0, "V0").copy()
    n_steps = check_int(n_steps, "n_steps", min_value=0)
    record_every = check_int(record_every, "record_every", min_value=1)
    check_size(n_steps * model.p * model.p, _MAX_WORK, "the work n_steps * p^2")
    check_size((n_steps // record_every + 1) * V.size, _MAX_FLOATS, "the recorded iterates' size")
    out = [V.copy()]
    for k in range(1, n_steps + 1):
        V -= model.theta**2 * (model.M @ V - model.B)  # grad L(V) = M V - B
        if k % record_every == 0:
            out.append(V.copy())
    return np.stack(out)


def loss(model: RidgeFeatureModel, V) -> np.ndarray:
    """L(V) for V of shape (..., p, 2); returns shape (...)."""
    V = _check_V(model, V)
    # L = tr(V^T M V) / 2 - tr(V^T B) + |E|^2 / (2N): no (..., N, 2) array of residuals
    quad = (V * (model.M @ V)).sum((-1, -2))
    return 0.5 * quad - (V * model.B).sum((-1, -2)) + 0.5


def _pairs(model: RidgeFeatureModel, anchors, others) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.asarray(anchors), np.asarray(others)
    n = len(model.labels)
    if a.ndim != 1 or a.shape != b.shape or a.size == 0:
        raise ValueError("anchors and others must be 1-D index arrays of one non-zero length")
    if not (np.issubdtype(a.dtype, np.integer) and np.issubdtype(b.dtype, np.integer)):
        raise TypeError("anchors and others must be integer indices")
    if min(a.min(), b.min()) < 0 or max(a.max(), b.max()) >= n:
        raise ValueError(f"indices must lie in [0, {n})")
    return a, b


def srel(model: RidgeFeatureModel, V, anchors, others) -> np.ndarray:
    """Exact S_rel(x_a, x_b; V) of :prf:ref:`thm-appA-srel-ridge` for index pairs (a_i, b_i).

    ``V`` has shape (..., p, 2); returns shape (..., P) for P pairs.
    """
    V = _check_V(model, V)
    a, b = _pairs(model, anchors, others)
    Ha, Hb = model.features[a], model.features[b]
    fa, fb = Ha @ V, Hb @ V  # (..., P, 2)
    r = fa - model.targets[a]
    num = r * (Ha * Hb).sum(1)[:, None] + model.reg * fb
    den = np.linalg.norm(r * (Ha * Ha).sum(1)[:, None] + model.reg * fa, axis=-1)
    _check_den(den, a)
    return np.linalg.norm(num, axis=-1) / den


def _check_den(den: np.ndarray, a: np.ndarray) -> None:
    if not np.all(den > 0):
        bad = sorted(set(a[np.nonzero(~(den > 0))[-1]].tolist()))[:5]
        raise ValueError(f"S_rel is undefined for anchors {bad}: the step leaves their output "
                         "unchanged (e.g. all features of the anchor are 0)")


def srel_by_step(model: RidgeFeatureModel, V, anchors, others, lr: float = 1e-6) -> np.ndarray:
    """S_rel measured by taking the step: torch autograd of l(V; x_a), one SGD step of size
    ``lr``, then the ratio of output changes. An independent route to :func:`srel`."""
    import torch

    V = _check_V(model, V)
    if V.ndim != 2:
        raise ValueError(f"V must have shape ({model.p}, 2), got {V.shape}")
    a, b = _pairs(model, anchors, others)
    lr = check_real(lr, "lr", low=0.0, low_inclusive=False)
    H = torch.as_tensor(model.features, dtype=torch.float64)
    E = torch.as_tensor(model.targets, dtype=torch.float64)
    out = np.empty(a.size)
    for i, (ia, ib) in enumerate(zip(a, b, strict=True)):
        w = torch.tensor(V, dtype=torch.float64, requires_grad=True)
        li = 0.5 * ((E[ia] - H[ia] @ w) ** 2).sum() + 0.5 * model.reg * (w**2).sum()
        (g,) = torch.autograd.grad(li, w)
        with torch.no_grad():
            w_new = w - lr * g
            out[i] = float(torch.linalg.norm(H[ib] @ (w_new - w)) / torch.linalg.norm(H[ia] @ (w_new - w)))
    return out


def srel_public_formula(model: RidgeFeatureModel, V, anchors, others) -> np.ndarray:
    """The public notebook's expression for S_rel (labelled "Equation (8)" there), for comparison.

    With ``w`` the head of the anchor's class, ``u`` the other head, ``c = mu`` and
    ``T = c I + h_a h_a^T / N``: ``sqrt(((h_a.h_b - w.(T h_b))^2 + (u.(T h_b))^2) /
    ((|h_a|^2 - (c + |h_a|^2) w.h_a)^2 + ((c + |h_a|^2) u.h_a)^2))``. Its numerator is the
    output change of a step on ``|N e_a - V^T h_a|^2 / (2N) + mu |V|^2 / 2``, its denominator
    that of a step on ``l(V; x_a)``: the two come from different losses (our reading).
    """
    V = _check_V(model, V)
    a, b = _pairs(model, anchors, others)
    n, c = len(model.labels), model.reg
    Ha, Hb = model.features[a], model.features[b]
    own = model.labels[a]
    w, u = V[..., own], V[..., 1 - own]  # (..., p, P): the anchor's own head and the other head
    hab, haa = (Ha * Hb).sum(1), (Ha * Ha).sum(1)
    Th_b = c * Hb.T + Ha.T * (hab / n)  # (p, P): T_a h_b for every pair
    num = (hab - (w * Th_b).sum(-2)) ** 2 + ((u * Th_b).sum(-2)) ** 2
    wa, ua = (w * Ha.T).sum(-2), (u * Ha.T).sum(-2)
    den = (haa - (c + haa) * wa) ** 2 + ((c + haa) * ua) ** 2
    _check_den(den, a)
    return np.sqrt(num / den)


def phase_boundary(t, curve, limit: float, rtol: float = 0.1) -> float:
    """First time after which ``curve`` stays within a factor ``1 +- rtol`` of ``limit``.

    The elastic phase is ``t`` below it, the inelastic phase above it (:prf:ref:`def-appA-phases`).
    Returns ``inf`` when the last point is still outside the band (no inelastic phase seen).
    """
    t = as_float_array(t, "t", ndim=1, min_size=2)
    c = as_float_array(curve, "curve", shape=(t.size,))
    limit = check_real(limit, "limit", low=0.0, low_inclusive=False)
    rtol = check_real(rtol, "rtol", low=0.0, high=1.0, low_inclusive=False, high_inclusive=False)
    inside = np.abs(c / limit - 1) <= rtol
    if not inside[-1]:
        return float("inf")
    outside = np.flatnonzero(~inside)
    return float(t[0] if outside.size == 0 else t[outside[-1] + 1])
