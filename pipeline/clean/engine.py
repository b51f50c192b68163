"""Clean one article: normalise, drop a repeated headline and bylines, strip the footer.

:func:`clean_article` is the stage's single entry point. Which rule sets apply:
``common`` always; the hinted language's set when there is one, plus the language(s)
a cheap script count suggests (the hint is not trusted blindly, an Arabic article may
carry a Latin-script footer, and rules are precise enough that an extra set costs
nothing); the source's set when the source name or one
of its aliases has a file in ``rules/sources/``.
"""

from __future__ import annotations

from pipeline.clean.base import CleanError, CleanResult, RemovedSpan
from pipeline.clean.footer import strip_footer
from pipeline.clean.headline import HEADLINE_RULE, strip_top
from pipeline.clean.normalize import PARAGRAPH_SEPARATOR, normalise_text
from pipeline.clean.rules import (
    RuleBook,
    available_languages,
    find_source,
    language_code,
    rule_book,
)

_SCRIPT_SAMPLE_CHARS = 2000
_TAIL_PARAGRAPHS = 3
_TAIL_SAMPLE_CHARS = 300
# A tail paragraph needs this many letters of a script to vote: the hex letters of an ID
# such as "2a02-4780-11–4f" are not English.
_TAIL_MIN_LETTERS = 5
_MIN_SCRIPT_SHARE = 0.05
# UTF-8 lead bytes of U+0600-U+06FF and U+0740-U+077F (Arabic, Arabic Supplement).
_ARABIC_LEAD_BYTES = (b"\xd8", b"\xd9", b"\xda", b"\xdb", b"\xdd")
_ASCII_LETTERS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def clean_article(
    body: str,
    *,
    title: str | None = None,
    language: str | None = None,
    source: str | None = None,
) -> CleanResult:
    """Clean an article body.

    Args:
        body: the raw body (plain text or HTML).
        title: the headline, if known; a first paragraph repeating it is removed.
        language: a language hint (``"ar"``, ``"en-GB"``, ...).
        source: the source name (``"Reuters"``, ``"الجزيرة"``, ...).

    Raises:
        CleanError: when nothing real is left: the body is empty after normalisation, or
            every paragraph is noise.

    >>> clean_article("Talks resumed.\\n\\n(Reporting by Jane Doe)").body
    'Talks resumed.'
    """
    if not isinstance(body, str):
        raise CleanError(f"body must be a string, not {type(body).__name__}")
    text, normalisations = normalise_text(body)
    if not text:
        raise CleanError(
            f"body is empty after normalisation ({len(body)} characters of input, all "
            "whitespace, markup or invisible characters)"
        )
    book = rule_book(choose_languages(text, language), find_source(source))
    clean_title = normalise_text(title)[0] if title else None
    paragraphs = text.split(PARAGRAPH_SEPARATOR)
    kept, top, bottom = _strip(paragraphs, clean_title, book)
    if not kept and any(rule == HEADLINE_RULE for rule, _ in top):
        # The headline was the only real text (a flash): keep it rather than nothing.
        kept, top, bottom = _strip(paragraphs, None, book)
    if not kept:
        rules = ", ".join(sorted({rule for rule, _ in top + bottom}))
        raise CleanError(
            f"nothing real left: all {len(paragraphs)} paragraph(s) of the body were removed "
            f"as noise (rules: {rules})"
        )
    clean_body = PARAGRAPH_SEPARATOR.join(kept)
    removed = [RemovedSpan(rule, removed_text, 0) for rule, removed_text in top]
    removed += [RemovedSpan(r, t, len(clean_body)) for r, t in reversed(bottom)]
    return CleanResult(
        body=clean_body,
        removed=tuple(removed),
        normalisations=normalisations,
        rule_sets=book.rule_sets,
    )


def choose_languages(text: str, hint: str | None) -> tuple[str, ...]:
    """Language rule sets to apply: the hint's (if it has rules) plus the script guess."""
    languages = set(guess_languages(text))
    if hint:
        code = language_code(hint)
        if code in available_languages():
            languages.add(code)
    return tuple(sorted(languages))


def guess_languages(text: str) -> tuple[str, ...]:
    """Cheap script guess: the start of ``text`` and each of its last few paragraphs
    (where footers are) vote separately; a part votes ``"ar"`` if Arabic letters are at
    least 5% of its Arabic + Latin letters, ``"en"`` if Latin letters are (a tail
    paragraph also needs at least five letters of the script). Mostly-Arabic
    text gets ``("ar",)``, mostly-Latin ``("en",)``, mixed text or an Arabic article
    with a Latin-script footer both, and text with no letters of either none."""
    votes = set(_script_vote(text[:_SCRIPT_SAMPLE_CHARS], minimum=1))
    for paragraph in text.rsplit("\n\n", _TAIL_PARAGRAPHS)[1:]:
        votes.update(_script_vote(paragraph[-_TAIL_SAMPLE_CHARS:], minimum=_TAIL_MIN_LETTERS))
    return tuple(sorted(votes))


def _script_vote(text: str, minimum: int) -> list[str]:
    sample = text.encode("utf-8")
    arabic = sum(sample.count(lead) for lead in _ARABIC_LEAD_BYTES)
    latin = len(sample) - len(sample.translate(None, _ASCII_LETTERS))
    total = arabic + latin
    votes = []
    if arabic >= minimum and arabic >= _MIN_SCRIPT_SHARE * total:
        votes.append("ar")
    if latin >= minimum and latin >= _MIN_SCRIPT_SHARE * total:
        votes.append("en")
    return votes


def _strip(
    paragraphs: list[str], title: str | None, book: RuleBook
) -> tuple[list[str], list[tuple[str, str]], list[tuple[str, str]]]:
    after_top, top = strip_top(paragraphs, title, book.leading_paragraph)
    kept, bottom = strip_footer(after_top, book)
    return kept, top, bottom
