"""Date expressions are found, trimmed and resolved against the publication date."""

from __future__ import annotations

import datetime as dt

import pytest

from pipeline.events.dates import (
    DateMention,
    ResolvedDate,
    find_dates,
    is_future,
    is_historical,
    resolve_date,
)

SUNDAY = dt.datetime(2023, 9, 17, 8, 0, tzinfo=dt.UTC)
WEDNESDAY = dt.datetime(2023, 9, 20, 8, 0, tzinfo=dt.UTC)


def resolve(
    text: str, language: str, published: dt.datetime | None = SUNDAY, **kw: str
) -> tuple[str, object, object]:
    (mention,) = find_dates(text, language)
    resolved = resolve_date(mention, published, language, **kw)
    return (
        mention.text,
        (resolved.date if resolved else None),
        (resolved.precision if resolved else None),
    )


@pytest.mark.parametrize(
    ("text", "language", "expression", "date", "precision"),
    [
        # Weekdays: the most recent one before publication; "يوم" is trimmed for dateparser.
        ("تفقد كيم السفن الحربية يوم السبت، برفقة الوزير", "ar", "يوم السبت", "2023-09-16", "day"),
        ("وصل الرئيس صباح الخميس", "ar", "الخميس", "2023-09-14", "day"),
        ("Kim visited Russia on Saturday.", "en", "Saturday", "2023-09-16", "day"),
        ("Talks ended last Friday.", "en", "last Friday", "2023-09-15", "day"),
        ("وسيزور بكين يوم الأحد المقبل", "ar", "يوم الأحد المقبل", "2023-09-24", "day"),
        # Yesterday.
        ("وقال الوزير أمس إن", "ar", "أمس", "2023-09-16", "day"),
        ("وقال البارحة", "ar", "البارحة", "2023-09-16", "day"),
        ("وقع الحادث أول أمس", "ar", "أول أمس", "2023-09-15", "day"),
        ("The ministry said yesterday that", "en", "yesterday", "2023-09-16", "day"),
        (
            "It happened the day before yesterday.",
            "en",
            "the day before yesterday",
            "2023-09-15",
            "day",
        ),
        # Earlier this month: dateparser cannot; the month's first day, month precision.
        (
            "وفي وقت سابق من هذا الشهر، أطلقت",
            "ar",
            "في وقت سابق من هذا الشهر",
            "2023-09-01",
            "month",
        ),
        (
            "North Korea earlier this month unveiled a submarine.",
            "en",
            "earlier this month",
            "2023-09-01",
            "month",
        ),
        ("الشهر الماضي", "ar", "الشهر الماضي", "2023-08-01", "month"),
        ("next month", "en", "next month", "2023-10-01", "month"),
        ("last week", "en", "last week", "2023-09-04", "week"),
        ("قبل يومين", "ar", "قبل يومين", "2023-09-15", "day"),
        ("two weeks ago", "en", "two weeks ago", "2023-09-03", "day"),
        # Explicit dates, with and without a year; Levantine month names; Arabic digits.
        ("في 15 أيلول/سبتمبر 2023", "ar", "15 أيلول/سبتمبر 2023", "2023-09-15", "day"),
        ("يوم ١٢ سبتمبر", "ar", "١٢ سبتمبر", "2023-09-12", "day"),
        ("VLADIVOSTOK, Sept 16 (Reuters)", "en", "Sept 16", "2023-09-16", "day"),
        ("on September 15, 2022, the", "en", "September 15, 2022", "2022-09-15", "day"),
        ("the 2023-09-01 statement", "en", "2023-09-01", "2023-09-01", "day"),
        ("in March 2022", "en", "in March 2022", "2022-03-01", "month"),
        ("in March", "en", "in March", "2023-03-01", "month"),
        ("مارس 2022", "ar", "مارس 2022", "2022-03-01", "month"),
        # Years.
        ("اعتمادها آخر مرة في عام 2017.", "ar", "في عام 2017", "2017-01-01", "year"),
        ("adopted in 2017", "en", "in 2017", "2017-01-01", "year"),
    ],
)
def test_expressions(text: str, language: str, expression: str, date: str, precision: str) -> None:
    assert resolve(text, language) == (expression, dt.date.fromisoformat(date), precision)


def test_a_weekday_equal_to_the_publication_weekday_is_that_day() -> None:
    assert resolve("on Sunday", "en")[1] == dt.date(2023, 9, 17)
    assert resolve("last Sunday", "en")[1] == dt.date(2023, 9, 10)
    assert resolve("يوم الأحد", "ar")[1] == dt.date(2023, 9, 17)


def test_future_events_look_forward() -> None:
    assert resolve("on Saturday", "en", WEDNESDAY)[1] == dt.date(2023, 9, 16)
    assert resolve("on Saturday", "en", WEDNESDAY, prefer="future")[1] == dt.date(2023, 9, 23)
    assert resolve("يوم الخميس", "ar", WEDNESDAY, prefer="future")[1] == dt.date(2023, 9, 21)


def test_without_a_publication_date_only_full_dates_resolve() -> None:
    assert resolve("on Saturday", "en", None)[1] is None
    assert resolve("أمس", "ar", None)[1] is None
    assert resolve("in March", "en", None)[1] is None
    assert resolve("September 15, 2022", "en", None)[1] == dt.date(2022, 9, 15)
    assert resolve("عام 2017", "ar", None)[1] == dt.date(2017, 1, 1)


def test_offsets_and_trimming() -> None:
    text = "قال وفي وقت سابق من هذا الشهر ويوم السبت"
    found = find_dates(text, "ar", offset=100)
    assert [d.text for d in found] == ["في وقت سابق من هذا الشهر", "يوم السبت"]
    for mention in found:
        assert text[mention.start - 100 : mention.end - 100] == mention.text
    (on,) = find_dates("He left on Monday.", "en")
    assert on.text == "Monday"


def test_words_that_are_not_dates() -> None:
    assert find_dates("He may visit Seoul. One of the leaders.", "en") == []
    assert find_dates("أحد المسؤولين في اليوم التالي", "ar") == []
    assert find_dates("نظام الجمعية العامة", "ar") == []
    assert find_dates("anything", "fr") == []


def test_impossible_dates_do_not_raise() -> None:
    mention = DateMention(
        "2023-02-30", 0, 10, "iso", (("day", "30"), ("mon", "2"), ("year", "2023"))
    )
    assert resolve_date(mention, SUNDAY, "en") is None


def _resolved(date: str, precision: str) -> ResolvedDate:
    return ResolvedDate(dt.date.fromisoformat(date), precision, "x", 0, 1)


def test_historical() -> None:
    # A year before the publication year (the "in 2017" / "عام 2017").
    assert is_historical(_resolved("2017-01-01", "year"), SUNDAY)
    assert not is_historical(_resolved("2023-01-01", "year"), SUNDAY)
    # Days and months: more than a year before publication.
    assert is_historical(_resolved("2022-03-01", "month"), SUNDAY)
    assert not is_historical(_resolved("2022-12-01", "month"), SUNDAY)
    assert not is_historical(_resolved("2023-09-16", "day"), SUNDAY)
    assert not is_historical(_resolved("2017-01-01", "year"), None)


def test_future() -> None:
    assert is_future(_resolved("2023-10-01", "month"), SUNDAY)
    assert not is_future(_resolved("2023-09-01", "month"), SUNDAY)
    assert not is_future(_resolved("2023-09-17", "day"), SUNDAY)
    assert not is_future(_resolved("2030-01-01", "year"), None)
