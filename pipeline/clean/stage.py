"""The clean stage as the graph sees it: Article in, Article with a clean body out."""

from __future__ import annotations

from dataclasses import replace

from pipeline.clean import clean_article, normalise_text
from pipeline.records import Article, RemovedSpanRecord


def clean_stage(article: Article) -> Article:
    title = normalise_text(article.title)[0].strip() or None if article.title else None
    result = clean_article(
        article.body, title=title, language=article.language_hint, source=article.source
    )
    return replace(
        article,
        title=title,
        body=result.body,
        removed=tuple(RemovedSpanRecord(s.rule, s.text, s.offset) for s in result.removed),
        normalisations=tuple(sorted(result.normalisations.items())),
        rule_sets=result.rule_sets,
    )
