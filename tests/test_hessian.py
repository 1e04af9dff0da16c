"""Tests of dlmath.hessian against dense Hessians from torch.autograd.functional.hessian."""

import numpy as np
import pytest
import torch
from torch.func import functional_call

from dlmath import hessian as hs
from dlmath.autoencoders import make_autoencoder, reconstruction_loss


def tiny_problem(n_in=6, width=5, n_hidden=2, n=40, seed=0):
    model = make_autoencoder(n_in, width, n_hidden, seed=seed, dtype=torch.float64)
    X = torch.rand(n, n_in, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))
    return model, X


def dense_hessian(model, X):
    names = [n for n, _ in model.named_parameters()]
    shapes = [p.shape for p in model.parameters()]
    sizes = [p.numel() for p in model.parameters()]
    theta = torch.cat([p.detach().reshape(-1) for p in model.parameters()])

    def loss(flat):
        parts = dict(zip(names, (c.reshape(s) for c, s in
                                 zip(torch.split(flat, sizes), shapes, strict=True)), strict=True))
        return 0.5 * ((functional_call(model, parts, (X,)) - X) ** 2).sum(1).mean()

    return torch.autograd.functional.hessian(loss, theta, vectorize=True).numpy()


def test_hvp_matches_dense_hessian():
    model, X = tiny_problem()
    H = dense_hessian(model, X)
    v = np.random.default_rng(1).standard_normal(H.shape[0])
    hv = hs.hvp(lambda: reconstruction_loss(model, X), model, v)
    np.testing.assert_allclose(hv, H @ v, rtol=1e-10, atol=1e-12)


def test_operator_counts_products_and_is_symmetric():
    model, X = tiny_problem()
    op = hs.hessian_operator(lambda: reconstruction_loss(model, X), model)
    rng = np.random.default_rng(2)
    u, w = rng.standard_normal((2, op.shape[0]))
    assert abs(u @ op.matvec(w) - w @ op.matvec(u)) < 1e-10 * np.linalg.norm(u) * np.linalg.norm(w)
    assert op.n_products == 2


@pytest.mark.parametrize("which", ["SA", "LA"])
def test_lanczos_extreme_eigenvalue_matches_dense(which):
    model, X = tiny_problem(n_in=8, width=6, n_hidden=2, seed=3)  # p = 164 > ncv: ARPACK path
    H = dense_hessian(model, X)
    w = np.linalg.eigvalsh(H)
    res = hs.extreme_hessian_eigenvalue(lambda: reconstruction_loss(model, X), model,
                                        which=which, tol=1e-10, ncv=40, maxiter=500)
    expected = w[0] if which == "SA" else w[-1]
    assert res.converged
    assert res.value == pytest.approx(expected, rel=1e-6, abs=1e-9)
    np.testing.assert_allclose(H @ res.vector, res.value * res.vector, atol=1e-6)
    assert res.n_products > 0


def test_min_eigenvalue_is_negative_at_a_saddle_of_a_relu_autoencoder():
    # The loss of a ReLU autoencoder is not convex: the exact lambda_min is negative here.
    model, X = tiny_problem(seed=4)
    w0 = np.linalg.eigvalsh(dense_hessian(model, X))[0]
    res = hs.min_hessian_eigenvalue(lambda: reconstruction_loss(model, X), model, tol=1e-8,
                                    ncv=30, maxiter=500)
    assert w0 < 0
    assert res.value == pytest.approx(w0, rel=1e-5)


def test_quadratic_with_known_spectrum():
    A = np.diag([-2.0, 0.5, 1.0, 3.0, 7.0] + [1.5] * 40)
    Q = np.linalg.qr(np.random.default_rng(5).standard_normal((45, 45)))[0]
    A = torch.tensor(Q @ A @ Q.T)
    x = torch.randn(45, dtype=torch.float64, requires_grad=True)
    res = hs.min_hessian_eigenvalue(lambda: 0.5 * x @ A @ x, [x], tol=1e-10, ncv=20,
                                    maxiter=500)
    assert res.value == pytest.approx(-2.0, rel=1e-8)


def test_small_problem_uses_dense_path():
    x = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    A = torch.tensor([[2.0, 1.0, 0.0], [1.0, 2.0, 0.0], [0.0, 0.0, -1.0]], dtype=torch.float64)
    res = hs.extreme_hessian_eigenvalue(lambda: 0.5 * x @ A @ x, [x], which="LA")
    assert res.value == pytest.approx(3.0) and res.converged and res.n_products == 3


def test_unused_parameters_give_zero_rows():
    x = torch.ones(2, requires_grad=True, dtype=torch.float64)
    unused = torch.ones(1, requires_grad=True, dtype=torch.float64)
    hv = hs.hvp(lambda: (x**2).sum(), [x, unused], np.array([1.0, 2.0, 5.0]))
    np.testing.assert_allclose(hv, [2.0, 4.0, 0.0])


def test_bad_inputs():
    x = torch.ones(2, requires_grad=True)
    with pytest.raises(ValueError, match="params"):
        hs.hessian_operator(lambda: x.sum(), [torch.ones(2)])
    with pytest.raises(TypeError, match="loss_fn"):
        hs.hessian_operator(3.0, [x])
    with pytest.raises(ValueError, match="scalar"):
        hs.flat_grad(x * 2, [x])
    with pytest.raises(ValueError, match="v must have shape"):
        hs.hvp(lambda: (x**2).sum(), [x], np.ones(3))
    with pytest.raises(ValueError, match="which"):
        hs.extreme_hessian_eigenvalue(lambda: (x**2).sum(), [x], which="LM")
    with pytest.raises(ValueError, match="tol"):
        hs.min_hessian_eigenvalue(lambda: (x**2).sum(), [x], tol=0.0)
    with pytest.raises(ValueError, match="ncv"):
        hs.min_hessian_eigenvalue(lambda: (x**2).sum(), [x], ncv=2)


def test_single_tensor_params_and_non_tensor_params():
    # A bare tensor is one parameter (not the list of its rows): H = diag(2, 6 x) for sum(x^2 + x^3)
    x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    loss = lambda: (x**2 + x**3).sum()  # noqa: E731
    np.testing.assert_allclose(hs.hvp(loss, x, [1.0, 1.0]), [2 + 6 * 1.0, 2 + 6 * 2.0])
    with pytest.raises(TypeError, match="params"):
        hs.hessian_operator(loss, [1.0])
    with pytest.raises(TypeError, match="params"):
        hs.hessian_operator(loss, 3)
