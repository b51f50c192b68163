"""Entity resolution on the seed article and on English text: grouping, linking, ids."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any

import fastavro
import pytest

from pipeline.entities.resolve import entity_id, resolve_entities
from pipeline.nlp.base import Mention, ParsedSentence

SCHEMA = Path(__file__).resolve().parents[3] / "schemas" / "newswire.v1.EnrichedArticle.avsc"
ARABIC_LETTER = re.compile(r"[\u0621-\u064a]")


def sentences_of(body: str) -> list[ParsedSentence]:
    """Crude sentences: one per paragraph (enough for sentence indices)."""
    out, start = [], 0
    for index, paragraph in enumerate(body.split("\n\n")):
        out.append(ParsedSentence(index=index, start=start, end=start + len(paragraph)))
        start += len(paragraph) + 2
    return out


def locate(body: str, wanted: list[tuple[str, str]], *, clitics: bool = True) -> list[Mention]:
    """Stanza-like mentions: every whole-word occurrence of each string, longest first.

    With ``clitics``, an occurrence glued to a prefixed clitic (و ب ل ف) becomes a mention
    of the whole token, as Stanza reports multi-word tokens.
    """
    taken: list[tuple[int, int]] = []
    mentions = []
    sentences = sentences_of(body)
    for text, kind in sorted(wanted, key=lambda w: -len(w[0])):
        for found in re.finditer(re.escape(text), body):
            start, end = found.start(), found.end()
            if end < len(body) and ARABIC_LETTER.match(body[end]):
                continue
            if start > 0 and ARABIC_LETTER.match(body[start - 1]):
                if not clitics or body[start - 1] not in "وبلف":
                    continue
                if start > 1 and ARABIC_LETTER.match(body[start - 2]):
                    continue
                start -= 1
            if any(s < end and start < e for s, e in taken):
                continue
            taken.append((start, end))
            sentence = next(s.index for s in sentences if s.start <= start < s.end + 2)
            mentions.append(Mention(body[start:end], start, end, sentence, kind))
    return sorted(mentions, key=lambda m: m.start)


SEED_MENTIONS = [
    ("كيم جونغ أون", "PER"),
    ("كيم", "PER"),
    ("سيرغي شويغو", "PER"),
    ("سيرجي شويجو", "PER"),
    ("شويجو", "PER"),
    ("روسيا", "LOC"),
    ("وكالة الأنباء المركزية الكورية", "ORG"),
    ("كوريا الشمالية", "ORG"),  # mistyped on purpose: linking fixes the type
    ("ليف إريك إيسلي", "PER"),
    ("جامعة إيوا", "ORG"),
    ("شي", "PER"),
]


def by_id(entities: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in entities}


def texts(entity: dict[str, Any]) -> list[str]:
    return [m["text"] for m in entity["mentions"]]


def the(entities: list[dict[str, Any]], name: str) -> dict[str, Any]:
    found = [e for e in entities if e["name"] == name]
    assert len(found) == 1, (name, [e["name"] for e in entities])
    return found[0]


def check_contract(body: str, entities: list[dict[str, Any]]) -> None:
    """Offsets, order, uniqueness, and the Avro Entity shape."""
    ids = [e["id"] for e in entities]
    assert len(ids) == len(set(ids))
    firsts = [e["mentions"][0]["start"] for e in entities]
    assert firsts == sorted(firsts)
    spans: list[tuple[int, int]] = []
    for entity in entities:
        assert set(entity) == {
            "id",
            "name",
            "type",
            "kb_id",
            "country_code",
            "extractors",
            "mentions",
        }
        assert entity["extractors"] == sorted(set(entity["extractors"]))
        assert entity["extractors"] == sorted({m["extractor"] for m in entity["mentions"]})
        starts = [m["start"] for m in entity["mentions"]]
        assert starts == sorted(starts)
        if entity["kb_id"]:
            assert entity["id"] == "wd:" + entity["kb_id"]
        else:
            assert re.fullmatch(r"ent:[0-9a-f]{16}", entity["id"])
        for m in entity["mentions"]:
            assert body[m["start"] : m["end"]] == m["text"]
            spans.append((m["start"], m["end"]))
    spans.sort()
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))
    # The records encode under the real schema.
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    entity_schema = next(f for f in schema["fields"] if f["name"] == "entities")["type"]
    parsed = fastavro.parse_schema(entity_schema)
    assert fastavro.validation.validate(entities, parsed, raise_errors=True)


def bare(entity: dict[str, Any], surfaces: set[str]) -> set[str]:
    """Mention texts, with a clitic glued in front (Stanza's whole-token spans) dropped."""
    return {t[1:] if t[0] in "وبلف" and t[1:] in surfaces else t for t in texts(entity)}


def check_seed_done_when(entities: list[dict[str, Any]]) -> None:
    """The issue's "done when" list, on the seed."""
    shoigu = the(entities, "Sergei Shoigu")
    spellings = {"سيرغي شويغو", "سيرجي شويجو", "شويجو"}
    assert spellings <= bare(shoigu, spellings)
    assert shoigu["type"] == "PER" and shoigu["country_code"] == "RUS"
    assert not [e for e in entities if e is not shoigu and set(texts(e)) & set(texts(shoigu))]

    kim = by_id(entities)["wd:Q56226"]
    assert kim["name"] == "Kim Jong Un" and kim["country_code"] == "PRK"
    assert texts(kim).count("كيم جونغ أون") == 2
    assert sum(t.endswith("كيم") for t in texts(kim)) >= 3  # the short mentions
    assert not [e for e in entities if e is not kim and any("كيم" in t for t in texts(e))]

    expected = {
        "wd:Q159": ("GPE", "RUS", {"روسيا", "الروسي"}),
        "wd:Q423": ("GPE", "PRK", {"كوريا الشمالية", "الكورية الشمالية", "الكوري الشمالي"}),
        "wd:Q148": ("GPE", "CHN", {"الصين"}),
        "wd:Q956": ("LOC", "CHN", {"بكين"}),
        "wd:Q30": ("GPE", "USA", {"الولايات المتحدة"}),
        "wd:Q61": ("LOC", "USA", {"واشنطن"}),
        "wd:Q8684": ("LOC", "KOR", {"سيول"}),
        "wd:Q18808": ("LOC", "PRK", {"بيونغ يانغ"}),
        "wd:Q649": ("LOC", "RUS", {"موسكو"}),
        "wd:Q668": ("GPE", "IND", {"الهند"}),
        "wd:Q37470": ("ORG", None, {"مجلس الأمن الدولي"}),
        "wd:Q19771": ("ORG", None, {"مجموعة العشرين"}),
    }
    entities_by_id = by_id(entities)
    for entity_id_, (kind, code, surfaces) in expected.items():
        entity = entities_by_id[entity_id_]
        assert (entity["type"], entity["country_code"]) == (kind, code), entity_id_
        assert surfaces <= bare(entity, surfaces), (entity_id_, texts(entity))

    kcna = the(entities, "Korean Central News Agency")
    assert kcna["type"] == "ORG" and kcna["country_code"] == "PRK"
    # Three mentions, the first one in "وكالة الأنباء المركزية الكورية الشمالية" (all of it
    # when the dictionary finds it, the NER span when the NER found the shorter name).
    assert len(kcna["mentions"]) == 3
    assert all(t.startswith("وكالة الأنباء المركزية الكورية") for t in texts(kcna))


def test_seed_dictionary_only(seed_body: str) -> None:
    entities = resolve_entities(seed_body, sentences_of(seed_body), [], "ar")
    check_contract(seed_body, entities)
    check_seed_done_when(entities)
    assert all(e["extractors"] == ["dictionary"] for e in entities)
    kcna = the(entities, "Korean Central News Agency")
    assert texts(kcna)[0] == "وكالة الأنباء المركزية الكورية الشمالية"
    # Adjectives are typed MISC, names by their entry.
    russia = by_id(entities)["wd:Q159"]
    assert {m["type"] for m in russia["mentions"]} == {"GPE", "MISC"}
    # Sentence indices come from the sentences given.
    assert russia["mentions"][0]["sentence"] == 1


def test_seed_with_stanza_like_mentions(seed_body: str) -> None:
    mentions = locate(seed_body, SEED_MENTIONS)
    assert any(m.text == "وشويجو" for m in mentions)  # whole-token clitic mention
    assert any(m.text == "لروسيا" for m in mentions)
    entities = resolve_entities(seed_body, sentences_of(seed_body), mentions, "ar")
    check_contract(seed_body, entities)
    check_seed_done_when(entities)

    ids = by_id(entities)
    # Stanza's mentions are kept as they were, linked, and marked as Stanza's.
    assert "stanza" in ids["wd:Q56226"]["extractors"]
    assert ids["wd:Q159"]["extractors"] == ["dictionary", "stanza"]
    # A country Stanza typed ORG gets the dictionary's type.
    north_korea = ids["wd:Q423"]
    assert north_korea["type"] == "GPE"
    assert "ORG" in {m["type"] for m in north_korea["mentions"] if m["extractor"] == "stanza"}
    # Unknown names stay, as their own entities with hash ids.
    eisley = the(entities, "ليف إريك إيسلي")
    assert eisley["kb_id"] is None
    assert eisley["id"] == entity_id("PER", "ليف إريك إيسلي")
    # "شي" (Xi) is not linked: Xi Jinping is never named in full in this article.
    xi = the(entities, "شي")
    assert xi["kb_id"] is None and xi["type"] == "PER"
    # Every Stanza mention ends up in exactly one entity.
    placed = [
        (m["start"], m["end"])
        for e in entities
        for m in e["mentions"]
        if m["extractor"] == "stanza"
    ]
    assert sorted(placed) == [(m.start, m.end) for m in mentions]


def test_english_example() -> None:
    body = (
        "Russian Defence Minister Sergei Shoigu met North Korean leader Kim Jong-un in "
        "Pyongyang, KCNA said. Kim praised Shoigu. Washington and Seoul condemned the "
        "visit; Sergey Shoygu left on Thursday."
    )
    entities = resolve_entities(body, [], [], "en")
    check_contract(body, entities)
    shoigu = the(entities, "Sergei Shoigu")
    assert texts(shoigu) == ["Sergei Shoigu", "Shoigu", "Sergey Shoygu"]
    kim = by_id(entities)["wd:Q56226"]
    assert texts(kim) == ["Kim Jong-un", "Kim"]
    assert by_id(entities)["wd:Q18808"]["country_code"] == "PRK"
    assert by_id(entities)["wd:Q61"]["country_code"] == "USA"
    assert by_id(entities)["wd:Q8684"]["country_code"] == "KOR"
    assert texts(by_id(entities)["wd:Q423"]) == ["North Korean"]
    assert the(entities, "Korean Central News Agency")["country_code"] == "PRK"
    assert {m["sentence"] for e in entities for m in e["mentions"]} == {0}


def test_english_short_forms_group_without_the_dictionary() -> None:
    body = "Jane Doe-Smith spoke. Later Doe-Smith left, and Jane Doe-Smith returned."
    mentions = [
        Mention("Jane Doe-Smith", 0, 14, 0, "PER"),
        Mention("Doe-Smith", 28, 37, 1, "PER"),
        Mention("Jane Doe-Smith", 48, 62, 1, "PERSON"),
    ]
    entities = resolve_entities(body, [], mentions, "en")
    check_contract(body, entities)
    assert len(entities) == 1
    assert entities[0]["name"] == "Jane Doe-Smith"
    assert entities[0]["type"] == "PER"
    assert entities[0]["id"] == entity_id("PER", "Jane Doe-Smith")


def test_short_form_before_the_full_name_and_ambiguous_short_forms() -> None:
    body = "Lee spoke first. Then Lee Jae-myung arrived. Lee Sang-ho, another Lee, stayed."
    mentions = [
        Mention("Lee", 0, 3, 0, "PER"),
        Mention("Lee Jae-myung", 22, 35, 1, "PER"),
        Mention("Lee Sang-ho", 45, 56, 2, "PER"),
        Mention("Lee", 66, 69, 2, "PER"),
    ]
    entities = resolve_entities(body, [], mentions, "en")
    check_contract(body, entities)
    lee_jm = the(entities, "Lee Jae-myung")
    assert texts(lee_jm) == ["Lee", "Lee Jae-myung"]  # a later full name claims it
    lee_sh = the(entities, "Lee Sang-ho")
    assert texts(lee_sh) == ["Lee Sang-ho", "Lee"]  # the nearest preceding full name


def test_person_mention_with_a_title_links_to_the_person_inside() -> None:
    body = "قال الرئيس فلاديمير بوتين إن وزير الدفاع الروسي سيرغي شويغو سيزور بيونغ يانغ."
    start = body.index("الرئيس")
    end = body.index(" إن")
    titled = Mention(body[start:end], start, end, 0, "PER")
    entities = resolve_entities(body, [], [titled], "ar")
    check_contract(body, entities)
    putin = by_id(entities)["wd:Q7747"]
    assert texts(putin) == ["الرئيس فلاديمير بوتين"]
    assert putin["extractors"] == ["stanza"]
    assert texts(the(entities, "Sergei Shoigu")) == ["سيرغي شويغو"]


def test_types_do_not_mix() -> None:
    body = "Jordan met the king of Jordan."
    mentions = [Mention("Jordan", 0, 6, 0, "PER"), Mention("Jordan", 23, 29, 0, "LOC")]
    entities = resolve_entities(body, [], mentions, "en")
    # Both link by name (Stanza's type is not trusted over the dictionary)...
    assert [e["id"] for e in entities] == ["wd:Q810"]
    # ...but a name the dictionary does not know stays apart per type.
    body = "Amina met Amina Corp."
    mentions = [Mention("Amina", 0, 5, 0, "PER"), Mention("Amina", 10, 15, 0, "ORG")]
    entities = resolve_entities(body, [], mentions, "en")
    assert sorted(e["type"] for e in entities) == ["ORG", "PER"]


def test_bad_mentions_are_repaired_or_dropped() -> None:
    body = "Talks in Moscow."
    mentions = [
        Mention("Moscow", 9, 15, 0, "LOC"),
        Mention("Moscow", 9, 15, 0, "LOC"),  # duplicate
        Mention("moscow!", 9, 15, 0, "LOC"),  # wrong text: the body's wins
        Mention("x", 40, 50, 0, "LOC"),  # outside the body
        Mention("", 3, 3, 0, "LOC"),  # empty
    ]
    entities = resolve_entities(body, [], mentions, "en")
    check_contract(body, entities)
    assert [(e["id"], texts(e)) for e in entities] == [("wd:Q649", ["Moscow"])]


def test_empty_and_language_free_input() -> None:
    assert resolve_entities("", [], [], None) == []
    assert resolve_entities("nothing to see here", [], [], "en") == []
    # Without a language every dictionary language is searched.
    entities = resolve_entities("Visite à Pékin.", [], [], None)
    assert [e["id"] for e in entities] == ["wd:Q956"]


@pytest.mark.parametrize("with_mentions", [False, True])
def test_deterministic(seed_body: str, with_mentions: bool) -> None:
    mentions = locate(seed_body, SEED_MENTIONS) if with_mentions else []
    sentences = sentences_of(seed_body)
    first = resolve_entities(seed_body, sentences, mentions, "ar")
    second = resolve_entities(seed_body, sentences, list(reversed(mentions)), "ar")
    assert first == second
    assert json.dumps(first, ensure_ascii=False) == json.dumps(second, ensure_ascii=False)
