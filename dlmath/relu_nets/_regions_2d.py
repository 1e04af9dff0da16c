"""Exact 2-D analysis: activation regions of a ReLU net in a box, pieces, grid counts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validate import as_float_array, check_int, check_real, check_sequence
from ._net import ReLUNet, _check_net


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
    ``affine_tol`` times the larger coefficient of the pair, or by a few ulps of the net's
    largest coefficient; no absolute floor, so a net scaled by :math:`10^{-10}` keeps its
    pieces) are merged; the count is the number of
    connected components. (Regions that touch only at a vertex are not merged: the pieces are
    the components of the interior.) Always :math:`\leq` :func:`count_regions_2d`. ``regions``
    may pass the already computed :func:`linear_regions_2d` of this net and box.
    """
    affine_tol = check_real(affine_tol, "affine_tol", low=0.0)
    if regions is None:
        regions = linear_regions_2d(net, box, tol=tol)
    else:
        check_sequence(regions, "regions", item_type=Region2D, min_len=1)
    n = len(regions)
    coef = np.array([np.concatenate([r.grad.ravel(), r.offset.ravel()]) for r in regions])
    mag = np.max(np.abs(coef), axis=1)
    noise = 64 * float(np.finfo(float).eps) * float(np.max(mag))
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
        thresh = np.maximum(affine_tol * np.maximum(mag[i + 1 :], mag[i]), noise)
        same = np.all(np.abs(coef[i + 1 :] - coef[i]) <= thresh[:, None], axis=1)
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
    region). A line given more than once (the same line up to a non-zero factor, within a
    relative ``1e-12``) is counted once. It assumes no three distinct lines meet at one point
    inside the box and raises ``ValueError`` otherwise. For a net with one hidden layer it
    counts the activation regions.
    """
    a = as_float_array(normals, "normals", ndim=2, shape=(None, 2))
    c = as_float_array(offsets, "offsets", shape=(a.shape[0],))
    if np.any(np.linalg.norm(a, axis=1) == 0):
        raise ValueError("normals must be non-zero vectors")
    x0, x1, y0, y1 = _check_box(box)
    corners = _box_polygon((x0, x1, y0, y1))
    vals = corners @ a.T + c  # (4, L)
    crosses = (vals.max(axis=0) > 0) & (vals.min(axis=0) < 0)
    idx = _distinct_lines(a, c, np.flatnonzero(crosses))
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


def _distinct_lines(a: np.ndarray, c: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """The indices in ``idx`` of distinct lines: (a_i, c_i) scaled to a unit normal whose
    first non-zero entry is positive, then equal rows (within 1e-12) are kept once."""
    if idx.size < 2:
        return idx
    rows = np.column_stack([a[idx], c[idx]]) / np.linalg.norm(a[idx], axis=1)[:, None]
    lead = np.where(np.abs(rows[:, 0]) > 1e-12, rows[:, 0], rows[:, 1])
    rows = rows * np.sign(lead)[:, None]
    keep: list[int] = []
    for p, row in enumerate(rows):
        scale = 1e-12 * (1.0 + np.abs(row[2]))
        if not any(np.all(np.abs(rows[q] - row) <= scale) for q in keep):
            keep.append(p)
    return idx[keep]


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
    else:
        check_sequence(regions, "regions", item_type=Region2D)
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
