"""Kafka source for Beam (Python, kafka-python): a splittable DoFn, one restriction per partition.

Each partition is an element whose restriction is an offset range starting at the
consumer group's committed offset (or ``auto_offset_reset``). ``process`` polls with
assign/seek, claims each record's offset, emits a :class:`~pipeline.records.RawMessage`
and defers the remainder, so the runner checkpoints between polls. Offsets are
committed from a bundle finalizer: it runs after the bundle, i.e. after the fused
sinks downstream flushed (``finish_bundle``), so a commit never covers a record that
was not written (at-least-once; a crash re-reads at most what was read but not yet
committed).

Stopping: by default the source is unbounded. ``stop_when_caught_up`` ends a partition
at the first empty poll at or past the partition's end offset (tests, ``demo``);
``idle_timeout_s`` ends it after that long without a new record (``run --idle-timeout``).
The caught-up test needs an empty poll as well as the end offset because some
Kafka-compatible brokers report the end offset of a multi-record batch wrongly.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import apache_beam as beam
from apache_beam.io.restriction_trackers import OffsetRange, OffsetRestrictionTracker
from apache_beam.transforms.core import RestrictionProvider
from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

from pipeline.config import Settings
from pipeline.errors import ConfigError
from pipeline.records import Provenance, RawMessage

log = logging.getLogger(__name__)
UNBOUNDED = sys.maxsize


def make_consumer(settings: Settings, group: bool = True) -> KafkaConsumer:
    return KafkaConsumer(
        group_id=settings.group_id if group else None,
        enable_auto_commit=False,
        client_id="newswire-source",
        max_partition_fetch_bytes=max(settings.max_message_bytes * 2, 1_048_576),
        # A fetch waits at the broker until data comes or this passes, and every other
        # request on the connection (end offsets for the caught-up check, positions)
        # queues behind it: with the default 500 ms, each first end-offsets request
        # took 0.4 s. Data is returned as soon as it arrives either way.
        fetch_max_wait_ms=min(500, settings.poll_timeout_ms),
        **settings.kafka_client_config(),
    )


def start_offset(consumer: KafkaConsumer, tp: TopicPartition, reset: str) -> int:
    """Committed offset of the group, else the earliest or latest offset."""
    committed = consumer.committed(tp)
    if committed is not None:
        return int(committed)
    if reset == "latest":
        return int(consumer.end_offsets([tp])[tp])
    return int(consumer.beginning_offsets([tp])[tp])


def to_raw_message(record: Any, tp: TopicPartition) -> RawMessage:
    """A kafka-python ConsumerRecord as the pipeline's RawMessage (bytes untouched)."""
    return RawMessage(
        value=record.value if record.value is not None else b"",
        key=record.key,
        headers=tuple((k, v or b"") for k, v in (record.headers or [])),
        provenance=Provenance(
            kind="kafka",
            topic=tp.topic,
            partition=tp.partition,
            offset=record.offset,
            timestamp_ms=record.timestamp,
        ),
    )


@dataclass(frozen=True)
class PartitionSpec:
    """The element of the read: a partition and the settings to reach it.

    The settings travel with the element because a restriction provider is bound when
    the DoFn class is defined, before any settings exist.
    """

    settings: Settings
    topic: str
    partition: int

    @property
    def tp(self) -> TopicPartition:
        return TopicPartition(self.topic, self.partition)


class PartitionRestrictionProvider(RestrictionProvider):
    """Initial restriction of a partition: [resume offset, unbounded)."""

    def initial_restriction(self, element: PartitionSpec) -> OffsetRange:
        consumer = make_consumer(element.settings)
        try:
            start = start_offset(consumer, element.tp, element.settings.auto_offset_reset)
        finally:
            consumer.close()
        return OffsetRange(start, UNBOUNDED)

    def create_tracker(self, restriction: OffsetRange) -> OffsetRestrictionTracker:
        return OffsetRestrictionTracker(restriction)

    def restriction_size(self, element: Any, restriction: OffsetRange) -> int:
        return 1  # unknown; keeps the runner from splitting on size

    def split(self, element: Any, restriction: OffsetRange) -> Iterator[OffsetRange]:
        yield restriction  # one reader per partition keeps per-partition order


class ListPartitionsFn(beam.DoFn):
    """topic -> (topic, partition) for each of its partitions."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def process(self, topic: str) -> Iterator[PartitionSpec]:
        consumer = make_consumer(self.settings, group=False)
        try:
            partitions = consumer.partitions_for_topic(topic)
        finally:
            consumer.close()
        if not partitions:
            raise ConfigError(f"topic {topic!r} does not exist at {self.settings.bootstrap}")
        for partition in sorted(partitions):
            yield PartitionSpec(self.settings, topic, partition)


TRACKER = beam.DoFn.RestrictionParam(PartitionRestrictionProvider())


class ReadPartitionFn(beam.DoFn):
    """Splittable DoFn reading one Kafka partition from its restriction's start."""

    def __init__(
        self,
        settings: Settings,
        stop_when_caught_up: bool = False,
        idle_timeout_s: float | None = None,
        commit: bool = True,
    ) -> None:
        self.settings = settings
        self.stop_when_caught_up = stop_when_caught_up
        self.idle_timeout_s = idle_timeout_s
        self.commit = commit

    def setup(self) -> None:
        self._consumers: dict[TopicPartition, KafkaConsumer] = {}
        self._last_record: dict[TopicPartition, float] = {}
        self._lock = threading.Lock()

    def teardown(self) -> None:
        for consumer in self._consumers.values():
            consumer.close()
        self._consumers.clear()

    def _consumer(self, tp: TopicPartition) -> KafkaConsumer:
        if tp not in self._consumers:
            consumer = make_consumer(self.settings, group=self.commit)
            consumer.assign([tp])
            self._consumers[tp] = consumer
            self._last_record[tp] = time.monotonic()
        return self._consumers[tp]

    @beam.DoFn.unbounded_per_element()
    def process(
        self,
        element: PartitionSpec,
        finalizer: Any = beam.DoFn.BundleFinalizerParam,
        tracker: Any = TRACKER,
    ) -> Iterator[RawMessage]:
        tp = element.tp
        restriction: OffsetRange = tracker.current_restriction()
        with self._lock:
            consumer = self._consumer(tp)
            if consumer.position(tp) != restriction.start:
                consumer.seek(tp, restriction.start)
            batch = consumer.poll(
                timeout_ms=self.settings.poll_timeout_ms,
                max_records=self.settings.max_poll_records,
            ).get(tp, [])
        next_offset = None
        for record in batch:
            if not tracker.try_claim(record.offset):
                return
            next_offset = record.offset + 1
            yield to_raw_message(record, tp)
        if next_offset is not None:
            self._last_record[tp] = time.monotonic()
            if self.commit:
                finalizer.register(lambda tp=tp, offset=next_offset: self._commit(tp, offset))
        elif self._finished(tp, consumer):
            tracker.try_claim(restriction.stop)  # past the end: marks the restriction done
            return
        tracker.defer_remainder()

    def _finished(self, tp: TopicPartition, consumer: KafkaConsumer) -> bool:
        idle = time.monotonic() - self._last_record[tp]
        if self.idle_timeout_s is not None and idle >= self.idle_timeout_s:
            return True
        if self.stop_when_caught_up:
            with self._lock:
                end = consumer.end_offsets([tp])[tp]
                return bool(consumer.position(tp) >= end)
        return False

    def _commit(self, tp: TopicPartition, offset: int) -> None:
        """Commit after the bundle (and the sinks' flush) completed."""
        try:
            with self._lock:
                self._consumer(tp).commit({tp: OffsetAndMetadata(offset, "", -1)})
        except KafkaError as exc:  # the next commit covers it; re-reads are de-duplicable
            log.warning("offset commit for %s at %d failed: %s", tp, offset, exc)


class ReadFromKafka(beam.PTransform):
    """Read a topic as :class:`RawMessage` elements; see the module docstring."""

    def __init__(
        self,
        settings: Settings,
        topic: str | None = None,
        stop_when_caught_up: bool = False,
        idle_timeout_s: float | None = None,
        commit: bool = True,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.topic = topic or settings.raw_topic
        self.read_fn = ReadPartitionFn(settings, stop_when_caught_up, idle_timeout_s, commit)

    def expand(self, pbegin: beam.pvalue.PBegin) -> beam.PCollection:
        return (
            pbegin
            | "Topic" >> beam.Create([self.topic])
            | "ListPartitions" >> beam.ParDo(ListPartitionsFn(self.settings))
            | "ReadPartitions" >> beam.ParDo(self.read_fn)
        )
