"""Tests for the Chapter 5 evidence scale (dlmath.studies.ch5_evidence) and load_mnist."""

import pytest

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
