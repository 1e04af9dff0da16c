"""Run-time configuration of the book: scale, device and seeding.

* ``DLMATH_SCALE`` selects how much computation a notebook does: ``smoke`` (tests: seconds per
  notebook, every check still asserted), ``default`` (the built book: about a minute per
  notebook on a 2-core laptop CPU) or ``full`` (the papers' settings, on a GPU when present).
* ``DLMATH_DEVICE`` forces a torch device (``cpu``, ``cuda`` or ``cuda:N``); by default
  :func:`device` picks CUDA when it is available.
* ``DLMATH_PROGRESS`` switches progress bars off (``0``, ``false``, ``no``, ``off``,
  ``disable``) or on (``1``, ``true``, ``yes``, ``on``, ``enable``; the default).
* :func:`seed_everything` seeds Python's ``random``, NumPy and torch from one integer.
"""

from __future__ import annotations

import os
import random
from typing import Any, TypeVar

import numpy as np

from ._validate import check_int

__all__ = ["SCALES", "scale", "by_scale", "device", "seed_everything", "progress"]

SCALES = ("smoke", "default", "full")

T = TypeVar("T")
_PROGRESS_OFF = ("0", "false", "no", "off", "disable", "disabled")
_PROGRESS_ON = ("1", "true", "yes", "on", "enable", "enabled")


def scale() -> str:
    """Return the scale named by ``DLMATH_SCALE`` (``default`` when unset or empty).

    Raises ``ValueError`` naming the variable and the allowed values when it holds anything else.
    """
    value = os.environ.get("DLMATH_SCALE", "").strip().lower() or "default"
    if value not in SCALES:
        raise ValueError(
            f"DLMATH_SCALE must be one of {list(SCALES)}, got {os.environ['DLMATH_SCALE']!r}"
        )
    return value


def by_scale(*, smoke: T, default: T, full: T, current: str | None = None) -> T:
    """Pick the setting for the current scale, e.g. ``by_scale(smoke=200, default=5_000, full=40_000)``.

    ``current`` overrides the environment (useful in tests); like the variable, it is
    case-insensitive.
    """
    if current is not None and not isinstance(current, str):
        raise TypeError(f"current must be a string, one of {list(SCALES)}, got {type(current).__name__}")
    s = scale() if current is None else current.strip().lower()
    if s not in SCALES:
        raise ValueError(f"current must be one of {list(SCALES)}, got {current!r}")
    return {"smoke": smoke, "default": default, "full": full}[s]


def device() -> Any:
    """Return the torch device to compute on: CUDA when available, else CPU.

    ``DLMATH_DEVICE=cpu`` (or ``cuda``, ``cuda:N``) overrides the choice; asking for a CUDA
    device this machine does not have raises ``RuntimeError``.
    """
    import torch

    forced = os.environ.get("DLMATH_DEVICE", "").strip().lower()
    if forced:
        kind, _, index = forced.partition(":")
        if kind not in ("cpu", "cuda") or (index and (kind == "cpu" or not index.isdigit())):
            raise ValueError(f"DLMATH_DEVICE must be 'cpu', 'cuda' or 'cuda:N', got {forced!r}")
        if kind == "cuda":
            if not torch.cuda.is_available():
                raise RuntimeError(f"DLMATH_DEVICE={forced} but torch sees no CUDA device")
            if index and int(index) >= torch.cuda.device_count():  # pragma: no cover - GPU only
                raise RuntimeError(
                    f"DLMATH_DEVICE={forced} but torch sees {torch.cuda.device_count()} CUDA device(s)"
                )
        return torch.device(forced)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def seed_everything(seed: int = 0) -> np.random.Generator:
    """Seed ``random``, NumPy's global state and torch (CPU and CUDA) with ``seed``.

    Returns a fresh ``np.random.default_rng(seed)``; prefer passing that generator around over
    using global state. On CUDA, cuDNN is put in deterministic mode.
    """
    seed = check_int(seed, "seed", min_value=0, max_value=2**32 - 1)
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - seeding legacy global state on purpose
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency, but keep numpy-only use working
        return np.random.default_rng(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():  # pragma: no cover - no GPU in CI
        torch.cuda.manual_seed_all(seed)
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
    return np.random.default_rng(seed)


def progress(iterable: Any = None, **kwargs: Any) -> Any:
    """Wrap ``iterable`` in a ``tqdm.auto`` progress bar for interactive readers.

    ``DLMATH_PROGRESS=0`` disables every bar, also one a caller asked for with
    ``disable=False`` (the Makefile sets it for nbval and the book build, so built pages carry
    no progress widgets). Keyword arguments go to ``tqdm``.
    """
    from tqdm.auto import tqdm

    value = os.environ.get("DLMATH_PROGRESS", "1").strip().lower() or "1"
    if value not in _PROGRESS_OFF + _PROGRESS_ON:
        raise ValueError(
            f"DLMATH_PROGRESS must be one of {list(_PROGRESS_OFF + _PROGRESS_ON)}, got "
            f"{os.environ['DLMATH_PROGRESS']!r}"
        )
    if value in _PROGRESS_OFF:
        kwargs["disable"] = True
    else:
        kwargs.setdefault("disable", False)
    return tqdm(iterable, **kwargs)
