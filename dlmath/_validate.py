"""Input validation shared by every public ``dlmath`` function.

The messages follow scikit-learn's style: they name the argument, say what was expected and
show what was received, so that a reader who mistypes a call in a notebook sees at once which
argument to fix.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any, TypeVar

import numpy as np

__all__ = [
    "as_float_array",
    "check_int",
    "check_real",
    "check_choice",
    "check_bool",
    "check_rng",
    "as_generator",
    "check_instance",
    "check_callable",
    "check_sequence",
    "check_keys",
    "check_xy",
    "is_exact_number",
    "check_limit",
    "check_size",
    "reject_complex",
    "check_covariance",
]

T = TypeVar("T")


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
    allow_inf: bool = False,
) -> float:
    """Return ``x`` as a finite ``float`` in the given interval, else raise.

    With ``allow_inf`` the infinities are accepted too (NaN never is)."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(x).__name__}")
    try:
        x = float(x)
    except OverflowError as exc:
        raise ValueError(f"{name} must be finite, got an integer beyond the float range") from exc
    if np.isnan(x) or (not allow_inf and not np.isfinite(x)):
        raise ValueError(f"{name} must be {'a number' if allow_inf else 'finite'}, got {x}")
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


def check_xy(X, y, *, allow_1d: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """A data set: ``X`` of shape ``(m, n)`` with ``m >= 1`` and labels ``y`` of shape ``(m,)``,
    both finite floats. With ``allow_1d`` a 1-D ``X`` is read as ``m`` scalar inputs ``(m, 1)``."""
    X = as_float_array(X, "X", ndim=(1, 2) if allow_1d else 2, min_size=1)
    if X.ndim == 1:
        X = X[:, None]
    y = as_float_array(y, "y", shape=(X.shape[0],))
    return X, y


def check_rng(x, name: str = "rng") -> np.random.Generator:
    """Return ``x`` if it is a ``numpy.random.Generator`` (``np.random.default_rng(seed)``), else raise."""
    if not isinstance(x, np.random.Generator):
        raise TypeError(f"{name} must be a numpy.random.Generator, got {type(x).__name__}")
    return x


def as_generator(seed_or_rng, name: str = "seed") -> np.random.Generator:
    """The package's one way to accept randomness (after scikit-learn's ``check_random_state``).

    An integer seed ``>= 0`` gives ``np.random.default_rng(seed)``; a ``numpy.random.Generator``
    is returned as it is (the caller's stream advances). ``None`` is rejected: every run of the
    book is seeded, so an unseeded generator would be a silent source of irreproducibility.
    """
    if isinstance(seed_or_rng, np.random.Generator):
        return seed_or_rng
    if isinstance(seed_or_rng, bool) or not isinstance(seed_or_rng, numbers.Integral):
        raise TypeError(
            f"{name} must be an integer seed or a numpy.random.Generator, "
            f"got {type(seed_or_rng).__name__}"
        )
    return np.random.default_rng(check_int(seed_or_rng, name, min_value=0))


def check_instance(x: Any, name: str, types: type[T] | tuple[type, ...], what: str | None = None) -> T:
    """Return ``x`` if it is an instance of ``types``, else raise ``TypeError`` naming ``name``.

    ``what`` replaces the type names in the message (e.g. ``"a torch tensor"``).
    """
    if not isinstance(x, types):
        if what is None:
            ts = types if isinstance(types, tuple) else (types,)
            names = " or ".join(t.__name__ for t in ts)
            what = ("an " if names[0] in "AEIOUaeiou" else "a ") + names
        raise TypeError(f"{name} must be {what}, got {type(x).__name__}")
    return x


def check_callable(x: Any, name: str, what: str = "a callable") -> Callable:
    """Return ``x`` if it is callable, else raise ``TypeError`` naming ``name``."""
    if not callable(x):
        raise TypeError(f"{name} must be {what}, got {type(x).__name__}")
    return x


def check_sequence(
    x: Any,
    name: str,
    *,
    item_type: type | tuple[type, ...] | None = None,
    min_len: int = 0,
    what: str = "a list or tuple",
) -> list:
    """Return ``x`` as a list after checking it is a list/tuple (not a string or an array), has
    at least ``min_len`` items and, if ``item_type`` is given, that every item is one
    (items are then named ``name[i]`` in the message)."""
    if isinstance(x, (str, bytes, np.ndarray)) or not isinstance(x, Sequence):
        raise TypeError(f"{name} must be {what}, got {type(x).__name__}")
    if len(x) < min_len:
        raise ValueError(f"{name} must have at least {min_len} items, got {len(x)}")
    if item_type is not None:
        for i, v in enumerate(x):
            check_instance(v, f"{name}[{i}]", item_type)
    return list(x)


def check_keys(mapping: Any, name: str, allowed: Sequence[str], *, required: Sequence[str] = ()) -> dict:
    """Return ``mapping`` as a dict after checking it is one, that every key is in ``allowed``
    and every key of ``required`` is present; the error names the offending keys, so that a
    misspelt setting (``'mometum'``) is an error instead of a silent default."""
    mapping = check_instance(mapping, name, dict)
    unknown = sorted(set(mapping) - set(allowed), key=str)
    if unknown:
        raise ValueError(f"{name} has unknown keys {unknown}; allowed keys are {sorted(allowed)}")
    missing = [k for k in required if k not in mapping]
    if missing:
        raise ValueError(f"{name} is missing the keys {missing}")
    return dict(mapping)


def is_exact_number(v: Any) -> bool:
    """True for the numbers that exact (rational) arithmetic keeps as they are: Python and numpy
    integers and ``fractions.Fraction`` (bools excluded). The package's one such test."""
    return isinstance(v, (Fraction, numbers.Integral)) and not isinstance(v, (bool, np.bool_))


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


def check_limit(x, name: str) -> float:
    """Return the size limit ``x`` (a run-length guard such as ``max_work``) as a float after
    checking it is a positive real number, ``inf`` meaning no limit."""
    return check_real(x, name, low=0.0, low_inclusive=False, allow_inf=True)


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


def check_covariance(x, name: str, n: int, *, rtol: float = 1e-10) -> np.ndarray:
    """Return ``x`` as an ``(n, n)`` float array after checking it is a covariance matrix:
    symmetric and positive semi-definite, both up to ``rtol`` times the matrix's scale (its
    largest absolute entry), so that round-off in a computed covariance is not refused."""
    S = as_float_array(x, name, shape=(n, n))
    scale = float(np.abs(S).max()) if S.size else 0.0
    if np.abs(S - S.T).max(initial=0.0) > rtol * scale:
        raise ValueError(f"{name} must be a symmetric matrix (a covariance)")
    lam_min = float(np.linalg.eigvalsh((S + S.T) / 2)[0]) if n else 0.0
    if lam_min < -rtol * scale * max(n, 1):
        raise ValueError(
            f"{name} must be positive semi-definite (a covariance), its smallest eigenvalue is "
            f"{lam_min:.3g}"
        )
    return S
