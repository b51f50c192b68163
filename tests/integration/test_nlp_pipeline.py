"""The seed and an English article through Kafka: tiny Stanza models, entities, events."""

from __future__ import annotations

import json
from typing import Any

import pytest
from kafka import KafkaProducer

from pipeline.config import Settings
from pipeline.graph import build_live
from pipeline.io.topics import read_topic
from pipeline.runner import run_graph
from tests.conftest import SEED

pytestmark = pytest.mark.integration

ENGLISH = {
    "id": "en-1",
    "source": "Reuters",
    "title": "Kim meets Shoigu",
    "body": "North Korean leader Kim Jong Un visited Russia on Saturday and met Defence "
    "Minister Sergei Shoigu, KCNA said.\n\nThe United States and South Korea warned "
    "Pyongyang against supplying weapons to Moscow. Shoigu showed Kim the bombers.",
}


Outputs = dict[str, list[dict[str, Any]]]


@pytest.fixture(scope="module")
def outputs(broker_settings: Settings) -> Outputs:
    settings = broker_settings.replace(
        raw_topic="nlp.raw",
        enriched_topic="nlp.enriched",
        events_topic="nlp.events",
        dlq_topic="nlp.dlq",
        group_id="nlp",
    )
    from pipeline.io import broker

    broker.ensure_topics(settings)
    title, _, body = SEED.read_text(encoding="utf-8").partition("\n")
    producer = KafkaProducer(**settings.kafka_client_config())
    seed = {"id": "seed", "title": title, "body": body, "published_at": "2023-09-17T08:00:00Z"}
    for article in (seed, ENGLISH):
        producer.send(settings.raw_topic, json.dumps(article, ensure_ascii=False).encode())
    producer.flush()
    producer.close()
    run_graph(lambda p: build_live(p, settings, stop_when_caught_up=True))
    return {
        topic: [r for _n, r in read_topic(settings, topic, since={})]
        for topic in (settings.enriched_topic, settings.events_topic, settings.dlq_topic)
    }


@pytest.fixture(scope="module")
def records(outputs: Outputs) -> dict[str, dict[str, Any]]:
    assert outputs["nlp.dlq"] == []
    return {r["id"]: r for r in outputs["nlp.enriched"]}


def test_sentences_and_mentions_slice_exactly(records: dict[str, dict[str, Any]]) -> None:
    assert records.keys() == {"seed", "en-1"}
    assert records["seed"]["language"]["code"] == "ar"
    assert records["en-1"]["language"]["code"] == "en"
    for record in records.values():
        body = record["body"]
        assert record["sentences"] and record["entities"], record["warnings"]
        for sentence in record["sentences"]:
            assert body[sentence["start"] : sentence["end"]].strip()
        for entity in record["entities"]:
            for mention in entity["mentions"]:
                assert body[mention["start"] : mention["end"]] == mention["text"]
                assert mention["extractor"] in {"stanza", "dictionary"}
        assert record["versions"]["models"]["stanza"]
        assert record["versions"]["models"]["dictionary"].startswith("sha256:")
    assert records["seed"]["body"].endswith("وتحديات روسيا للنظام الدولي”.")


def _by_name(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    entities = record["entities"]
    names = [e["name"] for e in entities]
    assert len(names) == len(set(names)), f"an entity is split in two: {names}"
    return {e["name"]: e for e in entities}


def test_seed_entities_are_resolved_and_linked(records: dict[str, dict[str, Any]]) -> None:
    entities = _by_name(records["seed"])
    shoigu = {m["text"] for m in entities["Sergei Shoigu"]["mentions"]}
    assert {"سيرغي شويغو", "سيرجي شويجو"} <= shoigu  # both spellings, one entity
    assert entities["Sergei Shoigu"]["type"] == "PER"
    kim = [m["text"] for m in entities["Kim Jong Un"]["mentions"]]
    assert kim.count("كيم") >= 2 and "كيم جونغ أون" in kim
    expected = {
        "Kim Jong Un": ("Q56226", "PRK"),
        "Russia": ("Q159", "RUS"),
        "North Korea": ("Q423", "PRK"),
        "China": ("Q148", "CHN"),
        "United States": ("Q30", "USA"),
        "Seoul": ("Q8684", "KOR"),
        "India": ("Q668", "IND"),
        "United Nations Security Council": ("Q37470", None),
        "G20": ("Q19771", None),
    }
    for name, (kb_id, country) in expected.items():
        assert entities[name]["kb_id"] == kb_id, name
        assert entities[name]["id"] == f"wd:{kb_id}"
        if country:
            assert entities[name]["country_code"] == country, name
    kcna = entities["Korean Central News Agency"]
    assert kcna["type"] == "ORG" and kcna["country_code"] == "PRK"
    assert len(kcna["mentions"]) == 3


def test_english_entities(records: dict[str, dict[str, Any]]) -> None:
    entities = _by_name(records["en-1"])
    assert [m["text"] for m in entities["Sergei Shoigu"]["mentions"]] == [
        "Sergei Shoigu",
        "Shoigu",
    ]
    assert {m["text"] for m in entities["Kim Jong Un"]["mentions"]} == {"Kim Jong Un", "Kim"}
    assert entities["Pyongyang"]["country_code"] == "PRK"
    assert entities["South Korea"]["kb_id"] == "Q884"


def _event(
    events: list[dict[str, Any]], kind: str, actor: str, recipient: str | None = None
) -> dict[str, Any]:
    for ev in events:
        actors = {p["name"] for p in ev["actors"]}
        recipients = {p["name"] for p in ev["recipients"]}
        label = f"{ev['event_type']}/{ev['mode']}" if ev["mode"] else ev["event_type"]
        if label == kind and actor in actors and (recipient is None or recipient in recipients):
            return ev
    raise AssertionError(
        f"no {kind} by {actor} -> {recipient} in {[e['event_type'] for e in events]}"
    )


def test_seed_events_on_the_events_topic(
    outputs: Outputs, records: dict[str, dict[str, Any]]
) -> None:
    events = [e for e in outputs["nlp.events"] if e["article_id"] == "seed"]
    assert events == records["seed"]["events"]  # the topic carries the article's events
    body = records["seed"]["body"]
    for ev in events:
        assert body[ev["trigger_start"] : ev["trigger_end"]] == ev["trigger_text"]
        assert ev["id"].startswith("ev:")
    _event(events, "CONSULT/visit", "Kim Jong Un", "Russia")
    meeting = _event(events, "CONSULT", "Kim Jong Un")
    assert {"Kim Jong Un", "Sergei Shoigu"} <= {
        p["name"] for p in meeting["actors"] + meeting["recipients"]
    }
    _event(events, "MOBILIZE/weapons", "North Korea")
    request = _event(events, "REQUEST/yield", "Beijing")
    assert {p["country_code"] for p in request["actors"]} == {"CHN", "RUS"}
    sanction = _event(events, "SANCTION", "United Nations Security Council")
    assert sanction["historical"]
    inspection = next(e for e in events if e["trigger_text"] == "تفقد")
    assert str(inspection["event_date"]) == "2023-09-16"  # the Saturday before publication
    subheads = {"مناطق الدفاع", "تخفيض العقوبات"}
    assert not [e for e in events if e["sentence_text"].strip() in subheads]
