"""Walk every public function of the modules below with a table of bad inputs.

Each argument of a known-good call is replaced in turn by None, a string, a complex number,
NaN, inf, an empty array, a 3-dimensional array, a negative number and a huge integer. The
call must then raise a TypeError or ValueError (not AttributeError, IndexError, a bare
OverflowError, a torch or numpy internal error), return a result free of NaN, or run past
the time limit (a hang). A public function with no entry in ``CALLS`` fails the test, so a
new function is covered the day it is added.
"""

from __future__ import annotations

import importlib
import inspect
import math
import signal
from fractions import Fraction

import numpy as np
import pytest
import torch

MODULES = ("exact_erm", "cone_lsq", "boolean", "depth_bounds", "constructions", "optim")
X4 = np.array([[0.0, 0.0], [1.0, 0.2], [0.3, 1.0], [1.1, 1.3]])
Y4 = np.array([0.5, -0.2, 0.3, 1.0])


def _tensor_params():
    return [torch.nn.Parameter(torch.ones(3))]


CALLS = {  # name: (positional args, keyword args) of a call that works
    "exact_erm.cover_count": ((8, 2), {}),
    "exact_erm.affine_dichotomies": ((X4,), {}),
    "exact_erm.is_strictly_separable": ((X4, np.array([True, False, False, True])), {}),
    "exact_erm.TwoLayerReLU": ((np.ones((2, 2)), np.zeros(2), np.array([1.0, -1.0])), {}),
    "exact_erm.erm_depth2": ((X4, Y4, 1), {"loss": "squared"}),
    "exact_erm.count_subproblems": ((8, 2, 2), {}),
    "exact_erm.erm_milp_absolute": ((X4[:3], Y4[:3], 1), {}),
    "exact_erm.erm_pwl_1d": ((X4[:, 0], Y4, 2), {}),
    "exact_erm.gd_restarts": ((X4, Y4, 1), {"restarts": 2, "steps": 3}),
    "cone_lsq.cone_generators": ((-np.eye(2),), {}),
    "cone_lsq.cone_lsq": ((np.eye(2), -np.eye(2), np.array([1.0, -1.0])), {}),
    "cone_lsq.lsq_over_generators": ((np.zeros((2, 0)), np.eye(2), np.array([1.0, -1.0])), {}),
    "boolean.max3": ((np.ones((2, 2)),), {}),
    "boolean.max3_depth3": ((np.ones((2, 2)),), {}),
    "boolean.gradient_jump": ((lambda P: np.abs(P[:, 0]), np.zeros((1, 2)), np.array([1.0, 0.0])), {}),
    "boolean.random_relu_fit": ((X4, Y4, 3), {}),
    "boolean.relu_features_fit": ((X4, Y4, np.array([[1.0, 0.0], [0.0, 1.0]]), np.zeros(2)), {}),
    "boolean.andreev": (([0, 1], [1, 0], 2), {}),
    "boolean.andreev_table": ((1, 1), {}),
    "boolean.restriction_survival": ((2, 2, 0.5, 10), {}),
    "boolean.sylvester_hadamard": ((2,), {}),
    "boolean.forster_bound": ((np.array([[1.0, -1.0], [1.0, 1.0]]),), {}),
    "boolean.sign_pattern_realizable": ((np.array([[1.0, -1.0], [1.0, 1.0]]), np.eye(2)), {}),
    "boolean.sign_rank_upper_bound": ((np.array([[1.0, -1.0], [1.0, 1.0]]),), {"tries": 1}),
    "depth_bounds.max_pieces_1d": (([2, 3],), {}),
    "depth_bounds.min_size_for_pieces": ((16, 2), {}),
    "depth_bounds.max_pieces_for_size": ((10, 2), {}),
    "depth_bounds.depth_gap_size_bound": ((6, 3, 2), {}),
    "depth_bounds.cor34_size_bound": ((3,), {}),
    "depth_bounds.approx_size_threshold": ((4, 2, 2, 0.1), {}),
    "depth_bounds.telgarsky_size_bound": ((3,), {}),
    "depth_bounds.zigzag_l1_lower_bound": ((8, 2), {}),
    "depth_bounds.fit_relu_net": (([3], np.linspace(0, 1, 5), np.linspace(0, 1, 5)), {"steps": 2}),
    "depth_bounds.binomial_prefix_sum": ((10, 3), {}),
    "depth_bounds.fit_relu_net_path": (
        ([3], np.linspace(0, 1, 5), np.linspace(0, 1, 5)), {"checkpoints": [1, 2]}
    ),
    "depth_bounds.random_kink_fit": ((np.linspace(0, 1, 6), np.linspace(0, 1, 6) ** 2, 3), {}),
    "depth_bounds.max_pieces_product": ((6, 2), {}),
    "depth_bounds.sawtooth_approx_size_bound": ((16, 2, 0.05), {}),
    "depth_bounds.zonotope_vertex_bound": ((2, 4), {}),
    "depth_bounds.zonotope_pieces_stated": ((2, 4, 2, 2), {}),
    "depth_bounds.zonotope_pieces_naive": ((2, 4, 2, 2), {}),
    "depth_bounds.zonotope_architecture": ((4, 2, 2), {}),
    "depth_bounds.montufar_regions_bound": ((2, [4, 4]), {}),
    "constructions.max_affine_net": ((np.array([[1.0, 0.0], [0.0, 1.0]]),), {}),
    "constructions.pwl1d_eval": (([0.0, 1.0], [0.0, 1.0], 0.0, 2.0, np.array([0.5])), {}),
    "constructions.pwl1d_slopes": (([0.0, 1.0], [0.0, 1.0], 0.0, 2.0), {}),
    "constructions.pwl1d_to_relu_net": (([0.0, 1.0], [0.0, 1.0], 0.0, 2.0), {}),
    "constructions.min_two_layer_size": (([0.0, 1.0], [0.0, 1.0], 0.0, 2.0), {}),
    "constructions.zigzag_knots": (([Fraction(1, 2)],), {}),
    "constructions.zigzag": (([Fraction(1, 2)],), {}),
    "constructions.compose_hard": (([[Fraction(1, 2)]],), {}),
    "constructions.zonotope_support_net": ((np.eye(2),), {}),
    "constructions.zonotope_vertices": ((np.eye(2),), {}),
    "constructions.min_two_layer_net": (([0.0, 1.0], [0.0, 1.0], 0.0, 2.0), {}),
    "constructions.zonotope_hard_net": ((np.eye(2), [[Fraction(1, 2)]]), {}),
    "optim.RMSProp": ((_tensor_params, 0.1), {}),
    "optim.Adam": ((_tensor_params, 0.1), {}),
    "optim.NAG": ((_tensor_params, 0.1), {}),
    "optim.rmsprop_theorem_step": ((1.0, 1.0, 0.1, 0.9), {}),
    "optim.rmsprop_theorem_iterations": ((1.0, 1.0, 0.1, 0.9, 1.0, 0.1), {}),
    "optim.adam_beta1_threshold": ((0.1, 1.0), {}),
    "optim.adam_sufficient_step": ((1.0, 1.0, 0.1, 0.001, 0.1), {}),
    "optim.adam_iteration_bound": ((1.0, 1.0, 0.1, 0.001, 0.1, 1.0), {}),
    "optim.spec_keys": (("adam",), {}),
    "optim.spec_defaults": (("nag",), {}),
    "optim.from_spec": ((_tensor_params, {"optimizer": "adam", "lr": 0.1}), {}),
    "optim.rmsprop_theorem_decrease": ((np.array([1.0, 0.5]), 1.0, 1.0, 0.1, 0.9), {}),
    "optim.decrease_slack": ((np.array([2.0, 1.0, 0.5]), np.array([1.0, 0.5, 0.2]), 1.0, 1.0, 0.1, 0.9), {}),
    "optim.run_stochastic_rmsprop": (
        (lambda x, i: (x**2).sum(), lambda x: (2 * x).pow(2).sum(dim=1), torch.ones(2), 3, 4),
        {"n_runs": 2, "lr": 0.01, "beta2": 0.9, "xi": 0.1},
    ),
    "optim.run_deterministic": (
        (lambda x: (x**2).sum(), torch.ones(2), lambda p: torch.optim.SGD(p, lr=0.1), 2), {}
    ),
}
SKIP = {"exact_erm.ERMResult", "cone_lsq.ConeLSQResult"}  # plain result records

BAD = {
    "None": None,
    "str": "x",
    "complex": 1 + 2j,
    "complex array": np.array([1 + 2j, 2.0]),
    "nan": float("nan"),
    "inf": float("inf"),
    "nan array": np.array([np.nan, 1.0]),
    "empty": np.zeros(0),
    "3-d": np.zeros((2, 2, 2)),
    "negative": -1,
    "huge int": 10**400,
}
LIMIT_S = 10  # generous: the first torch optimizer in a process imports a lot


def _public():
    out = []
    for m in MODULES:
        mod = importlib.import_module(f"dlmath.{m}")
        for name in mod.__all__:
            obj = getattr(mod, name)
            if callable(obj) and not isinstance(obj, type(inspect)) and not (
                isinstance(obj, type) and getattr(obj, "_is_protocol", False)
            ):
                out.append(f"{m}.{name}")
    return out


def _materialise(v):
    return v() if v is _tensor_params else v


def _has_nan(res) -> bool:
    if isinstance(res, (float, np.floating)):
        return math.isnan(res)
    if isinstance(res, np.ndarray) and res.dtype.kind == "f":
        return bool(np.isnan(res).any())
    if isinstance(res, torch.Tensor) and res.is_floating_point():
        return bool(torch.isnan(res).any())
    if isinstance(res, (tuple, list)):
        return any(_has_nan(r) for r in res)
    return False


class _Hang(Exception):
    pass


def _alarm(signum, frame):
    raise _Hang


def _outcome(fn, args, kwargs):
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(LIMIT_S)
    try:
        res = fn(*[_materialise(a) for a in args], **kwargs)
        return ("nan" if _has_nan(res) else "returned"), None
    except _Hang:
        return "hang", None
    except (TypeError, ValueError) as exc:
        return "named", exc
    except Exception as exc:  # noqa: BLE001 - classified, not swallowed
        return "unclear", exc
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def test_every_public_function_has_a_known_good_call():
    missing = [n for n in _public() if n not in CALLS and n not in SKIP]
    assert not missing, f"add a known-good call to CALLS for {missing}"


@pytest.mark.parametrize("qualname", sorted(CALLS))
def test_known_good_call_works(qualname):
    m, name = qualname.split(".")
    fn = getattr(importlib.import_module(f"dlmath.{m}"), name)
    args, kwargs = CALLS[qualname]
    kind, exc = _outcome(fn, args, kwargs)
    assert kind == "returned", f"{qualname} known-good call gave {kind}: {exc!r}"


def walk(qualname):
    """Every (argument, bad value) outcome of one function: list of (arg, bad, kind, exc)."""
    m, name = qualname.split(".")
    fn = getattr(importlib.import_module(f"dlmath.{m}"), name)
    args, kwargs = CALLS[qualname]
    rows = []
    for i in range(len(args)):
        for label, bad in BAD.items():
            a = list(args)
            a[i] = bad
            rows.append((f"arg{i}", label, *_outcome(fn, a, kwargs)))
    for k in kwargs:
        for label, bad in BAD.items():
            rows.append((k, label, *_outcome(fn, args, {**kwargs, k: bad})))
    return rows


@pytest.mark.parametrize("qualname", sorted(CALLS))
def test_bad_inputs_are_named_never_silent_never_hang(qualname):
    rows = walk(qualname)
    bad = [(a, label, kind, repr(exc)[:120]) for a, label, kind, exc in rows
           if kind in ("unclear", "nan", "hang")]
    assert not bad, f"{qualname}: {bad}"
