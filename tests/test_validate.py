from fractions import Fraction

import numpy as np
import pytest
import torch

from dlmath._validate import (
    as_float_array,
    as_generator,
    check_bool,
    check_callable,
    check_choice,
    check_instance,
    check_int,
    check_keys,
    check_real,
    check_rng,
    check_sequence,
    check_xy,
    is_exact_number,
)


def test_as_float_array_accepts_lists_and_tensors():
    a = as_float_array([[1, 2], [3, 4]], "X", ndim=2, shape=(None, 2))
    assert a.dtype == np.float64 and a.shape == (2, 2)
    t = as_float_array(torch.ones(3, dtype=torch.float32), "v", ndim=1)
    assert np.array_equal(t, np.ones(3))


@pytest.mark.parametrize(
    "x, kwargs, exc, msg",
    [
        ("abc", {}, TypeError, "X must be an array of real numbers, got str"),
        (None, {}, TypeError, "got NoneType"),
        ([[1, "a"]], {}, TypeError, "X must be an array"),
        ([1, 2], {"ndim": 2}, ValueError, r"X must be 2-dimensional, got shape \(2,\)"),
        ([1, 2], {"ndim": (2, 3)}, ValueError, "2 or 3-dimensional"),
        ([[1, 2]], {"shape": (None, 3)}, ValueError, r"X must have shape \(any, 3\), got \(1, 2\)"),
        ([1.0, np.nan], {}, ValueError, "finite"),
        ([], {"min_size": 1}, ValueError, "at least 1 entries"),
    ],
)
def test_as_float_array_errors_name_the_argument(x, kwargs, exc, msg):
    with pytest.raises(exc, match=msg):
        as_float_array(x, "X", **kwargs)


def test_check_int():
    assert check_int(np.int64(3), "k", min_value=1) == 3
    with pytest.raises(TypeError, match="k must be an integer, got bool"):
        check_int(True, "k")
    with pytest.raises(TypeError, match="k must be an integer, got float"):
        check_int(2.0, "k")
    with pytest.raises(ValueError, match="k must be >= 1, got 0"):
        check_int(0, "k", min_value=1)
    with pytest.raises(ValueError, match="k must be <= 5, got 6"):
        check_int(6, "k", max_value=5)


def test_check_real():
    assert check_real(1, "lr", low=0, low_inclusive=False) == 1.0
    with pytest.raises(ValueError, match="lr must be > 0"):
        check_real(0.0, "lr", low=0, low_inclusive=False)
    with pytest.raises(ValueError, match="beta must be < 1"):
        check_real(1.0, "beta", high=1, high_inclusive=False)
    with pytest.raises(ValueError, match="lr must be finite"):
        check_real(float("inf"), "lr")
    with pytest.raises(TypeError, match="lr must be a real number"):
        check_real("0.1", "lr")


def test_check_choice_and_bool():
    assert check_choice("a", "mode", ["a", "b"]) == "a"
    with pytest.raises(ValueError, match=r"mode must be one of \['a', 'b'\], got 'c'"):
        check_choice("c", "mode", ["a", "b"])
    with pytest.raises(TypeError, match="mode must be a string"):
        check_choice(1, "mode", ["a"])
    assert check_bool(np.bool_(True), "flag") is True
    with pytest.raises(TypeError, match="flag must be True or False"):
        check_bool(1, "flag")


def test_check_rng():
    g = np.random.default_rng(0)
    assert check_rng(g) is g
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator, got int"):
        check_rng(0)
    with pytest.raises(TypeError, match="gen must be a numpy.random.Generator, got RandomState"):
        check_rng(np.random.RandomState(0), "gen")  # noqa: NPY002


def test_as_generator_accepts_a_seed_or_a_generator():
    g = np.random.default_rng(3)
    assert as_generator(g) is g
    np.testing.assert_array_equal(as_generator(3).random(4), np.random.default_rng(3).random(4))
    assert as_generator(np.int64(2)).random() == np.random.default_rng(2).random()
    with pytest.raises(TypeError, match="seed must be an integer seed or a numpy.random.Generator, got None"):
        as_generator(None)
    with pytest.raises(TypeError, match="rng must be an integer seed"):
        as_generator(1.5, "rng")
    with pytest.raises(TypeError, match="seed"):
        as_generator(True)
    with pytest.raises(ValueError, match="seed must be >= 0, got -1"):
        as_generator(-1)


def test_check_instance_and_callable():
    assert check_instance(3, "k", int) == 3
    with pytest.raises(TypeError, match="net must be a DepthTwoNet, got int"):
        check_instance(1, "net", str, "a DepthTwoNet")
    with pytest.raises(TypeError, match="k must be an int or float, got str"):
        check_instance("3", "k", (int, float))
    with pytest.raises(TypeError, match="X must be a torch tensor, got list"):
        check_instance([1], "X", dict, "a torch tensor")
    assert check_callable(len, "fn") is len
    with pytest.raises(TypeError, match="fn must be a callable, got int"):
        check_callable(3, "fn")


def test_check_sequence():
    assert check_sequence((1, 2), "w", item_type=int) == [1, 2]
    with pytest.raises(TypeError, match="w must be a list or tuple, got str"):
        check_sequence("ab", "w")
    with pytest.raises(TypeError, match="w must be a list or tuple, got ndarray"):
        check_sequence(np.ones(2), "w")
    with pytest.raises(ValueError, match="w must have at least 1 items, got 0"):
        check_sequence([], "w", min_len=1)
    with pytest.raises(TypeError, match=r"w\[1\] must be an int, got str"):
        check_sequence([1, "a"], "w", item_type=int)


def test_check_keys_names_unknown_and_missing_keys():
    assert check_keys({"lr": 1}, "spec", ("lr", "momentum")) == {"lr": 1}
    with pytest.raises(ValueError, match=r"spec has unknown keys \['mometum'\]"):
        check_keys({"lr": 1, "mometum": 0.9}, "spec", ("lr", "momentum"))
    with pytest.raises(ValueError, match=r"spec is missing the keys \['lr'\]"):
        check_keys({"momentum": 0.9}, "spec", ("lr", "momentum"), required=("lr",))
    with pytest.raises(TypeError, match="spec must be a dict, got list"):
        check_keys([("lr", 1)], "spec", ("lr",))


def test_check_xy():
    X, y = check_xy([[1, 2], [3, 4]], [0, 1])
    assert X.shape == (2, 2) and y.dtype == np.float64
    X, _ = check_xy([1, 2, 3], [0, 1, 2], allow_1d=True)
    assert X.shape == (3, 1)
    with pytest.raises(ValueError, match="X must be 2-dimensional"):
        check_xy([1, 2, 3], [0, 1, 2])
    with pytest.raises(ValueError, match=r"y must have shape \(2\)"):
        check_xy([[1.0], [2.0]], [0, 1, 2])


def test_is_exact_number():
    assert is_exact_number(3) and is_exact_number(np.int64(3)) and is_exact_number(Fraction(1, 3))
    assert not any(is_exact_number(v) for v in (True, np.bool_(True), 0.5, np.float64(1.0), "1"))
