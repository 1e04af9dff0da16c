"""Damaged data files give errors that name the file and the remedy (synthetic IDX files)."""

import gzip

import numpy as np
import pytest

from dlmath import data


def idx(arr: np.ndarray) -> bytes:
    head = bytes([0, 0, 8, arr.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
    return head + arr.astype(np.uint8).tobytes()


def write_set(folder, n_images=5, n_labels=5, compress=True):
    files = {
        "train-images-idx3-ubyte": idx(np.arange(n_images * 4).reshape(n_images, 2, 2)),
        "train-labels-idx1-ubyte": idx(np.arange(n_labels) % 10),
    }
    for stem, raw in files.items():
        if compress:
            (folder / f"{stem}.gz").write_bytes(gzip.compress(raw))
        else:
            (folder / stem).write_bytes(raw)


def test_synthetic_set_loads(tmp_path, monkeypatch):
    write_set(tmp_path)
    monkeypatch.setenv(data.FASHION_MNIST_ENV, str(tmp_path))
    X, y, _ = data.load_fashion_mnist("train", verify=False)
    assert X.shape == (5, 2, 2) and y.tolist() == [0, 1, 2, 3, 4]


def test_image_label_count_mismatch_is_refused(tmp_path, monkeypatch):
    write_set(tmp_path, 5, 7)
    monkeypatch.setenv(data.FASHION_MNIST_ENV, str(tmp_path))
    with pytest.raises(ValueError, match="5 images but 7 labels"):
        data.load_fashion_mnist("train", verify=False)


@pytest.mark.parametrize("damage", ["truncate", "crc"])
def test_damaged_gzip_names_the_path_and_remedy(tmp_path, monkeypatch, damage):
    write_set(tmp_path)
    p = tmp_path / "train-images-idx3-ubyte.gz"
    raw = bytearray(p.read_bytes())
    if damage == "truncate":
        raw = raw[: len(raw) // 2]
    else:
        raw[-8] ^= 0xFF  # the CRC-32 of the trailer
    p.write_bytes(bytes(raw))
    monkeypatch.setenv(data.FASHION_MNIST_ENV, str(tmp_path))
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte\.gz is a damaged gzip file.*download"):
        data.load_fashion_mnist("train", verify=False)


def test_idx_with_a_crafted_header_does_not_overflow(tmp_path, monkeypatch):
    # dims 2**32-1 x 2**32-1 x 2**32-1 x 2**32-1 overflow np.prod (int64) to a small number
    head = bytes([0, 0, 8, 4]) + (2**32 - 1).to_bytes(4, "big") * 4
    with pytest.raises(ValueError, match="header implies 3402823666"):
        data.read_idx(head + b"\x00" * 16)
    with pytest.raises(ValueError, match="announces 3 dimensions"):
        data.read_idx(bytes([0, 0, 8, 3, 0, 0]))
    (tmp_path / "train-images-idx3-ubyte").write_bytes(head)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(idx(np.arange(3)))
    monkeypatch.setenv(data.FASHION_MNIST_ENV, str(tmp_path))
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte: IDX file .*download the file again"):
        data.load_fashion_mnist("train", verify=False)
