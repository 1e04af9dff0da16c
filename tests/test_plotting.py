import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from dlmath import plotting  # noqa: E402


def test_book_style_is_opaque_white():
    plotting.use_book_style()
    fig, ax = plt.subplots()
    assert fig.get_facecolor() == (1.0, 1.0, 1.0, 1.0)
    assert matplotlib.rcParams["savefig.transparent"] is False
    plotting.log_error_axes(ax, ylabel="|w - w*|")
    assert ax.get_yscale() == "log" and ax.get_ylabel() == "|w - w*|"
    plt.close(fig)
