"""Bounded reads of a Kafka topic between two times or two offsets (``newswire replay``).

A range is written ``kafka:TOPIC`` (the whole topic as it is when the replay starts) with
optional query parameters: ``from``/``to`` (ISO 8601 times; ``Z`` or an offset, UTC when
none is given) select records by their timestamp, ``from_offset``/``to_offset`` by offset
(the same on every partition), and ``partitions`` (e.g. ``0,2``) restricts the
partitions. Lower bounds are inclusive, upper bounds exclusive. Example:
``kafka:news.raw?from=2023-09-10T00:00Z&to=2023-09-11T00:00Z``.

The time range is exact whatever the broker answers to timestamp look-ups: the start
offset from ``offsets_for_times`` is only a place to begin (a broker that answers 0, as
the embedded one does, costs reading more), and every record is filtered by its own
timestamp. A partition ends at the first of: ``to_offset``; caught up (an empty poll at
or past the end offset); or a record appended after the replay started (offset past the
end offset seen at planning and a timestamp later than the planning time), so a live
topic being written to does not keep a replay running. Reads use no consumer group:
a replay never moves the live pipeline's committed offsets.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qs

import apache_beam as beam
from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord

from pipeline.config import Settings
from pipeline.errors import InputError
from pipeline.io.kafka_source import make_consumer, to_raw_message
from pipeline.records import RawMessage

PREFIX = "kafka:"
STALL_S = 60.0
KNOWN_PARAMS = {"from", "to", "from_offset", "to_offset", "partitions"}


@dataclass(frozen=True)
class TopicRange:
    """What the user asked for."""

    topic: str
    from_ms: int | None = None
    to_ms: int | None = None
    from_offset: int | None = None
    to_offset: int | None = None
    partitions: tuple[int, ...] | None = None


@dataclass(frozen=True)
class PartitionRange:
    """One partition's share of a range: the element the reader processes."""

    settings: Settings
    topic: str
    partition: int
    start: int
    """First offset to read."""
    stop: int | None
    """Offset to stop before (``to_offset``), or None: read to the end."""
    planned_end: int
    """The partition's end offset when the replay was planned."""
    planned_at_ms: int
    from_ms: int | None
    to_ms: int | None

    def wanted(self, record: ConsumerRecord) -> bool:
        ts = record.timestamp
        if self.from_ms is not None and ts < self.from_ms:
            return False
        return self.to_ms is None or ts < self.to_ms

    def appended_later(self, record: ConsumerRecord) -> bool:
        return bool(record.offset >= self.planned_end and record.timestamp > self.planned_at_ms)


def parse_time(text: str) -> int:
    """ISO 8601 (``2023-09-10``, ``2023-09-10T00:00Z``, ...) -> epoch milliseconds (UTC)."""
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise InputError(f"not an ISO 8601 time: {text!r}") from exc
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return int(when.timestamp() * 1000)


def _int(name: str, text: str) -> int:
    try:
        value = int(text)
    except ValueError as exc:
        raise InputError(f"{name} must be an integer, got {text!r}") from exc
    if value < 0:
        raise InputError(f"{name} must not be negative, got {value}")
    return value


def parse_range(spec: str) -> TopicRange:
    """``kafka:TOPIC?from=...&to=...`` -> :class:`TopicRange` (clear errors otherwise)."""
    if not spec.startswith(PREFIX):
        raise InputError(f"a topic range starts with {PREFIX!r}: {spec!r}")
    topic, _, query = spec.removeprefix(PREFIX).partition("?")
    if not topic:
        raise InputError(f"no topic named in {spec!r}")
    params = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
    unknown = set(params) - KNOWN_PARAMS
    if unknown:
        raise InputError(
            f"unknown range parameter(s) {', '.join(sorted(unknown))}; "
            f"known: {', '.join(sorted(KNOWN_PARAMS))}"
        )
    parts = None
    if "partitions" in params:
        parts = tuple(_int("partitions", p) for p in params["partitions"].split(",") if p)
    result = TopicRange(
        topic=topic,
        from_ms=parse_time(params["from"]) if "from" in params else None,
        to_ms=parse_time(params["to"]) if "to" in params else None,
        from_offset=_int("from_offset", params["from_offset"]) if "from_offset" in params else None,
        to_offset=_int("to_offset", params["to_offset"]) if "to_offset" in params else None,
        partitions=parts,
    )
    if result.from_ms is not None and result.to_ms is not None and result.from_ms >= result.to_ms:
        raise InputError(f"empty time range in {spec!r}: 'from' must be before 'to'")
    if (
        result.from_offset is not None
        and result.to_offset is not None
        and result.from_offset >= result.to_offset
    ):
        raise InputError(f"empty offset range in {spec!r}: from_offset must be below to_offset")
    return result


def plan(settings: Settings, wanted: TopicRange) -> list[PartitionRange]:
    """One :class:`PartitionRange` per partition, from the broker's current offsets."""
    consumer = make_consumer(settings, group=False)
    try:
        found = consumer.partitions_for_topic(wanted.topic)
        if not found:
            raise InputError(f"topic {wanted.topic!r} does not exist at {settings.bootstrap}")
        numbers = sorted(found)
        if wanted.partitions is not None:
            missing = sorted(set(wanted.partitions) - set(numbers))
            if missing:
                raise InputError(f"topic {wanted.topic!r} has no partition(s) {missing}")
            numbers = sorted(set(wanted.partitions))
        tps = [TopicPartition(wanted.topic, n) for n in numbers]
        begins = consumer.beginning_offsets(tps)
        ends = consumer.end_offsets(tps)
        by_time: dict[TopicPartition, int | None] = dict.fromkeys(tps)
        if wanted.from_ms is not None:
            answers = consumer.offsets_for_times(dict.fromkeys(tps, wanted.from_ms))
            by_time = {tp: (a.offset if a is not None else None) for tp, a in answers.items()}
        now_ms = int(time.time() * 1000)
        ranges = []
        for tp in tps:
            start = max(int(begins[tp]), wanted.from_offset or 0)
            if wanted.from_ms is not None:
                answer = by_time.get(tp)
                # None: no record at or after from_ms, as of now; records appended later
                # are still filtered by timestamp, so starting at the end is exact.
                start = max(start, int(ends[tp]) if answer is None else int(answer))
            ranges.append(
                PartitionRange(
                    settings=settings,
                    topic=tp.topic,
                    partition=tp.partition,
                    start=start,
                    stop=wanted.to_offset,
                    planned_end=int(ends[tp]),
                    planned_at_ms=now_ms,
                    from_ms=wanted.from_ms,
                    to_ms=wanted.to_ms,
                )
            )
        return ranges
    finally:
        consumer.close()


def expected_count(ranges: list[PartitionRange]) -> int:
    """Records between each start and planned end (an upper bound for a time range)."""
    return sum(
        max(0, min(r.planned_end, r.stop if r.stop is not None else r.planned_end) - r.start)
        for r in ranges
    )


def read_range(part: PartitionRange) -> Iterator[RawMessage]:
    """The wanted records of one partition, in offset order."""
    tp = TopicPartition(part.topic, part.partition)
    consumer: KafkaConsumer = make_consumer(part.settings, group=False)
    try:
        consumer.assign([tp])
        consumer.seek(tp, part.start)
        empty_since = time.monotonic()
        while part.stop is None or consumer.position(tp) < part.stop:
            records = consumer.poll(
                timeout_ms=part.settings.poll_timeout_ms,
                max_records=part.settings.max_poll_records,
            ).get(tp, [])
            if not records:
                end = int(consumer.end_offsets([tp])[tp])
                if consumer.position(tp) >= end:
                    return
                if time.monotonic() - empty_since > STALL_S:
                    raise InputError(
                        f"{tp.topic}[{tp.partition}]: no records for {STALL_S:.0f} s at offset "
                        f"{consumer.position(tp)} although the end offset is {end}"
                    )
                continue
            empty_since = time.monotonic()
            for record in records:
                if part.stop is not None and record.offset >= part.stop:
                    return
                if part.appended_later(record):
                    return
                if part.wanted(record):
                    yield to_raw_message(record, tp)
    finally:
        consumer.close()


class ReadKafkaRange(beam.PTransform):
    """Bounded source: the records of a planned range as RawMessages."""

    def __init__(self, ranges: list[PartitionRange]) -> None:
        super().__init__()
        self.ranges = ranges

    def expand(self, pbegin: beam.pvalue.PBegin) -> beam.PCollection:
        return (
            pbegin
            | "Partitions" >> beam.Create(self.ranges, reshuffle=False)
            | "Read" >> beam.FlatMap(read_range)
        )
