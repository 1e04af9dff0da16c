"""optim.from_spec (optimizers from settings dictionaries, with the classes' own defaults) and the
Chapter 5 run helpers (the proof's per-step decrease, stochastic RMSProp)."""

import numpy as np
import pytest
import torch

from dlmath import optim


def test_from_spec_builds_the_analysed_variants():
    p = [torch.nn.Parameter(torch.zeros(3))]
    a = optim.from_spec(p, {"optimizer": "adam", "lr": 1e-3, "beta1": 0.99, "xi": 0.1})
    assert isinstance(a, optim.Adam)
    g = a.param_groups[0]
    assert (g["beta1"], g["beta2"], g["xi"]) == (0.99, 0.999, 0.1)
    assert g["xi_placement"] == "outside" and g["bias_correction"] is False
    r = optim.from_spec(p, {"optimizer": "rmsprop", "lr": 1e-3, "beta2": 0.5})
    assert isinstance(r, optim.RMSProp) and r.param_groups[0]["xi_placement"] == "inside"
    assert r.param_groups[0]["beta2"] == 0.5
    n = optim.from_spec(p, {"optimizer": "nag", "lr": 0.1, "momentum": 0.99})
    assert isinstance(n, optim.NAG) and n.param_groups[0]["momentum"] == 0.99
    with pytest.raises(ValueError, match="optimizer"):
        optim.from_spec(p, {"optimizer": "sgd", "lr": 0.1})
    with pytest.raises(ValueError, match="lr"):
        optim.from_spec(p, {"optimizer": "nag", "lr": -1.0})
    with pytest.raises(TypeError, match="spec"):
        optim.from_spec(p, [("optimizer", "nag")])


def test_from_spec_passes_only_the_keys_given():
    """Each class's defaults are the only defaults: a key left out takes the class's value."""
    p = [torch.nn.Parameter(torch.zeros(3))]
    for name, cls in optim.OPTIMIZERS.items():
        built = optim.from_spec(p, {"optimizer": name, "lr": 0.1}).param_groups[0]
        direct = cls(p, lr=0.1).param_groups[0]
        assert {k: built[k] for k in optim.spec_keys(name)} == {k: direct[k] for k in optim.spec_keys(name)}
    assert optim.spec_defaults("rmsprop")["beta2"] == optim.RMSProp(p, lr=0.1).param_groups[0]["beta2"]
    assert optim.spec_keys("nag") == ("lr", "momentum", "form")


@pytest.mark.parametrize(
    "spec,exc,match",
    [
        ({"optimizer": "nag", "lr": 0.1, "mometum": 0.9}, ValueError, r"unknown keys \['mometum'\]"),
        ({"optimizer": "rmsprop", "lr": 0.1, "beta1": 0.9}, ValueError, "beta1"),
        ({"optimizer": "adam", "beta1": 0.9}, ValueError, "missing the keys \\['lr'\\]"),
        ({"lr": 0.1}, TypeError, "optimizer"),
    ],
)
def test_from_spec_rejects_unknown_and_missing_keys(spec, exc, match):
    with pytest.raises(exc, match=match):
        optim.from_spec([torch.nn.Parameter(torch.zeros(2))], spec)


def test_rmsprop_theorem_decrease_and_slack_by_hand():
    # (1 - 0.5) * 1 * g^2 / (2 * 2 * (1 + 1)) = g^2 / 16
    np.testing.assert_allclose(optim.rmsprop_theorem_decrease([2.0, 1.0], 2.0, 1.0, 1.0, 0.5), [0.25, 1 / 16])
    # actual decreases 1.0 and 0.5 against 0.25 and 1/16: ratios 4 and 8
    assert optim.decrease_slack([3.0, 2.0, 1.5], [2.0, 1.0, 0.5], 2.0, 1.0, 1.0, 0.5) == pytest.approx(4.0)
    with pytest.raises(ValueError, match="grad_norm"):
        optim.decrease_slack([3.0, 2.0], [1.0], 2.0, 1.0, 1.0, 0.5)
    with pytest.raises(ValueError, match="beta2"):
        optim.rmsprop_theorem_decrease([1.0], 2.0, 1.0, 1.0, 1.0)


def test_theorem_step_achieves_the_guaranteed_decrease_on_a_quadratic():
    """f(x) = ||x||^2 / 2 is 1-smooth; from (1, 1) the gradient norm stays below sigma = 2."""
    L, sigma, xi, beta2 = 1.0, 2.0, 0.5, 0.9
    alpha = optim.rmsprop_theorem_step(L, sigma, xi, beta2)
    run = optim.run_deterministic(lambda x: 0.5 * (x**2).sum(), torch.ones(2, dtype=torch.float64),
                                  lambda p: optim.RMSProp(p, lr=alpha, beta2=beta2, xi=xi), 200)
    slack = optim.decrease_slack(run["f"], run["grad_norm"], L, sigma, xi, beta2)
    assert 1.0 <= slack < 10.0  # the proof's inequality, and not vacuously loose


def test_run_stochastic_rmsprop_with_one_component_is_deterministic_rmsprop():
    def loss(x, i):
        return 0.5 * (x**2).sum()

    def full_grad_sq(x):
        return (x**2).sum(1)

    start = torch.tensor([1.0, -2.0], dtype=torch.float64)
    curve = optim.run_stochastic_rmsprop(loss, full_grad_sq, start, 1, 30, n_runs=3, lr=0.05,
                                         beta2=0.9, xi=0.1)
    run = optim.run_deterministic(lambda x: 0.5 * (x**2).sum(), start,
                                  lambda p: optim.RMSProp(p, lr=0.05, beta2=0.9, xi=0.1), 29)
    np.testing.assert_allclose(curve, run["grad_norm"] ** 2, rtol=1e-12)
    again = optim.run_stochastic_rmsprop(loss, full_grad_sq, start, 1, 30, n_runs=3, lr=0.05,
                                         beta2=0.9, xi=0.1)
    np.testing.assert_array_equal(curve, again)
    with pytest.raises(TypeError, match="loss must be a callable"):
        optim.run_stochastic_rmsprop(1, full_grad_sq, start, 1, 3, n_runs=1, lr=0.1, beta2=0.9, xi=0.1)
    with pytest.raises(ValueError, match="n_steps"):
        optim.run_stochastic_rmsprop(loss, full_grad_sq, start, 1, 0, n_runs=1, lr=0.1, beta2=0.9, xi=0.1)


def test_run_stochastic_rmsprop_per_run_is_the_mean_decomposed():
    a = torch.tensor([0.0, 0.0, 3.0], dtype=torch.float64)

    def loss(x, i):
        return 0.5 * ((x[:, 0] - a[i]) ** 2).sum()

    def grad_sq(x):
        return (x[:, 0] - 1.0) ** 2

    kw = dict(n_runs=6, lr=0.05, beta2=0.9, xi=1e-3, seed=3)
    start = torch.tensor([2.0], dtype=torch.float64)
    mean = optim.run_stochastic_rmsprop(loss, grad_sq, start, 3, 40, **kw)
    per = optim.run_stochastic_rmsprop(loss, grad_sq, start, 3, 40, per_run=True, **kw)
    assert per.shape == (40, 6)
    assert np.allclose(per.mean(axis=1), mean)
    assert per[-1].std() > 0  # the runs draw their own components
