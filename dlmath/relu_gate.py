"""Training a ReLU gate and depth-2 single-filter nets without gradients (thesis Ch. 3).

The models (thesis Ch. 3; Karmakar & Mukherjee 2020; Karmakar, Mukherjee & Papamarkou 2020):

* a **depth-2 single-filter net** :math:`f_w(x) = \\frac{q}{k}\\sum_{j=1}^k \\sigma(w^\\top A_j x)`
  with :math:`w\\in\\mathbb R^r`, filters :math:`A_j\\in\\mathbb R^{r\\times n}`, outer scale
  :math:`q` and :math:`\\sigma(z)=\\max\\{0,z\\}`; :math:`M = \\frac1k\\sum_j A_j`.
  The **ReLU gate** is the special case :math:`k=1`, :math:`A_1 = M = I_n`, :math:`q=1`.
* labels :math:`y = f_{w_*}(x) + \\alpha\\,\\xi` with attack indicator
  :math:`\\alpha\\sim\\mathrm{Bernoulli}(\\beta)` and bounded attack :math:`|\\xi|\\le\\theta_*`.

The algorithms, for a mini-batch :math:`(x_i, y_i)_{i\\le b}`:

* **(Neuro-)Tron**: :math:`w \\leftarrow w + \\eta\\, M\\,\\frac1b\\sum_i (y_i - f_w(x_i))\\,x_i`
  (no derivative of the activation anywhere; the GLM-Tron update of Kakade et al. 2011 for the
  gate);
* **SGD** on :math:`\\frac12 (y - f_w(x))^2`:
  :math:`w \\leftarrow w + \\eta\\,\\frac1b\\sum_i (y_i - f_w(x_i))\\,\\nabla_w f_w(x_i)`;
  ``sgd_first_sample`` reproduces the public reference code, which uses
  :math:`\\nabla_w f_w(x_1)` for every sample of the batch;
* **noise-assisted GD** (Langevin type) on a ReLU gate:
  :math:`w \\leftarrow w - \\eta\\nabla\\hat L(w) + \\sqrt{2\\eta/\\beta_{\\rm inv}}\\;g`,
  :math:`g\\sim N(0, I)`.

:func:`sweep` advances many settings (attack levels, repeated runs) and several algorithms in
one batched array operation per iteration; its ``implementation="loop"`` is the plain
per-setting, per-sample reference that draws exactly the same random numbers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np

from ._validate import as_float_array, check_choice, check_int, check_real, check_rng
from .relu_nets import relu  # the one rectifier of the package (not re-exported in __all__)

__all__ = [
    "DISTRIBUTIONS",
    "ALGORITHMS",
    "ATTACKS",
    "sample_inputs",
    "InputMoments",
    "input_moments",
    "DepthTwoNet",
    "make_depth2_net",
    "relu_gate_net",
    "net_output",
    "net_gradient",
    "tron_step",
    "sgd_step",
    "attack_noise",
    "SweepResult",
    "sweep",
    "expected_tron_direction",
    "contraction_factor",
    "best_step_size",
    "poisoning_floor",
    "correlated_bias",
    "NoisyGDResult",
    "noisy_gd",
    "noisy_gd_radius",
    "fit_tron",
    "THETA_GRID",
    "BETA_GRID",
    "PAPER_SIMS",
    "run_simulation",
]

DISTRIBUTIONS = ("normal", "laplace", "student_t", "mixture")
ALGORITHMS = ("tron", "sgd", "sgd_first_sample")
ATTACKS = ("alternating", "uniform", "correlated")
_CHUNK = 256  # at most this many iterations of random numbers are drawn at once


# ----------------------------------------------------------------------------- input laws
def _dist_params(dist: str, scale: float, df: float, shift: float) -> tuple[str, float, float, float]:
    check_choice(dist, "dist", DISTRIBUTIONS)
    scale = check_real(scale, "scale", low=0.0, low_inclusive=False)
    df = check_real(df, "df", low=2.0, low_inclusive=False)
    shift = check_real(shift, "shift", low=0.0)
    return dist, scale, df, shift


def sample_inputs(
    dist: str,
    size: int | tuple[int, ...],
    rng: np.random.Generator,
    *,
    scale: float = 1.0,
    df: float = 4.0,
    shift: float = 1.0,
) -> np.ndarray:
    """Draw inputs with i.i.d. coordinates from a **symmetric** law (``x`` and ``-x`` equal in law).

    * ``normal``: :math:`N(0, \\text{scale}^2)`;
    * ``laplace``: Laplace with the given scale (variance :math:`2\\,\\text{scale}^2`);
    * ``student_t``: ``scale`` times a Student-t with ``df`` degrees of freedom (heavy tails);
    * ``mixture``: :math:`\\pm\\text{shift} + N(0,\\text{scale}^2)`, signs equally likely (bimodal).
    """
    dist, scale, df, shift = _dist_params(dist, scale, df, shift)
    check_rng(rng)
    if dist == "normal":
        return rng.normal(0.0, scale, size)
    if dist == "laplace":
        return rng.laplace(0.0, scale, size)
    if dist == "student_t":
        return scale * rng.standard_t(df, size)
    signs = np.where(rng.random(size) < 0.5, -shift, shift)
    return signs + rng.normal(0.0, scale, size)


@dataclass(frozen=True)
class InputMoments:
    """Moments of an input law with i.i.d. symmetric coordinates in dimension ``n``.

    ``variance`` and ``fourth`` are :math:`E x_1^2` and :math:`E x_1^4`; then
    :math:`\\Sigma = E[xx^\\top] = \\text{variance}\\cdot I` (so ``lam_min = lam_max``) and
    ``kappa`` :math:`=\\lambda_{\\max}(E[\\|x\\|^2 xx^\\top]) = E x_1^4 + (n-1)(E x_1^2)^2`
    (``inf`` when the fourth moment is infinite).
    """

    n: int
    variance: float
    fourth: float
    lam_min: float
    lam_max: float
    kappa: float
    mean_norm_sq: float


def input_moments(
    dist: str, n: int, *, scale: float = 1.0, df: float = 4.0, shift: float = 1.0
) -> InputMoments:
    """Exact :class:`InputMoments` of :func:`sample_inputs`'s law in dimension ``n``."""
    dist, scale, df, shift = _dist_params(dist, scale, df, shift)
    n = check_int(n, "n", min_value=1)
    s2 = scale**2
    if dist == "normal":
        var, m4 = s2, 3 * s2**2
    elif dist == "laplace":
        var, m4 = 2 * s2, 24 * s2**2
    elif dist == "student_t":
        var = s2 * df / (df - 2)
        m4 = s2**2 * 3 * df**2 / ((df - 2) * (df - 4)) if df > 4 else np.inf
    else:
        var, m4 = shift**2 + s2, shift**4 + 6 * shift**2 * s2 + 3 * s2**2
    return InputMoments(n, var, m4, var, var, m4 + (n - 1) * var**2, n * var)


# ----------------------------------------------------------------------------- the model
@dataclass(frozen=True)
class DepthTwoNet:
    """A depth-2 single-filter net :math:`f_w(x) = \\frac qk \\sum_j \\sigma(w^\\top A_j x)`.

    ``filters`` has shape ``(k, r, n)``; ``M`` is their mean, the matrix Neuro-Tron multiplies by.
    """

    filters: np.ndarray
    q: float = 1.0

    def __post_init__(self) -> None:
        A = as_float_array(self.filters, "filters", ndim=3, min_size=1)
        object.__setattr__(self, "filters", A)
        object.__setattr__(self, "q", check_real(self.q, "q", low=0.0, low_inclusive=False))

    @property
    def k(self) -> int:
        return self.filters.shape[0]

    @property
    def r(self) -> int:
        return self.filters.shape[1]

    @property
    def n(self) -> int:
        return self.filters.shape[2]

    @property
    def M(self) -> np.ndarray:
        return self.filters.mean(axis=0)


def make_depth2_net(n: int, r: int, k: int, rng: np.random.Generator, *, q: float = 1.0) -> DepthTwoNet:
    """The filters of the Neuro-Tron experiments: :math:`A_j = M + c_j C`.

    :math:`M = [M_X\\,|\\,M_Y]` and :math:`C` have i.i.d. :math:`N(0,1)` entries
    (:math:`M_X` is :math:`r\\times r`, so :math:`M` has full rank :math:`r` almost surely) and
    :math:`c_j` runs over :math:`\\{-k/2,\\dots,k/2\\}\\setminus\\{0\\}` (``k`` even), so that
    :math:`\\frac1k\\sum_j A_j = M` exactly.
    """
    n = check_int(n, "n", min_value=1)
    r = check_int(r, "r", min_value=1, max_value=n)
    k = check_int(k, "k", min_value=2)
    if k % 2:
        raise ValueError(f"k must be even (the c_j are symmetric around 0), got {k}")
    check_rng(rng)
    M = rng.standard_normal((r, n))
    C = rng.standard_normal((r, n))
    c = np.array([j for j in range(-k // 2, k // 2 + 1) if j != 0], dtype=float)
    return DepthTwoNet(M[None] + c[:, None, None] * C[None], q=q)


def relu_gate_net(n: int) -> DepthTwoNet:
    """The ReLU gate :math:`x\\mapsto\\sigma(w^\\top x)` as a :class:`DepthTwoNet` (``k=1``, ``A=M=I``)."""
    n = check_int(n, "n", min_value=1)
    return DepthTwoNet(np.eye(n)[None])


def _check_wX(net: DepthTwoNet, w, X) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(net, DepthTwoNet):
        raise TypeError(f"net must be a DepthTwoNet, got {type(net).__name__}")
    w = as_float_array(w, "w", ndim=(1, 2))
    if w.shape[-1] != net.r:
        raise ValueError(f"w must have {net.r} entries in its last axis, got shape {w.shape}")
    X = as_float_array(X, "X", ndim=2)
    if X.shape[1] != net.n:
        raise ValueError(f"X must have shape (b, {net.n}), got {X.shape}")
    return w, X


def _preacts(net: DepthTwoNet, w: np.ndarray, X: np.ndarray) -> np.ndarray:
    """:math:`w^\\top A_j x_i`, shape ``w.shape[:-1] + (b, k)``."""
    AX = np.einsum("krn,bn->bkr", net.filters, X)
    return np.einsum("bkr,...r->...bk", AX, w)


def net_output(net: DepthTwoNet, w, X) -> np.ndarray:
    """:math:`f_w(x_i)` for each row of ``X``.

    Shape ``(b,)``, or ``(S, b)`` for ``w`` of shape ``(S, r)`` (``S`` weight vectors at once).
    """
    w, X = _check_wX(net, w, X)
    return net.q * relu(_preacts(net, w, X)).mean(axis=-1)


def net_gradient(net: DepthTwoNet, w, X) -> np.ndarray:
    """Per-sample gradients, shape ``(b, r)``:
    :math:`\\nabla_w f_w(x_i) = \\frac qk\\sum_j 1\\{w^\\top A_jx_i>0\\}A_jx_i`.

    At a kink (:math:`w^\\top A_j x = 0`) the derivative of :math:`\\sigma` is taken as 0.
    """
    w, X = _check_wX(net, w, X)
    if w.ndim != 1:
        raise ValueError(f"w must be 1-dimensional here, got shape {w.shape}")
    AX = np.einsum("krn,bn->bkr", net.filters, X)
    active = (np.einsum("bkr,r->bk", AX, w) > 0).astype(float)
    return net.q * np.einsum("bk,bkr->br", active, AX) / net.k


def _check_step(net, w, X, y, eta):
    w, X = _check_wX(net, w, X)
    if w.ndim != 1:
        raise ValueError(f"w must be 1-dimensional, got shape {w.shape}")
    y = as_float_array(y, "y", shape=(X.shape[0],))
    eta = check_real(eta, "eta", low=0.0, low_inclusive=False)
    return w, X, y, eta


def tron_step(net: DepthTwoNet, w, X, y, eta: float) -> np.ndarray:
    """One (Neuro-)Tron step :math:`w + \\eta M \\frac1b\\sum_i (y_i - f_w(x_i)) x_i` (thesis Ch. 3)."""
    w, X, y, eta = _check_step(net, w, X, y, eta)
    residual = y - net_output(net, w, X)
    return w + eta * net.M @ (residual @ X) / X.shape[0]


def sgd_step(net: DepthTwoNet, w, X, y, eta: float, *, first_sample_bug: bool = False) -> np.ndarray:
    """One SGD step on :math:`\\frac12(y-f_w(x))^2`:
    :math:`w + \\eta\\frac1b\\sum_i (y_i - f_w(x_i))\\nabla_w f_w(x_i)`.

    ``first_sample_bug=True`` uses :math:`\\nabla_w f_w(x_1)` for every ``i``, as the public
    reference code does (``net_der_now[:, 0]``); it is kept only to show what that changes.
    """
    w, X, y, eta = _check_step(net, w, X, y, eta)
    residual = y - net_output(net, w, X)
    G = net_gradient(net, w, X)
    if first_sample_bug:
        return w + eta * residual.sum() * G[0] / X.shape[0]
    return w + eta * residual @ G / X.shape[0]


# ----------------------------------------------------------------------------- poisoning
def attack_noise(kind: str, theta, mask, *, uniforms=None, X=None, direction=None) -> np.ndarray:
    """The additive label attack :math:`\\alpha_i\\xi_i` with :math:`|\\xi_i|\\le\\theta_*`.

    ``mask`` holds the attack indicators :math:`\\alpha_i\\in\\{0,1\\}` (last axis = batch).

    * ``alternating``: :math:`\\xi_i = \\theta_*(-1)^{i}` (``-θ, +θ, -θ, …`` as in the public code);
      independent of :math:`x`, mean zero given :math:`x`;
    * ``uniform``: :math:`\\xi_i = \\theta_* u_i` with ``uniforms`` :math:`u_i\\sim U(-1,1)`;
    * ``correlated``: :math:`\\xi_i = \\theta_*\\,\\mathrm{sign}(c^\\top x_i)` for ``direction``
      :math:`c`: an adversary that correlates with the input (``X`` needed).

    ``theta`` is a scalar or an array broadcasting against ``mask`` (numpy rules).
    """
    check_choice(kind, "kind", ATTACKS)
    mask = as_float_array(mask, "mask", min_size=1)
    if mask.ndim == 0 or np.any((mask != 0) & (mask != 1)):
        raise ValueError(f"mask must be an array of 0/1 (or bool) attack indicators, got shape {mask.shape}")
    theta = as_float_array(theta, "theta")
    if np.any(theta < 0):
        raise ValueError("theta must be finite and >= 0")
    if kind == "alternating":
        pattern = np.resize([-1.0, 1.0], mask.shape[-1])
    elif kind == "uniform":
        if uniforms is None:
            raise ValueError("uniforms must be given for kind='uniform'")
        pattern = as_float_array(uniforms, "uniforms")
        if np.any(np.abs(pattern) > 1):
            raise ValueError("uniforms must lie in [-1, 1] (the attack is bounded by theta)")
    else:
        if X is None or direction is None:
            raise ValueError("X and direction must be given for kind='correlated'")
        X = as_float_array(X, "X", ndim=(2, 3, 4))
        direction = as_float_array(direction, "direction", shape=(X.shape[-1],))
        pattern = np.sign(X @ direction)
    return mask * theta * pattern


# ----------------------------------------------------------------------------- sweeps
@dataclass
class SweepResult:
    """Errors :math:`\\|w_t - w_*\\|` of a sweep.

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


def _sweep_args(
    net, w_star, n_iter, b, eta, betas, thetas, algorithms, attack, w0, dist, direction, independent
):
    if not isinstance(net, DepthTwoNet):
        raise TypeError(f"net must be a DepthTwoNet, got {type(net).__name__}")
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
    betas, thetas = np.broadcast_to(betas, (S,)).copy(), np.broadcast_to(thetas, (S,)).copy()
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
    if not isinstance(independent, (bool, np.bool_)):
        raise TypeError(f"independent must be True or False, got {type(independent).__name__}")
    return (
        n_iter,
        b,
        eta,
        betas,
        thetas,
        algorithms,
        np.broadcast_to(w_star, (S, net.r)),
        np.broadcast_to(w0, (S, net.r)),
        direction,
        S,
    )


def _filter_basis(filters: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Write the ``k`` filters through a basis: ``A_j = sum_l B[j, l] F[l]`` (SVD, rank-revealing).

    The experiments' filters :math:`M + c_jC` span two dimensions, so computing
    :math:`F_l x` instead of every :math:`A_j x` saves a factor :math:`k/2` of the work.
    """
    k = filters.shape[0]
    U, sv, Vt = np.linalg.svd(filters.reshape(k, -1), full_matrices=False)
    p = max(1, int(np.sum(sv > sv[0] * 1e-13)))
    return U[:, :p] * sv[:p], Vt[:p].reshape((p,) + filters.shape[1:])


def _batched_matvec(coef: np.ndarray, rows: np.ndarray, independent: bool) -> np.ndarray:
    """:math:`\\sum_j` ``coef[s, j] * rows[s, j, :]``; ``rows`` has one slice shared by all ``s``
    unless ``independent`` (then one GEMM replaces ``S`` small products)."""
    if independent:
        return np.einsum("sj,sjr->sr", coef, rows)
    return coef @ rows[0]


def _stream(rng, dist, dist_kw, n_iter, S_x, b, net) -> Iterator[tuple[np.ndarray, ...]]:
    """Random numbers chunk by chunk: inputs ``(c, S_x, b, n)``, attack uniforms ``(c, S_x, b)``
    in [0,1) and magnitudes ``(c, S_x, b)`` in [-1,1). Both sweep implementations read this.

    The chunk length depends only on the sizes (it bounds the memory of the batched sweep's
    precomputed :math:`A_jx` to a few million numbers), so both implementations see the same stream.
    """
    chunk = max(1, min(_CHUNK, 2_000_000 // (S_x * b * net.k * net.r)))
    for start in range(0, n_iter, chunk):
        c = min(chunk, n_iter - start)
        X = sample_inputs(dist, (c, S_x, b, net.n), rng, **dist_kw)
        yield X, rng.random((c, S_x, b)), rng.uniform(-1.0, 1.0, (c, S_x, b))


def sweep(
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
) -> SweepResult:
    """Run every algorithm in every setting ``s`` (attack probability ``betas[s]``, magnitude
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
    n_iter, b, eta, betas, thetas, algorithms, w_star, w0, direction, S = _sweep_args(
        net, w_star, n_iter, b, eta, betas, thetas, algorithms, attack, w0, dist, direction, independent
    )
    record_every = check_int(record_every, "record_every", min_value=1)
    seed = check_int(seed, "seed", min_value=0)
    S_x = S if independent else 1
    W = np.repeat(w0[None], len(algorithms), axis=0).copy()  # (n_alg, S, r)
    rec = sorted(set(range(0, n_iter + 1, record_every)) | {n_iter})
    errors = np.empty((len(algorithms), S, len(rec)))
    errors[..., 0] = np.linalg.norm(W - w_star, axis=-1)
    sp = SimpleNamespace(
        net=net, dist=dist, dist_kw=dict(scale=scale, df=df, shift=shift), n_iter=n_iter, S_x=S_x,
        b=b, eta=eta, betas=betas, thetas=thetas, algorithms=algorithms, attack=attack,
        direction=direction, independent=independent, w_star=w_star, w0=w0, seed=seed,
    )  # fmt: skip
    run = {"batched": _sweep_batched, "loop": _sweep_reference}
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run just records inf/nan
        run[check_choice(implementation, "implementation", tuple(run))](sp, W, errors, rec)
    return SweepResult(errors, np.array(rec), algorithms, betas, thetas, W)


def _sweep_batched(sp: SimpleNamespace, W: np.ndarray, errors: np.ndarray, rec: list[int]) -> None:
    """The loop of :func:`sweep`; fills ``W`` and ``errors`` in place."""
    net, dist, dist_kw, n_iter, S_x, b, eta = sp.net, sp.dist, sp.dist_kw, sp.n_iter, sp.S_x, sp.b, sp.eta
    betas, thetas, algorithms, attack, direction = sp.betas, sp.thetas, sp.algorithms, sp.attack, sp.direction
    independent, w_star, rng = sp.independent, sp.w_star, np.random.default_rng(sp.seed)
    k, r, n, q = net.k, net.r, net.n, net.q
    S, n_alg, eta_b, f_scale = w_star.shape[0], len(algorithms), eta / b, q / k
    B, F = _filter_basis(net.filters)  # A_j = sum_l B[j, l] F_l, with few F_l
    M, ones_k = net.M, np.full(k, f_scale)
    j_rec, t = 1, 0
    for X, U, V in _stream(rng, dist, dist_kw, n_iter, S_x, b, net):
        c = X.shape[0]
        FX = (X.reshape(-1, n) @ F.reshape(-1, n).T).reshape(c, S_x, b, F.shape[0], r)
        Z = np.matmul(B, FX).reshape(c, S_x, b * k, r)  # rows (i, j): A_j x_i
        MX = X @ M.T  # (c, S_x, b, r)
        pre_star = np.einsum("csjr,sr->csj", Z, w_star) if independent else Z[:, 0] @ w_star.T
        y_clean = (
            f_scale * relu(pre_star).reshape(c, b, k, S).sum(2).transpose(0, 2, 1)
            if not independent
            else f_scale * relu(pre_star).reshape(c, S, b, k).sum(-1)
        )
        mask = U < betas[:, None]  # (c, S, b) by broadcasting
        Y = y_clean + attack_noise(attack, thetas[:, None], mask, uniforms=V, X=X, direction=direction)
        for ci in range(c):
            Zt = Z[ci]  # (S_x, b*k, r)
            pre = np.einsum("sjr,asr->asj", Zt, W) if independent else W @ Zt[0].T
            act = pre > 0
            res = Y[ci] - relu(pre).reshape(n_alg, S, b, k) @ ones_k  # (n_alg, S, b)
            for a, alg in enumerate(algorithms):
                if alg == "tron":
                    W[a] += eta_b * _batched_matvec(res[a], MX[ci], independent)
                    continue
                coef = act[a].reshape(S, b, k)
                if alg == "sgd":
                    coef = coef * res[a][..., None]
                else:  # the public code: derivative of sample 1 used for every sample
                    first = coef[:, :1] * res[a].sum(-1)[:, None, None]
                    coef = np.concatenate([first, np.zeros_like(coef[:, 1:])], axis=1)
                W[a] += (eta_b * f_scale) * _batched_matvec(coef.reshape(S, b * k), Zt, independent)
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


def _sweep_reference(sp: SimpleNamespace, W: np.ndarray, errors: np.ndarray, rec: list[int]) -> None:
    """The reference loop of :func:`sweep` (``implementation="loop"``): one setting, one
    algorithm, one sample at a time, written like the public Neuro-Tron code (loops over the
    filters and over the samples of the batch), reading the same random numbers."""
    net, dist, dist_kw, n_iter, S_x, b, eta = sp.net, sp.dist, sp.dist_kw, sp.n_iter, sp.S_x, sp.b, sp.eta
    betas, thetas, algorithms, attack, direction = sp.betas, sp.thetas, sp.algorithms, sp.attack, sp.direction
    w_star, w0, seed = sp.w_star, sp.w0, sp.seed
    S = w_star.shape[0]
    A, q, M = net.filters, net.q, net.M
    for s in range(S):
        sx = s if S_x > 1 else 0
        for a, alg in enumerate(algorithms):
            w = w0[s].copy()
            errors[a, s, 0] = np.linalg.norm(w - w_star[s])
            rng = np.random.default_rng(seed)
            t, j_rec = 0, 1
            for X, U, V in _stream(rng, dist, dist_kw, n_iter, S_x, b, net):
                for ci in range(X.shape[0]):
                    data = X[ci, sx]
                    y = _ref_net(A, q, data, w_star[s])
                    mask = U[ci, sx] < betas[s]
                    y = y + attack_noise(
                        attack, thetas[s], mask, uniforms=V[ci, sx], X=data, direction=direction
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
                    w = w + eta * total / b
                    t += 1
                    if j_rec < len(rec) and t == rec[j_rec]:
                        errors[a, s, j_rec] = np.linalg.norm(w - w_star[s])
                        j_rec += 1
            W[a, s] = w


# ----------------------------------------------------------------------------- theory
def expected_tron_direction(net: DepthTwoNet, w, w_star, sigma) -> np.ndarray:
    """:math:`E\\big[M\\,(f_{w_*}(x) - f_w(x))\\,x\\big] = \\frac q2\\,M\\Sigma M^\\top (w_* - w)`.

    Exact for every :math:`w` when the input law is symmetric with :math:`E[xx^\\top]=\\Sigma`
    (our derivation, from :math:`\\sigma(z)-\\sigma(-z)=z`); for the ReLU gate it reads
    :math:`\\frac12\\Sigma(w_*-w)`.
    """
    w, _ = _check_wX(net, w, np.zeros((1, net.n)))
    w_star, _ = _check_wX(net, w_star, np.zeros((1, net.n)))
    sigma = as_float_array(sigma, "sigma", shape=(net.n, net.n))
    M = net.M
    return 0.5 * net.q * M @ sigma @ M.T @ (w_star - w)


def _check_moments(moments) -> InputMoments:
    if not isinstance(moments, InputMoments):
        raise TypeError(f"moments must be an InputMoments, got {type(moments).__name__}")
    return moments


def contraction_factor(moments: InputMoments, eta: float, b: int) -> float:
    """Predicted one-step factor of :math:`E\\|w_t-w_*\\|^2` for ReLU-gate Tron (realizable case):

    .. math:: \\rho^2 = 1 - \\eta\\lambda_{\\min}(\\Sigma)
              + \\eta^2\\Big[\\frac{\\kappa}{2b}
              + \\big(1-\\tfrac1b\\big)\\frac{\\lambda_{\\max}(\\Sigma)^2}{4}\\Big],
       \\qquad \\kappa = \\lambda_{\\max}(E[\\|x\\|^2 xx^\\top]).

    Our derivation (thesis Ch. 3 states the linear-time result, not this constant): an upper
    bound for every symmetric law, asymptotically exact for isotropic inputs once
    :math:`w_t` is close to :math:`w_*`. ``inf`` when the fourth moment is infinite.
    """
    m = _check_moments(moments)
    eta = check_real(eta, "eta", low=0.0, low_inclusive=False)
    b = check_int(b, "b", min_value=1)
    return 1 - eta * m.lam_min + eta**2 * (m.kappa / (2 * b) + (1 - 1 / b) * m.lam_max**2 / 4)


def best_step_size(moments: InputMoments, b: int) -> tuple[float, float]:
    """The step :math:`\\eta_b` minimizing :func:`contraction_factor` and the factor it gives:
    :math:`\\eta_b = \\lambda/(2c_b)`, :math:`\\rho_b^2 = 1-\\lambda^2/(4c_b)`,
    :math:`c_b = \\kappa/(2b) + (1-1/b)\\Lambda^2/4`."""
    m = _check_moments(moments)
    b = check_int(b, "b", min_value=1)
    c = m.kappa / (2 * b) + (1 - 1 / b) * m.lam_max**2 / 4
    return m.lam_min / (2 * c), 1 - m.lam_min**2 / (4 * c)


def poisoning_floor(
    eta: float, beta: float, xi_sq: float, r: int, b: int, *, q: float = 1.0, algorithm: str = "tron"
) -> float:
    """Predicted plateau :math:`\\sqrt{E\\|w_t-w_*\\|^2}` under an attack independent of the input.

    To first order in :math:`\\eta` the stationary covariance of :math:`w_t - w_*` is
    :math:`\\frac{\\eta\\beta E[\\xi^2]}{bq} I_r` for (Neuro-)Tron and
    :math:`\\frac{\\eta\\beta E[\\xi^2]}{2b} I_r` for SGD (our derivation: a Lyapunov equation
    whose drift and noise matrices are both proportional to :math:`M\\Sigma M^\\top`, resp.
    :math:`E[\\nabla f\\nabla f^\\top]`, so :math:`\\Sigma` cancels). Only Tron's floor shrinks with
    the outer scale :math:`q`.
    """
    eta = check_real(eta, "eta", low=0.0, low_inclusive=False)
    beta = check_real(beta, "beta", low=0.0, high=1.0)
    xi_sq = check_real(xi_sq, "xi_sq", low=0.0)
    r = check_int(r, "r", min_value=1)
    b = check_int(b, "b", min_value=1)
    q = check_real(q, "q", low=0.0, low_inclusive=False)
    check_choice(algorithm, "algorithm", ("tron", "sgd"))
    denom = b * q if algorithm == "tron" else 2 * b
    return float(np.sqrt(eta * beta * xi_sq * r / denom))


def correlated_bias(net: DepthTwoNet, sigma, beta: float, theta: float, sign_moment) -> np.ndarray:
    """Fixed point of Tron's mean dynamics under the attack :math:`\\xi=\\theta\\,\\mathrm{sign}(c^\\top x)`:

    .. math:: w_\\infty - w_* = \\frac{2\\beta\\theta}{q}\\,(M\\Sigma M^\\top)^{-1} M\\, m,
              \\qquad m = E[\\mathrm{sign}(c^\\top x)\\,x]

    (``sign_moment`` is :math:`m`; for :math:`N(0,s^2I)` inputs :math:`m = s\\sqrt{2/\\pi}\\,c/\\|c\\|`).
    It is of order :math:`\\beta\\theta` and, unlike :func:`poisoning_floor`, does not shrink with
    :math:`\\eta` (our derivation).
    """
    if not isinstance(net, DepthTwoNet):
        raise TypeError(f"net must be a DepthTwoNet, got {type(net).__name__}")
    sigma = as_float_array(sigma, "sigma", shape=(net.n, net.n))
    beta = check_real(beta, "beta", low=0.0, high=1.0)
    theta = check_real(theta, "theta", low=0.0)
    m = as_float_array(sign_moment, "sign_moment", shape=(net.n,))
    M = net.M
    return 2 * beta * theta / net.q * np.linalg.solve(M @ sigma @ M.T, M @ m)


# ----------------------------------------------------------------------------- noisy GD
def _check_data(X, y) -> tuple[np.ndarray, np.ndarray]:
    X = as_float_array(X, "X", ndim=2, min_size=1)
    y = as_float_array(y, "y", shape=(X.shape[0],))
    return X, y


@dataclass
class NoisyGDResult:
    """Norms :math:`\\|w_t\\|` of every chain, shape ``(n_runs, n_iter + 1)``, and the last iterates."""

    norms: np.ndarray
    w_final: np.ndarray


def noisy_gd(
    X, y, w0, *, eta: float, beta_inv: float, n_iter: int, n_runs: int, seed: int = 0
) -> NoisyGDResult:
    """Noise-assisted GD on :math:`\\hat L(w) = \\frac1{2m}\\sum_i (y_i - \\sigma(w^\\top x_i))^2`,
    ``n_runs`` independent chains advanced together:

    .. math:: w_{t+1} = w_t - \\eta\\nabla\\hat L(w_t) + \\sqrt{2\\eta/\\beta_{\\rm inv}}\\,g_t,
              \\qquad g_t\\sim N(0, I_n).

    Returns a :class:`NoisyGDResult`: the norms along the way and the final iterates.
    """
    X, y = _check_data(X, y)
    w0 = as_float_array(w0, "w0", shape=(X.shape[1],))
    eta = check_real(eta, "eta", low=0.0, low_inclusive=False)
    beta_inv = check_real(beta_inv, "beta_inv", low=0.0, low_inclusive=False)
    n_iter = check_int(n_iter, "n_iter", min_value=1)
    n_runs = check_int(n_runs, "n_runs", min_value=1)
    rng = np.random.default_rng(check_int(seed, "seed", min_value=0))
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
    inequality). No assumption on how the :math:`x_i` were drawn.
    """
    X, y = _check_data(X, y)
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
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Train on a fixed data set, mini-batches drawn uniformly with replacement.

    Returns ``(w, train_mse, test_mse)``, the curves recorded every ``record_every`` steps
    (``test_mse`` is empty without test data). ``algorithm`` is ``tron`` (:func:`tron_step`),
    ``sgd`` or ``sgd_first_sample`` (:func:`sgd_step`).
    """
    X, y = _check_data(X, y)
    check_choice(algorithm, "algorithm", ALGORITHMS)
    w = np.ones(net.r) if w0 is None else as_float_array(w0, "w0", shape=(net.r,))
    n_iter = check_int(n_iter, "n_iter", min_value=1)
    b = check_int(b, "b", min_value=1)
    record_every = check_int(record_every, "record_every", min_value=1)
    has_test = X_test is not None
    if has_test:
        X_test, y_test = _check_data(X_test, y_test)
    rng = np.random.default_rng(check_int(seed, "seed", min_value=0))
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


# ----------------------------------------------------------------------------- paper settings
THETA_GRID = (0.0, 0.125, 0.25, 0.5, 1.0, 2.0, 4.0)
BETA_GRID = (0.0, 0.005, 0.05, 0.1, 0.2, 0.5, 0.9)
#: The eight simulations of the Neuro-Tron experiments (filter r=25, width k=10, batch b=16,
#: 40,000 iterations, seed = simulation number): input law, dimension n, step size eta, and the
#: swept attack parameter (theta* with beta=0.5, or beta with theta*=0.25).
PAPER_SIMS: dict[int, dict] = {
    s: {
        "dist": dist,
        "dist_kw": kw,
        "n": n,
        "eta": eta,
        "sweep": "theta" if s <= 4 else "beta",
        "betas": (0.5,) if s <= 4 else BETA_GRID,
        "thetas": THETA_GRID if s <= 4 else (0.25,),
    }
    for s, (dist, kw, n, eta) in {
        1: ("normal", {"scale": 1.0}, 100, 1e-4),
        2: ("normal", {"scale": 3.0}, 50, 5e-5),
        3: ("laplace", {"scale": 2.0}, 50, 5e-5),
        4: ("student_t", {"df": 4.0}, 100, 1e-4),
        5: ("normal", {"scale": 1.0}, 100, 1e-4),
        6: ("normal", {"scale": 3.0}, 50, 5e-5),
        7: ("laplace", {"scale": 2.0}, 50, 5e-5),
        8: ("student_t", {"df": 4.0}, 100, 1e-4),
    }.items()
}


def run_simulation(
    sim: int,
    *,
    n_iter: int = 40_000,
    n: int | None = None,
    r: int = 25,
    k: int = 10,
    b: int = 16,
    eta_factor: float = 1.0,
    algorithms: tuple[str, ...] | str = ("tron", "sgd"),
    attack: str = "alternating",
    record_every: int = 100,
) -> tuple[SweepResult, DepthTwoNet, np.ndarray]:
    """Run simulation ``sim`` (1-8) of :data:`PAPER_SIMS` as one batched :func:`sweep`.

    The defaults are the paper's settings; ``n``, ``r``, ``k``, ``n_iter`` and ``eta_factor``
    (multiplying the paper's step size) shrink it for quick runs. The net's filters and
    :math:`w_*\\sim N(0, I_r)` are drawn from seed ``sim``; the data stream from seed ``sim`` too.
    Returns the sweep, the net and :math:`w_*`.
    """
    sim = check_int(sim, "sim", min_value=1, max_value=8)
    cfg = PAPER_SIMS[sim]
    n = cfg["n"] if n is None else check_int(n, "n", min_value=1)
    eta_factor = check_real(eta_factor, "eta_factor", low=0.0, low_inclusive=False)
    rng = np.random.default_rng(sim)
    net = make_depth2_net(n, r, k, rng)
    w_star = rng.standard_normal(net.r)
    res = sweep(
        net, w_star, n_iter=n_iter, b=b, eta=cfg["eta"] * eta_factor, betas=cfg["betas"],
        thetas=cfg["thetas"], algorithms=algorithms, attack=attack, dist=cfg["dist"],
        record_every=record_every, seed=sim, **cfg["dist_kw"],
    )  # fmt: skip
    return res, net, w_star
