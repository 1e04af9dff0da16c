"""The classification study of local elasticity: S_rel by class pair along training.

Protocol of Dan, Mukherjee, Das and Gampa (2021), as read in their public code: train a
classifier on a 3-class image subset with Adam; several times per epoch, for anchor samples of
every class, take one fresh Adam step (lr 1e-4) on the anchor alone and measure S_rel on the
anchors of every class (:func:`dlmath.elasticity.relative_similarity`). The paper used a
BatchNorm-free ResNet-18 (:func:`resnet18_nobn`) on CIFAR-10 planes, cars and ships; offline
the book uses three MNIST digits and, at default scale, :func:`dlmath.elasticity.small_cnn`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .. import elasticity as el
from .._validate import (
    as_float_array,
    check_callable,
    check_instance,
    check_int,
    check_limit,
    check_real,
    check_size,
)

__all__ = ["ElasticityRun", "three_class_images", "run_classification", "resnet18_nobn",
           "separation", "MAX_WORK"]

#: Default limit on a run's work (parameters times the images pushed through the model by
#: training and by the S_rel measurements), far above the book's full scale (about 1e12); pass
#: ``max_work`` to go beyond.
MAX_WORK = 10**17


@dataclass(frozen=True)
class ElasticityRun:
    """One training run: ``epochs`` (M,) at which S_rel was measured, ``pair_means[d]`` (M, C, C)
    = mean S_rel for anchors of class i and evaluation inputs of class j under definition d,
    the training loss at those times, the final held-out accuracy and the trained model."""

    epochs: np.ndarray
    pair_means: dict[str, np.ndarray]
    train_loss: np.ndarray
    test_accuracy: float
    model: nn.Module


def three_class_images(X, y, classes: Sequence[int], *, n_test_per_class: int,
                       dtype: torch.dtype = torch.float64):
    """Images of ``classes`` relabelled 0..C-1, scaled to mean 0 and sd 1 over the training
    part; returns ``(x_train, y_train, x_test, y_test)`` with one channel axis, the last
    ``n_test_per_class`` images of each class held out."""
    X = as_float_array(X, "X", ndim=3)
    y = np.asarray(y)
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must have shape ({X.shape[0]},), got {y.shape}")
    n_test = check_int(n_test_per_class, "n_test_per_class", min_value=1)
    tr, te = [], []
    for c in classes:
        idx = np.flatnonzero(y == c)
        if idx.size <= n_test:
            raise ValueError(f"class {c} has {idx.size} images, need more than {n_test}")
        tr.append(idx[:-n_test])
        te.append(idx[-n_test:])
    mean, sd = X[np.concatenate(tr)].mean(), X[np.concatenate(tr)].std()

    def part(groups):
        idx = np.concatenate(groups)
        lab = np.concatenate([np.full(g.size, k) for k, g in enumerate(groups)])
        xs = torch.as_tensor((X[idx] - mean) / sd, dtype=dtype).unsqueeze(1)
        return xs, torch.as_tensor(lab, dtype=torch.long)

    return (*part(tr), *part(te))


def _check_images(x, name: str) -> torch.Tensor:
    x = check_instance(x, name, torch.Tensor, "a torch tensor of images")
    if not x.is_floating_point():
        raise TypeError(f"{name} must be a real floating-point tensor, got dtype {x.dtype}")
    if x.ndim < 2 or x.shape[0] < 1:
        raise ValueError(f"{name} must have shape (N, ...) with N >= 1, got {tuple(x.shape)}")
    if not bool(torch.isfinite(x).all()):
        raise ValueError(f"{name} must contain only finite values (no NaN or inf)")
    return x


def _check_labels(y, name: str, n: int, n_classes: int | None) -> torch.Tensor:
    y = check_instance(y, name, torch.Tensor, "a torch tensor of integer labels")
    if y.is_floating_point() or y.is_complex() or y.dtype == torch.bool:
        raise TypeError(f"{name} must hold integer class labels, got dtype {y.dtype}")
    if tuple(y.shape) != (n,):
        raise ValueError(f"{name} must have shape ({n},), one label per image, got {tuple(y.shape)}")
    lo, hi = int(y.min()), int(y.max())
    if lo < 0 or (n_classes is not None and hi >= n_classes):
        top = "" if n_classes is None else f" and < {n_classes} (the classes of y_train)"
        raise ValueError(f"{name} must hold labels >= 0{top}, got labels from {lo} to {hi}")
    return y


def _check_device(device) -> torch.device:
    if isinstance(device, bool) or not isinstance(device, (str, torch.device)):
        raise TypeError(f"device must be a torch.device or a string such as 'cpu', got "
                        f"{type(device).__name__}")
    try:
        dev = torch.device(device)
    except RuntimeError as exc:
        raise ValueError(f"device must name a torch device such as 'cpu' or 'cuda', got "
                         f"{device!r}") from exc
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device is {device!r} but torch sees no CUDA device")
    return dev


def run_classification(
    model_fn: Callable[[int], nn.Module],
    x_train: torch.Tensor,
    y_train: torch.Tensor,
    x_test: torch.Tensor,
    y_test: torch.Tensor,
    *,
    seed: int,
    n_epochs: int,
    batch_size: int,
    lr_train: float,
    anchors_per_class: int,
    measures_per_epoch: int,
    lr_step: float = 1e-4,
    definitions: Sequence[str] = ("rms", "kl"),
    device: torch.device | str = "cpu",
    max_work: float = MAX_WORK,
) -> ElasticityRun:
    """Train ``model_fn(seed)`` with Adam (``lr_train``, weight decay 1e-4 as in the public code)
    and measure S_rel ``measures_per_epoch`` times per epoch, the first before any step.

    ``seed`` fixes the initialization, the data order and the anchors
    (``anchors_per_class`` drawn from the training set of each class). Self-pairs are left out.
    The images are float tensors ``(N, ...)``, the labels integer tensors ``(N,)``; the classes
    are ``0..C-1`` with ``C = y_train.max() + 1``, each with at least ``anchors_per_class``
    training images, and ``y_test`` holds labels among them. A run whose work (parameters times
    the images that training and the measurements push through the model) exceeds
    ``max_work`` is refused before it starts.
    """
    model_fn = check_callable(model_fn, "model_fn", "a callable seed -> torch.nn.Module")
    seed = check_int(seed, "seed", min_value=0)
    n_epochs = check_int(n_epochs, "n_epochs", min_value=1)
    batch_size = check_int(batch_size, "batch_size", min_value=1)
    lr_train = check_real(lr_train, "lr_train", low=0.0, low_inclusive=False)
    k = check_int(anchors_per_class, "anchors_per_class", min_value=2)
    per_epoch = check_int(measures_per_epoch, "measures_per_epoch", min_value=1)
    max_work = check_limit(max_work, "max_work")
    device = _check_device(device)
    x_train = _check_images(x_train, "x_train")
    x_test = _check_images(x_test, "x_test")
    if x_test.shape[1:] != x_train.shape[1:]:
        raise ValueError(f"x_test must have images of the shape of x_train's "
                         f"{tuple(x_train.shape[1:])}, got {tuple(x_test.shape[1:])}")
    y_train = _check_labels(y_train, "y_train", x_train.shape[0], None)
    n_classes = int(y_train.max()) + 1
    if n_classes < 2:
        raise ValueError("y_train must hold at least two classes (labels 0 and 1)")
    if n_classes > x_train.shape[0]:
        raise ValueError(f"y_train must label the classes 0..C-1, each present, got the label "
                         f"{n_classes - 1} with {x_train.shape[0]} images")
    y_test = _check_labels(y_test, "y_test", x_test.shape[0], n_classes)
    counts = torch.bincount(y_train, minlength=n_classes)
    c_min = int(counts.argmin())
    if k > int(counts[c_min]):
        shown = k if k < 10**12 else f"about 2^{k.bit_length() - 1}"
        raise ValueError(f"anchors_per_class ({shown}) exceeds the {int(counts[c_min])} training "
                         f"images of class {c_min}")
    n = x_train.shape[0]
    n_batches = n // batch_size
    if n_batches < 1:
        raise ValueError(f"batch_size {batch_size} exceeds the training set ({n} images)")
    gen = np.random.default_rng(seed)
    anchors = np.concatenate([gen.choice(np.flatnonzero(y_train.cpu().numpy() == c), k,
                                         replace=False)
                              for c in range(n_classes)])
    xa, ya = x_train[anchors].to(device), y_train[anchors].to(device)
    model = check_instance(model_fn(seed), "model_fn(seed)", nn.Module, "a torch.nn.Module")
    n_params = sum(p.numel() for p in model.parameters())
    n_measures = min(per_epoch, n_batches)
    check_size(n_params * n_epochs * (x_train.shape[0] + n_measures * (n_classes * k) ** 2),
               max_work, "the work parameters * epochs * (images + measured anchor pairs)",
               "a larger max_work")
    model = model.to(device)
    opt = torch.optim.Adam(model.parameters(), lr=lr_train, weight_decay=1e-4)
    when = set(np.linspace(0, n_batches, per_epoch, endpoint=False).astype(int).tolist())
    epochs, losses, means = [], [], {d: [] for d in definitions}
    tgen = torch.Generator().manual_seed(seed)
    for epoch in range(n_epochs):
        order = torch.randperm(n, generator=tgen)
        for b in range(n_batches):
            idx = order[b * batch_size : (b + 1) * batch_size]
            xb, yb = x_train[idx].to(device), y_train[idx].to(device)
            if b in when:
                s = el.relative_similarity(model, xa, ya, xa, definitions=definitions,
                                           step="adam", lr=lr_step)
                for d in definitions:
                    means[d].append(el.class_pair_means(s[d], ya.cpu(), ya.cpu(), n_classes))
                epochs.append(epoch + b / n_batches)
                with torch.no_grad():
                    losses.append(float(F.cross_entropy(model(xb), yb)))
            opt.zero_grad()
            F.cross_entropy(model(xb), yb).backward()
            opt.step()
    with torch.no_grad():
        acc = float((model(x_test.to(device)).argmax(1).cpu() == y_test).double().mean())
    return ElasticityRun(np.array(epochs), {d: np.stack(v) for d, v in means.items()},
                         np.array(losses), acc, model)


def separation(pair_means: np.ndarray) -> float:
    """Mean over measurement times of log(within-class mean S_rel / cross-class mean S_rel).

    ``pair_means`` has shape (M, C, C); within-class pairs are its diagonal entries. Averaging
    the log-ratio over times counts every measurement once, so that the large values of late
    training (confident anchors barely move) do not outweigh the rest.
    """
    a = as_float_array(pair_means, "pair_means", ndim=3)
    if a.shape[1] != a.shape[2] or a.shape[1] < 2:
        raise ValueError(f"pair_means must have shape (M, C, C) with C >= 2, got {a.shape}")
    if (a <= 0).any():
        raise ValueError("S_rel means must be positive to take their log-ratio")
    diag = np.eye(a.shape[1], dtype=bool)
    return float(np.mean(np.log(a[:, diag].mean(1) / a[:, ~diag].mean(1))))


class _Block(nn.Module):
    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.short = (nn.Identity() if stride == 1 and c_in == c_out
                      else nn.Conv2d(c_in, c_out, 1, stride, bias=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.conv2(F.relu(self.conv1(x))) + self.short(x))


def resnet18_nobn(n_classes: int = 3, in_channels: int = 1, *, seed: int | None = None) -> nn.Module:
    """ResNet-18 with every BatchNorm replaced by the identity and Kaiming (fan-out) conv init,
    as in the public code (7x7 stride-2 stem, max-pool, four stages of two basic blocks)."""
    n_classes = check_int(n_classes, "n_classes", min_value=2)
    in_channels = check_int(in_channels, "in_channels", min_value=1)

    def build() -> nn.Module:
        layers: list[nn.Module] = [nn.Conv2d(in_channels, 64, 7, 2, 3, bias=False), nn.ReLU(),
                                   nn.MaxPool2d(3, 2, 1)]
        c = 64
        for i, width in enumerate((64, 128, 256, 512)):
            layers += [_Block(c, width, 1 if i == 0 else 2), _Block(width, width, 1)]
            c = width
        net = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, n_classes))
        for m in net.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        return net

    if seed is None:
        return build()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(check_int(seed, "seed", min_value=0))
        return build()
