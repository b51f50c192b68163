"""Replay outputs: JSON Lines (stdout or a file), Avro container files, or a Kafka topic.

JSON mirrors the Avro record field for field: the same names, timestamps as ISO 8601
strings, dates as ISO dates, bytes as base64. Enriched articles go to the output named;
events and dead letters go beside it (``OUT.events.avro``, ``OUT.dlq.avro``; likewise
for JSON Lines). With ``-``, articles (their events inside) go to stdout and dead
letters to stderr, as they are produced.

Files are deterministic: records are sorted by input order within each file and Avro
sync markers are derived from the file name, so replaying the same input with the same
models twice gives byte-identical files. With ``num_shards`` > 1 each kind is split into
``OUT-00000-of-0000N.avro`` files by article id (an article and its events share a
shard).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import sys
import zlib
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import apache_beam as beam
import fastavro

from pipeline import __version__
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


FILE_SUFFIXES = (".jsonl.gz", ".ndjson.gz", ".json.gz", ".jsonl", ".ndjson", ".json", ".avro")


def _split(output: str) -> tuple[Path, str, str]:
    """(folder, base name, suffix): ``a/day.2023.jsonl.gz`` -> (a, day.2023, .jsonl.gz)."""
    path = Path(output)
    suffix = next((s for s in FILE_SUFFIXES if path.name.endswith(s)), path.suffix)
    base = path.name[: len(path.name) - len(suffix)] if suffix else path.name
    return path.parent, base, suffix


def sibling_path(output: str, kind: str | None) -> str:
    """``out.avro`` -> ``out.<kind>.avro`` (``out.avro`` itself for kind None)."""
    return shard_path(output, kind, 0, 1)


def shard_path(output: str, kind: str | None, shard: int, num_shards: int) -> str:
    """``out.avro`` -> ``out.avro`` (one shard) or ``out-00001-of-00004.avro``; with the
    kind infix for events and dead letters (``out.events-00001-of-00004.avro``)."""
    folder, base, suffix = _split(output)
    name = base if kind is None else f"{base}.{kind}"
    if num_shards > 1:
        name += f"-{shard:05d}-of-{num_shards:05d}"
    return str(folder / f"{name}{suffix}")


def shard_of(record: OutputRecord, num_shards: int) -> int:
    """Stable shard of a record: by key, so an article and its events share a file."""
    basis = record.key if record.key is not None else repr(record.order).encode("utf-8")
    return zlib.crc32(basis) % num_shards


def write_shard(
    item: tuple[tuple[str, int], Iterable[tuple[tuple[Any, ...], bytes, dict[str, Any]] | None]],
    output: str,
    num_shards: int,
) -> Iterator[tuple[str, int]]:
    """Write one shard file, records sorted by input order: same input, same bytes.

    Avro container files get a sync marker derived from the file name (fastavro would
    draw a random one) and the deflate codec; JSON Lines files one object a line.
    Written to a temporary name and renamed, so a reader never sees half a file.
    """
    (schema, shard), entries = item
    rows = sorted((e for e in entries if e is not None), key=lambda e: (e[0], e[1]))
    path = shard_path(output, SIBLINGS[schema], shard, num_shards)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    tmp = f"{path}.tmp"
    with open(tmp, "wb") as fh:
        if output.endswith(".avro"):
            marker = hashlib.sha256(Path(path).name.encode("utf-8")).digest()[:16]
            fastavro.writer(
                fh,
                standalone_schema(schema),  # as written in schemas/: parse_schema's key
                # order follows per-process string hashing, and the header must not
                (value for _, _, value in rows),
                codec="deflate",
                sync_marker=marker,
                metadata={"newswire.pipeline": __version__},
            )
        else:
            text = b"".join(to_json_line(value).encode("utf-8") + b"\n" for _, _, value in rows)
            fh.write(gzip.compress(text, mtime=0) if path.endswith(".gz") else text)
    os.replace(tmp, path)
    yield path, len(rows)


class WriteShardedFiles(beam.PTransform):
    """OutputRecords -> Avro container or JSON Lines files, ``num_shards`` per kind.

    Every shard file is written, empty ones too, so a consumer can rely on the names.
    Returns (path, records written) per file.
    """

    def __init__(self, output: str, num_shards: int = 1) -> None:
        super().__init__()
        if num_shards < 1:
            raise ValueError("num_shards must be at least 1")
        self.output = output
        self.num_shards = num_shards

    def expand(self, records: beam.PCollection) -> beam.PCollection:
        n = self.num_shards
        keyed = records | "Key" >> beam.Map(
            lambda r: ((r.schema, shard_of(r, n)), (r.order, r.payload, r.value))
        )
        every = [((schema, shard), None) for schema in SIBLINGS for shard in range(n)]
        placeholders = records.pipeline | "EveryShard" >> beam.Create(every, reshuffle=False)
        return (
            (keyed, placeholders)
            | "All" >> beam.Flatten()
            | "ByShard" >> beam.GroupByKey()
            | "WriteShard" >> beam.FlatMap(write_shard, self.output, n)
        )


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
        return records | "Files" >> WriteShardedFiles(out, self.num_shards)


def _value(record: OutputRecord) -> dict[str, Any]:
    return record.value


def _with_topic(record: OutputRecord, topic: str) -> OutputRecord:
    from dataclasses import replace

    return replace(record, topic=topic)
