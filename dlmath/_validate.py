"""Input validation shared by every public ``dlmath`` function.

The messages follow scikit-learn's style: they name the argument, say what was expected and
show what was received, so that a reader who mistypes a call in a notebook sees at once which
argument to fix.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np

__all__ = [
    "as_float_array",
    "check_int",
    "check_real",
    "check_choice",
    "check_bool",
    "check_rng",
    "check_size",
    "reject_complex",
]


def as_float_array(
    x,
    name: str,
    *,
    ndim: int | Sequence[int] | None = None,
    shape: Sequence[int | None] | None = None,
    finite: bool = True,
    min_size: int = 0,
) -> np.ndarray:
    """Convert ``x`` to a float64 array and check its dimension, shape and values.

    ``shape`` may contain ``None`` for a free axis. Raises ``TypeError`` for non-numeric input
    and ``ValueError`` for a wrong dimension or shape, NaN/inf entries or too few entries.
    """
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"{name} must be an array of real numbers, got {type(x).__name__}")
    if hasattr(x, "detach") and hasattr(x, "cpu"):  # a torch tensor
        x = x.detach().cpu().numpy()
    reject_complex(x, name)
    try:
        arr = np.asarray(x, dtype=np.float64)
    except OverflowError as exc:  # a Python int beyond the float range
        raise ValueError(f"{name} must contain only finite values (an integer is beyond float64)") from exc
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be an array of real numbers, got {type(x).__name__}") from exc
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(str(a) for a in allowed)
            raise ValueError(f"{name} must be {want}-dimensional, got shape {arr.shape}")
    if shape is not None:
        if arr.ndim != len(shape) or any(
            s is not None and s != a for s, a in zip(shape, arr.shape, strict=False)
        ):
            want = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"
            raise ValueError(f"{name} must have shape {want}, got {arr.shape}")
    if arr.size < min_size:
        raise ValueError(f"{name} must have at least {min_size} entries, got {arr.size}")
    if finite and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite values (no NaN or inf)")
    return arr


def check_int(x, name: str, *, min_value: int | None = None, max_value: int | None = None) -> int:
    """Return ``x`` as an ``int`` after checking type and range (bools are rejected)."""
    if isinstance(x, bool) or not isinstance(x, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(x).__name__}")
    x = int(x)
    if min_value is not None and x < min_value:
        raise ValueError(f"{name} must be >= {min_value}, got {x}")
    if max_value is not None and x > max_value:
        raise ValueError(f"{name} must be <= {max_value}, got {x}")
    return x


def check_real(
    x,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
) -> float:
    """Return ``x`` as a finite ``float`` in the given interval, else raise."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(x).__name__}")
    try:
        x = float(x)
    except OverflowError as exc:
        raise ValueError(f"{name} must be finite, got an integer beyond the float range") from exc
    if not np.isfinite(x):
        raise ValueError(f"{name} must be finite, got {x}")
    if low is not None and (x < low or (x == low and not low_inclusive)):
        op = ">=" if low_inclusive else ">"
        raise ValueError(f"{name} must be {op} {low}, got {x}")
    if high is not None and (x > high or (x == high and not high_inclusive)):
        op = "<=" if high_inclusive else "<"
        raise ValueError(f"{name} must be {op} {high}, got {x}")
    return x


def check_choice(x, name: str, choices: Sequence[str]) -> str:
    """Return ``x`` if it is one of ``choices``, else raise a ``ValueError`` listing them."""
    if not isinstance(x, str):
        raise TypeError(f"{name} must be a string, one of {list(choices)}, got {type(x).__name__}")
    if x not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {x!r}")
    return x


def check_bool(x, name: str) -> bool:
    """Return ``x`` if it is a bool, else raise ``TypeError``."""
    if not isinstance(x, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(x).__name__}")
    return bool(x)


def check_rng(x, name: str = "rng") -> np.random.Generator:
    """Return ``x`` if it is a ``numpy.random.Generator`` (``np.random.default_rng(seed)``), else raise."""
    if not isinstance(x, np.random.Generator):
        raise TypeError(f"{name} must be a numpy.random.Generator, got {type(x).__name__}")
    return x


def reject_complex(x, name: str) -> None:
    """Raise ``TypeError`` if ``x`` is (or holds) complex numbers: converting them to float would
    silently drop the imaginary part."""
    if isinstance(x, (complex, np.complexfloating)):
        raise TypeError(f"{name} must be real, got the complex number {x!r}")
    kind = getattr(getattr(x, "dtype", None), "kind", None)
    if kind is None and isinstance(x, (list, tuple)):
        try:
            kind = np.asarray(x).dtype.kind
        except (TypeError, ValueError):
            kind = None  # ragged or mixed: the float conversion names the problem
    if kind == "c":
        raise TypeError(f"{name} must be real, got an array of complex numbers")


def check_size(estimate: float, limit: float, what: str, override: str | None = None) -> None:
    """Fail fast, before any work, when a combinatorial ``estimate`` of ``what`` exceeds
    ``limit``; the message names the size, its estimate, the limit and, where a user may really
    want the big run, the ``override`` argument that allows it."""
    if estimate > limit:
        if isinstance(estimate, int) and estimate.bit_length() > 1000:
            shown = f"2^{estimate.bit_length() - 1}"
        else:
            shown = f"{float(estimate):.3g}"
        tail = f"pass {override} to run it anyway" if override else "this size is refused"
        raise ValueError(f"{what} is about {shown}, above the limit {float(limit):.3g}; {tail}")
