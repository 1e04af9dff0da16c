"""The random numbers of Chapter 3's simulator: the Box-Muller draws of ``normal_f32`` (law,
bound, the uniforms they are made of) and the independent streams with per-setting truths."""

import numpy as np
import pytest
from scipy import stats

from dlmath import relu_gate as rg
from dlmath.relu_gate._stream import NORMAL_F32_MAX, normal_f32

N = 1_000_000


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.Generator(np.random.SFC64(seed))


@pytest.fixture(scope="module")
def draws() -> np.ndarray:
    return normal_f32(_rng(11), (N,))


def test_made_of_the_generators_float32_uniforms():
    """The draws are the Box-Muller transform (here in float64) of ``rng.random((2, h),
    dtype=float32)``: cosines first, then sines; a wrong bit order, scale or pairing fails."""
    shape = (3, 5, 7)  # odd size: the last sine draw is cut
    g = normal_f32(_rng(4), shape)
    half = (105 + 1) // 2
    u, v = _rng(4).random((2, half), dtype=np.float32).astype(np.float64)
    rho = np.sqrt(-2.0 * np.log(1.0 - u))
    ref = np.concatenate([rho * np.cos(2 * np.pi * v), rho * np.sin(2 * np.pi * v)])[:105]
    assert g.shape == shape and g.dtype == np.float64
    np.testing.assert_allclose(g.ravel(), ref, rtol=0, atol=5e-6)


def test_standard_normal_law(draws):
    """Moments within 4 standard errors and a Kolmogorov-Smirnov test (a scale off by 1%,
    or the sine and cosine halves swapped for two cosines, fails)."""
    se = 1 / np.sqrt(N)
    assert abs(draws.mean()) < 4 * se
    assert abs(draws.var() - 1) < 4 * np.sqrt(2) * se
    assert abs(stats.kurtosis(draws, fisher=False) - 3) < 4 * np.sqrt(96) * se
    assert abs(stats.skew(draws)) < 4 * np.sqrt(6) * se
    assert stats.kstest(draws, "norm").pvalue > 1e-3
    # the two halves are independent, and each pair's squared radius is exponential, mean 2
    cos_half, sin_half = draws[: N // 2], draws[N // 2 :]
    assert abs(np.corrcoef(cos_half, sin_half)[0, 1]) < 4 * np.sqrt(2) * se
    assert abs(np.corrcoef(cos_half**2, sin_half**2)[0, 1]) < 4 * np.sqrt(2) * se
    assert stats.kstest(cos_half**2 + sin_half**2, "expon", args=(0, 2)).pvalue > 1e-3


def test_bounded_and_exact_in_float32(draws):
    assert NORMAL_F32_MAX == pytest.approx(np.sqrt(-2 * np.log(2.0**-24)), rel=1e-15)
    assert np.abs(draws).max() <= NORMAL_F32_MAX * (1 + 1e-6)
    np.testing.assert_array_equal(draws.astype(np.float32).astype(np.float64), draws)
    assert np.isfinite(draws).all()


def test_deterministic_per_seed():
    np.testing.assert_array_equal(normal_f32(_rng(3), (50,)), normal_f32(_rng(3), (50,)))
    assert not np.allclose(normal_f32(_rng(3), (50,)), normal_f32(_rng(4), (50,)))
    assert normal_f32(_rng(3), (0,)).shape == (0,)


def test_independent_streams_with_a_truth_per_setting():
    """Independent streams with several distinct truths (one repeated): the batched simulator
    still equals the per-setting loop reading the same numbers."""
    net = rg.make_depth2_net(12, 3, 4, np.random.default_rng(2))
    w_star = np.array([[0.5, -1.0, 2.0], [1.0, 0.0, -1.0], [0.5, -1.0, 2.0]])
    kw = dict(n_iter=150, b=4, eta=2e-3, betas=[0.0, 0.5, 0.9], thetas=[0.0, 0.5, 1.0],
              algorithms=rg.ALGORITHMS, independent=True, record_every=50, seed=8)  # fmt: skip
    fast = rg.simulate_grid(net, w_star, **kw)
    slow = rg.simulate_grid(net, w_star, implementation="loop", **kw)
    np.testing.assert_allclose(fast.errors, slow.errors, rtol=1e-9)
    np.testing.assert_allclose(fast.w_final, slow.w_final, rtol=1e-9)
    # settings 0 and 2 share a truth, not data: their runs differ
    assert not np.allclose(fast.errors[:, 0], fast.errors[:, 2])


def test_reduced_gaussian_inputs_have_the_law_the_filters_see():
    """Gaussian inputs drawn in the filters' span (x = Q g, g from the stream): what the net reads
    of them, A_j x and M x, has the law of A_j x and M x for x ~ N(0, s^2 I_n). After whitening
    by s^2 A A^T the covariance is I within 5 standard errors per entry and a random projection is
    N(0, 1) by Kolmogorov-Smirnov (a stream that drops ``scale``, a basis missing a direction the
    filters read or non-unit draws fail)."""
    from dlmath.relu_gate._simulate import _grid_spec
    from dlmath.relu_gate._stream import input_basis, stream

    net = rg.make_depth2_net(30, 4, 4, np.random.default_rng(5))
    spec = _grid_spec(net, np.ones(4), n_iter=2000, b=8, eta=1e-3, betas=0.0, thetas=0.0,
                      algorithms="tron", attack="alternating", dist="normal",
                      dist_kw=dict(scale=3.0, df=4.0, shift=1.0), w0=None, direction=None,
                      independent=False, record_every=100, seed=21)  # fmt: skip
    Q = input_basis(spec)
    assert Q is not None and Q.shape == (30, 8)
    G = np.concatenate([X for X, _, _ in stream(spec, Q.shape[1])]).reshape(-1, 8)
    n_samples = G.shape[0]
    assert n_samples == 2000 * 8
    for A in (net.filters[0], net.filters[-1], net.M):
        L = np.linalg.cholesky(9.0 * A @ A.T)  # the covariance of A x, x ~ N(0, 9 I_30)
        Y = np.linalg.solve(L, A @ Q @ G.T).T  # whitened: N(0, I_4) if the law is right
        cov = Y.T @ Y / n_samples
        se = np.sqrt((1 + np.eye(4)) / n_samples)
        assert np.all(np.abs(cov - np.eye(4)) < 5 * se), cov.round(3)
        u = np.random.default_rng(1).standard_normal(4)
        assert stats.kstest(Y @ u / np.linalg.norm(u), "norm").pvalue > 1e-3
