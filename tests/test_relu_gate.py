"""Tests of dlmath.relu_gate: update formulas on hand-made data, the symmetric-input identity,
oracle bounds, the batched sweep against the per-sample reference loop, and bad inputs."""

import numpy as np
import pytest

from dlmath import relu_gate as rg


@pytest.fixture
def small_net():
    return rg.make_depth2_net(6, 3, 4, np.random.default_rng(0))


def test_filters_construction(small_net):
    A = small_net.filters
    assert A.shape == (4, 3, 6)
    # A_j = M + c_j C with c = (-2, -1, 1, 2): mean is M and differences are multiples of C
    C = A[3] - A[2]
    np.testing.assert_allclose(A.mean(0), small_net.M)
    for j, c in enumerate([-2, -1, 1, 2]):
        np.testing.assert_allclose(A[j], small_net.M + c * C, atol=1e-12)
    assert np.linalg.matrix_rank(small_net.M) == 3


def test_gate_output_and_tron_step_by_hand():
    net = rg.relu_gate_net(2)
    w = np.array([1.0, -1.0])
    X = np.array([[2.0, 1.0], [1.0, 3.0]])  # w.x = 1, -2
    np.testing.assert_allclose(rg.net_output(net, w, X), [1.0, 0.0])
    y = np.array([3.0, 1.0])  # residuals 2, 1
    # w + eta/b * (2*x1 + 1*x2) = w + 0.5/2 * (5, 5)
    np.testing.assert_allclose(rg.tron_step(net, w, X, y, 0.5), [2.25, 0.25])
    # SGD: only the active sample 1 contributes: w + 0.5/2 * 2 * x1
    np.testing.assert_allclose(rg.sgd_step(net, w, X, y, 0.5), [2.0, -0.5])
    # the public code's variant uses sample 1's derivative for both residuals: (2+1) * x1
    np.testing.assert_allclose(rg.sgd_step(net, w, X, y, 0.5, first_sample_bug=True), [2.5, -0.25])


def test_depth2_output_gradient_and_steps(small_net):
    rng = np.random.default_rng(1)
    w, X, y = rng.standard_normal(3), rng.standard_normal((5, 6)), rng.standard_normal(5)
    A, q, k = small_net.filters, small_net.q, small_net.k
    f = np.array([sum(max(0.0, w @ A[j] @ x) for j in range(k)) * q / k for x in X])
    np.testing.assert_allclose(rg.net_output(small_net, w, X), f)
    G = rg.net_gradient(small_net, w, X)
    eps = 1e-6  # central differences (no sample sits at a kink for this seed)
    for i in range(3):
        e = np.zeros(3)
        e[i] = eps
        num = (rg.net_output(small_net, w + e, X) - rg.net_output(small_net, w - e, X)) / (2 * eps)
        np.testing.assert_allclose(G[:, i], num, atol=1e-6)
    tron = w + 0.1 * small_net.M @ ((y - f) @ X) / 5
    np.testing.assert_allclose(rg.tron_step(small_net, w, X, y, 0.1), tron)
    np.testing.assert_allclose(rg.sgd_step(small_net, w, X, y, 0.1), w + 0.1 * (y - f) @ G / 5)


@pytest.mark.parametrize(
    "dist,kw", [("normal", {}), ("laplace", {}), ("student_t", {"df": 6.0}), ("mixture", {"shift": 1.5})]
)
def test_expected_update_identity_monte_carlo(dist, kw):
    """E[(sigma(w*.x) - sigma(w.x)) x] = Sigma (w* - w) / 2 for symmetric inputs (our derivation)."""
    n, N = 4, 400_000
    rng = np.random.default_rng(2)
    net = rg.relu_gate_net(n)
    w, w_star = rng.standard_normal(n), rng.standard_normal(n)
    X = rg.sample_inputs(dist, (N, n), rng, **kw)
    terms = (rg.net_output(net, w_star, X) - rg.net_output(net, w, X))[:, None] * X
    mc, se = terms.mean(0), terms.std(0) / np.sqrt(N)
    m = rg.input_moments(dist, n, **kw)
    exact = rg.expected_tron_direction(net, w, w_star, m.variance * np.eye(n))
    np.testing.assert_allclose(mc, exact, atol=5 * se.max())
    # the empirical covariance matches the exact moments too
    np.testing.assert_allclose(np.mean(X**2), m.variance, rtol=0.02)


def test_input_moments_values():
    m = rg.input_moments("normal", 3, scale=2.0)
    assert (m.variance, m.fourth, m.kappa) == (4.0, 48.0, 48.0 + 2 * 16.0)
    assert rg.input_moments("laplace", 1, scale=1.0).fourth == 24.0
    assert rg.input_moments("student_t", 2, df=4.0).kappa == np.inf
    assert rg.input_moments("mixture", 1, shift=1.0, scale=1.0).variance == 2.0


def test_contraction_factor_and_best_step():
    m = rg.input_moments("normal", 10)
    rho2 = rg.contraction_factor(m, 0.2, 4)
    assert rho2 == pytest.approx(1 - 0.2 + 0.04 * (m.kappa / 8 + 0.75 / 4))
    eta, best = rg.best_step_size(m, 4)
    assert rg.contraction_factor(m, eta, 4) == pytest.approx(best)
    assert best < rg.contraction_factor(m, 1.1 * eta, 4)
    assert best < rg.contraction_factor(m, 0.9 * eta, 4)


def test_attack_noise_bounds_and_kinds():
    rng = np.random.default_rng(3)
    mask = rng.random((50, 16)) < 0.3
    X = rng.standard_normal((50, 16, 4))
    for kind in rg.ATTACKS:
        xi = rg.attack_noise(kind, 0.7, mask, uniforms=rng.uniform(-1, 1, mask.shape), X=X,
                             direction=np.ones(4))  # fmt: skip
        assert np.all(np.abs(xi) <= 0.7 + 1e-15)
        assert np.all(xi[~mask] == 0)
    alt = rg.attack_noise("alternating", 1.0, np.ones(5))
    np.testing.assert_array_equal(alt, [-1, 1, -1, 1, -1])
    corr = rg.attack_noise("correlated", 2.0, np.ones(16), X=X[0], direction=np.ones(4))
    np.testing.assert_array_equal(corr, 2.0 * np.sign(X[0].sum(1)))


@pytest.mark.parametrize("independent", [False, True])
@pytest.mark.parametrize("attack", rg.ATTACKS)
def test_sweep_matches_reference_loop(small_net, independent, attack):
    kw = dict(
        n_iter=300, b=4, eta=2e-3, betas=[0.0, 0.5, 0.9], thetas=[0.0, 0.5, 1.0],
        algorithms=rg.ALGORITHMS, attack=attack, independent=independent,
        direction=np.arange(6.0), record_every=70, seed=5,
    )  # fmt: skip
    w_star = np.array([0.5, -1.0, 2.0])
    fast = rg.simulate_grid(small_net, w_star, **kw)
    slow = rg.simulate_grid(small_net, w_star, implementation="loop", **kw)
    np.testing.assert_array_equal(fast.iterations, [0, 70, 140, 210, 280, 300])
    np.testing.assert_allclose(fast.errors, slow.errors, rtol=1e-9)
    np.testing.assert_allclose(fast.w_final, slow.w_final, rtol=1e-9)
    assert not np.allclose(fast.curve("sgd", 1), fast.curve("sgd_first_sample", 1))


@pytest.mark.parametrize("independent", [False, True])
@pytest.mark.parametrize("attack", ["alternating", "correlated"])
def test_gaussian_inputs_in_the_filters_span(independent, attack):
    """n = 10 > 2r: Gaussian inputs are drawn in the span the filters read (m = 6, or 7 with the
    attack's direction); A_j x and c^T x are unchanged by that projection, and the batched
    simulator still matches the loop reading the same coordinates."""
    from dlmath.relu_gate._simulate import _grid_spec
    from dlmath.relu_gate._stream import input_basis

    net = rg.make_depth2_net(10, 3, 4, np.random.default_rng(1))
    direction = np.arange(10.0)
    kw = dict(n_iter=120, b=4, eta=2e-3, betas=[0.0, 0.5], thetas=[0.0, 1.0],
              algorithms=rg.ALGORITHMS, attack=attack, independent=independent,
              direction=direction, record_every=40, seed=3)  # fmt: skip
    spec = _grid_spec(net, np.ones(3), dist="normal", dist_kw={"scale": 1.0}, w0=None,
                      **{k: v for k, v in kw.items() if k != "direction"},
                      direction=direction if attack == "correlated" else None)  # fmt: skip
    Q = input_basis(spec)
    assert Q.shape == (10, 7 if attack == "correlated" else 6)
    np.testing.assert_allclose(net.filters @ Q @ Q.T, net.filters, atol=1e-12)
    if attack == "correlated":
        np.testing.assert_allclose(Q @ (Q.T @ direction), direction, atol=1e-12)
    w_star = np.array([0.5, -1.0, 2.0])
    fast = rg.simulate_grid(net, w_star, **kw)
    slow = rg.simulate_grid(net, w_star, implementation="loop", **kw)
    np.testing.assert_allclose(fast.errors, slow.errors, rtol=1e-9)


def test_sweep_equals_repeated_steps():
    """A one-setting, no-attack sweep is tron_step applied to the stream's batches."""
    net = rg.relu_gate_net(3)
    w_star = np.array([1.0, -0.5, 0.25])
    res = rg.simulate_grid(net, w_star, n_iter=20, b=5, eta=0.3, algorithms="tron", seed=9)
    from dlmath.relu_gate._stream import normal_f32  # the stream's Gaussian draws

    # its first chunk: 256 iterations of inputs, drawn before the attack uniforms
    X = normal_f32(np.random.Generator(np.random.SFC64(9)), (256, 1, 5, 3))
    w = np.ones(3)
    for t in range(20):
        w = rg.tron_step(net, w, X[t, 0], rg.net_output(net, w_star, X[t, 0]), 0.3)
    np.testing.assert_allclose(res.w_final[0, 0], w, rtol=1e-12)


def test_gate_tron_converges_geometrically():
    net = rg.relu_gate_net(8)
    w_star = np.random.default_rng(4).standard_normal(8)
    res = rg.simulate_grid(net, w_star, n_iter=400, b=8, eta=0.25, algorithms=("tron", "sgd"))
    assert res.curve("tron")[-1] < 1e-10 and res.curve("sgd")[-1] < 1e-10


def test_poisoning_floor_monotone_and_predicted():
    net = rg.make_depth2_net(20, 5, 4, np.random.default_rng(1))
    w_star = np.random.default_rng(2).standard_normal(5)
    thetas = [0.0, 0.25, 1.0]
    res = rg.simulate_grid(net, w_star, n_iter=6000, b=8, eta=4e-3, betas=0.5, thetas=thetas,
                   algorithms="tron", record_every=20)  # fmt: skip
    floor = np.sqrt(np.mean(res.errors[0, :, -150:] ** 2, axis=-1))
    assert floor[0] < 1e-10 < floor[1] < floor[2]
    pred = rg.poisoning_floor(4e-3, 0.5, 1.0, 5, 8)
    assert 0.6 < floor[2] / pred < 1.4


def test_noisy_gd_radius_and_runs():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 3)) / 3
    y = np.maximum(X @ np.ones(3), 0)
    w0 = np.zeros(3)
    R = rg.noisy_gd_radius(X, y, w0, eta=0.1, beta_inv=100.0, n_iter=200, delta=0.1)
    C = 3 * np.mean(y**2) + 2 * 3 / 100.0
    assert R == pytest.approx(np.sqrt(0.1 * 200 * C / 0.1))
    out = rg.noisy_gd(X, y, w0, eta=0.1, beta_inv=100.0, n_iter=200, n_runs=20)
    norms = out.norms
    assert norms.shape == (20, 201) and norms[:, 0].max() == 0.0
    np.testing.assert_allclose(norms[:, -1], np.linalg.norm(out.w_final, axis=1))
    assert np.mean(norms.max(axis=1) >= R) <= 0.1
    with pytest.raises(ValueError, match="eta"):
        rg.noisy_gd_radius(X * 100, y, w0, eta=0.1, beta_inv=1.0, n_iter=10, delta=0.1)


def test_correlated_bias_gate_formula():
    net = rg.relu_gate_net(3)
    c = np.array([1.0, 0.0, 0.0])
    m = np.sqrt(2 / np.pi) * c  # E[sign(x1) x] for N(0, I)
    bias = rg.correlated_bias(net, np.eye(3), 0.5, 0.2, m)
    np.testing.assert_allclose(bias, 2 * 0.5 * 0.2 * m)


def test_seed_and_generator_are_one_way_of_randomness():
    """An int seed and default_rng(seed) give the same draws wherever randomness enters."""
    a = rg.make_depth2_net(4, 2, 2, 3)
    b = rg.make_depth2_net(4, 2, 2, np.random.default_rng(3))
    np.testing.assert_array_equal(a.filters, b.filters)
    np.testing.assert_array_equal(rg.sample_inputs("laplace", 5, 7),
                                  rg.sample_inputs("laplace", 5, np.random.default_rng(7)))
    X = np.abs(rg.sample_inputs("normal", (20, 3), 1))
    y = X.sum(1)
    r1 = rg.noisy_gd(X, y, np.zeros(3), eta=0.01, beta_inv=10.0, n_iter=5, n_runs=2, seed=4)
    r2 = rg.noisy_gd(X, y, np.zeros(3), eta=0.01, beta_inv=10.0, n_iter=5, n_runs=2,
                     seed=np.random.default_rng(4))
    np.testing.assert_array_equal(r1.norms, r2.norms)


def test_fit_tron_decreases_training_error():
    rng = np.random.default_rng(0)
    net = rg.make_depth2_net(5, 3, 2, rng)
    X = rng.standard_normal((200, 5))
    y = rg.net_output(net, rng.standard_normal(3), X)
    _, train, test = rg.fit_tron(net, X[:150], y[:150], eta=0.01, b=10, n_iter=500,
                                 X_test=X[150:], y_test=y[150:])  # fmt: skip
    assert train[-1] < 0.01 * train[0] and test[-1] < 0.01 * test[0]


@pytest.mark.parametrize(
    "call,exc,match",
    [
        (lambda n: rg.make_depth2_net(5, 3, 3, np.random.default_rng(0)), ValueError, "k must be even"),
        (lambda n: rg.make_depth2_net(5, 6, 2, np.random.default_rng(0)), ValueError, "r must be"),
        (lambda n: rg.sample_inputs("cauchy", 3, np.random.default_rng(0)), ValueError, "dist"),
        (lambda n: rg.sample_inputs("normal", 3, None), TypeError, "rng"),
        (lambda n: rg.sample_inputs("normal", 3, -1), ValueError, "rng"),
        (lambda n: rg.net_output(n, np.ones(4), np.ones((2, 6))), ValueError, "w must"),
        (lambda n: rg.net_output(n, np.ones(3), np.ones((2, 5))), ValueError, "X must"),
        (lambda n: rg.net_output("net", np.ones(3), np.ones((2, 6))), TypeError, "net"),
        (lambda n: rg.tron_step(n, np.ones(3), np.ones((2, 6)), np.ones(3), 0.1), ValueError, "y must"),
        (lambda n: rg.tron_step(n, np.ones(3), np.ones((2, 6)), np.ones(2), -1.0), ValueError, "eta"),
        (lambda n: rg.simulate_grid(n, np.ones(3), n_iter=5, b=2, eta=0.1, betas=1.5), ValueError, "betas"),
        (lambda n: rg.simulate_grid(n, np.ones(3), n_iter=5, b=2, eta=0.1, thetas=-1.0), ValueError,
         "thetas"),
        (lambda n: rg.simulate_grid(n, np.ones(3), n_iter=5, b=2, eta=0.1, betas=[0, 0.1], thetas=[0, 1, 2]),
         ValueError, "equal lengths"),
        (lambda n: rg.simulate_grid(n, np.ones(3), n_iter=5, b=2, eta=0.1, algorithms="adam"), ValueError,
         "algorithms"),
        (lambda n: rg.simulate_grid(n, np.ones(3), n_iter=5, b=2, eta=0.1, attack="correlated"), ValueError,
         "direction"),
        (lambda n: rg.simulate_grid(n, np.ones(2), n_iter=5, b=2, eta=0.1), ValueError, "w_star"),
        (lambda n: rg.simulate_grid(n, np.ones(3), n_iter=0, b=2, eta=0.1), ValueError, "n_iter"),
        (lambda n: rg.simulate_grid(n, np.ones(3), n_iter=5, b=2.0, eta=0.1), TypeError, "b must"),
        (lambda n: rg.attack_noise("uniform", 1.0, np.ones(3)), ValueError, "uniforms"),
        (lambda n: rg.attack_noise("alternating", -1.0, np.ones(3)), ValueError, "theta"),
        (lambda n: rg.attack_noise("alternating", "big", np.ones(3)), TypeError, "theta"),
        (lambda n: rg.make_depth2_net(4, 2, 2, 0.5), TypeError, "rng"),
        (lambda n: rg.fit_tron("net", np.ones((2, 6)), np.ones(2), eta=0.1, b=1, n_iter=1), TypeError,
         "net must be a DepthTwoNet"),
        (lambda n: rg.attack_noise("alternating", 1.0, 1.0), ValueError, "mask"),
        (lambda n: rg.attack_noise("alternating", 1.0, [0.0, 0.5]), ValueError, "mask"),
        (lambda n: rg.attack_noise("uniform", 1.0, np.ones(2), uniforms=[0.5, 2.0]), ValueError, "uniforms"),
        (lambda n: rg.attack_noise("correlated", 1.0, np.ones(2), X=np.ones((2, 3)), direction=np.ones(2)),
         ValueError, "direction"),
        (lambda n: rg.attack_noise("correlated", 1.0, np.ones(2), X=np.ones(3), direction=np.ones(3)),
         ValueError, "X must"),
        (lambda n: rg.contraction_factor("m", 0.1, 2), TypeError, "moments"),
        (lambda n: rg.poisoning_floor(0.1, 2.0, 1.0, 3, 4), ValueError, "beta"),
        (lambda n: rg.simulate_grid(n, np.ones(3), n_iter=5, b=2, eta=0.1, implementation="gpu"), ValueError,
         "implementation"),
        (lambda n: rg.noisy_gd(np.ones((3, 2)), np.ones(2), np.zeros(2), eta=0.1, beta_inv=1.0, n_iter=2,
                               n_runs=2), ValueError, "y must"),
        (lambda n: rg.noisy_gd_radius(np.ones((3, 2)), -np.ones(3), np.zeros(2), eta=0.1, beta_inv=1.0,
                                      n_iter=2, delta=0.1), ValueError, "nonnegative"),
    ],
)  # fmt: skip
def test_bad_inputs(small_net, call, exc, match):
    with pytest.raises(exc, match=match):
        call(small_net)


def test_sweep_result_summaries_and_bad_arguments():
    errors = np.array([[[8.0, 4.0, 1.0, 4.0]], [[1.0, 1.0, 3.0, 4.0]]])  # (algorithms, settings, points)
    res = rg.GridResult(errors, np.arange(4), ("tron", "sgd"), np.zeros(1), np.zeros(1), np.zeros((2, 1, 3)))
    np.testing.assert_array_equal(res.curve("sgd", 0), [1.0, 1.0, 3.0, 4.0])
    assert res.final("tron", 2)[0] == pytest.approx(2.0)  # sqrt(1 * 4)
    assert res.plateau("sgd", 0.5)[0] == pytest.approx(np.sqrt((9 + 16) / 2))
    with pytest.raises(ValueError, match="last"):
        res.final("tron", 0)  # errors[..., -0:] would be every point
    with pytest.raises(ValueError, match="algorithm"):
        res.curve("adam")
    with pytest.raises(ValueError, match="setting"):
        res.curve("tron", 1)
