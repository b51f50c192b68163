"""English through the real stages (tiny Stanza models, real entity resolver): the
issue's English equivalents, PLOVER's rules for negation and future meetings, and
absences."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

SEED_EN = (
    "Kim Jong Un visited Russia on Saturday and met Defence Minister Sergei Shoigu. "
    "North Korea fired a ballistic missile. "
    "Beijing and Moscow called for easing the sanctions."
)


def names(participants: Sequence[dict[str, Any]]) -> set[str | None]:
    return {p["name"] for p in participants}


def only(events: Sequence[dict[str, Any]], trigger: str) -> dict[str, Any]:
    found = [e for e in events if e["trigger_text"] == trigger]
    assert len(found) == 1, [e["trigger_text"] for e in events]
    return found[0]


def test_visit_and_meeting(
    english: Callable[..., Any], assert_valid: Callable[[Sequence[dict[str, Any]]], None]
) -> None:
    run = english(SEED_EN)
    assert_valid(run.events)
    visit = only(run.events, "visited")
    assert (visit["event_type"], visit["mode"]) == ("CONSULT", "visit")
    assert names(visit["actors"]) == {"Kim Jong Un"}
    assert names(visit["recipients"]) == {"Russia"}
    assert visit["event_date"] == dt.date(2023, 9, 16) and visit["date_text"] == "Saturday"

    meeting = only(run.events, "met")
    assert (meeting["event_type"], meeting["mode"]) == ("CONSULT", None)
    # "met" shares the subject of "visited"; a meeting has no host: both are actors.
    assert names(meeting["actors"]) == {"Kim Jong Un", "Sergei Shoigu"}
    assert meeting["recipients"] == []


def test_missile_launch_and_request(english: Callable[..., Any]) -> None:
    run = english(SEED_EN)
    fired = only(run.events, "fired")
    assert (fired["event_type"], fired["mode"]) == ("MOBILIZE", "weapons")
    assert names(fired["actors"]) == {"North Korea"}

    request = only(run.events, "called for")
    assert (request["event_type"], request["mode"]) == ("REQUEST", "yield")
    assert [(a["name"], a["country_code"]) for a in request["actors"]] == [
        ("Beijing", "CHN"),
        ("Moscow", "RUS"),
    ]
    # "easing" is the content of the request, not an event of its own.
    assert [e["event_type"] for e in run.events].count("CONCEDE") == 0


def test_negated_meeting(english: Callable[..., Any]) -> None:
    run = english("Kim Jong Un met Sergei Shoigu. Kim did not meet Putin.")
    first, second = run.events
    assert first["negated"] is False
    assert (second["event_type"], second["negated"]) == ("CONSULT", True)
    assert names(second["actors"]) == {"Kim Jong Un", "Vladimir Putin"}


def test_future_visit_is_agree(english: Callable[..., Any]) -> None:
    run = english("Kim Jong Un will visit Moscow next month.")
    (event,) = run.events
    # PLOVER: future meetings and visits are intentions: AGREE, flagged future.
    assert (event["event_type"], event["mode"], event["future"]) == ("AGREE", None, True)
    assert event["trigger_lemma"] == "visit"
    assert names(event["actors"]) == {"Kim Jong Un"}
    assert names(event["recipients"]) == {"Moscow"}
    assert event["event_date"] == dt.date(2023, 10, 1) and event["date_text"] == "next month"
    assert event["score"] == 2.5 and event["quad"] == "verbal_cooperation"


def test_historical_sanction_and_location(english: Callable[..., Any]) -> None:
    run = english(
        "The UN Security Council imposed sanctions on North Korea in 2017. "
        "Chinese President Xi Jinping hosted Russian Foreign Minister Sergei Lavrov in "
        "Beijing on Monday."
    )
    sanction = only(run.events, "imposed sanctions")
    assert sanction["event_type"] == "SANCTION" and sanction["historical"] is True
    assert names(sanction["actors"]) == {"United Nations Security Council"}
    assert names(sanction["recipients"]) == {"North Korea"}

    hosted = only(run.events, "hosted")
    # The host is the recipient, the visitor the actor; Beijing is the place, not a party.
    assert (hosted["event_type"], hosted["mode"]) == ("CONSULT", "visit")
    assert names(hosted["actors"]) == {"Sergey Lavrov"}
    assert names(hosted["recipients"]) == {"Xi Jinping"}
    assert hosted["location"]["name"] == "Beijing"
    assert hosted["location"]["sector"] is None
    assert hosted["event_date"] == dt.date(2023, 9, 11)


def test_dateline_is_not_an_actor(english: Callable[..., Any]) -> None:
    run = english(
        "VLADIVOSTOK, Russia, Sept 16 (Reuters) - North Korean leader Kim Jong Un inspected "
        "strategic bombers on Saturday, accompanied by Russian Defence Minister Sergei Shoigu."
    )
    (event,) = run.events
    assert names(event["actors"]) == {"Kim Jong Un"}
    assert "Sergei Shoigu" in names(event["recipients"])
    assert event["date_text"] == "Saturday"


def test_unnamed_agents_carry_country_and_sector(english: Callable[..., Any]) -> None:
    run = english("Russian officials condemned the decision.")
    (event,) = run.events
    (actor,) = event["actors"]
    assert actor["text"] == "Russian officials"
    assert (actor["entity_id"], actor["country_code"], actor["sector"]) == (None, "RUS", "GOV")


def test_no_events_in_descriptive_text(english: Callable[..., Any]) -> None:
    run = english("The weather in Seoul was cold and dry. Markets closed higher on Friday.")
    assert run.events == []


def test_no_publication_date_leaves_relative_dates_open(english: Callable[..., Any]) -> None:
    run = english("North Korea fired a ballistic missile on Saturday.", published=None)
    (event,) = run.events
    assert event["event_date"] is None and event["date_text"] == "Saturday"
    assert event["published_at"] is None
