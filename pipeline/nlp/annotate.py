"""Run Stanza on a batch of texts of one language, and turn its documents into our types.

Documents are processed together (``nlp([Document, ...])``): every processor sees the
sentences of all of them at once. With the pre-filter on (the default,
``Settings.nlp_prefilter``), the processors run in two passes over the same tokenized
documents: everything but the parser on every sentence, then the parser once over the
sentences of all documents that a later stage reads a parse of
(:mod:`pipeline.nlp.prefilter`). A language without an events lexicon gets only what
the entities stage reads: tokens and NER. Conversion keeps only what later stages use:
per word its text, lemma, UPOS, head and relation, and the character span of its token.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pipeline.nlp.base import Mention, ParsedSentence, Word
from pipeline.nlp.charlm import charlm_states
from pipeline.nlp.prefilter import lexicon_for, needs_parse, persons_of

Annotation = tuple[tuple[ParsedSentence, ...], tuple[Mention, ...]]
DEPPARSE = "depparse"
EVENT_PROCESSORS = ("pos", "lemma")
"""Read by the events stage only (and by the parser): skipped without an events lexicon."""


def annotate(
    nlp: Any,
    texts: Sequence[str],
    *,
    language: str | None = None,
    prefilter: bool = False,
    share_charlm: bool = False,
    fused_charlm: bool = False,
) -> list[Annotation]:
    """(sentences, mentions) for each text, processed in one Stanza batch.

    Args:
        nlp: a loaded ``stanza.Pipeline``.
        texts: clean bodies, all in the pipeline's language.
        language: their language code, to pick the events lexicon the pre-filter uses.
        prefilter: parse only the sentences a later stage reads a parse of; False runs
            every loaded processor on every sentence.
        share_charlm: compute each character-LM state once for all the processors
            (:mod:`pipeline.nlp.charlm`).
        fused_charlm: run the character LMs on torch's fused LSTM kernel, over
            padded length buckets (:mod:`pipeline.nlp.charlm`).
    """
    if not (share_charlm or fused_charlm):
        return _annotate(nlp, texts, language, prefilter)
    with charlm_states(share=share_charlm, fused=fused_charlm):
        return _annotate(nlp, texts, language, prefilter)


def _annotate(
    nlp: Any, texts: Sequence[str], language: str | None, prefilter: bool
) -> list[Annotation]:
    import stanza

    docs = [stanza.Document([], text=text) for text in texts]
    if not docs:
        return []
    if DEPPARSE not in nlp.processors:
        return [convert(doc, parsed=frozenset()) for doc in nlp(docs)]
    if not prefilter:
        return [convert(doc) for doc in nlp(docs)]
    lexicon = lexicon_for(language)
    skip = {DEPPARSE} if lexicon is not None else {DEPPARSE, *EVENT_PROCESSORS}
    docs = nlp(docs, processors=[p for p in nlp.processors if p not in skip])
    plans = []
    for doc, text in zip(docs, texts, strict=True):
        sentences, mentions = convert(doc, parsed=frozenset())
        persons = persons_of(text, sentences, mentions, language) if lexicon else []
        plans.append(needs_parse(sentences, text, lexicon, persons))
    chosen = [s for doc, plan in zip(docs, plans, strict=True) for s in _pick(doc, plan)]
    if chosen:
        combined = stanza.Document([])
        combined.sentences = chosen
        combined.num_tokens = sum(len(s.tokens) for s in chosen)
        combined.num_words = sum(len(s.words) for s in chosen)
        nlp.processors[DEPPARSE].process(combined)  # annotations land on the sentences
    return [convert(doc, parsed=frozenset(plan)) for doc, plan in zip(docs, plans, strict=True)]


def _pick(doc: Any, plan: set[int]) -> list[Any]:
    return [s for i, s in enumerate(doc.sentences) if i in plan]


def convert(doc: Any, parsed: frozenset[int] | None = None) -> Annotation:
    """Our sentences and mentions of a Stanza document. ``parsed``: positions of the
    sentences the parser ran on (None: all of them)."""
    sentences = _sentences(doc, parsed)
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


def _sentences(doc: Any, parsed: frozenset[int] | None) -> list[ParsedSentence]:
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
                parsed=parsed is None or index in parsed,
            )
        )
    return sentences


def _sentence_of(sentences: Sequence[ParsedSentence], offset: int) -> int:
    for sentence in sentences:
        if sentence.start <= offset < sentence.end:
            return sentence.index
    return max((s.index for s in sentences if s.start <= offset), default=0)
