"""Where SGD gets trapped (prop-ch3-trap) and the stationary bound of noisy GD: exact values,
independent recomputations and bad inputs."""

import numpy as np
import pytest

from dlmath import relu_gate as rg


@pytest.fixture
def net():
    return rg.make_depth2_net(12, 4, 6, np.random.default_rng(0))


def test_final_geometry_by_hand():
    W = np.array([[1.0, 0.0], [-2.0, 0.0], [np.nan, 1.0]])
    cos, ratio = rg.final_geometry(W, np.array([2.0, 0.0]))
    np.testing.assert_allclose(cos[:2], [1.0, -1.0])
    np.testing.assert_allclose(ratio[:2], [0.5, 1.0])
    assert np.isnan(cos[2]) and np.isnan(ratio[2])
    with pytest.raises(ValueError, match="w_star must have shape"):
        rg.final_geometry(W, np.ones(3))
    with pytest.raises(ValueError, match="W must have shape"):
        rg.final_geometry(np.ones(3), np.ones(3))


def test_classify_runs_labels_each_case():
    w_star = np.array([1.0, 0.0])
    W = np.array([[1.05, 0.0], [-0.8, 0.1], [np.inf, 0.0], [0.2, 1.0]])
    assert list(rg.classify_runs(W, w_star)) == ["converged", "trapped", "diverged", "undecided"]
    assert list(rg.classify_runs(W[:1], w_star, tol=0.01)) == ["undecided"]
    # a finite run on its way to overflow is diverged, not trapped, whatever its angle
    blown = np.array([[-5e3, 1.0], [3e3, 4e3], [-0.5, 0.0]])
    assert list(rg.classify_runs(blown, w_star)) == ["diverged", "diverged", "trapped"]
    assert list(rg.classify_runs(blown, w_star, blowup=1e4)) == ["trapped", "undecided", "trapped"]
    with pytest.raises(ValueError, match="blowup"):
        rg.classify_runs(W, w_star, blowup=0.5)
    with pytest.raises(ValueError, match="tol"):
        rg.classify_runs(W, w_star, tol=1.5)


def test_spurious_scale_gate_is_zero_and_net_is_the_ray_minimizer(net):
    X = rg.sample_inputs("laplace", (5000, 12), np.random.default_rng(1))
    gate = rg.relu_gate_net(12)
    assert rg.spurious_scale(gate, np.ones(12), X) == 0.0  # sigma(z) sigma(-z) = 0
    w_star = np.random.default_rng(2).standard_normal(4)
    c_star = rg.spurious_scale(net, w_star, X)
    assert 0 < c_star < 1
    # independent recomputation: a line search of the loss on the ray -c w*, over X and -X
    X_sym = np.vstack([X, -X])
    y = rg.net_output(net, w_star, X_sym)
    cs = np.linspace(0, 1, 2001)
    loss = np.array([np.mean((y - rg.net_output(net, -c * w_star, X_sym)) ** 2) for c in cs])
    assert abs(cs[int(np.argmin(loss))] - c_star) <= 5e-4
    # and there the loss is (1 - c*^2) times its value at w = 0 (prop-ch3-trap)
    at_c = np.mean((y - rg.net_output(net, -c_star * w_star, X_sym)) ** 2)
    assert at_c == pytest.approx((1 - c_star**2) * np.mean(y**2), rel=1e-9)


def test_spurious_scale_bad_inputs(net):
    with pytest.raises(ValueError, match="w_star must be 1-dimensional"):
        rg.spurious_scale(net, np.ones((2, 4)), np.ones((3, 12)))
    with pytest.raises(ValueError, match="undefined"):
        rg.spurious_scale(net, np.ones(4), np.zeros((3, 12)))


def test_track_iterates_matches_one_simulate_grid_call(net):
    w_star = np.random.default_rng(3).standard_normal((5, 4))
    tr = rg.track_iterates(net, w_star, algorithm="sgd", n_iter=40, every=40, b=4, eta=1e-3, seed=9)
    ref = rg.simulate_grid(net, w_star, n_iter=40, b=4, eta=1e-3, betas=np.zeros(5),
                           algorithms="sgd", independent=True, record_every=40, seed=9)
    np.testing.assert_array_equal(tr.W[:, -1], ref.w_final[0])
    np.testing.assert_array_equal(tr.W[:, 0], np.ones((5, 4)))
    tr = rg.track_iterates(net, w_star, algorithm="tron", n_iter=50, every=20, b=4, eta=1e-3)
    assert tr.W.shape == (5, 4, 4) and list(tr.iterations) == [0, 20, 40, 50]
    assert tr.cosine.shape == (5, 4) and tr.norm_ratio.shape == (5, 4)


def test_track_iterates_keeps_diverged_runs_nan(net):
    w_star = np.random.default_rng(4).standard_normal((3, 4))
    tr = rg.track_iterates(net, w_star, algorithm="sgd", n_iter=300, every=100, b=4, eta=50.0)
    assert np.all(np.isnan(tr.W[:, -1]))
    assert set(rg.classify_runs(tr.W[:, -1], w_star)) == {"diverged"}


def test_positive_curvature_exact_cases():
    X = np.array([[1.0], [2.0], [-3.0]])  # u = +1: (1 + 4) / 3, u = -1: 9 / 3
    assert rg.positive_curvature(X, n_starts=8) == pytest.approx(5 / 3)
    rng = np.random.default_rng(5)
    assert rg.positive_curvature(np.abs(rng.standard_normal((50, 3)))) == 0.0  # a half-space
    X = rng.standard_normal((100, 4))
    lam = rg.positive_curvature(X)
    U = rng.standard_normal((2000, 4))
    U /= np.linalg.norm(U, axis=1, keepdims=True)
    assert 0 < lam <= np.min(np.mean(np.maximum(U @ X.T, 0) ** 2, axis=1)) + 1e-12


def test_noisy_gd_stationary_bound_formula_and_errors():
    X = np.array([[1.0, 0.0], [0.0, 1.0]])
    y = np.array([1.0, 3.0])
    C = 3 * 5.0 + 2 * 2 / 4.0
    V = rg.noisy_gd_stationary_bound(X, y, np.zeros(2), beta_inv=4.0, lam_plus=0.5)
    assert V == pytest.approx(2 * C / 0.5)
    assert rg.noisy_gd_stationary_bound(X, y, 100 * np.ones(2), beta_inv=4.0, lam_plus=0.5) == 20000.0
    with pytest.raises(ValueError, match="nonnegative"):
        rg.noisy_gd_stationary_bound(X, -y, np.zeros(2), beta_inv=4.0, lam_plus=0.5)
    with pytest.raises(ValueError, match="lam_plus"):
        rg.noisy_gd_stationary_bound(X, y, np.zeros(2), beta_inv=4.0, lam_plus=0.0)
