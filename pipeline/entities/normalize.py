"""Script-aware name normalisation: the matching key that makes two spellings one name.

:func:`normalise_name` turns a name (or a mention) into a key: tokens separated by single
spaces, each token folded so that spellings that differ only in ways that do not change
the name compare equal.

All scripts
    Unicode compatibility forms (presentation forms, ligatures, full-width letters),
    case, combining marks (accents, Arabic diacritics, Hebrew points), invisible joiners;
    hyphens, dots and apostrophes separate tokens ("Jong-un" == "Jong Un"); in words of
    five letters or more outside Arabic script, a letter written twice in a row counts
    once ("Zelenskyy" == "Zelensky", "Assad" == "Asad"); Arabic-Indic digits
    are ASCII digits. Han and kana characters are one token each (those scripts do not
    separate words).
Latin
    "y" is "i" (Shoygu == Shoigu, Sergey == Sergei); "ø", "æ", "œ", "ł", "đ", "ı" fold to
    their plain letters.
Arabic
    Hamza and alef forms (أ إ آ ٱ ؤ ئ ء), alef maqsura (ى == ي), ta marbuta (ة == ه),
    Persian/Urdu letter forms (ک ی ە), tatweel; the letters used interchangeably for
    foreign sounds in transliterated names: غ ج ق گ ڨ ڭ چ for "g" (شويغو == شويجو),
    ف ڤ ڥ for "v", پ for "p", ژ for "zh", and the emphatic/plain pairs ط/ت, ص/س, ظ/ذ/ز
    (طوكيو == توكيو); the definite article "ال", also behind the clitics و ف ب ك ل
    ("والصين", "بالصين", "للأمم" → the name without article).

Prefixed clitics without an article ("وروسيا", "لروسيا", "بكوريا") are *not* stripped by
:func:`normalise_name`: whether "و" or "ب" starts a name ("واشنطن", "بكين") or is a
conjunction/preposition can only be decided against a list of names, which is what
:func:`clitic_splits` and the dictionary matcher do.

>>> normalise_name("سيرغي شويغو") == normalise_name("سيرجي شويجو")
True
>>> normalise_name("Sergey Shoygu") == normalise_name("Sergei Shoigu")
True
>>> normalise_name("Kim Jong-un") == normalise_name("KIM JONG UN")
True
>>> normalise_name("الكوريّة الشماليـة") == normalise_name("كورية شمالية")
True
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

__all__ = [
    "Token",
    "analyse_token",
    "clitic_splits",
    "has_arabic",
    "is_cased_script",
    "normalise_name",
    "normalise_token",
    "tokenize",
]

# A token: a run of letters/digits with any combining marks, tatweel and joiners inside.
_WORD_RE = re.compile(
    r"[\w\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670"
    r"\u06d6-\u06ed\u200c\u200d]+"
)
# Characters that are one token each: Han ideographs, kana.
_CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

_G = "ج"  # canonical letter for the "g" class
_ARABIC_MAP = str.maketrans(
    {
        "ى": "ي",
        "ی": "ي",
        "ې": "ي",
        "ة": "ه",
        "ۀ": "ه",
        "ە": "ه",
        "ھ": "ه",
        "ک": "ك",
        "ڪ": "ك",
        "ٱ": "ا",
        "ٲ": "ا",
        "ٳ": "ا",
        "ٵ": "ا",
        "ء": "",
        "ٴ": "",
        "ـ": "",  # tatweel
        "غ": _G,
        "ق": _G,
        "گ": _G,
        "ڨ": _G,
        "ڭ": _G,
        "ڳ": _G,
        "چ": _G,
        "ڤ": "ف",
        "ڥ": "ف",
        "پ": "ب",
        "ژ": "ز",
        "ط": "ت",
        "ص": "س",
        "ظ": "ز",
        "ذ": "ز",
        **{chr(0x0660 + d): str(d) for d in range(10)},  # Arabic-Indic digits
        **{chr(0x06F0 + d): str(d) for d in range(10)},  # Extended (Persian) digits
    }
)
_LATIN_MAP = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i", "y": "i"}
)
# Clitic + article prefixes stripped by normalise_token, longest first. The remainder
# must keep at least this many letters, so "والتر" (Walter) or "بالي" stay whole.
_ARTICLE_PREFIXES = (
    "وبال",
    "وكال",
    "فبال",
    "فكال",
    "ولل",
    "فلل",
    "وال",
    "فال",
    "بال",
    "كال",
    "لل",
)
_MIN_AFTER_CLITIC_ARTICLE = 3
_MIN_AFTER_ARTICLE = 2
# Clitics that may precede a name without an article (conjunctions, prepositions).
CLITIC_PREFIXES = ("وب", "ول", "وك", "فب", "فل", "فك", "و", "ف", "ب", "ل", "ك")
_MIN_AFTER_CLITIC = 3


class Token(NamedTuple):
    """A token of a text: its character span and its surface form."""

    start: int
    end: int
    text: str


def has_arabic(text: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" or "\u0750" <= ch <= "\u077f" for ch in text)


def is_cased_script(text: str) -> bool:
    """True when the text has letters with case (Latin, Cyrillic, Greek, ...)."""
    return any(ch.isalpha() and ch.lower() != ch.upper() for ch in text)


def tokenize(text: str) -> list[Token]:
    """Split a text into word tokens with their offsets (Han/kana: one token per character)."""
    tokens: list[Token] = []
    for match in _WORD_RE.finditer(text):
        start, word = match.start(), match.group()
        if _CJK_RE.search(word) is None:
            tokens.append(Token(start, match.end(), word))
            continue
        pos = 0
        for cjk in _CJK_RE.finditer(word):
            if cjk.start() > pos:
                tokens.append(Token(start + pos, start + cjk.start(), word[pos : cjk.start()]))
            tokens.append(Token(start + cjk.start(), start + cjk.end(), cjk.group()))
            pos = cjk.end()
        if pos < len(word):
            tokens.append(Token(start + pos, match.end(), word[pos:]))
    return tokens


def _fold(token: str) -> str:
    """Character folding shared by every script (no article handling)."""
    text = unicodedata.normalize("NFKD", token).casefold()
    text = "".join(
        ch for ch in text if unicodedata.category(ch) not in ("Mn", "Me", "Cf") and ch != "_"
    )
    text = text.translate(_ARABIC_MAP)
    if any("a" <= ch <= "z" or ch in "øæœłđðþı" for ch in text):
        text = text.translate(_LATIN_MAP)
    return unicodedata.normalize("NFC", text)


def _collapse_doubles(text: str) -> str:
    if len(text) < 2:
        return text
    out = [text[0]]
    for ch in text[1:]:
        if ch != out[-1] or ch.isdigit():
            out.append(ch)
    return "".join(out)


def _letters_to_raw_index(raw: str, letters: int) -> int:
    """Index in ``raw`` where its ``letters``-th base letter begins (marks are skipped)."""
    seen = 0
    for index, ch in enumerate(raw):
        if unicodedata.category(ch) in ("Mn", "Me", "Cf") or ch == "ـ":
            continue
        if seen == letters:
            return index
        seen += 1
    return len(raw)


@lru_cache(maxsize=131072)
def analyse_token(token: str) -> tuple[str, int, bool]:
    """Normalise one token.

    Returns ``(key, name_offset, had_article)``: the matching key; where the name starts in
    ``token`` (after a clitic in front of the article, e.g. 1 for "والصين"; 0 otherwise,
    also for "للأمم" whose article has lost its alef); and whether an Arabic definite
    article was removed.
    """
    folded = _fold(token)
    offset = 0
    had_article = False
    if folded.startswith(("ال", "و", "ف", "ب", "ك", "ل")) and has_arabic(folded):
        for prefix in _ARTICLE_PREFIXES:
            if folded.startswith(prefix) and len(folded) - len(prefix) >= _MIN_AFTER_CLITIC_ARTICLE:
                if prefix.endswith("ال"):
                    offset = _letters_to_raw_index(token, len(prefix) - 2)
                folded = folded[len(prefix) :]
                had_article = True
                break
        else:
            if folded.startswith("ال") and len(folded) - 2 >= _MIN_AFTER_ARTICLE:
                folded = folded[2:]
                had_article = True
    if len(folded) > 4 and not has_arabic(folded):
        folded = _collapse_doubles(folded)
    return folded, offset, had_article


def normalise_token(token: str) -> str:
    """The matching key of one token."""
    return analyse_token(token)[0]


@lru_cache(maxsize=65536)
def clitic_splits(token: str) -> tuple[tuple[int, str, bool], ...]:
    """Readings of an Arabic token with a prefixed clitic removed.

    Returns ``(offset, key, had_article)`` for each clitic in :data:`CLITIC_PREFIXES` that
    the token starts with and that leaves at least three letters: ``offset`` is where the
    remainder starts in ``token``. The caller decides, against a list of names, whether
    the remainder is a name ("وروسيا" → "روسيا") or the token was one ("واشنطن").
    """
    if not token or token[0] not in "وفبلك":
        return ()
    readings: list[tuple[int, str, bool]] = []
    folded = _fold(token)
    for prefix in CLITIC_PREFIXES:
        if folded.startswith(prefix) and len(folded) - len(prefix) >= _MIN_AFTER_CLITIC:
            offset = _letters_to_raw_index(token, len(prefix))
            rest = token[offset:]
            key, inner, had_article = analyse_token(rest)
            readings.append((offset + inner, key, had_article))
    return tuple(readings)


@lru_cache(maxsize=65536)
def normalise_name(text: str) -> str:
    """The matching key of a name: normalised tokens joined by single spaces."""
    keys = (normalise_token(token.text) for token in tokenize(text))
    return " ".join(key for key in keys if key)
