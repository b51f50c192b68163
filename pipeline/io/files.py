"""File inputs: plain-text articles, JSON Lines (plain or gzip) and Avro container files
of ``RawArticle``, as raw messages.

Both ``newswire produce`` and ``newswire replay`` read files through here, so a file
gives the same messages whichever path it takes. Each message keeps the file's bytes
untouched (a text file's whole content, or one JSON line) with its file/line provenance;
an Avro record becomes the JSON object the raw topic would carry (its line is the
record's 1-based position in the file). :class:`ReadFiles` is the bounded Beam source
replay uses: the file list is the only thing built up front; files are read by workers.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

import apache_beam as beam
import fastavro
import fastavro.read

from pipeline.errors import InputError
from pipeline.io.codec import parsed_schema
from pipeline.records import Provenance, RawMessage

TEXT_PLAIN = (("content-type", b"text/plain; charset=utf-8"),)
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json", ".jsonl.gz", ".ndjson.gz", ".json.gz")
TEXT_SUFFIXES = (".txt", ".txt.gz")
AVRO_SUFFIXES = (".avro",)


def expand_paths(inputs: Iterable[str | Path]) -> list[Path]:
    """Files named directly, and the article files inside named directories (sorted)."""
    paths: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            paths.extend(
                p
                for p in sorted(path.rglob("*"))
                if p.is_file() and p.name.endswith(JSONL_SUFFIXES + TEXT_SUFFIXES + AVRO_SUFFIXES)
            )
        elif path.exists():
            paths.append(path)
        else:
            raise FileNotFoundError(f"no such input: {path}")
    return paths


def _read_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.name.endswith(".gz") else data


def read_messages(path: Path | str) -> Iterator[RawMessage]:
    """The raw messages of one file: JSON Lines -> one per line; Avro -> one per record;
    anything else -> one."""
    path = Path(path)
    name = str(path)
    if path.name.endswith(AVRO_SUFFIXES):
        yield from _read_avro(path)
        return
    data = _read_bytes(path)
    if path.name.endswith(JSONL_SUFFIXES):
        for number, line in enumerate(data.splitlines(), start=1):
            if line.strip():
                yield RawMessage(
                    value=line,
                    key=_key_of(line),
                    provenance=Provenance(kind="file", file=name, line=number),
                )
    else:
        yield RawMessage(
            value=data,
            key=None,
            provenance=Provenance(kind="file", file=name),
            headers=TEXT_PLAIN,
        )


def _read_avro(path: Path) -> Iterator[RawMessage]:
    """RawArticle records -> the JSON messages the raw topic would carry."""
    with path.open("rb") as fh:
        try:
            reader = fastavro.reader(fh, reader_schema=parsed_schema("RawArticle"))
        except (ValueError, fastavro.read.SchemaResolutionError) as exc:
            raise InputError(f"{path}: not an Avro file of RawArticle records: {exc}") from exc
        for number, record in enumerate(reader, start=1):
            assert isinstance(record, dict)
            value = json.dumps(record, ensure_ascii=False).encode("utf-8")
            article_id = record.get("id")
            yield RawMessage(
                value=value,
                key=article_id.encode("utf-8") if article_id else None,
                provenance=Provenance(kind="file", file=str(path), line=number),
            )


def count_messages(path: Path) -> int:
    """How many messages :func:`read_messages` will yield (for progress; cheap: Avro
    block headers, JSON Lines newlines). Raises :class:`InputError` for an Avro file
    whose records are not RawArticle, before any run starts."""
    if path.name.endswith(AVRO_SUFFIXES):
        with path.open("rb") as fh:
            try:
                next(iter(fastavro.reader(fh, reader_schema=parsed_schema("RawArticle"))), None)
                fh.seek(0)
                return sum(block.num_records for block in fastavro.block_reader(fh))
            except (ValueError, fastavro.read.SchemaResolutionError) as exc:
                raise InputError(f"{path}: not an Avro file of RawArticle records: {exc}") from exc
    if path.name.endswith(JSONL_SUFFIXES):
        return sum(1 for line in _read_bytes(path).splitlines() if line.strip())
    return 1


class ReadFiles(beam.PTransform):
    """Bounded source: file paths -> RawMessages (each file read by a worker, in order)."""

    def __init__(self, paths: Iterable[Path]) -> None:
        super().__init__()
        self.paths = [str(p) for p in paths]

    def expand(self, pbegin: beam.pvalue.PBegin) -> beam.PCollection:
        return (
            pbegin
            | "Paths" >> beam.Create(self.paths, reshuffle=False)
            | "Read" >> beam.FlatMap(read_messages)
        )


def _key_of(line: bytes) -> bytes | None:
    """The article id of a JSON line, used as the Kafka key; None when there is none."""
    try:
        obj = json.loads(line)
    except (ValueError, RecursionError):
        return None
    value = obj.get("id") if isinstance(obj, dict) else None
    return value.encode("utf-8") if isinstance(value, str) and value else None


def read_inputs(inputs: Iterable[str | Path]) -> Iterator[RawMessage]:
    for path in expand_paths(inputs):
        yield from read_messages(path)
