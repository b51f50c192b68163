"""The Avro codec: single-object and Confluent framing, checked byte for byte."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import fastavro
import pytest
from fastavro.schema import load_schema, parse_schema, to_parsing_canonical_form

from pipeline.io.codec import (
    Codec,
    CodecError,
    decode_body,
    parsed_schema,
    schema_dir,
    schema_fingerprint,
    standalone_schema,
)
from pipeline.records import DeadLetterRecord, Provenance, RawMessage, to_dead_letter

DEAD = to_dead_letter(
    DeadLetterRecord(
        message=RawMessage(
            value=b"\xff",
            key=b"k",
            provenance=Provenance(kind="kafka", topic="t", partition=1, offset=2, timestamp_ms=0),
        ),
        stage="decode",
        error_class="InvalidEncoding",
        error_message="bad",
    )
)


def test_single_object_bytes_are_exact() -> None:
    data = Codec().encode("DeadLetter", DEAD)
    assert data[:2] == b"\xc3\x01"
    assert data[2:10] == schema_fingerprint("DeadLetter")
    # The body is plain Avro binary that a consumer with only schemas/ decodes.
    schema = load_schema(str(schema_dir() / "newswire.v1.DeadLetter.avsc"))
    body = fastavro.schemaless_reader(io.BytesIO(data[10:]), schema, schema)
    assert body["value"] == b"\xff" and body["stage"] == "decode"
    assert body["provenance"]["timestamp"] == datetime(1970, 1, 1, tzinfo=UTC)
    # Golden prefix of the body: key (union branch 1, len 1, "k"), value (branch 1, len 1, 0xff).
    assert data[10:16] == b"\x02\x02k\x02\x02\xff"


def test_roundtrip_and_unknown_framing() -> None:
    codec = Codec()
    name, record = codec.decode(codec.encode("DeadLetter", DEAD))
    assert name == "DeadLetter" and record == decode_body(
        "DeadLetter", codec.encode("DeadLetter", DEAD)[10:]
    )
    with pytest.raises(CodecError, match="unknown schema fingerprint"):
        codec.decode(b"\xc3\x01" + b"\x00" * 8 + b"x")
    with pytest.raises(CodecError, match="neither"):
        codec.decode(b"{}")


def test_schema_validation_rejects_wrong_records() -> None:
    with pytest.raises((ValueError, TypeError)):
        Codec().encode("DeadLetter", {**DEAD, "stage": 5})


class _Registry(BaseHTTPRequestHandler):
    """Just enough of the Confluent Schema Registry REST API to test the client."""

    subjects: ClassVar[dict[str, int]] = {}
    schemas: ClassVar[dict[int, str]] = {}

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        subject = self.path.split("/")[2]
        schema_id = self.subjects.setdefault(subject, 100 + len(self.subjects))
        self.schemas[schema_id] = body["schema"]
        self._reply({"id": schema_id})

    def do_GET(self) -> None:
        schema_id = int(self.path.rsplit("/", 1)[1])
        self._reply({"schema": self.schemas[schema_id]})

    def _reply(self, obj: Any) -> None:
        data = json.dumps(obj).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def registry_url() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Registry)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_confluent_wire_format_with_registry(registry_url: str) -> None:
    codec = Codec(registry_url)
    data = codec.encode("DeadLetter", DEAD, topic="news.dlq")
    assert data[0] == 0
    schema_id = int.from_bytes(data[1:5], "big")
    assert schema_id == _Registry.subjects["news.dlq-value"]
    registered = json.loads(_Registry.schemas[schema_id])
    assert registered["name"] == "newswire.v1.DeadLetter" or registered["name"] == "DeadLetter"
    # A fresh client resolves the id through the registry.
    assert Codec(registry_url).decode(data) == ("DeadLetter", decode_body("DeadLetter", data[5:]))
    with pytest.raises(CodecError, match="no schema registry"):
        Codec().decode(data)


@pytest.mark.parametrize("name", ["RawArticle", "EnrichedArticle", "Event", "DeadLetter"])
def test_standalone_schema_is_the_same_schema(name: str) -> None:
    standalone = standalone_schema(name)
    assert "newswire.v1." not in json.dumps(standalone).split('"name"')[0]
    assert to_parsing_canonical_form(parse_schema(standalone)) == to_parsing_canonical_form(
        parsed_schema(name)
    )
