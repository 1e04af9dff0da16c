"""Tests of dlmath.elasticity, dlmath.elasticity_ridge and dlmath.studies.elasticity."""

import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy.integrate import solve_ivp

from dlmath import elasticity as el
from dlmath import elasticity_ridge as er
from dlmath.studies import elasticity as se

# ---------------------------------------------------------------- divergences


def _logits(seed, shape=(5, 4)):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def test_kl_matches_explicit_formula_and_direction():
    a, b = _logits(0), _logits(1)
    p, q = F.softmax(a, -1).numpy(), F.softmax(b, -1).numpy()
    explicit = (p * np.log(p / q)).sum(-1)
    assert np.allclose(el.kl_from_logits(a, b).numpy(), explicit, rtol=1e-12)
    # KL is not symmetric: the other direction is a different number
    assert not np.allclose(el.kl_from_logits(b, a).numpy(), explicit, rtol=1e-3)
    # output_change("kl") is KL(old || new), old = second argument
    assert np.allclose(el.output_change(a, b, "kl").numpy(), (q * np.log(q / p)).sum(-1))
    assert torch.all(el.kl_from_logits(a, a).abs() < 1e-15)


def test_kl_from_logits_survives_underflow():
    a = torch.tensor([[0.0, -800.0, 0.0]], dtype=torch.float64)
    b = torch.tensor([[0.0, 0.0, 0.0]], dtype=torch.float64)
    # p = (1/2, 0, 1/2) up to e^-800; KL(p || uniform) = log(3/2)
    assert abs(float(el.kl_from_logits(a, b)) - np.log(1.5)) < 1e-12


def test_rms_and_public_kl_formulas():
    a, b = _logits(2), _logits(3)
    p, q = F.softmax(a, -1).numpy(), F.softmax(b, -1).numpy()
    assert np.allclose(el.rms_softmax_change(a, b).numpy(), np.sqrt(((p - q) ** 2).mean(-1)))
    # F.kl_div(p, q) = mean_c q_c (log q_c - p_c) = -(H(q) + <q, p>) / K
    public = -((-(q * np.log(q)).sum(-1)) + (q * p).sum(-1)) / q.shape[-1]
    assert np.allclose(el.kl_div_public(a, b).numpy(), public)
    assert np.all(el.kl_div_public(b, b).numpy() < 0)  # not zero when nothing changed


def test_divergence_bad_inputs():
    with pytest.raises(TypeError, match="logits_p"):
        el.kl_from_logits(np.zeros((2, 3)), _logits(0, (2, 3)))
    with pytest.raises(ValueError, match="same shape"):
        el.kl_from_logits(_logits(0, (2, 3)), _logits(0, (2, 4)))
    with pytest.raises(ValueError, match="at least 2 classes"):
        el.rms_softmax_change(torch.zeros(3, 1), torch.zeros(3, 1))
    with pytest.raises(ValueError, match="finite"):
        el.kl_div_public(torch.tensor([[0.0, float("nan")]]), torch.zeros(1, 2))
    with pytest.raises(ValueError, match="definition"):
        el.output_change(_logits(0), _logits(1), "l1")


# ---------------------------------------------------------------- S_rel of a torch classifier


@pytest.fixture
def tiny():
    net = el.small_cnn(3, channels=(2, 3), side=8, seed=0, dtype=torch.float64)
    g = torch.Generator().manual_seed(1)
    x = torch.randn(6, 1, 8, 8, generator=g, dtype=torch.float64)
    y = torch.tensor([0, 1, 2, 0, 1, 2])
    return net, x, y


@pytest.mark.parametrize("step,lr", [("adam", 1e-3), ("sgd", 1e-2)])
def test_batched_step_equals_torch_optim(tiny, step, lr):
    net, x, y = tiny
    fast = el.relative_similarity(net, x, y, x, definitions=el.DEFINITIONS, step=step, lr=lr)
    slow = el.relative_similarity(net, x, y, x, definitions=el.DEFINITIONS, step=step, lr=lr,
                                  batched=False)
    for d in el.DEFINITIONS:
        assert fast[d].shape == (6, 6)
        assert np.allclose(fast[d], slow[d], rtol=1e-9, atol=1e-12), d
        assert np.allclose(np.diag(fast[d]), 1.0)  # S_rel(x, x) = 1


def test_srel_by_hand_for_one_pair(tiny):
    net, x, y = tiny
    m2 = copy.deepcopy(net)
    loss = F.cross_entropy(m2(x[:1]), y[:1])
    grads = torch.autograd.grad(loss, list(m2.parameters()))
    with torch.no_grad():
        old = net(x)
        for p, g in zip(m2.parameters(), grads, strict=True):
            p -= 0.05 * g
        new = m2(x)
    p_old, p_new = F.softmax(old, -1).numpy(), F.softmax(new, -1).numpy()
    kl = (p_old * np.log(p_old / p_new)).sum(-1)
    rms = np.sqrt(((p_old - p_new) ** 2).mean(-1))
    got = el.relative_similarity(net, x[:1], y[:1], x, step="sgd", lr=0.05)
    assert np.allclose(got["kl"][0], kl / kl[0], rtol=1e-8)
    assert np.allclose(got["rms"][0], rms / rms[0], rtol=1e-10)


def test_caller_model_and_optimizer_unchanged(tiny):
    net, x, y = tiny
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    for _ in range(3):  # give the optimizer some state
        opt.zero_grad()
        F.cross_entropy(net(x), y).backward()
        opt.step()
    params = copy.deepcopy(net.state_dict())
    grads = [p.grad.clone() for p in net.parameters()]
    state = copy.deepcopy(opt.state_dict())
    for step in ("adam", "sgd", opt):
        el.relative_similarity(net, x, y, x, step=step)
    for k, v in net.state_dict().items():
        assert torch.equal(v, params[k]), k
    for p, g in zip(net.parameters(), grads, strict=True):
        assert torch.equal(p.grad, g)
    after = opt.state_dict()
    for i, s in state["state"].items():
        assert after["state"][i]["step"] == s["step"]
        assert torch.equal(after["state"][i]["exp_avg"], s["exp_avg"])
        assert torch.equal(after["state"][i]["exp_avg_sq"], s["exp_avg_sq"])


def test_copied_optimizer_uses_its_state(tiny):
    net, x, y = tiny
    fresh = torch.optim.Adam(net.parameters(), lr=1e-3)
    a = el.relative_similarity(net, x, y, x, step=fresh)
    b = el.relative_similarity(net, x, y, x, step="adam", lr=1e-3)
    assert np.allclose(a["kl"], b["kl"], rtol=1e-9)  # empty state = a fresh Adam step
    for _ in range(2):
        fresh.zero_grad()
        F.cross_entropy(net(x), y).backward()
        fresh.step()
    c = el.relative_similarity(net, x, y, x, step=fresh)
    d = el.relative_similarity(net, x, y, x, step="adam", lr=1e-3)
    assert not np.allclose(c["kl"], d["kl"], rtol=1e-3)  # momentum changes the step


def test_relative_similarity_bad_inputs(tiny):
    net, x, y = tiny
    with pytest.raises(TypeError, match="model"):
        el.relative_similarity(lambda z: z, x, y, x)
    with pytest.raises(TypeError, match="x_anchor"):
        el.relative_similarity(net, x.long(), y, x)
    with pytest.raises(ValueError, match="y_anchor"):
        el.relative_similarity(net, x, y[:3], x)
    with pytest.raises(TypeError, match="y_anchor"):
        el.relative_similarity(net, x, y.double(), x)
    with pytest.raises(ValueError, match="one shape"):
        el.relative_similarity(net, x, y, x[:, :, :4])
    with pytest.raises(ValueError, match="step"):
        el.relative_similarity(net, x, y, x, step="rmsprop")
    with pytest.raises(ValueError, match="lr"):
        el.relative_similarity(net, x, y, x, lr=0.0)
    with pytest.raises(TypeError, match="definitions"):
        el.relative_similarity(net, x, y, x, definitions="kl")
    other = torch.optim.SGD(el.small_cnn(3, channels=(2, 3), side=8).parameters(), lr=0.1)
    with pytest.raises(ValueError, match="optimizer"):
        el.relative_similarity(net, x, y, x, step=other)


def test_class_pair_means_excludes_self_pairs():
    s = np.arange(16.0).reshape(4, 4)
    lab = np.array([0, 0, 1, 1])
    m = el.class_pair_means(s, lab, lab, 2)
    assert m[0, 0] == pytest.approx((1 + 4) / 2)  # off-diagonal entries (0,1), (1,0) only
    assert m[0, 1] == pytest.approx((2 + 3 + 6 + 7) / 4)
    with pytest.raises(ValueError, match="no pairs"):
        el.class_pair_means(s, lab, lab, 3)


def test_small_cnn_shapes_and_seed():
    a, b = el.small_cnn(3, seed=4), el.small_cnn(3, seed=4)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    assert a(torch.zeros(2, 1, 28, 28)).shape == (2, 3)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in a.modules())
    with pytest.raises(ValueError, match="side"):
        el.small_cnn(3, side=30)


def test_separation_statistic():
    within, cross = 2.0, 0.5
    pm = np.full((3, 3, 3), cross)
    pm[:, np.arange(3), np.arange(3)] = within
    assert se.separation(pm) == pytest.approx(np.log(4.0))
    with pytest.raises(ValueError, match="positive"):
        se.separation(np.zeros((2, 3, 3)))


def test_resnet18_nobn_has_no_batchnorm():
    net = se.resnet18_nobn(3, 1, seed=0)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in net.modules())
    assert net(torch.zeros(2, 1, 28, 28)).shape == (2, 3)
    n_conv = sum(isinstance(m, torch.nn.Conv2d) and m.kernel_size == (3, 3) for m in net.modules())
    assert n_conv == 16  # 8 basic blocks of two 3x3 convolutions: ResNet-18


# ---------------------------------------------------------------- ridge model


@pytest.fixture(scope="module")
def ridge():
    return er.make_ridge_features(6, 5, np.random.default_rng(0), n_per_class=30)


def test_flow_matches_solve_ivp(ridge):
    V0 = np.random.default_rng(1).standard_normal((ridge.p, 2))
    t = np.array([0.0, 50.0, 300.0, 2000.0, 8000.0])
    closed = er.flow(ridge, V0, t)
    sol = solve_ivp(lambda _t, v: er.flow_field(ridge, v.reshape(ridge.p, 2)).ravel(),
                    (0, t[-1]), V0.ravel(), t_eval=t, method="DOP853", rtol=1e-11, atol=1e-13)
    ode = sol.y.T.reshape(len(t), ridge.p, 2)
    assert np.allclose(closed, ode, rtol=1e-7, atol=1e-10)
    a, b = np.array([35, 40]), np.array([3, 41])
    assert np.allclose(er.srel(ridge, closed, a, b), er.srel(ridge, ode, a, b), rtol=1e-6)


def test_flow_ends_at_ridge_solution_and_loss_decreases(ridge):
    V0 = np.random.default_rng(2).standard_normal((ridge.p, 2))
    H, E, n = ridge.features, ridge.targets, len(ridge.labels)
    # V* from the normal equations written with the data (independent of M and B)
    V_star = np.linalg.solve(H.T @ H / n + ridge.reg * np.eye(ridge.p), H.T @ E / n)
    assert np.allclose(er.flow(ridge, V0, [1e9])[0], V_star)
    Vt = er.flow(ridge, V0, np.linspace(0, 5000, 50))
    L = er.loss(ridge, Vt)
    direct = 0.5 * ((E - H @ Vt) ** 2).sum((-1, -2)) / n + 0.5 * ridge.reg * (Vt**2).sum((-1, -2))
    assert np.allclose(L, direct)
    assert np.all(np.diff(L) < 0)


def test_gd_is_euler_of_the_flow(ridge):
    V0 = np.random.default_rng(3).standard_normal((ridge.p, 2))
    traj = er.gd_trajectory(ridge, V0, 4, record_every=2)
    assert traj.shape == (3, ridge.p, 2)
    H, E, n = ridge.features, ridge.targets, len(ridge.labels)
    V = V0.copy()
    for _ in range(2):
        V = V - ridge.theta**2 * (H.T @ (H @ V - E) / n + ridge.reg * V)
    assert np.allclose(traj[1], V)


def test_srel_closed_form_equals_a_real_step(ridge):
    V = np.random.default_rng(4).standard_normal((ridge.p, 2))
    a, b = np.array([0, 10, 40, 59]), np.array([30, 11, 5, 58])
    exact = er.srel(ridge, V, a, b)
    assert np.allclose(er.srel_by_step(ridge, V, a, b, lr=1e-3), exact, rtol=1e-9)
    assert np.allclose(er.srel(ridge, V, a, a), 1.0)


def test_public_formula_differs_but_matches_its_own_reading(ridge):
    V = np.random.default_rng(5).standard_normal((ridge.p, 2))
    a, b = np.array([40, 45]), np.array([3, 7])
    H, n, c = ridge.features, len(ridge.labels), ridge.reg
    pub = er.srel_public_formula(ridge, V, a, b)
    for i, (ia, ib) in enumerate(zip(a, b, strict=True)):
        e = np.eye(2)[ridge.labels[ia]]
        # numerator: step on |N e - V^T h|^2 / (2N) + c |V|^2 / 2; denominator: on l(V; x_a)
        g_num = np.outer(H[ia], (H[ia] @ V - n * e) / n) + c * V
        g_den = np.outer(H[ia], H[ia] @ V - e) + c * V
        ratio = np.linalg.norm(H[ib] @ g_num) / np.linalg.norm(H[ia] @ g_den)
        assert pub[i] == pytest.approx(ratio, rel=1e-10)
    assert not np.allclose(pub, er.srel(ridge, V, a, b), rtol=1e-2)


def test_phase_boundary():
    t = np.arange(6.0)
    assert er.phase_boundary(t, [5, 3, 1.05, 2, 1.02, 0.99], 1.0) == 4.0
    assert er.phase_boundary(t, np.ones(6), 1.0) == 0.0
    assert er.phase_boundary(t, [1, 1, 1, 1, 1, 2], 1.0) == float("inf")


def test_ridge_bad_inputs(ridge):
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="p must be <="):
        er.make_ridge_features(10**6, 5, rng)
    with pytest.raises(ValueError, match="exceeds the limit"):
        er.make_ridge_features(100, 10**6, rng)
    with pytest.raises(TypeError, match="rng"):
        er.make_ridge_features(5, 5, 0)
    with pytest.raises(ValueError, match="V0 must have shape"):
        er.flow(ridge, np.zeros((ridge.p, 3)), [0.0])
    with pytest.raises(ValueError, match="t must be >= 0"):
        er.flow(ridge, np.zeros((ridge.p, 2)), [-1.0])
    with pytest.raises(ValueError, match="indices"):
        er.srel(ridge, np.zeros((ridge.p, 2)), [0], [10**6])
    with pytest.raises(TypeError, match="integer"):
        er.srel(ridge, np.zeros((ridge.p, 2)), [0.5], [1.0])
    with pytest.raises(TypeError, match="model"):
        er.srel("model", np.zeros((ridge.p, 2)), [0], [1])
    with pytest.raises(ValueError, match="finite"):
        er.flow(ridge, np.full((ridge.p, 2), np.nan), [0.0])
    dead = er.RidgeFeatureModel(np.array([[0.0, 0.0], [1.0, 2.0]]), np.array([0, 1]), 1.0, 1e-3)
    with pytest.raises(ValueError, match="undefined for anchors"):
        er.srel(dead, np.zeros((2, 2)), [0], [1])
    with pytest.raises(ValueError, match="undefined for anchors"):
        er.srel_public_formula(dead, np.zeros((2, 2)), [0], [1])
