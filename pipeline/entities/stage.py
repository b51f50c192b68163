"""The entity stage as the graph sees it: mentions in, resolved and linked entities out."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from functools import cache

from pipeline.entities.dictionary import DATA_PATH, load_dictionary
from pipeline.entities.resolve import resolve_entities
from pipeline.records import Article


@cache
def dictionary_version() -> str:
    """Content hash of the shipped dictionary: changes whenever its data does."""
    return "sha256:" + hashlib.sha256(DATA_PATH.read_bytes()).hexdigest()[:16]


def entities_stage(article: Article) -> Article:
    language = (article.language or {}).get("code")
    entities = resolve_entities(
        article.body, article.sentences, article.mentions, language, dictionary=load_dictionary()
    )
    return replace(
        article,
        entities=tuple(entities),
        models=(*article.models, ("dictionary", dictionary_version())),
    )
