"""ReLUNet: a ReLU net as a function, its torch views, constructions and small exact nets."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from .._validate import (
    as_float_array,
    check_bool,
    check_instance,
    check_int,
    check_real,
    check_rng,
    check_sequence,
    check_size,
    is_exact_number,
)


def relu(x) -> np.ndarray:
    r"""The rectifier :math:`\sigma(t) = \max\{0, t\}`, applied entrywise to a float array.

    :math:`\pm\infty` are allowed (:math:`\sigma(\infty) = \infty`, :math:`\sigma(-\infty) = 0`);
    NaN is refused: it has no rectified value, and ``np.maximum`` would pass it on silently."""
    x = as_float_array(x, "x", finite=False)
    if np.isnan(x).any():
        raise ValueError("x must not contain NaN")
    return rectify(x)


def rectify(x: np.ndarray) -> np.ndarray:
    """:func:`relu` without the argument checks, for inner loops that validated their inputs
    at their own entry (the Chapter 3 simulator, where a diverged run is NaN on purpose)."""
    return np.maximum(x, 0.0)


def _exact_copy(a) -> np.ndarray | None:
    """An object array of Fractions if every entry of ``a`` is an int or a Fraction, else None."""
    arr = np.asarray(a, dtype=object)
    flat = arr.ravel()
    if flat.size and all(is_exact_number(v) for v in flat):
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
    layers; the output bias is then zero, as in Arora et al. 2018, Def. 1), or of :math:`k+1` vectors,
    ``biases[i]`` of length :math:`w_{i+1}`.

    When every weight and bias entry is an ``int`` or a ``fractions.Fraction``, an exact copy
    is kept, and the ``exact=True`` analyses use it (e.g. a bias ``Fraction(1, 3)``).
    """

    def __init__(self, weights: list, biases: list | None = None) -> None:
        check_sequence(weights, "weights", min_len=1, what="a list of 2-D arrays, one per layer")
        # private copies: the caller's arrays stay writable and later edits do not reach the net
        ws = [
            np.array(as_float_array(w, f"weights[{i}]", ndim=2, min_size=1), copy=True)
            for i, w in enumerate(weights)
        ]
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
            check_sequence(biases, "biases", what="None or a list of 1-D arrays, one per layer")
            if len(biases) not in (k, k + 1):
                raise ValueError(
                    f"biases must have {k} (hidden layers) or {k + 1} entries, got {len(biases)}"
                )
            raw_b = list(biases) + ([[0] * ws[-1].shape[0]] if len(biases) == k else [])
        bs = [
            np.array(as_float_array(b, f"biases[{i}]", shape=(w.shape[0],)), copy=True)
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
        import torch  # torch only for the torch views: the exact analyses stay light to import

        from ..nets import build_mlp

        dtype = torch.float64 if dtype is None else dtype
        widths = [self.input_dim] + [w.shape[0] for w in self._weights]
        model = build_mlp(widths, dtype=dtype)
        with torch.no_grad():
            for lin, w, b in zip(model[::2], self._weights, self._biases, strict=True):
                lin.weight.copy_(torch.tensor(np.array(w), dtype=dtype))
                lin.bias.copy_(torch.tensor(np.array(b), dtype=dtype))
        return model

    @classmethod
    def from_torch(cls, module: Any) -> ReLUNet:
        """Read a ``torch.nn.Sequential`` of the form Linear, ReLU, Linear, ..., ReLU, Linear."""
        import torch

        check_instance(module, "module", torch.nn.Sequential, "a torch.nn.Sequential")
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
        check_sequence(widths, "widths", what="a sequence of integers (n, w_1, ..., w_k, m)")
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
        check_instance(inner, "inner", ReLUNet)
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
        nets = check_sequence(nets, "nets", item_type=ReLUNet, min_len=1, what="a list of ReLUNet")
        for i, f in enumerate(nets):
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
MAX_IDENTITY_PARAMS = 10**6
MAX_SAWTOOTH_K = 1024


def identity_net(n: int = 1, *, max_params: int = MAX_IDENTITY_PARAMS) -> ReLUNet:
    r"""The identity of :math:`\mathbb{R}^n` (:prf:ref:`lem-ch1-identities`), one hidden layer
    of width :math:`2n`:
    :math:`t = \sigma(t) - \sigma(-t)`.

    Its :math:`4n^2` weights are kept exactly (Python integers); a ``ValueError`` refuses
    :math:`4n^2 >` ``max_params`` (default :math:`10^6`) before any work."""
    n = check_int(n, "n", min_value=1)
    max_params = check_int(max_params, "max_params", min_value=1)
    check_size(4 * n * n, max_params, f"identity_net(n={n}): the weight count 4n^2",
               override="a larger max_params")
    eye = np.eye(n, dtype=int)
    return ReLUNet([np.vstack([eye, -eye]).tolist(), np.hstack([eye, -eye]).tolist()])


def abs_net() -> ReLUNet:
    r""":math:`|t| = \sigma(t) + \sigma(-t)` (:prf:ref:`lem-ch1-identities`): one hidden layer of width 2."""
    return ReLUNet([[[1], [-1]], [[1, 1]]])


def max2_net() -> ReLUNet:
    r""":math:`\max(a, b) = \frac{a+b}{2} + \frac{|a-b|}{2}` on :math:`\mathbb{R}^2`, width 4:
    :math:`\tfrac12(\sigma(a+b) - \sigma(-a-b) + \sigma(a-b) + \sigma(b-a))`
    (:prf:ref:`lem-ch1-identities`; the building block of Arora et al. 2018, Thm 2.1)."""
    half = Fraction(1, 2)
    return ReLUNet(
        [[[1, 1], [-1, -1], [1, -1], [-1, 1]], [[half, -half, half, half]]],
    )


def tent_net() -> ReLUNet:
    r"""Telgarsky's tent map :math:`T(x) = 2\sigma(x) - 4\sigma(x - \tfrac12)`
    (:cite:p:`telgarsky2016benefits`): on :math:`[0, 1]` it is :math:`2x` then :math:`2 - 2x`,
    and it maps :math:`[0, 1]` onto itself."""
    return ReLUNet([[[1], [1]], [[2, -4]]], [[0, Fraction(-1, 2)], [0]])


def sawtooth_net(k: int, *, max_k: int = MAX_SAWTOOTH_K) -> ReLUNet:
    r"""The :math:`k`-fold composition :math:`T^{\circ k}` of :func:`tent_net`: depth
    :math:`k+1`, width 2, and exactly :math:`2^k` affine pieces on :math:`[0, 1]`
    (:prf:ref:`thm-ch1-sawtooth`).

    Built layer by layer in :math:`O(k)` (the composition merges the output map
    :math:`(2, -4)` of one tent into the input map :math:`(1, 1)^T` of the next, giving the
    hidden matrix :math:`\begin{pmatrix} 2 & -4 \\ 2 & -4 \end{pmatrix}`); ``k`` above
    ``max_k`` (default 1024; the net would have :math:`2^k` pieces) is refused."""
    k = check_int(k, "k", min_value=1)
    max_k = check_int(max_k, "max_k", min_value=1)
    check_size(k, max_k, f"sawtooth_net(k={k}): the depth k", override="a larger max_k")
    half = Fraction(-1, 2)
    ws = [[[1], [1]]] + [[[2, -4], [2, -4]] for _ in range(k - 1)] + [[[2, -4]]]
    bs = [[0, half] for _ in range(k)] + [[0]]
    return ReLUNet(ws, bs)



def _check_net(net, name: str = "net", *, input_dim: int | None = None) -> ReLUNet:
    check_instance(net, name, ReLUNet)
    if input_dim is not None and net.input_dim != input_dim:
        raise ValueError(f"{name} must have input_dim {input_dim}, got {net.input_dim}")
    return net
