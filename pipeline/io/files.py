"""File inputs: plain-text articles and JSON Lines (plain or gzip), as raw messages.

Both ``newswire produce`` and ``newswire replay`` read files through here, so a file
gives the same messages whichever path it takes. Each message keeps the file's bytes
untouched (a text file's whole content, or one JSON line) with its file/line provenance.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from pipeline.records import Provenance, RawMessage

TEXT_PLAIN = (("content-type", b"text/plain; charset=utf-8"),)
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json", ".jsonl.gz", ".ndjson.gz", ".json.gz")
TEXT_SUFFIXES = (".txt", ".txt.gz")


def expand_paths(inputs: Iterable[str | Path]) -> list[Path]:
    """Files named directly, and the article files inside named directories (sorted)."""
    paths: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            paths.extend(
                p
                for p in sorted(path.rglob("*"))
                if p.is_file() and p.name.endswith(JSONL_SUFFIXES + TEXT_SUFFIXES)
            )
        elif path.exists():
            paths.append(path)
        else:
            raise FileNotFoundError(f"no such input: {path}")
    return paths


def _read_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.name.endswith(".gz") else data


def read_messages(path: Path) -> Iterator[RawMessage]:
    """The raw messages of one file: JSON Lines -> one per line; anything else -> one."""
    data = _read_bytes(path)
    name = str(path)
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
