"""Claims examined in Chapter 1 (ReLU networks as functions)."""

from .._core import Claim

_P2 = "chapters/01_introduction/02_counting_pieces_and_regions"

CLAIMS = (
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
)
