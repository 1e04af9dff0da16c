"""Tests of dlmath.autoencoders: architecture, data, loss, optimizers, training loop, runner."""

import math

import numpy as np
import pytest
import torch

from dlmath import autoencoders as ae
from dlmath import optim


@pytest.fixture(scope="module")
def data():
    return ae.load_autoencoder_data(n_train=200, n_test=100)


def test_architecture_and_parameter_count():
    m = ae.make_autoencoder(784, 50, 3)
    sizes = [(layer.in_features, layer.out_features) for layer in m if hasattr(layer, "weight")]
    assert sizes == [(784, 50), (50, 50), (50, 50), (50, 784)]
    assert sum(isinstance(layer, torch.nn.ReLU) for layer in m) == 3
    assert not isinstance(m[-1], torch.nn.ReLU)  # linear output layer
    n = sum(p.numel() for p in m.parameters())
    assert n == 784 * 50 + 50 + 2 * (50 * 50 + 50) + 50 * 784 + 784


def test_initialisation_is_seeded_and_leaves_global_rng_alone():
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a = ae.make_autoencoder(10, 4, 1, seed=7)
    after = torch.rand(1)
    b = ae.make_autoencoder(10, 4, 1, seed=7)
    c = ae.make_autoencoder(10, 4, 1, seed=8)
    assert torch.equal(before, after)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    assert not torch.equal(a[0].weight, c[0].weight)


def test_mnist_split(data):
    X, Xt, desc = data
    assert X.shape == (200, 784) and Xt.shape == (100, 784)
    assert X.dtype == torch.float32 and 0.0 <= float(X.min()) and float(X.max()) <= 1.0
    assert float(X.max()) == 1.0  # real digits use the full 0..255 range
    full, full_t, _ = ae.load_autoencoder_data()
    assert full.shape == (4000, 784) and full_t.shape == (1000, 784)
    assert torch.equal(full[:200], X)  # n_train keeps a prefix of the same shuffle
    # train and test are disjoint images
    rows = {tuple(r) for r in (full * 255).round().to(torch.uint8).numpy().tolist()}
    assert not any(tuple(r) in rows for r in (full_t * 255).round().to(torch.uint8).numpy().tolist())
    assert "mnist_5k" in desc and "200 train" in desc


def test_data_bad_inputs():
    with pytest.raises(ValueError, match="source"):
        ae.load_autoencoder_data("cifar")
    with pytest.raises(ValueError, match="n_train"):
        ae.load_autoencoder_data(n_train=5000)


def test_reconstruction_loss_and_gradient_norm(data):
    X = data[0][:20]
    m = ae.make_autoencoder(784, 8, 1, seed=1)
    with torch.no_grad():
        out = m(X).numpy()
    expected = 0.5 * np.mean(np.sum((out - X.numpy()) ** 2, axis=1))
    assert float(ae.reconstruction_loss(m, X).detach()) == pytest.approx(expected, rel=1e-5)
    m.zero_grad()
    ae.reconstruction_loss(m, X).backward()
    g = math.sqrt(sum(float((p.grad**2).sum()) for p in m.parameters()))
    assert ae.gradient_norm(m, X) == pytest.approx(g, rel=1e-5)
    with pytest.raises(ValueError, match="X"):
        ae.reconstruction_loss(m, X[0])
    with pytest.raises(TypeError, match="X must be a torch tensor"):
        ae.gradient_norm(m, X.numpy())


def test_make_optimizer_builds_the_analysed_variants():
    p = [torch.nn.Parameter(torch.zeros(3))]
    a = ae.make_optimizer(p, {"optimizer": "adam", "lr": 1e-3, "beta1": 0.99, "xi": 0.1})
    assert isinstance(a, optim.Adam)
    g = a.param_groups[0]
    assert (g["beta1"], g["beta2"], g["xi"]) == (0.99, 0.999, 0.1)
    assert g["xi_placement"] == "outside" and g["bias_correction"] is False
    r = ae.make_optimizer(p, {"optimizer": "rmsprop", "lr": 1e-3, "beta2": 0.9})
    assert isinstance(r, optim.RMSProp) and r.param_groups[0]["xi_placement"] == "inside"
    n = ae.make_optimizer(p, {"optimizer": "nag", "lr": 0.1, "momentum": 0.99})
    assert isinstance(n, optim.NAG) and n.param_groups[0]["momentum"] == 0.99
    with pytest.raises(ValueError, match="optimizer"):
        ae.make_optimizer(p, {"optimizer": "sgd", "lr": 0.1})
    with pytest.raises(ValueError, match="lr"):
        ae.make_optimizer(p, {"optimizer": "nag", "lr": -1.0})
    with pytest.raises(TypeError, match="spec"):
        ae.make_optimizer(p, [("optimizer", "nag")])


def test_full_batch_step_is_gradient_descent(data):
    X, Xt, _ = data
    m = ae.make_autoencoder(784, 8, 1, seed=2)
    theta0 = [p.detach().clone() for p in m.parameters()]
    m.zero_grad()
    ae.reconstruction_loss(m, X).backward()
    grads = [p.grad.clone() for p in m.parameters()]
    opt = ae.make_optimizer(m.parameters(), {"optimizer": "nag", "lr": 0.05, "momentum": 0.0})
    ae.train_autoencoder(m, X, Xt, opt, n_steps=1)
    for p, p0, g in zip(m.parameters(), theta0, grads, strict=True):
        torch.testing.assert_close(p.detach(), p0 - 0.05 * g)


def test_minibatches_visit_every_image_once_per_epoch(data):
    X, Xt, _ = data
    seen = []

    class Spy(torch.nn.Module):  # identity net that records which rows it is fed
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.zeros(1))

        def forward(self, x):
            if x.shape[0] == 50:
                seen.append(x)
            return x + self.w

    spy = Spy()
    opt = torch.optim.SGD(spy.parameters(), lr=0.0)
    ae.train_autoencoder(spy, X, Xt, opt, n_steps=4, batch_size=50, eval_every=100)
    epoch = torch.cat(seen[:4])
    key = lambda T: sorted(map(tuple, T.numpy().round(4).tolist()))  # noqa: E731
    assert key(epoch) == key(X)


def test_training_reduces_loss_records_metrics_and_is_deterministic(data):
    X, Xt, _ = data

    def run():
        m = ae.make_autoencoder(784, 16, 1, seed=0)
        opt = ae.make_optimizer(m.parameters(), {"optimizer": "adam", "lr": 1e-3, "beta1": 0.9})
        return ae.train_autoencoder(m, X, Xt, opt, n_steps=60, batch_size=50, eval_every=20,
                                    hessian_every=30, hessian_n=50, seed=3)

    h = run()
    assert h.steps == [0, 20, 40, 60]
    assert len(h.train_loss) == len(h.test_loss) == len(h.grad_norm) == 4
    assert h.train_loss[-1] < 0.5 * h.train_loss[0]
    assert h.hessian_steps == [0, 30, 60] and all(math.isfinite(v) for v in h.min_eig)
    assert not h.diverged and h.final_train_loss == h.train_loss[-1]
    assert run().to_dict() == h.to_dict()


def test_divergence_is_detected(data):
    X, Xt, _ = data
    m = ae.make_autoencoder(784, 16, 3, seed=0)
    opt = ae.make_optimizer(m.parameters(), {"optimizer": "nag", "lr": 50.0, "momentum": 0.99})
    h = ae.train_autoencoder(m, X, Xt, opt, n_steps=200, eval_every=5)
    assert h.diverged and h.final_train_loss == math.inf and h.steps[-1] < 200


def test_train_bad_inputs(data):
    X, Xt, _ = data
    m = ae.make_autoencoder(784, 4, 1)
    opt = torch.optim.SGD(m.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="n_steps"):
        ae.train_autoencoder(m, X, Xt, opt, n_steps=0)
    with pytest.raises(ValueError, match="batch_size"):
        ae.train_autoencoder(m, X, Xt, opt, n_steps=1, batch_size=10_000)
    with pytest.raises(ValueError, match="same number of columns"):
        ae.train_autoencoder(m, X, Xt[:, :10], opt, n_steps=1)


def test_run_experiment_settings_roundtrip():
    s = {"n_train": 100, "n_test": 50, "width": 8, "n_hidden": 1, "n_steps": 10,
         "eval_every": 5, "optimizer": "adam", "lr": 1e-3, "beta1": 0.99, "xi": 1e-8,
         "seed": 1, "device": "cpu"}
    out = ae.run_experiment(s)
    assert out["steps"] == [0, 5, 10]
    assert out["final_train_loss"] == out["train_loss"][-1]
    assert out["final_grad_norm"] == out["grad_norm"][-1]
    assert ae.run_experiment(s) == out
    with pytest.raises(TypeError, match="settings"):
        ae.run_experiment([1])


def fake_record(n_hidden, bs, opt, lr, loss, grad=1.0):
    s = dict(opt, n_hidden=n_hidden, batch_size=bs, lr=lr, seed=0)
    return {"settings": s, "result": {"final_train_loss": loss, "final_grad_norm": grad}}


def test_labels():
    assert ae.config_label({"optimizer": "adam", "beta1": 0.99, "xi": 0.1}) == "ADAM b1=0.99 xi=1e-01"
    assert ae.config_label({"optimizer": "nag", "momentum": 0.9}) == "NAG mu=0.9"
    assert ae.regime_label(None) == "full batch" and ae.regime_label(100) == "batch 100"
    with pytest.raises(ValueError, match="optimizer"):
        ae.config_label({"optimizer": "sgd"})
    with pytest.raises(ValueError, match="batch_size"):
        ae.regime_label(0)
    with pytest.raises(TypeError, match="batch_size"):
        ae.regime_label(100.0)


def test_study_settings_sizes_and_contents():
    for scale, cfg in ae.STUDY_SCALES.items():
        g = ae.study_settings(scale, seeds=(0, 1))
        n_lr = sum(len(cfg["lrs"][c["optimizer"]]) for c in ae.STUDY_CONFIGS)
        assert len(g["main"]) == len(cfg["depths"]) * len(cfg["batch_sizes"]) * n_lr * 2
        assert len(g["xi"]) == (len(cfg["xis"]) - 1) * len(cfg["lrs"]["adam"]) * 2
        assert {s["n_hidden"] for s in g["main"]} == set(cfg["depths"])
        full = [s for s in g["main"] if s["batch_size"] is None]
        assert all(s["n_train"] == cfg["n_train_full_batch"] for s in full)
    full = ae.study_settings("full")["main"]
    assert {s["width"] for s in full} == {1000} and {s["source"] for s in full} == {"fashion_mnist"}
    assert ae.with_hessian({"a": 1}, "smoke")["hessian_every"] == 50
    with pytest.raises(ValueError, match="scale"):
        ae.study_settings("huge")


def test_best_runs_and_findings_pick_the_best_learning_rate():
    a99, a09 = ae.STUDY_CONFIGS[1], ae.STUDY_CONFIGS[0]
    nag9, nag99 = ae.STUDY_CONFIGS[2], ae.STUDY_CONFIGS[3]
    recs = [
        fake_record(3, None, a99, 1e-3, 5.0, grad=9.0),
        fake_record(3, None, a99, 1e-2, 2.0, grad=8.0),
        fake_record(3, None, a09, 1e-3, 1.0, grad=7.0),
        fake_record(3, None, nag9, 1e-3, 3.0, grad=0.5),
        fake_record(3, None, nag9, 1e-2, math.inf, grad=math.inf),  # diverged
        fake_record(3, None, nag99, 1e-3, 4.0, grad=0.1),
    ]
    best = ae.best_runs(recs)
    assert best[(3, "full batch", ae.config_label(a99))]["settings"]["lr"] == 1e-2
    assert best[(3, "full batch", ae.config_label(nag9))]["settings"]["lr"] == 1e-3
    (row,) = ae.findings(recs)
    assert row["best_nag"] == "NAG mu=0.9" and row["grad_nag"] == 0.5 and row["grad_adam099"] == 8.0
    assert row["adam099_beats_nag"] and row["adam09_beats_nag"] and row["nag_smaller_grad"]
    recs[1] = fake_record(3, None, a99, 1e-2, 3.5, grad=0.1)
    (row,) = ae.findings(recs)
    assert not row["adam099_beats_nag"] and not row["nag_smaller_grad"]


def test_run_study_tiny(tmp_path, monkeypatch):
    tiny = dict(ae.STUDY_SCALES["smoke"], n_train=100, n_train_full_batch=100, n_test=50, width=4,
                n_steps=4, eval_every=2, lrs={"adam": (1e-3,), "nag": (1e-3,)},
                hessian_every=2, hessian_n=20, lanczos_ncv=10)
    monkeypatch.setitem(ae.STUDY_SCALES, "smoke", tiny)
    res = ae.run_study("smoke", tmp_path, device="cpu", backend="serial", progress=False)
    assert len(res["main"]) == 8 and len(res["xi"]) == 1 and len(res["hessian"]) == 4
    assert all(r["result"]["hessian_steps"] == [0, 2, 4] for r in res["hessian"])
    again = ae.load_study(tmp_path)
    assert {k: len(v) for k, v in again.items()} == {"main": 8, "xi": 1, "hessian": 4}
    assert ae.load_study(tmp_path / "none") == {"main": [], "xi": [], "hessian": []}
