"""Fixtures shared by all unit tests."""

import pytest
import torch


@pytest.fixture(autouse=True, scope="session")
def one_torch_thread():
    """One torch thread per test process: the suite runs under pytest-xdist, and many tiny torch
    ops on several OpenMP threads per worker oversubscribe the cores (several times slower)."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)
