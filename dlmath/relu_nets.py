r"""ReLU networks as functions: construction, torch views, exact piece and region counting.

Notation (thesis Ch. 1-2, :cite:p:`arora2018understanding` Def. 1 and 3). A ReLU deep neural net
with :math:`k` hidden layers of widths :math:`w_1, \dots, w_k` computes

.. math:: f = T_{k+1} \circ \sigma \circ T_k \circ \dots \circ \sigma \circ T_1,
   \qquad \sigma(t) = \max\{0, t\} \text{ coordinatewise},

with affine :math:`T_i(x) = W_i x + b_i`, :math:`W_i \in \mathbb{R}^{w_i \times w_{i-1}}`. In the
thesis :math:`T_{k+1}` is linear; :class:`ReLUNet` allows an output bias (zero by default).
*Depth* is :math:`k+1`, *width* :math:`\max_i w_i`, *size* :math:`\sum_i w_i`.

A continuous function is piecewise linear (PWL) when finitely many polyhedra cover the domain and
it is affine on each; its *pieces* are the maximal connected sets on which it is affine.

Counting here is exact, never by sampling:

* in 1-D (:func:`pieces_1d`) the pre-activation of every neuron is propagated layer by layer as
  an explicit PWL function; the ReLU adds the zero crossings as new knots. Floating point is
  used by default (with a relative tolerance); ``exact=True`` repeats the computation in
  rational arithmetic (``fractions.Fraction``), exact for integer, rational or float
  weights (a float is converted to the rational number it stores);
* in 2-D (:func:`linear_regions_2d`) the box is cut into convex polygons, one neuron line at a
  time, layer by layer; each polygon is one activation region.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from ._validate import as_float_array, check_bool, check_int, check_real, check_rng

__all__ = [
    "relu",
    "ReLUNet",
    "PWL1D",
    "Region2D",
    "identity_net",
    "abs_net",
    "max2_net",
    "tent_net",
    "sawtooth_net",
    "breakpoints_1d",
    "pieces_1d",
    "count_pieces_1d",
    "linear_regions_2d",
    "count_regions_2d",
    "count_pieces_2d",
    "count_regions_grid_2d",
    "grid_patterns_2d",
    "arrangement_regions_2d",
    "plot_regions_2d",
]


def relu(x) -> np.ndarray:
    r"""The rectifier :math:`\sigma(t) = \max\{0, t\}`, applied entrywise to a float array."""
    x = as_float_array(x, "x", finite=False)
    return np.maximum(x, 0.0)


def _is_rational_entry(v: Any) -> bool:
    return isinstance(v, (Fraction, numbers.Integral)) and not isinstance(v, bool)


def _exact_copy(a) -> np.ndarray | None:
    """An object array of Fractions if every entry of ``a`` is an int or a Fraction, else None."""
    arr = np.asarray(a, dtype=object)
    flat = arr.ravel()
    if flat.size and all(_is_rational_entry(v) for v in flat):
        return np.array([Fraction(v) for v in flat], dtype=object).reshape(arr.shape)
    return None


def _to_fractions(a: np.ndarray) -> np.ndarray:
    """The exact rational value of every float in ``a`` (object array)."""
    return np.array([Fraction(float(v)) for v in a.ravel()], dtype=object).reshape(a.shape)


class ReLUNet:
    r"""A ReLU net :math:`f = T_{k+1} \circ \sigma \circ T_k \circ \dots \circ \sigma \circ T_1`.

    ``weights`` is a list of :math:`k+1 \geq 1` matrices, ``weights[i]`` of shape
    :math:`(w_{i+1}, w_i)`, where :math:`w_0 = n` is the input and :math:`w_{k+1} = m` the
    output dimension. ``biases`` is ``None`` (all zero), or a list of :math:`k` vectors (hidden
    layers; the output bias is then zero, as in the thesis), or of :math:`k+1` vectors,
    ``biases[i]`` of length :math:`w_{i+1}`.

    When every weight and bias entry is an ``int`` or a ``fractions.Fraction``, an exact copy
    is kept, and the ``exact=True`` analyses use it (e.g. a bias ``Fraction(1, 3)``).
    """

    def __init__(self, weights: list, biases: list | None = None) -> None:
        if isinstance(weights, np.ndarray) or not isinstance(weights, Sequence) or not weights:
            raise TypeError("weights must be a non-empty list of 2-D arrays, one per layer")
        ws = [as_float_array(w, f"weights[{i}]", ndim=2, min_size=1) for i, w in enumerate(weights)]
        for i in range(1, len(ws)):
            if ws[i].shape[1] != ws[i - 1].shape[0]:
                raise ValueError(
                    f"weights[{i}] must have {ws[i - 1].shape[0]} columns to follow "
                    f"weights[{i - 1}] of shape {ws[i - 1].shape}, got shape {ws[i].shape}"
                )
        k = len(ws) - 1
        if biases is None:
            raw_b: list = [[0] * w.shape[0] for w in ws]
        else:
            if isinstance(biases, np.ndarray) or not isinstance(biases, Sequence):
                raise TypeError("biases must be None or a list of 1-D arrays, one per layer")
            if len(biases) not in (k, k + 1):
                raise ValueError(
                    f"biases must have {k} (hidden layers) or {k + 1} entries, got {len(biases)}"
                )
            raw_b = list(biases) + ([[0] * ws[-1].shape[0]] if len(biases) == k else [])
        bs = [
            as_float_array(b, f"biases[{i}]", shape=(w.shape[0],))
            for i, (b, w) in enumerate(zip(raw_b, ws, strict=True))
        ]
        for arr in ws + bs:
            arr.setflags(write=False)
        self._weights = tuple(ws)
        self._biases = tuple(bs)
        exact_w = [_exact_copy(w) for w in weights]
        exact_b = [_exact_copy(b) for b in raw_b]
        if all(e is not None for e in exact_w + exact_b):
            self._exact: tuple | None = (tuple(exact_w), tuple(exact_b))
        else:
            self._exact = None

    # ------------------------------------------------------------------ structure
    @property
    def weights(self) -> tuple[np.ndarray, ...]:
        """The matrices :math:`W_1, \\dots, W_{k+1}` (read-only float64 arrays)."""
        return self._weights

    @property
    def biases(self) -> tuple[np.ndarray, ...]:
        """The vectors :math:`b_1, \\dots, b_{k+1}` (the last is the output bias)."""
        return self._biases

    @property
    def input_dim(self) -> int:
        """:math:`n`, the input dimension."""
        return self._weights[0].shape[1]

    @property
    def output_dim(self) -> int:
        """:math:`m`, the output dimension."""
        return self._weights[-1].shape[0]

    @property
    def hidden_widths(self) -> tuple[int, ...]:
        """:math:`(w_1, \\dots, w_k)`."""
        return tuple(w.shape[0] for w in self._weights[:-1])

    @property
    def depth(self) -> int:
        """:math:`k + 1`, the number of affine maps."""
        return len(self._weights)

    @property
    def width(self) -> int:
        """:math:`\\max_i w_i` over hidden layers (0 for an affine map)."""
        return max(self.hidden_widths, default=0)

    @property
    def size(self) -> int:
        """:math:`\\sum_i w_i`, the number of hidden neurons."""
        return sum(self.hidden_widths)

    def __repr__(self) -> str:
        widths = (self.input_dim, *self.hidden_widths, self.output_dim)
        return f"ReLUNet(widths={widths}, depth={self.depth}, size={self.size})"

    # ------------------------------------------------------------------ evaluation
    def _input(self, x) -> np.ndarray:
        x = as_float_array(x, "x", ndim=(1, 2))
        if x.ndim == 1:
            if self.input_dim != 1:
                raise ValueError(
                    f"x must have shape (N, {self.input_dim}); a 1-D x is only allowed "
                    f"when input_dim == 1, got shape {x.shape}"
                )
            x = x[:, None]
        if x.shape[1] != self.input_dim:
            raise ValueError(f"x must have shape (N, {self.input_dim}), got {x.shape}")
        return x

    def __call__(self, x) -> np.ndarray:
        """Evaluate on ``x`` of shape ``(N, n)`` (or ``(N,)`` if ``n == 1``).

        Returns shape ``(N,)`` when ``output_dim == 1``, else ``(N, m)``; float64.
        """
        h = self._input(x)
        for w, b in zip(self._weights[:-1], self._biases[:-1], strict=True):
            h = np.maximum(h @ w.T + b, 0.0)
        out = h @ self._weights[-1].T + self._biases[-1]
        return out[:, 0] if self.output_dim == 1 else out

    def activation_pattern(self, x) -> list[np.ndarray]:
        """Boolean arrays ``(N, w_i)``, one per hidden layer: which neurons have
        pre-activation :math:`> 0` at each input."""
        h = self._input(x)
        pattern = []
        for w, b in zip(self._weights[:-1], self._biases[:-1], strict=True):
            z = h @ w.T + b
            pattern.append(z > 0)
            h = np.maximum(z, 0.0)
        return pattern

    # ------------------------------------------------------------------ torch views
    def to_torch(self, dtype: Any = None) -> Any:
        """A ``torch.nn.Sequential`` of ``Linear``/``ReLU`` computing the same function
        (``dtype`` defaults to ``torch.float64``)."""
        import torch

        dtype = torch.float64 if dtype is None else dtype
        if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
            raise TypeError(f"dtype must be a floating torch.dtype, got {dtype!r}")
        layers: list = []
        for i, (w, b) in enumerate(zip(self._weights, self._biases, strict=True)):
            lin = torch.nn.Linear(w.shape[1], w.shape[0], dtype=dtype)
            with torch.no_grad():
                lin.weight.copy_(torch.tensor(np.array(w), dtype=dtype))
                lin.bias.copy_(torch.tensor(np.array(b), dtype=dtype))
            layers.append(lin)
            if i < len(self._weights) - 1:
                layers.append(torch.nn.ReLU())
        return torch.nn.Sequential(*layers)

    @classmethod
    def from_torch(cls, module: Any) -> ReLUNet:
        """Read a ``torch.nn.Sequential`` of the form Linear, ReLU, Linear, ..., ReLU, Linear."""
        import torch

        if not isinstance(module, torch.nn.Sequential):
            raise TypeError(f"module must be a torch.nn.Sequential, got {type(module).__name__}")
        mods = list(module)
        ok = len(mods) % 2 == 1 and all(
            isinstance(m, torch.nn.Linear if i % 2 == 0 else torch.nn.ReLU) for i, m in enumerate(mods)
        )
        if not ok:
            names = [type(m).__name__ for m in mods]
            raise ValueError(f"module must alternate Linear, ReLU, ..., Linear; got {names}")
        ws, bs = [], []
        for lin in mods[::2]:
            ws.append(lin.weight.detach().cpu().double().numpy())
            bias = lin.bias
            bs.append(np.zeros(lin.out_features) if bias is None else bias.detach().cpu().double().numpy())
        return cls(ws, bs)

    # ------------------------------------------------------------------ constructions
    @classmethod
    def random(
        cls,
        widths: list[int] | tuple[int, ...],
        rng: np.random.Generator,
        *,
        weight_std: float | None = None,
        bias_std: float = 0.5,
        output_bias: bool = False,
    ) -> ReLUNet:
        r"""A net with i.i.d. Gaussian parameters; ``widths = (n, w_1, ..., w_k, m)``.

        Weights of layer :math:`i` have standard deviation ``weight_std`` or, when ``None``,
        He's :math:`\sqrt{2 / w_{i-1}}`; hidden biases have ``bias_std``; the output bias is
        zero unless ``output_bias``.
        """
        if isinstance(widths, (str, bytes)) or not isinstance(widths, Sequence):
            raise TypeError("widths must be a sequence of integers (n, w_1, ..., w_k, m)")
        if len(widths) < 2:
            raise ValueError(f"widths must have at least 2 entries (n, m), got {len(widths)}")
        widths = [check_int(w, f"widths[{i}]", min_value=1) for i, w in enumerate(widths)]
        check_rng(rng)
        if weight_std is not None:
            weight_std = check_real(weight_std, "weight_std", low=0.0, low_inclusive=False)
        bias_std = check_real(bias_std, "bias_std", low=0.0)
        output_bias = check_bool(output_bias, "output_bias")
        ws, bs = [], []
        for i in range(len(widths) - 1):
            std = np.sqrt(2.0 / widths[i]) if weight_std is None else weight_std
            ws.append(rng.normal(0.0, std, size=(widths[i + 1], widths[i])))
            last = i == len(widths) - 2
            if last and not output_bias:
                bs.append(np.zeros(widths[i + 1]))
            else:
                bs.append(
                    rng.normal(0.0, bias_std, size=widths[i + 1]) if bias_std > 0 else np.zeros(widths[i + 1])
                )
        return cls(ws, bs)

    def _layers(self, exact: bool) -> tuple[tuple, tuple]:
        if exact:
            if self._exact is not None:
                return self._exact
            return tuple(map(_to_fractions, self._weights)), tuple(map(_to_fractions, self._biases))
        return self._weights, self._biases

    def _from_layers(self, ws: list, bs: list) -> ReLUNet:
        # keep exact rationals when both operands carried them
        if all(isinstance(a, np.ndarray) and a.dtype == object for a in ws + bs):
            return ReLUNet([a.tolist() for a in ws], [a.tolist() for a in bs])
        return ReLUNet(ws, bs)

    def compose(self, inner: ReLUNet) -> ReLUNet:
        r"""The net for :math:`f \circ g` (``self`` after ``inner``).

        The last affine map :math:`T^g_{k+1}` of ``inner`` is merged into the first affine map
        of ``self``: :math:`W^f_1 (W^g x + b^g) + b^f_1`. Depth adds up to
        :math:`(k_f + 1) + (k_g + 1) - 1`; hidden widths are concatenated.
        """
        if not isinstance(inner, ReLUNet):
            raise TypeError(f"inner must be a ReLUNet, got {type(inner).__name__}")
        if inner.output_dim != self.input_dim:
            raise ValueError(
                f"inner must have output_dim {self.input_dim} to feed this net, got {inner.output_dim}"
            )
        exact = self._exact is not None and inner._exact is not None
        wf, bf = self._layers(exact)
        wg, bg = inner._layers(exact)
        ws = list(wg[:-1]) + [wf[0] @ wg[-1]] + list(wf[1:])
        bs = list(bg[:-1]) + [wf[0] @ bg[-1] + bf[0]] + list(bf[1:])
        return self._from_layers(ws, bs)

    def deepen(self, depth: int) -> ReLUNet:
        r"""The same function at depth ``depth`` :math:`\geq` ``self.depth``: identity layers
        :math:`t = \sigma(t) - \sigma(-t)` (width :math:`2m`) are appended after the output."""
        depth = check_int(depth, "depth", min_value=self.depth)
        net = self
        while net.depth < depth:
            net = identity_net(self.output_dim).compose(net)
        return net

    @staticmethod
    def linear_combination(nets: list[ReLUNet], coeffs: list[float] | np.ndarray) -> ReLUNet:
        r"""The net for :math:`\sum_j c_j f_j`.

        All nets share input and output dimensions. Shallower nets are first deepened with
        identity layers (:meth:`ReLUNet.deepen`); then the nets run in parallel (block-diagonal hidden
        layers) and the output layer takes the weighted sum. Depth is the largest depth,
        size the sum of the (deepened) sizes.
        """
        if isinstance(nets, ReLUNet) or not isinstance(nets, Sequence) or not nets:
            raise TypeError("nets must be a non-empty list of ReLUNet")
        for i, f in enumerate(nets):
            if not isinstance(f, ReLUNet):
                raise TypeError(f"nets[{i}] must be a ReLUNet, got {type(f).__name__}")
            if (f.input_dim, f.output_dim) != (nets[0].input_dim, nets[0].output_dim):
                raise ValueError(
                    f"nets[{i}] maps R^{f.input_dim} -> R^{f.output_dim}, but nets[0] maps "
                    f"R^{nets[0].input_dim} -> R^{nets[0].output_dim}"
                )
        c = as_float_array(coeffs, "coeffs", shape=(len(nets),))
        depth = max(f.depth for f in nets)
        deep = [f.deepen(depth) for f in nets]
        ws, bs = [], []
        for layer in range(depth):
            if layer == 0:
                w = np.vstack([f.weights[0] for f in deep])
            elif layer < depth - 1:
                w = _block_diag([f.weights[layer] for f in deep])
            else:
                w = np.hstack([cj * f.weights[layer] for cj, f in zip(c, deep, strict=True)])
            if layer < depth - 1:
                b = np.concatenate([f.biases[layer] for f in deep])
            else:
                b = sum(cj * f.biases[layer] for cj, f in zip(c, deep, strict=True))
            ws.append(w)
            bs.append(b)
        if depth == 1:  # all affine: sum the maps
            ws = [sum(cj * f.weights[0] for cj, f in zip(c, deep, strict=True))]
        return ReLUNet(ws, bs)


def _block_diag(blocks: list[np.ndarray]) -> np.ndarray:
    rows = sum(b.shape[0] for b in blocks)
    cols = sum(b.shape[1] for b in blocks)
    out = np.zeros((rows, cols))
    r = c = 0
    for b in blocks:
        out[r : r + b.shape[0], c : c + b.shape[1]] = b
        r, c = r + b.shape[0], c + b.shape[1]
    return out


# ---------------------------------------------------------------------- small exact identities
def identity_net(n: int = 1) -> ReLUNet:
    r"""The identity of :math:`\mathbb{R}^n` with one hidden layer of width :math:`2n`:
    :math:`t = \sigma(t) - \sigma(-t)`."""
    n = check_int(n, "n", min_value=1)
    eye = np.eye(n, dtype=int)
    return ReLUNet([np.vstack([eye, -eye]).tolist(), np.hstack([eye, -eye]).tolist()])


def abs_net() -> ReLUNet:
    r""":math:`|t| = \sigma(t) + \sigma(-t)`: one hidden layer of width 2."""
    return ReLUNet([[[1], [-1]], [[1, 1]]])


def max2_net() -> ReLUNet:
    r""":math:`\max(a, b) = \frac{a+b}{2} + \frac{|a-b|}{2}` on :math:`\mathbb{R}^2`, width 4:
    :math:`\tfrac12(\sigma(a+b) - \sigma(-a-b) + \sigma(a-b) + \sigma(b-a))`
    (thesis Thm 2.1's building block, :cite:p:`arora2018understanding`)."""
    half = Fraction(1, 2)
    return ReLUNet(
        [[[1, 1], [-1, -1], [1, -1], [-1, 1]], [[half, -half, half, half]]],
    )


def tent_net() -> ReLUNet:
    r"""Telgarsky's tent map :math:`T(x) = 2\sigma(x) - 4\sigma(x - \tfrac12)`
    (:cite:p:`telgarsky2016benefits`): on :math:`[0, 1]` it is :math:`2x` then :math:`2 - 2x`,
    and it maps :math:`[0, 1]` onto itself."""
    return ReLUNet([[[1], [1]], [[2, -4]]], [[0, Fraction(-1, 2)], [0]])


def sawtooth_net(k: int) -> ReLUNet:
    r"""The :math:`k`-fold composition :math:`T^{\circ k}` of :func:`tent_net`: depth
    :math:`k+1`, width 2, and exactly :math:`2^k` affine pieces on :math:`[0, 1]`."""
    k = check_int(k, "k", min_value=1)
    net = tent_net()
    for _ in range(k - 1):
        net = tent_net().compose(net)
    return net


# ---------------------------------------------------------------------- exact 1-D analysis
@dataclass(frozen=True)
class PWL1D:
    r"""A continuous PWL function on an interval :math:`[lo, hi]` (ends may be infinite).

    ``knots`` :math:`t_1 < \dots < t_{p-1}` are the breakpoints; on the :math:`j`-th piece
    :math:`f(x) = \text{slopes}[j]\, x + \text{intercepts}[j]`. ``slopes`` and ``intercepts``
    have shape ``(p,)`` for scalar output, else ``(p, m)``. Object arrays of
    ``Fraction`` when computed with ``exact=True``.
    """

    knots: np.ndarray
    slopes: np.ndarray
    intercepts: np.ndarray
    lo: float
    hi: float

    @property
    def n_pieces(self) -> int:
        """The number of pieces :math:`p`."""
        return len(self.knots) + 1

    @property
    def values(self) -> np.ndarray:
        """:math:`f(t_j)` at the knots."""
        if len(self.knots) == 0:
            return self.intercepts[:0]
        t = self.knots if self.slopes.ndim == 1 else self.knots[:, None]
        return self.slopes[:-1] * t + self.intercepts[:-1]

    def __call__(self, x) -> np.ndarray:
        """Evaluate (as float64) at the points ``x`` (1-D array)."""
        x = as_float_array(x, "x", ndim=1)
        j = np.searchsorted(np.asarray(self.knots, dtype=float), x, side="right")
        s = np.asarray(self.slopes, dtype=float)[j]
        c = np.asarray(self.intercepts, dtype=float)[j]
        return s * (x if s.ndim == 1 else x[:, None]) + c


def _check_net(net, name: str = "net", *, input_dim: int | None = None) -> ReLUNet:
    if not isinstance(net, ReLUNet):
        raise TypeError(f"{name} must be a ReLUNet, got {type(net).__name__}")
    if input_dim is not None and net.input_dim != input_dim:
        raise ValueError(f"{name} must have input_dim {input_dim}, got {net.input_dim}")
    return net


def _check_interval(lo, hi) -> tuple[float, float]:
    for v, name in ((lo, "lo"), (hi, "hi")):
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or np.isnan(float(v)):
            raise TypeError(f"{name} must be a real number (or +-inf), got {v!r}")
    if not float(lo) < float(hi):
        raise ValueError(f"lo must be < hi, got lo={lo}, hi={hi}")
    return lo, hi


def _representatives(knots: np.ndarray, lo, hi) -> np.ndarray:
    """One interior point of every interval between consecutive knots of ``[lo, hi]``."""
    edges = [lo, *knots, hi]
    reps = []
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        fa, fb = np.isfinite(float(a)), np.isfinite(float(b))
        if fa and fb:
            reps.append((a + b) / 2)
        elif fa:
            reps.append(a + 1)
        elif fb:
            reps.append(b - 1)
        else:
            reps.append(0)
    return np.array(reps, dtype=object if knots.dtype == object else float)


def _merge_knots(old: np.ndarray, new: np.ndarray, exact: bool, tol: float) -> np.ndarray:
    if exact:
        return np.array(sorted(set(old.tolist()) | set(new.tolist())), dtype=object)
    allk = np.sort(np.concatenate([old, new]))
    if allk.size < 2:
        return allk
    keep = np.ones(allk.size, dtype=bool)
    keep[1:] = np.diff(allk) > tol * (1.0 + np.abs(allk[1:]))
    return allk[keep]


def _affine_pieces(net: ReLUNet, lo, hi, exact: bool, tol: float):
    """Knots and per-interval (slope, intercept) of the output, before merging equal slopes."""
    ws, bs = net._layers(exact)
    dt = object if exact else float
    if exact:
        lo = lo if not np.isfinite(float(lo)) else Fraction(lo)
        hi = hi if not np.isfinite(float(hi)) else Fraction(hi)
    knots = np.zeros(0, dtype=dt)
    slope = np.ones((1, 1), dtype=dt)  # h(x) = x on the single interval
    icpt = np.zeros((1, 1), dtype=dt)
    if exact:
        slope[0, 0], icpt[0, 0] = Fraction(1), Fraction(0)
    for w, b in zip(ws[:-1], bs[:-1], strict=True):
        za, zc = slope @ w.T, icpt @ w.T + b  # pre-activations, (intervals, width)
        left = np.array([lo, *knots], dtype=dt)[:, None]
        right = np.array([*knots, hi], dtype=dt)[:, None]
        nz = za != 0
        root = np.where(nz, -zc / np.where(nz, za, 1), 0)
        inside = nz & (root > left) & (root < right)
        knots_new = _merge_knots(knots, root[inside].astype(dt), exact, tol)
        reps = _representatives(knots_new, lo, hi)
        idx = np.searchsorted(knots, reps, side="right") if knots.size else np.zeros(len(reps), int)
        za, zc = za[idx], zc[idx]
        active = za * reps[:, None] + zc > 0
        zero = np.zeros_like(za)
        slope, icpt, knots = np.where(active, za, zero), np.where(active, zc, zero), knots_new
    return knots, slope @ ws[-1].T, icpt @ ws[-1].T + bs[-1]


def pieces_1d(net: ReLUNet, lo=-np.inf, hi=np.inf, *, exact: bool = False, tol: float = 1e-9) -> PWL1D:
    r"""The exact PWL description of an :math:`\mathbb{R} \to \mathbb{R}^m` net on
    :math:`[lo, hi]`.

    Each hidden neuron's pre-activation is an explicit PWL function of :math:`x` (a knot list
    with one affine map per interval); applying :math:`\sigma` adds its zero crossings as knots.
    At the output, adjacent intervals with equal slope are merged (the function is continuous,
    so they carry the same affine map): the result has one entry per *piece*, the maximal
    intervals on which :math:`f` is affine (:cite:p:`arora2018understanding` Def. 3).

    With ``exact=False`` the arithmetic is float64: knots closer than
    ``tol * (1 + |t|)`` are identified and slopes that differ by at most
    ``tol * max(1, max|slope|)`` count as equal. With ``exact=True`` everything is rational
    (no tolerance); costs grow with the number of pieces, which is fine up to some
    :math:`10^4` pieces.
    """
    net = _check_net(net, input_dim=1)
    lo, hi = _check_interval(lo, hi)
    exact = check_bool(exact, "exact")
    tol = check_real(tol, "tol", low=0.0)
    knots, slope, icpt = _affine_pieces(net, lo, hi, exact, tol)
    if exact:
        change = np.any(slope[1:] != slope[:-1], axis=1)
    else:
        scale = max(1.0, float(np.max(np.abs(slope))))
        change = np.any(np.abs(slope[1:] - slope[:-1]) > tol * scale, axis=1)
    first = np.concatenate([[True], change])
    s, c = slope[first], icpt[first]
    if net.output_dim == 1:
        s, c = s[:, 0], c[:, 0]
    knots = knots[change] if exact else knots[change] + 0.0  # + 0.0 turns -0.0 into 0.0
    return PWL1D(knots=knots, slopes=s, intercepts=c, lo=lo, hi=hi)


def breakpoints_1d(
    net: ReLUNet, lo=-np.inf, hi=np.inf, *, exact: bool = False, tol: float = 1e-9
) -> np.ndarray:
    """The sorted points in :math:`(lo, hi)` where the slope of the net really changes
    (see :func:`pieces_1d` for the method and the tolerance)."""
    return pieces_1d(net, lo, hi, exact=exact, tol=tol).knots


def count_pieces_1d(net: ReLUNet, lo=-np.inf, hi=np.inf, *, exact: bool = False, tol: float = 1e-9) -> int:
    """The number of pieces (maximal intervals where the net is affine) on :math:`[lo, hi]`,
    computed exactly from the breakpoints (see :func:`pieces_1d`)."""
    return pieces_1d(net, lo, hi, exact=exact, tol=tol).n_pieces


# ---------------------------------------------------------------------- exact 2-D analysis
@dataclass(frozen=True)
class Region2D:
    r"""One activation region of an :math:`\mathbb{R}^2 \to \mathbb{R}^m` net inside a box.

    ``vertices`` (counter-clockwise, shape ``(V, 2)``) bound a convex polygon on which every
    hidden neuron keeps its sign; ``pattern`` holds one boolean vector per hidden layer;
    on the polygon :math:`f(x) = \text{grad}\, x + \text{offset}`, ``grad`` of shape ``(m, 2)``.
    """

    vertices: np.ndarray
    pattern: tuple[np.ndarray, ...]
    grad: np.ndarray
    offset: np.ndarray

    @property
    def key(self) -> bytes:
        """The activation pattern (all hidden layers) packed into bytes, for set operations."""
        bits = np.concatenate(self.pattern) if self.pattern else np.zeros(0)
        return np.packbits(bits.astype(np.uint8)).tobytes()

    def inradius(self) -> float:
        r"""Radius of the largest disc inside the polygon (Chebyshev centre, an LP solved with
        scipy's HiGHS): :math:`\max r` s.t. :math:`\langle n_e, x \rangle + r \|n_e\| \leq d_e`."""
        from scipy.optimize import linprog

        v, v_next = self.vertices, np.roll(self.vertices, -1, axis=0)
        d = v_next - v
        normal = np.column_stack([d[:, 1], -d[:, 0]])  # outward for counter-clockwise order
        norm = np.linalg.norm(normal, axis=1)
        a_ub = np.column_stack([normal, norm])
        b_ub = np.einsum("ij,ij->i", normal, v)
        res = linprog([0, 0, -1], A_ub=a_ub, b_ub=b_ub, bounds=[(None, None)] * 2 + [(0, None)])
        return float(res.x[2]) if res.status == 0 else 0.0

    def contains_disc(self, radius: float) -> bool:
        r"""Whether a disc of the given radius fits strictly inside the polygon: the polygon
        shrunk by ``radius`` (each edge moved inwards, i.e. clipped by the half-planes
        :math:`\langle n_e, x \rangle + r \|n_e\| \leq d_e`) still has positive area. Same answer
        as ``inradius() > radius``, without an LP solve."""
        radius = check_real(radius, "radius", low=0.0)
        v, v_next = self.vertices, np.roll(self.vertices, -1, axis=0)
        d = v_next - v
        normal = np.column_stack([d[:, 1], -d[:, 0]])  # outward for counter-clockwise order
        offset = np.einsum("ij,ij->i", normal, v) - radius * np.linalg.norm(normal, axis=1)
        poly = v
        for n_e, d_e in zip(normal, offset, strict=True):
            poly = _clip(poly, d_e - poly @ n_e, True)
            if len(poly) < 3:
                return False
        x, y = poly[:, 0], poly[:, 1]
        return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) > 0

    @property
    def area(self) -> float:
        """Shoelace area of the polygon."""
        x, y = self.vertices[:, 0], self.vertices[:, 1]
        return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def _check_box(box) -> tuple[float, float, float, float]:
    arr = as_float_array(box, "box", shape=(4,))
    x0, x1, y0, y1 = (float(v) for v in arr)
    if not (x0 < x1 and y0 < y1):
        raise ValueError(f"box must be (xmin, xmax, ymin, ymax) with xmin < xmax, ymin < ymax, got {box}")
    return x0, x1, y0, y1


def _box_polygon(box: tuple[float, float, float, float]) -> np.ndarray:
    x0, x1, y0, y1 = box
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])


def _clip(poly: np.ndarray, s: np.ndarray, positive: bool) -> np.ndarray:
    """The part of a convex polygon where the affine function with vertex values ``s`` is
    >= 0 (``positive``) or <= 0; ``s`` has its near-zero entries already set to 0."""
    if not positive:
        s = -s
    out = []
    n = len(poly)
    for i in range(n):
        j = (i + 1) % n
        if s[i] >= 0:
            out.append(poly[i])
        if s[i] * s[j] < 0:
            t = s[i] / (s[i] - s[j])
            out.append(poly[i] + t * (poly[j] - poly[i]))
    return np.array(out)


def linear_regions_2d(net: ReLUNet, box, *, tol: float = 1e-10) -> list[Region2D]:
    r"""All activation regions of an :math:`\mathbb{R}^2 \to \mathbb{R}^m` net inside ``box``
    ``= (xmin, xmax, ymin, ymax)``, as exact convex polygons.

    Layer by layer, every current polygon (on which the previous layers are a fixed affine map
    :math:`x \mapsto A x + c`) is cut by the lines :math:`\{ (W A)_i x + (W c + b)_i = 0 \}` of the
    layer's neurons; each piece gets the pattern of signs and the new affine map
    :math:`\operatorname{diag}(\text{pattern})(W A x + W c + b)`. For a fixed pattern the set of
    inputs is an intersection of half-planes, so each region is one convex polygon.

    A line is only used to cut when it leaves vertices on both sides by more than
    ``tol * (|a| R + |c|)`` (:math:`R` the box's largest coordinate), so slivers thinner than
    about ``tol * R`` are not produced; a neuron identically 0 on a polygon counts as inactive.
    """
    net = _check_net(net, input_dim=2)
    box = _check_box(box)
    tol = check_real(tol, "tol", low=0.0)
    radius = max(abs(v) for v in box)
    regions = [(_box_polygon(box), np.eye(2), np.zeros(2), ())]
    for w, b in zip(net.weights[:-1], net.biases[:-1], strict=True):
        new = []
        for poly, a, c, pattern in regions:
            za, zc = w @ a, w @ c + b
            cells = [(poly, [])]
            for i in range(w.shape[0]):
                eps = tol * (np.linalg.norm(za[i]) * radius + abs(zc[i]))
                split = []
                for cell, signs in cells:
                    s = cell @ za[i] + zc[i]
                    s = np.where(np.abs(s) <= eps, 0.0, s)
                    if s.max() <= 0:
                        split.append((cell, [*signs, False]))
                    elif s.min() >= 0:
                        split.append((cell, [*signs, True]))
                    else:
                        split.append((_clip(cell, s, True), [*signs, True]))
                        split.append((_clip(cell, s, False), [*signs, False]))
                cells = split
            for cell, signs in cells:
                act = np.array(signs, dtype=bool)
                new.append((cell, za * act[:, None], zc * act, (*pattern, act)))
        regions = new
    w_out, b_out = net.weights[-1], net.biases[-1]
    return [
        Region2D(vertices=p, pattern=pat, grad=w_out @ a, offset=w_out @ c + b_out)
        for p, a, c, pat in regions
    ]


def count_regions_2d(net: ReLUNet, box, *, tol: float = 1e-10) -> int:
    """The number of activation (linear) regions of an :math:`\\mathbb{R}^2` net inside ``box``
    (exact polygon clipping, :func:`linear_regions_2d`)."""
    return len(linear_regions_2d(net, box, tol=tol))


def _share_edge(p: np.ndarray, q: np.ndarray, eps: float) -> bool:
    """Whether two convex polygons share a boundary segment of positive length."""
    p0, p1 = p, np.roll(p, -1, axis=0)
    q0, q1 = q, np.roll(q, -1, axis=0)
    d = p1 - p0  # (P, 2)
    length = np.linalg.norm(d, axis=1)
    u = d / length[:, None]

    def cross(v, w):
        return v[..., 0] * w[..., 1] - v[..., 1] * w[..., 0]

    # distance of q's endpoints to p's edge lines, (P, Q)
    r0 = q0[None, :, :] - p0[:, None, :]
    r1 = q1[None, :, :] - p0[:, None, :]
    collinear = (np.abs(cross(u[:, None, :], r0)) <= eps) & (np.abs(cross(u[:, None, :], r1)) <= eps)
    t0 = np.einsum("pqk,pk->pq", r0, u)
    t1 = np.einsum("pqk,pk->pq", r1, u)
    overlap = np.minimum(np.maximum(t0, t1), length[:, None]) - np.maximum(np.minimum(t0, t1), 0.0)
    return bool(np.any(collinear & (overlap > eps)))


def count_pieces_2d(
    net: ReLUNet,
    box,
    *,
    tol: float = 1e-10,
    affine_tol: float = 1e-9,
    regions: list[Region2D] | None = None,
) -> int:
    r"""The number of pieces of an :math:`\mathbb{R}^2 \to \mathbb{R}^m` net inside ``box``:
    activation regions (:func:`linear_regions_2d`) that share an edge of positive length and
    carry the same affine map (gradients and offsets equal within
    ``affine_tol * max(1, max|coefficient|)``) are merged; the count is the number of
    connected components. (Regions that touch only at a vertex are not merged: the pieces are
    the components of the interior.) Always :math:`\leq` :func:`count_regions_2d`. ``regions``
    may pass the already computed :func:`linear_regions_2d` of this net and box.
    """
    affine_tol = check_real(affine_tol, "affine_tol", low=0.0)
    if regions is None:
        regions = linear_regions_2d(net, box, tol=tol)
    elif not regions or not all(isinstance(r, Region2D) for r in regions):
        raise TypeError("regions must be a non-empty list of Region2D (from linear_regions_2d)")
    n = len(regions)
    coef = np.array([np.concatenate([r.grad.ravel(), r.offset.ravel()]) for r in regions])
    thresh = affine_tol * max(1.0, float(np.max(np.abs(coef))))
    lo = np.array([r.vertices.min(axis=0) for r in regions])
    hi = np.array([r.vertices.max(axis=0) for r in regions])
    eps = tol * max(1.0, max(abs(v) for v in _check_box(box))) * 10
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(n):
        same = np.all(np.abs(coef[i + 1 :] - coef[i]) <= thresh, axis=1)
        touch = np.all(lo[i + 1 :] <= hi[i] + eps, axis=1) & np.all(hi[i + 1 :] >= lo[i] - eps, axis=1)
        for j in np.flatnonzero(same & touch) + i + 1:
            if find(i) != find(int(j)) and _share_edge(regions[i].vertices, regions[j].vertices, eps):
                parent[find(i)] = find(int(j))
    return len({find(i) for i in range(n)})


def grid_patterns_2d(net: ReLUNet, box, resolution: int = 400) -> np.ndarray:
    """The distinct activation patterns (rows of a boolean array, hidden layers concatenated)
    met at the centres of a ``resolution`` x ``resolution`` pixel grid of ``box``: an
    independent, sampling-based view of the regions (it misses regions that contain no pixel
    centre, e.g. every region whose inscribed circle is smaller than half a pixel diagonal is
    at risk)."""
    net = _check_net(net, input_dim=2)
    x0, x1, y0, y1 = _check_box(box)
    res = check_int(resolution, "resolution", min_value=2)
    xs = x0 + (np.arange(res) + 0.5) * (x1 - x0) / res
    ys = y0 + (np.arange(res) + 0.5) * (y1 - y0) / res
    gx, gy = np.meshgrid(xs, ys)
    pattern = net.activation_pattern(np.column_stack([gx.ravel(), gy.ravel()]))
    if not pattern:  # an affine map: one pattern (the empty one)
        return np.zeros((1, 0), dtype=bool)
    bits = np.hstack(pattern)
    packed = np.ascontiguousarray(np.packbits(bits, axis=1))
    rows = packed.view(np.dtype((np.void, packed.shape[1])))[:, 0]
    _, first = np.unique(rows, return_index=True)  # 1-D unique on packed rows: fast
    return bits[np.sort(first)]


def count_regions_grid_2d(net: ReLUNet, box, resolution: int = 400) -> int:
    """An independent lower bound on :func:`count_regions_2d`: the number of distinct
    activation patterns on a pixel grid (:func:`grid_patterns_2d`). Since the inputs with one
    pattern form a convex set, distinct patterns are distinct regions; the count is exact once
    every region contains a pixel centre."""
    return len(grid_patterns_2d(net, box, resolution))


def arrangement_regions_2d(normals, offsets, box) -> int:
    r"""Zaslavsky's count for lines :math:`\{x : \langle a_i, x \rangle + c_i = 0\}` inside a box:
    :math:`1 + L + I`, with :math:`L` the lines that cross the open box and :math:`I` the
    intersection points inside it (:cite:p:`zaslavsky1975facing`; Euler's formula for a convex
    region). It assumes no three lines meet at one point inside the box and raises
    ``ValueError`` otherwise. For a net with one hidden layer it counts the activation regions.
    """
    a = as_float_array(normals, "normals", ndim=2, shape=(None, 2))
    c = as_float_array(offsets, "offsets", shape=(a.shape[0],))
    if np.any(np.linalg.norm(a, axis=1) == 0):
        raise ValueError("normals must be non-zero vectors")
    x0, x1, y0, y1 = _check_box(box)
    corners = _box_polygon((x0, x1, y0, y1))
    vals = corners @ a.T + c  # (4, L)
    crosses = (vals.max(axis=0) > 0) & (vals.min(axis=0) < 0)
    idx = np.flatnonzero(crosses)
    points = []
    for p, i in enumerate(idx):
        for j in idx[p + 1 :]:
            m = np.array([a[i], a[j]])
            if abs(np.linalg.det(m)) < 1e-12 * np.linalg.norm(a[i]) * np.linalg.norm(a[j]):
                continue  # parallel lines
            pt = np.linalg.solve(m, -np.array([c[i], c[j]]))
            if x0 < pt[0] < x1 and y0 < pt[1] < y1:
                points.append(pt)
    if len(points) > 1:
        pts = np.array(points)
        dist = np.abs(pts @ a[idx].T + c[idx]) / np.linalg.norm(a[idx], axis=1)
        if np.any((dist < 1e-9 * (1 + np.abs(pts).max())).sum(axis=1) > 2):
            raise ValueError("normals, offsets: three or more lines meet at one point in the box")
    return 1 + int(idx.size) + len(points)


def plot_regions_2d(
    net: ReLUNet, box, ax: Any = None, *, regions: list[Region2D] | None = None, edgecolor: str = "white"
) -> Any:
    """Draw the activation regions of an :math:`\\mathbb{R}^2` net inside ``box`` as exact
    polygons (:func:`linear_regions_2d`), one colour per activation pattern (colours cycle
    through ``tab20`` in the sorted order of the patterns). Pass ``regions`` (the result of
    :func:`linear_regions_2d` for this net and box) to avoid recomputing them. Returns the axes."""
    import matplotlib.pyplot as plt
    from matplotlib.collections import PolyCollection

    if regions is None:
        regions = linear_regions_2d(net, box)
    elif not all(isinstance(r, Region2D) for r in regions):
        raise TypeError("regions must be a list of Region2D (from linear_regions_2d)")
    if ax is None:
        ax = plt.gca()
    cmap = plt.get_cmap("tab20")
    rank = {key: i for i, key in enumerate(sorted(r.key for r in regions))}
    colours = [cmap((7 * rank[r.key]) % 20 / 20) for r in regions]
    ax.add_collection(
        PolyCollection(
            [r.vertices for r in regions], facecolors=colours, edgecolors=edgecolor, linewidths=0.3
        )
    )
    x0, x1, y0, y1 = _check_box(box)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.grid(False)
    return ax
