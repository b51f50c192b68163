"""Remove what precedes the article text proper: a repeated headline, then bylines.

The headline counts as repeated when the first paragraph equals the title after a loose
comparison: casefolded, with punctuation, quotes, symbols, whitespace and diacritics
ignored, and Arabic alef/hamza forms, alef maqsura and ta marbuta unified. In-body
subheads are never touched: only the first paragraph is compared, and only with the title.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from pipeline.clean.normalize import PARAGRAPH_SEPARATOR
from pipeline.clean.rules import Rule

HEADLINE_RULE = "headline_repeat"
MAX_LEADING_REMOVALS = 4

_ARABIC_VARIANTS = str.maketrans(
    {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي"}
)


def comparison_key(text: str) -> str:
    """``text`` reduced to casefolded letters and digits, Arabic variants unified."""
    folded = unicodedata.normalize("NFD", text.casefold()).translate(_ARABIC_VARIANTS)
    return "".join(c for c in folded if unicodedata.category(c)[0] in "LN")


def is_headline_repeat(paragraph: str, title: str) -> bool:
    """Whether ``paragraph`` is ``title`` again, compared loosely (see the module docstring)."""
    if len(paragraph) > 2 * len(title) + 20:
        return False
    key = comparison_key(title)
    return bool(key) and comparison_key(paragraph) == key


def strip_top(
    paragraphs: Sequence[str], title: str | None, leading: Sequence[Rule]
) -> tuple[list[str], list[tuple[str, str]]]:
    """Remove a repeated headline, then leading paragraphs that match ``leading`` rules.

    Returns the remaining paragraphs and the removals as ``(rule name, removed text)``
    in text order; each removed text includes the separator that followed it.
    """
    remaining = list(paragraphs)
    removed: list[tuple[str, str]] = []
    if title and remaining and is_headline_repeat(remaining[0], title):
        removed.append((HEADLINE_RULE, _cut_first(remaining)))
    for _ in range(MAX_LEADING_REMOVALS):
        rule = next((r for r in leading if remaining and r.matches_paragraph(remaining[0])), None)
        if rule is None:
            break
        removed.append((rule.name, _cut_first(remaining)))
    return remaining, removed


def _cut_first(paragraphs: list[str]) -> str:
    first = paragraphs.pop(0)
    return first + PARAGRAPH_SEPARATOR if paragraphs else first
