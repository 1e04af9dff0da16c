"""Optimizers from settings dictionaries (:func:`dlmath.optim.from_spec`)."""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from typing import Any

import torch

from .._validate import (
    check_choice,
    check_instance,
    check_keys,
)
from ._optimizers import NAG, Adam, RMSProp

#: The optimizers a settings dictionary can name (``spec["optimizer"]``).
OPTIMIZERS: dict[str, type[torch.optim.Optimizer]] = {"adam": Adam, "rmsprop": RMSProp, "nag": NAG}


def _spec_class(name: Any) -> type[torch.optim.Optimizer]:
    return OPTIMIZERS[check_choice(name, "spec['optimizer']", tuple(OPTIMIZERS))]


def spec_keys(name: str) -> tuple[str, ...]:
    """The keys a spec for optimizer ``name`` may hold besides ``"optimizer"``: the keyword
    arguments of its class (e.g. ``("lr", "momentum", "form")`` for ``"nag"``)."""
    params = inspect.signature(_spec_class(name).__init__).parameters
    return tuple(k for k in params if k not in ("self", "params"))


def spec_defaults(name: str) -> dict[str, Any]:
    """The defaults of optimizer ``name``'s class, the only defaults a spec falls back on."""
    params = inspect.signature(_spec_class(name).__init__).parameters
    return {k: params[k].default for k in spec_keys(name) if params[k].default is not inspect.Parameter.empty}


def from_spec(params: Iterable[Any], spec: dict[str, Any]) -> torch.optim.Optimizer:
    """Build an optimizer from a settings dictionary, e.g. ``{"optimizer": "adam", "lr": 1e-3,
    "beta1": 0.99}``.

    ``spec["optimizer"]`` names a class of ``OPTIMIZERS`` (``"adam"``, ``"rmsprop"``,
    ``"nag"``); only the other keys given are passed on, so every key left out takes its
    class's default (:func:`spec_defaults`). A key the class does not take is an error naming
    it (a misspelt ``"mometum"`` never falls back to a default silently); ``"lr"`` is required.
    """
    spec = check_instance(spec, "spec", dict)
    name = spec.get("optimizer")
    cls = _spec_class(name)
    kwargs = {k: v for k, v in spec.items() if k != "optimizer"}
    check_keys(kwargs, f"spec for {name!r}", spec_keys(name), required=("lr",))
    return cls(params, **kwargs)
