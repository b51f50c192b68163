"""Actors, recipients and places from hand-built parses and entity lists: role schemes,
conjuncts, passives, fallbacks, pronouns, titles, pairs and metonymy."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import fastavro.schema
import fastavro.validation

from pipeline.events import extract_events
from pipeline.nlp.base import ParsedSentence

SCHEMA = fastavro.schema.load_schema(
    str(Path(__file__).resolve().parents[3] / "schemas" / "newswire.v1.Event.avsc")
)

Row = tuple[str, str, str, int, str]


def article(kit: SimpleNamespace, *rows: Sequence[Row]) -> tuple[str, list[ParsedSentence]]:
    """Sentences joined by one space, each with its own offsets and index."""
    parts, sentences = [], []
    offset = 0
    for index, spec in enumerate(rows):
        text, sentence = kit.build(spec, index=index, offset=offset)
        parts.append(text)
        sentences.append(sentence)
        offset += len(text) + 1
    return " ".join(parts), sentences


def events(
    body: str,
    sentences: list[ParsedSentence],
    entities: list[dict[str, Any]],
    language: str = "en",
) -> list[dict[str, Any]]:
    found = extract_events(
        article_id="t",
        body=body,
        sentences=sentences,
        entities=entities,
        language=language,
        published_at=None,
        source=None,
    )
    for event in found:
        fastavro.validation.validate(event, SCHEMA, raise_errors=True)
    return found


def roles(event: dict[str, Any]) -> tuple[list[str], list[str]]:
    return [a["text"] for a in event["actors"]], [r["text"] for r in event["recipients"]]


def test_default_scheme_subject_and_object(kit: SimpleNamespace) -> None:
    body, sentences = article(
        kit,
        [
            ("Japan", "Japan", "PROPN", 2, "nsubj"),
            ("accused", "accuse", "VERB", 0, "root"),
            ("Russia", "Russia", "PROPN", 2, "obj"),
        ],
    )
    entities = [
        kit.entity(body, "Japan", "Japan", "GPE", "JPN", kb_id="Q17"),
        kit.entity(body, "Russia", "Russia", "GPE", "RUS", kb_id="Q159"),
    ]
    (event,) = events(body, sentences, entities)
    assert (event["event_type"], event["mode"]) == ("ACCUSE", "allege")
    assert roles(event) == (["Japan"], ["Russia"])
    assert event["actors"][0] == {
        "text": "Japan",
        "entity_id": "wd:Q17",
        "name": "Japan",
        "kb_id": "Q17",
        "country_code": "JPN",
        "sector": None,
        "start": 0,
        "end": 5,
    }


def test_visit_host_and_passive_voice(kit: SimpleNamespace) -> None:
    body, sentences = article(
        kit,
        [
            ("Kim", "Kim", "PROPN", 2, "nsubj"),
            ("visited", "visit", "VERB", 0, "root"),
            ("Moscow", "Moscow", "PROPN", 2, "obj"),
        ],
        [
            ("Putin", "Putin", "PROPN", 2, "nsubj"),
            ("received", "receive", "VERB", 0, "root"),
            ("Kim", "Kim", "PROPN", 2, "obj"),
        ],
        [
            ("Kim", "Kim", "PROPN", 3, "nsubj:pass"),
            ("was", "be", "AUX", 3, "aux:pass"),
            ("received", "receive", "VERB", 0, "root"),
            ("by", "by", "ADP", 5, "case"),
            ("Putin", "Putin", "PROPN", 3, "obl:agent"),
        ],
    )
    kim = kit.entity(body, "Kim", "Kim Jong Un", "PER", "PRK", kb_id="Q56226")
    for n in (1, 2):
        kim["mentions"] += kit.entity(body, "Kim", "x", "PER", occurrence=n)["mentions"]
    putin = kit.entity(body, "Putin", "Vladimir Putin", "PER", "RUS", kb_id="Q7747")
    putin["mentions"] += kit.entity(body, "Putin", "x", "PER", occurrence=1)["mentions"]
    moscow = kit.entity(body, "Moscow", "Moscow", "LOC", "RUS", kb_id="Q649")
    visit, hosted, passive = events(body, sentences, [kim, putin, moscow])
    # PLOVER: the visitor is the actor, the host the recipient, whatever the voice.
    assert roles(visit) == (["Kim"], ["Moscow"])
    assert visit["recipients"][0]["country_code"] == "RUS"
    assert visit["recipients"][0]["sector"] == "GOV"  # a capital acts for its government
    assert visit["actors"][0]["sector"] == "GOV"  # from the entity dictionary
    assert roles(hosted) == (["Kim"], ["Putin"])
    assert roles(passive) == (["Kim"], ["Putin"])
    assert all(e["mode"] == "visit" and e["score"] == 4.0 for e in (visit, hosted, passive))


def test_reciprocal_meeting_with_conjuncts_and_place(kit: SimpleNamespace) -> None:
    body, sentences = article(
        kit,
        [
            ("Beijing", "Beijing", "PROPN", 4, "nsubj"),
            ("and", "and", "CCONJ", 3, "cc"),
            ("Moscow", "Moscow", "PROPN", 1, "conj"),
            ("met", "meet", "VERB", 0, "root"),
            ("with", "with", "ADP", 6, "case"),
            ("Seoul", "Seoul", "PROPN", 4, "obl"),
            ("in", "in", "ADP", 8, "case"),
            ("Geneva", "Geneva", "PROPN", 4, "obl"),
        ],
    )
    entities = [
        kit.entity(body, "Beijing", "Beijing", "LOC", "CHN", kb_id="Q956"),
        kit.entity(body, "Moscow", "Moscow", "LOC", "RUS", kb_id="Q649"),
        kit.entity(body, "Seoul", "Seoul", "LOC", "KOR", kb_id="Q8684"),
        kit.entity(body, "Geneva", "Geneva", "LOC", "CHE", kb_id="Q71"),
    ]
    (event,) = events(body, sentences, entities)
    assert roles(event) == (["Beijing", "Moscow", "Seoul"], [])
    # Metonymy: a capital keeps its text and entity and carries its state's code.
    assert [a["country_code"] for a in event["actors"]] == ["CHN", "RUS", "KOR"]
    assert event["location"]["name"] == "Geneva" and event["location"]["sector"] is None


def test_place_is_never_a_participant(kit: SimpleNamespace) -> None:
    body, sentences = article(
        kit,
        [
            ("Kim", "Kim", "PROPN", 2, "nsubj"),
            ("visited", "visit", "VERB", 0, "root"),
            ("Moscow", "Moscow", "PROPN", 2, "obj"),
        ],
    )
    entities = [
        kit.entity(body, "Kim", "Kim Jong Un", "PER", "PRK"),
        kit.entity(body, "Moscow", "Moscow", "LOC", "RUS"),
    ]
    (event,) = events(body, sentences, entities)
    assert event["location"] is None


def test_fallback_actor_skips_targets_and_reporters(kit: SimpleNamespace) -> None:
    # A broken parse: no subject. "against Seoul" is a target, not an actor.
    body, sentences = article(
        kit,
        [
            ("Pyongyang", "Pyongyang", "PROPN", 3, "compound"),
            ("missile", "missile", "NOUN", 3, "compound"),
            ("launch", "launch", "NOUN", 0, "root"),
            ("against", "against", "ADP", 5, "case"),
            ("Seoul", "Seoul", "PROPN", 3, "nmod"),
        ],
    )
    entities = [
        kit.entity(body, "Pyongyang", "Pyongyang", "LOC", "PRK"),
        kit.entity(body, "Seoul", "Seoul", "LOC", "KOR"),
    ]
    (event,) = events(body, sentences, entities)
    assert (event["event_type"], event["mode"]) == ("MOBILIZE", "weapons")
    assert roles(event) == (["Pyongyang"], ["Seoul"])
    # Fallback actor, nominal trigger: lower confidence than a parsed one.
    assert event["confidence"] < 0.6


def test_no_actor_no_event(kit: SimpleNamespace) -> None:
    body, sentences = article(
        kit,
        [("Sanctions", "sanction", "NOUN", 2, "nsubj"), ("relief", "relief", "NOUN", 0, "root")],
        [("easing", "ease", "VERB", 0, "root"), ("sanctions", "sanction", "NOUN", 1, "obj")],
    )
    assert events(body, sentences, []) == []


def test_pronoun_resolves_to_the_previous_subject(kit: SimpleNamespace) -> None:
    body, sentences = article(
        kit,
        [
            ("Biden", "Biden", "PROPN", 2, "nsubj"),
            ("snubbed", "snub", "VERB", 0, "root"),
            ("Xi", "Xi", "PROPN", 2, "obj"),
        ],
        [
            ("He", "he", "PRON", 2, "nsubj"),
            ("met", "meet", "VERB", 0, "root"),
            ("Modi", "Modi", "PROPN", 2, "obj"),
        ],
    )
    entities = [
        kit.entity(body, "Biden", "Joe Biden", "PER", "USA"),
        kit.entity(body, "Xi", "Xi Jinping", "PER", "CHN"),
        kit.entity(body, "Modi", "Narendra Modi", "PER", "IND"),
    ]
    (event,) = events(body, sentences, entities)
    he = event["actors"][0]
    assert (he["text"], he["name"]) == ("He", "Joe Biden")
    assert body[he["start"] : he["end"]] == "He"


def test_titles_and_pairs_refer_back(kit: SimpleNamespace) -> None:
    body, sentences = article(
        kit,
        [
            ("Defence", "defence", "NOUN", 2, "compound"),
            ("Minister", "minister", "NOUN", 3, "compound"),
            ("Shoigu", "Shoigu", "PROPN", 4, "nsubj"),
            ("greeted", "greet", "VERB", 0, "root"),
            ("Kim", "Kim", "PROPN", 4, "obj"),
        ],
        [
            ("The", "the", "DET", 3, "det"),
            ("two", "two", "NUM", 3, "nummod"),
            ("leaders", "leader", "NOUN", 4, "nsubj"),
            ("discussed", "discuss", "VERB", 0, "root"),
            ("security", "security", "NOUN", 4, "obj"),
        ],
        [
            ("The", "the", "DET", 3, "det"),
            ("defence", "defence", "NOUN", 3, "compound"),
            ("minister", "minister", "NOUN", 4, "nsubj"),
            ("praised", "praise", "VERB", 0, "root"),
            ("Pyongyang", "Pyongyang", "PROPN", 4, "obj"),
        ],
    )
    entities = [
        kit.entity(body, "Shoigu", "Sergei Shoigu", "PER", "RUS"),
        kit.entity(body, "Kim", "Kim Jong Un", "PER", "PRK"),
        kit.entity(body, "Pyongyang", "Pyongyang", "LOC", "PRK"),
    ]
    greeted, discussed, praised = events(body, sentences, entities)
    assert roles(greeted) == (["Kim"], ["Shoigu"])
    # "The two leaders": the last two people named.
    assert [a["name"] for a in discussed["actors"]] == ["Sergei Shoigu", "Kim Jong Un"]
    assert all(a["text"] == "leaders" for a in discussed["actors"])
    # "The defence minister": the person the article gave that title.
    (minister,) = praised["actors"]
    assert (minister["text"], minister["name"]) == ("defence minister", "Sergei Shoigu")
    assert praised["recipients"][0]["name"] == "Pyongyang"


def test_arabic_clitics_are_trimmed_from_participants_and_trigger(kit: SimpleNamespace) -> None:
    # وأدانت اليابان وكوريا الجنوبية: و is split off the verb and the second name.
    body = "وأدانت اليابان وكوريا الجنوبية"
    words = (
        ("و", "و", "CCONJ", 2, "cc", 0, 6),
        ("أدانت", "أدان", "VERB", 0, "root", 0, 6),
        ("اليابان", "يابان", "PROPN", 2, "nsubj", 7, 14),
        ("و", "و", "CCONJ", 5, "cc", 15, 21),
        ("كوريا", "كوريا", "PROPN", 3, "conj", 15, 21),
        ("الجنوبية", "جنوبي", "ADJ", 5, "amod", 22, 30),
    )
    from pipeline.nlp.base import Word

    sentence = ParsedSentence(0, 0, len(body), tuple(Word(i, *w) for i, w in enumerate(words, 1)))
    entities = [
        kit.entity(body, "اليابان", "Japan", "GPE", "JPN"),
        kit.entity(body, "وكوريا الجنوبية", "South Korea", "GPE", "KOR"),
    ]
    (event,) = events(body, [sentence], entities, language="ar")
    assert event["trigger_text"] == "أدانت" and event["trigger_start"] == 1
    assert roles(event) == (["اليابان", "كوريا الجنوبية"], [])
    assert event["actors"][1]["start"] == 16
