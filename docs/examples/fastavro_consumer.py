"""A consumer written only against schemas/: fastavro and the standard library, no newswire code.

It reads what newswire writes, the two ways it writes it:

- Avro container files from ``newswire replay -o out.avro`` (the writer schema is in
  the file; we read into the schema we were built against);
- raw Kafka values, framed as Avro single-object encoding: ``C3 01``, the 8-byte
  little-endian CRC-64-AVRO fingerprint of the writer schema, then the Avro body.

Usage:  python fastavro_consumer.py SCHEMAS_DIR FILE.avro [FILE.avro ...]
        python fastavro_consumer.py SCHEMAS_DIR --values VALUES.bin
(VALUES.bin: each Kafka value as a 4-byte big-endian length, then the bytes.)
Prints one JSON line per record: {"record": NAME, "id": ..., ...summary fields}.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import fastavro
from fastavro.schema import fingerprint, load_schema, to_parsing_canonical_form

NAMES = ("EnrichedArticle", "Event", "DeadLetter")


def load(schemas: Path) -> dict[str, dict]:
    """Each record's parsed schema; named types in sibling files are resolved by fastavro."""
    return {name: load_schema(str(schemas / f"newswire.v1.{name}.avsc")) for name in NAMES}


def fingerprints(schemas: dict[str, dict]) -> dict[bytes, str]:
    out = {}
    for name, schema in schemas.items():
        canonical = to_parsing_canonical_form(schema)
        out[bytes.fromhex(fingerprint(canonical, "CRC-64-AVRO"))] = name
    return out


def summary(name: str, record: dict) -> dict:
    if name == "EnrichedArticle":
        return {
            "record": name,
            "id": record["id"],
            "language": (record["language"] or {}).get("code"),
            "entities": [e["name"] for e in record["entities"]],
            "events": [e["event_type"] for e in record["events"]],
            "duplicate": record["duplicate"],
        }
    if name == "Event":
        return {
            "record": name,
            "id": record["id"],
            "article_id": record["article_id"],
            "event_type": record["event_type"],
            "actors": [a["name"] or a["text"] for a in record["actors"]],
        }
    return {"record": name, "stage": record["stage"], "error": record["error_class"]}


def read_container(path: Path, schemas: dict[str, dict]):
    with path.open("rb") as fh:
        writer_name = fastavro.reader(fh).writer_schema["name"].rsplit(".", 1)[-1]
        fh.seek(0)
        for record in fastavro.reader(fh, reader_schema=schemas[writer_name]):
            yield writer_name, record


def read_values(path: Path, schemas: dict[str, dict]):
    by_fp = fingerprints(schemas)
    data = path.read_bytes()
    pos = 0
    while pos < len(data):
        size = int.from_bytes(data[pos : pos + 4], "big")
        value = data[pos + 4 : pos + 4 + size]
        pos += 4 + size
        if value[:2] != b"\xc3\x01":
            raise ValueError("not Avro single-object encoding")
        name = by_fp[value[2:10]]
        schema = schemas[name]
        yield name, fastavro.schemaless_reader(io.BytesIO(value[10:]), schema, schema)


def main(argv: list[str]) -> int:
    schemas = load(Path(argv[0]))
    if argv[1] == "--values":
        records = read_values(Path(argv[2]), schemas)
    else:
        records = (r for p in argv[1:] for r in read_container(Path(p), schemas))
    for name, record in records:
        print(json.dumps(summary(name, record), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
