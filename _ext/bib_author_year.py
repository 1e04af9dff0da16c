"""Author-year labels in the bibliography list, matching the author-year citations in the text.

sphinxcontrib-bibtex's ``author_year`` reference style changes the citations only; the list
keeps the formatting style's alpha labels (``[Nes83]``, or a raw key when a name does not parse).
This Sphinx extension registers the pybtex style ``authoryear`` (unsrt formatting, entries
sorted by author, year and title, labels "Mukherjee 2020", "Karmakar and Mukherjee 2020",
"Arora et al. 2018", with a/b suffixes for ties); ``_config.yml`` selects it with
``bibtex_default_style``. :func:`label_of` is also what the reader notebooks use.
"""

from __future__ import annotations

import codecs
from collections import Counter

from pybtex.plugin import register_plugin
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.labels import BaseLabelStyle


def _tex(s: str) -> str:
    import latexcodec  # noqa: F401  (registers the codec)

    return codecs.decode(str(s), "ulatex").replace("{", "").replace("}", "")


def label_of(entry) -> str:
    """``"Last 2020"``, ``"A and B 2020"`` or ``"A et al. 2020"`` for a pybtex entry."""
    names = [_tex(" ".join(p.prelast_names + p.last_names)) for p in entry.persons.get("author", [])]
    who = f"{names[0]} et al." if len(names) > 2 else " and ".join(names)
    who = who or _tex(entry.fields.get("organization", entry.key))
    return f"{who} {_tex(entry.fields.get('year', 'n.d.'))}"


class AuthorYearLabels(BaseLabelStyle):
    def format_labels(self, sorted_entries):
        entries = list(sorted_entries)
        labels = [label_of(e) for e in entries]
        counts, seen = Counter(labels), Counter()
        for lab in labels:
            if counts[lab] > 1:
                seen[lab] += 1
                yield lab + "abcdefghijklmnopqrstuvwxyz"[seen[lab] - 1]
            else:
                yield lab


class AuthorYearStyle(UnsrtStyle):
    default_label_style = AuthorYearLabels
    default_sorting_style = "author_year_title"


def setup(app):
    register_plugin("pybtex.style.formatting", "authoryear", AuthorYearStyle)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
