"""Tests for the Chapter 5 evidence scale (dlmath.studies.ch5_evidence) and load_mnist."""

import pytest

from dlmath import claims as cl
from dlmath import data
from dlmath.studies import ch5_autoencoders as aes
from dlmath.studies import ch5_evidence as ev


def _rec(opt, lr, seed, loss, grad=1.0):
    s = dict(opt, lr=lr, seed=seed, n_hidden=3, batch_size=100)
    return {"settings": s, "result": {"final_train_loss": loss, "final_grad_norm": grad,
                                      "final_test_loss": loss}}


def test_stage1_covers_every_grid_point_once():
    s1 = ev.mid_settings(1)
    n = sum(len(lrs) for _, lrs in ev.MID_CONFIGS[: ev.SLICE[2]])
    assert len(s1) == n and all(s["seed"] == 0 and s["n_steps"] >= 3000 for s in s1)
    assert len({tuple(sorted(s.items())) for s in s1}) == n


def test_stage2_puts_the_optimum_first():
    best = {aes.config_label(o): lrs[2] for o, lrs in ev.MID_CONFIGS[: ev.SLICE[2]]}
    s2 = ev.mid_settings(2, best_lr=best)
    k = ev.SLICE[2] * 2
    assert all(s["lr"] == best[aes.config_label(s)] for s in s2[:k])
    assert {s["seed"] for s in s2} == {1, 2} and len(s2) == 3 * k
    with pytest.raises(ValueError, match="best_lr"):
        ev.mid_settings(2)


def test_stage2_of_a_best_only_slice_runs_the_optimum_only():
    depth = ev.BEST_ONLY[0]
    best = {aes.config_label(o): lrs[2] for o, lrs in ev.MID_CONFIGS[: depth[2]]}
    s2 = ev.mid_settings(2, depth, best_lr=best)
    assert len(s2) == 2 * depth[2] and all(s["lr"] == best[aes.config_label(s)] for s in s2)
    assert len(ev.mid_settings(2, depth, best_lr=best, best_only=False)) == 3 * len(s2)
    with pytest.raises(TypeError, match="best_only"):
        ev.mid_settings(1, best_only="yes")


def test_interior_optimum_flags_edges():
    opt, lrs = ev.MID_CONFIGS[0]
    by = {lr: [_rec(opt, lr, 0, loss)] for lr, loss in zip(lrs, [5, 4, 3, 2, 1], strict=True)}
    res = ev.interior_optimum(by, lrs)
    assert res["lr"] == lrs[-1] and not res["interior"]
    by = {lr: [_rec(opt, lr, 0, loss)] for lr, loss in zip(lrs, [5, 2, 1, 2, 5], strict=True)}
    res = ev.interior_optimum(by, lrs)
    assert res["lr"] == lrs[2] and res["interior"] and res["losses"][lrs[0]] == 5.0


def test_slice_optima_uses_seed_means():
    opt, lrs = ev.MID_CONFIGS[0]
    recs = [_rec(opt, lr, 0, loss) for lr, loss in zip(lrs, [5, 2, 1.9, 3, 6], strict=True)]
    # seeds 1, 2: the neighbour lrs[1] is better on average
    recs += [_rec(opt, lrs[1], s, 1.0) for s in (1, 2)]
    recs += [_rec(opt, lrs[2], s, 3.0) for s in (1, 2)]
    o = ev.slice_optima(recs, n_configs=1)[aes.config_label(opt)]
    assert o["lr"] == lrs[1] and o["interior"] and o["n_seeds"] == 3
    assert o["loss"] == [2.0, 1.0, 1.0]


def test_config_labels_are_distinct():
    labels = [aes.config_label(o) for o, _ in ev.MID_CONFIGS]
    assert len(set(labels)) == len(labels)


def test_load_mnist_needs_its_folder(monkeypatch, tmp_path):
    monkeypatch.delenv(data.MNIST_ENV, raising=False)
    with pytest.raises(data.DataUnavailableError, match=data.MNIST_ENV):
        data.load_mnist()
    monkeypatch.setenv(data.MNIST_ENV, str(tmp_path))
    with pytest.raises(data.DataUnavailableError, match="not found"):
        data.load_mnist("test")


def _full_config(opt, lrs, losses, seed_loss=None, grads=None):
    """Stage 1 at `losses` (seed 0) and stage 2 at the optimum and its neighbours."""
    recs = [_rec(opt, lr, 0, loss) for lr, loss in zip(lrs, losses, strict=True)]
    i = int(min(range(len(lrs)), key=lambda k: losses[k]))
    for j in (i - 1, i, i + 1):
        if 0 <= j < len(lrs):
            for s in (1, 2):
                val = seed_loss(s, lrs[j]) if seed_loss else losses[j]
                g = grads(s, lrs[j]) if grads else 1.0
                recs.append(_rec(opt, lrs[j], s, val, g))
    return recs


def test_slice_status_counts_both_stages():
    opt, lrs = ev.MID_CONFIGS[0]
    lab = aes.config_label(opt)
    recs = _full_config(opt, lrs, [5, 2, 1, 2, 5])
    st = ev.slice_status(recs, (3, 100, 1))[lab]
    assert st == {"stage1": [5, 5], "stage2": [6, 6], "complete": True}
    st = ev.slice_status(recs[:-1], (3, 100, 1))[lab]
    assert st["stage2"] == [5, 6] and not st["complete"]
    st = ev.slice_status(recs[1:], (3, 100, 1))[lab]  # one stage-1 point missing
    assert st["stage1"] == [4, 5] and st["stage2"][1] is None and not st["complete"]
    # stage 2 at the optimum only (the depth slices): two runs planned, the rest extra
    st = ev.slice_status(recs, (3, 100, 1), best_only=True)[lab]
    assert st["stage2"] == [2, 2] and st["complete"]
    assert ev.slice_status([], ev.BEST_ONLY[0])[aes.config_label(opt)]["stage2"] == [0, None]
    # an optimum at the grid's end plans two learning rates, not three
    st = ev.slice_status(_full_config(opt, lrs, [1, 2, 3, 4, 5]), (3, 100, 1))[lab]
    assert st["stage2"] == [4, 4] and st["complete"]


def test_design_settings_holds_every_stage():
    design = ev.design_settings((3, 100, 2))
    best = {aes.config_label(o): lrs[0] for o, lrs in ev.MID_CONFIGS[:2]}
    for s in ev.mid_settings(1, (3, 100, 2)) + ev.mid_settings(2, (3, 100, 2), best_lr=best):
        assert s in design
    assert len(design) == 2 * 5 * 3
    assert ev.slice_name((3, None, 4)) == "h3_full_c4" and ev.slice_name((1, 100, 4)) == "h1_b100_c4"


def _two_configs(delta, sd=0.01, edge=False):
    """ADAM b1=0.99 and NAG mu=0.9, complete; NAG's loss exceeds ADAM's by `delta` per seed."""
    (oa, la), (on, ln) = ev.MID_CONFIGS[0], ev.MID_CONFIGS[2]
    base = [1, 2, 3, 4, 5] if edge else [5, 2, 1, 2, 5]
    recs = _full_config(oa, la, base)
    recs += _full_config(on, ln, [b + delta for b in base],
                         seed_loss=lambda s, lr: base[ln.index(lr)] + delta + sd * (s - 1.5))
    return recs, aes.config_label(oa), aes.config_label(on)


def test_decide_difference_follows_the_interval():
    for delta, expected in ((0.5, cl.REPRODUCED), (-0.5, cl.NOT_AS_STATED),
                            (0.0, cl.INCONCLUSIVE)):
        recs, a, n = _two_configs(delta)
        optima = ev.slice_optima(recs, n_configs=3)
        status = ev.slice_status(recs, (3, 100, 3))
        v, e = ev.decide_difference(optima, status, n, a)
        assert v == expected and e["complete"] and e["seeds"] == 3
        assert e["mean"] == pytest.approx(delta, abs=0.02)
    recs, a, n = _two_configs(-0.5)
    optima, status = ev.slice_optima(recs, n_configs=3), ev.slice_status(recs, (3, 100, 3))
    assert ev.decide_difference(optima, status, n, a, refutable=False)[0] == cl.INCONCLUSIVE


def test_incomplete_evidence_is_inconclusive():
    recs, a, n = _two_configs(0.5, edge=True)
    optima, status = ev.slice_optima(recs, n_configs=3), ev.slice_status(recs, (3, 100, 3))
    v, e = ev.decide_difference(optima, status, n, a)
    assert v == cl.INCONCLUSIVE and "grid edge" in e["reason"]
    recs, a, n = _two_configs(0.5)
    short = [r for r in recs if not (r["settings"]["seed"] == 2 and "NAG" in aes.config_label(
        r["settings"]))]
    optima, status = ev.slice_optima(short, n_configs=3), ev.slice_status(short, (3, 100, 3))
    v, e = ev.decide_difference(optima, status, n, a)
    assert v == cl.INCONCLUSIVE and "cut short" in e["reason"]
    v, e = ev.decide_difference(optima, status, a, "NAG mu=0.99")
    assert v == cl.INCONCLUSIVE and "not run" in e["reason"]


def test_best_nag_and_paired_difference():
    recs, a, n = _two_configs(0.5)
    optima = ev.slice_optima(recs, n_configs=3)
    assert ev.best_nag(optima, 3) == n and ev.nag_labels(7) == ["NAG mu=0.9", "NAG mu=0.99"]
    d = ev.paired_difference(optima, n, a)
    assert d.shape == (3,) and d == pytest.approx([0.5, 0.5 - 0.005, 0.5 + 0.005])


def test_sometimes_verdict():
    R, N, I = cl.REPRODUCED, cl.NOT_AS_STATED, cl.INCONCLUSIVE
    assert ev.sometimes_verdict([N, I, R], 4) == R
    assert ev.sometimes_verdict([N, N, N, N], 4) == N
    assert ev.sometimes_verdict([N, N, N], 4) == I
    assert ev.sometimes_verdict([N, I, N, N], 4) == I
