"""Normalise raw article text into clean paragraphs, counting every kind of change.

Steps, in order (each counted under the name in brackets when it changes something):

1. lone surrogates dropped (``surrogates``): they cannot be encoded as UTF-8;
2. HTML: tags stripped and entities unescaped when the text looks like markup, else
   only entities unescaped (``html_tags``, ``html_entities``; see :mod:`.markup`);
3. line breaks: CRLF, CR, VT, FF, NEL, U+2028 become ``"\\n"``, U+2029 a blank line
   (``line_endings``);
4. invisible characters removed: C0/C1 controls except newline and tab
   (``control_chars``), zero-width space, word joiner and BOM (``zero_width``), soft
   hyphen (``soft_hyphens``), bidi controls (``bidi_controls``). ZWNJ and ZWJ are kept:
   they change how Persian, Urdu and Indic words are spelled;
5. Arabic presentation forms (U+FB50-U+FDFF, U+FE70-U+FEFE) mapped to base letters
   with NFKC applied to those characters only (``presentation_forms``);
6. tatweel (U+0640) removed (``tatweel``); Arabic diacritics are kept;
7. Unicode NFC over the whole text (``nfc``: clusters that changed). Not NFKC: that
   would rewrite fractions, superscripts, full-width forms and more;
8. whitespace: tabs and Unicode spaces become a plain space (``unicode_spaces``), runs
   of spaces collapse (``spaces_collapsed``), lines are trimmed (``lines_trimmed``);
9. paragraphs: if the text has a blank line between two non-blank lines, blank lines
   separate paragraphs and the single line breaks inside a paragraph become spaces
   (hard-wrapped text; ``lines_joined``), with surplus blank lines dropped
   (``blank_lines``); otherwise every non-empty line is its own paragraph. Paragraphs
   are joined with ``"\\n\\n"``.

>>> normalise_text("Hello&nbsp;world\\r\\nSecond   line")
('Hello world\\n\\nSecond line', {'html_entities': 1, 'line_endings': 1, 'unicode_spaces': 1, \
'spaces_collapsed': 1})
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from pipeline.clean.markup import html_to_text, looks_like_html, unescape_entities

PARAGRAPH_SEPARATOR = "\n\n"

_LINE_BREAKS = {"\r\n": "\n", "\r": "\n", "\v": "\n", "\f": "\n", "\x85": "\n", "\u2028": "\n"}
_PARAGRAPH_BREAK = "\u2029"


def _chars(*ranges: tuple[int, int]) -> frozenset[str]:
    return frozenset(chr(c) for low, high in ranges for c in range(low, high + 1))


_CONTROL = _chars((0x00, 0x08), (0x0B, 0x0C), (0x0E, 0x1F), (0x7F, 0x9F))
_ZERO_WIDTH = _chars((0x200B, 0x200B), (0x2060, 0x2060), (0xFEFF, 0xFEFF))
_SOFT_HYPHEN = _chars((0x00AD, 0x00AD))
_BIDI = _chars((0x200E, 0x200F), (0x202A, 0x202E), (0x2066, 0x2069), (0x061C, 0x061C))
_TATWEEL = _chars((0x0640, 0x0640))
# Only the presentation-form code points that NFKC actually changes (skips unassigned ones).
_PRESENTATION_TABLE = {
    ord(c): unicodedata.normalize("NFKC", c)
    for c in _chars((0xFB50, 0xFDFF), (0xFE70, 0xFEFE))
    if unicodedata.normalize("NFKC", c) != c
}
_PRESENTATION = frozenset(map(chr, _PRESENTATION_TABLE))
# Tab and the Unicode space separators (Zs) other than the plain space.
_SPACES = _chars(
    (0x09, 0x09), (0xA0, 0xA0), (0x1680, 0x1680), (0x2000, 0x200A), (0x202F, 0x202F),
    (0x205F, 0x205F), (0x3000, 0x3000),
)  # fmt: skip
_SURROGATES = _chars((0xD800, 0xDFFF))

# Removal steps run in this order; each gets its own count.
_REMOVALS: tuple[tuple[str, dict[int, None]], ...] = tuple(
    (name, dict.fromkeys(map(ord, chars)))
    for name, chars in (
        ("control_chars", _CONTROL),
        ("zero_width", _ZERO_WIDTH),
        ("soft_hyphens", _SOFT_HYPHEN),
        ("bidi_controls", _BIDI),
    )
)
_TATWEEL_TABLE = dict.fromkeys(map(ord, _TATWEEL))
_SPACE_TABLE = dict.fromkeys(map(ord, _SPACES), " ")
# Deletion tables used only to count (count = length difference, at C speed).
_PRESENTATION_DELETE = dict.fromkeys(_PRESENTATION_TABLE)
_SPACE_DELETE = dict.fromkeys(map(ord, _SPACES))
# Every character some later step changes: one C-speed check skips them all on clean text.
_SPECIAL = frozenset().union(
    _CONTROL, _ZERO_WIDTH, _SOFT_HYPHEN, _BIDI, _TATWEEL, _PRESENTATION, _SPACES
)


def normalise_text(text: str) -> tuple[str, dict[str, int]]:
    """Normalise ``text`` (see the module docstring); return it with the non-zero counts.

    The result has no leading or trailing whitespace, no control characters other than
    ``"\\n"``, and its paragraphs are separated by exactly ``"\\n\\n"``.
    """
    counts: dict[str, int] = {}
    text = _drop_surrogates(text, counts)
    text = _strip_markup(text, counts)
    text = _unify_line_breaks(text, counts)
    if not _SPECIAL.isdisjoint(text):
        text = _map_characters(text, counts)
    text = _compose(text, counts)
    return _paragraphs(text, counts), {name: n for name, n in counts.items() if n}


def _add(counts: dict[str, int], name: str, n: int) -> None:
    if n:
        counts[name] = counts.get(name, 0) + n


def _drop_surrogates(text: str, counts: dict[str, int]) -> str:
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        cleaned = "".join(c for c in text if c not in _SURROGATES)
        _add(counts, "surrogates", len(text) - len(cleaned))
        return cleaned
    return text


def _strip_markup(text: str, counts: dict[str, int]) -> str:
    if looks_like_html(text):
        text, tags, entities = html_to_text(text)
        _add(counts, "html_tags", tags)
    else:
        text, entities = unescape_entities(text)
    _add(counts, "html_entities", entities)
    return text


def _unify_line_breaks(text: str, counts: dict[str, int]) -> str:
    for old, new in _LINE_BREAKS.items():
        if old in text:
            _add(counts, "line_endings", text.count(old))
            text = text.replace(old, new)
    if _PARAGRAPH_BREAK in text:
        _add(counts, "line_endings", text.count(_PARAGRAPH_BREAK))
        text = text.replace(_PARAGRAPH_BREAK, "\n\n")
    return text


def _map_characters(text: str, counts: dict[str, int]) -> str:
    for name, table in _REMOVALS:
        shorter = text.translate(table)
        _add(counts, name, len(text) - len(shorter))
        text = shorter
    if not _PRESENTATION.isdisjoint(text):
        _add(counts, "presentation_forms", len(text) - len(text.translate(_PRESENTATION_DELETE)))
        text = text.translate(_PRESENTATION_TABLE)
    shorter = text.translate(_TATWEEL_TABLE)
    _add(counts, "tatweel", len(text) - len(shorter))
    text = shorter
    if not _SPACES.isdisjoint(text):
        _add(counts, "unicode_spaces", len(text) - len(text.translate(_SPACE_DELETE)))
        text = text.translate(_SPACE_TABLE)
    return text


def _compose(text: str, counts: dict[str, int]) -> str:
    if text.isascii() or unicodedata.is_normalized("NFC", text):
        return text
    changed = sum(1 for c in _clusters(text) if not unicodedata.is_normalized("NFC", c))
    _add(counts, "nfc", max(1, changed))  # Hangul jamo compose across clusters
    return unicodedata.normalize("NFC", text)


def _clusters(text: str) -> Iterable[str]:
    """Split ``text`` into a starter character and the combining marks that follow it."""
    start = 0
    for index in range(1, len(text)):
        if not unicodedata.combining(text[index]):
            yield text[start:index]
            start = index
    yield text[start:]


def _paragraphs(text: str, counts: dict[str, int]) -> str:
    lines = [_tidy_line(line, counts) for line in text.split("\n")]
    filled = [index for index, line in enumerate(lines) if line]
    if not filled:
        return ""
    body = lines[filled[0] : filled[-1] + 1]
    _add(counts, "blank_lines", len(lines) - len(body))
    if "" not in body:
        return PARAGRAPH_SEPARATOR.join(body)
    paragraphs: list[list[str]] = [[]]
    for line in body:
        if line:
            paragraphs[-1].append(line)
        elif paragraphs[-1]:
            paragraphs.append([])
        else:
            _add(counts, "blank_lines", 1)
    _add(counts, "lines_joined", sum(len(p) - 1 for p in paragraphs))
    return PARAGRAPH_SEPARATOR.join(" ".join(p) for p in paragraphs)


def _tidy_line(line: str, counts: dict[str, int]) -> str:
    stripped = line.strip(" ")
    _add(counts, "lines_trimmed", int(len(stripped) != len(line) and bool(stripped)))
    if "  " not in stripped:
        return stripped
    words = stripped.split(" ")
    _add(
        counts,
        "spaces_collapsed",
        sum(1 for i in range(1, len(words)) if words[i - 1] and not words[i]),
    )
    return " ".join(word for word in words if word)
