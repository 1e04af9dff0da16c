"""Claims examined in Chapter 1 (ReLU networks as functions)."""

from .._core import Claim

_P1 = "chapters/01_introduction/01_relu_nets_as_functions"
_P2 = "chapters/01_introduction/02_counting_pieces_and_regions"

CLAIMS = (
    Claim(
        id="ch1.relu-identities",
        statement=(
            "t = σ(t) − σ(−t), |t| = σ(t) + σ(−t) and max(a, b) = (a + b)/2 + |a − b|/2 are "
            "ReLU nets with one hidden layer of widths 2, 2 and 4."
        ),
        source="Arora et al. 2018, Sec. 2 (the identities used in the proof of Thm 2.1)",
        provenance="found",
        page=_P1,
    ),
    Claim(
        id="ch1.nets-are-pwl",
        statement=(
            "Every ReLU net ℝ→ℝ computes a continuous piecewise linear function, whose "
            "breakpoints and pieces follow from the weights layer by layer."
        ),
        source="Arora et al. 2018, Thm 2.1 (first part)",
        provenance="found",
        page=_P1,
    ),
    Claim(
        id="ch1.sawtooth-pieces",
        statement=(
            "The k-fold composition of the tent map, a ReLU net of depth k+1 and size 2k, has "
            "exactly 2^k affine pieces on [0, 1], with breakpoints j/2^k."
        ),
        source="Telgarsky 2016, the sawtooth construction (used in Arora et al. 2018, Sec. 3)",
        provenance="found",
        page=_P2,
    ),
    Claim(
        id="ch1.piece-bound",
        statement=(
            "A ReLU net ℝ→ℝ with hidden widths w_1, ..., w_k has at most "
            "2^{k−1}(w_1+1) w_2 ⋯ w_k affine pieces."
        ),
        source="Arora et al. 2018, Lemma D.5",
        provenance="found",
        page=_P2,
    ),
    Claim(
        id="ch1.random-pieces-depth",
        statement=(
            "For random nets at initialisation the number of pieces on the line grows with the "
            "number of neurons, not with depth: spreading the same neurons over more layers "
            "does not multiply the count."
        ),
        source="Hanin and Rolnick 2019 (main theorem and experiments)",
        provenance="recalled",
        page=_P2,
    ),
    Claim(
        id="ch1.line-arrangement",
        statement=(
            "L lines in general position crossing a bounded convex region, with I crossing "
            "points inside it, cut it into 1 + L + I regions; so a one-hidden-layer net on "
            "the plane has that many activation regions."
        ),
        source="Zaslavsky 1975 (line arrangements; here via Euler's formula)",
        provenance="recalled",
        page=_P2,
    ),
    Claim(
        id="ch1.random-regions-depth",
        statement=(
            "For random nets on the plane at initialisation, spreading N neurons over more "
            "hidden layers does not give more linear regions in a fixed box; the count grows "
            "with N (like N² in two input dimensions), not exponentially with depth."
        ),
        source="Hanin and Rolnick 2019 (observation for random initialisations)",
        provenance="recalled",
        page=_P2,
    ),
)
