"""The random numbers of Chapter 3's simulator: Gaussian draws, the input coordinates that the
filters read, and the chunked stream that both implementations of ``simulate_grid`` read."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from ._model import sample_inputs

_CHUNK = 256  # at most this many iterations of random numbers are drawn at once
_CHUNK_NUMBERS = 200_000  # and at most about this many input coordinates (1.6 MB)
#: The largest :math:`|g|` that :func:`normal_f32` can return:
#: :math:`\sqrt{-2\ln 2^{-24}} \approx 5.768` (its uniforms are multiples of :math:`2^{-24}`).
NORMAL_F32_MAX = math.sqrt(48 * math.log(2))


def normal_f32(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Standard normal draws of shape ``shape`` (float64), by the Box-Muller transform computed
    in float32.

    For independent uniforms :math:`u, v`, :math:`\\rho = \\sqrt{-2\\ln(1-u)}` and
    :math:`(\\rho\\cos 2\\pi v,\\ \\rho\\sin 2\\pi v)` are two independent :math:`N(0,1)`
    draws. ``u`` and ``v`` are ``rng``'s float32 uniforms, multiples of :math:`2^{-24}` in
    [0, 1), so :math:`1-u \\ge 2^{-24}` and :math:`|g| \\le` :data:`NORMAL_F32_MAX`
    (:math:`\\approx 5.77`; the normal law puts mass :math:`8\\times10^{-9}` beyond it). This
    is the transform of ``torch.randn`` on the CPU; here the transcendental functions run in
    NumPy's vectorised float32 loops, without a torch import (``benchmarks/relu_gate.py``
    times it against ``torch.randn`` and NumPy's ``standard_normal``). Each draw is a float32
    value, exact in float64, so all arithmetic on it is float64. The first half of the output
    (in C order) holds the cosine draws, the second half the sine draws.
    """
    size = math.prod(shape)
    half = (size + 1) // 2
    # rng.random((2, half), dtype=np.float32) is (32 raw bits >> 8) * 2**-24, taken in this
    # order from the bit generator's 64-bit outputs: formed here from the raw bits directly,
    # which is faster and gives the same numbers (a test checks it)
    bits = rng.bit_generator.random_raw(half).view(np.uint32)
    bits >>= 8
    rho, angle = bits.astype(np.float32).reshape(2, half)
    np.subtract(np.float32(1.0), rho * np.float32(2.0**-24), out=rho)  # in (0, 1]: log finite
    np.log(rho, out=rho)
    rho *= np.float32(-2.0)
    np.sqrt(rho, out=rho)
    angle *= np.float32(2.0**-24)  # exact: the uniform itself
    angle *= np.float32(2.0 * np.pi)
    out = np.empty((2, half), dtype=np.float32)
    np.cos(angle, out=out[0])
    np.sin(angle, out=out[1])
    out *= rho
    return out.reshape(-1)[:size].astype(np.float64).reshape(shape)


def input_basis(spec) -> np.ndarray | None:
    """For Gaussian inputs, an orthonormal basis ``Q`` (``n x m``) of the span of every row of
    every filter (and of the attack's ``direction``), when ``m < n``; else ``None``.

    The net, both algorithms and the attack see an input :math:`x` only through
    :math:`A_jx` (and :math:`c^\\top x`), and :math:`A_jx = A_jPx` for the orthogonal projection
    :math:`P = QQ^\\top` onto that span. For :math:`x\\sim N(0,s^2I_n)`, :math:`Px = Qg` with
    :math:`g\\sim N(0,s^2I_m)`, so drawing the ``m`` coordinates ``g`` instead of the ``n`` of
    ``x`` leaves the law of every run unchanged (the experiments' filters: ``m = 2r``, half of
    ``n = 100``).
    """
    if spec.dist != "normal":
        return None
    rows = spec.net.filters.reshape(-1, spec.net.n)
    if spec.direction is not None:
        rows = np.vstack([rows, spec.direction])
    _, sv, Vt = np.linalg.svd(rows, full_matrices=False)
    m = max(1, int(np.sum(sv > sv[0] * 1e-13)))
    return Vt[:m].T.copy() if m < spec.net.n else None


def chunk_length(spec, m: int) -> int:
    """Iterations per chunk of :func:`stream`. It depends only on the sizes, so both
    implementations agree: a chunk's inputs are at most :data:`_CHUNK_NUMBERS` numbers, so that
    the per-chunk arrays of the batched simulator stay in a core's cache (drawing the same
    numbers in chunks five times larger is about twice as slow)."""
    return max(1, min(_CHUNK, _CHUNK_NUMBERS // (spec.S_x * spec.b * max(m, 2 * spec.net.r))))


def stream(spec, m: int) -> Iterator[tuple[np.ndarray, ...]]:
    """Random numbers chunk by chunk: input coordinates ``(c, S_x, b, m)`` (the inputs
    themselves when ``m = n``, else coordinates in the basis of :func:`input_basis`), attack
    uniforms ``(c, S_x, b)`` in [0,1) and, for ``attack="uniform"`` only, magnitudes
    ``(c, S_x, b)`` in [-1,1) (else ``None``). Both implementations of ``simulate_grid`` read
    this.

    Everything comes from one ``Generator(SFC64(spec.seed))``, per chunk in the order inputs,
    uniforms, magnitudes. Gaussian coordinates are :func:`normal_f32` draws (scaled by
    ``scale``), other inputs :func:`~dlmath.relu_gate.sample_inputs`. Every chunk is drawn whole
    (the last one is cut after drawing), so a shorter run reads a prefix of a longer run's
    stream: its first iterations are the same.
    """
    rng, S_x, b = np.random.Generator(np.random.SFC64(spec.seed)), spec.S_x, spec.b
    chunk = chunk_length(spec, m)
    shape = (chunk, S_x, b, m)
    scale = spec.dist_kw["scale"]
    for start in range(0, spec.n_iter, chunk):
        c = min(chunk, spec.n_iter - start)
        if spec.dist == "normal":
            X = normal_f32(rng, shape)
            if scale != 1.0:
                X *= scale
        else:
            X = sample_inputs(spec.dist, shape, rng, **spec.dist_kw)
        U = rng.random((chunk, S_x, b))
        V = rng.uniform(-1.0, 1.0, (chunk, S_x, b)) if spec.attack == "uniform" else None
        yield X[:c], U[:c], None if V is None else V[:c]
