"""The small charlm test models in ``tests/models/charlm`` load and work like the official ones.

Built by ``python -m pipeline.nlp.training.build_charlm_models``: pos, depparse and ner of
a language each load a forward and a backward character LM, the same two files (listed
as ``resources.json`` dependencies, as in Stanza's official packages), so tests of
:mod:`pipeline.nlp.charlm` have real, shared charlms to work on. The plain Stanza call and
the project's registry must both load them, and they must give entities and a parse.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
import stanza
import torch
from stanza.models.common.char_model import CharacterLanguageModel

from pipeline.config import Settings
from pipeline.io.decode import parse_text_article
from pipeline.nlp import registry
from tests.conftest import REPO, SAMPLES, SEED

MODELS_DIR = REPO / "tests" / "models" / "charlm"
PACKAGE = "newswire_charlm"
CHARLMS = ("forward_charlm", "backward_charlm")
USES_CHARLM = ("pos", "depparse", "ner")
PROCESSORS = {
    "ar": ("tokenize", "mwt", "pos", "lemma", "depparse", "ner"),
    "en": ("tokenize", "pos", "lemma", "depparse", "ner"),
}
# The seed article is Arabic; the English sample is the Reuters-style one.
ARTICLES = {"ar": SEED, "en": SAMPLES / "001_reuters_style_en.txt"}
# Entities of each article that every build of these models has found.
EXPECTED = {
    "ar": {("كيم جونغ أون", "PER"), ("روسيا", "LOC")},
    "en": {("Kim Jong Un", "PER"), ("Sergei Shoigu", "PER")},
}


def load(lang: str) -> stanza.Pipeline:
    return stanza.Pipeline(
        lang,
        dir=str(MODELS_DIR),
        download_method=None,
        processors=",".join(PROCESSORS[lang]),
        use_gpu=False,
        logging_level="WARN",
    )


@pytest.fixture(scope="module", params=["ar", "en"])
def loaded(request: pytest.FixtureRequest) -> tuple[str, stanza.Pipeline]:
    lang: str = request.param
    return lang, load(lang)


def charmodels(nlp: stanza.Pipeline, processor: str) -> dict[str, Any]:
    model = nlp.processors[processor].trainer.model
    return {kind: getattr(model, f"charmodel_{kind.split('_')[0]}", None) for kind in CHARLMS}


def same_weights(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_resources_json_lists_one_charlm_pair(lang: str) -> None:
    entry = json.loads((MODELS_DIR / "resources.json").read_text(encoding="utf-8"))[lang]
    assert entry["default_processors"] == {p: PACKAGE for p in PROCESSORS[lang]}
    for kind in (*PROCESSORS[lang], "pretrain", *CHARLMS):
        path = MODELS_DIR / lang / kind / f"{PACKAGE}.pt"
        assert hashlib.md5(path.read_bytes()).hexdigest() == entry[kind][PACKAGE]["md5"]
    expected = [{"model": k, "package": PACKAGE} for k in ("pretrain", *CHARLMS)]
    for processor in USES_CHARLM:
        assert entry[processor][PACKAGE]["dependencies"] == expected
        assert entry["default_dependencies"][processor] == expected


def test_models_stay_small() -> None:
    total = sum(p.stat().st_size for p in MODELS_DIR.rglob("*.pt"))
    assert total < 6 * 2**20


def test_pos_depparse_ner_share_the_same_charlms(loaded: tuple[str, stanza.Pipeline]) -> None:
    lang, nlp = loaded
    assert set(nlp.processors) == set(PROCESSORS[lang])
    found = {processor: charmodels(nlp, processor) for processor in USES_CHARLM}
    for kind in CHARLMS:
        installed = CharacterLanguageModel.load(str(MODELS_DIR / lang / kind / f"{PACKAGE}.pt"))
        for processor in USES_CHARLM:
            model = found[processor][kind]
            assert isinstance(model, CharacterLanguageModel), (processor, kind)
            assert model.is_forward_lm == (kind == "forward_charlm")
            assert same_weights(model, installed), (processor, kind)
    assert not same_weights(found["pos"]["forward_charlm"], found["pos"]["backward_charlm"])


def test_article_gets_entities_and_a_parse(loaded: tuple[str, stanza.Pipeline]) -> None:
    lang, nlp = loaded
    text = parse_text_article(ARTICLES[lang].read_text(encoding="utf-8"))["body"]

    doc = nlp(text)

    assert len(doc.sentences) > 3
    for sentence in doc.sentences:
        assert [w.deprel for w in sentence.words if w.head == 0] == ["root"]
        for word in sentence.words:
            assert word.upos and word.lemma and word.deprel
            assert 0 <= word.head <= len(sentence.words)
    for ent in doc.ents:
        assert text[ent.start_char : ent.end_char] == ent.text
    assert EXPECTED[lang] <= {(ent.text, ent.type) for ent in doc.ents}


def test_registry_loads_them(tmp_path: Path) -> None:
    settings = Settings(models_dir=str(MODELS_DIR), state_dir=str(tmp_path))

    loaded = registry.pipeline_for(settings, "ar")

    assert loaded is not None
    nlp, found = loaded
    assert found.directory == MODELS_DIR
    assert set(found.packages.values()) == {PACKAGE}
    assert {*PROCESSORS["ar"], "pretrain", *CHARLMS} == set(found.packages)
    assert set(nlp.processors) == set(PROCESSORS["ar"])
    assert all(
        isinstance(charmodels(nlp, p)["forward_charlm"], CharacterLanguageModel)
        for p in USES_CHARLM
    )
