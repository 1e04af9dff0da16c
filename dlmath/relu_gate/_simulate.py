"""The batched simulator of Chapter 3: every algorithm in every attack setting advancing
together, and its plain per-sample reference loop."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import (
    as_float_array,
    check_bool,
    check_choice,
    check_instance,
    check_int,
    check_limit,
    check_real,
    check_size,
)
from ..relu_nets._net import rectify as relu  # the package's one rectifier, unchecked in loops
from ._model import (
    ALGORITHMS,
    ATTACKS,
    DISTRIBUTIONS,
    MAX_WORK,
    DepthTwoNet,
    attack_noise,
)
from ._reference import grid_reference
from ._stream import input_basis, stream

#: Default limit on the numbers one iteration of :func:`simulate_grid` holds at once,
#: ``n_alg S b (n + k)`` (inputs and pre-activations; 37,000 for a paper simulation, 80 MB at
#: the limit). Pass ``max_batch`` to go beyond it.
MAX_BATCH = 10**7
#: The recorded errors ``n_alg S (n_iter / record_every + 1)`` (800 MB) are refused beyond this.
MAX_RECORDED = 10**8


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
    ``S_x`` is the number of independent data streams (one per algorithm and setting, or 1).
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
        return len(self.algorithms) * self.S if self.independent else 1

    @property
    def records(self) -> list[int]:
        """The iterations at which errors are recorded: multiples of ``record_every`` and ``n_iter``."""
        return sorted(set(range(0, self.n_iter + 1, self.record_every)) | {self.n_iter})


def _grid_spec(
    net, w_star, *, n_iter, b, eta, betas, thetas, algorithms, attack, dist, dist_kw, w0,
    direction, independent, record_every, seed, max_work=MAX_WORK, max_batch=MAX_BATCH,
) -> _GridSpec:  # fmt: skip
    """Validate the arguments of :func:`simulate_grid` into a :class:`_GridSpec`; the sizes are
    checked before anything is built."""
    check_instance(net, "net", DepthTwoNet)
    n_iter = check_int(n_iter, "n_iter", min_value=1)
    b = check_int(b, "b", min_value=1)
    record_every = check_int(record_every, "record_every", min_value=1)
    eta = check_real(eta, "eta", low=0.0, low_inclusive=False)
    # converted before np.atleast_1d, whose own error on a ragged list names no argument
    betas = np.atleast_1d(as_float_array(betas, "betas", ndim=(0, 1)))
    thetas = np.atleast_1d(as_float_array(thetas, "thetas", ndim=(0, 1)))
    if betas.size == 0 or thetas.size == 0:
        raise ValueError(f"betas and thetas must have at least 1 entry, got {betas.size} and "
                         f"{thetas.size}")
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
    max_work = check_limit(max_work, "max_work")
    max_batch = check_limit(max_batch, "max_batch")
    runs = len(algorithms) * S
    check_size(runs * b * (net.n + net.k), max_batch,
               "the numbers of one iteration n_alg * S * b * (n + k)", "a larger max_batch")
    check_size(runs * n_iter * b * net.k * net.r * net.n, max_work,
               "the work n_alg * S * n_iter * b * k * r * n", "a larger max_work")
    check_size(runs * (n_iter // record_every + 2), MAX_RECORDED,
               "the recorded errors n_alg * S * (n_iter / record_every + 1)",
               "a larger record_every")
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
        record_every=record_every,
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
    max_work: float = MAX_WORK,
    max_batch: float = MAX_BATCH,
) -> GridResult:
    """Simulate every algorithm in every setting ``s`` (attack probability ``betas[s]``, magnitude
    ``thetas[s]``), all advancing together in one batched update per iteration.

    Each iteration draws one mini-batch of ``b`` inputs from ``dist``; with
    ``independent=False`` all settings and algorithms see the same inputs and attack indicators
    (common random numbers: differences between settings are then due to the setting alone);
    ``independent=True`` gives every (algorithm, setting) pair its own data, as in the public
    Neuro-Tron code (repeated runs for Monte Carlo). Labels are
    :math:`f_{w_*}(x) + \\alpha\\xi` (:func:`attack_noise`). ``w0`` defaults to
    :math:`\\mathbf 1`, as in the reference experiments. Errors are recorded at iterations
    ``0, record_every, 2*record_every, ...`` and at ``n_iter``. Gaussian inputs are drawn in
    the span that the filters read (``input_basis``: the same law of every run, half the
    random numbers for the experiments' filters).

    ``implementation="loop"`` runs the plain reference instead: one setting, one algorithm and
    one sample at a time, written like the public Neuro-Tron code and reading the same random
    numbers, so it returns the same errors up to rounding. It is slow on purpose: the baseline of
    ``benchmarks/relu_gate.py``.

    Sizes are checked before anything is built: a run whose work
    ``n_alg S n_iter b k r n`` exceeds ``max_work``, or one iteration of which holds more than
    ``max_batch`` numbers ``n_alg S b (n + k)``, is refused with the estimate and the limit.
    """
    spec = _grid_spec(
        net, w_star, n_iter=n_iter, b=b, eta=eta, betas=betas, thetas=thetas,
        algorithms=algorithms, attack=attack, dist=dist,
        dist_kw=dict(scale=scale, df=df, shift=shift), w0=w0, direction=direction,
        independent=independent, record_every=record_every, seed=seed, max_work=max_work,
        max_batch=max_batch,
    )  # fmt: skip
    W = np.repeat(spec.w0[None], len(spec.algorithms), axis=0).copy()  # (n_alg, S, r)
    rec = spec.records
    errors = np.empty((len(spec.algorithms), spec.S, len(rec)))
    run = {"batched": _grid_batched, "loop": grid_reference}
    implementation = check_choice(implementation, "implementation", tuple(run))
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run just records inf/nan
        errors[..., 0] = np.linalg.norm(W - spec.w_star, axis=-1)  # w0 may already be huge
        run[implementation](spec, W, errors)
    return GridResult(errors, np.array(rec), spec.algorithms, spec.betas, spec.thetas, W)


def _labels(spec: _GridSpec, u_star: np.ndarray, G: np.ndarray, U, V, B, Q) -> np.ndarray:
    """Attacked labels ``(c, n_alg, S, b)`` (independent) or ``(c, 1, S, b)`` (shared stream) of
    one chunk, from the truth's :math:`w_*^\\top F_lx`, ``u_star`` ``(c, n_alg or 1, S, b, p)``,
    and the stream's coordinates ``G``, uniforms ``U`` and magnitudes ``V`` (row ``a * S + s``
    of an independent stream is algorithm ``a`` in setting ``s``)."""
    n_alg, S, c = len(spec.algorithms), spec.S, G.shape[0]
    if spec.independent:
        betas, thetas = np.tile(spec.betas, n_alg), np.tile(spec.thetas, n_alg)
    else:
        betas, thetas = spec.betas, spec.thetas
    pre = u_star.reshape(-1, B.shape[1]) @ B.T  # one 2-D product for the whole chunk
    y_clean = (spec.net.q / spec.net.k) * relu(pre).sum(-1).reshape(u_star.shape[:-1])
    direction = spec.direction if Q is None or spec.direction is None else Q.T @ spec.direction
    noise = attack_noise(spec.attack, thetas[:, None], U < betas[:, None], uniforms=V, X=G,
                         direction=direction)  # (c, n_alg * S or S, b); fmt: skip
    return y_clean + noise.reshape(c, -1, S, spec.b)


def _truth_map(V_star: np.ndarray):
    """The map from an independent chunk's coordinates ``G`` ``(c, n_alg * S, b, m)`` to the
    truth's :math:`w_*^\\top F_lx` ``(c, n_alg, S, b, p)``, for ``V_star`` ``(S, m, p)``
    (setting ``s``'s truth).

    One 2-D product against every distinct truth, then the (row, setting) diagonal: with one
    truth for all settings (the experiments), a single product."""
    S, m, p = V_star.shape
    uniq, which = np.unique(V_star.reshape(S, -1), axis=0, return_inverse=True)
    V_all = uniq.reshape(-1, m, p).transpose(1, 0, 2).reshape(m, -1)  # (m, n_truths * p)
    pick = which.reshape(1, 1, S, 1, 1, 1)

    def truth(G: np.ndarray) -> np.ndarray:
        c, rows, b, _ = G.shape
        u = (G.reshape(-1, m) @ V_all).reshape(c, rows // S, S, b, len(uniq), p)
        return (u if len(uniq) == 1 else np.take_along_axis(u, pick, axis=4))[:, :, :, :, 0]

    return truth


def _grid_batched(spec: _GridSpec, W: np.ndarray, errors: np.ndarray) -> None:
    """The batched loop of :func:`simulate_grid`; fills ``W`` and ``errors`` in place.

    Everything is computed through the filter basis (:func:`_filter_basis`,
    :math:`A_j=\\sum_l B_{jl}F_l`), pre-activations are
    :math:`w^\\top A_jx = \\sum_l B_{jl}\\,w^\\top F_lx`, :math:`Mx = \\sum_l \\bar B_l F_lx`
    and an SGD step :math:`\\sum_{i,j} g_{ij}A_jx_i = \\sum_{i,l}(gB)_{il}F_lx_i`, with ``p``
    basis filters (``p = 2`` for the experiments' filters instead of ``k``). On a shared stream
    the vectors :math:`F_lx` are formed once per chunk and read by every row; independent
    streams go to :func:`_grid_independent`.
    """
    net, b = spec.net, spec.b
    r = net.r
    B, F = _filter_basis(net.filters)  # A_j = sum_l B[j, l] F_l, with few F_l
    p = F.shape[0]
    Q = input_basis(spec)
    C = F if Q is None else F @ Q  # (p, r, m): F_l x = C_l g
    m = C.shape[-1]
    if spec.independent:
        _grid_independent(spec, W, errors, B, C, Q)
        return
    j_rec, t = 1, 0
    FT = C.reshape(-1, m).T  # (m, p * r)
    MX_of = (net.M if Q is None else net.M @ Q).T  # (m, r)
    for G, U, V in stream(spec, m):
        c = G.shape[0]
        FX = (G.reshape(-1, m) @ FT).reshape(c, b, p, r)
        u_star = np.einsum("cbpr,sr->csbp", FX, spec.w_star)[:, None]
        Y = _labels(spec, u_star, G, U, V, B, Q)[:, 0]  # (c, S, b)
        MX = (G.reshape(-1, m) @ MX_of).reshape(c, b, r)
        t, j_rec = _advance_shared(spec, W, errors, FX, MX, Y, B, t, j_rec)


def _grid_independent(spec: _GridSpec, W, errors, B: np.ndarray, C: np.ndarray, Q) -> None:
    """:func:`_grid_batched` with independent streams: every row (algorithm ``a``, setting
    ``s``: stream row ``a * S + s``) works in its stream's coordinates :math:`x = Qg`
    (``input_basis``; :math:`Q = I` without one), with :math:`C_l = F_lQ`.

    Per iteration, for all rows at once: :math:`C_l^\\top w`, then
    :math:`w^\\top F_lx_i = g_i^\\top C_l^\\top w` and the pre-activations through ``B``. What
    does not depend on ``w`` is formed once per chunk: the labels and the first-sample
    variant's :math:`F_lx_1`. With residuals :math:`e_i`, the updates are
    :math:`MQ\\sum_i e_ig_i` (Tron),
    :math:`(\\sum_i e_i)\\sum_l(\\mathbb 1[w^\\top A_jx_1>0]_j B)_l\\,F_lx_1` (first-sample
    variant) and :math:`\\sum_l C_l\\sum_i(gB)_{il}g_i` (SGD), times :math:`\\eta/b` and, for
    both SGDs, :math:`q/k`.
    """
    net, b, S, n_alg = spec.net, spec.b, spec.S, len(spec.algorithms)
    r, p, m, k = net.r, C.shape[0], C.shape[-1], net.k
    rows = n_alg * S
    # Constants folded in (q > 0, so relu(f B h) = f relu(B h) and the signs are unchanged):
    f_scale, eta_b = net.q / net.k, spec.eta / b
    Z_of = C.transpose(1, 2, 0).reshape(r, m * p)  # w -> (C_l^T w) as an (m, p) block
    BkT = f_scale * B.T  # (p, k): basis pre-activations -> f_scale * w^T A_j x
    CwT = eta_b * f_scale * C.transpose(1, 0, 2).reshape(r, p * m).T  # (p * m, r): SGD's step
    MQT = eta_b * (net.M if Q is None else net.M @ Q).T  # (m, r), Tron's step folded in
    C0 = (eta_b * f_scale) * C.transpose(2, 0, 1).reshape(m, p * r)  # g -> (F_l x)_l, step in
    truth = _truth_map(np.einsum("lrm,sr->sml", C, spec.w_star))  # g -> w_*^T F_l x
    ones_b, ones_k = np.ones(b), np.ones(k)  # sums as products: no Python-level sum wrapper
    algs = [(a, alg, slice(a * S, (a + 1) * S)) for a, alg in enumerate(spec.algorithms)]
    Wf = W.reshape(rows, r)  # a view: rows a * S + s
    rec = np.array(spec.records)
    j_rec, t = 1, 0
    for G, U, V in stream(spec, m):
        c = G.shape[0]
        Y = _labels(spec, truth(G), G, U, V, B, Q).reshape(c, rows, b)
        # the first sample's F_l x: all that the first-sample variant reads of a batch
        FX0 = {a: (G[:, sl, 0].reshape(-1, m) @ C0).reshape(c, S, p, r) for a, alg, sl in algs
               if alg == "sgd_first_sample"}  # fmt: skip
        j_end = int(np.searchsorted(rec, t + c, side="right"))
        slots = [-1] * c
        for j in range(j_rec, j_end):
            slots[rec[j] - t - 1] = j - j_rec
        W_hist = np.empty((j_end - j_rec,) + W.shape)
        for ci in range(c):
            Gi = G[ci]  # (rows, b, m)
            u = np.matmul(Gi, (Wf @ Z_of).reshape(rows, m, p))  # (rows, b, p): w^T F_l x_i
            h = (u.reshape(-1, p) @ BkT).reshape(rows, b, k)  # f_scale * w^T A_j x_i
            res = Y[ci] - relu(h) @ ones_k  # (rows, b)
            for a, alg, sl in algs:
                if alg == "tron":
                    W[a] += np.matmul(res[sl, None], Gi[sl])[:, 0] @ MQT
                elif alg == "sgd_first_sample":  # the public code: sample 1's derivative
                    coef = ((h[sl, 0] > 0) @ B) * (res[sl] @ ones_b)[:, None]  # (S, p)
                    W[a] += np.matmul(coef[:, None], FX0[a][ci])[:, 0]
                else:
                    P = np.matmul((((h[sl] > 0) @ B) * res[sl, :, None]).transpose(0, 2, 1),
                                  Gi[sl])  # (S, p, m); fmt: skip
                    W[a] += P.reshape(S, p * m) @ CwT
            if slots[ci] >= 0:
                W_hist[slots[ci]] = W
        if j_end > j_rec:
            errors[..., j_rec:j_end] = np.moveaxis(
                np.linalg.norm(W_hist - spec.w_star, axis=-1), 0, -1)  # fmt: skip
            j_rec = j_end
        t += c


def _advance_shared(spec, W, errors, FX, MX, Y, B, t: int, j_rec: int) -> tuple[int, int]:
    """One chunk of :func:`_grid_batched` on a shared stream: ``FX`` ``(c, b, p, r)``, ``MX``
    ``(c, b, r)``, labels ``Y`` ``(c, S, b)``; ``t`` updates done, next record ``j_rec``, both
    returned advanced."""
    net, S, rec = spec.net, spec.S, spec.records
    eta_b, f_scale = spec.eta / spec.b, net.q / net.k
    for ci in range(FX.shape[0]):
        pre = np.einsum("bpr,asr->asbp", FX[ci], W) @ B.T  # (n_alg, S, b, k)
        res = Y[ci] - f_scale * relu(pre).sum(-1)  # (n_alg, S, b)
        for a, alg in enumerate(spec.algorithms):
            if alg == "tron":
                W[a] += eta_b * (res[a] @ MX[ci])
                continue
            act = pre[a] > 0  # (S, b, k)
            if alg == "sgd":
                coef = (act @ B) * res[a][..., None]  # (S, b, p)
            else:  # the public code: derivative of sample 1 used for every sample
                coef = np.zeros((S, spec.b, B.shape[1]))
                coef[:, 0] = (act[:, 0] @ B) * res[a].sum(-1)[:, None]
            W[a] += (eta_b * f_scale) * np.einsum("sbp,bpr->sr", coef, FX[ci])
        t += 1
        if j_rec < len(rec) and t == rec[j_rec]:
            errors[..., j_rec] = np.linalg.norm(W - spec.w_star, axis=-1)
            j_rec += 1
    return t, j_rec
