"""End to end on the embedded broker: samples in, Avro out, bad input to the DLQ."""

from __future__ import annotations

import json
from typing import Any

import pytest
from kafka import KafkaConsumer, KafkaProducer

from pipeline.cli import produce_files
from pipeline.config import Settings
from pipeline.graph import build_live
from pipeline.io.codec import SINGLE_OBJECT_MAGIC, schema_fingerprint
from pipeline.io.topics import read_topic
from pipeline.runner import run_graph
from tests.conftest import SAMPLES, SEED

pytestmark = pytest.mark.integration

SEED_FOOTER = "2a02-4780-11–4f جزيرة إم آند إم"
SEED_LAST_SENTENCE = "واصطفاف كوريا الشمالية مع الصين وتحديات روسيا للنظام الدولي”."


def run_until_caught_up(settings: Settings) -> None:
    run_graph(lambda p: build_live(p, settings, stop_when_caught_up=True))


def outputs(settings: Settings, topic: str) -> list[dict[str, Any]]:
    return [record for _name, record in read_topic(settings, topic, since={})]


def test_seed_and_samples_come_out_clean(kafka_settings: Settings) -> None:
    sent = produce_files(kafka_settings, [SAMPLES], kafka_settings.raw_topic)
    run_until_caught_up(kafka_settings)

    enriched = outputs(kafka_settings, kafka_settings.enriched_topic)
    dead = outputs(kafka_settings, kafka_settings.dlq_topic)
    assert len(enriched) + len(dead) == sent
    assert len(dead) == 3  # the three broken lines of 004_feed.jsonl

    seed_title = SEED.read_text(encoding="utf-8").splitlines()[0]
    seed = next(r for r in enriched if r["title"] == seed_title)
    assert seed["body"].endswith(SEED_LAST_SENTENCE)
    assert "2a02" not in seed["body"]
    footer = [s for s in seed["removed_spans"] if s["text"].strip() == SEED_FOOTER]
    assert len(footer) == 1 and footer[0]["offset"] == len(seed["body"])
    assert seed["provenance"]["topic"] == kafka_settings.raw_topic
    assert seed["processing"]["stage_micros"].keys() == {
        "decode",
        "clean",
        "language",
        "nlp",
        "entities",
        "events",
    }

    reuters = next(r for r in enriched if r["title"].startswith("North Korea's Kim"))
    assert reuters["body"].endswith("said a senior official in Seoul.")
    assert any("Editing by Frances Kerry" in s["text"] for s in reuters["removed_spans"])
    no_footer = next(r for r in enriched if r["title"].startswith("UN Security Council"))
    assert no_footer["body"].endswith("The meeting is expected to start at 10 a.m. in New York.")
    assert no_footer["removed_spans"] == []


def test_values_are_single_object_avro_keyed_by_id(kafka_settings: Settings) -> None:
    produce_files(kafka_settings, [SAMPLES / "004_feed.jsonl"], kafka_settings.raw_topic)
    run_until_caught_up(kafka_settings)
    consumer = KafkaConsumer(
        kafka_settings.enriched_topic,
        auto_offset_reset="earliest",
        consumer_timeout_ms=3000,
        **kafka_settings.kafka_client_config(),
    )
    records = list(consumer)
    consumer.close()
    assert {r.key for r in records} == {b"afp-20230918-001", b"ar-wire-77"}
    for record in records:
        assert record.value[:2] == SINGLE_OBJECT_MAGIC
        assert record.value[2:10] == schema_fingerprint("EnrichedArticle")
        headers = dict(record.headers)
        assert headers["newswire.source.topic"] == kafka_settings.raw_topic.encode()


MALFORMED: dict[str, tuple[bytes, str]] = {
    "invalid-json": (b'{"body": "unterminated', "InvalidJSON"),
    "not-an-object": (b'["body"]', "InvalidJSON"),
    "invalid-utf8": (b'{"body": "caf\xe9 au lait"}', "InvalidEncoding"),
    "empty-body": (b'{"body": "  \\n "}', "EmptyBody"),
    "missing-body": (b'{"title": "no body"}', "EmptyBody"),
    "wrong-type-body": (b'{"body": ["a", "b"]}', "InvalidField"),
    "wrong-type-title": (b'{"body": "text", "title": 7}', "InvalidField"),
    "bad-date": (b'{"body": "text", "published_at": "last Tuesday"}', "InvalidField"),
    "oversize": (json.dumps({"body": "x" * 5000}).encode(), "OversizeMessage"),
}


def test_malformed_inputs_reach_the_dlq_with_reasons(kafka_settings: Settings) -> None:
    settings = kafka_settings.replace(max_message_bytes=4096)
    producer = KafkaProducer(**settings.kafka_client_config())
    for key, (value, _) in MALFORMED.items():
        producer.send(settings.raw_topic, key=key.encode(), value=value)
    good = 4
    for i in range(good):
        producer.send(settings.raw_topic, key=b"ok%d" % i, value=b'{"body": "Fine text %d."}' % i)
    producer.flush()
    producer.close()
    run_until_caught_up(settings)

    enriched = outputs(settings, settings.enriched_topic)
    dead = outputs(settings, settings.dlq_topic)
    assert len(enriched) == good
    assert len(dead) == len(MALFORMED)
    by_key = {r["key"].decode(): r for r in dead}
    for key, (value, error_class) in MALFORMED.items():
        record = by_key[key]
        assert record["error_class"] == error_class, (key, record["error_message"])
        assert record["value"] == value  # original bytes, untouched
        assert record["stage"] == "decode"
        assert record["error_message"]
        assert record["provenance"]["topic"] == settings.raw_topic

    consumer = KafkaConsumer(
        settings.dlq_topic,
        auto_offset_reset="earliest",
        consumer_timeout_ms=3000,
        **settings.kafka_client_config(),
    )
    headers = [dict(r.headers) for r in consumer]
    consumer.close()
    assert len(headers) == len(MALFORMED)
    for h in headers:
        assert h["__connect.errors.topic"] == settings.raw_topic.encode()
        assert h["__connect.errors.stage"] == b"decode"
        assert h["__connect.errors.exception.class.name"] in {
            c.encode() for _, c in MALFORMED.values()
        }
        assert int(h["__connect.errors.offset"]) >= 0


def test_live_path_flags_redeliveries_and_republished_copies(kafka_settings: Settings) -> None:
    body = SEED.read_text(encoding="utf-8").split("\n\n", 1)[1]
    story = {"id": f"live-dup-{kafka_settings.group_id}", "body": body}
    copy = {**story, "id": f"{story['id']}-copy", "body": body + "\n\nالمصدر : الجزيرة + وكالات"}
    producer = KafkaProducer(**kafka_settings.kafka_client_config())
    for article in (story, story, copy):
        producer.send(
            kafka_settings.raw_topic,
            key=article["id"].encode(),
            value=json.dumps(article, ensure_ascii=False).encode(),
        )
    producer.flush()
    producer.close()
    run_until_caught_up(kafka_settings)
    enriched = outputs(kafka_settings, kafka_settings.enriched_topic)
    assert len(enriched) == 3  # flagged, never dropped
    # Partitions interleave, so either the story or its copy is seen first; either way
    # the first is unflagged and the others point at it.
    first = [r for r in enriched if r["duplicate"] is None]
    assert len(first) == 1
    flags = sorted((r["duplicate"]["kind"], r["duplicate"]["of_id"]) for r in enriched[:3]
                   if r["duplicate"])  # fmt: skip
    assert flags == [("exact", first[0]["id"]), ("redelivery", first[0]["id"])]
    events = outputs(kafka_settings, kafka_settings.events_topic)
    per_article = len(first[0]["events"])
    assert per_article > 0 and len(events) == 3 * per_article
    assert sum(1 for e in events if e["duplicate_of"] == first[0]["id"]) == 2 * per_article
