"""Tests of dlmath.stochastic_nets: batched sampling, KL, certificates, the disjoint-data rule."""

import math

import numpy as np
import pytest
import torch

from dlmath import pac_bayes as pb
from dlmath import stochastic_nets as sn
from dlmath.nets import build_mlp


@pytest.fixture(scope="module")
def toy():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 5)).astype(np.float32)
    y = (X[:, 0] + 0.3 * X[:, 1] > 0).astype(int)
    return sn.LabelledSample.from_arrays(X, y)


def test_sample_logits_is_a_batch_of_independent_nets():
    model = build_mlp([4, 6, 3], seed=0)
    post = sn.GaussianPosterior(model, 0.2)
    X = torch.randn(7, 4)
    S = 5
    out = post.sample_logits(X, S, torch.Generator().manual_seed(3))
    g = torch.Generator().manual_seed(3)  # replay the draws: layer by layer, W then b
    draws = [torch.randn((S, *p.shape), generator=g) for p in post.mu]
    mu, sd = list(post.mu), post.stds()
    for s in range(S):
        w = [m + e * d[s] for m, e, d in zip(mu, sd, draws, strict=True)]
        ref = torch.relu(X @ w[0].T + w[1]) @ w[2].T + w[3]
        assert torch.allclose(out[s], ref, atol=1e-5)


def test_tiny_std_gives_the_mean_net():
    model = build_mlp([4, 6, 2], seed=1)
    post = sn.GaussianPosterior(model, 1e-9)
    X = torch.randn(10, 4)
    assert torch.allclose(post.sample_logits(X, 3, torch.Generator().manual_seed(0)),
                          model(X).detach().expand(3, -1, -1), atol=1e-6)
    assert torch.allclose(post.mean_logits(X), model(X), atol=1e-6)


def test_local_reparameterization_has_the_exact_marginals():
    model = build_mlp([3, 2], seed=2)  # one linear layer: pre-activations are exactly Gaussian
    post = sn.GaussianPosterior(model, 0.5)
    X = torch.tensor([[1.0, -2.0, 0.5]]).expand(20000, 3)
    g = torch.Generator().manual_seed(0)
    loc = post.local_logits(X, g).detach()
    mean = X[0] @ post.mu[0].detach().T + post.mu[1].detach()
    var = (X[0] ** 2) @ (post.stds()[0].detach() ** 2).T + post.stds()[1].detach() ** 2
    se = torch.sqrt(var / 20000)
    assert torch.all(torch.abs(loc.mean(0) - mean) < 4.5 * se)
    assert torch.allclose(loc.var(0), var, rtol=0.05)


def test_mc_error_rates_chunking_does_not_change_the_nets(toy, monkeypatch):
    post = sn.GaussianPosterior(build_mlp([5, 8, 2], seed=0), 0.3)
    full = sn.mc_error_rates(post, toy, 12, seed=4)
    monkeypatch.setattr(sn, "_MAX_ELEMS", 8 * 40)  # one net and 40 examples per pass
    chunked = sn.mc_error_rates(post, toy, 12, seed=4)
    assert np.allclose(full, chunked)
    assert full.shape == (12,) and np.all((full >= 0) & (full <= 1))


def test_posterior_kl_matches_flat_closed_form():
    init, net = build_mlp([5, 8, 2], seed=0), build_mlp([5, 8, 2], seed=1)
    post = sn.GaussianPosterior(net, 0.05)
    prior = sn.prior_at(init, 0.1)
    flat = lambda m: torch.cat([p.detach().flatten() for p in m.parameters()]).double()  # noqa: E731
    ref = pb.gaussian_kl(flat(net).numpy(), 0.05, flat(init).numpy(), 0.1)
    assert float(post.kl(prior).detach()) == pytest.approx(ref, rel=1e-5)
    same = sn.GaussianPosterior(init, 0.1)
    assert float(same.kl(prior).detach()) == pytest.approx(0.0, abs=1e-4)


def test_split_sample_is_a_partition(toy):
    a, b = sn.split_sample(toy, 0.4, np.random.default_rng(0))
    assert len(a) == 120 and len(b) == 180
    assert not (a.fingerprints & b.fingerprints)
    assert (a.fingerprints | b.fingerprints) == toy.fingerprints


def test_certificate_refuses_a_prior_learned_on_the_bound_sample(toy):
    prior_part, bound_part = sn.split_sample(toy, 0.5, np.random.default_rng(1))
    model = build_mlp([5, 8, 2], seed=0)
    post = sn.GaussianPosterior(model, 0.05)
    leaky = sn.prior_at(model, 0.05, learned_on=toy)
    with pytest.raises(ValueError, match="disjoint"):
        sn.certificate(post, leaky, bound_part, n_mc=10)
    one_row = sn.prior_at(model, 0.05, learned_on=bound_part.subset([3]))
    with pytest.raises(ValueError, match="1 of the"):
        sn.certificate(post, one_row, bound_part, n_mc=10)
    # a copy of the same examples is the same data, whatever object carries it
    copy = sn.LabelledSample.from_arrays(bound_part.X.numpy(), bound_part.y.numpy())
    with pytest.raises(ValueError, match="disjoint"):
        sn.certificate(post, sn.prior_at(model, 0.05, learned_on=copy), bound_part, n_mc=10)
    fine = sn.certificate(post, sn.prior_at(model, 0.05, learned_on=prior_part), bound_part,
                          n_mc=10)
    assert fine.data_dependent and fine.m == len(bound_part)


def test_a_prior_at_a_net_trained_on_the_sample_is_refused_without_being_told(toy):
    from dlmath.weight_paths import train_sgd

    prior_part, bound_part = sn.split_sample(toy, 0.5, np.random.default_rng(2))
    model = build_mlp([5, 8, 2], seed=0)
    train_sgd(model, toy.X, toy.y, lr=0.1, batch_size=30, epochs=1)
    post = sn.GaussianPosterior(model, 0.05)
    with pytest.raises(ValueError, match="disjoint"):
        sn.certificate(post, sn.prior_at(model, 0.05), bound_part, n_mc=5)
    clean = build_mlp([5, 8, 2], seed=0)
    train_sgd(clean, prior_part.X, prior_part.y, lr=0.1, batch_size=30, epochs=1)
    assert sn.prior_at(clean, 0.05).seen == prior_part.fingerprints
    sn.certificate(post, sn.prior_at(clean, 0.05), bound_part, n_mc=5)


def test_certificate_numbers_chain(toy):
    init, net = build_mlp([5, 8, 2], seed=0), build_mlp([5, 8, 2], seed=1)
    post = sn.GaussianPosterior(net, 0.05)
    prior = sn.prior_at(init, 0.1)
    c = sn.certificate(post, prior, toy, n_mc=50, seed=2)
    rates = sn.mc_error_rates(post, toy, 50, seed=2)
    assert c.mc_error == pytest.approx(rates.mean())
    assert c.mc_upper == pytest.approx(pb.mc_risk_upper(rates.mean(), 50, 0.01))
    assert c.kl_bound == pytest.approx(pb.kl_bound(c.mc_upper, c.kl, 300, 0.025))
    assert c.mc_error <= c.mc_upper <= c.kl_bound <= c.mcallester
    wide = sn.certificate(post, sn.GaussianPrior(prior.means, 0.1, grid_size=100), toy,
                          n_mc=50, seed=2)
    assert wide.kl_bound > c.kl_bound


def test_optimize_posterior_lowers_the_objective_and_snaps_the_prior(toy):
    init, net = build_mlp([5, 8, 2], seed=0), build_mlp([5, 8, 2], seed=0)
    post = sn.GaussianPosterior(net, 0.01)
    grid = pb.std_grid(0.01, 1.0, 9)
    prior, trace = sn.optimize_posterior(post, sn.prior_at(init, 0.1), toy, steps=300,
                                         lr=1e-2, tune_prior_std=True, grid=grid, seed=0)
    assert trace[-5:].mean() < trace[:5].mean()
    assert prior.grid_size == 9 and any(math.isclose(prior.std, g) for g in grid)
    assert sn.mc_error_rates(post, toy, 20).mean() < 0.3  # it learned the linear rule


@pytest.mark.parametrize(("call", "exc"), [
    (lambda s: sn.LabelledSample.from_arrays(np.zeros((3, 2)), np.zeros(2)), ValueError),
    (lambda s: sn.LabelledSample.from_arrays(np.full((2, 2), np.nan), np.zeros(2)), ValueError),
    (lambda s: sn.split_sample(s, 1.0, np.random.default_rng(0)), ValueError),
    (lambda s: sn.split_sample(s, 0.5, 0), TypeError),
    (lambda s: sn.split_sample("data", 0.5, np.random.default_rng(0)), TypeError),
    (lambda s: sn.prior_at(build_mlp([5, 2]), -1.0), ValueError),
    (lambda s: sn.GaussianPosterior("net", 0.1), TypeError),
    (lambda s: sn.GaussianPosterior(build_mlp([5, 2]), 0.0), ValueError),
    (lambda s: sn.mc_error_rates(sn.GaussianPosterior(build_mlp([5, 2]), 0.1), s, 0),
     ValueError),
    (lambda s: sn.certificate(sn.GaussianPosterior(build_mlp([5, 2]), 0.1),
                              sn.prior_at(build_mlp([5, 3, 2]), 0.1), s, n_mc=5), ValueError),
    (lambda s: sn.certificate(sn.GaussianPosterior(build_mlp([5, 2]), 0.1), "prior", s),
     TypeError),
    (lambda s: sn.optimize_posterior(sn.GaussianPosterior(build_mlp([5, 2]), 0.1),
                                     sn.prior_at(build_mlp([5, 2]), 0.1), s, steps=1,
                                     tune_prior_std=True), ValueError),
])
def test_bad_inputs(toy, call, exc):
    with pytest.raises(exc):
        call(toy)
