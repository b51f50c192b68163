"""Kill -9 at random points, start again: nothing lost (``newswire audit``), duplicates
bounded by the uncommitted reads (kills x partitions x max_poll_records)."""

from __future__ import annotations

import random
import signal
import time

import pytest

from pipeline.audit import collect
from pipeline.config import Settings
from tests.integration.faultkit import (
    POLL_RECORDS,
    finish,
    produce_articles,
    start_pipeline,
    wait_for_progress,
)

pytestmark = pytest.mark.integration

ARTICLES = 3000
POISON_EVERY = 500  # a few inputs that must end in the DLQ, not be lost
KILLS = 3


def test_kill_minus_nine_at_random_points_loses_nothing(kafka_settings: Settings) -> None:
    settings = kafka_settings
    produce_articles(settings, ARTICLES, POISON_EVERY)
    rng = random.Random(7)

    count = 0
    for kill in range(KILLS):  # killed while it is working, each time after fresh progress
        proc = start_pipeline(settings, idle=30)
        # A random point in the kill's own slice of the input, so it is always part-way.
        target = int(ARTICLES * (kill + rng.uniform(0.3, 0.9)) / (KILLS + 1))
        count = wait_for_progress(proc, settings, max(target, count + 50))
        time.sleep(rng.uniform(0, 0.5))  # a random point within the next polls
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert count < ARTICLES, "the pipeline finished before it could be killed part-way"

    finish(settings)

    report = collect(settings)
    assert report.lost == 0 and report.ok, report.as_dict()
    assert report.inputs == ARTICLES
    assert report.dead_lettered == ARTICLES // POISON_EVERY
    assert report.dead_by_stage == {"decode": ARTICLES // POISON_EVERY}
    # Each kill can re-deliver at most what was read but not committed: one poll per partition.
    assert report.duplicated <= KILLS * settings.partitions * POLL_RECORDS, report.as_dict()
    print(f"audit after {KILLS} kills: {report.as_dict()}")
