"""The parser pre-filter changes nothing downstream: same entities and events, on or off.

Every shipped sample and every events evaluation document goes through the real stages
(decode, clean, language, NLP on the shipped tiny Stanza models, entities, events),
alone and joined four at a time into longer articles, once
with ``nlp_prefilter`` on and once off, in the same batches; the entities and events of
each article must be identical, while the pre-filter did skip sentences.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import pytest

from pipeline.clean.stage import clean_stage
from pipeline.config import Settings
from pipeline.entities.stage import entities_stage
from pipeline.errors import DecodeError
from pipeline.events.evaluate import EVAL_DIR
from pipeline.events.stage import events_stage
from pipeline.io.decode import decode_message, parse_text_article
from pipeline.nlp.base import ParsedSentence
from pipeline.nlp.stage import NlpStage, language_stage
from pipeline.records import Article, Provenance, RawMessage
from tests.conftest import SAMPLES


def _envelopes() -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for path in sorted(SAMPLES.glob("*.txt")):
        out.append(parse_text_article(path.read_text(encoding="utf-8")) | {"id": path.stem})
    for path in sorted(SAMPLES.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # the feed's deliberately broken line: it never reaches NLP
    for path in sorted(EVAL_DIR.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                doc = json.loads(line)
                out.append(
                    {
                        "id": f"{path.stem}:{doc['id']}",
                        "language": doc["language"],
                        "body": doc["text"],
                        "published_at": doc.get("published_at") or "",
                    }
                )
    # The same documents run together as longer articles, so that the pre-filter's
    # cross-sentence rules (pronoun look-back, title aliases) meet real neighbours.
    evals = [e for e in out if ":" in e["id"]]
    for lang in ("ar", "en"):
        docs = [e for e in evals if e["language"] == lang]
        for i in range(0, len(docs), 4):
            group = docs[i : i + 4]
            out.append(
                {
                    "id": f"joined-{lang}-{i}",
                    "language": lang,
                    "body": "\n\n".join(e["body"] for e in group),
                    "published_at": group[0]["published_at"],
                }
            )
    return out


def _prepared() -> list[Article]:
    articles = []
    for i, envelope in enumerate(_envelopes()):
        message = RawMessage(
            value=json.dumps(envelope, ensure_ascii=False).encode("utf-8"),
            provenance=Provenance(kind="file", file="equality", line=i),
        )
        try:
            decoded = decode_message(message)
        except DecodeError:
            continue  # dead-lettered before NLP
        articles.append(language_stage(clean_stage(decoded)))
    return articles


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
    articles = _prepared()
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
