"""Tests of dlmath.autoencoders: architecture, data, loss, optimizers, training loop, and history
(Chapter 5's study is tested in test_studies.py)."""

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


def test_full_batch_step_is_gradient_descent(data):
    X, Xt, _ = data
    m = ae.make_autoencoder(784, 8, 1, seed=2)
    theta0 = [p.detach().clone() for p in m.parameters()]
    m.zero_grad()
    ae.reconstruction_loss(m, X).backward()
    grads = [p.grad.clone() for p in m.parameters()]
    opt = optim.from_spec(m.parameters(), {"optimizer": "nag", "lr": 0.05, "momentum": 0.0})
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
        opt = optim.from_spec(m.parameters(), {"optimizer": "adam", "lr": 1e-3, "beta1": 0.9})
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
    opt = optim.from_spec(m.parameters(), {"optimizer": "nag", "lr": 50.0, "momentum": 0.99})
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
