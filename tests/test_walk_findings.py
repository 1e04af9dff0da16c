"""Regression tests of what the bad-input walk (tests/test_bad_inputs.py) found in the
Chapter 3 to 6 and Appendix A modules: each input below used to give an AttributeError, a
bare OverflowError, a torch RuntimeError, a NaN or a run without end."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from dlmath import autoencoders as ae
from dlmath import elasticity as el
from dlmath import elasticity_ridge as er
from dlmath import nets
from dlmath import optim_examples as ox
from dlmath import pac_bayes as pb
from dlmath import relu_gate as rg
from dlmath import sparse_coding as sc
from dlmath import stochastic_nets as sn
from dlmath import weight_paths as wp

HUGE = 10**400
X6 = np.random.default_rng(0).normal(size=(6, 3))


def _fast(call, exc, match):
    t0 = time.process_time()
    with pytest.raises(exc, match=match):
        call()
    assert time.process_time() - t0 < 1.0


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: rg.make_depth2_net(100, 25, HUGE, 0), "filter entries .* above the limit"),
        (lambda: rg.fit_tron(rg.relu_gate_net(3), X6, np.ones(6), eta=0.1, b=2, n_iter=HUGE),
         "work n_iter .* above the limit .* max_work"),
        (lambda: rg.positive_curvature(X6, n_steps=HUGE), "n_starts \\* n_steps .* max_work"),
        (lambda: rg.noisy_gd(X6, np.ones(6), np.zeros(3), eta=0.1, beta_inv=1.0, n_iter=HUGE,
                             n_runs=2), "n_iter \\* n_runs .* max_work"),
        (lambda: rg.track_iterates(rg.relu_gate_net(3), np.ones((2, 3)), algorithm="tron",
                                   n_iter=HUGE, every=1, b=2, eta=0.1), "max_work"),
        (lambda: ae.make_autoencoder(4, 5, HUGE), "parameter count"),
        (lambda: er.gd_trajectory(er.make_ridge_features(3, 2, np.random.default_rng(0),
                                                         n_per_class=4), np.zeros((3, 2)), HUGE),
         "n_steps \\* p\\^2"),
        (lambda: sc.train_tied(np.eye(4), np.ones((3, 4)), 0.1, lr=0.1, n_iter=HUGE),
         "n_iter \\* N \\* n \\* h"),
    ],
)
def test_run_lengths_and_sizes_are_guarded(call, match):
    _fast(call, ValueError, match)


def test_guards_leave_room_for_the_runs_the_override_allows():
    w, train, _ = rg.fit_tron(rg.relu_gate_net(3), X6, np.ones(6), eta=0.1, b=2, n_iter=4,
                              record_every=2, max_work=1e6)
    assert train.shape == (3,)
    with pytest.raises(ValueError, match="max_work"):
        rg.fit_tron(rg.relu_gate_net(3), X6, np.ones(6), eta=0.1, b=2, n_iter=4, max_work=10)
    assert rg.positive_curvature(X6, n_starts=2, n_steps=2, max_work=100) >= 0


def test_train_autoencoder_names_its_model_optimizer_and_run_length():
    model = ae.make_autoencoder(4, 5, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    X = torch.rand(3, 4)
    with pytest.raises(TypeError, match="model must be"):
        ae.train_autoencoder(None, X, X, opt, n_steps=1)
    with pytest.raises(TypeError, match="optimizer must be"):
        ae.train_autoencoder(model, X, X, "adam", n_steps=1)
    with pytest.raises(ValueError, match="X_test must hold only finite"):
        ae.train_autoencoder(model, X, X * float("nan"), opt, n_steps=1)
    with pytest.raises(ValueError, match="max_work"):
        ae.train_autoencoder(model, X, X, opt, n_steps=HUGE)


@pytest.mark.parametrize(
    "call",
    [
        lambda: pb.pac_bayes_rhs(5.0, HUGE, 0.05),
        lambda: pb.kl_bound(0.1, 5.0, HUGE, 0.05),
        lambda: pb.mcallester_bound(0.1, 5.0, HUGE, 0.05),
        lambda: pb.mc_risk_upper(0.1, HUGE, 0.01),
        lambda: pb.kl_certificate(0.1, HUGE, 5.0, 1000, 0.05, 0.01),
        lambda: pb.spectral_margin_bound([np.eye(2)], margin_loss=0.1, B=1.0, gamma=0.5, m=HUGE),
        lambda: sc.support_size_law(HUGE, p=0.5),
        lambda: sc.deterministic_condition(0.01, 0.1, HUGE, 1.0, 2.0),
    ],
)
def test_counts_beyond_float_range_are_named_not_overflow(call):
    with pytest.raises(ValueError, match="must be <= 9007199254740992"):
        call()


def test_sample_sizes_at_the_float_limit_still_work():
    assert 0 < pb.pac_bayes_rhs(5.0, 2**53, 0.05) < 1e-12


def test_protocol_helpers_check_their_settings_and_mu():
    s = sc.ProtocolSettings(n=6, h=8, S=2, n_train=10, n_test=4, n_iter=2)
    with pytest.raises(TypeError, match="settings must be"):
        sc.protocol_data({"n": 6}, np.random.default_rng(0))
    with pytest.raises(TypeError, match="rng must be"):
        sc.protocol_data(s, 0.5)
    d = sc.protocol_data(s, np.random.default_rng(0))
    for mu in (float("nan"), float("inf"), -0.1):
        with pytest.raises(ValueError, match="mu must be"):
            sc.protocol_gradient(d["W0"], d["Y"], s, mu)
    assert np.all(np.isfinite(sc.protocol_gradient(d["W0"], d["Y"], s, d["mu"])))


def test_labelled_data_are_checked_in_weight_paths_and_stochastic_nets():
    model = nets.build_mlp([4, 3, 2], seed=0)
    X, y = torch.rand(5, 4), torch.tensor([0, 1, 1, 0, 1])
    with pytest.raises(TypeError, match="model must be"):
        wp.error_rate(None, X, y)
    with pytest.raises(TypeError, match="X must be"):
        wp.error_rate(model, None, y)
    with pytest.raises(TypeError, match="y must be an array of integer class labels"):
        wp.train_sgd(model, X, torch.full((5,), float("nan")), lr=0.1, batch_size=2, epochs=1)
    with pytest.raises(ValueError, match="y must hold 5 class labels"):
        wp.error_rate(model, X, y[:3])
    with pytest.raises(ValueError, match="X must contain only finite"):
        wp.train_sgd(model, np.full((5, 4), HUGE), y, lr=0.1, batch_size=2, epochs=1)
    assert 0.0 <= wp.error_rate(model, X, y) <= 1.0
    with pytest.raises(TypeError, match="X must be a torch tensor"):
        sn.fingerprints(np.ones((5, 4)), y)
    with pytest.raises(ValueError, match="y must have shape"):
        sn.fingerprints(X, y[:2])
    with pytest.raises(TypeError, match="posterior must be"):
        sn.certificate(None, sn.prior_at(model, 0.1),
                       sn.LabelledSample(X, y, sn.fingerprints(X, y)))


def test_run_lr_schedule_checks_its_start_point():
    f, make = (lambda x: (x**2).sum()), (lambda p: torch.optim.SGD(p, lr=0.1))
    with pytest.raises(TypeError, match="x0 must be a torch tensor"):
        ox.run_lr_schedule(f, np.ones(2), make, [0.1])
    with pytest.raises(ValueError, match="x0 must be a finite real"):
        ox.run_lr_schedule(f, torch.tensor([1.0, float("nan")]), make, [0.1])
    with pytest.raises(TypeError, match="loss_fn must be"):
        ox.run_lr_schedule(None, torch.ones(2), make, [0.1])
    xs = ox.run_lr_schedule(f, torch.ones(2), make, [0.1, 0.1])
    assert np.allclose(xs[-1], 0.64)  # x <- (1 - 2 * 0.1) x, twice


def test_complex_inputs_are_refused_not_cast():
    with pytest.raises(TypeError, match="srel must be real"):
        el.class_pair_means(np.ones((2, 2)) + 1j, np.array([0, 1]), np.array([0, 1]), 2,
                            exclude_self=False)
    with pytest.raises(TypeError, match="anchor_labels must be a 1-D array of integer"):
        el.class_pair_means(np.ones((2, 2)), np.array([0.5, 1]), np.array([0, 1]), 2,
                            exclude_self=False)
    with pytest.raises(TypeError, match="W must be real"):
        rg.final_geometry(np.ones((2, 3)) + 1j, np.ones(3))
    cos, ratio = rg.final_geometry(np.array([[1.0, 1.0, 1.0], [np.nan, 0, 0]]), np.ones(3))
    assert cos[0] == pytest.approx(1.0) and np.isnan(cos[1])  # a diverged run stays NaN


def test_chapter3_counts_beyond_float_range_are_named():
    m = rg.input_moments("normal", 3)
    for call, name in [
        (lambda: rg.best_step_size(m, HUGE), "b"),
        (lambda: rg.contraction_factor(m, 0.1, HUGE), "b"),
        (lambda: rg.input_moments("normal", HUGE), "n"),
        (lambda: rg.poisoning_floor(0.1, 0.5, 1.0, HUGE, 2), "r"),
        (lambda: rg.poisoning_floor(0.1, 0.5, 1.0, 2, HUGE), "b"),
        (lambda: rg.noisy_gd_radius(np.ones((2, 3)), np.ones(2), np.zeros(3), eta=0.1,
                                    beta_inv=1.0, n_iter=HUGE, delta=0.1), "n_iter"),
    ]:
        with pytest.raises(ValueError, match=f"^{name} must be <= 9007199254740992"):
            call()
    with pytest.raises(TypeError, match="net must be a DepthTwoNet"):
        rg.expected_tron_direction(None, np.ones(3), np.ones(3), np.eye(3))


def test_protocol_settings_are_validated():
    assert sc.ProtocolSettings().h == 512  # the defaults are valid
    for kw, err, match in [
        ({"n": None}, TypeError, "n must be an integer"),
        ({"S": 600}, ValueError, "S must be <= 512"),
        ({"eta": 0.0}, ValueError, "eta must be > 0"),
        ({"sd": float("nan")}, ValueError, "sd must be finite"),
        ({"n_train": 10**9}, ValueError, "protocol's data .* above the limit"),
    ]:
        with pytest.raises(err, match=match):
            sc.ProtocolSettings(**kw)
    with pytest.raises(TypeError, match="normalize must be True or False"):
        sc.column_errors(np.eye(2), np.eye(2), normalize="yes")


def test_sample_inputs_checks_its_size():
    assert rg.sample_inputs("normal", (0, 3), 0).shape == (0, 3)
    assert rg.sample_inputs("laplace", np.int64(4), 0).shape == (4,)
    with pytest.raises(TypeError, match="size must be an integer"):
        rg.sample_inputs("normal", None, 0)
    with pytest.raises(ValueError, match="size must be >= 0"):
        rg.sample_inputs("normal", (2, -1), 0)
    _fast(lambda: rg.sample_inputs("normal", (2, HUGE), 0), ValueError, "sample size .* limit")
