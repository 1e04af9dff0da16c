"""Claims examined in Chapter 3 (training a ReLU gate and depth-2 nets without gradients)."""

from .._core import Claim

_D = "chapters/03_relu_gate/"
_P1, _P2, _P3, _P4 = (_D + p for p in ("01_tron_relu_gate", "02_data_poisoning", "03_neurotron",
                                         "04_noisy_gd"))  # fmt: skip

CLAIMS = (
    Claim(
        id="ch3.tron-linear-time",
        statement=(
            "Tron trains a ReLU gate in the realizable setting in linear time, for almost any "
            "input law; read here as: at batch size 1 the samples needed for a fixed accuracy "
            "grow linearly with the dimension (each sample costs O(n) work)."
        ),
        source="Mukherjee 2020 (arXiv:2104.14033), abstract; Karmakar & Mukherjee 2020 "
        "(arXiv:2005.04211), abstract",
        provenance="found",
        page=_P1,
    ),
    Claim(
        id="ch3.tron-rate",
        statement=(
            "For symmetric inputs Tron's mean-square error contracts by the factor rho^2 of "
            "thm-ch3-tron-rate per step, and for isotropic inputs rho^2 is the measured "
            "asymptotic rate (Gaussian, Laplace, Student-t(5), bimodal inputs)."
        ),
        source="the book's derivation (thm-ch3-tron-rate)",
        provenance="ours",
        page=_P1,
    ),
    Claim(
        id="ch3.minibatch-scaling",
        statement=(
            "At the best step, iterations to a fixed accuracy fall like 1/b up to the critical "
            "batch size 2 kappa / Lambda^2 and then saturate, as thm-ch3-tron-rate predicts."
        ),
        source="the book's derivation; the papers state that their analysis tracks the "
        "batch size (Karmakar & Mukherjee 2020, abstract)",
        provenance="ours",
        page=_P1,
    ),
    Claim(
        id="ch3.mimics-sgd",
        statement=(
            "Tron's trajectories closely mimic those of SGD; tested as: on a ReLU gate the "
            "asymptotic decay rates of the two agree."
        ),
        source="Karmakar & Mukherjee 2020 (arXiv:2005.04211 v5), abstract",
        provenance="found",
        page=_P1,
    ),
    Claim(
        id="ch3.graceful-degradation",
        statement=(
            "Under the bounded additive label attack, Neuro-Tron still recovers w* approximately: "
            "without attack the error reaches machine precision, and the error floor grows with "
            "the attack's magnitude theta* and probability beta (the eight simulations)."
        ),
        source="Karmakar, Mukherjee & Papamarkou 2020 (arXiv:2005.01699), abstract; the "
        "simulation grid of the public experiment code",
        provenance="found",
        page=_P2,
    ),
    Claim(
        id="ch3.floor-prediction",
        statement=(
            "The floor under an attack independent of the input is, to first order in the step, "
            "theta* sqrt(eta beta r / (b q)) for Neuro-Tron (prop-ch3-floor), whatever the input "
            "law: the measured floor over the prediction tends to 1 as the step shrinks."
        ),
        source="the book's derivation (prop-ch3-floor)",
        provenance="ours",
        page=_P2,
    ),
    Claim(
        id="ch3.correlated-bias",
        statement=(
            "An adversary correlated with the input, xi = theta* sign(c'x), moves Neuro-Tron's "
            "fixed point by the bias of prop-ch3-floor (3), of order beta theta*, which does "
            "not shrink with the step size."
        ),
        source="the book's derivation (prop-ch3-floor)",
        provenance="ours",
        page=_P2,
    ),
    Claim(
        id="ch3.outperforms-sgd",
        statement=(
            "Neuro-Tron outperforms SGD in the poisoning experiments, under several input "
            "distributions including heavy-tailed ones; tested as speed to 1e-10 without attack "
            "on sim01 against SGD with the correct derivative and against the public code's "
            "first-sample variant."
        ),
        source="Karmakar, Mukherjee & Papamarkou 2020 (arXiv:2005.01699), abstract",
        provenance="found",
        page=_P3,
    ),
    Claim(
        id="ch3.sgd-trap",
        statement=(
            "From the experiments' start w = 1, SGD with the correct derivative ends, for a "
            "positive fraction of draws, trapped near -c* w* (prop-ch3-trap), on the far side of "
            "the origin, with every unit active on about half of the inputs: not at a dead net."
        ),
        source="the book's finding and derivation (prop-ch3-trap)",
        provenance="ours",
        page=_P3,
    ),
    Claim(
        id="ch3.q-assist",
        statement=(
            "Scaling the outer layer weight counters the poisoning attack: with q = 10 and the "
            "step divided by 5, Neuro-Tron's floor drops by more than the sqrt(5) that the "
            "smaller step alone would give (predicted: sqrt(50))."
        ),
        source="Karmakar, Mukherjee & Papamarkou 2020 (arXiv:2005.01699), abstract; the "
        "q-assist script of the public experiment code",
        provenance="found",
        page=_P3,
    ),
    Claim(
        id="ch3.noisy-gd-ball",
        statement=(
            "With no further distributional assumption, all iterates of noise-assisted gradient "
            "descent on a ReLU gate stay, with high probability, in a ball centred at the "
            "origin; tested with the book's radius R_delta (thm-ch3-noisy-ball)."
        ),
        source="Karmakar & Mukherjee 2020 (arXiv:2005.04211 v1/v2), abstract; the radius is "
        "the book's derivation",
        provenance="found",
        page=_P4,
    ),
)
