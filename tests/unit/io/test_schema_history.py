"""Schema evolution: every current schema reads every kept earlier version (BACKWARD),
the checker catches a breaking change, the codec decodes values framed with an earlier
schema, and the consumer API's TypedDicts match the schemas field for field."""

from __future__ import annotations

import copy
import io
import typing
from typing import Any

import fastavro

from pipeline.consume import TYPES
from pipeline.io.codec import SINGLE_OBJECT_MAGIC, Codec, parsed_schema, standalone_schema
from pipeline.io.schema_history import historical, incompatibilities, problems, versions


def test_every_schema_is_backward_compatible_with_all_kept_versions() -> None:
    assert versions(), "schemas/history/ keeps at least the first release"
    assert problems() == []


def test_the_checker_rejects_a_breaking_change() -> None:
    current = standalone_schema("Event")
    breaking = copy.deepcopy(current)
    breaking["fields"].append({"name": "required_new", "type": "string"})  # no default
    assert any("required_new" in p for p in incompatibilities(breaking, current))
    retyped = copy.deepcopy(current)
    for field in retyped["fields"]:
        if field["name"] == "sentence_index":
            field["type"] = "string"
    assert incompatibilities(retyped, current)


def _fingerprint(schema: dict[str, Any]) -> bytes:
    from fastavro.schema import fingerprint, to_parsing_canonical_form

    return bytes.fromhex(fingerprint(to_parsing_canonical_form(schema), "CRC-64-AVRO"))


def test_values_written_with_the_first_release_still_decode() -> None:
    version, old_schema = historical("Event")[0]
    parsed = fastavro.parse_schema(old_schema)
    old_event = {
        "id": "ev:1",
        "article_id": "a1",
        "event_type": "CONSULT",
        "sentence_index": 0,
        "sentence_text": "They met.",
        "sentence_start": 0,
        "trigger_text": "met",
        "trigger_start": 5,
        "trigger_end": 8,
    }
    body = io.BytesIO()
    fastavro.schemaless_writer(body, parsed, old_event, strict_allow_default=True)
    value = SINGLE_OBJECT_MAGIC + _fingerprint(parsed) + body.getvalue()
    name, record = Codec().decode(value)
    assert (version, name, record["event_type"]) == ("0.1.0", "Event", "CONSULT")
    assert record["duplicate_of"] is None  # added in 0.2.0: the default fills it


def test_typed_dicts_match_the_schemas() -> None:
    for name, typed in TYPES.items():
        schema_fields = [f["name"] for f in parsed_schema(name)["fields"]]
        assert list(typing.get_type_hints(typed)) == schema_fields, name
