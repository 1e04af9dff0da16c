"""Claims examined in Chapter 2 (ReLU nets: representation, depth, zonotopes, exact ERM).

Numbering is that of Arora, Basu, Mianjy and Mukherjee (ICLR 2018), the paper behind the
thesis's Chapter 2 (the thesis text itself was not available); that Mukherjee and Basu's
Boolean-circuit results are part of the chapter is an inference.
"""

from .._core import Claim

_P1 = "chapters/02_relu_nets/01_pwl_representation"
_P2 = "chapters/02_relu_nets/02_depth_separation"
_P3 = "chapters/02_relu_nets/03_zonotopes"
_P4 = "chapters/02_relu_nets/04_exact_erm"
_P5 = "chapters/02_relu_nets/05_boolean_lower_bounds"
_ARORA = "Arora et al. 2018"
_MB = "Mukherjee and Basu 2017"

CLAIMS = (
    # -- 01: representation ------------------------------------------------------------------
    Claim(
        id="ch2.max-affine-depth",
        statement=(
            "The maximum of n+1 affine maps of ℝⁿ is a ReLU net with ⌈log₂(n+1)⌉ hidden "
            "layers (the building block of the representation theorem)."
        ),
        source=f"{_ARORA}, Thm 2.1 (proof)",
        provenance="found",
        page=_P1,
    ),
    Claim(
        id="ch2.one-dim-size",
        statement=(
            "A PWL function ℝ→ℝ with p pieces is a net with one hidden layer of at most p "
            "units (p − 1 if an end piece is flat), the nets having a linear output layer."
        ),
        source=f"{_ARORA}, Thm 2.2 and Cor A.1",
        provenance="found",
        page=_P1,
    ),
    Claim(
        id="ch2.one-dim-lower-bound",
        statement=(
            "Every net with one hidden layer computing a PWL function ℝ→ℝ with p pieces has "
            "at least p − 1 units, and the bound is attained."
        ),
        source=f"{_ARORA}, Thm 2.2 (lower bound)",
        provenance="found",
        page=_P1,
    ),
    Claim(
        id="ch2.one-dim-exact-size",
        statement=(
            "With an output bias, a PWL function with p ≥ 2 pieces and non-zero slope jumps "
            "needs exactly p − 1 units if some subset of its slope jumps sums to its right "
            "slope, and p units otherwise."
        ),
        source="the book's Proposition on the exact size in one dimension",
        provenance="ours",
        page=_P1,
    ),
    Claim(
        id="ch2.approx-lq",
        statement=(
            "For 1 ≤ q < ∞, every f ∈ L^q is approximated arbitrarily well in L^q by ReLU "
            "nets; in one dimension by one hidden layer (for smooth f on [0, 1] at rate p^−2 "
            "with p units)."
        ),
        source=f"{_ARORA}, Thm 2.3 (q < ∞; the rate is ours)",
        provenance="found",
        page=_P1,
    ),
    Claim(
        id="ch2.approx-linf",
        statement=(
            "The approximation theorem includes q = ∞: every f ∈ L^∞ is a uniform limit of "
            "ReLU nets."
        ),
        source=f"{_ARORA}, Thm 2.3 (q = ∞)",
        provenance="found",
        page=_P1,
    ),
    # -- 02: depth separation ----------------------------------------------------------------
    Claim(
        id="ch2.hard-pieces",
        statement=(
            "A composition of k zig-zags h_a, a ∈ Δ^{w−1}_M, is a net with k hidden layers of "
            "w units and has exactly w^k pieces on [0, M], each mapped onto [0, M]."
        ),
        source=f"{_ARORA}, Thm 3.2",
        provenance="found",
        page=_P2,
    ),
    Claim(
        id="ch2.lemma-b1",
        statement=(
            "The composition H has at most w^k + 2 pieces on ℝ, of which w^k lie in [0, M]."
        ),
        source=f"{_ARORA}, Lemma B.1",
        provenance="found",
        page=_P2,
    ),
    Claim(
        id="ch2.lemma-d5",
        statement=(
            "A ReLU net ℝ→ℝ with hidden widths w_1, ..., w_k has at most "
            "2^{k−1}(w_1+1) w_2 ⋯ w_k pieces."
        ),
        source=f"{_ARORA}, Lemma D.5",
        provenance="found",
        page=_P2,
    ),
    Claim(
        id="ch2.lemma-d6",
        statement=(
            "A p-piece function computed with k hidden layers needs size ≥ ½ k p^{1/k} − 1; a "
            "net with k hidden layers and size s has at most (2s/k)^k pieces."
        ),
        source=f"{_ARORA}, Lemma D.6",
        provenance="found",
        page=_P2,
    ),
    Claim(
        id="ch2.depth-gap",
        statement=(
            "Every net with k' ≤ k hidden layers computing a member of the hard family "
            "(k hidden layers of width w) has size ≥ ½ k' w^{k/k'} − 1."
        ),
        source=f"{_ARORA}, Thm 3.1 (statement found; the formula reconstructed from Lemma D.6)",
        provenance="recalled",
        page=_P2,
    ),
    Claim(
        id="ch2.cor34",
        statement=(
            "A net with k² hidden layers of width k (size k³) computes a function for which "
            "every net with at most k hidden layers needs ≥ ½ k^{k+1} − 1 units."
        ),
        source=f"{_ARORA}, Cor 3.4",
        provenance="found",
        page=_P2,
    ),
    Claim(
        id="ch2.approx-hardness",
        statement=(
            "For δ ∈ (0, ¼) every net with k' ≤ k hidden layers and size at most "
            "k' w^{k/k'} (1 − 4δ)^{1/k'} / 2^{1+1/k'} is more than δ away in L¹[0, 1] from "
            "f_{k,w} (tested for k = w = 3)."
        ),
        source=f"{_ARORA}, Thm 3.5 (constant recalled)",
        provenance="recalled",
        page=_P2,
    ),
    Claim(
        id="ch2.sawtooth-l1",
        statement=(
            "A continuous g with at most q pieces on [0, 1] is at least "
            "(⌊N/2⌋ − (q − 1))⁺ / (2N) away in L¹ from the regular sawtooth with N pieces."
        ),
        source="the book's Proposition on few pieces and large error",
        provenance="ours",
        page=_P2,
    ),
    Claim(
        id="ch2.telgarsky-approx",
        statement=(
            "Applied to Telgarsky's sawtooth (depth k³ against depth k), hardness of "
            "approximation gives a size lower bound growing like 2^{k²} instead of 2^k."
        ),
        source=f"{_ARORA}, Sec. 3.1 (comparison with Telgarsky 2016)",
        provenance="found",
        page=_P2,
    ),
    Claim(
        id="ch2.gd-hard-target",
        statement=(
            "Within the step budget of the scale, full-batch Adam on 256 samples of the hard "
            "function H (w = k = 3) fits it worse, at every architecture tried, than least "
            "squares over random kinks with the largest width tried."
        ),
        source="the book's training experiment (not a claim of the paper)",
        provenance="ours",
        page=_P2,
    ),
    # -- 03: zonotopes -----------------------------------------------------------------------
    Claim(
        id="ch2.zonotope-vertices",
        statement=(
            "A zonotope with m generators in ℝⁿ has at most 2 Σ_{i<n} C(m−1, i) vertices, "
            "with equality for generic generators."
        ),
        source=f"{_ARORA}, Thm 3.6 (vertex formula recalled)",
        provenance="recalled",
        page=_P3,
    ),
    Claim(
        id="ch2.support-net",
        statement=(
            "The support function γ_Z(r) = Σ_i |⟨r, b^i⟩| of a zonotope is a net with one "
            "hidden layer of 2m units, linear on one cone per vertex."
        ),
        source=f"{_ARORA}, Lemma 3.7",
        provenance="found",
        page=_P3,
    ),
    Claim(
        id="ch2.zonotope-pieces",
        statement=(
            "For generic generators, H ∘ γ_Z has Σ_{i<n} C(m−1, i) w^k pieces."
        ),
        source=f"{_ARORA}, Thm 3.9 (i)",
        provenance="found",
        page=_P3,
    ),
    Claim(
        id="ch2.zonotope-pieces-exact",
        statement=(
            "H ∘ γ_Z has exactly 2 Σ_{i<n} C(m−1, i) w^k pieces meeting {γ_Z < M}, plus one "
            "zero ring for even w and k ≥ 2."
        ),
        source="the book's Proposition on the exact piece count",
        provenance="ours",
        page=_P3,
    ),
    Claim(
        id="ch2.zonotope-vs-montufar",
        statement=(
            "For narrow layers (n ≤ W < 2n) and many layers the zonotope construction gives "
            "more pieces than the construction of Montúfar et al. 2014, and it needs no "
            "width ≥ n."
        ),
        source=f"{_ARORA}, Sec. 3.2 (comparison with Montúfar et al. 2014, Thm 4, recalled)",
        provenance="found",
        page=_P3,
    ),
    # -- 04: exact ERM -----------------------------------------------------------------------
    Claim(
        id="ch2.cover-count",
        statement=(
            "D points in general position in ℝⁿ admit exactly 2 Σ_{i≤n} C(D−1, i) dichotomies "
            "by affine hyperplanes."
        ),
        source="Cover 1965 (used for the cell count of Arora et al. 2018, Sec. 4)",
        provenance="recalled",
        page=_P4,
    ),
    Claim(
        id="ch2.exact-erm",
        statement=(
            "Enumerating the realizable activation patterns and solving one convex program "
            "per pattern finds a global minimiser of the empirical risk of a net with one "
            "hidden layer and a linear output."
        ),
        source=f"{_ARORA}, Thm 4.1 and Alg. 1",
        provenance="found",
        page=_P4,
    ),
    Claim(
        id="ch2.erm-runtime",
        statement=(
            "The number of convex programs the algorithm solves is Θ(D^{nw}) for fixed n and "
            "w, so it runs in time O(2^w D^{nw} poly(D, n, w))."
        ),
        source=f"{_ARORA}, Thm 4.1 (running time recalled)",
        provenance="recalled",
        page=_P4,
    ),
    Claim(
        id="ch2.gd-stuck",
        statement=(
            "On data that a width-2 net fits exactly, a substantial share (more than 10%) of "
            "gradient-descent runs from random initialisations ends at a positive loss."
        ),
        source="the book's experiment (not a claim of the paper)",
        provenance="ours",
        page=_P4,
    ),
    Claim(
        id="ch2.appendix-c",
        statement=(
            "For one input dimension, to solve the ERM of a width-w net it suffices to find "
            "the best PWL function with w pieces."
        ),
        source=f"{_ARORA}, Appendix C",
        provenance="found",
        page=_P4,
    ),
    # -- 05: Boolean inputs ------------------------------------------------------------------
    Claim(
        id="ch2.sum-of-relu-separation",
        statement=(
            "Some Sum-of-ReLU-of-ReLU function ℝⁿ→ℝ is represented by no Sum-of-ReLU function "
            "of any size (witness here: max(0, x₁, x₂), our choice)."
        ),
        source=f"{_MB}, abstract (result 3); the witness and its proof are ours",
        provenance="found",
        page=_P5,
    ),
    Claim(
        id="ch2.andreev-restrictions",
        statement=(
            "Sizes of LTF-of-ReLU circuits for the Andreev function are bounded below by "
            "random restrictions (illustrated on instances with 6 and 8 bits)."
        ),
        source=f"{_MB}, abstract (result 1); the restriction step recalled",
        provenance="recalled",
        page=_P5,
    ),
    Claim(
        id="ch2.sign-rank",
        statement=(
            "Sign-rank lower bounds (Forster's N/‖M‖) give exponential size lower bounds for "
            "restricted ReLU circuits ending in a threshold gate (illustrated on Hadamard "
            "matrices)."
        ),
        source=f"{_MB}, abstract (result 2); the use of Forster's theorem recalled",
        provenance="recalled",
        page=_P5,
    ),
)
