"""Shared fixtures for the events tests: the real stages on the seed and on English text,
hand-built parses, and the Avro validator every produced event goes through."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import fastavro.schema
import fastavro.validation
import pytest

from pipeline.clean import clean_article
from pipeline.config import Settings
from pipeline.entities.resolve import resolve_entities
from pipeline.events import extract_events
from pipeline.nlp.annotate import annotate
from pipeline.nlp.base import ParsedSentence, Word
from pipeline.nlp.registry import pipeline_for

REPO = Path(__file__).resolve().parents[3]
SEED_PATH = REPO / "pipeline" / "samples" / "000_818c6b7f0175410d.txt"
EVENT_SCHEMA = REPO / "schemas" / "newswire.v1.Event.avsc"
PUBLISHED = datetime(2023, 9, 17, 8, 0, tzinfo=UTC)  # a Sunday


@pytest.fixture(scope="session")
def event_schema() -> Any:
    return fastavro.schema.load_schema(str(EVENT_SCHEMA))


@pytest.fixture(scope="session")
def assert_valid(event_schema: Any) -> Callable[[Sequence[dict[str, Any]]], None]:
    """Validate events against newswire.v1.Event (raises with the failing field)."""

    def check(events: Sequence[dict[str, Any]]) -> None:
        for event in events:
            fastavro.validation.validate(event, event_schema, raise_errors=True)

    return check


class Run:
    """The stages up to events for one text, with its clean body, parse and entities."""

    def __init__(
        self, language: str, body: str, published: datetime | None, article_id: str
    ) -> None:
        loaded = pipeline_for(Settings(), language)
        assert loaded is not None, f"no Stanza models for {language}"
        nlp, _ = loaded
        self.language = language
        self.body = body
        self.sentences, mentions = annotate(nlp, [body])[0]
        self.entities = resolve_entities(body, self.sentences, mentions, language)
        self.published = published
        self.article_id = article_id
        self.events = self.extract()
        schema = fastavro.schema.load_schema(str(EVENT_SCHEMA))
        for event in self.events:  # every event the real stages produce is a valid record
            fastavro.validation.validate(event, schema, raise_errors=True)

    def extract(self, **overrides: Any) -> list[dict[str, Any]]:
        args: dict[str, Any] = {
            "article_id": self.article_id,
            "body": self.body,
            "sentences": self.sentences,
            "entities": self.entities,
            "language": self.language,
            "published_at": self.published,
            "source": "test",
        }
        args.update(overrides)
        return extract_events(**args)

    def in_sentence_with(self, text: str) -> list[dict[str, Any]]:
        """Events of the sentence containing ``text``."""
        start = self.body.index(text)
        index = next(s.index for s in self.sentences if s.start <= start < s.end)
        return [e for e in self.events if e["sentence_index"] == index]


@pytest.fixture(scope="session")
def seed() -> Run:
    """The seed article through clean -> tiny Stanza -> entities -> events, once."""
    title, _, body = SEED_PATH.read_text(encoding="utf-8").partition("\n\n")
    clean = clean_article(body, title=title.strip()).body
    return Run("ar", clean, PUBLISHED, "818c6b7f0175410d")


@pytest.fixture(scope="session")
def english() -> Callable[..., Run]:
    """Run English text through the real stages (memoised per text)."""
    runs: dict[tuple[str, datetime | None], Run] = {}

    def run(text: str, published: datetime | None = PUBLISHED) -> Run:
        key = (text, published)
        if key not in runs:
            body = clean_article(text, language="en").body
            runs[key] = Run("en", body, published, f"en-{len(runs)}")
        return runs[key]

    return run


@pytest.fixture(scope="session")
def arabic() -> Callable[..., Run]:
    runs: dict[tuple[str, datetime | None], Run] = {}

    def run(text: str, published: datetime | None = PUBLISHED) -> Run:
        key = (text, published)
        if key not in runs:
            body = clean_article(text, language="ar").body
            runs[key] = Run("ar", body, published, f"ar-{len(runs)}")
        return runs[key]

    return run


# -- hand-built parses ------------------------------------------------------------------

Spec = tuple[str, str, str, int, str]  # text, lemma, upos, head, deprel


def build(specs: Sequence[Spec], index: int = 0, offset: int = 0) -> tuple[str, ParsedSentence]:
    """A sentence from (text, lemma, upos, head, deprel) rows, words joined by spaces."""
    words = []
    position = offset
    for i, (text, lemma, upos, head, deprel) in enumerate(specs, 1):
        words.append(Word(i, text, lemma, upos, head, deprel, position, position + len(text)))
        position += len(text) + 1
    text = " ".join(s[0] for s in specs)
    return text, ParsedSentence(index, offset, offset + len(text), tuple(words))


def entity(
    body: str,
    surface: str,
    name: str,
    kind: str,
    country: str | None = None,
    *,
    kb_id: str | None = None,
    occurrence: int = 0,
    mention_type: str | None = None,
    entity_id: str | None = None,
) -> dict[str, Any]:
    """An entity dict (the resolver's shape) with one mention of ``surface``."""
    start = -1
    for _ in range(occurrence + 1):
        start = body.index(surface, start + 1)
    return {
        "id": entity_id or (f"wd:{kb_id}" if kb_id else f"ent:{name}"),
        "name": name,
        "type": kind,
        "kb_id": kb_id,
        "country_code": country,
        "extractors": ["stanza"],
        "mentions": [
            {
                "text": surface,
                "start": start,
                "end": start + len(surface),
                "sentence": 0,
                "type": mention_type or kind,
                "extractor": "stanza",
            }
        ],
    }


def texts(participants: Sequence[dict[str, Any]]) -> list[str]:
    return [p["text"] for p in participants]


def names(participants: Sequence[dict[str, Any]]) -> set[str | None]:
    return {p["name"] for p in participants}


@pytest.fixture(scope="session")
def kit() -> SimpleNamespace:
    """The helpers above, for test modules (conftest is not importable under importlib)."""
    return SimpleNamespace(
        build=build, entity=entity, texts=texts, names=names, published=PUBLISHED
    )
