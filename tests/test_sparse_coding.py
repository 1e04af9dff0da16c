"""Tests of dlmath.sparse_coding: coherence, sparsity statistics, the analytic gradient against
autograd, the support-recovery lemma, estimator coverage on a case with a known answer, the
MATLAB-protocol gradient against a per-sample loop, and bad inputs."""

import numpy as np
import pytest
import torch

from dlmath import sparse_coding as sc


def test_coherence_by_hand_and_exponent():
    A = np.array([[1.0, 0.0, 0.6], [0.0, 1.0, 0.8]])
    assert sc.coherence(A) == pytest.approx(0.8)
    assert sc.incoherence_exponent(A) == pytest.approx(-np.log(0.8) / np.log(3))
    assert sc.coherence(2 * A) == pytest.approx(0.8)  # columns are normalised first
    assert sc.sparsity_limit(0.9) == pytest.approx(1 / 3)
    assert sc.sparsity_limit(0.2) == pytest.approx(0.1)


def test_dictionary_columns_and_orthogonal_rows():
    rng = np.random.default_rng(0)
    A = sc.make_dictionary(20, 50, rng)
    np.testing.assert_allclose(np.linalg.norm(A, axis=0), 1.0)
    B = sc.make_dictionary(20, 50, rng, orthogonalize_rows=True)
    np.testing.assert_allclose(np.linalg.norm(B, axis=0), 1.0)
    # Gaussian columns: coherence concentrates near sqrt(2 log(h^2) / n), well below 1
    assert 0.3 < sc.coherence(A) < 0.95


def test_support_size_law_mean_is_h_to_the_p():
    sizes, probs = sc.support_size_law(300, p=0.3)
    assert np.sum(sizes * probs) == pytest.approx(300**0.3)
    assert set(sizes) == {5, 6}


def test_sparsity_statistics_match_the_law():
    rng = np.random.default_rng(1)
    h, N = 40, 40_000
    c = sc.sample_codes(h, N, rng, p=0.5, low=1.0, high=3.0)
    M = c.mask()
    q = M.mean(0)
    # q_i = h^(p-1) for every coordinate (binomial standard error ~ 0.0016)
    assert np.abs(q - h**-0.5).max() < 0.01
    # q_ij = E[K(K-1)] / (h(h-1))
    sizes, probs = sc.support_size_law(h, p=0.5)
    qij = np.sum(probs * sizes * (sizes - 1)) / (h * (h - 1))
    assert abs((M[:, 0] & M[:, 1]).mean() - qij) < 0.004
    vals = c.value[c.value != 0]
    assert vals.min() >= 1.0 and vals.max() <= 3.0
    assert abs(vals.mean() - 2.0) < 0.01
    np.testing.assert_array_equal(c.sizes(), M.sum(1))
    # distinct indices in each support
    s = np.sort(c.index, axis=1)
    assert not np.any(s[:, 1:] == s[:, :-1])


def test_forced_and_excluded_strata_reproduce_the_unconditional_law():
    rng = np.random.default_rng(2)
    h, p, N = 30, 0.6, 30_000
    cin = sc.sample_codes(h, N, rng, p=p, force=3)
    cout = sc.sample_codes(h, N, rng, p=p, exclude=3)
    assert cin.mask()[:, 3].all() and not cout.mask()[:, 3].any()
    q = h ** (p - 1)
    # mixing the strata with weights q, 1-q gives back E K = h^p (size-biased forcing)
    mixed = q * cin.sizes().mean() + (1 - q) * cout.sizes().mean()
    assert abs(mixed - h**p) < 0.02
    # forcing is size-biased: E[K | i in S] = E[K^2] / E[K] (0.027 above E K here; s.e. 0.003)
    sizes, probs = sc.support_size_law(h, p=p)
    biased = np.sum(probs * sizes**2) / np.sum(probs * sizes)
    assert abs(cin.sizes().mean() - biased) < 0.01
    assert abs(cout.sizes().mean() - h**p) < 0.01


def test_encode_equals_dense_product():
    rng = np.random.default_rng(3)
    A = sc.make_dictionary(8, 16, rng)
    c = sc.sample_codes(16, 10, rng, k=3)
    np.testing.assert_allclose(sc.encode(A, c), c.dense() @ A.T)


def test_gradient_formula_against_autograd():
    rng = np.random.default_rng(4)
    A = sc.make_dictionary(10, 25, rng)
    W = sc.perturb_rows(A, 0.4, rng)
    Y = sc.encode(A, sc.sample_codes(25, 60, rng, k=3))
    eps = rng.uniform(0.0, 0.3, size=25)
    model = sc.TiedAutoencoder(W, eps)
    loss = model.loss(torch.tensor(Y))
    loss.backward()
    assert loss.item() == pytest.approx(sc.ae_loss(W, Y, eps), rel=1e-12)
    np.testing.assert_allclose(model.W.grad.numpy(), sc.ae_gradient(W, Y, eps), atol=1e-12)
    # and against central finite differences of the numpy loss in one entry
    E = np.zeros_like(W)
    E[2, 3] = 1e-6
    fd = (sc.ae_loss(W + E, Y, eps) - sc.ae_loss(W - E, Y, eps)) / 2e-6
    assert fd == pytest.approx(sc.ae_gradient(W, Y, eps)[2, 3], rel=1e-5, abs=1e-9)
    np.testing.assert_allclose(sc.ae_forward(W, Y, eps), model(torch.tensor(Y)).detach().numpy())


def test_deterministic_lemma_gives_exact_recovery():
    rng = np.random.default_rng(5)
    A = sc.make_dictionary(400, 500, rng, orthogonalize_rows=True)
    mu, delta, k = sc.coherence(A), 0.01, 1
    assert sc.deterministic_condition(mu, delta, k, 1.0, 1.2)
    W = sc.perturb_rows(A, delta, rng)
    eps = sc.bias_rule(mu, delta, k, 1.2)
    r = sc.support_recovery(W, A, sc.sample_codes(500, 3000, rng, k=k, low=1.0, high=1.2), eps)
    assert r.successes[0] == r.n
    # a bias of zero switches on roughly half of the off-support units: recovery fails
    r0 = sc.support_recovery(W, A, sc.sample_codes(500, 200, rng, k=k), 0.0)
    assert r0.successes[0] == 0


def test_support_recovery_matches_dense_computation():
    rng = np.random.default_rng(6)
    As = np.stack([sc.make_dictionary(12, 30, rng) for _ in range(3)])
    Ws = np.stack([sc.perturb_rows(A, 0.2, rng) for A in As])
    for N in (500, 20):  # more samples than units (via W A*) and fewer (via y directly)
        codes = [sc.sample_codes(30, N, rng, p=0.4) for _ in range(3)]
        r = sc.support_recovery(Ws, As, codes, 0.5)
        for d in range(3):
            Y = sc.encode(As[d], codes[d])
            act = (Y @ Ws[d].T - 0.5) > 0
            truth = codes[d].mask()
            assert r.successes[d] == np.all(act == truth, axis=1).sum()
            assert r.false_positives[d] == pytest.approx((act & ~truth).sum() / N)
            assert r.false_negatives[d] == pytest.approx((~act & truth).sum() / N)


def test_expected_gradient_covers_the_exact_value():
    """h = 6, k = 2: the support law has 15 equally likely supports and values are fixed
    (low = high), so E grad is an exact finite average; the 2-nu interval must cover it."""
    rng = np.random.default_rng(7)
    h, n = 6, 4
    A = sc.make_dictionary(n, h, rng)
    W = sc.perturb_rows(A, 0.3, rng)
    eps = 0.1
    from itertools import combinations

    exact = np.zeros((h, n))
    for S in combinations(range(h), 2):
        x = np.zeros(h)
        x[list(S)] = 1.5
        exact += sc.ae_gradient(W, (A @ x)[None], eps)
    exact /= 15
    covered, total = 0, 0
    for _rep in range(60):
        est = sc.expected_gradient(W, A, eps, [0, 3], n_samples=200, rng=rng, k=2,
                                   low=1.5, high=1.5)
        err = np.linalg.norm(est.mean - exact[[0, 3]], axis=1)
        covered += int(np.sum(err <= 2 * est.floor))
        total += 2
    assert covered / total >= 0.9
    assert est.q == pytest.approx(2 / 6)
    # the estimate is not trivially wide: its floor is far below the gradient's size
    assert np.all(est.floor < 0.2 * np.linalg.norm(exact[[0, 3]], axis=1))


def test_loss_along_directions_matches_ae_loss():
    rng = np.random.default_rng(8)
    A = sc.make_dictionary(6, 12, rng)
    Y = sc.encode(A, sc.sample_codes(12, 40, rng, k=2))
    D = rng.standard_normal((2, 12, 6))
    L = sc.loss_along_directions(A.T, Y, 0.1, D, np.array([-0.5, 0.0, 0.3]))
    assert L[1, 2] == pytest.approx(sc.ae_loss(A.T + 0.3 * D[1], Y, 0.1))
    assert L[0, 1] == pytest.approx(sc.ae_loss(A.T, Y, 0.1))


def test_column_errors_and_matching():
    rng = np.random.default_rng(9)
    A = sc.make_dictionary(5, 8, rng)
    assert np.allclose(sc.column_errors(3 * A.T, A), 0.0)
    assert np.allclose(sc.column_errors(A.T - 2 * A.T, A, normalize=False), 2.0)
    perm = rng.permutation(8)
    D = -A[:, perm] * 2.0
    np.testing.assert_allclose(sc.match_atoms(A, D), 0.0, atol=1e-7)


def test_training_decreases_loss_and_gd_matches_manual_step():
    rng = np.random.default_rng(10)
    A = sc.make_dictionary(8, 16, rng)
    Y = sc.encode(A, sc.sample_codes(16, 100, rng, k=2))
    W0 = sc.perturb_rows(A, 0.5, rng)
    hist = sc.train_tied(W0, Y, 0.05, method="gd", lr=0.1, n_iter=1, A=A)
    np.testing.assert_allclose(hist.W, W0 - 0.1 * sc.ae_gradient(W0, Y, 0.05), atol=1e-12)
    hist = sc.train_tied(W0, Y, 0.05, method="adam", lr=0.01, n_iter=50, A=A)
    assert hist.loss[-1] < hist.loss[0]
    assert len(hist.max_error) == 51


def test_protocol_gradient_against_per_sample_loop():
    s = sc.ProtocolSettings(n=6, h=10, S=3, n_train=20, n_test=5, tilde_rows=2)
    rng = np.random.default_rng(11)
    d = sc.protocol_data(s, rng)
    W, Y = d["W0"], d["Y"]
    G = sc.protocol_gradient(W, Y, s, d["mu"])
    C = (1 - s.delta_loss) ** 2
    lam1 = C * s.h * s.S + s.S * C
    eps = s.eps_c * abs(s.m1) * s.S * (s.delta_loss + d["mu"])
    for i in range(s.S):
        ft = np.zeros(s.n)
        reg2 = np.zeros(s.n)
        for y in Y:  # the MATLAB loop, sample by sample
            term12 = (W[i] @ y - eps) * np.eye(s.n) + np.outer(W[i], y)
            tjh = sum((W[j] @ y - eps) * W[j] for j in range(s.h)) - C * s.h * y
            ft += term12 @ tjh
            Wt = np.zeros_like(W)
            Wt[:2] = W[:2]
            reg2 += s.lambda2 * (np.linalg.norm(Wt @ y) ** 2 * W[i]
                                 + np.sum(W[:2] ** 2) * (W[i] @ y) * y)
        np.testing.assert_allclose(G[i], ft / len(Y) + lam1 * W[i] + reg2 / len(Y), atol=1e-12)
    assert np.all(G[s.S:] == 0)


def test_bad_inputs_are_named():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="h must exceed n"):
        sc.make_dictionary(10, 5, rng)
    with pytest.raises(TypeError, match="rng"):
        sc.make_dictionary(3, 5, 0)
    with pytest.raises(ValueError, match="exactly one of p"):
        sc.sample_codes(10, 5, rng)
    with pytest.raises(ValueError, match="p must be"):
        sc.sample_codes(10, 5, rng, p=1.5)
    with pytest.raises(ValueError, match="high must be >= low"):
        sc.sample_codes(10, 5, rng, k=2, low=2.0, high=1.0)
    with pytest.raises(ValueError, match="low must be"):
        sc.sample_codes(10, 5, rng, k=2, low=-1.0)
    with pytest.raises(ValueError, match="n_samples"):
        sc.sample_codes(10, 0, rng, k=2)
    with pytest.raises(ValueError, match="at most one of force"):
        sc.sample_codes(10, 5, rng, k=2, force=1, exclude=2)
    with pytest.raises(ValueError, match="limit"):
        sc.sample_codes(100_000, 3_000, rng, k=2).dense()
    with pytest.raises(ValueError, match="finite"):
        sc.coherence(np.array([[1.0, np.nan], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="zero column"):
        sc.coherence(np.array([[1.0, 0.0], [0.0, 0.0]]))
    with pytest.raises(ValueError, match="Y must have 3 columns"):
        sc.ae_loss(np.ones((4, 3)), np.ones((2, 2)), 0.1)
    with pytest.raises(ValueError, match="eps must be a scalar or have length"):
        sc.ae_gradient(np.ones((4, 3)), np.ones((2, 3)), np.ones(3))
    with pytest.raises(ValueError, match="rows must lie"):
        A = sc.make_dictionary(3, 5, rng)
        sc.expected_gradient(A.T, A, 0.1, [7], n_samples=10, rng=rng, k=1)
    with pytest.raises(ValueError, match="method must be one of"):
        sc.train_tied(np.ones((4, 3)), np.ones((2, 3)), 0.1, method="sgd", lr=0.1, n_iter=1)
    with pytest.raises(ValueError, match="D must have shape"):
        sc.match_atoms(np.ones((3, 4)), np.ones((3, 2)))
    A = sc.make_dictionary(3, 5, rng)
    with pytest.raises(ValueError, match="eps must be a scalar or have length h=5"):
        sc.support_recovery(A.T, A, sc.sample_codes(5, 4, rng, k=1), np.ones(3))
    with pytest.raises(ValueError, match="eps must be a scalar or have length h=5"):
        sc.expected_gradient(A.T, A, np.ones(2), [0], n_samples=4, rng=rng, k=1)
    with pytest.raises(TypeError, match="settings must be ProtocolSettings"):
        sc.run_protocol({"n": 3}, rng)
    with pytest.raises(TypeError, match="codes must be SparseCodes"):
        sc.encode(np.ones((3, 4)), np.ones((2, 4)))
