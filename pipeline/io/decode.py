"""Decode stage: raw message bytes -> :class:`~pipeline.records.Article`, or a clear error.

Kafka values are UTF-8 JSON objects (SPEC section 1); only ``body`` is required. Plain
text articles (``content-type: text/plain`` header, as file sources set) are parsed with
:func:`parse_text_article`. A declared charset (``content-type: ...; charset=X``) is
honoured; otherwise the bytes must be valid UTF-8.
"""

from __future__ import annotations

import codecs
import json
from datetime import UTC, datetime
from typing import Any

from pipeline.errors import (
    EmptyBody,
    InvalidEncoding,
    InvalidField,
    InvalidJSON,
    OversizeMessage,
)
from pipeline.records import Article, RawMessage, content_id

TEXT_FIELDS = ("id", "source", "url", "language", "title", "published_at")
MAX_TITLE_CHARS = 300


def header(message: RawMessage, name: str) -> str | None:
    for key, value in message.headers:
        if key.lower() == name:
            return value.decode("utf-8", "replace")
    return None


def _content_type(message: RawMessage) -> tuple[str, str]:
    """(media type, charset) from the content-type header; JSON in UTF-8 by default."""
    raw = header(message, "content-type") or "application/json"
    parts = [p.strip() for p in raw.split(";")]
    charset = "utf-8"
    for part in parts[1:]:
        if part.lower().startswith("charset="):
            charset = part.split("=", 1)[1].strip().strip('"') or "utf-8"
    return parts[0].lower(), charset


def decode_text(value: bytes, charset: str) -> str:
    try:
        codec = codecs.lookup(charset)
    except LookupError as exc:
        raise InvalidEncoding(f"unknown charset {charset!r} declared") from exc
    try:
        text = value.decode(codec.name)
    except UnicodeDecodeError as exc:
        raise InvalidEncoding(
            f"bytes are not valid {codec.name}: {exc.reason} at byte {exc.start}"
        ) from exc
    return text.removeprefix("\ufeff")


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
        out[name] = value.strip() if isinstance(value, str) and value.strip() else None
    return out


def decode_message(message: RawMessage, *, max_bytes: int = 1_048_576) -> Article:
    """Decode one raw message; raises a :class:`~pipeline.errors.DecodeError` subclass."""
    size = len(message.value)
    if size > max_bytes:
        raise OversizeMessage(f"message is {size} bytes; the limit is {max_bytes}")
    media_type, charset = _content_type(message)
    text = decode_text(message.value, charset)
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
    return Article(
        message=message,
        id=fields["id"] or content_id(body),
        body=body,
        title=fields["title"],
        source=fields["source"],
        url=fields["url"],
        language_hint=hint.lower()[:16] if hint else None,
        published_at=parse_timestamp(published) if published else None,
    )
