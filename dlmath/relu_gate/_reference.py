"""The plain reference loop of Chapter 3's simulator (``simulate_grid(...,
implementation="loop")``): one setting, one algorithm and one sample at a time, written like the
public Neuro-Tron code, reading the same random numbers as the batched simulator."""

from __future__ import annotations

import numpy as np

from ._model import attack_noise
from ._stream import input_basis, stream


def _ref_net(filters: np.ndarray, q: float, data: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Net output written like the public reference code: a Python loop over the filters."""
    total = 0.0
    for A in filters:
        pre = weight @ (A @ data.T)
        total = total + (pre > 0) * pre
    return q * total / len(filters)


def _ref_net_der(filters: np.ndarray, q: float, data: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Per-sample derivatives as columns (r, b), a loop over the filters like the reference code."""
    total = 0.0
    for A in filters:
        AX = A @ data.T
        total = total + AX @ np.diag((weight @ AX > 0).astype(float))
    return q * total / len(filters)


def grid_reference(spec, W: np.ndarray, errors: np.ndarray) -> None:
    """The reference loop of ``simulate_grid`` (``implementation="loop"``): one setting, one
    algorithm, one sample at a time, written like the public Neuro-Tron code (loops over the
    filters and over the samples of the batch), reading the same random numbers (inputs
    :math:`x = Qg` from the coordinates ``g`` where ``input_basis`` gives a basis)."""
    net, b, w_star, rec = spec.net, spec.b, spec.w_star, spec.records
    A, q, M = net.filters, net.q, net.M
    Q = input_basis(spec)
    m = net.n if Q is None else Q.shape[1]
    for s in range(spec.S):
        for a, alg in enumerate(spec.algorithms):
            sx = a * spec.S + s if spec.independent else 0
            w = spec.w0[s].copy()
            errors[a, s, 0] = np.linalg.norm(w - w_star[s])
            t, j_rec = 0, 1
            for X, U, V in stream(spec, m):
                for ci in range(X.shape[0]):
                    data = X[ci, sx] if Q is None else X[ci, sx] @ Q.T
                    y = _ref_net(A, q, data, w_star[s])
                    mask = U[ci, sx] < spec.betas[s]
                    y = y + attack_noise(
                        spec.attack, spec.thetas[s], mask,
                        uniforms=None if V is None else V[ci, sx], X=data, direction=spec.direction,
                    )  # fmt: skip
                    y_now = _ref_net(A, q, data, w)
                    total = np.zeros(net.r)
                    if alg == "tron":
                        acc = np.zeros(net.n)
                        for i in range(b):
                            acc += (y[i] - y_now[i]) * data[i]
                        total = M @ acc
                    else:
                        der = _ref_net_der(A, q, data, w)
                        for i in range(b):
                            col = 0 if alg == "sgd_first_sample" else i
                            total += (y[i] - y_now[i]) * der[:, col]
                    w = w + spec.eta * total / b
                    t += 1
                    if j_rec < len(rec) and t == rec[j_rec]:
                        errors[a, s, j_rec] = np.linalg.norm(w - w_star[s])
                        j_rec += 1
            W[a, s] = w
