"""The package map: dlmath/__init__.py's docstring and api.md list every public module, in the
same sections, so that a new module cannot land without a place on the map."""

import re
from pathlib import Path

import dlmath

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "dlmath"
# The registry's chapter files (dlmath/claims/registry/ch1.py, ...) are data that the ledger
# discovers by itself; the map lists the registry package, not one entry per chapter.
DATA_PACKAGES = ("dlmath.claims.registry",)


def public_modules() -> set[str]:
    """Every module or package under dlmath/ with no path component starting with '_'."""
    found = set()
    for path in PKG.rglob("*.py"):
        rel = path.relative_to(ROOT).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if len(parts) < 2 or any(p.startswith("_") for p in parts[1:]):
            continue
        name = ".".join(parts)
        if any(name.startswith(d + ".") for d in DATA_PACKAGES):
            continue
        found.add(name)
    return found


def _sections(text: str, heading: str, entry: str) -> dict[str, list[str]]:
    """The modules listed (``entry``, one capture group) under each heading of ``text``."""
    heads = list(re.finditer(heading, text, re.M))
    out = {}
    for h, nxt in zip(heads, heads[1:] + [None], strict=True):
        body = text[h.end() : nxt.start() if nxt else len(text)]
        out[h.group(1)] = re.findall(entry, body, re.M)
    return out


def docstring_sections() -> dict[str, list[str]]:
    return _sections(dlmath.__doc__, r"^\*\*(.+?)\*\*$", r"^\* :mod:`(dlmath[\w.]*)`")


def api_sections() -> dict[str, list[str]]:
    return _sections((ROOT / "api.md").read_text(), r"^## (.+)$", r"^\.\. automodule:: (dlmath[\w.]*)$")


def test_docstring_map_lists_every_public_module_once():
    listed = [m for mods in docstring_sections().values() for m in mods]
    twice = sorted({m for m in listed if listed.count(m) > 1})
    assert not twice, f"listed twice: {twice}"
    missing = public_modules() - set(listed)
    assert not missing, f"public modules missing from dlmath/__init__.py's map: {sorted(missing)}"
    stale = set(listed) - public_modules()
    assert not stale, f"the map lists modules that do not exist: {sorted(stale)}"


def test_api_page_has_the_same_sections_and_modules():
    assert docstring_sections() == api_sections()


def test_map_has_the_four_kinds():
    assert list(docstring_sections()) == ["Machinery", "Shared mathematics", "Chapter topics", "Studies"]


def test_public_modules_finds_packages_and_skips_private_modules():
    mods = public_modules()
    assert {"dlmath.relu_nets", "dlmath.relu_gate", "dlmath.studies.ch3_poisoning"} <= mods
    assert not any("._" in m for m in mods)


def test_docstring_theorem_references_resolve_to_book_labels():
    """Every :prf:ref: role in dlmath names a prf label defined on a chapter page (the API page
    would otherwise fail the nitpicky build)."""
    labels = set()
    for page in (ROOT / "chapters").rglob("*"):
        if page.suffix in (".ipynb", ".md"):
            labels |= set(re.findall(r":label: ([\w-]+)", page.read_text()))
    used = set()
    for path in PKG.rglob("*.py"):
        used |= set(re.findall(r":prf:ref:`([\w-]+)`", path.read_text()))
    assert used, "no dlmath docstring references a book label"
    assert not used - labels, f"unknown prf labels in dlmath docstrings: {sorted(used - labels)}"
