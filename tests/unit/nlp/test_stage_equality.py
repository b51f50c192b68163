"""The NLP stage as shipped gives the entities and events of plain Stanza, one article
at a time, on models with character LMs.

The shipped tiny models have no character LM, so this test uses the small model set in
``tests/models/charlm`` (built by ``pipeline.nlp.training.build_charlm_models``): pos,
depparse and ner of each language load one shared forward and backward character LM,
as the official models do. The corpus (every sample and events evaluation document,
alone and joined into longer articles) goes once through ``stanza.Pipeline`` article by
article, nothing of ours around it (the baseline of issue 9), and once through the
NLP stage with every optimisation at its default: batches of articles, the parser
pre-filter, shared character-LM states and the fused kernel. Entities, events and NER
mentions must be identical, article by article, and the optimisations must have done
their work (states shared, buckets run, sentences left unparsed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from pipeline.config import Settings
from pipeline.entities.stage import entities_stage
from pipeline.events.stage import events_stage
from pipeline.nlp import charlm, registry
from pipeline.nlp.annotate import convert
from pipeline.nlp.stage import NlpStage
from pipeline.records import Article
from tests.unit.nlp.equality_corpus import prepared

CHARLM_MODELS = Path(__file__).resolve().parents[2] / "models" / "charlm"


def _code(article: Article) -> str:
    return str((article.language or {}).get("code"))


def _baseline(articles: Sequence[Article], settings: Settings) -> list[Article]:
    out = []
    for article in articles:
        loaded = registry.pipeline_for(settings, _code(article))
        assert loaded is not None
        sentences, mentions = convert(loaded[0](article.body))
        annotated = replace(article, sentences=sentences, mentions=mentions)
        out.append(events_stage(entities_stage(annotated)))
    return out


@pytest.fixture(scope="module")
def runs(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[list[Article], list[Article], dict[str, int]]:
    settings = Settings(
        models_dir=str(CHARLM_MODELS),
        state_dir=str(tmp_path_factory.mktemp("state")),
        nlp_batch_size=16,
    )
    assert settings.nlp_prefilter and settings.nlp_share_charlm and settings.nlp_fused_charlm
    articles = [a for a in prepared() if _code(a) in ("ar", "en")]
    baseline = _baseline(articles, settings)
    counts = {"fused_calls": 0}
    caches: list[Any] = []
    fused = charlm._fused_lstm

    def counting_fused(*args: Any) -> Any:
        counts["fused_calls"] += 1
        return fused(*args)

    class Recorded(charlm._Cache):
        def __init__(self, share: bool, fused: bool) -> None:
            super().__init__(share, fused)
            caches.append(self)

    with pytest.MonkeyPatch.context() as patch:  # counts and records; computes nothing
        patch.setattr(charlm, "_fused_lstm", counting_fused)
        patch.setattr(charlm, "_Cache", Recorded)
        stage = NlpStage(settings)
        shipped: list[Article] = []
        for i in range(0, len(articles), settings.nlp_batch_size):
            for result in stage(articles[i : i + settings.nlp_batch_size]):
                assert isinstance(result, Article), result
                shipped.append(events_stage(entities_stage(result)))
    counts["reused"] = sum(c.reused for c in caches)
    counts["computed"] = sum(c.computed for c in caches)
    return baseline, shipped, counts


def test_models_have_character_lms() -> None:
    settings = Settings(models_dir=str(CHARLM_MODELS))
    for lang in ("ar", "en"):
        loaded = registry.pipeline_for(settings, lang)
        assert loaded is not None and loaded[1].directory == CHARLM_MODELS
        for name in ("pos", "depparse", "ner"):
            model = loaded[0].processors[name]._trainer.model
            assert model.charmodel_forward.is_forward_lm
            assert not model.charmodel_backward.is_forward_lm


def test_optimisations_did_their_work(
    runs: tuple[list[Article], list[Article], dict[str, int]],
) -> None:
    baseline, shipped, counts = runs
    assert counts["fused_calls"] > 0
    assert counts["reused"] > counts["computed"] / 2  # ner, parser answered from the tagger's
    assert any(not s.parsed for a in shipped for s in a.sentences)
    # Something to compare: an identity of empty outputs would prove nothing.
    assert sum(len(a.mentions) for a in baseline) >= 100
    assert sum(len(a.entities) for a in baseline) >= 50
    assert sum(len(a.events) for a in baseline) >= 40


def test_entities_events_and_mentions_are_identical(
    runs: tuple[list[Article], list[Article], dict[str, int]],
) -> None:
    baseline, shipped, _ = runs
    assert [a.id for a in shipped] == [a.id for a in baseline]
    for ours, theirs in zip(shipped, baseline, strict=True):
        assert ours.mentions == theirs.mentions, ours.id
        assert ours.entities == theirs.entities, ours.id
        assert ours.events == theirs.events, ours.id
