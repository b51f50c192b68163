"""Kafka sink for Beam: idempotent producer, acks=all, keyed by article id.

Records are sent as they come and flushed in ``finish_bundle``; a failed send fails the
bundle, so the source's bundle finalizer never commits the offsets of records that were
not written. One producer per process is shared by every sink instance.
"""

from __future__ import annotations

import threading

import apache_beam as beam
from kafka import KafkaProducer
from kafka.producer.future import FutureRecordMetadata

from pipeline.config import Settings
from pipeline.records import OutputRecord

_producers: dict[Settings, KafkaProducer] = {}
_producers_lock = threading.Lock()


def make_producer(settings: Settings) -> KafkaProducer:
    return KafkaProducer(
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        compression_type=None,
        max_request_size=max(settings.max_message_bytes * 4, 1_048_576),
        client_id="newswire-sink",
        **settings.kafka_client_config(),
    )


def shared_producer(settings: Settings) -> KafkaProducer:
    with _producers_lock:
        if settings not in _producers:
            _producers[settings] = make_producer(settings)
        return _producers[settings]


class WriteToKafkaFn(beam.DoFn):
    """Send each :class:`OutputRecord`'s encoded payload; flush at the end of the bundle."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def setup(self) -> None:
        self._producer = shared_producer(self.settings)
        self._pending: list[FutureRecordMetadata] = []

    def process(self, record: OutputRecord) -> None:
        self._pending.append(
            self._producer.send(
                record.topic, key=record.key, value=record.payload, headers=list(record.headers)
            )
        )

    def finish_bundle(self) -> None:
        self._producer.flush()
        pending, self._pending = self._pending, []
        for future in pending:
            future.get(timeout=0)  # raises the send error, failing the bundle


class WriteToKafka(beam.PTransform):
    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.settings = settings

    def expand(self, records: beam.PCollection) -> beam.pvalue.PDone:
        return records | "Send" >> beam.ParDo(WriteToKafkaFn(self.settings))
