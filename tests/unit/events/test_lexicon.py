"""The ontology and the trigger lexicons load, cover PLOVER, and reject bad data."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest

from pipeline.events.errors import LexiconError
from pipeline.events.lexicon import (
    available_languages,
    base_language,
    coverage,
    future_stem,
    load_lexicon,
    normalise_key,
    parse_lexicon,
    word_keys,
)
from pipeline.events.ontology import ONTOLOGY_PATH, load_ontology, parse_ontology

PLOVER_TYPES = {
    "AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST",
    "ACCUSE", "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT",
}  # fmt: skip


def test_ontology_has_the_16_types_with_quads_and_scores() -> None:
    onto = load_ontology()
    assert set(onto.types) == PLOVER_TYPES
    assert onto.types["CONSULT"].score_for("visit") == 4.0
    assert onto.types["CONSULT"].score_for(None) == 2.5
    assert onto.types["CONSULT"].future_as == "AGREE"
    assert onto.types["MOBILIZE"].score_for("weapons") == -5.5
    assert onto.types["SANCTION"].quad == "material_conflict"
    assert onto.types["REQUEST"].absorbs and not onto.types["CONSULT"].absorbs


@pytest.mark.parametrize("language", ["ar", "en"])
def test_every_type_has_triggers_in_both_languages(language: str) -> None:
    lexicon = load_lexicon(language)
    assert lexicon is not None and lexicon.language == language
    covered = coverage(lexicon)
    assert set(covered) == PLOVER_TYPES
    assert len(lexicon.triggers) >= 90
    assert {"visit", "phone", "multilateral"} <= set(covered["CONSULT"][2])
    assert {"yield", "meet", "assist"} <= set(covered["REQUEST"][2])
    assert "weapons" in covered["MOBILIZE"][2]


def test_languages_and_caching() -> None:
    assert available_languages() == ["ar", "en"]
    assert load_lexicon("ar") is load_lexicon("ar")
    assert load_lexicon("xx") is None
    assert base_language("ar-EG") == "ar"
    assert base_language("EN_gb") == "en"
    assert base_language("und") is None and base_language(None) is None


def test_keys_fold_arabic_spelling_and_strip_clitics() -> None:
    assert normalise_key("أطلقت") == normalise_key("اطلقت")
    assert normalise_key("زيارة") == "زياره"
    assert normalise_key("غداً") == "غدا"
    ar = load_lexicon("ar")
    assert normalise_key("اطلقت") in word_keys("وأطلقت", "أطلق", "ar", ar)
    assert "صواريخ" in word_keys("بالصواريخ", "صاروخ", "ar", ar)
    assert future_stem("سيزور", "س") == "يزور"
    assert future_stem("وسيلتقي", "س") == "يلتقي"
    assert future_stem("سلام", "س") is None


def test_english_keys_include_stems_and_irregular_forms() -> None:
    en = load_lexicon("en")
    assert "visit" in word_keys("visited", "visite", "en", en)
    assert "meet" in word_keys("met", "met", "en", en)
    assert "talk" in word_keys("talks", "talks", "en", en)
    assert "threaten" in word_keys("threatened", "threatene", "en", en)


def test_candidates_index_single_words_and_pattern_starts() -> None:
    en = load_lexicon("en")
    assert en is not None
    assert any(t.type == "CONSULT" for t in en.candidates("visit"))
    assert any(t.pattern and t.type == "REQUEST" for t in en.candidates("call"))
    assert en.extractor == "lexicon:en:1"


def _minimal(**trigger: Any) -> dict[str, Any]:
    spec = {"lemmas": ["meet"], "type": "CONSULT", **trigger}
    return {"meta": {"language": "xx"}, "trigger": [spec]}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_minimal(type="MEET"), "unknown PLOVER type 'MEET'"),
        (_minimal(mode="weapons"), "CONSULT has no mode 'weapons'"),
        (_minimal(roles="guest"), "roles must be one of"),
        (_minimal(colour="red"), "unknown key(s) ['colour']"),
        (_minimal(lemmas=[]), "lemmas must not be empty"),
        (_minimal(pattern=["a", "b"]), "exactly one of `lemmas` or `pattern`"),
        (_minimal(pos=["VERBB"]), "unknown UPOS"),
        (_minimal(requires=["place"]), "requires may name only"),
        (_minimal(confidence=1.5), "confidence must be a number in (0, 1]"),
        (_minimal(modes=[{"mode": "visit"}]), "must be { mode = ..., context = [...] }"),
        (_minimal(modes=[{"mode": "x", "context": ["a"]}]), "CONSULT has no mode 'x'"),
        (_minimal(head=1), "`head` only applies to patterns"),
        ({"meta": {"language": "xx"}, "trigger": []}, "no [[trigger]] entries"),
        ({"trigger": [{"lemmas": ["a"], "type": "AGREE"}]}, "[meta] language is required"),
        ({**_minimal(), "sectors": {"government": ["x"]}}, "is not a 3-letter sector code"),
        ({**_minimal(), "markers": {"where": ["in"]}}, "unknown key(s) ['where']"),
        ({**_minimal(), "extra": {}}, "unknown top-level key(s) ['extra']"),
    ],
)
def test_invalid_lexicons_are_rejected_with_the_entry_named(
    data: dict[str, Any], message: str
) -> None:
    with pytest.raises(LexiconError) as error:
        parse_lexicon(data, where="xx.toml")
    assert message in str(error.value)
    assert "xx.toml" in str(error.value)


def test_pattern_validation_and_duplicates() -> None:
    pattern = {"meta": {"language": "xx"}, "trigger": [{"pattern": ["a"], "type": "AGREE"}]}
    with pytest.raises(LexiconError, match="two or more words"):
        parse_lexicon(pattern)
    bad_head = {
        "meta": {"language": "xx"},
        "trigger": [{"pattern": ["a", "b"], "head": 2, "type": "AGREE"}],
    }
    with pytest.raises(LexiconError, match="head must index a pattern word"):
        parse_lexicon(bad_head)
    twice = {
        "meta": {"language": "xx"},
        "trigger": [{"lemmas": ["a"], "type": "AGREE"}, {"lemmas": ["A"], "type": "AGREE"}],
    }
    with pytest.raises(LexiconError, match=r"trigger #2 \(A\) duplicates trigger #1"):
        parse_lexicon(twice)


def test_a_valid_minimal_lexicon() -> None:
    lexicon = parse_lexicon(
        {
            "meta": {"language": "xx", "version": "7"},
            "markers": {"with": ["with"]},
            "trigger": [
                {"pattern": ["hold|held", "talk"], "head": 1, "type": "CONSULT"},
                {"lemmas": ["meet"], "forms": ["met"], "type": "CONSULT", "roles": "reciprocal"},
            ],
        }
    )
    assert lexicon.extractor == "lexicon:xx:7"
    assert [t.lemma for t in lexicon.candidates("held")] == ["hold talk"]
    assert lexicon.marker("with") == {"with"}
    assert lexicon.marker("agent") == frozenset()


def test_ontology_validation() -> None:
    data = tomllib.loads(ONTOLOGY_PATH.read_text(encoding="utf-8"))
    assert len(parse_ontology(data).types) == 16
    broken = {"types": {"X": {"quad": "verbal", "score": 1}}}
    with pytest.raises(LexiconError, match="quad must be one of"):
        parse_ontology(broken)
    with pytest.raises(LexiconError, match="future_as names an unknown type"):
        parse_ontology({"types": {"X": {"quad": "verbal_conflict", "score": 1, "future_as": "Y"}}})
    with pytest.raises(LexiconError, match="is not a declared mode"):
        parse_ontology(
            {"types": {"X": {"quad": "verbal_conflict", "score": 1, "mode_scores": {"m": 1}}}}
        )
