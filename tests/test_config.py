import random

import numpy as np
import pytest
import torch

import dlmath as dm
from dlmath import config


def test_scale_default_and_values(monkeypatch):
    monkeypatch.delenv("DLMATH_SCALE", raising=False)
    assert config.scale() == "default"
    for s in config.SCALES:
        monkeypatch.setenv("DLMATH_SCALE", s.upper())
        assert config.scale() == s
    monkeypatch.setenv("DLMATH_SCALE", "")
    assert config.scale() == "default"


def test_unknown_scale_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("DLMATH_SCALE", "huge")
    with pytest.raises(ValueError, match=r"DLMATH_SCALE must be one of .*'huge'"):
        config.scale()


def test_by_scale(monkeypatch):
    monkeypatch.setenv("DLMATH_SCALE", "smoke")
    assert config.by_scale(smoke=1, default=2, full=3) == 1
    assert config.by_scale(smoke=1, default=2, full=3, current="full") == 3
    with pytest.raises(ValueError, match="current must be one of"):
        config.by_scale(smoke=1, default=2, full=3, current="tiny")
    with pytest.raises(TypeError):
        config.by_scale(smoke=1, default=2)  # every scale must be given


def test_device(monkeypatch):
    monkeypatch.delenv("DLMATH_DEVICE", raising=False)
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert config.device().type == expected
    monkeypatch.setenv("DLMATH_DEVICE", "cpu")
    assert config.device() == torch.device("cpu")
    monkeypatch.setenv("DLMATH_DEVICE", "tpu")
    with pytest.raises(ValueError, match="DLMATH_DEVICE must be 'cpu', 'cuda' or 'cuda:N'"):
        config.device()
    if not torch.cuda.is_available():
        monkeypatch.setenv("DLMATH_DEVICE", "cuda")
        with pytest.raises(RuntimeError, match="no CUDA device"):
            config.device()


def test_seed_everything_is_reproducible():
    def draw():
        rng = config.seed_everything(123)
        return (random.random(), np.random.rand(), torch.rand(1).item(), rng.random())  # noqa: NPY002

    a, b = draw(), draw()
    assert a == b
    rng = config.seed_everything(124)
    assert rng.random() != a[3]


@pytest.mark.parametrize("bad, exc", [(-1, ValueError), (1.5, TypeError), (True, TypeError),
                                      (2**32, ValueError), ("0", TypeError)])
def test_seed_everything_rejects_bad_seeds(bad, exc):
    with pytest.raises(exc, match="seed"):
        config.seed_everything(bad)


def test_progress_can_be_switched_off(monkeypatch):
    monkeypatch.setenv("DLMATH_PROGRESS", "0")
    bar = config.progress(range(3))
    assert bar.disable and list(bar) == [0, 1, 2]
    assert config.progress(range(3), disable=False).disable  # e.g. erm_depth2(show_progress=True)
    monkeypatch.setenv("DLMATH_PROGRESS", "1")
    bar = config.progress(range(3), file=open("/dev/null", "w"))  # noqa: SIM115
    assert not bar.disable
    assert config.progress(range(3), disable=True).disable


def test_package_exposes_version():
    assert dm.__version__.count(".") == 2
    assert dm.__repository__.startswith("https://")
