"""Beam's cross-language (Java) KafkaIO as the live graph's source and sink (Flink, Dataflow).

Selected by ``kafka_io = "xlang"``. :class:`ReadFromKafkaXlang` wraps
``apache_beam.io.kafka.ReadFromKafka`` (with metadata) and turns each Java Kafka record
row into the project's :class:`~pipeline.records.RawMessage`, provenance included, so
the rest of the graph is the same as with the kafka-python source.
:class:`WriteToKafkaXlang` turns each :class:`~pipeline.records.OutputRecord` into the
row Beam's ``WriteToKafka(with_headers=True)`` takes (key, value, headers, topic), so
dead letters keep their ``__connect.errors.*`` headers.

Both are external transforms: they are expanded by a Java expansion service when the
graph is built. ``expansion_service`` (host:port; the Flink job server serves one on
8097) names a running one; otherwise Beam starts its default IO expansion-service jar,
which ``BEAM_SERVICE_OVERRIDES`` / ``--beam_services`` can point at a pre-staged file
(the mapping is applied here around the expansion, so it works whether or not the
pipeline is used as a context manager).

Java's Kafka clients are configured from the same settings as kafka-python's
(:func:`consumer_config`, :func:`producer_config`). Offsets are committed by KafkaIO
when the runner finalizes a bundle (``commit_offset_in_finalize``), i.e. after a
checkpoint on Flink: at-least-once, as with the Python source.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, NamedTuple

import apache_beam as beam
from apache_beam.io import kafka as beam_kafka
from apache_beam.options.pipeline_options import CrossLanguageOptions
from apache_beam.utils.subprocess_server import JavaJarServer

from pipeline.config import Settings
from pipeline.records import OutputRecord, Provenance, RawMessage

SCRAM_LOGIN = "org.apache.kafka.common.security.scram.ScramLoginModule"
PLAIN_LOGIN = "org.apache.kafka.common.security.plain.PlainLoginModule"


class KafkaHeader(NamedTuple):
    """One Kafka record header, as Beam's Java KafkaIO schema has it."""

    key: str
    value: bytes


class KafkaWriteRow(NamedTuple):
    """What ``WriteToKafka(with_headers=True)`` writes: one Kafka record."""

    key: bytes
    value: bytes
    headers: list[KafkaHeader]
    topic: str


beam.coders.registry.register_coder(KafkaHeader, beam.coders.RowCoder)
beam.coders.registry.register_coder(KafkaWriteRow, beam.coders.RowCoder)


def _jaas(settings: Settings) -> str | None:
    if not settings.sasl_mechanism or settings.sasl_username is None:
        return None
    module = PLAIN_LOGIN if settings.sasl_mechanism.upper() == "PLAIN" else SCRAM_LOGIN

    def quote(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    password = settings.sasl_password or ""
    return f"{module} required username={quote(settings.sasl_username)} password={quote(password)};"


def security_config(settings: Settings) -> dict[str, str]:
    """Java Kafka client security properties equivalent to the kafka-python settings.

    TLS files are read by the Java clients on the workers, so the paths must exist there
    (PEM: Kafka >= 2.7 reads PEM trust and key stores; for mutual TLS ``ssl_certfile``
    must hold the private key and the certificate chain in one file).
    """
    conf = {"security.protocol": settings.security_protocol}
    if settings.sasl_mechanism:
        conf["sasl.mechanism"] = settings.sasl_mechanism
    jaas = _jaas(settings)
    if jaas:
        conf["sasl.jaas.config"] = jaas
    if settings.ssl_cafile:
        conf["ssl.truststore.type"] = "PEM"
        conf["ssl.truststore.location"] = settings.ssl_cafile
    if settings.ssl_certfile:
        conf["ssl.keystore.type"] = "PEM"
        conf["ssl.keystore.location"] = settings.ssl_certfile
    if settings.ssl_password:
        conf["ssl.key.password"] = settings.ssl_password
    return conf


def consumer_config(settings: Settings) -> dict[str, str]:
    """Java consumer properties for the raw topic (values are strings, as Java wants)."""
    return {
        "bootstrap.servers": settings.bootstrap,
        "group.id": settings.group_id,
        "auto.offset.reset": settings.auto_offset_reset,
        "enable.auto.commit": "false",
        "max.poll.records": str(settings.max_poll_records),
        "max.partition.fetch.bytes": str(max(settings.max_message_bytes * 2, 1_048_576)),
        "client.id": "newswire-source",
        **security_config(settings),
    }


def producer_config(settings: Settings) -> dict[str, str]:
    """Java producer properties: idempotent, acks=all, like the kafka-python sink."""
    return {
        "bootstrap.servers": settings.bootstrap,
        "acks": "all",
        "enable.idempotence": "true",
        "linger.ms": "5",
        "max.request.size": str(max(settings.max_message_bytes * 4, 1_048_576)),
        "client.id": "newswire-sink",
        **security_config(settings),
    }


def expansion_service(settings: Settings) -> Any:
    """The address of a running expansion service, else Beam's default IO jar service."""
    return settings.expansion_service or beam_kafka.default_io_expansion_service()


@contextlib.contextmanager
def _beam_services(pipeline: beam.Pipeline) -> Iterator[None]:
    """Apply ``--beam_services`` / BEAM_SERVICE_OVERRIDES while the transform expands."""
    services = pipeline.options.view_as(CrossLanguageOptions).beam_services or {}
    with JavaJarServer.beam_services(services):
        yield


def row_to_raw_message(row: Any) -> RawMessage:
    """A Java KafkaIO record row (key, value, topic, partition, offset, timestamp,
    headers) as the RawMessage the kafka-python source would have emitted."""
    headers = getattr(row, "headers", None) or ()
    key = row.key
    timestamp = getattr(row, "timestamp", None)
    return RawMessage(
        value=bytes(row.value) if row.value is not None else b"",
        key=None if key is None else bytes(key),
        headers=tuple(
            (str(h.key), bytes(h.value) if h.value is not None else b"") for h in headers
        ),
        provenance=Provenance(
            kind="kafka",
            topic=row.topic,
            partition=int(row.partition),
            offset=int(row.offset),
            timestamp_ms=None if timestamp is None else int(timestamp),
        ),
    )


def output_record_to_row(record: OutputRecord) -> KafkaWriteRow:
    """An OutputRecord as the row WriteToKafka(with_headers=True) takes.

    KafkaIO's row schema requires a key, so a record without one (a dead letter whose
    input had no key) is written with an empty key.
    """
    return KafkaWriteRow(
        key=record.key if record.key is not None else b"",
        value=record.payload,
        headers=[KafkaHeader(k, v) for k, v in record.headers],
        topic=record.topic,
    )


class ReadFromKafkaXlang(beam.PTransform):
    """Raw topic -> RawMessage, through Beam's Java KafkaIO."""

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.settings = settings

    def expand(self, pbegin: beam.pvalue.PBegin) -> beam.PCollection:
        with _beam_services(pbegin.pipeline):
            rows = pbegin | "KafkaIO" >> beam_kafka.ReadFromKafka(
                consumer_config=consumer_config(self.settings),
                topics=[self.settings.raw_topic],
                with_metadata=True,
                commit_offset_in_finalize=True,
                timestamp_policy=beam_kafka.ReadFromKafka.create_time_policy,
                consumer_polling_timeout=max(1, self.settings.poll_timeout_ms // 1000),
                expansion_service=expansion_service(self.settings),
            )
        return rows | "ToRawMessage" >> beam.Map(row_to_raw_message).with_output_types(RawMessage)


class WriteToKafkaXlang(beam.PTransform):
    """OutputRecords -> their topics (per-record topic and headers), through Java KafkaIO.

    The ``topic`` argument of Beam's transform is only the default: each row names its
    own topic.
    """

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.settings = settings

    def expand(self, records: beam.PCollection) -> beam.pvalue.PDone:
        rows = records | "ToRow" >> beam.Map(output_record_to_row).with_output_types(KafkaWriteRow)
        with _beam_services(records.pipeline):
            return rows | "KafkaIO" >> beam_kafka.WriteToKafka(
                producer_config=producer_config(self.settings),
                topic=self.settings.enriched_topic,
                with_headers=True,
                expansion_service=expansion_service(self.settings),
            )
