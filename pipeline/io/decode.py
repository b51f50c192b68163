"""Decode stage: raw message bytes -> :class:`~pipeline.records.Article`, or a clear error.

Kafka values are UTF-8 JSON objects (SPEC section 1); only ``body`` is required. Plain
text articles (``content-type: text/plain`` header, as file sources set) are parsed with
:func:`parse_text_article`.

Encodings: a declared charset (``content-type: ...; charset=X`` header) is honoured;
otherwise the bytes must be valid UTF-8 (a BOM is dropped), except that a JSON envelope
in a legacy encoding may name it in a top-level ``"charset"`` field (its keys are ASCII,
so the field can be read before the text is). Anything else is an
:class:`~pipeline.errors.InvalidEncoding` that says how to declare the charset. Text that
was valid but garbled on the way (mojibake: UTF-8 read as windows-1252 or latin-1, e.g.
``"Ã©"`` for ``"é"``) is repaired with ftfy's conservative ``fix_encoding`` and the
article says so in ``warnings``. The size limit is checked before anything is decoded.
See ``docs/bad-input.md`` for every kind of bad input and what happens to it.
"""

from __future__ import annotations

import codecs
import json
import re
from datetime import UTC, datetime
from typing import Any

import ftfy

from pipeline.errors import (
    EmptyBody,
    InvalidEncoding,
    InvalidField,
    InvalidJSON,
    OversizeMessage,
)
from pipeline.records import Article, RawMessage, content_id

TEXT_FIELDS = ("id", "source", "url", "language", "title", "published_at")
# Fields written to Avro/Kafka as they are: an unpaired surrogate (a JSON "\\ud800"
# escape) cannot be encoded as UTF-8, so it is rejected here rather than failing the
# encoder. Title and body are cleaned later, which drops (and counts) surrogates.
STRICT_FIELDS = ("id", "source", "url", "language", "published_at")
MAX_TITLE_CHARS = 300
# Characters mojibake is made of (Latin-1 supplement and windows-1252's extra letters);
# text without any is never shown to ftfy.
_MOJIBAKE_HINT = re.compile(
    "[\u0080-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e"
    "\u0192\u02c6\u02dc\u2013-\u2026\u2030\u2039\u203a\u20ac\u2122]"
)
_SURROGATE = re.compile("[\ud800-\udfff]")
MOJIBAKE_WARNING = (
    "decode: repaired mojibake in {fields} (UTF-8 text that had been read as "
    "windows-1252/latin-1); fix the producer's encoding"
)


def header(message: RawMessage, name: str) -> str | None:
    for key, value in message.headers:
        if key.lower() == name:
            return value.decode("utf-8", "replace")
    return None


def _content_type(message: RawMessage) -> tuple[str, str | None]:
    """(media type, declared charset or None) from the content-type header (default JSON)."""
    raw = header(message, "content-type") or "application/json"
    parts = [p.strip() for p in raw.split(";")]
    charset = None
    for part in parts[1:]:
        if part.lower().startswith("charset="):
            charset = part.split("=", 1)[1].strip().strip('"') or None
    return parts[0].lower(), charset


def decode_text(value: bytes, charset: str, *, declared: bool = True) -> str:
    """``value`` as text in ``charset``; a leading BOM is dropped."""
    try:
        codec = codecs.lookup(charset)
    except (LookupError, ValueError) as exc:  # ValueError: e.g. a NUL in the name
        raise InvalidEncoding(f"unknown charset {charset!r} declared") from exc
    try:
        text = value.decode(codec.name)
    except UnicodeDecodeError as exc:
        hint = (
            ""
            if declared
            else "; no charset was declared: send UTF-8, or declare the encoding in a "
            "'content-type: application/json; charset=...' header or a \"charset\" field"
        )
        raise InvalidEncoding(
            f"bytes are not valid {codec.name}: {exc.reason} at byte {exc.start}{hint}"
        ) from exc
    return text.removeprefix("\ufeff")


def _declared_charset_field(value: bytes) -> str | None:
    """A top-level ``"charset"`` string of a JSON envelope whose text is not UTF-8.

    Read through latin-1, which maps every byte to one character, so ASCII keys and
    the charset name come out right whatever the encoding of the other strings.
    """
    try:
        obj = json.loads(value.decode("latin-1"))
    except (ValueError, RecursionError):
        return None
    charset = obj.get("charset") if isinstance(obj, dict) else None
    return charset.strip() if isinstance(charset, str) and charset.strip() else None


def _decode_value(message: RawMessage, media_type: str, charset: str | None) -> str:
    if charset is not None:
        return decode_text(message.value, charset)
    try:
        return decode_text(message.value, "utf-8", declared=False)
    except InvalidEncoding:
        field_charset = (
            None if media_type == "text/plain" else _declared_charset_field(message.value)
        )
        if field_charset is None or codecs_name(field_charset) == "utf-8":
            raise
        return decode_text(message.value, field_charset)


def codecs_name(charset: str) -> str | None:
    try:
        return codecs.lookup(charset).name
    except (LookupError, ValueError):
        return None


def repair_mojibake(text: str) -> str:
    """Undo UTF-8-read-as-windows-1252/latin-1 garbling; other text comes back unchanged."""
    if text.isascii() or not _MOJIBAKE_HINT.search(text):
        return text
    return ftfy.fix_encoding(text)


def parse_text_article(text: str) -> dict[str, Any]:
    """A plain-text article: the first line is the headline when more text follows it."""
    lines = text.strip().splitlines()
    if len(lines) > 1 and len(lines[0].strip()) <= MAX_TITLE_CHARS:
        rest = "\n".join(lines[1:]).strip()
        if rest:
            return {"title": lines[0].strip(), "body": rest}
    return {"body": text}


def parse_timestamp(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise InvalidField(f"published_at {value!r} is not an ISO 8601 timestamp") from exc
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _fields(obj: dict[str, Any]) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in TEXT_FIELDS:
        value = obj.get(name)
        if value is not None and not isinstance(value, str):
            raise InvalidField(
                f"field {name!r} must be a string or null, got {type(value).__name__}"
            )
        if name in STRICT_FIELDS and isinstance(value, str) and _SURROGATE.search(value):
            raise InvalidField(
                f"field {name!r} contains an unpaired surrogate escape (e.g. \\ud800): "
                "not valid Unicode text"
            )
        out[name] = value.strip() if isinstance(value, str) and value.strip() else None
    return out


def decode_message(message: RawMessage, *, max_bytes: int = 1_048_576) -> Article:
    """Decode one raw message; raises a :class:`~pipeline.errors.DecodeError` subclass."""
    size = len(message.value)
    if size > max_bytes:
        raise OversizeMessage(f"message is {size} bytes; the limit is {max_bytes}")
    media_type, charset = _content_type(message)
    text = _decode_value(message, media_type, charset)
    if media_type == "text/plain":
        obj: Any = parse_text_article(text)
    else:
        if not text.lstrip().startswith("{"):
            raise InvalidJSON("value is not a JSON object (expected '{...}')")
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidJSON(f"invalid JSON: {exc}") from exc
        except RecursionError as exc:
            raise InvalidJSON("invalid JSON: nested too deeply") from exc
        except ValueError as exc:  # e.g. an integer literal longer than 4300 digits
            raise InvalidJSON(f"invalid JSON: {exc}") from exc
        if not isinstance(obj, dict):
            raise InvalidJSON(f"value is a JSON {type(obj).__name__}, not an object")
    body = obj.get("body")
    if body is None:
        raise EmptyBody("field 'body' is missing")
    if not isinstance(body, str):
        raise InvalidField(f"field 'body' must be a string, got {type(body).__name__}")
    if not body.strip():
        raise EmptyBody("field 'body' is empty or whitespace only")
    fields = _fields(obj)
    published = fields["published_at"]
    hint = fields["language"]
    title = fields["title"]
    repaired_body = repair_mojibake(body)
    repaired_title = repair_mojibake(title) if title else title
    repaired = [
        name
        for name, old, new in (("body", body, repaired_body), ("title", title, repaired_title))
        if old != new
    ]
    warnings = (MOJIBAKE_WARNING.format(fields=" and ".join(repaired)),) if repaired else ()
    return Article(
        message=message,
        # The hash needs UTF-8 bytes: unpaired surrogates (dropped by cleaning) are left out.
        id=fields["id"] or content_id(_SURROGATE.sub("", body)),
        body=repaired_body,
        title=repaired_title,
        warnings=warnings,
        source=fields["source"],
        url=fields["url"],
        language_hint=hint.lower()[:16] if hint else None,
        published_at=parse_timestamp(published) if published else None,
    )
