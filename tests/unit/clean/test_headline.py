"""Repeated headline and leading byline removal (pipeline.clean.headline)."""

from __future__ import annotations

import pytest

from pipeline.clean import clean_article, reconstruct
from pipeline.clean.headline import comparison_key, is_headline_repeat, strip_top
from pipeline.clean.rules import rule_book


@pytest.mark.parametrize(
    ("paragraph", "title"),
    [
        ("Kim visits Russia", "Kim visits Russia"),
        ("KIM VISITS RUSSIA.", "Kim visits Russia"),
        ("“Kim” visits — Russia!", '"Kim" visits Russia'),
        (
            "شمس النووي لم تغب عن زيارة كيم لروسيا رسالة للغرب",
            'شمس "النووي" لم تغب عن زيارة كيم لروسيا.. رسالة للغرب',
        ),
        ("إسرائيل تقصف غزة", "اسرائيل تقصف غزه"),
        ("أَعْلَنَ الرَّئِيسُ", "اعلن الرئيس"),
    ],
)
def test_loose_comparison_matches(paragraph: str, title: str) -> None:
    assert comparison_key(paragraph) == comparison_key(title)
    assert is_headline_repeat(paragraph, title)


@pytest.mark.parametrize(
    ("paragraph", "title"),
    [
        ("Kim visits Russia and meets Putin", "Kim visits Russia"),
        ("Kim visits Belarus", "Kim visits Russia"),
        ("شمس النووي لم تغب عن زيارة كيم", 'شمس "النووي" لم تغب عن زيارة كيم لروسيا.. رسالة للغرب'),
        ("...", "..."),
        ("", ""),
    ],
)
def test_not_a_headline_repeat(paragraph: str, title: str) -> None:
    assert not is_headline_repeat(paragraph, title)


def test_strip_top_removes_headline_then_byline() -> None:
    book = rule_book(("en",), None)
    paragraphs = ["Kim visits Russia", "By Jane Doe and John Roe, Reuters", "Kim arrived."]
    kept, removed = strip_top(paragraphs, "Kim visits Russia", book.leading_paragraph)
    assert kept == ["Kim arrived."]
    assert removed == [
        ("headline_repeat", "Kim visits Russia\n\n"),
        ("en.byline", "By Jane Doe and John Roe, Reuters\n\n"),
    ]


def test_headline_only_in_first_paragraph() -> None:
    body = "Kim arrived on Tuesday.\n\nKim visits Russia\n\nTalks followed."
    result = clean_article(body, title="Kim visits Russia")
    assert result.body == body
    assert result.removed == ()


def test_body_that_is_only_the_headline_is_kept() -> None:
    result = clean_article("URGENT: Kim arrives in Russia", title="URGENT: Kim arrives in Russia")
    assert result.body == "URGENT: Kim arrives in Russia"
    assert result.removed == ()


def test_headline_kept_when_everything_else_is_footer() -> None:
    body = "Kim arrives in Russia\n\n© 2023 Reuters"
    result = clean_article(body, title="Kim arrives in Russia")
    assert result.body == "Kim arrives in Russia"
    assert [s.rule for s in result.removed] == ["common.copyright_line"]
    assert reconstruct(result) == body


@pytest.mark.parametrize(
    "first",
    ["By Tuesday the storm had passed.", "By contrast, exports fell.", "بقلم رصاص كتب الطفل."],
)
def test_sentences_starting_like_bylines_are_kept(first: str) -> None:
    body = f"{first}\n\nMore text followed."
    assert clean_article(body).body == body


def test_arabic_byline_removed() -> None:
    result = clean_article("بقلم: محمد علي\n\nوصل الرئيس إلى موسكو.")
    assert result.body == "وصل الرئيس إلى موسكو."
    assert [(s.rule, s.text, s.offset) for s in result.removed] == [
        ("ar.byline", "بقلم: محمد علي\n\n", 0)
    ]
