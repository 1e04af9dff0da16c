"""NAG under schedulers and failing closures, validated state dicts, real-only optimizers,
unconverged Lanczos, empty data in the autoencoder loop."""

import math

import numpy as np
import pytest
import torch
from _optim_helpers import run_steps

from dlmath import autoencoders as ae
from dlmath import hessian as hs
from dlmath import optim as dop


def _quadratic(seed=0, n=6):
    g = torch.Generator().manual_seed(seed)
    A = torch.randn(n, n, generator=g, dtype=torch.float64)
    H = A @ A.T / n + 0.1 * torch.eye(n, dtype=torch.float64)
    x0 = torch.randn(n, generator=g, dtype=torch.float64)
    return H, x0


def _run(opt_factory, x0, H, steps=20, closure=True, sched=True):
    x = x0.clone().requires_grad_(True)
    opt = opt_factory([x])
    sch = torch.optim.lr_scheduler.StepLR(opt, step_size=5, gamma=0.3) if sched else None
    traj = run_steps(opt, [x], lambda ps: 0.5 * ps[0] @ H @ ps[0], steps,
                     closure_step=closure, scheduler=sch)
    return torch.stack(traj), opt, x


def test_nag_forms_agree_under_a_scheduler_and_torch_only_at_constant_lr():
    H, x0 = _quadratic()
    mu = 0.9
    sut, opt_s, _ = _run(lambda p: dop.NAG(p, lr=0.1, momentum=mu), x0, H)
    v = torch.stack([opt_s.state[opt_s.param_groups[0]["params"][0]]["v"]])
    y0 = x0.clone()  # v_0 = 0, so y_0 = x_0
    look, _, _ = _run(lambda p: dop.NAG(p, lr=0.1, momentum=mu, form="lookahead"), y0, H, closure=False)
    # y_t = x_t + mu v_t under the schedule too (checked at the last step, where v is known)
    assert float((look[-1] - (sut[-1] + mu * v[0])).abs().max()) < 1e-12
    ref, _, _ = _run(lambda p: torch.optim.SGD(p, lr=0.1, momentum=mu, nesterov=True), y0, H, closure=False)
    assert float((look - ref).abs().max()) > 1e-3  # differs under StepLR, as documented
    look_c, _, _ = _run(lambda p: dop.NAG(p, lr=0.1, momentum=mu, form="lookahead"), y0, H,
                        closure=False, sched=False)
    ref_c, _, _ = _run(lambda p: torch.optim.SGD(p, lr=0.1, momentum=mu, nesterov=True), y0, H,
                       closure=False, sched=False)
    assert float((look_c - ref_c).abs().max()) < 1e-12


def test_nag_restores_parameters_when_the_closure_raises():
    H, x0 = _quadratic(1)
    _, opt, x = _run(lambda p: dop.NAG(p, lr=0.1, momentum=0.9), x0, H, steps=3, sched=False)
    before = x.detach().clone()
    v_before = opt.state[x]["v"].clone()
    assert float(v_before.abs().max()) > 0  # the shift to the look-ahead point is not a no-op

    def bad():
        raise RuntimeError("closure failed")

    with pytest.raises(RuntimeError, match="closure failed"):
        opt.step(bad)
    assert torch.equal(x.detach(), before) and torch.equal(opt.state[x]["v"], v_before)


@pytest.mark.parametrize(
    "make",
    [
        lambda p: dop.Adam(p, lr=0.01, beta1=0.9),
        lambda p: dop.RMSProp(p, lr=0.01),
        lambda p: dop.NAG(p, lr=0.01, momentum=0.5, form="lookahead"),
    ],
)
def test_state_dict_round_trip_continues_identically_and_is_validated(make):
    H, x0 = _quadratic(2)
    full, _, _ = _run(make, x0, H, steps=10, closure=False, sched=False)
    half, opt, x = _run(make, x0, H, steps=5, closure=False, sched=False)
    sd = opt.state_dict()
    x2 = x.detach().clone().requires_grad_(True)
    opt2 = make([x2])
    opt2.load_state_dict(sd)
    for _ in range(5):
        opt2.zero_grad()
        (0.5 * x2 @ H @ x2).backward()
        opt2.step()
    assert torch.equal(x2.detach(), full[-1])
    bad = opt.state_dict()
    bad["param_groups"][0]["lr"] = -1.0
    with pytest.raises(ValueError, match=r"param_groups'\]\[0\]: lr must be > 0"):
        opt2.load_state_dict(bad)
    with pytest.raises(TypeError, match="state_dict"):
        opt2.load_state_dict([1, 2])


def test_complex_parameters_are_refused():
    p = torch.nn.Parameter(torch.ones(2, dtype=torch.complex128))
    for make in (lambda: dop.Adam([p], lr=0.1), lambda: dop.RMSProp([p], lr=0.1),
                 lambda: dop.NAG([p], lr=0.1)):
        with pytest.raises(TypeError, match="real"):
            make()


def test_unconverged_lanczos_is_flagged(monkeypatch):
    g = torch.Generator().manual_seed(0)
    A = torch.randn(200, 200, generator=g, dtype=torch.float64)
    H = A @ A.T / 200
    x = torch.zeros(200, dtype=torch.float64, requires_grad=True)

    def loss():
        return 0.5 * x @ H @ x

    good = hs.min_hessian_eigenvalue(loss, [x], tol=1e-8, ncv=60, maxiter=500)
    assert good.converged
    assert good.value == pytest.approx(float(torch.linalg.eigvalsh(H)[0]), abs=1e-6)
    real = hs._lanczos

    def lmax_unconverged(op, which, **kw):  # ARPACK gave up on lambda_max (its best Ritz value)
        value, vec, ok = real(op, which, **kw)
        return value, vec, ok and which != "LA"

    monkeypatch.setattr(hs, "_lanczos", lmax_unconverged)
    assert not hs.min_hessian_eigenvalue(loss, [x], tol=1e-8, ncv=60, maxiter=500).converged


def test_train_autoencoder_records_unconverged_eigenvalues_as_nan(monkeypatch):
    model = ae.make_autoencoder(6, 5, 1, seed=0, dtype=torch.float64)
    X = torch.rand(8, 6, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    flags = iter([True, False])

    def fake(loss_fn, params, **kw):
        return hs.HessianEig(-0.5, np.zeros(1), 1, next(flags))

    monkeypatch.setattr(ae, "min_hessian_eigenvalue", fake)
    opt = dop.Adam(model.parameters(), lr=1e-3)
    hist = ae.train_autoencoder(model, X, X, opt, n_steps=2, hessian_every=2, eval_every=1)
    assert hist.min_eig[0] == -0.5 and math.isnan(hist.min_eig[1])
    assert hist.min_eig_converged == [True, False] and hist.min_eig_ritz == [-0.5, -0.5]


def test_empty_and_unvalidated_autoencoder_inputs_are_named():
    model = ae.make_autoencoder(4, 3, 1, seed=0)
    X = torch.rand(5, 4)
    opt = dop.Adam(model.parameters(), lr=1e-3)
    with pytest.raises(ValueError, match="X_train"):
        ae.train_autoencoder(model, X[:0], X, opt, n_steps=1)
    with pytest.raises(ValueError, match="X_test"):
        ae.train_autoencoder(model, X, X[:0], opt, n_steps=1)
    with pytest.raises(ValueError, match="lanczos_tol"):
        ae.train_autoencoder(model, X, X, opt, n_steps=1, lanczos_tol=-1.0)
    with pytest.raises(TypeError, match="X_train"):
        ae.train_autoencoder(model, X.numpy(), X, opt, n_steps=1)
    with pytest.raises(ValueError, match="at least one row"):
        ae.gradient_norm(model, torch.zeros(0, 4))
