"""Replay outputs: JSON Lines (stdout or a file), Avro container files, or a Kafka topic.

JSON mirrors the Avro record field for field: the same names, timestamps as ISO 8601
strings, dates as ISO dates, bytes as base64. Enriched articles go to the output named;
events and dead letters go beside it (``OUT.events.avro``, ``OUT.dlq.avro``; likewise
for JSON Lines). With ``-``, articles (their events inside) go to stdout and dead
letters to stderr.
"""

from __future__ import annotations

import base64
import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import apache_beam as beam
from apache_beam.io.avroio import WriteToAvro
from apache_beam.io.textio import WriteToText

from pipeline.config import Settings
from pipeline.io.codec import standalone_schema
from pipeline.io.kafka_sink import WriteToKafka
from pipeline.records import OutputRecord


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def to_json_line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, default=_json_default, sort_keys=False)


class PrintJsonLinesFn(beam.DoFn):
    """Enriched records to stdout, dead letters to stderr, one JSON object a line.

    Event records are not printed apart: each article line already holds its events.
    """

    def process(self, record: OutputRecord) -> None:
        if record.schema == "Event":
            return
        stream = sys.stdout if record.schema == "EnrichedArticle" else sys.stderr
        stream.write(to_json_line(record.value) + "\n")
        stream.flush()


SIBLINGS = {"EnrichedArticle": None, "Event": "events", "DeadLetter": "dlq"}


def sibling_path(output: str, kind: str | None) -> str:
    """``out.avro`` -> ``out.<kind>.avro`` (``out.avro`` itself for kind None)."""
    if kind is None:
        return output
    path = Path(output)
    suffix = "".join(path.suffixes) or ".jsonl"
    base = path.name[: len(path.name) - len(suffix)] if path.suffixes else path.name
    return str(path.with_name(f"{base}.{kind}{suffix}"))


def _only(schema: str) -> beam.PTransform:
    return beam.Filter(lambda r: r.schema == schema)


def _strip_extension(path: str, ext: str) -> str:
    return path[: -len(ext)] if path.endswith(ext) else path


class WriteReplayOutput(beam.PTransform):
    """Write OutputRecords to ``-``, ``*.jsonl``, ``*.avro`` or ``kafka:TOPIC``."""

    def __init__(self, output: str, settings: Settings, num_shards: int = 1) -> None:
        super().__init__()
        self.output = output
        self.settings = settings
        self.num_shards = num_shards

    def expand(self, records: beam.PCollection) -> Any:
        out = self.output
        if out == "-":
            return records | "Print" >> beam.ParDo(PrintJsonLinesFn())
        if out.startswith("kafka:"):
            topic = out.removeprefix("kafka:")
            retarget = beam.Map(
                lambda r: r if r.schema != "EnrichedArticle" else _with_topic(r, topic)
            )
            return records | "Retarget" >> retarget | "ToKafka" >> WriteToKafka(self.settings)
        shard_template = "" if self.num_shards == 1 else "-SSSSS-of-NNNNN"
        for schema, kind in SIBLINGS.items():
            path = sibling_path(out, kind)
            values = (
                records | f"Only{schema}" >> _only(schema) | f"Value{schema}" >> beam.Map(_value)
            )
            if out.endswith(".avro"):
                _ = values | f"Avro{schema}" >> WriteToAvro(
                    _strip_extension(path, ".avro"),
                    schema=standalone_schema(schema),
                    file_name_suffix=".avro",
                    num_shards=self.num_shards,
                    shard_name_template=shard_template,
                )
            else:
                ext = "".join(Path(path).suffixes) or ""
                _ = (
                    values
                    | f"Json{schema}" >> beam.Map(to_json_line)
                    | f"Text{schema}"
                    >> WriteToText(
                        _strip_extension(path, ext),
                        file_name_suffix=ext,
                        num_shards=self.num_shards,
                        shard_name_template=shard_template,
                    )
                )
        return None


def _value(record: OutputRecord) -> dict[str, Any]:
    return record.value


def _with_topic(record: OutputRecord, topic: str) -> OutputRecord:
    from dataclasses import replace

    return replace(record, topic=topic)
