"""Replay as an analyst uses it: archives and topic ranges in, deterministic files out,
duplicates flagged; and the consumer's side: a fastavro-only reader, `tail` filters."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import fastavro
import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config import Settings
from pipeline.consume import RecordFilter, articles, events, read_files, read_topic
from pipeline.io.codec import standalone_schema
from tests.conftest import REPO, SAMPLES, SEED
from tests.integration.replay_corpus import write as write_corpus

CONSUMER = REPO / "docs" / "examples" / "fastavro_consumer.py"


def cli(*args: str, settings: Settings | None = None) -> str:
    """Run ``newswire ARGS`` in-process; with ``settings``, against their broker and topics."""
    env = {}
    if settings is not None:
        args = (*args, "--bootstrap-servers", settings.bootstrap)
        env = {
            f"NEWSWIRE_{name.upper()}": str(getattr(settings, name))
            for name in ("state_dir", "raw_topic", "enriched_topic", "events_topic", "dlq_topic")
        }
    result = CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def read_avro(path: Path) -> list[dict[str, Any]]:
    with path.open("rb") as fh:
        return list(fastavro.reader(fh))


def test_replaying_1000_articles_twice_gives_identical_bytes_and_right_flags(
    tmp_path: Path,
) -> None:
    corpus = tmp_path / "archive.jsonl.gz"
    plain = tmp_path / "archive.jsonl"
    expected = write_corpus(plain)
    corpus.write_bytes(gzip.compress(plain.read_bytes(), mtime=0))
    plain.unlink()
    runs = []
    for run in ("first", "second"):
        out = tmp_path / run / "out.avro"
        cli("replay", str(corpus), "-o", str(out), "--shards", "2", "--summary", f"{out}.json")
        runs.append(out.parent)
    names = sorted(p.name for p in runs[0].iterdir() if p.suffix == ".avro")
    assert names == [
        "out-00000-of-00002.avro",
        "out-00001-of-00002.avro",
        "out.dlq-00000-of-00002.avro",
        "out.dlq-00001-of-00002.avro",
        "out.events-00000-of-00002.avro",
        "out.events-00001-of-00002.avro",
    ]
    for name in names:
        assert (runs[0] / name).read_bytes() == (runs[1] / name).read_bytes(), name

    enriched = [r for n in names if n.startswith("out-") for r in read_avro(runs[0] / n)]
    dead = [r for n in names if n.startswith("out.dlq") for r in read_avro(runs[0] / n)]
    by_line = {r["provenance"]["line"]: r for r in enriched}
    assert len(enriched) + len(dead) == 1000  # every input accounted for
    assert {d["provenance"]["line"] for d in dead} == {e.line for e in expected if e.dead}
    kinds: Counter[str] = Counter()
    for want in expected:
        if want.dead:
            continue
        record = by_line[want.line]
        got = record["duplicate"]
        assert (got and got["kind"], got and got["of_id"]) == (want.kind, want.of_id), want
        kinds[want.kind or "first"] += 1
        for event in record["events"]:
            assert event["duplicate_of"] == want.of_id
    assert all(kinds[k] >= 20 for k in ("redelivery", "revision", "exact", "near")), kinds
    languages = Counter(r["language"]["code"] for r in enriched)
    assert {"ar", "en", "fr", "es"} <= set(languages), languages

    summary = json.loads((runs[0] / "out.avro.json").read_text())
    assert summary["inputs"] == 1000
    assert summary["enriched"] == len(enriched)
    assert summary["dead_lettered"] == len(dead) == summary["dead_by_stage"]["decode"]
    assert summary["duplicates_by_kind"] == {k: kinds[k] for k in sorted(kinds) if k != "first"}

    # An article and its events land in the same shard.
    for shard in ("00000", "00001"):
        ids = {r["id"] for r in read_avro(runs[0] / f"out-{shard}-of-00002.avro")}
        shard_events = read_avro(runs[0] / f"out.events-{shard}-of-00002.avro")
        assert shard_events and {e["article_id"] for e in shard_events} <= ids


def test_replay_reads_text_gzip_and_avro_archives(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "seed.txt").write_bytes(SEED.read_bytes())
    feed = (SAMPLES / "004_feed.jsonl").read_bytes()
    (archive / "feed.jsonl.gz").write_bytes(gzip.compress(feed))
    raw = [
        {"id": "avro-1", "body": "The prime minister visited Cairo on Monday.", "language": "en"},
        {"id": "avro-2", "body": "وصل وزير الخارجية إلى القاهرة يوم الاثنين.", "title": None},
    ]
    with (archive / "old.avro").open("wb") as fh:
        fastavro.writer(fh, fastavro.parse_schema(standalone_schema("RawArticle")), raw)
    out = tmp_path / "out.jsonl"
    cli("replay", str(archive), "-o", str(out))
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    by_file = Counter(Path(r["provenance"]["file"]).name for r in lines)
    assert by_file["old.avro"] == 2 and by_file["seed.txt"] == 1
    assert by_file["feed.jsonl.gz"] >= 1
    avro_records = {r["id"]: r for r in lines if r["provenance"]["file"].endswith(".avro")}
    assert avro_records["avro-1"]["provenance"]["line"] == 1
    assert avro_records["avro-2"]["language"]["code"] == "ar"


def test_replay_rejects_an_avro_file_of_the_wrong_records(tmp_path: Path) -> None:
    wrong = tmp_path / "events.avro"
    schema = {"type": "record", "name": "Other", "fields": [{"name": "x", "type": "int"}]}
    with wrong.open("wb") as fh:
        fastavro.writer(fh, fastavro.parse_schema(schema), [{"x": 1}])
    result = CliRunner().invoke(app, ["replay", str(wrong), "-o", str(tmp_path / "o.avro")])
    assert result.exit_code == 2
    assert "not an Avro file of RawArticle records" in result.output


HOUR = 3_600_000
T0 = 1694304000000  # 2023-09-10T00:00Z


def produce_timed(settings: Settings) -> dict[str, int]:
    """40 articles over 3 partitions, timestamps out of order; id -> timestamp."""
    producer = KafkaProducer(**settings.kafka_client_config())
    stamps = {}
    for i in range(40):
        ts = T0 + ((i * 7) % 40 - 10) * HOUR  # from 10 h before T0 to 29 h after
        article_id = f"timed-{i:02d}"
        body = f"Article number {i} says the minister met the ambassador in Cairo."
        value = json.dumps({"id": article_id, "body": body}).encode()
        producer.send(settings.raw_topic, key=article_id.encode(), value=value, timestamp_ms=ts)
        stamps[article_id] = ts
    producer.flush()
    producer.close()
    return stamps


def committed(settings: Settings) -> dict[int, Any]:
    consumer = KafkaConsumer(group_id=settings.group_id, **settings.kafka_client_config())
    try:
        parts = consumer.partitions_for_topic(settings.raw_topic) or set()
        return {p: consumer.committed(TopicPartition(settings.raw_topic, p)) for p in parts}
    finally:
        consumer.close()


@pytest.mark.integration
def test_time_and_offset_ranges_from_the_broker_are_exact(
    kafka_settings: Settings, tmp_path: Path
) -> None:
    stamps = produce_timed(kafka_settings)
    spec = f"kafka:{kafka_settings.raw_topic}?from=2023-09-10T00:00Z&to=2023-09-11T00:00Z"
    out = tmp_path / "day.jsonl"
    cli("replay", spec, "-o", str(out), settings=kafka_settings)
    got = {json.loads(x)["id"] for x in out.read_text().splitlines()}
    want = {k for k, ts in stamps.items() if T0 <= ts < T0 + 24 * HOUR}
    assert got == want and 0 < len(want) < len(stamps)

    spec = f"kafka:{kafka_settings.raw_topic}?from_offset=2&to_offset=5&partitions=0"
    out = tmp_path / "offsets.jsonl"
    cli("replay", spec, "-o", str(out), settings=kafka_settings)
    provenance = [json.loads(x)["provenance"] for x in out.read_text().splitlines()]
    # Output files are in input order: record time first, then partition and offset.
    assert sorted((p["partition"], p["offset"]) for p in provenance) == [(0, 2), (0, 3), (0, 4)]
    assert [p["timestamp"] for p in provenance] == sorted(p["timestamp"] for p in provenance)

    assert all(v is None for v in committed(kafka_settings).values())  # group untouched


@pytest.mark.integration
def test_a_fastavro_only_consumer_decodes_files_and_topic_values(
    kafka_settings: Settings, tmp_path: Path
) -> None:
    out = tmp_path / "samples.avro"
    cli("replay", str(SAMPLES), "-o", str(out))
    files = [str(out), str(tmp_path / "samples.events.avro"), str(tmp_path / "samples.dlq.avro")]
    isolated = [sys.executable, "-I", str(CONSUMER), str(REPO / "schemas")]
    from_files = subprocess.run(
        [*isolated, *files], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert from_files.returncode == 0, from_files.stderr
    decoded = [json.loads(x) for x in from_files.stdout.splitlines()]
    project = list(read_files(files))
    assert [d["record"] for d in decoded] == [name for name, _ in project]
    assert [d.get("id") for d in decoded] == [r.get("id") for _, r in project]

    topic = kafka_settings.enriched_topic
    cli("replay", str(SAMPLES), "-o", f"kafka:{topic}", settings=kafka_settings)
    consumer = KafkaConsumer(group_id=None, **kafka_settings.kafka_client_config())
    tps = [TopicPartition(t, p) for t in (topic, kafka_settings.events_topic) for p in range(3)]
    consumer.assign(tps)
    consumer.seek_to_beginning()
    values: list[bytes] = []
    for _ in range(20):
        for batch in consumer.poll(timeout_ms=500).values():
            values.extend(r.value for r in batch)
    consumer.close()
    blob = tmp_path / "values.bin"
    blob.write_bytes(b"".join(len(v).to_bytes(4, "big") + v for v in values))
    from_topic = subprocess.run(
        [*isolated, "--values", str(blob)], cwd=tmp_path, capture_output=True, text=True
    )
    assert from_topic.returncode == 0, from_topic.stderr
    kinds = Counter(json.loads(x)["record"] for x in from_topic.stdout.splitlines())
    assert kinds == {
        "EnrichedArticle": sum(1 for d in decoded if d["record"] == "EnrichedArticle"),
        "Event": sum(1 for d in decoded if d["record"] == "Event"),
    }


@pytest.mark.integration
def test_consume_api_and_tail_filters(kafka_settings: Settings, tmp_path: Path) -> None:
    cli("replay", str(SAMPLES), "-o", f"kafka:{kafka_settings.enriched_topic}",
        settings=kafka_settings)  # fmt: skip
    records = list(read_topic(kafka_settings, kafka_settings.events_topic, idle_timeout=2))
    all_events = list(events(records))
    assert all_events and all(e["event_type"] for e in all_events)
    consults = list(events(records, RecordFilter.of(event_types=["consult"])))
    assert consults and {e["event_type"] for e in consults} == {"CONSULT"}

    tailed = cli(
        "tail", kafka_settings.events_topic, "--from-beginning", "--idle-timeout", "2",
        "-t", "CONSULT", "-l", "ar", settings=kafka_settings,
    )  # fmt: skip
    lines = [json.loads(x) for x in tailed.splitlines()]
    want = [e for e in consults if e["language"] == "ar"]
    assert len(lines) == len(want) > 0
    assert all(x["event_type"] == "CONSULT" and x["language"] == "ar" for x in lines)

    russia = "Q159"
    enriched = list(read_topic(kafka_settings, kafka_settings.enriched_topic, idle_timeout=2))
    naming = list(articles(enriched, RecordFilter.of(entities=[russia])))
    tailed = cli(
        "tail", kafka_settings.enriched_topic, "--from-beginning", "--idle-timeout", "2",
        "-e", russia, settings=kafka_settings,
    )  # fmt: skip
    assert sorted(json.loads(x)["id"] for x in tailed.splitlines()) == sorted(
        a["id"] for a in naming
    )
    assert naming and all(any(e["kb_id"] == russia for e in a["entities"]) for a in naming)


def test_beam_options_pass_through_and_workers_write_the_same_bytes(tmp_path: Path) -> None:
    single = tmp_path / "single" / "out.avro"
    multi = tmp_path / "multi" / "out.avro"
    cli("replay", str(SAMPLES), "-o", str(single))
    cli(
        "replay", str(SAMPLES), "-o", str(multi), "--",
        "--direct_num_workers=2", "--direct_running_mode=multi_processing",
    )  # fmt: skip
    for name in ("out.avro", "out.events.avro", "out.dlq.avro"):
        assert (single.parent / name).read_bytes() == (multi.parent / name).read_bytes(), name
