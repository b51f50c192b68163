"""Kill -9 part-way, start again: no record lost, duplicates bounded by the uncommitted reads."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from pipeline.config import Settings
from pipeline.io.topics import read_topic
from tests.conftest import REPO

pytestmark = pytest.mark.integration

ARTICLES = 3000
KILL_EVERY = 700
POLL_RECORDS = 20


def _env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "NEWSWIRE_BOOTSTRAP_SERVERS": settings.bootstrap,
            "NEWSWIRE_RAW_TOPIC": settings.raw_topic,
            "NEWSWIRE_ENRICHED_TOPIC": settings.enriched_topic,
            "NEWSWIRE_DLQ_TOPIC": settings.dlq_topic,
            "NEWSWIRE_EVENTS_TOPIC": settings.events_topic,
            "NEWSWIRE_GROUP_ID": settings.group_id,
            "NEWSWIRE_MAX_POLL_RECORDS": str(POLL_RECORDS),
        }
    )
    return env


def _start(settings: Settings, idle: float) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline", "run", "--idle-timeout", str(idle)],
        cwd=REPO,
        env=_env(settings),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _written(settings: Settings, topic: str) -> int:
    """Records in the topic, from end offsets: cheap, and close enough to time a kill."""
    consumer = KafkaConsumer(**settings.kafka_client_config())
    tps = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
    total = sum(consumer.end_offsets(tps).values())
    consumer.close()
    return int(total)


def test_kill_minus_nine_loses_nothing(kafka_settings: Settings) -> None:
    settings = kafka_settings
    producer = KafkaProducer(**settings.kafka_client_config())
    for i in range(ARTICLES):
        body = f"Article number {i} reports that talks resumed on Monday."
        producer.send(
            settings.raw_topic, key=b"a%d" % i, value=f'{{"id": "a{i}", "body": "{body}"}}'.encode()
        )
    producer.flush()
    producer.close()

    kills, written = 0, 0
    for _ in range(2):  # killed twice while it is working, each time after fresh progress
        proc = _start(settings, idle=30)
        deadline = time.monotonic() + 120
        target = written + KILL_EVERY
        while (written := _written(settings, settings.enriched_topic)) < target:
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            assert time.monotonic() < deadline, "pipeline made no progress"
            time.sleep(0.1)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        kills += 1
    assert written < ARTICLES, "the pipeline finished before it could be killed part-way"

    final = _start(settings, idle=3)
    _, stderr = final.communicate(timeout=300)
    assert final.returncode == 0, stderr.decode()[-3000:]

    ids = Counter(r["id"] for _n, r in read_topic(settings, settings.enriched_topic, since={}))
    assert set(ids) == {f"a{i}" for i in range(ARTICLES)}  # nothing lost
    duplicates = sum(ids.values()) - len(ids)
    # Each kill can re-deliver at most what was read but not committed: one poll per partition.
    assert duplicates <= kills * settings.partitions * POLL_RECORDS
