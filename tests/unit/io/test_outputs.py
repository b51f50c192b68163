"""Replay output files: names of siblings and shards, deterministic bytes."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import fastavro
import pytest

from pipeline.io.outputs import shard_path, write_shard


@pytest.mark.parametrize(
    ("output", "kind", "shard", "shards", "expected"),
    [
        ("out.avro", None, 0, 1, "out.avro"),
        ("out.avro", "events", 0, 1, "out.events.avro"),
        ("out.avro", "dlq", 3, 4, "out.dlq-00003-of-00004.avro"),
        ("a/day.2023-09-10.jsonl.gz", None, 1, 2, "a/day.2023-09-10-00001-of-00002.jsonl.gz"),
        ("a/day.2023-09-10.jsonl.gz", "events", 0, 1, "a/day.2023-09-10.events.jsonl.gz"),
    ],
)
def test_shard_and_sibling_names(
    output: str, kind: str | None, shard: int, shards: int, expected: str
) -> None:
    assert shard_path(output, kind, shard, shards) == expected


def dead(line: int) -> tuple[tuple[object, ...], bytes, dict[str, object]]:
    value: dict[str, object] = {
        "key": None,
        "value": b"{",
        "article_id": None,
        "provenance": {"kind": "file", "file": "in.jsonl", "line": line},
        "stage": "decode",
        "error_class": "InvalidJSON",
        "error_message": "truncated",
        "pipeline_version": "test",
    }
    return (("file", "in.jsonl", -1, line, -1, 0), b"%d" % line, value)


@pytest.mark.parametrize("name", ["out.avro", "out.jsonl.gz", "out.jsonl"])
def test_same_records_in_any_order_give_the_same_bytes(tmp_path: Path, name: str) -> None:
    rows = [dead(n) for n in (3, 1, 2)]
    contents = []
    for run, order in (("a", rows), ("b", rows[::-1])):
        (tmp_path / run).mkdir()
        output = str(tmp_path / run / name)
        [(path, count)] = write_shard((("DeadLetter", 0), [None, *order]), output, 1)
        assert count == 3 and Path(path).name.startswith("out.dlq")
        contents.append(Path(path).read_bytes())
    assert contents[0] == contents[1]
    shard = Path(shard_path(str(tmp_path / "a" / name), "dlq", 0, 1))
    if name.endswith(".avro"):
        with shard.open("rb") as fh:
            lines = [r["provenance"]["line"] for r in fastavro.reader(fh)]
    else:
        data = shard.read_bytes()
        text = gzip.decompress(data) if name.endswith(".gz") else data
        lines = [json.loads(x)["provenance"]["line"] for x in text.splitlines()]
    assert lines == [1, 2, 3]  # input order


WRITE_ONE_EVENT = """
import sys
from pipeline.io.outputs import write_shard
event = {"id": "ev:1", "article_id": "a1", "event_type": "CONSULT", "sentence_index": 0,
         "sentence_text": "They met.", "sentence_start": 0, "trigger_text": "met",
         "trigger_start": 5, "trigger_end": 8, "actors": [], "recipients": []}
list(write_shard((("Event", 0), [((0,), b"1", event)]), sys.argv[1], 1))
"""


def test_file_bytes_do_not_depend_on_the_process(tmp_path: Path) -> None:
    """String hashing is randomised per process (PYTHONHASHSEED); the Avro header once
    followed it through fastavro's parsed schema, so two workers wrote different bytes."""
    import os
    import subprocess
    import sys

    written = []
    for seed in ("1", "2"):
        out = tmp_path / seed / "out.avro"
        out.parent.mkdir()
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run(
            [sys.executable, "-c", WRITE_ONE_EVENT, str(out)], env=env, check=True, timeout=120
        )
        written.append(Path(shard_path(str(out), "events", 0, 1)).read_bytes())
    assert written[0] == written[1]
