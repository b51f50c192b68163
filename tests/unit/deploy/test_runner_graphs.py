"""The live graph builds with the Flink and Dataflow option sets the deployment uses.

Each test constructs the pipeline object with the options from ``deploy/*/pipeline.options``
(the DataflowRunner validates them on construction), builds the live graph with
:func:`pipeline.graph.build_live` and translates it to the portable Runner API proto,
the form a job server or Dataflow receives, without running it.

Beam's cross-language KafkaIO is expanded by a Java expansion service while the graph
is built, and there is no Java and no Maven Central here. The ``kafka_io = "xlang"``
graphs are therefore built against a real gRPC expansion service (Beam's Python
``ExpansionServiceServicer``) in which stand-ins are registered under the Java KafkaIO
URNs. That checks, offline, everything on the Python side: the expansion request made by
our adapter (its schema-encoded configuration, decoded here as Java would), the
BEAM_SERVICE_OVERRIDES / ``expansion_service`` routing, the conversions around the
external transforms, and that the whole graph translates. What it cannot check is Java's
own expansion of those URNs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path
from typing import Any, NamedTuple

import apache_beam as beam
import grpc
import pytest
from apache_beam.coders import RowCoder
from apache_beam.io import kafka as beam_kafka
from apache_beam.options.pipeline_options import PipelineOptions, PortableOptions, WorkerOptions
from apache_beam.portability import common_urns
from apache_beam.portability.api import (
    beam_expansion_api_pb2_grpc,
    beam_runner_api_pb2,
    external_transforms_pb2,
)
from apache_beam.runners.portability.expansion_service import ExpansionServiceServicer
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.transforms import environments, ptransform

from pipeline.config import Settings, load_settings
from pipeline.errors import ConfigError
from pipeline.graph import build_live
from pipeline.io import xlang
from pipeline.records import OutputRecord, Provenance, RawMessage
from pipeline.runner import make_pipeline

REPO = Path(__file__).resolve().parents[3]
DATAFLOW_ENV = {
    "GCP_PROJECT": "newswire-test-project",
    "GCP_REGION": "europe-west1",
    "GCS_BUCKET": "newswire-test-bucket",
    "IMAGE": "europe-west1-docker.pkg.dev/newswire-test-project/newswire/newswire-dataflow:0.2.0",
}
OUTPUT_LABELS = 7  # enriched + one dead-letter branch per stage (EnrichArticles)


def _options(path: str, env: dict[str, str] | None = None) -> list[str]:
    out = []
    for line in (REPO / path).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            for key, value in (env or {}).items():
                line = line.replace("${" + key + "}", value)
            assert "${" not in line, f"unexpanded variable in {line}"
            out.append(line)
    return out


def flink_pipeline() -> beam.Pipeline:
    # `newswire run --runner PortableRunner -- <options>`, as docker-compose submits it.
    return make_pipeline("PortableRunner", _options("deploy/flink/pipeline.options"))


def dataflow_pipeline() -> beam.Pipeline:
    options = _options("deploy/dataflow/pipeline.options", DATAFLOW_ENV)
    runner = next(o for o in options if o.startswith("--runner=")).split("=", 1)[1]
    return make_pipeline(runner, options)


# ---- a stand-in for Java's expansion of the KafkaIO URNs ----------------------------


class JavaKafkaRecord(NamedTuple):
    """The fields Java's KafkaIO read-with-metadata rows carry (the subset we read)."""

    key: bytes | None
    value: bytes
    topic: str
    partition: int
    offset: int
    timestamp: int
    headers: list[xlang.KafkaHeader]


beam.coders.registry.register_coder(JavaKafkaRecord, RowCoder)
EXPANSION_REQUESTS: list[tuple[str, Any]] = []
STAND_IN_RECORDS: list[JavaKafkaRecord] = []


def _decode(payload: bytes) -> Any:
    """What Java does first: decode the schema-encoded configuration row."""
    config = external_transforms_pb2.ExternalConfigurationPayload.FromString(payload)
    return RowCoder(config.schema).decode(config.payload)


class StandInRead(beam.PTransform):
    def expand(self, pbegin: beam.pvalue.PBegin) -> beam.PCollection:
        records = list(STAND_IN_RECORDS)
        return (
            pbegin
            | "Impulse" >> beam.Impulse()
            | "Records" >> beam.FlatMap(lambda _: records).with_output_types(JavaKafkaRecord)
        )


class StandInWrite(beam.PTransform):
    def expand(self, rows: beam.PCollection) -> beam.PCollection:
        return rows | "Discard" >> beam.Filter(lambda _: False)


@ptransform.PTransform.register_urn(beam_kafka.ReadFromKafka.URN_WITH_METADATA, None)
def _stand_in_read(_proto: Any, payload: bytes, _context: Any) -> StandInRead:
    EXPANSION_REQUESTS.append(("read", _decode(payload)))
    return StandInRead()


@ptransform.PTransform.register_urn(beam_kafka.WriteToKafka.URN_WITH_HEADERS, None)
def _stand_in_write(_proto: Any, payload: bytes, _context: Any) -> StandInWrite:
    EXPANSION_REQUESTS.append(("write", _decode(payload)))
    return StandInWrite()


@pytest.fixture(scope="module")
def expansion_address() -> Iterator[str]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    port = server.add_insecure_port("localhost:0")
    beam_expansion_api_pb2_grpc.add_ExpansionServiceServicer_to_server(
        ExpansionServiceServicer(), server
    )
    server.start()
    try:
        yield f"localhost:{port}"
    finally:
        server.stop(0)


@pytest.fixture(autouse=True)
def _fresh_requests() -> None:
    EXPANSION_REQUESTS.clear()
    STAND_IN_RECORDS.clear()


# ---- checks on the built graph -----------------------------------------------------


def _labels(proto: Any) -> set[str]:
    return {t.unique_name for t in proto.components.transforms.values()}


def _default_environment(p: beam.Pipeline) -> environments.Environment:
    """The worker environment the runner would put in the proto it submits."""
    if type(p.runner).__name__ == "DataflowRunner":
        # What DataflowRunner.run_pipeline does when sdk_container_image is set (its
        # apiclient helper needs the GCP client libraries, which are not installed here).
        image = p.options.view_as(WorkerOptions).sdk_container_image
        return environments.DockerEnvironment.from_container_image(image)
    return environments.Environment.from_options(p.options.view_as(PortableOptions))


def _assert_live_graph(p: beam.Pipeline) -> Any:
    proto = p.to_runner_api(default_environment=_default_environment(p))
    labels = _labels(proto)
    assert "ReadRaw" in labels and "Enrich" in labels
    writes = {name for name in labels if name.startswith("Write_") and "/" not in name}
    assert len(writes) == OUTPUT_LABELS, writes
    urns = {t.spec.urn for t in proto.components.transforms.values()}
    # Fused from source to sink: nothing groups between them.
    assert common_urns.primitives.GROUP_BY_KEY.urn not in urns
    # The proto is what a job server / Dataflow receives: it must read back.
    beam.Pipeline.from_runner_api(proto, p.runner, p._options)
    return proto


def _environment(proto: Any, urn: str) -> Any:
    envs = [e for e in proto.components.environments.values() if e.urn == urn]
    assert envs, (
        f"no {urn} environment in {[e.urn for e in proto.components.environments.values()]}"
    )
    return envs[0]


def test_flink_options_build_the_python_kafka_graph() -> None:
    p = flink_pipeline()
    build_live(p, Settings(bootstrap_servers="kafka:29092"))
    proto = _assert_live_graph(p)
    env = _environment(proto, common_urns.environments.EXTERNAL.urn)
    payload = beam_runner_api_pb2.ExternalPayload.FromString(env.payload)
    assert payload.endpoint.url == "localhost:50000"  # the worker pool sidecar
    assert p.options.view_as(beam.options.pipeline_options.StandardOptions).streaming
    flink = p.options.view_as(beam.options.pipeline_options.FlinkRunnerOptions)
    assert flink.parallelism > 1


def test_dataflow_options_build_the_python_kafka_graph() -> None:
    p = dataflow_pipeline()
    assert type(p.runner).__name__ == "DataflowRunner"
    build_live(p, Settings(bootstrap_servers="broker-1:9092"))
    proto = _assert_live_graph(p)
    env = _environment(proto, common_urns.environments.DOCKER.urn)
    payload = beam_runner_api_pb2.DockerPayload.FromString(env.payload)
    assert payload.container_image == DATAFLOW_ENV["IMAGE"]


def _assert_xlang_requests(settings: Settings) -> None:
    reads = [cfg for kind, cfg in EXPANSION_REQUESTS if kind == "read"]
    writes = [cfg for kind, cfg in EXPANSION_REQUESTS if kind == "write"]
    assert len(reads) == 1 and len(writes) == OUTPUT_LABELS
    (read,) = reads
    assert read.topics == [settings.raw_topic]
    assert read.consumer_config["bootstrap.servers"] == settings.bootstrap
    assert read.consumer_config["group.id"] == settings.group_id
    assert read.consumer_config["enable.auto.commit"] == "false"
    assert read.commit_offset_in_finalize is True
    for write in writes:
        assert write.producer_config["acks"] == "all"
        assert write.producer_config["enable.idempotence"] == "true"
        assert write.producer_config["bootstrap.servers"] == settings.bootstrap


def test_flink_options_build_the_xlang_kafka_graph(expansion_address: str) -> None:
    settings = Settings(
        bootstrap_servers="kafka:29092", kafka_io="xlang", expansion_service=expansion_address
    )
    p = flink_pipeline()
    build_live(p, settings)
    proto = _assert_live_graph(p)
    labels = _labels(proto)
    assert "ReadRaw/ToRawMessage" in labels
    assert any(name.endswith("/Records") for name in labels)  # the expanded read
    assert sum(1 for name in labels if name.endswith("/ToRow")) == OUTPUT_LABELS
    _assert_xlang_requests(settings)


def test_dataflow_options_build_the_xlang_graph_via_beam_service_overrides(
    expansion_address: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No ``expansion_service`` setting: Beam's default IO expansion service, redirected by
    BEAM_SERVICE_OVERRIDES (here to the running stand-in; in production a jar path)."""
    monkeypatch.setenv(
        "BEAM_SERVICE_OVERRIDES",
        json.dumps({"sdks:java:io:expansion-service:shadowJar": expansion_address}),
    )
    settings = Settings(bootstrap_servers="broker-1:9092", kafka_io="xlang")
    p = dataflow_pipeline()
    build_live(p, settings)
    _assert_live_graph(p)
    _assert_xlang_requests(settings)


def test_xlang_read_turns_java_rows_into_raw_messages(expansion_address: str) -> None:
    """Run the read side: stand-in Java rows through the real adapter on the FnApiRunner."""
    STAND_IN_RECORDS.extend(
        [
            JavaKafkaRecord(b"a1", b'{"body": "x"}', "news.raw", 2, 41, 1_700_000_000_000, []),
            JavaKafkaRecord(
                None, b"\xff", "news.raw", 0, 7, 1_700_000_000_500, [xlang.KafkaHeader("h", b"v")]
            ),
        ]
    )
    expected = [
        RawMessage(
            value=b'{"body": "x"}',
            key=b"a1",
            provenance=Provenance(
                kind="kafka",
                topic="news.raw",
                partition=2,
                offset=41,
                timestamp_ms=1_700_000_000_000,
            ),
        ),
        RawMessage(
            value=b"\xff",
            key=None,
            headers=(("h", b"v"),),
            provenance=Provenance(
                kind="kafka",
                topic="news.raw",
                partition=0,
                offset=7,
                timestamp_ms=1_700_000_000_500,
            ),
        ),
    ]
    settings = Settings(
        bootstrap_servers="kafka:29092", kafka_io="xlang", expansion_service=expansion_address
    )
    with make_pipeline() as p:
        messages = p | xlang.ReadFromKafkaXlang(settings)
        assert_that(messages, equal_to(expected))


def test_output_records_become_kafka_rows_that_survive_the_row_coder() -> None:
    record = OutputRecord(
        topic="news.dlq",
        key=None,
        schema="DeadLetter",
        value={},
        payload=b"\xc3\x01payload",
        headers=(("__connect.errors.stage", b"decode"),),
    )
    row = xlang.output_record_to_row(record)
    assert row.key == b"" and row.value == record.payload and row.topic == "news.dlq"
    coder = beam.coders.registry.get_coder(xlang.KafkaWriteRow)
    assert isinstance(coder, RowCoder)
    decoded = coder.decode(coder.encode(row))
    assert (decoded.key, decoded.value, decoded.topic) == (row.key, row.value, row.topic)
    assert [(h.key, h.value) for h in decoded.headers] == list(record.headers)


def test_java_client_config_carries_security_settings() -> None:
    settings = Settings(
        bootstrap_servers="b1:9093,b2:9093",
        security_protocol="SASL_SSL",
        sasl_mechanism="SCRAM-SHA-512",
        sasl_username="svc",
        sasl_password='pa"ss',
        ssl_cafile="/etc/newswire/tls/ca.crt",
    )
    conf = xlang.consumer_config(settings)
    assert conf["bootstrap.servers"] == "b1:9093,b2:9093"
    assert conf["security.protocol"] == "SASL_SSL"
    assert conf["sasl.mechanism"] == "SCRAM-SHA-512"
    assert conf["sasl.jaas.config"] == (
        f'{xlang.SCRAM_LOGIN} required username="svc" password="pa\\"ss";'
    )
    assert conf["ssl.truststore.location"] == "/etc/newswire/tls/ca.crt"
    assert conf["ssl.truststore.type"] == "PEM"
    assert all(isinstance(v, str) for v in xlang.producer_config(settings).values())
    plain = xlang.security_config(Settings(bootstrap_servers="k:9092"))
    assert plain == {"security.protocol": "PLAINTEXT"}


def test_kafka_io_setting_is_validated() -> None:
    assert load_settings({}, env={"NEWSWIRE_KAFKA_IO": "xlang"}).kafka_io == "xlang"
    with pytest.raises(ConfigError, match="kafka_io"):
        load_settings({}, env={"NEWSWIRE_KAFKA_IO": "java"})


def _unknown_to_python(options: list[str]) -> set[str]:
    known = set(PipelineOptions([]).get_all_options())
    names = {o.lstrip("-").split("=", 1)[0] for o in options}
    return {n for n in names if n not in known}


def test_option_files_have_no_misspelt_python_options() -> None:
    """Beam ignores unknown options with a warning, so a typo would go unnoticed."""
    assert not _unknown_to_python(_options("deploy/dataflow/pipeline.options", DATAFLOW_ENV))
    # Flink's own options are described by the job server at submission time; these are
    # the only ones the Flink file may use that Python does not know.
    java_flink_options = {"checkpointing_interval", "min_pause_between_checkpoints"}
    assert _unknown_to_python(_options("deploy/flink/pipeline.options")) <= java_flink_options
