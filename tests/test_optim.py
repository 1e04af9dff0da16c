"""Tests of dlmath.optim: agreement with torch.optim where the conventions coincide, hand-computed
steps of the analysed variants, torch Optimizer API (groups, state dicts, closures), bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from _optim_helpers import run_steps

from dlmath import optim as dop

N_STEPS = 100


def _problem(seed: int = 0):
    """A small non-convex least-squares problem (tanh net) in float64, and its loss."""
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(32, 5, generator=g, dtype=torch.float64)
    Y = torch.randn(32, 3, generator=g, dtype=torch.float64)
    W1 = torch.randn(5, 7, generator=g, dtype=torch.float64) * 0.5
    b1 = torch.randn(7, generator=g, dtype=torch.float64) * 0.1
    W2 = torch.randn(7, 3, generator=g, dtype=torch.float64) * 0.5
    init = [W1, b1, W2]

    def loss(params):
        w1, c1, w2 = params
        return ((torch.tanh(X @ w1 + c1) @ w2 - Y) ** 2).mean()

    return init, loss


def _trajectory(make_opt, n_steps=N_STEPS, seed=0, closure_step=False):
    init, loss = _problem(seed)
    params = [p.clone().requires_grad_(True) for p in init]
    opt = make_opt(params)
    return torch.stack(run_steps(opt, params, loss, n_steps, closure_step=closure_step)), opt


def _max_diff(a, b):
    return float((a - b).abs().max())


# ------------------------------------------------------------------ agreement with torch.optim


@pytest.mark.parametrize("b1,b2,xi", [(0.9, 0.999, 1e-8), (0.99, 0.9, 0.1), (0.0, 0.99, 1e-3)])
def test_adam_bias_corrected_outside_equals_torch_adam(b1, b2, xi):
    ours, _ = _trajectory(
        lambda p: dop.Adam(
            p, lr=1e-2, beta1=b1, beta2=b2, xi=xi, xi_placement="outside", bias_correction=True
        )
    )
    ref, _ = _trajectory(lambda p: torch.optim.Adam(p, lr=1e-2, betas=(b1, b2), eps=xi, foreach=True))
    assert _max_diff(ours, ref) < 1e-6
    assert _max_diff(ours[-1], ours[0]) > 1e-2  # the run actually moved


def test_adam_analysed_form_differs_from_torch_adam():
    """No bias correction is a different algorithm: the first step is (1-b1)/sqrt(1-b2) larger."""
    ours, _ = _trajectory(lambda p: dop.Adam(p, lr=1e-3, xi=1e-16), n_steps=1)
    ref, _ = _trajectory(lambda p: torch.optim.Adam(p, lr=1e-3, eps=1e-16), n_steps=1)
    init, _ = _problem()
    x0 = torch.cat([p.flatten() for p in init])
    ratio = (ours[0] - x0).norm() / (ref[0] - x0).norm()
    assert float(ratio) == pytest.approx(0.1 / math.sqrt(0.001), rel=1e-6)


@pytest.mark.parametrize("b2,xi", [(0.9, 1e-8), (0.99, 0.1)])
def test_rmsprop_outside_equals_torch_rmsprop(b2, xi):
    ours, _ = _trajectory(lambda p: dop.RMSProp(p, lr=1e-3, beta2=b2, xi=xi, xi_placement="outside"))
    ref, _ = _trajectory(lambda p: torch.optim.RMSprop(p, lr=1e-3, alpha=b2, eps=xi, foreach=True))
    assert _max_diff(ours, ref) < 1e-6
    assert _max_diff(ours[-1], ours[0]) > 1e-2


def test_rmsprop_inside_differs_from_torch_rmsprop():
    ours, _ = _trajectory(lambda p: dop.RMSProp(p, lr=1e-3, beta2=0.9, xi=0.1))
    ref, _ = _trajectory(lambda p: torch.optim.RMSprop(p, lr=1e-3, alpha=0.9, eps=0.1))
    assert _max_diff(ours, ref) > 1e-3


@pytest.mark.parametrize("mu", [0.9, 0.99])
def test_nag_lookahead_equals_torch_sgd_nesterov(mu):
    ours, opt = _trajectory(lambda p: dop.NAG(p, lr=1e-2, momentum=mu, form="lookahead"))
    ref, ref_opt = _trajectory(
        lambda p: torch.optim.SGD(p, lr=1e-2, momentum=mu, nesterov=True, foreach=True)
    )
    assert _max_diff(ours, ref) < 1e-6
    # torch's momentum buffer is -v / lr
    pairs = zip(opt.param_groups[0]["params"], ref_opt.param_groups[0]["params"], strict=True)
    for p_ours, p_ref in pairs:
        v = opt.state[p_ours]["v"]
        buf = ref_opt.state[p_ref]["momentum_buffer"]
        assert _max_diff(-v / 1e-2, buf) < 1e-6


def test_nag_sutskever_is_torch_nesterov_after_change_of_variables():
    """Sutskever's x_t and torch's iterate y_t are related by y_t = x_t + mu v_t."""
    mu = 0.9
    ours, opt = _trajectory(lambda p: dop.NAG(p, lr=1e-2, momentum=mu), closure_step=True)
    ref, _ = _trajectory(lambda p: torch.optim.SGD(p, lr=1e-2, momentum=mu, nesterov=True))
    # the last iterate only: v_t is the optimizer's state after the last step
    v = torch.cat([opt.state[p]["v"].flatten() for p in opt.param_groups[0]["params"]])
    assert _max_diff(ours[-1] + mu * v, ref[-1]) < 1e-6
    assert _max_diff(ours[-1], ref[-1]) > 1e-4  # but x_t itself is not torch's iterate


# ------------------------------------------------------------------ hand-computed steps

X0 = [1.0, -2.0]


def _quadratic_steps(make_opt, n, scale=(1.0, 3.0), closure_step=False):
    """Iterates of an optimizer on f(x) = 0.5 * sum(scale * x^2), gradient scale * x."""
    x = torch.tensor(X0, dtype=torch.float64, requires_grad=True)
    a = torch.tensor(scale, dtype=torch.float64)
    opt = make_opt([x])
    steps = run_steps(opt, [x], lambda ps: 0.5 * (a * ps[0] ** 2).sum(), n, closure_step=closure_step)
    return [s.numpy() for s in steps]


def test_rmsprop_inside_hand_step():
    lr, b2, xi = 0.1, 0.9, 0.01
    (x1, x2) = _quadratic_steps(lambda p: dop.RMSProp(p, lr=lr, beta2=b2, xi=xi), 2)
    # coordinate 1: g1 = 1, v1 = 0.1 * (1 + 0.01) = 0.101, x = 1 - 0.1 / sqrt(0.101)
    assert x1[0] == pytest.approx(1 - 0.1 / math.sqrt(0.101), abs=1e-14)
    # coordinate 2: g1 = -6, v1 = 0.1 * (36 + 0.01) = 3.601, x = -2 + 0.6 / sqrt(3.601)
    assert x1[1] == pytest.approx(-2 + 0.6 / math.sqrt(3.601), abs=1e-14)
    g2 = x1[0]
    v2 = 0.9 * 0.101 + 0.1 * (g2**2 + 0.01)
    assert x2[0] == pytest.approx(x1[0] - 0.1 * g2 / math.sqrt(v2), abs=1e-14)


def test_rmsprop_outside_hand_step():
    (x1,) = _quadratic_steps(lambda p: dop.RMSProp(p, lr=0.1, beta2=0.9, xi=0.01, xi_placement="outside"), 1)
    # v1 = 0.1 * g^2, x = x - 0.1 g / (sqrt(0.1)|g| + 0.01)
    assert x1[0] == pytest.approx(1 - 0.1 / (math.sqrt(0.1) + 0.01), abs=1e-14)
    assert x1[1] == pytest.approx(-2 + 0.6 / (math.sqrt(0.1) * 6 + 0.01), abs=1e-14)


def test_adam_analysed_hand_steps():
    lr, b1, b2, xi = 0.01, 0.9, 0.999, 1e-3
    x1, x2 = _quadratic_steps(lambda p: dop.Adam(p, lr=lr, beta1=b1, beta2=b2, xi=xi), 2)
    # step 1, coordinate 1: m = 0.1, v = 0.001, x = 1 - 0.01 * 0.1 / (sqrt(0.001) + 0.001)
    assert x1[0] == pytest.approx(1 - 0.001 / (math.sqrt(0.001) + 0.001), abs=1e-14)
    # step 2, coordinate 1: g = x1, m = 0.9*0.1 + 0.1*g, v = 0.999*0.001 + 0.001*g^2
    g = x1[0]
    m, v = 0.09 + 0.1 * g, 0.999e-3 + 1e-3 * g * g
    assert x2[0] == pytest.approx(x1[0] - 0.01 * m / (math.sqrt(v) + 1e-3), abs=1e-14)


def test_adam_inside_bias_corrected_hand_step():
    (x1,) = _quadratic_steps(
        lambda p: dop.Adam(
            p,
            lr=0.01,
            beta1=0.9,
            beta2=0.999,
            xi=0.25,
            xi_placement="inside",
            bias_correction=True,
        ),
        1,
    )
    # m_hat = g, v_hat = g^2 + xi: x = x - 0.01 g / sqrt(g^2 + 0.25)
    assert x1[0] == pytest.approx(1 - 0.01 / math.sqrt(1.25), abs=1e-14)
    assert x1[1] == pytest.approx(-2 + 0.06 / math.sqrt(36.25), abs=1e-14)


def test_nag_sutskever_hand_steps():
    lr, mu = 0.1, 0.5
    x1, x2 = _quadratic_steps(
        lambda p: dop.NAG(p, lr=lr, momentum=mu), 2, scale=(2.0, 1.0), closure_step=True
    )
    # v0 = 0: v1 = -0.1 * f'(1) = -0.2, x1 = 0.8; look-ahead 0.8 + 0.5 * (-0.2) = 0.7,
    # v2 = 0.5 * (-0.2) - 0.1 * 1.4 = -0.24, x2 = 0.56
    assert x1[0] == pytest.approx(0.8, abs=1e-14)
    assert x2[0] == pytest.approx(0.56, abs=1e-14)
    # coordinate 2 (f = x^2/2, x0 = -2): v1 = 0.2, x1 = -1.8; look-ahead -1.7, v2 = 0.27, x2 = -1.53
    assert x2[1] == pytest.approx(-1.53, abs=1e-14)


def test_nag_lookahead_hand_step():
    (y1, y2) = _quadratic_steps(
        lambda p: dop.NAG(p, lr=0.1, momentum=0.5, form="lookahead"), 2, scale=(2.0, 1.0)
    )
    # y0 = 1, g = 2: v1 = -0.2, y1 = 1 - 0.2 + 0.5 * (-0.2) = 0.7 (= Sutskever's look-ahead)
    assert y1[0] == pytest.approx(0.7, abs=1e-14)
    # g = 1.4: v2 = -0.1 - 0.14 = -0.24, y2 = 0.7 - 0.14 - 0.12 = 0.44 = x2 + mu v2 = 0.56 - 0.12
    assert y2[0] == pytest.approx(0.44, abs=1e-14)


def test_adam_beta1_zero_inside_is_rmsprop():
    a, _ = _trajectory(lambda p: dop.Adam(p, lr=1e-3, beta1=0.0, beta2=0.9, xi=0.1, xi_placement="inside"))
    b, _ = _trajectory(lambda p: dop.RMSProp(p, lr=1e-3, beta2=0.9, xi=0.1))
    assert _max_diff(a, b) < 1e-12


# ------------------------------------------------------------------ Optimizer API


def test_param_groups_match_separate_optimizers():
    init, loss = _problem()
    p = [q.clone().requires_grad_(True) for q in init]
    opt = dop.Adam([{"params": p[:2]}, {"params": p[2:], "lr": 1e-3, "beta1": 0.5}], lr=1e-2)
    q = [r.clone().requires_grad_(True) for r in init]
    o1, o2 = dop.Adam(q[:2], lr=1e-2), dop.Adam(q[2:], lr=1e-3, beta1=0.5)
    for _ in range(20):
        for o, params in ((opt, p), (o1, q)):
            o.zero_grad()
            if o is o1:
                o2.zero_grad()
            loss(params).backward()
        opt.step()
        o1.step()
        o2.step()
    for a, b in zip(p, q, strict=True):
        assert _max_diff(a.detach(), b.detach()) < 1e-15


@pytest.mark.parametrize(
    "make",
    [
        lambda p: dop.RMSProp(p, lr=1e-3, xi=0.1),
        lambda p: dop.Adam(p, lr=1e-2, bias_correction=True),
        lambda p: dop.NAG(p, lr=1e-2, form="lookahead"),
    ],
)
def test_state_dict_roundtrip_resumes_exactly(make):
    full, _ = _trajectory(make, n_steps=10)
    init, loss = _problem()
    params = [p.clone().requires_grad_(True) for p in init]
    opt = make(params)
    for _ in range(5):
        opt.zero_grad()
        loss(params).backward()
        opt.step()
    saved = opt.state_dict()
    params2 = [p.detach().clone().requires_grad_(True) for p in params]
    opt2 = make(params2)
    opt2.load_state_dict(saved)
    for _ in range(5):
        opt2.zero_grad()
        loss(params2).backward()
        opt2.step()
    last = torch.cat([p.detach().flatten() for p in params2])
    assert _max_diff(last, full[-1]) < 1e-15


def test_closure_loss_is_returned():
    x = torch.tensor([3.0], requires_grad=True)
    opt = dop.RMSProp([x], lr=0.1)

    def closure():
        opt.zero_grad()
        out = (x**2).sum()
        out.backward()
        return out

    assert float(opt.step(closure).detach()) == pytest.approx(9.0)
    assert float(x.detach()) < 3.0


def test_mixed_dtypes_are_bucketed():
    a = torch.tensor([1.0, 2.0], dtype=torch.float32, requires_grad=True)
    b = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    opt = dop.Adam([a, b], lr=0.1)
    ((a**2).sum() + (b**2).sum()).backward()
    opt.step()
    assert np.allclose(a.detach().numpy(), b.detach().numpy(), atol=1e-6)
    assert float(a.detach()[0]) < 1.0


def test_params_without_grad_are_skipped():
    a = torch.ones(2, requires_grad=True)
    b = torch.ones(2, requires_grad=True)
    opt = dop.NAG([a, b], lr=0.1, form="sutskever")

    def closure():
        opt.zero_grad()
        out = (a**2).sum()
        out.backward()
        return out

    for _ in range(3):
        opt.step(closure)
    assert torch.equal(b.detach(), torch.ones(2))
    assert float(a.detach()[0]) < 1.0


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    "make,arg",
    [
        (lambda p: dop.RMSProp(p, lr=0.0), "lr"),
        (lambda p: dop.RMSProp(p, lr=-1.0), "lr"),
        (lambda p: dop.RMSProp(p, lr=1e-3, beta2=1.0), "beta2"),
        (lambda p: dop.RMSProp(p, lr=1e-3, xi=0.0), "xi"),
        (lambda p: dop.RMSProp(p, lr=1e-3, xi_placement="middle"), "xi_placement"),
        (lambda p: dop.Adam(p, lr=1e-3, beta1=-0.1), "beta1"),
        (lambda p: dop.Adam(p, lr=1e-3, beta2=1.5), "beta2"),
        (lambda p: dop.Adam(p, lr=float("nan")), "lr"),
        (lambda p: dop.NAG(p, lr=1e-3, momentum=1.0), "momentum"),
        (lambda p: dop.NAG(p, lr=1e-3, form="nesterov"), "form"),
    ],
)
def test_bad_values_raise_valueerror_naming_argument(make, arg):
    with pytest.raises(ValueError, match=arg):
        make([torch.zeros(2, requires_grad=True)])


@pytest.mark.parametrize(
    "make,arg",
    [
        (lambda p: dop.RMSProp(p, lr="0.1"), "lr"),
        (lambda p: dop.Adam(p, lr=1e-3, bias_correction="yes"), "bias_correction"),
        (lambda p: dop.NAG(p, lr=1e-3, form=1), "form"),
    ],
)
def test_bad_types_raise_typeerror_naming_argument(make, arg):
    with pytest.raises(TypeError, match=arg):
        make([torch.zeros(2, requires_grad=True)])


def test_bad_param_group_is_rejected_and_not_added():
    opt = dop.Adam([torch.zeros(2, requires_grad=True)], lr=1e-3)
    with pytest.raises(ValueError, match="beta1"):
        opt.add_param_group({"params": [torch.zeros(1, requires_grad=True)], "beta1": 1.0})
    assert len(opt.param_groups) == 1


def test_sutskever_nag_without_closure_explains():
    x = torch.ones(2, requires_grad=True)
    opt = dop.NAG([x], lr=0.1)
    (x**2).sum().backward()
    with pytest.raises(ValueError, match="closure"):
        opt.step()


# ------------------------------------------------------------------ theorem helpers


def test_rmsprop_theorem_constants():
    L, sigma, xi, b2 = 4.0, 3.0, 0.5, 0.9
    alpha = dop.rmsprop_theorem_step(L, sigma, xi, b2)
    assert alpha == pytest.approx(0.1 * 0.5 / (4.0 * math.sqrt(9.5)))
    T = dop.rmsprop_theorem_iterations(L, sigma, xi, b2, gap=2.0, eps=0.1)
    assert T == pytest.approx(2 * 4.0 * 9.5 * 2.0 / (0.1 * 0.5 * 0.01))
    with pytest.raises(ValueError, match="sigma"):
        dop.rmsprop_theorem_step(L, 0.0, xi, b2)
    with pytest.raises(ValueError, match="eps"):
        dop.rmsprop_theorem_iterations(L, sigma, xi, b2, gap=1.0, eps=-1.0)


def test_rmsprop_theorem_step_gives_the_proofs_decrease():
    """On f = sum(a_i x_i^2)/2 (L = max a, sigma = ||grad f(x_1)||, since ||grad|| decreases),
    every step decreases f by at least (1-b2) xi ||g||^2 / (2 L (sigma^2 + xi))."""
    a = torch.tensor([0.5, 1.0, 4.0], dtype=torch.float64)
    x0 = torch.tensor([2.0, -1.0, 1.0], dtype=torch.float64)
    L, sigma, xi, b2 = 4.0, float((a * x0).norm()), 0.3, 0.9
    alpha = dop.rmsprop_theorem_step(L, sigma, xi, b2)
    run = dop.run_deterministic(
        lambda x: 0.5 * (a * x**2).sum(),
        x0,
        lambda p: dop.RMSProp(p, lr=alpha, beta2=b2, xi=xi),
        2000,
    )
    f, gn = run["f"], run["grad_norm"]
    needed = (1 - b2) * xi * gn[:-1] ** 2 / (2 * L * (sigma**2 + xi))
    assert np.all(f[:-1] - f[1:] >= needed * (1 - 1e-9))
    eps = 0.5
    bound = dop.rmsprop_theorem_iterations(L, sigma, xi, b2, gap=float(f[0]), eps=eps)
    hit = int(np.argmax(gn <= eps))
    assert gn[hit] <= eps and hit <= bound


def test_adam_threshold_and_step():
    assert dop.adam_beta1_threshold(0.1, 0.9) == pytest.approx(0.1)
    # large xi: our condition approaches the recalled one
    assert dop.adam_sufficient_step(1.0, 1.0, 1e6, 0.09, 0.1) > 0
    with pytest.raises(ValueError, match="beta1"):
        dop.adam_sufficient_step(1.0, 1.0, 1e6, 0.11, 0.1)
    T = dop.adam_iteration_bound(1.0, 1.0, 1.0, 0.01, 0.5, gap=1.0)
    assert T > 0 and math.isfinite(T)


def test_adam_sufficient_step_decreases_while_gradient_large():
    a = torch.tensor([1.0, 3.0], dtype=torch.float64)
    x0 = torch.tensor([1.0, -1.0], dtype=torch.float64)
    L, sigma, xi, eps = 3.0, float((a * x0).norm()), 1.0, 0.3
    b1 = 0.5 * dop.adam_beta1_threshold(eps, sigma) * xi / (sigma + xi)
    alpha = dop.adam_sufficient_step(L, sigma, xi, b1, eps)
    run = dop.run_deterministic(
        lambda x: 0.5 * (a * x**2).sum(),
        x0,
        lambda p: dop.Adam(p, lr=alpha, beta1=b1, xi=xi),
        100_000,
        eps=eps,
    )
    T = dop.adam_iteration_bound(L, sigma, xi, b1, eps, gap=float(run["f"][0]))
    assert run["hit"] is not None and run["hit"] <= T
    assert np.all(np.diff(run["f"]) < 0)


def test_run_deterministic_validates_and_records():
    with pytest.raises(TypeError, match="x0"):
        dop.run_deterministic(lambda x: x.sum(), [1.0], lambda p: dop.NAG(p, lr=0.1), 3)
    with pytest.raises(ValueError, match="n_steps"):
        dop.run_deterministic(lambda x: x.sum(), torch.zeros(1), lambda p: dop.NAG(p, lr=0.1), -1)
    run = dop.run_deterministic(
        lambda x: (x**2).sum(), torch.ones(2), lambda p: dop.NAG(p, lr=0.1), 5, record_x=True
    )
    assert run["x"].shape == (6, 2) and run["hit"] is None
    assert run["f"][0] == pytest.approx(2.0) and run["f"][-1] < run["f"][0]


@pytest.mark.parametrize(
    "ours,ref",
    [
        (
            lambda p: dop.Adam(p, lr=1e-3, bias_correction=True),
            lambda p: torch.optim.Adam(p, lr=1e-3, foreach=True),
        ),
        (
            lambda p: dop.RMSProp(p, lr=1e-3, beta2=0.99, xi_placement="outside"),
            lambda p: torch.optim.RMSprop(p, lr=1e-3, alpha=0.99, foreach=True),
        ),
        (
            lambda p: dop.NAG(p, lr=1e-2, momentum=0.99, form="lookahead"),
            lambda p: torch.optim.SGD(p, lr=1e-2, momentum=0.99, nesterov=True, foreach=True),
        ),
    ],
)
def test_float32_relu_autoencoder_matches_torch(ours, ref):
    """The chapter's setting: a float32 ReLU autoencoder (small), 100 mini-batch steps."""
    X = torch.rand(64, 20, generator=torch.Generator().manual_seed(0))

    def run(make):
        torch.manual_seed(0)
        net = torch.nn.Sequential(torch.nn.Linear(20, 16), torch.nn.ReLU(), torch.nn.Linear(16, 20))
        opt = make(list(net.parameters()))
        for t in range(N_STEPS):
            batch = X[(t % 4) * 16 : (t % 4 + 1) * 16]
            opt.zero_grad()
            ((net(batch) - batch) ** 2).mean().backward()
            opt.step()
        return torch.cat([p.detach().flatten() for p in net.parameters()])

    assert _max_diff(run(ours), run(ref)) < 1e-6
