"""Parsing of replay topic ranges (``kafka:TOPIC?from=...&to=...``)."""

from __future__ import annotations

import pytest

from pipeline.errors import InputError
from pipeline.io.kafka_range import parse_range, parse_time

SEPT_10 = 1694304000000  # 2023-09-10T00:00:00Z in milliseconds


def test_whole_topic() -> None:
    r = parse_range("kafka:news.raw")
    assert (r.topic, r.from_ms, r.to_ms, r.from_offset, r.to_offset, r.partitions) == (
        "news.raw",
        None,
        None,
        None,
        None,
        None,
    )


def test_time_range_in_any_iso_form() -> None:
    r = parse_range("kafka:news.raw?from=2023-09-10T00:00Z&to=2023-09-11")
    assert r.from_ms == SEPT_10
    assert r.to_ms == SEPT_10 + 86_400_000
    assert parse_time("2023-09-10T03:00+03:00") == SEPT_10
    assert parse_time("2023-09-10T00:00:00") == SEPT_10  # no zone: UTC


def test_offsets_and_partitions() -> None:
    r = parse_range("kafka:t?from_offset=5&to_offset=10&partitions=0,2")
    assert (r.from_offset, r.to_offset, r.partitions) == (5, 10, (0, 2))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("news.raw", "starts with"),
        ("kafka:", "no topic"),
        ("kafka:t?since=2023-01-01", "unknown range parameter"),
        ("kafka:t?from=yesterday", "not an ISO 8601 time"),
        ("kafka:t?from=2023-09-11&to=2023-09-10", "'from' must be before 'to'"),
        ("kafka:t?from_offset=10&to_offset=10", "from_offset must be below"),
        ("kafka:t?from_offset=-1", "must not be negative"),
        ("kafka:t?partitions=a", "must be an integer"),
    ],
)
def test_clear_errors(spec: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_range(spec)
