"""The one Avro codec every reader and writer uses.

Schemas are the ``schemas/newswire.v1.<Name>.avsc`` files (named types referenced across
files are resolved by fastavro). Values are framed as Avro single-object encoding
(``C3 01`` + 8-byte little-endian CRC-64-AVRO fingerprint + body) by default, or in the
Confluent wire format (``00`` + 4-byte big-endian schema id + body) when a schema
registry is configured. :meth:`Codec.decode` reads both framings.
"""

from __future__ import annotations

import io
import json
import os
import urllib.error
import urllib.request
from functools import cache
from pathlib import Path
from typing import Any

import fastavro
from fastavro.schema import fingerprint, load_schema, to_parsing_canonical_form

from pipeline import SCHEMA_VERSION

SINGLE_OBJECT_MAGIC = b"\xc3\x01"
CONFLUENT_MAGIC = b"\x00"
RECORD_NAMES = ("RawArticle", "EnrichedArticle", "Event", "DeadLetter")


class CodecError(ValueError):
    """Bytes that are not a value this codec wrote, or a schema that cannot be found."""


def schema_dir() -> Path:
    """``NEWSWIRE_SCHEMA_DIR`` if set, else ``pipeline/schemas``: in the repository a link
    to the top-level ``schemas/``, in an installed wheel a copy of it (package data)."""
    env = os.environ.get("NEWSWIRE_SCHEMA_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[1] / "schemas"


def full_name(name: str) -> str:
    return name if "." in name else f"{SCHEMA_VERSION}.{name}"


@cache
def parsed_schema(name: str) -> dict[str, Any]:
    """The parsed (fastavro) schema of a record, named types from sibling files resolved."""
    path = schema_dir() / f"{full_name(name)}.avsc"
    if not path.exists():
        raise CodecError(f"no schema file {path}")
    schema = load_schema(str(path))
    assert isinstance(schema, dict)
    return schema


def _schema_json(name: str) -> dict[str, Any]:
    path = schema_dir() / f"{full_name(name)}.avsc"
    if not path.exists():
        raise CodecError(f"no schema file {path}")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _inline(node: Any, defined: set[str]) -> Any:
    """Replace the first reference to each project type by its definition (Avro allows one)."""
    if isinstance(node, str):
        if node.startswith(f"{SCHEMA_VERSION}.") and node not in defined:
            return _inline(_schema_json(node), defined)
        return node
    if isinstance(node, list):
        return [_inline(branch, defined) for branch in node]
    if not isinstance(node, dict):
        return node
    out = dict(node)
    if node.get("type") in ("record", "enum", "fixed"):
        namespace = node.get("namespace", SCHEMA_VERSION)
        defined.add(node["name"] if "." in node["name"] else f"{namespace}.{node['name']}")
    if "fields" in node:
        out["fields"] = [{**f, "type": _inline(f["type"], defined)} for f in node["fields"]]
    for key in ("items", "values"):
        if key in node:
            out[key] = _inline(node[key], defined)
    if isinstance(node.get("type"), (dict, list)) or (
        isinstance(node.get("type"), str) and node["type"].startswith(f"{SCHEMA_VERSION}.")
    ):
        out["type"] = _inline(node["type"], defined)
    return out


@cache
def standalone_schema(name: str) -> dict[str, Any]:
    """One self-contained schema (each named type defined once, at its first use).

    This is what registries and Avro container files get; it parses to the same
    canonical form as :func:`parsed_schema`.
    """
    result = _inline(_schema_json(name), set())
    assert isinstance(result, dict)
    return result


@cache
def schema_fingerprint(name: str) -> bytes:
    """8-byte CRC-64-AVRO fingerprint of the schema's Parsing Canonical Form."""
    canonical = to_parsing_canonical_form(parsed_schema(name))
    return bytes.fromhex(fingerprint(canonical, "CRC-64-AVRO"))


@cache
def _fingerprint_index() -> dict[bytes, tuple[str, dict[str, Any]]]:
    """Fingerprint -> (record name, writer schema), for the current schemas and every
    earlier version kept in ``schemas/history/`` (so old values still decode, read
    into the current schema)."""
    index: dict[bytes, tuple[str, dict[str, Any]]] = {}
    history = schema_dir() / "history"
    for name in RECORD_NAMES:
        old = sorted(history.glob(f"*/{full_name(name)}.avsc")) if history.exists() else []
        for path in old:
            parsed = fastavro.parse_schema(json.loads(path.read_text(encoding="utf-8")))
            canonical = to_parsing_canonical_form(parsed)
            index[bytes.fromhex(fingerprint(canonical, "CRC-64-AVRO"))] = (name, parsed)
        index[schema_fingerprint(name)] = (name, parsed_schema(name))
    return index


def encode_body(name: str, record: dict[str, Any]) -> bytes:
    """Schemaless Avro binary of ``record`` (validated by fastavro while writing)."""
    buf = io.BytesIO()
    fastavro.schemaless_writer(buf, parsed_schema(name), record, strict_allow_default=True)
    return buf.getvalue()


def decode_body(name: str, data: bytes, writer: dict[str, Any] | None = None) -> dict[str, Any]:
    """Decode an Avro body written with ``writer`` (default: the current schema) into
    the current schema of ``name``."""
    schema = parsed_schema(name)
    record = fastavro.schemaless_reader(io.BytesIO(data), writer or schema, schema)
    assert isinstance(record, dict)
    return record


class SchemaRegistry:
    """Minimal Confluent Schema Registry client: register and fetch by id, cached."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._ids: dict[tuple[str, str], int] = {}
        self._schemas: dict[int, tuple[str, dict[str, Any]]] = {}

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            self.url + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/vnd.schemaregistry.v1+json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")[:500]
            raise CodecError(f"schema registry {method} {path}: {exc.code} {detail}") from exc
        except urllib.error.URLError as exc:
            raise CodecError(f"schema registry {self.url} unreachable: {exc.reason}") from exc

    def register(self, subject: str, name: str) -> int:
        key = (subject, name)
        if key not in self._ids:
            schema = json.dumps(standalone_schema(name))
            reply = self._call("POST", f"/subjects/{subject}/versions", {"schema": schema})
            self._ids[key] = int(reply["id"])
            self._schemas[self._ids[key]] = (name, parsed_schema(name))
        return self._ids[key]

    def writer_for_id(self, schema_id: int) -> tuple[str, dict[str, Any]]:
        """(record name, parsed writer schema) of a registered id: a value written with an
        earlier version of the schema is read with that version, into the current one."""
        if schema_id not in self._schemas:
            reply = self._call("GET", f"/schemas/ids/{schema_id}")
            schema = json.loads(reply["schema"])
            name = str(schema["name"]).rsplit(".", 1)[-1]
            self._schemas[schema_id] = (name, fastavro.parse_schema(schema))
        return self._schemas[schema_id]


class Codec:
    """Encode and decode framed Avro values of the project's records."""

    def __init__(self, registry_url: str | None = None) -> None:
        self.registry = SchemaRegistry(registry_url) if registry_url else None

    def encode(self, name: str, record: dict[str, Any], topic: str | None = None) -> bytes:
        body = encode_body(name, record)
        if self.registry is not None:
            subject = f"{topic}-value" if topic else full_name(name)
            schema_id = self.registry.register(subject, name)
            return CONFLUENT_MAGIC + schema_id.to_bytes(4, "big") + body
        return SINGLE_OBJECT_MAGIC + schema_fingerprint(name) + body

    def decode(self, data: bytes) -> tuple[str, dict[str, Any]]:
        """(record name, record) of a framed value, whichever framing it uses."""
        if data[:2] == SINGLE_OBJECT_MAGIC and len(data) >= 10:
            found = _fingerprint_index().get(data[2:10])
            if found is None:
                raise CodecError(f"unknown schema fingerprint {data[2:10].hex()}")
            name, writer = found
            return name, decode_body(name, data[10:], writer)
        if data[:1] == CONFLUENT_MAGIC and len(data) >= 5:
            if self.registry is None:
                raise CodecError("Confluent-framed value but no schema registry configured")
            name, writer = self.registry.writer_for_id(int.from_bytes(data[1:5], "big"))
            return name, decode_body(name, data[5:], writer)
        raise CodecError("value is neither Avro single-object nor Confluent framed")
