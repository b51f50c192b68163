"""Data types shared by the cleaning library: results, removed spans and errors.

The cleaning stage is auditable: every piece of text it removes is recorded as a
:class:`RemovedSpan`, and :func:`reconstruct` puts those pieces back, giving exactly the
normalised text the rules ran on.

Reconstruction procedure (the contract between ``offset`` and ``text``):

1. Start from ``result.body`` and ``shift = 0``.
2. For each span in ``result.removed``, in order: insert ``span.text`` at position
   ``span.offset + shift``, then add ``len(span.text)`` to ``shift``.

Offsets are Python ``str`` indices (code points) into the final clean body. Spans are
ordered by offset; spans that share an offset are in the order their text appeared in the
normalised text, which is why inserting each one after those already inserted is right.
A span's ``text`` is the exact removed substring, including the paragraph separator
(``"\\n\\n"``) or the space that joined it to the text it was cut from.

>>> from pipeline.clean import clean_article, reconstruct
>>> result = clean_article("Talks resumed on Monday.\\n\\n(Reporting by Jane Doe)")
>>> result.body
'Talks resumed on Monday.'
>>> reconstruct(result)
'Talks resumed on Monday.\\n\\n(Reporting by Jane Doe)'
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RemovedSpan:
    """One piece of text removed by a rule.

    Attributes:
        rule: qualified rule name, ``"<rule set>.<rule>"`` (e.g. ``"common.trailing_id_slug"``,
            ``"en.reporting_credit"``, ``"source:reuters.trust_principles"``) or
            ``"headline_repeat"``.
        text: the exact removed text, separators included (see the module docstring).
        offset: code-point offset in the final clean body where ``text`` used to be.
    """

    rule: str
    text: str
    offset: int


@dataclass(frozen=True)
class CleanResult:
    """What :func:`pipeline.clean.clean_article` returns.

    Attributes:
        body: the clean body; paragraphs separated by exactly ``"\\n\\n"``, no leading or
            trailing whitespace, never empty.
        removed: every removed span, ordered by offset (stable).
        normalisations: counts of what normalisation changed (only non-zero counts).
        rule_sets: the rule sets that were applied, e.g. ``("common", "ar", "source:aljazeera")``.
    """

    body: str
    removed: tuple[RemovedSpan, ...] = ()
    normalisations: dict[str, int] = field(default_factory=dict)
    rule_sets: tuple[str, ...] = ()


class CleanError(ValueError):
    """Raised when nothing real is left of an article (empty body, or only noise)."""


class RuleFileError(ValueError):
    """Raised when a rule file is malformed (bad TOML, missing key, invalid RE2 pattern)."""


def reconstruct(result: CleanResult) -> str:
    """Re-insert every removed span into the clean body (see the module docstring).

    The return value equals the normalised text the rules ran on, i.e.
    ``normalise_text(original_body)[0]``.
    """
    text = result.body
    shift = 0
    for span in result.removed:
        position = span.offset + shift
        text = text[:position] + span.text + text[position:]
        shift += len(span.text)
    return text
