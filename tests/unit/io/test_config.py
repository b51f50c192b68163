"""Settings: precedence flags > env > file > defaults, types, and secrets kept out of logs."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import Settings, load_settings, reference_table
from pipeline.errors import ConfigError


def test_precedence(tmp_path: Path) -> None:
    cfg = tmp_path / "newswire.toml"
    cfg.write_text('raw_topic = "from.file"\nmax_poll_records = 7\ngroup_id = "file"\n')
    env = {"NEWSWIRE_RAW_TOPIC": "from.env", "NEWSWIRE_MAX_POLL_RECORDS": "9"}
    s = load_settings({"raw_topic": "from.flag", "group_id": None}, env=env, config_file=cfg)
    assert s.raw_topic == "from.flag"
    assert s.max_poll_records == 9
    assert s.group_id == "file"
    assert load_settings({}, env={}).raw_topic == "news.raw"


def test_bad_values_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="max_poll_records"):
        load_settings({}, env={"NEWSWIRE_MAX_POLL_RECORDS": "lots"})
    cfg = tmp_path / "c.toml"
    cfg.write_text("nope = 1\n")
    with pytest.raises(ConfigError, match="unknown settings"):
        load_settings({}, env={}, config_file=cfg)


def test_secrets_never_in_repr_or_redacted() -> None:
    s = load_settings(
        {}, env={"NEWSWIRE_SASL_PASSWORD": "hunter2", "NEWSWIRE_SASL_USERNAME": "svc"}
    )
    assert "hunter2" not in repr(s)
    assert s.redacted()["sasl_password"] == "***"
    assert s.kafka_client_config()["sasl_plain_password"] == "hunter2"
    assert s.kafka_client_config()["sasl_plain_username"] == "svc"


def test_frozen_and_reference_complete() -> None:
    s = Settings()
    with pytest.raises(AttributeError):
        s.raw_topic = "x"  # type: ignore[misc]
    rows = reference_table()
    assert {r[0] for r in rows} == set(Settings.__dataclass_fields__)
    assert all(r[3] for r in rows), "every setting needs a doc line"
