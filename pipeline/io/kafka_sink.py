"""Kafka sink for Beam: idempotent producer, acks=all, keyed by article id.

Records are sent as they come and flushed in ``finish_bundle``; a failed send fails the
bundle, so the source's bundle finalizer never commits the offsets of records that were
not written. One producer per process is shared by every sink instance.

A dead letter carries the original bytes, so an input far over ``max_message_bytes``
would make a dead letter larger than the producer's request limit
(:func:`request_limit`), and the failed send would fail every bundle (and every
restart) that read it. :func:`fit_dead_letter` keeps such a dead letter under the limit
by truncating the copied value and saying so in its error message; the full original
stays on the raw topic at the offset the provenance gives. Smaller dead letters keep the
original bytes untouched.
"""

from __future__ import annotations

import dataclasses
import threading

import apache_beam as beam
from kafka import KafkaProducer
from kafka.producer.future import FutureRecordMetadata

from pipeline.config import Settings
from pipeline.io.codec import Codec
from pipeline.records import OutputRecord

DEAD_LETTER_MARGIN = 16_384  # headers and the rest of the record, besides the value

_producers: dict[Settings, KafkaProducer] = {}
_producers_lock = threading.Lock()


def request_limit(settings: Settings) -> int:
    """The largest record the sink's producer sends."""
    return max(settings.max_message_bytes * 4, 1_048_576)


def make_producer(settings: Settings) -> KafkaProducer:
    return KafkaProducer(
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        compression_type=None,
        max_request_size=request_limit(settings),
        client_id="newswire-sink",
        **settings.kafka_client_config(),
    )


def fit_dead_letter(record: OutputRecord, limit: int, codec: Codec) -> OutputRecord:
    """``record`` itself, or for a DeadLetter that would not fit a ``limit``-byte request
    (with its headers) one whose copied value is truncated so that it does."""
    value = record.value.get("value")
    room = limit - DEAD_LETTER_MARGIN
    if record.schema != "DeadLetter" or len(record.payload) <= room or not value:
        return record
    keep = max(0, len(value) - (len(record.payload) - room))
    note = f" [value truncated to its first {keep} of {len(value)} bytes to fit the DLQ]"
    shrunk = {
        **record.value,
        "value": value[:keep],
        "error_message": record.value["error_message"] + note,
    }
    payload = codec.encode("DeadLetter", shrunk, record.topic)
    return dataclasses.replace(record, value=shrunk, payload=payload)


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
        self._codec = Codec(self.settings.schema_registry_url)

    def process(self, record: OutputRecord) -> None:
        record = fit_dead_letter(record, request_limit(self.settings), self._codec)
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
