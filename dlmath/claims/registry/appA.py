"""Claims examined in the appendix (local elasticity of training dynamics)."""

from .._core import Claim

_D = "chapters/A_local_elasticity/"
_PAPER = "Dan, Mukherjee, Das, Gampa 2021 (arXiv:2111.01166 v3), abstract"
_CODE = "Dan et al., public code (Anirbit-AI/Dynamics-of-Local-Elasticity-During-Training-of-Neural-Nets)"

CLAIMS = (
    Claim(
        id="appA.public-kl",
        statement=(
            "The public code's F.kl_div(softmax(new), softmax(old)) measures the KL divergence "
            "between a sample's softmax outputs before and after the step."
        ),
        source=_CODE + ", Scripts/Elasticity_*_KL.ipynb",
        provenance="found",
        page=_D + "01_what_is_local_elasticity",
    ),
    Claim(
        id="appA.within-exceeds-cross",
        statement=(
            "With the KL definition, S_rel is larger for pairs within the class of the sampled "
            "point than for pairs across classes, along training."
        ),
        source=_PAPER + " (CIFAR-10, CIFAR-100, SVHN with ResNet-18)",
        provenance="found",
        page=_D + "02_classification",
    ),
    Claim(
        id="appA.kl-sharper",
        statement=(
            "The KL definition of S_rel separates within-class from cross-class pairs more "
            "sharply than the original (He and Su) definition."
        ),
        source=_PAPER,
        provenance="found",
        page=_D + "02_classification",
    ),
    Claim(
        id="appA.ridge-closed-form",
        statement=(
            "For ridge regression on fixed random ReLU features trained by gradient flow, the "
            "weights V(t) and S_rel(t) of one gradient step have closed forms."
        ),
        source=(
            "the book's own derivation (the paper derives closed-form S_rel for gradient flows, "
            "Thms 5.1-5.3 per its code's README; not checked against the paper)"
        ),
        provenance="ours",
        page=_D + "03_regression_two_phases",
    ),
    Claim(
        id="appA.ridge-two-phases",
        statement=(
            "In regression, S_rel (original definition) shows two phases: an initial elastic "
            "phase in which it changes rapidly, then an inelastic phase in which it stays large."
        ),
        source=_PAPER + "; configurations of Scripts/Srel_Ridge_Feature.ipynb",
        provenance="found",
        page=_D + "03_regression_two_phases",
    ),
    Claim(
        id="appA.ridge-public-formula",
        statement=(
            "The public notebook's closed-form S_rel for the ridge model (labelled Equation (8) "
            "there) is the S_rel of one gradient step on the model."
        ),
        source=_CODE + ", Scripts/Srel_Ridge_Feature.ipynb",
        provenance="found",
        page=_D + "03_regression_two_phases",
    ),
)
