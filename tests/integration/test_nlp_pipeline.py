"""The seed and an English article through Kafka with the tiny Stanza models."""

from __future__ import annotations

import json

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
    "Pyongyang against supplying weapons to Moscow.",
}


def test_sentences_and_mentions_slice_exactly(kafka_settings: Settings) -> None:
    title, _, body = SEED.read_text(encoding="utf-8").partition("\n")
    producer = KafkaProducer(**kafka_settings.kafka_client_config())
    for article in ({"id": "seed", "title": title, "body": body}, ENGLISH):
        producer.send(kafka_settings.raw_topic, json.dumps(article, ensure_ascii=False).encode())
    producer.flush()
    producer.close()
    run_graph(lambda p: build_live(p, kafka_settings, stop_when_caught_up=True))

    records = {
        r["id"]: r for _n, r in read_topic(kafka_settings, kafka_settings.enriched_topic, since={})
    }
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
    assert records["seed"]["body"].endswith("وتحديات روسيا للنظام الدولي”.")
