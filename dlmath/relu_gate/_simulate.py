"""The batched simulator of Chapter 3: every algorithm in every attack setting advancing
together, and its plain per-sample reference loop."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from .._validate import (
    as_float_array,
    check_bool,
    check_choice,
    check_instance,
    check_int,
    check_real,
)
from ..relu_nets._net import rectify as relu  # the package's one rectifier, unchecked in loops
from ._model import ALGORITHMS, ATTACKS, DISTRIBUTIONS, DepthTwoNet, attack_noise, sample_inputs

_CHUNK = 256  # at most this many iterations of random numbers are drawn at once


@dataclass
class GridResult:
    """Errors :math:`\\|w_t - w_*\\|` of a :func:`simulate_grid` run.

    ``errors[a, s, j]`` is the error of algorithm ``algorithms[a]`` in setting ``s`` after
    ``iterations[j]`` updates; ``w_final[a, s]`` the last iterate.
    """

    errors: np.ndarray
    iterations: np.ndarray
    algorithms: tuple[str, ...]
    betas: np.ndarray
    thetas: np.ndarray
    w_final: np.ndarray

    def _index(self, algorithm: str) -> int:
        return self.algorithms.index(check_choice(algorithm, "algorithm", self.algorithms))

    def curve(self, algorithm: str, setting: int = 0) -> np.ndarray:
        """The error curve of one algorithm and setting."""
        setting = check_int(setting, "setting", min_value=-self.errors.shape[1],
                            max_value=self.errors.shape[1] - 1)
        return self.errors[self._index(algorithm), setting]

    def plateau(self, algorithm: str, frac: float = 0.25) -> np.ndarray:
        """Per setting, the root-mean-square error over the last ``frac`` of the recorded points
        (the level of an error floor, :math:`\\sqrt{E\\|w_t-w_*\\|^2}` at stationarity)."""
        frac = check_real(frac, "frac", low=0.0, high=1.0, low_inclusive=False)
        e = self.errors[self._index(algorithm)]
        m = max(1, int(round(frac * e.shape[-1])))
        return np.sqrt(np.mean(e[:, -m:] ** 2, axis=-1))

    def final(self, algorithm: str, last: int = 1) -> np.ndarray:
        """Per setting, the geometric mean of the last ``last`` recorded errors (a plateau level)."""
        last = check_int(last, "last", min_value=1)  # -0: would select every error
        e = self.errors[self._index(algorithm), :, -last:]
        return np.exp(np.log(np.maximum(e, 1e-300)).mean(axis=-1))


@dataclass(frozen=True)
class _GridSpec:
    """The validated settings of one :func:`simulate_grid` call, read by both implementations.

    ``w_star`` and ``w0`` are broadcast to ``(S, r)``, ``betas`` and ``thetas`` to ``(S,)``;
    ``S_x`` is the number of independent data streams (``S`` or 1).
    """

    net: DepthTwoNet
    w_star: np.ndarray
    w0: np.ndarray
    n_iter: int
    b: int
    eta: float
    betas: np.ndarray
    thetas: np.ndarray
    algorithms: tuple[str, ...]
    attack: str
    dist: str
    dist_kw: dict
    direction: np.ndarray | None
    independent: bool
    record_every: int
    seed: int

    @property
    def S(self) -> int:
        return self.w_star.shape[0]

    @property
    def S_x(self) -> int:
        return self.S if self.independent else 1

    @property
    def records(self) -> list[int]:
        """The iterations at which errors are recorded: multiples of ``record_every`` and ``n_iter``."""
        return sorted(set(range(0, self.n_iter + 1, self.record_every)) | {self.n_iter})


def _grid_spec(
    net, w_star, *, n_iter, b, eta, betas, thetas, algorithms, attack, dist, dist_kw, w0,
    direction, independent, record_every, seed,
) -> _GridSpec:  # fmt: skip
    """Validate the arguments of :func:`simulate_grid` into a :class:`_GridSpec`."""
    check_instance(net, "net", DepthTwoNet)
    n_iter = check_int(n_iter, "n_iter", min_value=1)
    b = check_int(b, "b", min_value=1)
    eta = check_real(eta, "eta", low=0.0, low_inclusive=False)
    betas = as_float_array(np.atleast_1d(betas), "betas", ndim=1, min_size=1)
    thetas = as_float_array(np.atleast_1d(thetas), "thetas", ndim=1, min_size=1)
    if np.any((betas < 0) | (betas > 1)):
        raise ValueError(f"betas must lie in [0, 1], got {betas}")
    if np.any(thetas < 0):
        raise ValueError(f"thetas must be >= 0, got {thetas}")
    S = max(len(betas), len(thetas))
    if len(betas) not in (1, S) or len(thetas) not in (1, S):
        raise ValueError(
            f"betas and thetas must have equal lengths or length 1, got {len(betas)}, {len(thetas)}"
        )
    if isinstance(algorithms, str):
        algorithms = (algorithms,)
    algorithms = tuple(check_choice(a, "algorithms", ALGORITHMS) for a in algorithms)
    if not algorithms:
        raise ValueError("algorithms must name at least one algorithm")
    check_choice(attack, "attack", ATTACKS)
    check_choice(dist, "dist", DISTRIBUTIONS)
    w_star = as_float_array(w_star, "w_star", ndim=(1, 2))
    if w_star.shape[-1] != net.r or (w_star.ndim == 2 and w_star.shape[0] != S):
        raise ValueError(f"w_star must have shape ({net.r},) or ({S}, {net.r}), got {w_star.shape}")
    w0 = np.ones(net.r) if w0 is None else as_float_array(w0, "w0", ndim=(1, 2))
    if w0.shape[-1] != net.r or (w0.ndim == 2 and w0.shape[0] != S):
        raise ValueError(f"w0 must have shape ({net.r},) or ({S}, {net.r}), got {w0.shape}")
    if attack == "correlated":
        if direction is None:
            raise ValueError("direction must be given for attack='correlated'")
        direction = as_float_array(direction, "direction", shape=(net.n,))
    return _GridSpec(
        net=net, w_star=np.broadcast_to(w_star, (S, net.r)), w0=np.broadcast_to(w0, (S, net.r)),
        n_iter=n_iter, b=b, eta=eta, betas=np.broadcast_to(betas, (S,)).copy(),
        thetas=np.broadcast_to(thetas, (S,)).copy(), algorithms=algorithms, attack=attack,
        dist=dist, dist_kw=dist_kw, direction=direction,
        independent=check_bool(independent, "independent"),
        record_every=check_int(record_every, "record_every", min_value=1),
        seed=check_int(seed, "seed", min_value=0),
    )  # fmt: skip


def _filter_basis(filters: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Write the ``k`` filters through a basis: ``A_j = sum_l B[j, l] F[l]`` (SVD, rank-revealing).

    The experiments' filters :math:`M + c_jC` span two dimensions, so computing
    :math:`F_l x` instead of every :math:`A_j x` saves a factor :math:`k/2` of the work.
    """
    k = filters.shape[0]
    U, sv, Vt = np.linalg.svd(filters.reshape(k, -1), full_matrices=False)
    p = max(1, int(np.sum(sv > sv[0] * 1e-13)))
    return U[:, :p] * sv[:p], Vt[:p].reshape((p,) + filters.shape[1:])


def _stream(spec: _GridSpec) -> Iterator[tuple[np.ndarray, ...]]:
    """Random numbers chunk by chunk: inputs ``(c, S_x, b, n)``, attack uniforms ``(c, S_x, b)``
    in [0,1) and magnitudes ``(c, S_x, b)`` in [-1,1), from ``default_rng(spec.seed)``. Both
    implementations of :func:`simulate_grid` read this.

    The chunk length depends only on the sizes (it bounds the memory of the batched simulator's
    precomputed :math:`A_jx` to a few million numbers), so both implementations see the same stream.
    Every chunk is drawn whole (the last one is cut after drawing), so a shorter run reads a
    prefix of a longer run's stream: its first iterations are the same.
    """
    rng, net, S_x, b = np.random.default_rng(spec.seed), spec.net, spec.S_x, spec.b
    chunk = max(1, min(_CHUNK, 2_000_000 // (S_x * b * net.k * net.r)))
    for start in range(0, spec.n_iter, chunk):
        c = min(chunk, spec.n_iter - start)
        X = sample_inputs(spec.dist, (chunk, S_x, b, net.n), rng, **spec.dist_kw)
        U, V = rng.random((chunk, S_x, b)), rng.uniform(-1.0, 1.0, (chunk, S_x, b))
        yield X[:c], U[:c], V[:c]


def simulate_grid(
    net: DepthTwoNet,
    w_star,
    *,
    n_iter: int,
    b: int,
    eta: float,
    betas=0.0,
    thetas=0.0,
    algorithms: tuple[str, ...] | str = ("tron", "sgd"),
    attack: str = "alternating",
    dist: str = "normal",
    scale: float = 1.0,
    df: float = 4.0,
    shift: float = 1.0,
    w0=None,
    direction=None,
    independent: bool = False,
    record_every: int = 1,
    seed: int = 0,
    implementation: str = "batched",
) -> GridResult:
    """Simulate every algorithm in every setting ``s`` (attack probability ``betas[s]``, magnitude
    ``thetas[s]``), all advancing together in one batched update per iteration.

    Each iteration draws one mini-batch of ``b`` inputs from ``dist``; with
    ``independent=False`` all settings and algorithms see the same inputs and attack indicators
    (common random numbers: differences between settings are then due to the setting alone);
    ``independent=True`` gives each setting its own data (repeated runs for Monte Carlo).
    Labels are :math:`f_{w_*}(x) + \\alpha\\xi` (:func:`attack_noise`). ``w0`` defaults to
    :math:`\\mathbf 1`, as in the reference experiments. Errors are recorded at iterations
    ``0, record_every, 2*record_every, ...`` and at ``n_iter``.

    ``implementation="loop"`` runs the plain reference instead: one setting, one algorithm and
    one sample at a time, written like the public Neuro-Tron code and reading the same random
    numbers, so it returns the same errors up to rounding. It is slow on purpose: the baseline of
    ``benchmarks/relu_gate.py``.
    """
    spec = _grid_spec(
        net, w_star, n_iter=n_iter, b=b, eta=eta, betas=betas, thetas=thetas,
        algorithms=algorithms, attack=attack, dist=dist,
        dist_kw=dict(scale=scale, df=df, shift=shift), w0=w0, direction=direction,
        independent=independent, record_every=record_every, seed=seed,
    )  # fmt: skip
    W = np.repeat(spec.w0[None], len(spec.algorithms), axis=0).copy()  # (n_alg, S, r)
    rec = spec.records
    errors = np.empty((len(spec.algorithms), spec.S, len(rec)))
    errors[..., 0] = np.linalg.norm(W - spec.w_star, axis=-1)
    run = {"batched": _grid_batched, "loop": _grid_reference}
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run just records inf/nan
        run[check_choice(implementation, "implementation", tuple(run))](spec, W, errors)
    return GridResult(errors, np.array(rec), spec.algorithms, spec.betas, spec.thetas, W)


def _grid_batched(spec: _GridSpec, W: np.ndarray, errors: np.ndarray) -> None:
    """The batched loop of :func:`simulate_grid`; fills ``W`` and ``errors`` in place.

    Everything is computed through the filter basis (:func:`_filter_basis`,
    :math:`A_j=\\sum_l B_{jl}F_l`): per sample only the ``p`` vectors :math:`F_lx` are formed
    (``p = 2`` for the experiments' filters instead of ``k``), pre-activations are
    :math:`w^\\top A_jx = \\sum_l B_{jl}\\,w^\\top F_lx`, :math:`Mx = \\sum_l \\bar B_l F_lx` and an
    SGD step :math:`\\sum_{i,j} g_{ij}A_jx_i = \\sum_{i,l}(gB)_{il}F_lx_i`.
    """
    net, b, algorithms, independent = spec.net, spec.b, spec.algorithms, spec.independent
    w_star, betas, thetas, rec = spec.w_star, spec.betas, spec.thetas, spec.records
    k, r, n, q = net.k, net.r, net.n, net.q
    S, eta_b, f_scale = spec.S, spec.eta / b, q / k
    B, F = _filter_basis(net.filters)  # A_j = sum_l B[j, l] F_l, with few F_l
    p = F.shape[0]
    b_mean = B.mean(axis=0)  # M = sum_l b_mean[l] F_l
    sub = "sbpr" if independent else "bpr"  # one shared slice of inputs unless independent
    j_rec, t = 1, 0
    for X, U, V in _stream(spec):
        c, S_x = X.shape[0], X.shape[1]
        FX = (X.reshape(-1, n) @ F.reshape(-1, n).T).reshape(c, S_x, b, p, r)
        MX = np.einsum("csbpr,p->csbr", FX, b_mean)  # M x_i
        u_star = np.einsum("csbpr,sr->csbp", FX, w_star) if independent else np.einsum(
            "cbpr,sr->csbp", FX[:, 0], w_star)  # fmt: skip
        y_clean = f_scale * relu(u_star @ B.T).sum(-1)  # (c, S, b)
        mask = U < betas[:, None]  # (c, S, b) by broadcasting
        Y = y_clean + attack_noise(
            spec.attack, thetas[:, None], mask, uniforms=V, X=X, direction=spec.direction
        )
        for ci in range(c):
            FXt = FX[ci] if independent else FX[ci, 0]
            pre = np.einsum(f"{sub},asr->asbp", FXt, W) @ B.T  # (n_alg, S, b, k)
            res = Y[ci] - f_scale * relu(pre).sum(-1)  # (n_alg, S, b)
            for a, alg in enumerate(algorithms):
                if alg == "tron":
                    rows = MX[ci] if independent else MX[ci, 0]
                    W[a] += eta_b * np.einsum(f"sb,{sub[:-2]}r->sr", res[a], rows)
                    continue
                act = pre[a] > 0  # (S, b, k)
                if alg == "sgd":
                    coef = (act * res[a][..., None]) @ B  # (S, b, p)
                else:  # the public code: derivative of sample 1 used for every sample
                    coef = np.zeros((S, b, p))
                    coef[:, 0] = (act[:, 0] * res[a].sum(-1)[:, None]) @ B
                W[a] += (eta_b * f_scale) * np.einsum(f"sbp,{sub}->sr", coef, FXt)
            t += 1
            if j_rec < len(rec) and t == rec[j_rec]:
                errors[..., j_rec] = np.linalg.norm(W - w_star, axis=-1)
                j_rec += 1


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


def _grid_reference(spec: _GridSpec, W: np.ndarray, errors: np.ndarray) -> None:
    """The reference loop of :func:`simulate_grid` (``implementation="loop"``): one setting, one
    algorithm, one sample at a time, written like the public Neuro-Tron code (loops over the
    filters and over the samples of the batch), reading the same random numbers."""
    net, b, w_star, rec = spec.net, spec.b, spec.w_star, spec.records
    A, q, M = net.filters, net.q, net.M
    for s in range(spec.S):
        sx = s if spec.S_x > 1 else 0
        for a, alg in enumerate(spec.algorithms):
            w = spec.w0[s].copy()
            errors[a, s, 0] = np.linalg.norm(w - w_star[s])
            t, j_rec = 0, 1
            for X, U, V in _stream(spec):
                for ci in range(X.shape[0]):
                    data = X[ci, sx]
                    y = _ref_net(A, q, data, w_star[s])
                    mask = U[ci, sx] < spec.betas[s]
                    y = y + attack_noise(
                        spec.attack, spec.thetas[s], mask, uniforms=V[ci, sx], X=data,
                        direction=spec.direction,
                    )
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
