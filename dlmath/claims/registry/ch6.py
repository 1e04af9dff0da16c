"""Claims examined in Chapter 6: PAC-Bayes bounds for stochastic nets, weight-space paths."""

from .._core import Claim

_CH = "chapters/06_pac_bayes/"

CLAIMS = (
    Claim(
        id="ch6.margin-bound-vacuous",
        statement="Evaluated with the constants of its proof on one-hidden-layer ReLU nets "
        "trained on real MNIST digits (binary and 10-class), the spectral-norm margin bound "
        "exceeds 1, i.e. is vacuous, at every width and training time tried.",
        source="Neyshabur, Bhojanapalli and Srebro 2018, Thm 1 (bound evaluated by the book)",
        provenance="ours",
        page=_CH + "02_margin_bound",
    ),
    Claim(
        id="ch6.margin-bound-grows-in-training",
        statement="For a fixed width, the spectral-norm margin bound grows as SGD training "
        "goes on, although the test error falls.",
        source="Neyshabur, Bhojanapalli and Srebro 2018, Thm 1 (behaviour measured by the book)",
        provenance="ours",
        page=_CH + "02_margin_bound",
    ),
    Claim(
        id="ch6.nonvacuous-optimized",
        statement="Optimizing a PAC-Bayes bound over diagonal Gaussian posteriors, with a "
        "data-free Gaussian prior centred at the random initialization, gives a non-vacuous "
        "(below 1) risk certificate for a stochastic one-hidden-layer ReLU net on binary MNIST.",
        source="Dziugaite and Roy 2017, Sec. 5 and its results table",
        provenance="recalled",
        page=_CH + "03_tighter_bounds",
    ),
    Claim(
        id="ch6.data-dependent-prior",
        statement="A Gaussian prior centred at weights learned on a part of the training data "
        "that is disjoint from the bound's sample gives a tighter certificate than the "
        "data-free prior at the initialization, although the bound then counts fewer examples.",
        source="Perez-Ortiz, Rivasplata, Shawe-Taylor and Szepesvari 2021, Sec. 6 (data-dependent "
        "priors)",
        provenance="recalled",
        page=_CH + "03_tighter_bounds",
    ),
    Claim(
        id="ch6.thesis-improved-bounds",
        statement="The thesis gives new and improved PAC-Bayesian bounds for the risk of "
        "stochastic neural nets.",
        source="Mukherjee 2020 (thesis), abstract",
        provenance="found",
        page=_CH + "03_tighter_bounds",
    ),
    Claim(
        id="ch6.path-geometry",
        statement="The paths traced in weight space during training have geometric properties "
        "that the thesis investigates experimentally.",
        source="Mukherjee 2020 (thesis), abstract",
        provenance="found",
        page=_CH + "04_weight_space_paths",
    ),
    Claim(
        id="ch6.relative-displacement-width",
        statement="After the same number of SGD steps, the hidden layer of a wider net has moved "
        "less from its initialization relative to its initial norm: ||W_T - W_0||_F / ||W_0||_F "
        "decreases with the width.",
        source="the book's measurement (the 'lazy training' picture of wide nets)",
        provenance="ours",
        page=_CH + "04_weight_space_paths",
    ),
)
