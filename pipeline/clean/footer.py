"""Remove footer noise from the end of an article, one step at a time, from the end.

Each step looks at the last remaining paragraph and tries, in order:

1. ``trailing_paragraph`` rules: the whole paragraph matches -> it is removed;
2. ``trailing_block`` rules: a heading ("Read more", "اقرأ أيضا") among the last few
   paragraphs, followed only by a few short paragraphs -> heading and tail are removed;
3. ``trailing_suffix`` rules: the paragraph ends with a match ("(Reporting by ...)") ->
   that suffix is removed (the whole paragraph when nothing precedes it).

It stops at the first step where nothing matches: that paragraph is real text, and
everything before it is kept. A real last sentence survives because every rule must
match a whole paragraph, a short heading-led tail, or a bounded suffix.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.clean.normalize import PARAGRAPH_SEPARATOR
from pipeline.clean.rules import Rule, RuleBook

# Bounds the work on hostile input; real footers need a handful of steps.
MAX_FOOTER_STEPS = 64


def strip_footer(
    paragraphs: Sequence[str], book: RuleBook
) -> tuple[list[str], list[tuple[str, str]]]:
    """Remove footer noise.

    Returns the remaining paragraphs and the removals as ``(rule name, removed text)``
    in the order they were removed (from the end backwards). Each removed text includes
    the separator (``"\\n\\n"`` or a space) that joined it to the text before it.
    """
    remaining = list(paragraphs)
    removed: list[tuple[str, str]] = []
    for _ in range(MAX_FOOTER_STEPS):
        if not remaining:
            break
        step = (
            _trailing_paragraph(remaining, book.trailing_paragraph)
            or _trailing_block(remaining, book.trailing_block)
            or _trailing_suffix(remaining, book.trailing_suffix)
        )
        if step is None:
            break
        removed.append(step)
    return remaining, removed


def _trailing_paragraph(paragraphs: list[str], rules: Sequence[Rule]) -> tuple[str, str] | None:
    last = paragraphs[-1]
    for rule in rules:
        if rule.matches_paragraph(last):
            return rule.name, _cut_from(paragraphs, len(paragraphs) - 1)
    return None


def _trailing_block(paragraphs: list[str], rules: Sequence[Rule]) -> tuple[str, str] | None:
    for rule in rules:
        first_heading = max(0, len(paragraphs) - 1 - rule.max_paragraphs)
        for heading in range(len(paragraphs) - 1, first_heading - 1, -1):
            if not rule.matches_paragraph(paragraphs[heading]):
                continue
            if all(rule.accepts_block_item(p) for p in paragraphs[heading + 1 :]):
                return rule.name, _cut_from(paragraphs, heading)
    return None


def _trailing_suffix(paragraphs: list[str], rules: Sequence[Rule]) -> tuple[str, str] | None:
    last = paragraphs[-1]
    for rule in rules:
        start = rule.suffix_start(last)
        if start is None:
            continue
        while start > 0 and last[start - 1] == " ":
            start -= 1
        if start == 0:
            return rule.name, _cut_from(paragraphs, len(paragraphs) - 1)
        paragraphs[-1] = last[:start]
        return rule.name, last[start:]
    return None


def _cut_from(paragraphs: list[str], index: int) -> str:
    """Remove ``paragraphs[index:]``; return their text with the separator before them."""
    tail = PARAGRAPH_SEPARATOR.join(paragraphs[index:])
    del paragraphs[index:]
    return PARAGRAPH_SEPARATOR + tail if paragraphs else tail
