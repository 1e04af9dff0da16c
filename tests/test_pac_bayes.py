"""Tests of dlmath.pac_bayes: kl and its inversion, the bounds, Gaussian KL, the margin bound."""

import math

import numpy as np
import pytest
import torch
from scipy.special import rel_entr

from dlmath import pac_bayes as pb


def _kl_ref(q, p):
    return rel_entr(q, p) + rel_entr(1 - q, 1 - p)


@pytest.mark.parametrize(("q", "p"), [(0.1, 0.3), (0.5, 0.5), (0.9, 0.2), (0.0, 0.4), (1.0, 0.7)])
def test_kl_bernoulli_matches_scipy(q, p):
    assert pb.kl_bernoulli(q, p) == pytest.approx(_kl_ref(q, p), abs=1e-14)


def test_kl_bernoulli_edge_values():
    assert pb.kl_bernoulli(0.0, 0.25) == pytest.approx(-math.log(0.75))
    assert pb.kl_bernoulli(1.0, 0.25) == pytest.approx(-math.log(0.25))
    assert pb.kl_bernoulli(0.3, 0.0) == math.inf
    assert pb.kl_bernoulli(0.3, 1.0) == math.inf
    assert pb.kl_bernoulli(0.0, 0.0) == 0.0


@pytest.mark.parametrize(("q", "c"), [(0.0, 0.01), (0.02, 0.05), (0.1, 0.3), (0.45, 0.002),
                                      (0.8, 1.0), (0.3, 0.0)])
def test_kl_inverse_upper_matches_brute_force(q, c):
    grid = np.linspace(0, 1, 400_001)
    ok = grid[(grid >= q) & (_kl_ref(q, np.clip(grid, 1e-300, 1 - 1e-16)) <= c)]
    brute = ok.max()
    got = pb.kl_inverse_upper(q, c)
    assert abs(got - brute) <= 2.5e-6
    assert pb.kl_bernoulli(q, got) <= c + 1e-12
    if got < 1 - 1e-6:
        assert pb.kl_bernoulli(q, got + 1e-6) > c  # nothing much larger is feasible


@pytest.mark.parametrize(("q", "c"), [(0.3, 0.05), (0.9, 0.2), (0.05, 0.01)])
def test_kl_inverse_lower_matches_brute_force(q, c):
    grid = np.linspace(0, 1, 400_001)
    ok = grid[(grid <= q) & (_kl_ref(q, np.clip(grid, 1e-300, 1 - 1e-16)) <= c)]
    assert abs(pb.kl_inverse_lower(q, c) - ok.min()) <= 2.5e-6


def test_kl_inverse_vectorized():
    q = np.array([0.0, 0.1, 0.5])
    got = pb.kl_inverse_upper(q, 0.1)
    assert got.shape == (3,)
    assert np.allclose(got, [pb.kl_inverse_upper(v, 0.1) for v in q])


def test_bounds_are_monotone():
    base = pb.kl_bound(0.05, 100.0, 5000, 0.05)
    assert pb.kl_bound(0.06, 100.0, 5000, 0.05) > base
    assert pb.kl_bound(0.05, 150.0, 5000, 0.05) > base
    assert pb.kl_bound(0.05, 100.0, 20000, 0.05) < base
    assert pb.kl_bound(0.05, 100.0, 5000, 0.01) > base
    assert 0.05 < base < 1


def test_mcallester_never_below_kl_bound():
    for emp in (0.0, 0.01, 0.2, 0.6):
        for kl in (0.0, 10.0, 1000.0):
            assert pb.mcallester_bound(emp, kl, 1000, 0.05) >= pb.kl_bound(emp, kl, 1000, 0.05) - 1e-12


def test_kl_bound_value_by_hand():
    # rhs = (KL + ln(2 sqrt(m)/delta)) / m, then invert
    rhs = (50 + math.log(2 * math.sqrt(4000) / 0.025)) / 4000
    assert pb.pac_bayes_rhs(50, 4000, 0.025) == pytest.approx(rhs)
    p = pb.kl_bound(0.1, 50, 4000, 0.025)
    assert pb.kl_bernoulli(0.1, p) == pytest.approx(rhs, rel=1e-9)
    assert pb.mcallester_bound(0.1, 50, 4000, 0.025) == pytest.approx(0.1 + math.sqrt(rhs / 2))


def test_mc_risk_upper_covers_at_its_level():
    rng = np.random.default_rng(0)
    p, n, delta, trials = 0.1, 200, 0.1, 3000
    means = rng.binomial(n, p, size=trials) / n
    violations = np.mean(pb.mc_risk_upper(means, n, delta) < p)
    assert violations <= delta / 2 + 0.01  # one-sided: at most delta/2 of the mass
    assert np.all(pb.mc_risk_upper(means, n, delta) >= means)
    assert pb.mc_risk_upper(0.1, 10_000, 0.1) < pb.mc_risk_upper(0.1, 100, 0.1)


def test_kl_certificate_chains_the_two_bounds():
    up = pb.mc_risk_upper(0.08, 500, 0.01)
    assert pb.kl_certificate(0.08, 500, 40.0, 3000, 0.025, 0.01) == pytest.approx(
        pb.kl_bound(up, 40.0, 3000, 0.025))


def test_gaussian_kl_matches_torch_distributions():
    g = torch.Generator().manual_seed(0)
    mq, mp = torch.randn(50, generator=g, dtype=torch.float64), torch.randn(50, generator=g,
                                                                             dtype=torch.float64)
    sq = torch.rand(50, generator=g, dtype=torch.float64) + 0.1
    sp = torch.rand(50, generator=g, dtype=torch.float64) + 0.1
    ref = torch.distributions.kl_divergence(torch.distributions.Normal(mq, sq),
                                            torch.distributions.Normal(mp, sp)).sum()
    assert float(pb.gaussian_kl(mq, sq, mp, sp)) == pytest.approx(float(ref), rel=1e-12)
    assert pb.gaussian_kl(mq.numpy(), sq.numpy(), mp.numpy(), sp.numpy()) == pytest.approx(
        float(ref), rel=1e-12)
    mvn = torch.distributions.kl_divergence(
        torch.distributions.MultivariateNormal(mq, torch.diag(sq**2)),
        torch.distributions.MultivariateNormal(mp, torch.diag(torch.full_like(sp, 0.7) ** 2)))
    assert float(pb.gaussian_kl(mq, sq, mp, 0.7)) == pytest.approx(float(mvn), rel=1e-9)


def test_gaussian_kl_isotropic_reduces_to_distance():
    w, w0 = np.arange(6.0), np.ones(6)
    assert pb.gaussian_kl(w, 0.3, w0, 0.3) == pytest.approx(np.sum((w - w0) ** 2) / (2 * 0.09))


def test_gaussian_kl_is_differentiable():
    mq = torch.zeros(3, requires_grad=True)
    kl = pb.gaussian_kl(mq, torch.ones(3), torch.ones(3), torch.ones(3))
    kl.backward()
    assert torch.allclose(mq.grad, -torch.ones(3))


def test_grid_and_snap():
    g = pb.std_grid(1e-3, 1e-1, 5)
    assert np.allclose(g, [1e-3, 10**-2.5, 1e-2, 10**-1.5, 1e-1])
    assert pb.snap_to_grid(0.012, g) == pytest.approx(1e-2)
    assert pb.snap_to_grid(5.0, g) == pytest.approx(1e-1)


def test_margin_loss_by_hand():
    logits = np.array([[2.0, 0.0], [0.0, 0.5], [1.0, 1.0], [3.0, -1.0]])
    y = np.array([0, 1, 0, 1])
    assert pb.margin_loss(logits, y, 0.0) == pytest.approx(0.5)  # tie and wrong count
    assert pb.margin_loss(logits, y, 1.0) == pytest.approx(0.75)  # margin 0.5 <= 1
    assert pb.margin_loss(logits, y, 3.0) == pytest.approx(1.0)


def test_perturbation_lemma_holds_on_random_nets():
    rng = np.random.default_rng(1)
    W = [rng.standard_normal((20, 10)) / 3, rng.standard_normal((15, 20)) / 4,
         rng.standard_normal((3, 15)) / 4]
    d, B = len(W), 2.0
    X = rng.standard_normal((500, 10))
    X *= B / np.linalg.norm(X, axis=1, keepdims=True)

    def f(ws, x):
        h = x
        for i, w in enumerate(ws):
            h = h @ w.T
            if i < len(ws) - 1:
                h = np.maximum(h, 0)
        return h

    for scale in (0.2, 1.0):
        U = []
        for w in W:
            u = rng.standard_normal(w.shape)
            U.append(u * scale * np.linalg.norm(w, 2) / (d * np.linalg.norm(u, 2)))
        bound = pb.perturbation_bound(W, U, B)
        gap = np.linalg.norm(f([w + u for w, u in zip(W, U, strict=True)], X) - f(W, X), axis=1).max()
        assert gap <= bound
    with pytest.raises(ValueError, match="needs"):
        pb.perturbation_bound(W, [2 * w for w in W], B)


def test_margin_bound_invariances_and_monotonicity():
    rng = np.random.default_rng(2)
    W = [rng.standard_normal((30, 12)), rng.standard_normal((2, 30))]
    kw = dict(margin_loss=0.1, B=3.0, gamma=1.0, m=5000)
    base = pb.spectral_margin_bound(W, **kw)
    rebal = pb.spectral_margin_bound([W[0] * 4, W[1] / 4], **kw)  # same function
    assert rebal.bound == pytest.approx(base.bound, rel=1e-10)
    scaled = pb.spectral_margin_bound([w * 2 for w in W], **{**kw, "gamma": 4.0})
    assert scaled.bound == pytest.approx(base.bound, rel=1e-10)
    assert pb.spectral_margin_bound(W, **{**kw, "m": 50000}).bound < base.bound
    assert pb.spectral_margin_bound(W, **{**kw, "gamma": 2.0}).bound < base.bound
    assert base.width == 30 and base.depth == 2
    assert base.prod_spectral_sq == pytest.approx(np.prod([np.linalg.norm(w, 2) ** 2 for w in W]))
    sigma = 1.0 / (42 * 3.0 * 2 * math.sqrt(base.prod_spectral_sq) ** 0.5
                   * math.sqrt(30 * math.log(8 * 30)))
    assert base.sigma == pytest.approx(sigma, rel=1e-10)


@pytest.mark.parametrize(("fn", "args", "exc"), [
    (pb.kl_bernoulli, (1.2, 0.5), ValueError),
    (pb.kl_bernoulli, (float("nan"), 0.5), ValueError),
    (pb.kl_inverse_upper, (0.1, -0.1), ValueError),
    (pb.kl_inverse_upper, ("a", 0.1), TypeError),
    (pb.kl_bound, (0.1, 10.0, 0, 0.05), ValueError),
    (pb.kl_bound, (0.1, 10.0, 100, 1.5), ValueError),
    (pb.kl_bound, (0.1, -1.0, 100, 0.05), ValueError),
    (pb.mc_risk_upper, (0.1, 0, 0.05), ValueError),
    (pb.gaussian_kl, (0.0, 0.0, 0.0, 1.0), ValueError),
    (pb.gaussian_kl, (torch.zeros(2), torch.zeros(2), torch.zeros(2), torch.ones(2)), ValueError),
    (pb.std_grid, (0.0, 1.0, 3), ValueError),
    (pb.margin_loss, (np.zeros((3, 2)), np.array([0, 1, 2]), 0.0), ValueError),
    (pb.margin_loss, (np.zeros((3, 2)), np.array([0, 1, 1]), -1.0), ValueError),
    (pb.spectral_margin_bound, ([np.ones((3, 4)), np.ones((2, 5))],), ValueError),
    (pb.spectral_margin_bound, ("W",), TypeError),
])
def test_bad_inputs(fn, args, exc):
    kwargs = {}
    if fn is pb.spectral_margin_bound:
        kwargs = dict(margin_loss=0.0, B=1.0, gamma=1.0, m=10)
    with pytest.raises(exc):
        fn(*args, **kwargs)


def test_best_margin_bound_is_the_minimum_at_the_split_confidence():
    rng = np.random.default_rng(3)
    W = [rng.standard_normal((8, 5)), rng.standard_normal((3, 8))]
    X = rng.standard_normal((50, 5))
    logits = np.maximum(X @ W[0].T, 0) @ W[1].T
    y = logits.argmax(1)
    gammas = np.array([0.1, 1.0, 3.0])
    best = pb.best_margin_bound(W, logits, y, B=3.0, m=50, delta=0.06, gammas=gammas)
    each = [pb.spectral_margin_bound(W, margin_loss=pb.margin_loss(logits, y, g), B=3.0,
                                     gamma=g, m=50, delta=0.02).bound for g in gammas]
    assert best.bound == pytest.approx(min(each))
    losses = [pb.margin_loss(logits, y, g) for g in gammas]
    restricted = pb.best_margin_bound(W, logits, y, B=3.0, m=50, delta=0.06, gammas=gammas,
                                      max_margin_loss=losses[0])
    feasible = [b for b, ml in zip(each, losses, strict=True) if ml <= losses[0]]
    assert restricted.margin_loss <= losses[0]
    assert restricted.bound == pytest.approx(min(feasible))
    with pytest.raises(ValueError, match="max_margin_loss"):
        pb.best_margin_bound(W, logits, y, B=3.0, m=50, gammas=[1e6], max_margin_loss=0.5)
