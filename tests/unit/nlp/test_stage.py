"""The NLP stage on the shipped tiny models: offsets, batching, missing models, versions."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from pipeline.clean import clean_article
from pipeline.config import Settings
from pipeline.errors import NewswireError
from pipeline.nlp import registry
from pipeline.nlp.stage import NlpStage, language_stage
from pipeline.records import Article, Provenance, RawMessage
from tests.conftest import SEED

ENGLISH = (
    "North Korean leader Kim Jong Un visited Russia on Saturday and met Defence Minister "
    "Sergei Shoigu, KCNA said.\n\nThe United States and South Korea warned Pyongyang against "
    "supplying weapons to Moscow."
)


def article(body: str, hint: str | None = None, title: str | None = None) -> Article:
    message = RawMessage(value=b"{}", provenance=Provenance(kind="file", file="t"))
    return language_stage(
        Article(message=message, id="a", body=body, title=title, language_hint=hint)
    )


def seed_article() -> Article:
    title, _, body = SEED.read_text(encoding="utf-8").partition("\n")
    return article(clean_article(body, title=title).body, title=title)


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    # An empty download dir: only the shipped tiny models can serve.
    return Settings(state_dir=str(tmp_path_factory.mktemp("state")))


def test_seed_and_english_get_sentences_and_exact_mentions(settings: Settings) -> None:
    results = NlpStage(settings)([seed_article(), article(ENGLISH)])
    for result in results:
        assert isinstance(result, Article)
        assert result.sentences, result.language
        assert result.mentions
        for sentence in result.sentences:
            assert 0 <= sentence.start < sentence.end <= len(result.body)
            assert result.body[sentence.start : sentence.end].strip()
            for word in sentence.words:
                assert result.body[word.start : word.end]  # a real span of its token
        for mention in result.mentions:
            assert result.body[mention.start : mention.end] == mention.text
            sentence = result.sentences[mention.sentence]
            assert sentence.start <= mention.start < sentence.end
        assert ("stanza", __import__("stanza").__version__) in result.models
    seed, english = results
    assert isinstance(seed, Article) and isinstance(english, Article)
    assert {"PER", "LOC"} <= {m.type for m in seed.mentions}
    assert "Kim Jong Un" in {m.text for m in english.mentions if m.type == "PER"}
    assert dict(seed.models)["stanza.ar"].startswith("shipped-tiny:")


def test_batched_equals_one_at_a_time(settings: Settings) -> None:
    inputs = [seed_article(), article(ENGLISH), article(ENGLISH.replace("Saturday", "Monday"))]
    batched = NlpStage(settings)(inputs)
    single = [NlpStage(settings)([a])[0] for a in inputs]
    assert batched == single


def test_missing_models_keep_the_article_with_a_reason(settings: Settings) -> None:
    french = article(
        "Le président a rencontré son homologue russe à Moscou pour parler de sécurité."
    )
    (result,) = NlpStage(settings)([french])
    assert isinstance(result, Article)
    assert result.language and result.language["code"] == "fr"
    assert result.sentences == () and result.mentions == ()
    assert result.warnings == (
        "nlp skipped: no Stanza models for language 'fr'; "
        "install them with `newswire models download fr`",
    )


def test_a_poison_article_fails_alone(settings: Settings) -> None:
    good = article(ENGLISH)
    poison = replace(good, body=None)  # type: ignore[arg-type]  # what a buggy stage could pass
    results = NlpStage(settings)([good, poison, good])
    assert isinstance(results[0], Article) and isinstance(results[2], Article)
    assert isinstance(results[1], Exception)


def test_require_fails_fast_and_names_the_command(settings: Settings) -> None:
    registry.require(settings, ["ar", "en"])
    with pytest.raises(NewswireError, match="newswire models download fr"):
        registry.require(settings, ["ar", "fr"])


def test_models_are_found_in_the_download_dir_first(tmp_path: Path) -> None:
    settings = Settings(models_dir=str(tmp_path))
    assert registry.find(settings, "ar") is not None  # falls back to the shipped models
    assert registry.find(settings, "ar").directory == registry.SHIPPED_DIR  # type: ignore[union-attr]
    assert registry.default_download_dir(settings) == tmp_path
