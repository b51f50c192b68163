"""The consumer's side of the contract: typed records from output topics or Avro files.

For downstream code in Python that may import this package. (A consumer needs nothing
of it: ``schemas/`` and any Avro library suffice; see docs/consumer-guide.md.)

    from pipeline.consume import read_files, read_topic, RecordFilter

    for kind, record in read_files(["out.avro", "out.events.avro"]):
        ...
    only = RecordFilter(languages={"ar"}, event_types={"ASSAULT"})
    for event in events(read_topic(settings, "news.events"), only):
        print(event["event_type"], [a["name"] for a in event["actors"]])

Records are plain dicts shaped exactly as the schemas say; the TypedDicts below give
them static types (a test keeps them in step with ``schemas/``). Values written with an
earlier schema version are read into the current one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypedDict, cast

import fastavro

from pipeline.config import Settings
from pipeline.io.codec import RECORD_NAMES, parsed_schema
from pipeline.io.files import expand_paths
from pipeline.io.topics import read_topic as _read_topic

Record = tuple[str, dict[str, Any]]
"""(record name: "EnrichedArticle", "Event" or "DeadLetter", record)."""


class Provenance(TypedDict):
    kind: str
    topic: str | None
    partition: int | None
    offset: int | None
    timestamp: datetime | None
    file: str | None
    line: int | None


class EventParticipant(TypedDict):
    text: str
    entity_id: str | None
    name: str | None
    kb_id: str | None
    country_code: str | None
    sector: str | None
    start: int
    end: int


class Event(TypedDict):
    id: str
    article_id: str
    source: str | None
    language: str | None
    published_at: datetime | None
    event_type: str
    mode: str | None
    quad: str | None
    score: float | None
    actors: list[EventParticipant]
    recipients: list[EventParticipant]
    location: EventParticipant | None
    event_date: date | None
    date_text: str | None
    sentence_index: int
    sentence_text: str
    sentence_start: int
    trigger_text: str
    trigger_lemma: str | None
    trigger_start: int
    trigger_end: int
    negated: bool
    future: bool
    hypothetical: bool
    historical: bool
    confidence: float
    extractor: str
    duplicate_of: str | None


class Mention(TypedDict):
    text: str
    start: int
    end: int
    sentence: int
    type: str
    extractor: str


class Entity(TypedDict):
    id: str
    name: str
    type: str
    kb_id: str | None
    country_code: str | None
    extractors: list[str]
    mentions: list[Mention]


class Duplicate(TypedDict):
    kind: str
    of_id: str
    similarity: float


class EnrichedArticle(TypedDict):
    id: str
    source: str | None
    url: str | None
    title: str | None
    published_at: datetime | None
    provenance: Provenance
    language: dict[str, Any] | None
    body: str
    content_hash: str
    duplicate: Duplicate | None
    removed_spans: list[dict[str, Any]]
    normalisations: dict[str, int]
    rule_sets: list[str]
    sentences: list[dict[str, int]]
    entities: list[Entity]
    events: list[Event]
    warnings: list[str]
    versions: dict[str, Any]
    processing: dict[str, Any] | None


class DeadLetter(TypedDict):
    key: bytes | None
    value: bytes | None
    article_id: str | None
    provenance: Provenance
    stage: str
    error_class: str
    error_message: str
    pipeline_version: str


TYPES: dict[str, type] = {
    "EnrichedArticle": EnrichedArticle,
    "Event": Event,
    "DeadLetter": DeadLetter,
}


def read_files(paths: Iterable[str | Path]) -> Iterator[Record]:
    """Records of Avro container files (or folders of them), in file order.

    Each file's embedded writer schema says which record it holds; records are read
    into the current schema of that record.
    """
    for path in expand_paths(paths):
        if not path.name.endswith(".avro"):
            continue
        with path.open("rb") as fh:
            reader = fastavro.reader(fh)
            writer = reader.writer_schema
            name = str(writer.get("name", "") if isinstance(writer, dict) else "")
            short = name.rsplit(".", 1)[-1]
            if short not in RECORD_NAMES or short == "RawArticle":
                raise ValueError(f"{path}: holds {name or 'unknown'} records, not an output")
            fh.seek(0)
            for record in fastavro.reader(fh, reader_schema=parsed_schema(short)):
                yield short, cast(dict[str, Any], record)


def read_topic(
    settings: Settings,
    topic: str,
    *,
    from_beginning: bool = True,
    since: dict[int, int] | None = None,
    limit: int | None = None,
    idle_timeout: float | None = 5.0,
) -> Iterator[Record]:
    """Records of an output topic (every partition, no consumer group: nothing is
    committed). Stops after ``limit`` records or ``idle_timeout`` seconds without one
    (None: follow forever); with ``since`` (offsets per partition), once caught up."""
    yield from _read_topic(settings, topic, from_beginning, limit, idle_timeout, since)


def _ids(participants: Iterable[dict[str, Any] | None]) -> set[str]:
    out: set[str] = set()
    for p in participants:
        if p:
            out.update(v for v in (p.get("entity_id"), p.get("kb_id")) if v)
    return out


@dataclass(frozen=True)
class RecordFilter:
    """Which records to keep; each given criterion must hold (None: any).

    ``languages``: ISO 639-1 codes; ``entities``: entity ids or Wikidata ids (Q159)
    mentioned (articles) or participating (events); ``event_types``: PLOVER types
    (an article matches when one of its events has the type). Dead letters have none of
    these, so any criterion excludes them.
    """

    languages: frozenset[str] | None = None
    entities: frozenset[str] | None = None
    event_types: frozenset[str] | None = None

    @classmethod
    def of(
        cls,
        languages: Iterable[str] | None = None,
        entities: Iterable[str] | None = None,
        event_types: Iterable[str] | None = None,
    ) -> RecordFilter:
        def norm(values: Iterable[str] | None, upper: bool = False) -> frozenset[str] | None:
            if values is None:
                return None
            found = {v.strip().upper() if upper else v.strip() for v in values if v.strip()}
            return frozenset(found) or None

        return cls(norm(languages), norm(entities), norm(event_types, upper=True))

    @property
    def empty(self) -> bool:
        return self.languages is None and self.entities is None and self.event_types is None

    def matches(self, name: str, record: dict[str, Any]) -> bool:
        if self.empty:
            return True
        if name == "EnrichedArticle":
            language = (record.get("language") or {}).get("code")
            entity_ids = {i for e in record["entities"] for i in (e["id"], e["kb_id"]) if i}
            types = {e["event_type"] for e in record["events"]}
        elif name == "Event":
            language = record.get("language")
            entity_ids = _ids([*record["actors"], *record["recipients"], record["location"]])
            types = {record["event_type"]}
        else:
            return False
        return (
            (self.languages is None or language in self.languages)
            and (self.entities is None or bool(self.entities & entity_ids))
            and (self.event_types is None or bool(self.event_types & types))
        )


def select(records: Iterable[Record], where: RecordFilter | None = None) -> Iterator[Record]:
    """The records that ``where`` keeps."""
    for name, record in records:
        if where is None or where.matches(name, record):
            yield name, record


def articles(
    records: Iterable[Record], where: RecordFilter | None = None
) -> Iterator[EnrichedArticle]:
    """Only the EnrichedArticle records (typed)."""
    for name, record in select(records, where):
        if name == "EnrichedArticle":
            yield cast(EnrichedArticle, record)


def events(records: Iterable[Record], where: RecordFilter | None = None) -> Iterator[Event]:
    """Only the Event records (typed)."""
    for name, record in select(records, where):
        if name == "Event":
            yield cast(Event, record)


def dead_letters(records: Iterable[Record]) -> Iterator[DeadLetter]:
    """Only the DeadLetter records (typed)."""
    for name, record in records:
        if name == "DeadLetter":
            yield cast(DeadLetter, record)
