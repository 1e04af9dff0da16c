"""Claims examined in Chapter 5 (RMSProp, ADAM and Nesterov acceleration)."""

from .._core import Claim

_P1 = "chapters/05_adaptive_methods/01_algorithms_as_analysed"
_P2 = "chapters/05_adaptive_methods/02_convergence_checks"
_P3 = "chapters/05_adaptive_methods/03_autoencoders_vs_nag"
_DE = "De, Mukherjee and Ullah 2018"

CLAIMS = (
    Claim(
        id="ch5.torch-conventions",
        statement=(
            "Where the conventions coincide (ADAM with bias correction and ξ outside the root, "
            "RMSProp with ξ outside, NAG in look-ahead variables), dlmath.optim's iterates are "
            "torch.optim's to rounding."
        ),
        source="the book's implementation (dlmath.optim) against torch.optim",
        provenance="ours",
        page=_P1,
    ),
    Claim(
        id="ch5.nag-forms",
        statement=(
            "Sutskever's NAG and torch's SGD(nesterov=True) are one algorithm: with "
            "y_t = x_t + μ v_t the iterates of the two forms coincide."
        ),
        source="Sutskever et al. 2013, Sec. 3 (the change of variables is our derivation)",
        provenance="ours",
        page=_P1,
    ),
    Claim(
        id="ch5.bias-correction-ratio",
        statement=(
            "Uncorrected ADAM's first steps are about (1−β₁)/√(1−β₂) ≈ 3.2 times those of "
            "bias-corrected ADAM."
        ),
        source="Kingma and Ba 2015, Alg. 1 (bias correction); the ratio is ours",
        provenance="ours",
        page=_P1,
    ),
    Claim(
        id="ch5.rmsprop-step-bound",
        statement=(
            "With ξ inside the average, RMSProp's step per unit gradient, α/√v_t, is at most "
            "α/√((1−β₂)ξ) in every coordinate; with ξ outside, α/(√v_t+ξ) is at most α/ξ "
            "(bounds on the effective step size, not on the step)."
        ),
        source="our derivation (the preconditioner bounds the proofs rest on)",
        provenance="ours",
        page=_P1,
    ),
    Claim(
        id="ch5.bias-correction-warmup",
        statement=(
            "Uncorrected ADAM is bias-corrected ADAM run with the learning-rate schedule "
            "α(1−β₁ᵗ)/√(1−β₂ᵗ) (exactly, up to the placement of ξ): for β₁ = 0.99 a warm-up "
            "over about 1/(1−β₁) steps, for β₁ = 0.9 a boost above 1 for the first hundred."
        ),
        source="our derivation from Kingma and Ba 2015, Alg. 1",
        provenance="ours",
        page=_P1,
    ),
    Claim(
        id="ch5.rmsprop-deterministic",
        statement=(
            "Deterministic RMSProp with step (1−β₂)ξ/(L√(σ²+ξ)) decreases f by at least "
            "(1−β₂)ξ‖∇f‖²/(2L(σ²+ξ)) per step and so reaches ‖∇f‖ ≤ ε within "
            "2L(σ²+ξ)(f(x₁)−f*)/((1−β₂)ξε²) steps (robust regression, closed-form L and σ)."
        ),
        source=f"{_DE}, the deterministic RMSProp theorem (numbering not checked)",
        provenance="recalled",
        page=_P2,
    ),
    Claim(
        id="ch5.rmsprop-deterministic-ae",
        statement=(
            "The deterministic RMSProp guarantee on a tanh autoencoder, with L and σ estimated "
            "and then verified along the run."
        ),
        source=f"{_DE}, the deterministic RMSProp theorem (numbering not checked)",
        provenance="recalled",
        page=_P2,
    ),
    Claim(
        id="ch5.rmsprop-stochastic",
        statement=(
            "Under the sign condition, stochastic RMSProp with step 1/√T has "
            "min_t E‖∇f(x_t)‖² = O(1/√T)."
        ),
        source=f"{_DE}, the stochastic RMSProp theorem (numbering not checked)",
        provenance="recalled",
        page=_P2,
    ),
    Claim(
        id="ch5.sign-condition-interpolation",
        statement=(
            "The sign condition forces interpolation: at a critical point of f every component "
            "gradient ∇f_p vanishes."
        ),
        source="our derivation",
        provenance="ours",
        page=_P2,
    ),
    Claim(
        id="ch5.rate-without-interpolation",
        statement=(
            "On a problem that violates the sign condition (and does not interpolate), "
            "stochastic RMSProp with β₂ = 0.999 and step 1/√T still drives the late "
            "E‖∇f‖² down at least like 1/√T."
        ),
        source="our experiment on the theorem's rate",
        provenance="ours",
        page=_P2,
    ),
    Claim(
        id="ch5.sign-condition-stall",
        statement=(
            "Without the sign condition, stochastic RMSProp with β₂ = 0.5 stalls at a "
            "non-critical point: the late E‖∇f‖² does not decrease with T."
        ),
        source="our experiment (the condition of the stochastic RMSProp theorem)",
        provenance="ours",
        page=_P2,
    ),
    Claim(
        id="ch5.adam-deterministic",
        statement=(
            "Deterministic ADAM with β₁ < ε/(ε+σ) reaches ‖∇f‖ ≤ ε with f decreasing at "
            "every step."
        ),
        source=f"{_DE}, the deterministic ADAM theorem (numbering not checked)",
        provenance="recalled",
        page=_P2,
    ),
    Claim(
        id="ch5.adam-large-beta1",
        statement=(
            "Beyond the threshold (β₁ = 0.9, 0.99) ADAM loses monotone descent but still "
            "reaches ε on robust regression, more slowly."
        ),
        source="our experiment",
        provenance="ours",
        page=_P2,
    ),
    Claim(
        id="ch5.nag-sqrt-kappa",
        statement=(
            "On a quadratic with condition number κ, NAG with μ = (√κ−1)/(√κ+1) needs "
            "O(√κ log 1/ε) steps, gradient descent with step 1/L needs O(κ log 1/ε)."
        ),
        source="Nesterov 1983; the strongly convex rates as in Nesterov's textbook",
        provenance="recalled",
        page=_P2,
    ),
    Claim(
        id="ch5.reddi-counterexample",
        statement=(
            "On the online problem f_t(x) = Cx (t ≡ 1 mod 3), −x otherwise, x ∈ [−1, 1], "
            "C > 2, ADAM with β₁ = 0, β₂ = 1/(1+C²) and steps α/√t drifts to x = +1, the "
            "worst point, while AMSGrad goes to the optimum x = −1."
        ),
        source="Reddi et al. 2018, Thm 1 (construction recalled, not checked against the paper)",
        provenance="recalled",
        page=_P2,
    ),
    Claim(
        id="ch5.adam099-beats-nag",
        statement=(
            "ADAM with β₁ = 0.99 reaches a lower training loss than NAG at its best momentum "
            "and learning rate (3-hidden-layer ReLU autoencoder on MNIST, mini-batches)."
        ),
        source=f"{_DE}, the autoencoder experiments (recalled from secondary sources)",
        provenance="recalled",
        page=_P3,
    ),
    Claim(
        id="ch5.nag-smaller-grad",
        statement="NAG drives the full-batch gradient norm lower than ADAM with β₁ = 0.99.",
        source=f"{_DE}, the autoencoder experiments (recalled from secondary sources)",
        provenance="recalled",
        page=_P3,
    ),
    Claim(
        id="ch5.nag-sometimes-beats-adam09",
        statement="With the default β₁ = 0.9, NAG is sometimes better than ADAM.",
        source=f"{_DE}, the autoencoder experiments (recalled from secondary sources)",
        provenance="recalled",
        page=_P3,
    ),
    Claim(
        id="ch5.xi-matters",
        statement="The value of ξ matters for ADAM's performance on the autoencoders.",
        source=f"{_DE}, the autoencoder experiments (recalled from secondary sources)",
        provenance="recalled",
        page=_P3,
    ),
    Claim(
        id="ch5.lambda-min-nag",
        statement=(
            "Along NAG the smallest Hessian eigenvalue increases after the first steps "
            "(NAG moves to flatter regions), more than along ADAM with β₁ = 0.99."
        ),
        source=f"{_DE}, the autoencoder experiments (recalled from secondary sources)",
        provenance="recalled",
        page=_P3,
    ),
)
