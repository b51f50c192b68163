"""Cleaning stage: turn a raw wire article body into clean, auditable paragraphs.

Pure functions only (no Beam here): :func:`clean_article` normalises the text
(:mod:`.normalize`), removes a repeated headline and bylines (:mod:`.headline`) and footer
noise (:mod:`.footer`) using data-driven RE2 rules (:mod:`.rules`, files in ``rules/``),
and records every removed span so :func:`reconstruct` can undo the removals.

>>> result = clean_article("Talks resumed on Monday.\\n\\n© 2023 Reuters", source="Reuters")
>>> result.body, [span.rule for span in result.removed], result.rule_sets
('Talks resumed on Monday.', ['common.copyright_line'], ('common', 'en', 'source:reuters'))
"""

from pipeline.clean.base import CleanError, CleanResult, RemovedSpan, RuleFileError, reconstruct
from pipeline.clean.engine import clean_article
from pipeline.clean.normalize import normalise_text

__all__ = [
    "CleanError",
    "CleanResult",
    "RemovedSpan",
    "RuleFileError",
    "clean_article",
    "normalise_text",
    "reconstruct",
]
