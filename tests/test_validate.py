import numpy as np
import pytest
import torch

from dlmath._validate import as_float_array, check_bool, check_choice, check_int, check_real, check_rng


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
