"""The image's health check against a real Kafka-protocol broker (the embedded one)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from pipeline.config import Settings
from pipeline.io import broker

pytestmark = pytest.mark.integration
SCRIPT = Path(__file__).resolve().parents[3] / "deploy" / "healthcheck.py"


def _healthcheck() -> ModuleType:
    spec = importlib.util.spec_from_file_location("newswire_healthcheck", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_healthy_when_the_raw_topic_exists(
    kafka_settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NEWSWIRE_BOOTSTRAP_SERVERS", kafka_settings.bootstrap)
    monkeypatch.setenv("NEWSWIRE_RAW_TOPIC", kafka_settings.raw_topic)
    assert _healthcheck().main() == 0
    monkeypatch.setenv("NEWSWIRE_RAW_TOPIC", kafka_settings.raw_topic + ".missing")
    assert _healthcheck().main() == 1
    assert "missing" in capsys.readouterr().err


def test_unhealthy_when_no_broker_answers(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NEWSWIRE_BOOTSTRAP_SERVERS", f"127.0.0.1:{broker.free_port()}")
    assert _healthcheck().main() == 1
    assert "unhealthy" in capsys.readouterr().err
