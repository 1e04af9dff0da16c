"""Tests of dlmath.weight_paths: path statistics by hand, SGD with recording, bad inputs."""

import numpy as np
import pytest
import torch

from dlmath import weight_paths as wp
from dlmath.nets import build_mlp


def _cos(a, b):
    return float(np.sum(a * b) / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_recorder_statistics_by_hand():
    model = build_mlp([3, 4, 2], bias=False, seed=0)
    W0 = [p.detach().numpy().copy() for p in model.parameters()]
    rng = np.random.default_rng(0)
    A = [rng.standard_normal(w.shape) for w in W0]
    Bs = [rng.standard_normal(w.shape) for w in W0]
    rec = wp.PathRecorder(model)
    for step, delta in ((1, A), (2, Bs)):
        with torch.no_grad():
            for p, d in zip(model.parameters(), delta, strict=True):
                p.add_(torch.as_tensor(d, dtype=p.dtype))
        rec.record(step)
    h = rec.history()
    assert h.layers == ("0.weight", "2.weight")
    assert list(h.steps) == [0, 1, 2]
    for i in range(2):
        W2 = W0[i] + A[i] + Bs[i]
        assert h["dist_init"][2, i] == pytest.approx(np.linalg.norm(A[i] + Bs[i]), rel=1e-5)
        assert h["rel_dist"][2, i] == pytest.approx(
            np.linalg.norm(A[i] + Bs[i]) / np.linalg.norm(W0[i]), rel=1e-5)
        assert h["path_length"][2, i] == pytest.approx(
            np.linalg.norm(A[i]) + np.linalg.norm(Bs[i]), rel=1e-5)
        assert h["cos_init"][2, i] == pytest.approx(_cos(W2, W0[i]), abs=1e-5)
        assert h["spectral"][2, i] == pytest.approx(np.linalg.norm(W2, 2), rel=1e-5)
        assert h["stable_rank"][2, i] == pytest.approx(
            np.linalg.norm(W2) ** 2 / np.linalg.norm(W2, 2) ** 2, rel=1e-5)
        assert h["cos_successive"][2, i] == pytest.approx(_cos(Bs[i], A[i]), abs=1e-5)
        assert h["cos_step_disp"][2, i] == pytest.approx(_cos(Bs[i], A[i]), abs=1e-5)
        assert h["cos_init"][0, i] == pytest.approx(1.0, abs=1e-6)
    assert np.all(np.isnan(h["cos_successive"][:2]))
    assert h.sq_distance()[2] == pytest.approx(
        sum(np.linalg.norm(a + b) ** 2 for a, b in zip(A, Bs, strict=True)), rel=1e-5)


def test_recorder_keeps_three_copies_only():
    model = build_mlp([5, 6, 2], seed=0)
    rec = wp.PathRecorder(model)
    for step in range(1, 50):
        with torch.no_grad():
            for p in model.parameters():
                p.add_(0.01)
        rec.record(step)
    tensors = [t for t in (*rec._init, *rec._prev, *rec._last_step) if t is not None]
    assert len(tensors) == 3 * len(rec.layers)
    assert rec.history()["dist_init"].shape == (50, 2)


def test_train_sgd_is_deterministic_and_learns():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 4)).astype(np.float32)
    y = (X[:, 0] - X[:, 2] > 0).astype(int)
    runs = []
    for _ in range(2):
        model = build_mlp([4, 16, 2], seed=3)
        _, hist, losses = wp.train_sgd(model, X, y, lr=0.2, batch_size=20, epochs=10,
                                       record_every=5, seed=1)
        runs.append((hist, losses, model))
    assert np.array_equal(runs[0][1], runs[1][1])
    hist, losses, model = runs[0]
    assert losses[-10:].mean() < 0.5 * losses[:10].mean()
    assert wp.error_rate(model, torch.as_tensor(X), torch.as_tensor(y)) < 0.1
    assert list(hist.steps[:3]) == [0, 5, 10] and hist.steps[-1] == 100
    assert np.all(hist["path_length"] >= hist["dist_init"] - 1e-6)  # triangle inequality


@pytest.mark.parametrize(("call", "exc"), [
    (lambda: wp.PathRecorder("net"), TypeError),
    (lambda: wp.PathRecorder(torch.nn.ReLU()), ValueError),
    (lambda: wp.train_sgd(build_mlp([2, 2]), np.zeros((4, 2)), np.zeros(3), lr=0.1,
                          batch_size=2, epochs=1), ValueError),
    (lambda: wp.train_sgd(build_mlp([2, 2]), np.zeros((4, 2)), np.zeros(4), lr=-0.1,
                          batch_size=2, epochs=1), ValueError),
    (lambda: wp.train_sgd(build_mlp([2, 2]), np.zeros((4, 2)), np.zeros(4), lr=0.1,
                          batch_size=5, epochs=1), ValueError),
    (lambda: wp.train_sgd(build_mlp([2, 2]), np.zeros((4, 2)), np.zeros(4), lr=0.1,
                          batch_size=1, epochs=1e8), ValueError),
])
def test_bad_inputs(call, exc):
    with pytest.raises(exc):
        call()


def test_record_steps_must_increase():
    rec = wp.PathRecorder(build_mlp([2, 2]))
    rec.record(3)
    with pytest.raises(ValueError, match="increase"):
        rec.record(3)
    with pytest.raises(KeyError):
        rec.history()["nope"]


def test_sequence_stats_matches_the_recorder_by_hand():
    W = [np.eye(3), np.eye(3) + 0.1, np.eye(3) + 0.1 + np.diag([0.2, -0.2, 0.0])]
    st = wp.sequence_stats(W)
    a, b = W[2] - W[1], W[1] - W[0]
    assert st["cos_successive"][2] == pytest.approx(_cos(a, b))
    assert st["path_length"][2] == pytest.approx(np.linalg.norm(a) + np.linalg.norm(b))
    assert st["stable_rank"][2] == pytest.approx(
        np.linalg.norm(W[2]) ** 2 / np.linalg.norm(W[2], 2) ** 2)
    with pytest.raises(ValueError):
        wp.sequence_stats([np.eye(2), np.eye(3)])
