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
    sample_inputs,
)

_CHUNK = 256  # at most this many iterations of random numbers are drawn at once
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


def _input_basis(spec: _GridSpec) -> np.ndarray | None:
    """For Gaussian inputs, an orthonormal basis ``Q`` (``n x m``) of the span of every row of
    every filter (and of the attack's ``direction``), when ``m < n``; else ``None``.

    The net, both algorithms and the attack see an input :math:`x` only through
    :math:`A_jx` (and :math:`c^\\top x`), and :math:`A_jx = A_jPx` for the orthogonal projection
    :math:`P = QQ^\\top` onto that span. For :math:`x\\sim N(0,s^2I_n)`, :math:`Px = Qg` with
    :math:`g\\sim N(0,s^2I_m)`, so drawing the ``m`` coordinates ``g`` instead of the ``n`` of
    ``x`` leaves the law of every run unchanged (the experiments' filters: ``m = 2r``, half of
    ``n = 100``).
    """
    if spec.dist != "normal":
        return None
    rows = spec.net.filters.reshape(-1, spec.net.n)
    if spec.direction is not None:
        rows = np.vstack([rows, spec.direction])
    _, sv, Vt = np.linalg.svd(rows, full_matrices=False)
    m = max(1, int(np.sum(sv > sv[0] * 1e-13)))
    return Vt[:m].T.copy() if m < spec.net.n else None


def _stream(spec: _GridSpec, m: int) -> Iterator[tuple[np.ndarray, ...]]:
    """Random numbers chunk by chunk: input coordinates ``(c, S_x, b, m)`` (the inputs
    themselves when ``m = n``, else coordinates in the basis of ``_input_basis``), attack
    uniforms ``(c, S_x, b)`` in [0,1) and, for ``attack="uniform"`` only, magnitudes
    ``(c, S_x, b)`` in [-1,1) (else ``None``). Both implementations of :func:`simulate_grid`
    read this.

    Uniforms and non-Gaussian inputs come from NumPy's ``Generator(SFC64(spec.seed))``. Gaussian
    coordinates come from torch's CPU generator seeded with ``spec.seed`` (``torch.randn`` in
    float32, a Box-Muller transform of 24-bit uniforms, so :math:`|g| < 5.8` and the law is the
    normal one up to that resolution; about twice as fast as NumPy's float64 draws), converted
    exactly to float64: all arithmetic on them is float64.

    The chunk length depends only on the sizes (it bounds the memory of the batched simulator's
    per-chunk arrays to a few million numbers), so both implementations see the same stream.
    Every chunk is drawn whole (the last one is cut after drawing), so a shorter run reads a
    prefix of a longer run's stream: its first iterations are the same.
    """
    rng, S_x, b = np.random.Generator(np.random.SFC64(spec.seed)), spec.S_x, spec.b
    chunk = max(1, min(_CHUNK, 1_000_000 // (S_x * b * max(m, 2 * spec.net.r))))
    shape = (chunk, S_x, b, m)
    if spec.dist == "normal":
        import torch  # only here: the rest of the simulator is NumPy

        gen = torch.Generator().manual_seed(spec.seed)
        draw32 = torch.empty(shape, dtype=torch.float32)
    for start in range(0, spec.n_iter, chunk):
        c = min(chunk, spec.n_iter - start)
        if spec.dist == "normal":
            X = torch.randn(shape, generator=gen, out=draw32).numpy().astype(np.float64)
            if spec.dist_kw["scale"] != 1.0:
                X *= spec.dist_kw["scale"]
        else:
            X = sample_inputs(spec.dist, shape, rng, **spec.dist_kw)
        U = rng.random((chunk, S_x, b))
        V = rng.uniform(-1.0, 1.0, (chunk, S_x, b)) if spec.attack == "uniform" else None
        yield X[:c], U[:c], None if V is None else V[:c]


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
    the span that the filters read (``_input_basis``: the same law of every run, half the
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
    errors[..., 0] = np.linalg.norm(W - spec.w_star, axis=-1)
    run = {"batched": _grid_batched, "loop": _grid_reference}
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run just records inf/nan
        run[check_choice(implementation, "implementation", tuple(run))](spec, W, errors)
    return GridResult(errors, np.array(rec), spec.algorithms, spec.betas, spec.thetas, W)


def _labels(spec: _GridSpec, FX, G: np.ndarray, U, V, B, Q, u_star=None) -> np.ndarray:
    """Attacked labels ``(c, n_alg, S, b)`` (independent) or ``(c, 1, S, b)`` (shared stream) of
    one chunk, from ``FX`` ``(c, n_alg, S, b, p, r)`` or ``(c, 1, 1, b, p, r)`` and the stream's
    coordinates ``G``, uniforms ``U`` and magnitudes ``V`` (row ``a * S + s`` of the stream is
    algorithm ``a`` in setting ``s``); ``u_star`` ``(c, n_alg, S, b, p)``, the truth's
    :math:`w_*^\\top F_lx`, replaces ``FX`` when given."""
    n_alg, S, c = len(spec.algorithms), spec.S, G.shape[0]
    if spec.independent:
        if u_star is None:
            u_star = np.einsum("casbpr,sr->casbp", FX, spec.w_star)
        betas, thetas = np.tile(spec.betas, n_alg), np.tile(spec.thetas, n_alg)
    else:
        u_star = np.einsum("cabpr,sr->casbp", FX[:, :, 0], spec.w_star)
        betas, thetas = spec.betas, spec.thetas
    y_clean = (spec.net.q / spec.net.k) * relu(u_star @ B.T).sum(-1)  # (c, n_alg or 1, S, b)
    direction = spec.direction if Q is None or spec.direction is None else Q.T @ spec.direction
    noise = attack_noise(spec.attack, thetas[:, None], U < betas[:, None], uniforms=V, X=G,
                         direction=direction)  # (c, n_alg * S or S, b); fmt: skip
    return y_clean + noise.reshape(c, -1, S, spec.b)


def _grid_batched(spec: _GridSpec, W: np.ndarray, errors: np.ndarray) -> None:
    """The batched loop of :func:`simulate_grid`; fills ``W`` and ``errors`` in place.

    Everything is computed through the filter basis (:func:`_filter_basis`,
    :math:`A_j=\\sum_l B_{jl}F_l`), pre-activations are
    :math:`w^\\top A_jx = \\sum_l B_{jl}\\,w^\\top F_lx`, :math:`Mx = \\sum_l \\bar B_l F_lx`
    and an SGD step :math:`\\sum_{i,j} g_{ij}A_jx_i = \\sum_{i,l}(gB)_{il}F_lx_i`, with ``p``
    basis filters (``p = 2`` for the experiments' filters instead of ``k``). On a shared stream
    the vectors :math:`F_lx` are formed once per chunk and read by every row; with independent
    streams every row works in the stream's coordinates :math:`x = Qg` (``_input_basis``;
    :math:`Q = I` without one): per iteration :math:`C_l^\\top w` with :math:`C_l = F_lQ`, then
    :math:`w^\\top F_lx = g^\\top C_l^\\top w`, and the updates
    :math:`MQ\\sum_i e_ig_i` (Tron) and :math:`\\sum_l C_l\\sum_i(gB)_{il}g_i` (SGD).
    """
    net, b, rec = spec.net, spec.b, spec.records
    r, S, n_alg = net.r, spec.S, len(spec.algorithms)
    B, F = _filter_basis(net.filters)  # A_j = sum_l B[j, l] F_l, with few F_l
    p = F.shape[0]
    Q = _input_basis(spec)
    C = F if Q is None else F @ Q  # (p, r, m): F_l x = C_l g
    m = C.shape[-1]
    j_rec, t = 1, 0
    if not spec.independent:  # one slice of inputs read by every row
        FT = C.reshape(-1, m).T  # (m, p * r)
        MX_of = (net.M if Q is None else net.M @ Q).T  # (m, r)
        for G, U, V in _stream(spec, m):
            c = G.shape[0]
            FX = (G.reshape(-1, m) @ FT).reshape(c, 1, 1, b, p, r)
            Y = _labels(spec, FX, G, U, V, B, Q)[:, 0]  # (c, S, b)
            MX = (G.reshape(-1, m) @ MX_of).reshape(c, b, r)
            t, j_rec = _advance_shared(spec, W, errors, FX[:, 0, 0], MX, Y, B, t, j_rec)
        return
    # Constants folded in (q > 0, so relu(f B h) = f relu(B h) and the signs are unchanged):
    f_scale, eta_b = net.q / net.k, spec.eta / b
    ones_k = np.ones(net.k)
    # w -> f_scale * (A_j Q)^T w for every filter j, as one (r, m * k) matrix
    CwK = (f_scale * np.einsum("jl,lrm->rmj", B, C)).reshape(r, m * net.k)
    Cw = C.transpose(1, 0, 2).reshape(r, p * m)  # w -> (C_l^T w)_l, flattened
    CwT = eta_b * f_scale * np.ascontiguousarray(Cw.T)  # (p * m, r), SGD's step folded in
    MQT = eta_b * (net.M if Q is None else net.M @ Q).T  # (m, r), Tron's step folded in
    V_star = np.einsum("lrm,sr->sml", C, spec.w_star)  # (S, m, p): g -> w_*^T F_l x
    algs = tuple(enumerate(spec.algorithms))
    first = [a for a, alg in algs if alg == "sgd_first_sample"]
    Wf = W.reshape(n_alg * S, r)  # a view: rows a * S + s
    for G, U, V in _stream(spec, m):
        c = G.shape[0]
        Gr = G.reshape(c, n_alg, S, b, m)
        Y = _labels(spec, None, G, U, V, B, Q, u_star=np.matmul(Gr, V_star))  # (c, n_alg, S, b)
        # the first sample's F_l x, all the first-sample variant reads of a batch
        FX0 = {a: (eta_b * f_scale) * np.einsum("csm,lrm->cslr", Gr[:, a, :, 0], C) for a in first}
        W_hist = np.empty((c,) + W.shape)
        for ci in range(c):
            Gt = Gr[ci]  # (n_alg, S, b, m)
            Vw = (Wf @ CwK).reshape(n_alg * S, m, net.k)
            h = np.matmul(G[ci], Vw).reshape(n_alg, S, b, net.k)  # f_scale * w^T A_j x_i
            res = Y[ci] - relu(h) @ ones_k  # (n_alg, S, b)
            for a, alg in algs:
                if alg == "tron":
                    W[a] += np.matmul(res[a][:, None], Gt[a])[:, 0] @ MQT
                elif alg == "sgd":
                    P = np.matmul((((h[a] > 0) @ B) * res[a][..., None]).transpose(0, 2, 1), Gt[a])
                    W[a] += P.reshape(S, p * m) @ CwT  # P: (S, p, m)
                else:  # the public code: derivative of sample 1 used for every sample
                    coef = ((h[a, :, 0] > 0) @ B) * res[a].sum(-1)[:, None]  # (S, p)
                    W[a] += np.matmul(coef[:, None], FX0[a][ci])[:, 0]
            W_hist[ci] = W
        rows = [j for j in range(j_rec, len(rec)) if rec[j] <= t + c]
        if rows:
            at = np.array([rec[j] - t - 1 for j in rows])
            errors[..., rows] = np.moveaxis(np.linalg.norm(W_hist[at] - spec.w_star, axis=-1), 0, -1)
            j_rec += len(rows)
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
    filters and over the samples of the batch), reading the same random numbers (inputs
    :math:`x = Qg` from the coordinates ``g`` where ``_input_basis`` gives a basis)."""
    net, b, w_star, rec = spec.net, spec.b, spec.w_star, spec.records
    A, q, M = net.filters, net.q, net.M
    Q = _input_basis(spec)
    m = net.n if Q is None else Q.shape[1]
    for s in range(spec.S):
        for a, alg in enumerate(spec.algorithms):
            sx = a * spec.S + s if spec.independent else 0
            w = spec.w0[s].copy()
            errors[a, s, 0] = np.linalg.norm(w - w_star[s])
            t, j_rec = 0, 1
            for X, U, V in _stream(spec, m):
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
