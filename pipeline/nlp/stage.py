"""The language and NLP stages as the graph sees them (Article in, Article out)."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from functools import partial

import stanza

from pipeline.config import Settings
from pipeline.nlp import registry
from pipeline.nlp.annotate import Annotation, annotate
from pipeline.nlp.language import identify
from pipeline.records import Article

log = logging.getLogger(__name__)
_warned: set[str] = set()


def language_stage(article: Article) -> Article:
    text = f"{article.title}\n{article.body}" if article.title else article.body
    guess = identify(text, article.language_hint)
    return replace(article, language=guess.to_avro())


def missing_models_warning(lang: str) -> str:
    return (
        f"nlp skipped: no Stanza models for language '{lang}'; "
        f"install them with `{registry.install_command(lang)}`"
    )


class NlpStage:
    """Stanza over a batch of articles, grouped by language; one result per input.

    A result is the annotated article, or the exception that article raised: when a
    batch fails, its articles are retried one by one so a poison article fails alone.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def __call__(self, articles: Sequence[Article]) -> list[Article | Exception]:
        results: list[Article | Exception] = list(articles)
        by_lang: dict[str, list[int]] = defaultdict(list)
        for i, article in enumerate(articles):
            lang = (article.language or {}).get("code", "und")
            by_lang[lang].append(i)
        for lang, indices in by_lang.items():
            loaded = registry.pipeline_for(self.settings, lang)
            if loaded is None:
                self._warn_once(lang)
                for i in indices:
                    results[i] = replace(
                        articles[i], warnings=(*articles[i].warnings, missing_models_warning(lang))
                    )
                continue
            nlp, found = loaded
            versions = (("stanza", stanza.__version__), (f"stanza.{lang}", found.label))
            batch = [articles[i] for i in indices]
            for i, outcome in zip(indices, self._annotate(nlp, lang, batch), strict=True):
                if isinstance(outcome, Exception):
                    results[i] = outcome
                else:
                    sentences, mentions = outcome
                    results[i] = replace(
                        articles[i],
                        sentences=sentences,
                        mentions=mentions,
                        models=(*articles[i].models, *versions),
                    )
        return results

    def _annotate(
        self, nlp: object, lang: str, batch: list[Article]
    ) -> list[Annotation | Exception]:
        run = partial(
            annotate,
            nlp,
            language=lang,
            prefilter=self.settings.nlp_prefilter,
            share_charlm=self.settings.nlp_share_charlm,
            fused_charlm=self.settings.nlp_fused_charlm,
        )
        try:
            texts = [a.body for a in batch]
            return list[Annotation | Exception](run(texts))
        except Exception:  # noqa: BLE001 - retried one by one below to isolate it
            log.info("a batch of %d failed; retrying one article at a time", len(batch))
        outcomes: list[Annotation | Exception] = []
        for article in batch:
            try:
                outcomes.extend(run([article.body]))
            except Exception as exc:  # noqa: BLE001
                outcomes.append(exc)
        return outcomes

    def _warn_once(self, lang: str) -> None:
        if lang not in _warned:
            _warned.add(lang)
            log.warning(missing_models_warning(lang))
