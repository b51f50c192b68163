"""The ``newswire`` command as a user runs it: subprocesses, real files, real broker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import fastavro
import pytest

from pipeline.config import Settings
from pipeline.io import broker
from tests.conftest import REPO, SAMPLES, SEED

SEED_FOOTER = "2a02-4780-11–4f جزيرة إم آند إم"


def newswire(
    *args: str, env: dict[str, str] | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        cwd=REPO,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_replay_seed_to_stdout_without_a_broker(tmp_path: Path) -> None:
    result = newswire("replay", str(SEED), "--output", "-", "--state-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["body"].endswith("وتحديات روسيا للنظام الدولي”.")
    assert [s["text"].strip() for s in record["removed_spans"]] == [SEED_FOOTER]
    assert record["processing"] is None  # replay output is deterministic
    assert record["provenance"] == {
        "kind": "file",
        "topic": None,
        "partition": None,
        "offset": None,
        "timestamp": None,
        "file": str(SEED),
        "line": None,
    }


def test_replay_to_avro_files_and_dead_letters(tmp_path: Path) -> None:
    out = tmp_path / "enriched.avro"
    result = newswire("replay", str(SAMPLES), "--output", str(out))
    assert result.returncode == 0, result.stderr
    with out.open("rb") as fh:
        enriched = list(fastavro.reader(fh))
    with (tmp_path / "enriched.dlq.avro").open("rb") as fh:
        dead = list(fastavro.reader(fh))
    with (tmp_path / "enriched.events.avro").open("rb") as fh:
        events = list(fastavro.reader(fh))
    assert events == [e for a in enriched for e in a["events"]]
    assert {e["event_type"] for e in events} >= {"CONSULT", "MOBILIZE", "SANCTION"}
    assert len(enriched) == 6 and len(dead) == 3
    assert {d["error_class"] for d in dead} == {"InvalidJSON", "InvalidField", "EmptyBody"}
    again = tmp_path / "again.avro"
    assert newswire("replay", str(SAMPLES), "--output", str(again)).returncode == 0
    with again.open("rb") as fh:
        assert list(fastavro.reader(fh)) == enriched  # same input, same records


def test_broker_lifecycle_produce_run_tail(tmp_path: Path) -> None:
    port = broker.free_port()
    env = {"NEWSWIRE_STATE_DIR": str(tmp_path), "NEWSWIRE_BROKER_PORT": str(port)}
    assert newswire("broker", "status", env=env).returncode == 1
    started = newswire("broker", "start", env=env)
    assert started.returncode == 0, started.stderr
    try:
        status = json.loads(newswire("broker", "status", env=env).stdout)
        assert status["running"] and status["port"] == port
        produced = newswire("produce", str(SEED), str(SAMPLES / "004_feed.jsonl"), env=env)
        assert produced.returncode == 0 and "produced 6 articles" in produced.stderr
        ran = newswire("run", "--idle-timeout", "3", env=env)
        assert ran.returncode == 0, ran.stderr
        tail = newswire("tail", "--from-beginning", "--limit", "3", env=env)
        records = [json.loads(line) for line in tail.stdout.splitlines()]
        assert len(records) == 3 and all("body" in r for r in records)
        events = newswire("tail", "news.events", "--from-beginning", "--limit", "2", env=env)
        assert all(json.loads(line)["event_type"] for line in events.stdout.splitlines())
        assert len(events.stdout.splitlines()) == 2
        dlq = newswire("tail", "news.dlq", "--from-beginning", "--limit", "3", env=env)
        assert {json.loads(line)["stage"] for line in dlq.stdout.splitlines()} == {"decode"}
    finally:
        assert newswire("broker", "stop", env=env).returncode == 0
    assert not broker.status(tmp_path).running


def test_run_without_broker_says_how_to_start_one(tmp_path: Path) -> None:
    env = {"NEWSWIRE_STATE_DIR": str(tmp_path), "NEWSWIRE_BROKER_PORT": str(broker.free_port())}
    result = newswire("run", env=env)
    assert result.returncode == 2
    assert "newswire broker start" in result.stderr


@pytest.mark.integration
def test_demo_end_to_end(tmp_path: Path) -> None:
    settings = Settings(state_dir=str(tmp_path), broker_port=broker.free_port())
    env = {
        "NEWSWIRE_STATE_DIR": settings.state_dir,
        "NEWSWIRE_BROKER_PORT": str(settings.broker_port),
    }
    result = newswire("demo", env=env)
    assert result.returncode == 0, result.stderr
    assert "6 enriched," in result.stdout and "3 dead-lettered" in result.stdout
    assert "CONSULT/visit" in result.stdout
    assert "common.trailing_id_slug" in result.stdout
    assert not broker.status(tmp_path).running  # the demo stopped the broker it started


def test_every_command_has_help_with_examples() -> None:
    for command in ("demo", "broker", "produce", "run", "replay", "tail"):
        result = newswire(command, "--help")
        assert result.returncode == 0
        assert "Usage" in result.stdout
        if command != "broker":
            assert "Example" in result.stdout, command
