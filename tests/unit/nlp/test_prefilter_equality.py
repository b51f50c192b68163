"""The parser pre-filter changes nothing downstream: same entities and events, on or off.

Every shipped sample and every events evaluation document goes through the real stages
(decode, clean, language, NLP on the shipped tiny Stanza models, entities, events),
alone and joined four at a time into longer articles, once
with ``nlp_prefilter`` on and once off, in the same batches; the entities and events of
each article must be identical, while the pre-filter did skip sentences.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from pipeline.config import Settings
from pipeline.entities.stage import entities_stage
from pipeline.events.stage import events_stage
from pipeline.nlp.base import ParsedSentence
from pipeline.nlp.stage import NlpStage
from pipeline.records import Article
from tests.unit.nlp.equality_corpus import prepared


def _run(articles: Sequence[Article], settings: Settings) -> list[Article]:
    stage = NlpStage(settings)
    out: list[Article] = []
    for i in range(0, len(articles), settings.nlp_batch_size):
        for result in stage(articles[i : i + settings.nlp_batch_size]):
            assert isinstance(result, Article), result
            out.append(events_stage(entities_stage(result)))
    return out


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Article], list[Article]]:
    # An empty download dir: only the shipped tiny models can serve.
    settings = Settings(state_dir=str(tmp_path_factory.mktemp("state")), nlp_batch_size=16)
    articles = prepared()
    on = _run(articles, settings.replace(nlp_prefilter=True))
    off = _run(articles, settings.replace(nlp_prefilter=False))
    return on, off


def _sentences(articles: Sequence[Article]) -> list[ParsedSentence]:
    return [s for a in articles for s in a.sentences]


def test_corpus_covers_both_languages_and_has_events(
    both: tuple[list[Article], list[Article]],
) -> None:
    _, off = both
    assert len(off) >= 40
    assert {(a.language or {}).get("code") for a in off} >= {"ar", "en"}
    assert sum(len(a.events) for a in off) >= 40
    assert all(s.parsed for s in _sentences(off))


def test_prefilter_skips_sentences(both: tuple[list[Article], list[Article]]) -> None:
    on, _ = both
    skipped = [s for s in _sentences(on) if not s.parsed]
    assert skipped, "the pre-filter parsed every sentence: the equality test proves nothing"
    for sentence in skipped:
        assert all(w.head == 0 and w.deprel == "dep" for w in sentence.words)


def test_entities_and_events_are_identical(both: tuple[list[Article], list[Article]]) -> None:
    on, off = both
    assert [a.id for a in on] == [a.id for a in off]
    for with_filter, without in zip(on, off, strict=True):
        assert with_filter.entities == without.entities, with_filter.id
        assert with_filter.events == without.events, with_filter.id
        assert with_filter.mentions == without.mentions, with_filter.id
        spans = [(s.index, s.start, s.end) for s in with_filter.sentences]
        assert spans == [(s.index, s.start, s.end) for s in without.sentences]


def test_parsed_sentences_are_parsed_identically(
    both: tuple[list[Article], list[Article]],
) -> None:
    on, off = both
    for with_filter, without in zip(_sentences(on), _sentences(off), strict=True):
        if with_filter.parsed:
            assert with_filter == without
        else:  # the same words, tags and lemmas; only the parse is missing
            strip = [(w.index, w.text, w.lemma, w.upos, w.start, w.end) for w in without.words]
            assert [
                (w.index, w.text, w.lemma, w.upos, w.start, w.end) for w in with_filter.words
            ] == strip
