"""Environment variables of dlmath.config: case, device indices, progress switches; the book's
executor stops at once on a bad scale."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from dlmath import config


def test_by_scale_current_is_case_insensitive_and_checked():
    assert config.by_scale(smoke=1, default=2, full=3, current="SMOKE") == 1
    assert config.by_scale(smoke=1, default=2, full=3, current=" Full ") == 3
    with pytest.raises(ValueError, match="current must be one of"):
        config.by_scale(smoke=1, default=2, full=3, current="huge")
    with pytest.raises(TypeError, match="current must be a string"):
        config.by_scale(smoke=1, default=2, full=3, current=1)


def test_device_accepts_an_index(monkeypatch):
    monkeypatch.setenv("DLMATH_DEVICE", "cpu")
    assert config.device() == torch.device("cpu")
    monkeypatch.setenv("DLMATH_DEVICE", "cuda:0")
    if torch.cuda.is_available():  # pragma: no cover - GPU machines
        assert config.device() == torch.device("cuda:0")
    else:
        with pytest.raises(RuntimeError, match="cuda:0 but torch sees no CUDA"):
            config.device()
    for bad in ("cuda:x", "cpu:1", "tpu"):
        monkeypatch.setenv("DLMATH_DEVICE", bad)
        with pytest.raises(ValueError, match="DLMATH_DEVICE must be"):
            config.device()


@pytest.mark.parametrize(("value", "off"), [("disable", True), ("OFF", True), ("0", True),
                                            ("enable", False), ("1", False), ("", False)])
def test_progress_switch(monkeypatch, value, off):
    monkeypatch.setenv("DLMATH_PROGRESS", value)
    assert config.progress(range(2), disable=False).disable is off


def test_progress_typo_is_named(monkeypatch):
    monkeypatch.setenv("DLMATH_PROGRESS", "nope")
    with pytest.raises(ValueError, match="DLMATH_PROGRESS must be one of"):
        config.progress(range(2))


def test_executor_stops_at_once_on_a_bad_scale():
    root = Path(__file__).parents[1]
    env = dict(os.environ, DLMATH_SCALE="bogus", PYTHONPATH=str(root))
    res = subprocess.run([sys.executable, str(root / ".ci" / "execute.py")], env=env,
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 2
    assert "DLMATH_SCALE must be one of" in res.stderr
