"""Group a document's mentions into entities; the entity stage as the graph sees it.

For now mentions with the same type and the same text are one entity; the id is a
hash of both, so it is the same in every run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from pipeline.nlp.base import Mention
from pipeline.records import Article


def entity_id(kind: str, name: str) -> str:
    return "ent:" + hashlib.sha256(f"{kind}\x00{name}".encode()).hexdigest()[:16]


def group_mentions(mentions: Iterable[Mention]) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str], list[Mention]] = {}
    for mention in sorted(mentions, key=lambda m: (m.start, m.end)):
        groups.setdefault((mention.type, mention.text), []).append(mention)
    return [
        {
            "id": entity_id(kind, name),
            "name": name,
            "type": kind,
            "kb_id": None,
            "country_code": None,
            "extractors": sorted({m.extractor for m in found}),
            "mentions": [
                {
                    "text": m.text,
                    "start": m.start,
                    "end": m.end,
                    "sentence": m.sentence,
                    "type": m.type,
                    "extractor": m.extractor,
                }
                for m in found
            ],
        }
        for (kind, name), found in groups.items()
    ]


def entities_stage(article: Article) -> Article:
    return replace(article, entities=tuple(group_mentions(article.mentions)))
