"""What the NLP stage hands to later stages: sentences with words, and entity mentions.

All offsets are Python str offsets into the clean body. A word produced by multi-word
token expansion (Arabic clitics) carries the character span of the whole token it came
from, since its own characters are not a substring of the text.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Word:
    index: int  # 1-based within its sentence, as in CoNLL-U
    text: str
    lemma: str
    upos: str
    head: int  # 0 = root
    deprel: str
    start: int
    end: int


@dataclass(frozen=True)
class ParsedSentence:
    index: int
    start: int
    end: int
    words: tuple[Word, ...] = ()
    parsed: bool = True
    """False when the parser was skipped (no later stage reads this sentence's parse,
    see ``pipeline.nlp.prefilter``): every word then has head 0 and relation "dep"."""


@dataclass(frozen=True)
class Mention:
    text: str
    start: int
    end: int
    sentence: int
    type: str
    extractor: str = "stanza"
