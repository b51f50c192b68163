"""Typed records that flow between stages, and their mapping to the Avro contract.

A source emits :class:`RawMessage`; ``decode`` turns it into an :class:`Article`; each
later stage returns a new :class:`Article` with its own fields filled in
(``dataclasses.replace``). Every record keeps the original message, so whichever stage
fails can dead-letter the untouched input bytes. ``to_enriched`` and ``to_dead_letter``
build the dicts that ``schemas/`` describe.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pipeline import SCHEMA_VERSION, __version__
from pipeline.nlp.base import Mention, ParsedSentence


@dataclass(frozen=True)
class Provenance:
    """Where an input came from (Avro ``newswire.v1.Provenance``)."""

    kind: str
    topic: str | None = None
    partition: int | None = None
    offset: int | None = None
    timestamp_ms: int | None = None
    file: str | None = None
    line: int | None = None

    def to_avro(self) -> dict[str, Any]:
        ts = None
        if self.timestamp_ms is not None and self.timestamp_ms >= 0:
            ts = datetime.fromtimestamp(self.timestamp_ms / 1000, tz=UTC)
        return {
            "kind": self.kind,
            "topic": self.topic,
            "partition": self.partition,
            "offset": self.offset,
            "timestamp": ts,
            "file": self.file,
            "line": self.line,
        }

    def order_key(self) -> tuple[str, str, int, int, int]:
        """Input order: file then line, or topic then timestamp, partition, offset.

        "Earliest" means smallest by this key (duplicate detection in replay, the order
        of records in replay output files).
        """
        return (
            self.kind,
            self.file or self.topic or "",
            self.timestamp_ms if self.timestamp_ms is not None else -1,
            self.line if self.line is not None else (self.partition or 0),
            self.offset if self.offset is not None else -1,
        )


@dataclass(frozen=True)
class RawMessage:
    """One input exactly as received: key and value bytes untouched."""

    value: bytes
    provenance: Provenance
    key: bytes | None = None
    headers: tuple[tuple[str, bytes], ...] = ()


@dataclass(frozen=True)
class RemovedSpanRecord:
    rule: str
    text: str
    offset: int


@dataclass(frozen=True)
class Article:
    """An article on its way through the stages."""

    message: RawMessage
    id: str
    body: str
    title: str | None = None
    source: str | None = None
    url: str | None = None
    language_hint: str | None = None
    published_at: datetime | None = None
    # Filled by clean.
    removed: tuple[RemovedSpanRecord, ...] = ()
    normalisations: tuple[tuple[str, int], ...] = ()
    rule_sets: tuple[str, ...] = ()
    # Filled by later stages (language, nlp, entities, events).
    language: dict[str, Any] | None = None
    sentences: tuple[ParsedSentence, ...] = ()
    mentions: tuple[Mention, ...] = ()
    entities: tuple[dict[str, Any], ...] = ()
    events: tuple[dict[str, Any], ...] = ()
    # Filled by dedup: the EnrichedArticle ``duplicate`` record, or None.
    duplicate: dict[str, Any] | None = None
    warnings: tuple[str, ...] = ()
    models: tuple[tuple[str, str], ...] = ()
    stage_micros: tuple[tuple[str, int], ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class DeadLetterRecord:
    """An input that failed at ``stage``, with the reason."""

    message: RawMessage
    stage: str
    error_class: str
    error_message: str
    article_id: str | None = None
    traceback: str = ""


@dataclass(frozen=True)
class OutputRecord:
    """A record ready for a sink: topic, key, Avro value (dict and framed bytes), headers."""

    topic: str
    key: bytes | None
    schema: str
    value: dict[str, Any]
    payload: bytes
    headers: tuple[tuple[str, bytes], ...] = ()
    # Where the record sorts in replay output files: the input's order key, then the
    # record's index among its article's records (0: the article, 1..: its events).
    order: tuple[Any, ...] = field(default=(), compare=False)


def content_id(text: str) -> str:
    """Stable id for an input without one: a hash of its raw body."""
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def body_hash(body: str) -> str:
    """``EnrichedArticle.content_hash``: sha256 hex of the clean body."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def to_enriched(article: Article, *, processed_at: datetime | None = None) -> dict[str, Any]:
    """The ``newswire.v1.EnrichedArticle`` dict for an article."""
    processing = None
    duplicate_of = article.duplicate["of_id"] if article.duplicate else None
    if processed_at is not None:
        processing = {"processed_at": processed_at, "stage_micros": dict(article.stage_micros)}
    return {
        "id": article.id,
        "source": article.source,
        "url": article.url,
        "title": article.title,
        "published_at": article.published_at,
        "provenance": article.message.provenance.to_avro(),
        "language": article.language,
        "body": article.body,
        "content_hash": body_hash(article.body),
        "duplicate": article.duplicate,
        "removed_spans": [
            {"rule": s.rule, "text": s.text, "offset": s.offset} for s in article.removed
        ],
        "normalisations": dict(article.normalisations),
        "rule_sets": list(article.rule_sets),
        "sentences": [
            {"index": s.index, "start": s.start, "end": s.end} for s in article.sentences
        ],
        "entities": [dict(e) for e in article.entities],
        "events": [{**e, "duplicate_of": duplicate_of} for e in article.events],
        "warnings": list(article.warnings),
        "versions": {
            "pipeline": __version__,
            "schema": SCHEMA_VERSION,
            "models": dict(article.models),
        },
        "processing": processing,
    }


def to_dead_letter(dead: DeadLetterRecord) -> dict[str, Any]:
    """The ``newswire.v1.DeadLetter`` dict for a failed input."""
    return {
        "key": dead.message.key,
        "value": dead.message.value,
        "article_id": dead.article_id,
        "provenance": dead.message.provenance.to_avro(),
        "stage": dead.stage,
        "error_class": dead.error_class,
        "error_message": dead.error_message,
        "pipeline_version": __version__,
    }


def connect_error_headers(dead: DeadLetterRecord) -> tuple[tuple[str, bytes], ...]:
    """Kafka Connect's ``__connect.errors.*`` headers for a dead letter."""
    prov = dead.message.provenance
    pairs = {
        "__connect.errors.topic": prov.topic or prov.file or "",
        "__connect.errors.partition": "" if prov.partition is None else str(prov.partition),
        "__connect.errors.offset": "" if prov.offset is None else str(prov.offset),
        "__connect.errors.connector.name": "newswire",
        "__connect.errors.task.id": "0",
        "__connect.errors.stage": dead.stage,
        "__connect.errors.class.name": f"pipeline.{dead.stage}",
        "__connect.errors.exception.class.name": dead.error_class,
        "__connect.errors.exception.message": dead.error_message,
        "__connect.errors.exception.stacktrace": dead.traceback,
    }
    return tuple((k, v.encode("utf-8")) for k, v in pairs.items())
