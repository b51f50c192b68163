"""The events stage as the graph sees it: a resolved article in, its PLOVER events added.

Relative dates ("on Saturday") resolve against the article's publication time, or, when
the agency gave none, the Kafka record's timestamp.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from pipeline.events.extract import extract_events
from pipeline.records import Article


def reference_time(article: Article) -> datetime | None:
    if article.published_at is not None:
        return article.published_at
    ts = article.message.provenance.timestamp_ms
    return datetime.fromtimestamp(ts / 1000, tz=UTC) if ts is not None and ts >= 0 else None


def events_stage(article: Article) -> Article:
    events = extract_events(
        article_id=article.id,
        body=article.body,
        sentences=article.sentences,
        entities=article.entities,
        language=(article.language or {}).get("code"),
        published_at=reference_time(article),
        source=article.source,
    )
    return replace(article, events=tuple(events))
