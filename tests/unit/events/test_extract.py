"""The stage's entry point: its contract at the edges (languages, dates, bad offsets),
ids, and the Avro shape."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from types import SimpleNamespace
from typing import Any

import pytest

from pipeline.events import event_id, extract_events
from pipeline.nlp.base import ParsedSentence

ROWS = [
    ("North", "North", "PROPN", 2, "compound"),
    ("Korea", "Korea", "PROPN", 3, "nsubj"),
    ("fired", "fire", "VERB", 0, "root"),
    ("a", "a", "DET", 5, "det"),
    ("missile", "missile", "NOUN", 3, "obj"),
    ("yesterday", "yesterday", "NOUN", 3, "obl"),
]


def _article(kit: SimpleNamespace) -> tuple[str, list[ParsedSentence], list[dict[str, Any]]]:
    body, sentence = kit.build(ROWS)
    return body, [sentence], [kit.entity(body, "North Korea", "North Korea", "GPE", "PRK")]


def _run(kit: SimpleNamespace, **overrides: Any) -> list[dict[str, Any]]:
    body, sentences, entities = _article(kit)
    args: dict[str, Any] = {
        "article_id": "a1",
        "body": body,
        "sentences": sentences,
        "entities": entities,
        "language": "en",
        "published_at": dt.datetime(2023, 9, 17, 8, tzinfo=dt.UTC),
        "source": "AFP",
    }
    args.update(overrides)
    return extract_events(**args)


def test_one_event_in_the_avro_shape(
    kit: SimpleNamespace, assert_valid: Callable[[Sequence[dict[str, Any]]], None]
) -> None:
    (event,) = _run(kit)
    assert_valid([event])
    assert list(event) == [
        "id", "article_id", "source", "language", "published_at", "event_type", "mode",
        "quad", "score", "actors", "recipients", "location", "event_date", "date_text",
        "sentence_index", "sentence_text", "sentence_start", "trigger_text", "trigger_lemma",
        "trigger_start", "trigger_end", "negated", "future", "hypothetical", "historical",
        "confidence", "extractor",
    ]  # fmt: skip
    assert event["event_date"] == dt.date(2023, 9, 16)
    assert isinstance(event["score"], float) and isinstance(event["confidence"], float)
    assert event["id"] == event_id("a1", 0, 12, 17, "MOBILIZE")
    assert (event["trigger_text"], event["trigger_lemma"]) == ("fired", "fire")


@pytest.mark.parametrize("language", [None, "", "und", "fr", "xx-YY"])
def test_no_lexicon_no_events(kit: SimpleNamespace, language: str | None) -> None:
    assert _run(kit, language=language) == []


def test_language_variants_use_the_base_lexicon(kit: SimpleNamespace) -> None:
    (event,) = _run(kit, language="en-GB")
    assert event["language"] == "en-GB" and event["extractor"] == "lexicon:en:1"


def test_naive_publication_time_is_utc(kit: SimpleNamespace) -> None:
    (event,) = _run(kit, published_at=dt.datetime(2023, 9, 17, 8))
    assert event["published_at"] == dt.datetime(2023, 9, 17, 8, tzinfo=dt.UTC)


def test_empty_and_inconsistent_input(kit: SimpleNamespace) -> None:
    assert _run(kit, sentences=[]) == []
    body, sentences, entities = _article(kit)
    outside = ParsedSentence(1, len(body) + 5, len(body) + 9, sentences[0].words)
    assert len(_run(kit, sentences=[*sentences, outside])) == 1
    # A mention outside the body is ignored; the event then needs another actor.
    broken = [dict(entities[0], mentions=[dict(entities[0]["mentions"][0], start=999, end=1005)])]
    assert _run(kit, entities=broken) == []


def test_event_id_is_a_hash_of_its_coordinates() -> None:
    a = event_id("a1", 0, 12, 17, "MOBILIZE")
    assert a == event_id("a1", 0, 12, 17, "MOBILIZE")
    assert a.startswith("ev:") and len(a) == 35
    assert (
        len(
            {
                a,
                event_id("a2", 0, 12, 17, "MOBILIZE"),
                event_id("a1", 1, 12, 17, "MOBILIZE"),
                event_id("a1", 0, 13, 17, "MOBILIZE"),
                event_id("a1", 0, 12, 17, "ASSAULT"),
            }
        )
        == 5
    )


def test_arabic_dateline_is_skipped(arabic: Callable[..., Any]) -> None:
    run = arabic("موسكو (رويترز) - أطلقت كوريا الشمالية صاروخا باليستيا يوم السبت.")
    (event,) = run.events
    assert [a["name"] for a in event["actors"]] == ["North Korea"]
    assert event["event_date"] == dt.date(2023, 9, 16)
