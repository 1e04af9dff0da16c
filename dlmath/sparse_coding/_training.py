"""Training the tied autoencoder, the co-authors' MATLAB protocol, and atom matching (Ch. 4)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from .. import config
from .._validate import (
    as_float_array,
    check_bool,
    check_choice,
    check_instance,
    check_int,
    check_real,
    check_rng,
    check_size,
)
from ._model import MAX_DENSE, TiedAutoencoder

_MAX_WORK = 10**16  # multiply-adds of one train_tied run, far above any run of the book


def column_errors(W, A, *, normalize: bool = True) -> np.ndarray:
    """:math:`\\lVert W_i/\\lVert W_i\\rVert - A^*_i\\rVert` for every row ``i`` of ``W``.

    With ``normalize=False``, :math:`\\lVert W_i - A^*_i\\rVert` (the co-authors' log).
    See :prf:ref:`alg-ch4-gd`.
    """
    W = as_float_array(W, "W", ndim=2)
    A = as_float_array(A, "A", ndim=2)
    if A.shape != W.T.shape:
        raise ValueError(f"A must have shape {W.T.shape}, got {A.shape}")
    if check_bool(normalize, "normalize"):
        norms = np.linalg.norm(W, axis=1, keepdims=True)
        if np.any(norms == 0):
            raise ValueError("W has a zero row; its direction is undefined")
        W = W / norms
    return np.linalg.norm(W - A.T, axis=1)


def match_atoms(A, D) -> np.ndarray:
    """Error of each true atom after the best one-to-one, sign-free matching with ``D``'s atoms.

    ``A`` (n, h) are the true atoms, ``D`` (n, m) with m >= h the learned ones (columns). The
    matching maximises :math:`\\sum|\\cos|` (Hungarian algorithm); the error of a pair is
    :math:`\\min_\\pm\\lVert d/\\lVert d\\rVert \\mp a\\rVert=\\sqrt{2-2|\\cos|}`.
    """
    from scipy.optimize import linear_sum_assignment

    A = as_float_array(A, "A", ndim=2)
    D = as_float_array(D, "D", ndim=2)
    if D.shape[0] != A.shape[0] or D.shape[1] < A.shape[1]:
        raise ValueError(f"D must have shape ({A.shape[0]}, >= {A.shape[1]}), got {D.shape}")
    Dn = D / np.maximum(np.linalg.norm(D, axis=0), 1e-300)
    C = np.abs((A / np.linalg.norm(A, axis=0)).T @ Dn)
    r, c = linear_sum_assignment(-C)
    return np.sqrt(np.maximum(2 - 2 * C[r, c], 0.0))


@dataclass
class TrainHistory:
    """Per-iteration record of :func:`train_tied`: loss and columnwise errors."""

    loss: list[float] = field(default_factory=list)
    max_error: list[float] = field(default_factory=list)
    median_error: list[float] = field(default_factory=list)
    W: np.ndarray | None = None


def train_tied(
    W0,
    Y,
    eps,
    *,
    method: str = "gd",
    lr: float,
    n_iter: int,
    A=None,
    batch_size: int | None = None,
    seed: int = 0,
    log_every: int = 1,
    device=None,
    show_progress: bool = False,
) -> TrainHistory:
    """GD (full batch, or mini-batch with ``batch_size``) or Adam on the tied-autoencoder loss.

    The bias ``eps`` stays fixed; gradients come from autograd (equal to
    :func:`dlmath.sparse_coding.ae_gradient`). With ``A`` the columnwise errors of
    :func:`column_errors` are logged every ``log_every`` iterations. See :prf:ref:`alg-ch4-gd`.
    """
    method = check_choice(method, "method", ("gd", "adam"))
    lr = check_real(lr, "lr", low=0.0, low_inclusive=False)
    n_iter = check_int(n_iter, "n_iter", min_value=0)
    log_every = check_int(log_every, "log_every", min_value=1)
    seed = check_int(seed, "seed", min_value=0)
    Y = as_float_array(Y, "Y", ndim=2)
    dev = config.device() if device is None else device
    model = TiedAutoencoder(W0, eps, device=dev)
    if Y.shape[1] != model.W.shape[1]:
        raise ValueError(f"Y must have {model.W.shape[1]} columns, got shape {Y.shape}")
    if batch_size is not None:
        batch_size = check_int(batch_size, "batch_size", min_value=1, max_value=Y.shape[0])
    if A is not None:
        A = as_float_array(A, "A", shape=(model.W.shape[1], model.W.shape[0]))
    check_size(n_iter * Y.size * model.W.shape[0], _MAX_WORK,
               "the work n_iter * N * n * h of the run")
    Yt = torch.as_tensor(Y, dtype=torch.float64, device=dev)
    opt = (torch.optim.SGD if method == "gd" else torch.optim.Adam)(model.parameters(), lr=lr)
    gen = torch.Generator(device="cpu").manual_seed(seed)
    hist = TrainHistory()

    def log(loss_value: float) -> None:
        hist.loss.append(loss_value)
        if A is not None:
            err = column_errors(model.W.detach().cpu().numpy(), A)
            hist.max_error.append(float(err.max()))
            hist.median_error.append(float(np.median(err)))

    bar = config.progress(range(n_iter), desc=method, disable=not show_progress)
    for t in bar:
        if batch_size is None:
            yb = Yt
        else:
            yb = Yt[torch.randint(0, Y.shape[0], (batch_size,), generator=gen).to(dev)]
        opt.zero_grad()
        loss = model.loss(yb)
        if t % log_every == 0:
            with torch.no_grad():
                log(float(model.loss(Yt)) if batch_size else float(loss.detach()))
        loss.backward()
        opt.step()
    with torch.no_grad():
        log(float(model.loss(Yt)))
    hist.W = model.W.detach().cpu().numpy()
    return hist


# --- The co-authors' MATLAB simulation (aarora8/Autoencoder), re-implemented -------------------


@dataclass(frozen=True)
class ProtocolSettings:
    """Parameters of ``Simulation_3413.m`` (:prf:ref:`alg-ch4-protocol`)."""

    n: int = 100
    h: int = 512
    S: int = 4
    n_train: int = 7000
    n_test: int = 200
    m1: float = -1.0 / 4096
    sd: float = 1.0 / 256
    ball_distance: float = 2.0
    eta: float = 0.03
    n_iter: int = 60
    delta_loss: float = 0.95
    eps_c: float = 0.5
    lambda2: float = -1.0
    tilde_rows: int = 4

    def __post_init__(self) -> None:
        ints = {"n": (1, None), "h": (2, None), "S": (1, self.h), "n_train": (1, None),
                "n_test": (1, None), "n_iter": (0, None), "tilde_rows": (1, self.h)}
        reals = {"m1": None, "sd": 0.0, "ball_distance": 0.0, "eta": 0.0, "delta_loss": None,
                 "eps_c": 0.0, "lambda2": None}
        for name, (lo, hi) in ints.items():
            if name in ("S", "tilde_rows"):
                hi = check_int(self.h, "h", min_value=2)
            object.__setattr__(self, name, check_int(getattr(self, name), name, min_value=lo,
                                                     max_value=hi))
        for name, lo in reals.items():
            object.__setattr__(self, name, check_real(getattr(self, name), name, low=lo,
                                                      low_inclusive=name != "eta"))
        check_size((self.n_train + self.n_test) * max(self.h, self.n), MAX_DENSE,
                   "the protocol's data (n_train + n_test) * max(h, n)")


def protocol_data(settings: ProtocolSettings, rng: np.random.Generator):
    """Dictionary, initial ``W``, train and test codes/observations as in the MATLAB code.

    The support is the first ``S`` coordinates for every sample; entries are
    :math:`N(m_1, \\text{sd}^2)`; columns of :math:`W^\\top` start at distance
    ``ball_distance`` from the atoms. Returns a dict of arrays.
    """
    from ._model import coherence, make_dictionary, perturb_rows

    s = check_instance(settings, "settings", ProtocolSettings)
    rng = check_rng(rng)
    A = make_dictionary(s.n, s.h, rng)
    W0 = perturb_rows(A, s.ball_distance, rng)
    X = np.zeros((s.n_train + s.n_test, s.h))
    X[:, : s.S] = rng.normal(s.m1, s.sd, size=(s.n_train + s.n_test, s.S))
    Y = X @ A.T
    return {"A": A, "W0": W0, "X": X[: s.n_train], "Y": Y[: s.n_train],
            "X_test": X[s.n_train :], "mu": coherence(A)}


def protocol_gradient(W, Y, settings: ProtocolSettings, mu: float) -> np.ndarray:
    """The row gradients that ``Simulation_3413.m`` applies, for the first ``S`` rows (others 0).

    Re-derived from the code: with :math:`z=Wy-\\epsilon` (no ReLU in this proxy),
    :math:`t=W^\\top z - Chy`, :math:`C=(1-\\delta)^2`, for :math:`i\\le S`

    .. math:: g_i = \\overline{z_i t + W_i\\,(y^\\top t)} + \\lambda_1 W_i
       + \\lambda_2\\big(\\overline{\\lVert\\tilde Wy\\rVert^2}\\,W_i
       + \\lVert\\tilde W\\rVert_F^2\\,\\overline{yy^\\top}W_i\\big),

    bars are sample means, :math:`\\tilde W` keeps the first ``tilde_rows`` rows of ``W``,
    :math:`\\lambda_1=C(hS+S)` and :math:`\\epsilon=c|m_1|S(\\delta+\\mu/\\sqrt n)`.
    """
    s = check_instance(settings, "settings", ProtocolSettings)
    mu = check_real(mu, "mu", low=0.0)
    W = as_float_array(W, "W", shape=(s.h, s.n))
    Y = as_float_array(Y, "Y", ndim=2, shape=(None, s.n))
    C = (1 - s.delta_loss) ** 2
    lam1 = C * s.h * s.S + s.h * (s.S / s.h) * C
    eps = s.eps_c * abs(s.m1) * s.S * (s.delta_loss + mu)
    Z = Y @ W.T - eps  # (N, h)
    T = Z @ W - C * s.h * Y  # (N, n)
    yT = np.sum(Y * T, axis=1)  # (N,)
    Wt = W[: s.tilde_rows]
    wy2 = np.mean(np.sum((Y @ Wt.T) ** 2, axis=1))
    fro2 = float(np.sum(Wt**2))
    Cyy = Y.T @ Y / Y.shape[0]
    G = np.zeros_like(W)
    for i in range(s.S):
        term = (Z[:, i] @ T) / Y.shape[0] + W[i] * np.mean(yT)
        G[i] = term + lam1 * W[i] + s.lambda2 * (wy2 * W[i] + fro2 * (Cyy @ W[i]))
    return G


def run_protocol(settings: ProtocolSettings, rng: np.random.Generator) -> dict:
    """GD with :func:`protocol_gradient` as the MATLAB loop runs it.

    Stops after ``n_iter`` steps or once the first row's gradient norm falls below 1% of its
    initial value. Logs :math:`\\lVert W_i-A^*_i\\rVert` per iteration, the norms of the
    support rows, and the mean test error :math:`\\lVert W^\\top x-A^*x\\rVert` before and
    after training and after normalising the columns of :math:`W^\\top`.
    """
    if not isinstance(settings, ProtocolSettings):
        raise TypeError(f"settings must be ProtocolSettings, got {type(settings).__name__}")
    s = settings
    d = protocol_data(s, rng)
    A, W = d["A"], d["W0"].copy()
    Xt = d["X_test"]

    def test_err(Wm):
        return float(np.mean(np.linalg.norm(Xt @ Wm - Xt @ A.T, axis=1)))

    dist = [column_errors(W, A, normalize=False)[: s.S]]
    row_norms = [np.linalg.norm(W[: s.S], axis=1)]
    g0 = None
    test = {"initial": test_err(W)}
    for _ in range(s.n_iter):
        G = protocol_gradient(W, d["Y"], s, d["mu"])
        g = float(np.linalg.norm(G[0]))
        g0 = g if g0 is None else g0
        if g / g0 < 0.01:
            break
        W = W - s.eta * G
        dist.append(column_errors(W, A, normalize=False)[: s.S])
        row_norms.append(np.linalg.norm(W[: s.S], axis=1))
    test["final"] = test_err(W)
    Wn = W / np.linalg.norm(W, axis=1, keepdims=True)
    test["normalized"] = test_err(Wn)
    return {"distance": np.array(dist), "row_norm": np.array(row_norms), "test_error": test,
            "W": W, "A": A, "W0": d["W0"], "direction_error": column_errors(W, A)[: s.S],
            "initial_direction_error": column_errors(d["W0"], A)[: s.S]}
