"""Fault injection: the pipeline loses nothing when the broker connection drops, the broker
freezes, a stage is slow or crashes, or a poison message arrives.

Each test runs the real pipeline (``newswire run`` as a process) against a real broker
on loopback, injects one fault, lets the pipeline drain, and checks with the delivery
audit (``pipeline.audit``, what ``newswire audit`` runs) that every raw offset ended in
an enriched or dead-letter record (lost = 0) and that duplicates stay within the
uncommitted window (partitions x max_poll_records per interruption). SIGKILL at random
points is in ``test_restart.py``.
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from pipeline.audit import AuditReport, collect
from pipeline.config import Settings
from pipeline.io import broker
from pipeline.io.topics import read_topic
from tests.integration.faultkit import (
    POLL_RECORDS,
    broker_pid,
    dedicated_broker,
    finish,
    produce_articles,
    start_pipeline,
    wait_for_exit,
    wait_for_progress,
)

pytestmark = pytest.mark.integration

ARTICLES = 400


def assert_delivered(settings: Settings, inputs: int, interruptions: int) -> AuditReport:
    report = collect(settings)
    print(f"audit: {report.as_dict()}")
    assert report.ok and report.lost == 0, report.as_dict()
    assert report.inputs == inputs
    assert report.duplicated <= interruptions * settings.partitions * POLL_RECORDS
    return report


def test_broker_connection_cut_and_restored(tmp_path: Path) -> None:
    """Every connection dropped, new ones refused for 3 s, mid-run; the pipeline resumes."""
    with dedicated_broker(tmp_path) as (settings, proxy):
        broker.ensure_topics(settings)
        produce_articles(settings, ARTICLES)
        proc = start_pipeline(settings, idle=8)
        try:
            wait_for_progress(proc, settings, ARTICLES // 4)
            before = proxy.connections
            proxy.cut()
            time.sleep(3)
            proxy.restore()
            wait_for_exit(proc, timeout=180)
        finally:
            proc.kill()
        assert proxy.connections > before, "the pipeline never reconnected"
        report = assert_delivered(settings, ARTICLES, interruptions=1)
        assert report.enriched == ARTICLES


def test_broker_paused_and_resumed(tmp_path: Path) -> None:
    """The broker process is frozen (SIGSTOP) for 4 s mid-run, then resumed (SIGCONT)."""
    with dedicated_broker(tmp_path) as (settings, _proxy):
        broker.ensure_topics(settings)
        produce_articles(settings, ARTICLES)
        proc = start_pipeline(settings, idle=8)
        pid = broker_pid(settings)
        try:
            wait_for_progress(proc, settings, ARTICLES // 4)
            os.kill(pid, signal.SIGSTOP)
            try:
                time.sleep(4)
                assert proc.poll() is None, "the pipeline gave up while the broker was frozen"
            finally:
                os.kill(pid, signal.SIGCONT)
            wait_for_exit(proc, timeout=180)
        finally:
            proc.kill()
        report = assert_delivered(settings, ARTICLES, interruptions=1)
        assert report.enriched == ARTICLES


def test_slow_nlp_stage_then_kill(kafka_settings: Settings) -> None:
    """NLP takes 20 ms per article (bundles stay open long); killed mid-way, restarted."""
    settings = kafka_settings
    produce_articles(settings, ARTICLES)
    proc = start_pipeline(settings, idle=5, slow_nlp_s=0.02)
    try:
        count = wait_for_progress(proc, settings, ARTICLES // 4)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    finally:
        proc.kill()
    assert count < ARTICLES, "the pipeline finished before it could be killed"
    finish(settings, slow_nlp_s=0.02)
    report = assert_delivered(settings, ARTICLES, interruptions=1)
    assert report.enriched == ARTICLES


def test_poison_messages_go_to_the_dlq_and_the_pipeline_continues(
    kafka_settings: Settings,
) -> None:
    """Inputs that crash a stage or used to crash the pipeline are dead-lettered; the rest
    flows on in the same run."""
    settings = kafka_settings
    poison = [
        # An unpaired surrogate in the id: once made the encoder raise outside any
        # dead-letter handler, failing every bundle (and every restart) that read it.
        b'{"id": "p\\ud800", "body": "Talks resumed."}',
        # Over max_message_bytes, and so big that a dead letter carrying all of it would
        # exceed the producer's request limit: once failed every bundle that read it.
        b'{"id": "big", "body": "' + b"x" * 5_000_000 + b'"}',
        b'{"body": "x", "n": ' + b"9" * 5000 + b"}",  # int too long for Python to parse
        b'{"body": "x", "n": ' + b"[" * 5000 + b"]" * 5000 + b"}",  # nested too deeply
        b"\xff\xfe not utf-8",
        json.dumps({"id": "crash-me", "body": "Kim met Putin on Tuesday."}).encode(),
    ]
    produce_articles(settings, ARTICLES // 2)
    produce_articles(settings, 0, extra=poison)
    produce_articles(settings, ARTICLES // 2)  # after the poison: must still flow
    finish(settings, crash_id="crash-me")  # one run: the pipeline never stopped
    report = assert_delivered(settings, 2 * (ARTICLES // 2) + len(poison), interruptions=0)
    assert report.duplicated == 0
    assert report.enriched == 2 * (ARTICLES // 2)
    assert report.dead_by_stage == {"decode": len(poison) - 1, "entities": 1}
    dead = {r["key"]: r for _n, r in read_topic(settings, settings.dlq_topic, since={})}
    big = dead[b"x1"]
    assert big["error_class"] == "OversizeMessage" and "truncated" in big["error_message"]
    assert poison[1].startswith(big["value"]) and len(big["value"]) > settings.max_message_bytes
