"""Turn HTML markup into plain text: strip tags, unescape entities, keep paragraph breaks.

Markup is only parsed when the text looks like HTML (a known element tag or a comment);
plain text only has its entities unescaped. Block-level tags become paragraph breaks
(``"\\n\\n"``) and the contents of ``script``/``style``/``noscript``/``template`` are dropped.

CPython 3.11's ``html.parser.HTMLParser`` rescans the rest of the input for every
incomplete construct (``"<a " * 30000`` takes close to a minute, CVE-2025-6069), so the
parser is only ever shown complete constructs: every ``<`` that does not start one (found
by a linear scan, see ``_escape_stray_angles``) is escaped to ``&lt;`` first and comes
back out as text.
"""

from __future__ import annotations

import html
import re
from html.entities import html5
from html.parser import HTMLParser

import re2

_BLOCK_TAGS = frozenset(
    {
        "p", "br", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "blockquote",
        "ul", "ol", "dl", "dt", "dd", "table", "section", "article", "header", "footer",
        "aside", "nav", "main", "figure", "figcaption", "hr", "pre", "address",
    }
)  # fmt: skip
_DROPPED_CONTENT_TAGS = frozenset({"script", "style", "noscript", "template"})

# Element names that make a text count as HTML. Anything else with angle brackets
# ("x<y and z>w") is left alone in plain text.
_KNOWN_ELEMENTS = (
    "a|abbr|address|article|aside|audio|b|blockquote|body|br|button|caption|center|cite|code|"
    "dd|del|div|dl|dt|em|figcaption|figure|font|footer|form|h[1-6]|head|header|hr|html|i|"
    "iframe|img|input|ins|label|li|link|main|mark|meta|nav|noscript|ol|option|p|picture|pre|"
    "q|s|script|section|select|small|source|span|strong|style|sub|sup|svg|table|tbody|td|"
    "template|tfoot|th|thead|time|title|tr|u|ul|video"
)
_LOOKS_LIKE_HTML = re2.compile(r"(?i)<(?:/?(?:" + _KNOWN_ELEMENTS + r")(?:[\s/][^<>]*)?>|!--)")
# The character references html.unescape() replaces (its own pattern). Only used to count
# them: Python's re is fine for this fixed, bounded pattern, and unlike re2's Python
# wrapper it has no per-match overhead, which matters for entity-dense hostile input.
_CHARREF = re.compile(r"&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)")


def looks_like_html(text: str) -> bool:
    """Whether ``text`` contains an HTML element tag or comment."""
    return "<" in text and _LOOKS_LIKE_HTML.search(text) is not None


def unescape_entities(text: str) -> tuple[str, int]:
    """Unescape HTML character references; return the text and how many were replaced."""
    if "&" not in text:
        return text, 0
    return html.unescape(text), count_entities(text)


def count_entities(text: str) -> int:
    """How many character references ``html.unescape`` would replace in ``text``.

    Exact for numeric references and complete entity names (``&amp;``, ``&amp``); a
    legacy name glued to following letters (``&copy2023``) is not counted.
    """
    if "&" not in text:
        return 0
    return sum(1 for ref in _CHARREF.findall(text) if ref[0] == "#" or ref in html5)


def html_to_text(text: str) -> tuple[str, int, int]:
    """Strip markup from ``text``.

    Returns the plain text, the number of tags (and comments/declarations) removed and
    the number of character references in the input (attribute values and dropped
    script/style contents included).
    """
    entities = count_entities(text)
    parser = _TextExtractor()
    parser.feed(_escape_stray_angles(text))
    parser.close()
    return "".join(parser.parts), parser.tags, entities


def _escape_stray_angles(text: str) -> str:
    """Escape every "<" that does not begin a complete construct (see the module docstring).

    A complete construct is a tag, declaration or processing instruction (``<`` then
    ``/``, ``!`` or ``?`` or a letter, closed by a ``>`` before any other ``<``), a comment
    (``<!--`` ... ``-->``) or a CDATA section. The scan is linear: the next ``>``, ``-->``
    and ``]]>`` are each looked up again only once the scan has passed the previous one,
    and a run of stray ``<`` is escaped in one step.
    """
    pieces: list[str] = []
    nexts = _NextOccurrence(text)
    position = 0
    angle = text.find("<")
    while angle >= 0:
        end = _construct_end(text, angle, nexts)
        if end < 0:
            end = _stray_run_end(text, angle, nexts)
            pieces.append(text[position:end].replace("<", "&lt;"))
        else:
            pieces.append(text[position:end])
        position = end
        angle = text.find("<", end)
    pieces.append(text[position:])
    return "".join(pieces)


def _stray_run_end(text: str, angle: int, nexts: _NextOccurrence) -> int:
    """Given a stray "<" at ``angle``, where the next "<" that might start a construct is.

    Every "<" before the last one preceding the next ">" is followed by another "<"
    before any ">", so it is stray too, unless it opens a comment or CDATA section that
    is closed later on.
    """
    close = nexts.find(">", angle + 1)
    last = text.rfind("<", angle + 1, close if close >= 0 else len(text))
    if last < 0:
        return angle + 1
    if nexts.find("-->", angle) >= 0 or nexts.find("]]>", angle) >= 0:
        bang = text.find("<!", angle + 1, last)
        if bang >= 0:
            return bang
    return last


def _construct_end(text: str, angle: int, nexts: _NextOccurrence) -> int:
    """End index of the complete construct starting at ``text[angle] == "<"``, or -1."""
    if text.startswith("<!--", angle):
        close = nexts.find("-->", angle + 4)
        return close + 3 if close >= 0 else -1
    if text.startswith("<![CDATA[", angle):
        close = nexts.find("]]>", angle + 9)
        return close + 3 if close >= 0 else -1
    first, second = text[angle + 1 : angle + 2], text[angle + 2 : angle + 3]
    if not (
        _is_ascii_letter(first) or first == "?" or (first in "!/" and _is_ascii_letter(second))
    ):
        return -1
    close = nexts.find(">", angle + 1)
    following = nexts.find("<", angle + 1)
    if close < 0 or (0 <= following < close):
        return -1
    return close + 1


def _is_ascii_letter(char: str) -> bool:
    return char.isascii() and char.isalpha()


class _NextOccurrence:
    """Memoised ``str.find`` for scans whose start position only moves forward."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._found: dict[str, int] = {}

    def find(self, needle: str, start: int) -> int:
        cached = self._found.get(needle)
        if cached is not None and (cached < 0 or cached >= start):
            return cached
        found = self._text.find(needle, start)
        self._found[needle] = found
        return found


class _TextExtractor(HTMLParser):
    """Collects text content; block tags become paragraph breaks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.tags = 0
        self._dropping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags += 1
        if tag in _DROPPED_CONTENT_TAGS:
            self._dropping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags += 1
        if tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        self.tags += 1
        if tag in _DROPPED_CONTENT_TAGS:
            self._dropping = max(0, self._dropping - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._dropping:
            self.parts.append(data)

    def handle_comment(self, data: str) -> None:
        self.tags += 1

    def handle_decl(self, decl: str) -> None:
        self.tags += 1

    def handle_pi(self, data: str) -> None:
        self.tags += 1

    def unknown_decl(self, data: str) -> None:
        self.tags += 1
