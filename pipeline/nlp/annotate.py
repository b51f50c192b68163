"""Run Stanza on a batch of texts of one language, and turn its documents into our types.

Documents are processed together (``nlp([Document, ...])``), which is what makes
Stanza fast; see benchmarks/. Conversion keeps only what later stages use: per word
its text, lemma, UPOS, head and relation, and the character span of its token.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pipeline.nlp.base import Mention, ParsedSentence, Word

Annotation = tuple[tuple[ParsedSentence, ...], tuple[Mention, ...]]


def annotate(nlp: Any, texts: Sequence[str]) -> list[Annotation]:
    """(sentences, mentions) for each text, processed in one Stanza batch."""
    import stanza

    docs = nlp([stanza.Document([], text=text) for text in texts])
    return [convert(doc) for doc in docs]


def convert(doc: Any) -> Annotation:
    sentences: list[ParsedSentence] = []
    for index, sentence in enumerate(doc.sentences):
        words: list[Word] = []
        for token in sentence.tokens:
            for word in token.words:
                words.append(
                    Word(
                        index=int(word.id),
                        text=word.text,
                        lemma=word.lemma or word.text,
                        upos=word.upos or "X",
                        head=int(word.head or 0),
                        deprel=word.deprel or "dep",
                        start=int(token.start_char),
                        end=int(token.end_char),
                    )
                )
        tokens = sentence.tokens
        sentences.append(
            ParsedSentence(
                index=index,
                start=int(tokens[0].start_char),
                end=int(tokens[-1].end_char),
                words=tuple(words),
            )
        )
    mentions = tuple(
        Mention(
            text=ent.text,
            start=int(ent.start_char),
            end=int(ent.end_char),
            sentence=_sentence_of(sentences, int(ent.start_char)),
            type=ent.type,
        )
        for ent in doc.ents
    )
    return tuple(sentences), mentions


def _sentence_of(sentences: Sequence[ParsedSentence], offset: int) -> int:
    for sentence in sentences:
        if sentence.start <= offset < sentence.end:
            return sentence.index
    return max((s.index for s in sentences if s.start <= offset), default=0)
