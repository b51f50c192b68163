"""The seed article through the real stages (clean -> tiny Stanza -> entities -> events):
the issue's done-when list, absences, Avro validity and determinism."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from types import EllipsisType
from typing import Any

Run = Any  # conftest.Run: the stages' results for one text


def names(participants: Sequence[dict[str, Any]]) -> set[str | None]:
    return {p["name"] for p in participants}


def _find(
    events: Sequence[dict[str, Any]],
    event_type: str,
    mode: str | EllipsisType | None = ...,
    **flags: bool,
) -> list[dict[str, Any]]:
    return [
        e
        for e in events
        if e["event_type"] == event_type
        and (mode is ... or e["mode"] == mode)
        and all(e[k] == v for k, v in flags.items())
    ]


def test_every_event_is_a_valid_avro_record(
    seed: Run, assert_valid: Callable[[Sequence[dict[str, Any]]], None]
) -> None:
    assert seed.events
    assert_valid(seed.events)


def test_visit_to_russia_kim_actor_russia_recipient(seed: Run) -> None:
    for phrase in ("زيارة زعيمها كيم جونغ أون إلى روسيا", "زيارته لروسيا"):
        visits = _find(seed.in_sentence_with(phrase), "CONSULT", "visit")
        assert visits, phrase
        visit = next(v for v in visits if v["trigger_text"].startswith("زيار"))
        assert names(visit["actors"]) == {"Kim Jong Un"}
        assert names(visit["recipients"]) == {"Russia"}
        assert visit["recipients"][0]["country_code"] == "RUS"
        assert visit["actors"][0]["kb_id"] == "Q56226"
        assert visit["score"] == 4.0 and visit["quad"] == "verbal_cooperation"


def test_meeting_between_kim_and_shoigu_is_reciprocal(seed: Run) -> None:
    in_sentence = _find(seed.in_sentence_with("اللقاء بينه وبين وزير الدفاع"), "CONSULT")
    meeting = [e for e in in_sentence if e["trigger_text"] == "اللقاء"]
    assert len(meeting) == 1 and meeting[0]["mode"] is None
    # PLOVER: no host/visitor distinction -> all participants are actors.
    assert names(meeting[0]["actors"]) == {"Kim Jong Un", "Sergei Shoigu"}
    assert meeting[0]["recipients"] == []
    # The pronoun of "بينه" resolves to Kim, keeping its own place in the text.
    pronoun = next(a for a in meeting[0]["actors"] if a["name"] == "Kim Jong Un")
    assert pronoun["text"] == "ه"

    exchanged = _find(seed.in_sentence_with("تبادلا وجهات النظر"), "CONSULT")
    assert len(exchanged) == 1
    assert exchanged[0]["trigger_text"] == "تبادلا وجهات النظر"
    assert names(exchanged[0]["actors"]) == {"Kim Jong Un", "Sergei Shoigu"}

    discussed = _find(seed.in_sentence_with("ناقش قضايا عملية"), "CONSULT")
    assert len(discussed) == 1
    # "وزير الدفاع الروسي" (no name here) is the minister the article named earlier.
    assert names(discussed[0]["actors"]) == {"Kim Jong Un", "Sergei Shoigu"}
    minister = next(a for a in discussed[0]["actors"] if a["name"] == "Sergei Shoigu")
    assert minister["text"] == "وزير الدفاع الروسي"


def test_missile_launches_are_mobilize_weapons_by_north_korea(seed: Run) -> None:
    continued = _find(seed.in_sentence_with("مواصلة إطلاق الصواريخ الباليستية"), "MOBILIZE")
    assert len(continued) == 1 and continued[0]["mode"] == "weapons"
    assert continued[0]["trigger_text"] == "إطلاق"
    # No subject in the parse: the fallback picks Pyongyang (not Washington or Seoul,
    # which are inside "ضد ..."), a capital speaking for its state.
    actor = continued[0]["actors"][0]
    assert actor["name"] == "Pyongyang" and actor["country_code"] == "PRK"

    for phrase in ("أطلقت كوريا الشمالية أول", "وأطلقت كوريا الشمالية المسلحة"):
        fired = _find(seed.in_sentence_with(phrase), "MOBILIZE", "weapons")
        assert len(fired) == 1, phrase
        assert names(fired[0]["actors"]) == {"North Korea"}
        assert fired[0]["actors"][0]["country_code"] == "PRK"
        assert fired[0]["trigger_text"] == "أطلقت"  # the clitic و is not in the trigger
        assert fired[0]["score"] == -5.5 and fired[0]["quad"] == "material_conflict"


def test_beijing_and_moscow_request_easing_sanctions(seed: Run) -> None:
    requests = _find(seed.in_sentence_with("دعت بكين وموسكو"), "REQUEST", "yield")
    assert len(requests) == 1
    actors = requests[0]["actors"]
    # Metonymy: the capitals keep their text and entity, and carry their state's code.
    assert [(a["text"], a["name"], a["country_code"]) for a in actors] == [
        ("بكين", "Beijing", "CHN"),
        ("موسكو", "Moscow", "RUS"),
    ]
    assert {a["sector"] for a in actors} == {"GOV"}
    # "تخفيف العقوبات" is what is requested, not a CONCEDE of its own.
    assert [e["event_type"] for e in seed.in_sentence_with("دعت بكين وموسكو")] == ["REQUEST"]


def test_security_council_resolutions_are_a_historical_sanction(seed: Run) -> None:
    sanctions = _find(seed.in_sentence_with("محظورة بموجب قرارات مجلس الأمن"), "SANCTION")
    assert len(sanctions) == 1
    sanction = sanctions[0]
    assert sanction["historical"] is True
    assert sanction["date_text"] == "في عام 2017"
    assert sanction["event_date"] == dt.date(2017, 1, 1)
    assert names(sanction["actors"]) == {"United Nations Security Council"}
    assert [r["country_code"] for r in sanction["recipients"]] == ["PRK"]


def test_inspection_on_saturday_is_a_visit_dated_the_day_before(seed: Run) -> None:
    inspections = [e for e in seed.in_sentence_with("تفقد كيم") if e["trigger_text"] == "تفقد"]
    assert len(inspections) == 1
    inspection = inspections[0]
    # Touring the host's military sites during the visit: CONSULT/visit, the minister
    # who accompanies him ("برفقة") stands for the host.
    assert (inspection["event_type"], inspection["mode"]) == ("CONSULT", "visit")
    assert names(inspection["actors"]) == {"Kim Jong Un"}
    assert names(inspection["recipients"]) == {"Sergei Shoigu"}
    assert inspection["date_text"] == "يوم السبت"
    assert inspection["event_date"] == dt.date(2023, 9, 16)  # published Sunday 2023-09-17


def test_earlier_this_month_dates_the_submarine_launch(seed: Run) -> None:
    launch = _find(seed.in_sentence_with("أول “غواصة"), "MOBILIZE")[0]
    assert launch["date_text"] == "في وقت سابق من هذا الشهر"
    assert launch["event_date"] == dt.date(2023, 9, 1)
    assert not launch["historical"] and not launch["future"]


def test_subheads_and_descriptive_sentences_have_no_events(seed: Run) -> None:
    for text in (
        "مناطق الدفاع",
        "تخفيض العقوبات",
        # Commentary: cooperation as a noun, "reflects a rift": no event.
        "التعاون المتزايد بين الصين وروسيا",
        # "جدار عززته كوريا الشمالية" is a metaphor; the sentence's only events are the
        # visit and the meeting.
    ):
        assert seed.in_sentence_with(text) == [], text
    wall = seed.in_sentence_with("جدار عززته")
    assert sorted(e["trigger_text"] for e in wall) == ["اللقاء", "زيارة"]


def test_offsets_point_into_the_clean_body(seed: Run) -> None:
    for event in seed.events:
        body = seed.body
        assert body[event["trigger_start"] : event["trigger_end"]] == event["trigger_text"]
        start = event["sentence_start"]
        assert body[start : start + len(event["sentence_text"])] == event["sentence_text"]
        for participant in [*event["actors"], *event["recipients"]]:
            assert (
                body[participant["start"] : participant["end"]].endswith(participant["text"])
                or participant["text"] in body[participant["start"] : participant["end"]]
            )
        assert 0.0 < event["confidence"] < 1.0


def test_events_are_sorted_deterministic_and_ids_unique(seed: Run) -> None:
    again = seed.extract()
    assert again == seed.events
    keys = [(e["sentence_index"], e["trigger_start"]) for e in seed.events]
    assert keys == sorted(keys)
    ids = [e["id"] for e in seed.events]
    assert len(set(ids)) == len(ids)
    assert all(i.startswith("ev:") and len(i) == 35 for i in ids)
    other = seed.extract(article_id="another-article")
    assert {e["id"] for e in other}.isdisjoint(ids)


def test_provenance_fields(seed: Run) -> None:
    event = seed.events[0]
    assert event["article_id"] == "818c6b7f0175410d"
    assert event["language"] == "ar" and event["source"] == "test"
    assert event["published_at"] == seed.published
    assert event["extractor"].startswith("lexicon:ar:")
