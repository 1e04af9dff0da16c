"""One figure style for the whole book.

:func:`use_book_style` sets opaque white backgrounds (readable in light and dark themes), a
PNG-friendly resolution, and a small colour cycle; notebooks call it once after importing.
:func:`log_error_axes` formats an axis for error curves on a log scale.
"""

from __future__ import annotations

from typing import Any

import matplotlib as mpl

__all__ = ["BOOK_STYLE", "use_book_style", "log_error_axes", "COLORS"]

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf", "#7f7f7f"]

BOOK_STYLE: dict[str, Any] = {
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "savefig.transparent": False,
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 100,
    "savefig.dpi": 150,  # sharper PNGs: the book scales figures to the page width
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": mpl.cycler(color=COLORS),
    "font.size": 10,
    "legend.frameon": False,
    "image.cmap": "viridis",
}


def use_book_style() -> None:
    """Apply ``BOOK_STYLE`` to matplotlib's global settings and select the PNG backend inline."""
    mpl.rcParams.update(BOOK_STYLE)
    try:  # in a notebook, make sure figures are PNG (SVG output changes every run)
        from IPython import get_ipython

        ip = get_ipython()
        if ip is not None and hasattr(ip, "run_line_magic"):
            from matplotlib_inline.backend_inline import set_matplotlib_formats

            set_matplotlib_formats("png")
    except ImportError:  # pragma: no cover
        pass


def log_error_axes(ax, *, xlabel: str = "iteration", ylabel: str = "error") -> Any:
    """Put ``ax`` on a log y-scale with labels, for error-decay curves; returns ``ax``."""
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax
