"""Shared fixtures: one embedded broker per test session, fresh topics per test."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.config import Settings
from pipeline.io import broker

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "pipeline" / "samples"
SEED = SAMPLES / "000_818c6b7f0175410d.txt"
_counter = itertools.count()


@pytest.fixture(scope="session")
def broker_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """A running embedded broker on a free loopback port, for the whole session."""
    state = tmp_path_factory.mktemp("broker-state")
    settings = Settings(state_dir=str(state), broker_port=broker.free_port())
    broker.start(settings.state_dir, settings.broker_port)
    try:
        yield settings
    finally:
        broker.stop(settings.state_dir)
        shutil.rmtree(state, ignore_errors=True)


@pytest.fixture
def kafka_settings(broker_settings: Settings) -> Settings:
    """Settings with topics and a consumer group no other test uses, topics created."""
    n = next(_counter)
    settings = broker_settings.with_prefix(f"t{n}")
    broker.ensure_topics(settings)
    return settings
