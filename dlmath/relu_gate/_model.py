"""The Chapter 3 model: input laws and their moments, the depth-2 single-filter net, one
(Neuro-)Tron or SGD step and their runs on a fixed data set, and the bounded label attack."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._validate import (
    as_float_array,
    as_generator,
    check_bool,
    check_choice,
    check_instance,
    check_int,
    check_limit,
    check_real,
    check_size,
    check_xy,
)
from ..relu_nets._net import rectify as relu  # the package's one rectifier, unchecked in loops

DISTRIBUTIONS = ("normal", "laplace", "student_t", "mixture")
ALGORITHMS = ("tron", "sgd", "sgd_first_sample")
ATTACKS = ("alternating", "uniform", "correlated")
#: Default limit on a run's work (multiply-adds, estimated before it starts), far above the
#: paper-scale runs. Pass ``max_work`` to run beyond it.
MAX_WORK = 10**12
MAX_FILTER_ENTRIES = 10**8  # k r n floats of a DepthTwoNet (800 MB)
MAX_SAMPLES = 10**9  # numbers drawn by one sample_inputs call (8 GB)
MAX_EXACT = 2**53  # counts that enter float formulas: beyond 2^53 they are not exact


def _dist_params(dist: str, scale: float, df: float, shift: float) -> tuple[str, float, float, float]:
    check_choice(dist, "dist", DISTRIBUTIONS)
    scale = check_real(scale, "scale", low=0.0, low_inclusive=False)
    df = check_real(df, "df", low=2.0, low_inclusive=False)
    shift = check_real(shift, "shift", low=0.0)
    return dist, scale, df, shift


def sample_inputs(
    dist: str,
    size: int | tuple[int, ...],
    rng: int | np.random.Generator,
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
    dims = (size,) if not isinstance(size, tuple) else size
    dims = tuple(check_int(d, "size", min_value=0) for d in dims)
    check_size(math.prod(dims), MAX_SAMPLES, f"the sample size {dims}")
    size = dims if isinstance(size, tuple) else dims[0]
    rng = as_generator(rng, "rng")
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
    n = check_int(n, "n", min_value=1, max_value=MAX_EXACT)
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
    """A depth-2 single-filter net :math:`f_w(x) = \\frac qk \\sum_j \\sigma(w^\\top A_j x)`
    (:prf:ref:`def-ch3-depth2`).

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


def make_depth2_net(
    n: int, r: int, k: int, rng: int | np.random.Generator, *, q: float = 1.0
) -> DepthTwoNet:
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
    check_size(k * r * n, MAX_FILTER_ENTRIES, f"the k r n = {k} x {r} x {n} filter entries")
    rng = as_generator(rng, "rng")
    M = rng.standard_normal((r, n))
    C = rng.standard_normal((r, n))
    c = np.array([j for j in range(-k // 2, k // 2 + 1) if j != 0], dtype=float)
    return DepthTwoNet(M[None] + c[:, None, None] * C[None], q=q)


def relu_gate_net(n: int) -> DepthTwoNet:
    """The ReLU gate :math:`x\\mapsto\\sigma(w^\\top x)` as a :class:`DepthTwoNet` (``k=1``, ``A=M=I``)."""
    n = check_int(n, "n", min_value=1)
    return DepthTwoNet(np.eye(n)[None])


def _check_wX(
    net: DepthTwoNet, w, X, *, w_name: str = "w", min_rows: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    check_instance(net, "net", DepthTwoNet)
    w = as_float_array(w, w_name, ndim=(1, 2))
    if w.shape[-1] != net.r:
        raise ValueError(f"{w_name} must have {net.r} entries in its last axis, got shape {w.shape}")
    X = as_float_array(X, "X", ndim=2)
    if X.shape[0] < min_rows:
        raise ValueError(
            f"X must hold at least {min_rows} row(s): a step on an empty batch is undefined"
        )
    if X.shape[1] != net.n:
        raise ValueError(f"X must have shape (b, {net.n}), got {X.shape}")
    return w, X


def _preacts(net: DepthTwoNet, w: np.ndarray, X: np.ndarray) -> np.ndarray:
    """:math:`w^\\top A_j x_i`, shape ``w.shape[:-1] + (b, k)``.

    :math:`w^\\top A_j` is formed first (``k n`` numbers per weight vector), which is far
    cheaper than all the :math:`A_jx_i` when there are fewer weight vectors than samples.
    """
    wA = np.einsum("krn,...r->...kn", net.filters, w)
    return np.einsum("...kn,bn->...bk", wA, X)


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
    w, X = _check_wX(net, w, X, min_rows=1)
    if w.ndim != 1:
        raise ValueError(f"w must be 1-dimensional, got shape {w.shape}")
    y = as_float_array(y, "y", shape=(X.shape[0],))
    eta = check_real(eta, "eta", low=0.0, low_inclusive=False)
    return w, X, y, eta


def tron_step(net: DepthTwoNet, w, X, y, eta: float) -> np.ndarray:
    """One (Neuro-)Tron step :math:`w + \\eta M \\frac1b\\sum_i (y_i - f_w(x_i)) x_i`
    (:prf:ref:`alg-ch3-tron`, :prf:ref:`alg-ch3-neurotron`)."""
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
    first_sample_bug = check_bool(first_sample_bug, "first_sample_bug")
    residual = y - net_output(net, w, X)
    G = net_gradient(net, w, X)
    if first_sample_bug:
        return w + eta * residual.sum() * G[0] / X.shape[0]
    return w + eta * residual @ G / X.shape[0]


# ----------------------------------------------------------------------------- poisoning
def attack_noise(kind: str, theta, mask, *, uniforms=None, X=None, direction=None) -> np.ndarray:
    """The additive label attack :math:`\\alpha_i\\xi_i` with :math:`|\\xi_i|\\le\\theta_*`
    (:prf:ref:`def-ch3-oracle`).

    ``mask`` holds the attack indicators :math:`\\alpha_i\\in\\{0,1\\}` (last axis = batch).

    * ``alternating``: :math:`\\xi_i = \\theta_*(-1)^{i}` (``-θ, +θ, -θ, …`` as in the public code);
      independent of :math:`x`, mean zero given :math:`x`;
    * ``uniform``: :math:`\\xi_i = \\theta_* u_i` with ``uniforms`` :math:`u_i\\sim U(-1,1)`;
    * ``correlated``: :math:`\\xi_i = \\theta_*\\,\\mathrm{sign}(c^\\top x_i)` for ``direction``
      :math:`c`: an adversary that correlates with the input (``X`` needed).

    ``theta``, ``uniforms`` and the input pattern of ``X`` are scalars or arrays broadcasting
    against ``mask`` (numpy rules) without enlarging it; the result has ``mask``'s shape.
    """
    check_choice(kind, "kind", ATTACKS)
    mask = as_float_array(mask, "mask", min_size=1)
    if mask.ndim == 0 or np.any((mask != 0) & (mask != 1)):
        raise ValueError(f"mask must be an array of 0/1 (or bool) attack indicators, got shape {mask.shape}")
    theta = as_float_array(theta, "theta")
    if np.any(theta < 0):
        raise ValueError("theta must be finite and >= 0")
    _check_broadcasts(theta.shape, mask.shape, "theta")
    if kind == "alternating":
        pattern = np.resize([-1.0, 1.0], mask.shape[-1])
    elif kind == "uniform":
        if uniforms is None:
            raise ValueError("uniforms must be given for kind='uniform'")
        pattern = as_float_array(uniforms, "uniforms")
        if np.any(np.abs(pattern) > 1):
            raise ValueError("uniforms must lie in [-1, 1] (the attack is bounded by theta)")
        _check_broadcasts(pattern.shape, mask.shape, "uniforms")
    else:
        if X is None or direction is None:
            raise ValueError("X and direction must be given for kind='correlated'")
        X = as_float_array(X, "X", ndim=(2, 3, 4))
        direction = as_float_array(direction, "direction", shape=(X.shape[-1],))
        pattern = np.sign(X @ direction)
        _check_broadcasts(pattern.shape, mask.shape, "X", "X.shape[:-1]")
    return mask * theta * pattern


def _check_broadcasts(shape: tuple, mask_shape: tuple, name: str, what: str | None = None) -> None:
    try:
        ok = np.broadcast_shapes(shape, mask_shape) == mask_shape
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(
            f"{what or name + '.shape'} {shape} must broadcast against mask's shape "
            f"{mask_shape} without enlarging it"
        )


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
    max_work: float = MAX_WORK,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Train on a fixed data set, mini-batches drawn uniformly with replacement.

    Returns ``(w, train_mse, test_mse)``, the curves recorded every ``record_every`` steps
    (``test_mse`` is empty without test data). ``algorithm`` is ``tron`` (:func:`tron_step`),
    ``sgd`` or ``sgd_first_sample`` (:func:`sgd_step`). A run whose work
    (``n_iter b k r n`` plus the recorded evaluations) exceeds ``max_work`` is refused before
    it starts.
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
    max_work = check_limit(max_work, "max_work")
    evals = (n_iter // record_every + 1) * (X.shape[0] + (X_test.shape[0] if has_test else 0))
    check_size((n_iter * b + evals) * net.k * net.r * net.n, max_work,
               "the work n_iter * b * k * r * n", "a larger max_work")
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
