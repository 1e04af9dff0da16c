"""Claims examined in Chapter 4 (autoencoders that do sparse coding)."""

from .._core import Claim

_D = "chapters/04_sparse_coding/"

CLAIMS = (
    Claim(
        id="ch4.readme-coherence",
        statement=(
            "For n = 100 and h = 256 the co-authors' dictionary (Gaussian, rows orthogonalised, "
            "columns normalised) has coherence mu/sqrt(n) = 0.2998, i.e. xi = 0.2172."
        ),
        source="aarora8/Autoencoder, README.md (the simulation's parameters)",
        provenance="found",
        page=_D + "01_generative_model",
    ),
    Claim(
        id="ch4.support-recovery",
        statement=(
            "With the rows of W within distance delta of the columns of A* and a negative bias "
            "set from the incoherence, one ReLU layer recovers the support of x* with high "
            "probability: P(supp relu(Wy - eps) = supp x*) tends to 1 as h grows."
        ),
        source="Rangamani et al. 2018, Thm 3.1 (statement recalled, not checked against the paper)",
        provenance="recalled",
        page=_D + "02_support_recovery",
    ),
    Claim(
        id="ch4.support-deterministic",
        statement=(
            "If a(1 - delta) > (2k - 1) b (mu/sqrt(n) + delta) and eps = k b (mu/sqrt(n) + delta), "
            "every k-sparse code with entries in [a, b] has its support recovered exactly."
        ),
        source="the book's own lemma (our derivation)",
        provenance="ours",
        page=_D + "02_support_recovery",
    ),
    Claim(
        id="ch4.expected-gradient",
        statement=(
            "The norm of the expected gradient of the squared loss, ||E grad_{W_i} L||, is "
            "asymptotically (in h) negligible at A* and on a small neighbourhood of it: it "
            "decreases as h grows."
        ),
        source="Rangamani et al. 2018, main theorem (abstract; exact statement recalled)",
        provenance="found",
        page=_D + "03_expected_gradient",
    ),
    Claim(
        id="ch4.gradient-conditional",
        statement=(
            "The decay of ||E grad_{W_i} L|| comes from P(i in S) = h^(p-1): conditioned on "
            "i in S the expected gradient at A* decays more slowly than h^(-1/4)."
        ),
        source="the book's own analysis (our derivation)",
        provenance="ours",
        page=_D + "03_expected_gradient",
    ),
    Claim(
        id="ch4.well",
        statement=(
            "A* sits at the bottom of a well of the squared loss: along random directions the "
            "loss rises on both sides of A*."
        ),
        source="Rangamani et al. 2018, experiments (abstract)",
        provenance="found",
        page=_D + "03_expected_gradient",
    ),
    Claim(
        id="ch4.gd-far-init",
        statement=(
            "Gradient descent on the squared loss, started far from A* (every column at "
            "distance 2), gets columnwise very close to the original dictionary."
        ),
        source="Rangamani et al. 2018, experiments (abstract)",
        provenance="found",
        page=_D + "04_recovery_by_gd",
    ),
    Claim(
        id="ch4.protocol-recovery",
        statement=(
            "In the co-authors' MATLAB simulation (n = 100, h = 512, 7,000 samples, distance-2 "
            "start, eta = 0.03, at most 60 iterations with the code's stopping rule) the "
            "columnwise distance ||W_i - A*_i|| falls, "
            "i.e. the learned columns approach the dictionary's."
        ),
        source="aarora8/Autoencoder, Simulation_3413.m and README.md",
        provenance="found",
        page=_D + "04_recovery_by_gd",
    ),
)
