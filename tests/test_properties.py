"""Property-based tests (hypothesis, bounded example counts): the exact ERM optimum is no worse
than any given net and does not depend on the order of the data; optimizer state dicts round
trip; a sweep resumed after a crash redoes exactly the unfinished runs."""

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlmath import exact_erm as ee
from dlmath import optim as dop
from dlmath import sweep

FAST = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
coord = st.floats(-3, 3, allow_nan=False, allow_infinity=False).map(lambda v: round(v, 3))


@st.composite
def problem(draw):
    D = draw(st.integers(3, 6))
    n = draw(st.integers(1, 2))
    w = draw(st.integers(1, 2))
    X = np.array(draw(st.lists(st.lists(coord, min_size=n, max_size=n), min_size=D, max_size=D)))
    y = np.array(draw(st.lists(coord, min_size=D, max_size=D)))
    A = np.array(draw(st.lists(st.lists(coord, min_size=n, max_size=n), min_size=w, max_size=w)))
    b = np.array(draw(st.lists(coord, min_size=w, max_size=w)))
    s = np.array(draw(st.lists(st.sampled_from([1.0, -1.0]), min_size=w, max_size=w)))
    perm = np.array(draw(st.permutations(range(D))))
    return X, y, ee.TwoLayerReLU(A, b, s), perm


@FAST
@given(problem(), st.sampled_from(ee.LOSSES))
def test_erm_is_no_worse_than_any_net_and_ignores_data_order(prob, loss):
    X, y, net, perm = prob
    r = ee.erm_depth2(X, y, net.width, loss=loss)
    other = net.loss(X, y, loss)
    assert r.loss <= other + 1e-9 * max(1.0, other)
    assert r.net.loss(X, y, loss) == pytest.approx(r.loss, rel=1e-9, abs=1e-12)
    rp = ee.erm_depth2(X[perm], y[perm], net.width, loss=loss)
    assert rp.loss == pytest.approx(r.loss, rel=1e-7, abs=1e-9)
    # the zero net is in the class: no optimum may be worse than predicting 0
    assert r.loss <= np.mean(np.abs(y) if loss == "absolute" else y**2) + 1e-12


OPTIMIZERS = {
    "adam": lambda p, lr, m: dop.Adam(p, lr=lr, beta1=m),
    "rmsprop": lambda p, lr, m: dop.RMSProp(p, lr=lr, beta2=max(m, 0.5)),
    "nag": lambda p, lr, m: dop.NAG(p, lr=lr, momentum=m, form="lookahead"),
}


@FAST
@given(st.sampled_from(sorted(OPTIMIZERS)), st.floats(1e-3, 0.2), st.floats(0.0, 0.95),
       st.integers(1, 6), st.integers(1, 6), st.integers(0, 2**16))
def test_state_dict_round_trip_continues_identically(name, lr, m, k1, k2, seed):
    g = torch.Generator().manual_seed(seed)
    H = torch.randn(4, 4, generator=g, dtype=torch.float64)
    H = H @ H.T / 4 + 0.1 * torch.eye(4, dtype=torch.float64)
    x0 = torch.randn(4, generator=g, dtype=torch.float64)

    def steps(opt, x, k):
        for _ in range(k):
            opt.zero_grad()
            (0.5 * x @ H @ x).backward()
            opt.step()

    xa = x0.clone().requires_grad_(True)
    oa = OPTIMIZERS[name]([xa], lr, m)
    steps(oa, xa, k1 + k2)
    xb = x0.clone().requires_grad_(True)
    ob = OPTIMIZERS[name]([xb], lr, m)
    steps(ob, xb, k1)
    xc = xb.detach().clone().requires_grad_(True)
    oc = OPTIMIZERS[name]([xc], lr, m)
    oc.load_state_dict(ob.state_dict())
    steps(oc, xc, k2)
    assert torch.equal(xc.detach(), xa.detach())


def _crashy(settings):
    from pathlib import Path

    if (Path(settings["log"]).parent / f"crash-{settings['x']}").exists():
        raise RuntimeError("simulated crash")
    with open(settings["log"], "a") as f:
        f.write(f"{settings['x']}\n")
    return {"y": settings["x"] ** 2}


def _calls(log):
    return sorted(int(v) for v in log.read_text().split()) if log.exists() else []


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(2, 7), st.data())
def test_sweep_resume_redoes_exactly_the_unfinished_runs(tmp_path_factory, n, data):
    out = tmp_path_factory.mktemp("sweep")
    log = out / "calls.log"
    crash = data.draw(st.sets(st.integers(0, n - 1), min_size=1))
    grid = [{"x": x, "log": str(log)} for x in range(n)]
    for x in crash:
        (out / f"crash-{x}").touch()
    with pytest.warns(RuntimeWarning, match="simulated crash"):  # the other runs finish
        sweep.run_sweep(_crashy, grid, out / "o", backend="serial", on_error="warn", progress=False)
    assert _calls(log) == sorted(set(range(n)) - crash)
    for x in crash:
        (out / f"crash-{x}").unlink()
    log.unlink(missing_ok=True)
    recs = sweep.run_sweep(_crashy, grid, out / "o", backend="serial", progress=False)
    assert _calls(log) == sorted(crash)  # exactly the unfinished runs were redone
    assert [r["result"]["y"] for r in recs] == [x * x for x in range(n)]
