"""clean_article end to end: the seed, wire footers, real last sentences, errors."""

from __future__ import annotations

import doctest

import pytest

import pipeline.clean as clean_package
import pipeline.clean.base as base_module
from pipeline.clean import (
    CleanError,
    CleanResult,
    RemovedSpan,
    clean_article,
    normalise_text,
    reconstruct,
)
from pipeline.clean.engine import choose_languages, guess_languages

SEED_FOOTER = "2a02-4780-11–4f جزيرة إم آند إم"
SEED_LAST_SENTENCE_END = "وتحديات روسيا للنظام الدولي”."


def _check_invariants(body: str, result: CleanResult) -> None:
    assert reconstruct(result) == normalise_text(body)[0]
    assert [s.offset for s in result.removed] == sorted(s.offset for s in result.removed)
    assert result.body == result.body.strip() and "\n\n\n" not in result.body


def test_docstring_examples_run() -> None:
    for module in (clean_package, base_module):
        assert doctest.testmod(module).failed == 0


# --- the seed article ---------------------------------------------------------------


def test_seed_with_title_passed_separately(seed_text: str) -> None:
    title, _, body = seed_text.partition("\n")
    result = clean_article(body, title=title, language="ar", source="Al Jazeera")
    assert result.body.endswith(SEED_LAST_SENTENCE_END)
    assert "2a02" not in result.body
    assert result.removed == (
        RemovedSpan("common.trailing_id_slug", "\n\n" + SEED_FOOTER, len(result.body)),
    )
    paragraphs = result.body.split("\n\n")
    assert "مناطق الدفاع" in paragraphs
    assert "تخفيض العقوبات" in paragraphs
    assert paragraphs[0].startswith("وفي مسار بيونغ يانغ")
    assert len(paragraphs) == 14  # 16 lines of text, minus the title and the footer
    assert result.rule_sets == ("common", "ar", "source:aljazeera")
    _check_invariants(body, result)


def test_seed_body_still_starting_with_its_title(seed_text: str) -> None:
    title = seed_text.partition("\n")[0]
    result = clean_article(seed_text, title=title)
    assert [s.rule for s in result.removed] == ["headline_repeat", "common.trailing_id_slug"]
    headline = result.removed[0]
    assert headline == RemovedSpan("headline_repeat", title + "\n\n", 0)
    assert result.body.startswith("وفي مسار بيونغ يانغ")
    assert result.body.endswith(SEED_LAST_SENTENCE_END)
    assert result.rule_sets == ("common", "ar")
    _check_invariants(seed_text, result)


def test_seed_without_title_keeps_first_line(seed_text: str) -> None:
    result = clean_article(seed_text)
    assert result.body.startswith(seed_text.partition("\n")[0])
    assert [s.rule for s in result.removed] == ["common.trailing_id_slug"]


# --- English wire footers -----------------------------------------------------------

LEDE = "WASHINGTON (Reuters) - The U.S. Senate on Tuesday passed the spending bill."
SECOND = "The measure now goes to the House of Representatives, where its fate is unclear."


@pytest.mark.parametrize(
    ("footer", "source", "rules"),
    [
        (
            "(Reporting by Jane Doe; Additional reporting by Idrees Ali in Washington; "
            "Editing by Alex Richardson)",
            "Reuters",
            ["en.reporting_credit"],
        ),
        (
            "Reporting by Jane Doe in Washington; Editing by John Roe\n\n"
            "Our Standards: The Thomson Reuters Trust Principles.",
            "Reuters",
            ["en.reporting_line", "source:reuters.trust_principles"],
        ),
        (
            "Associated Press writer Lisa Mascaro contributed to this report.\n\n"
            "Copyright 2023 The Associated Press. All rights reserved. This material may not "
            "be published, broadcast, rewritten or redistributed.",
            "AP",
            ["source:ap.contributed", "common.copyright_line"],
        ),
        (
            "___\n\nFollow AP’s coverage of Congress at https://apnews.com/hub/congress",
            "The Associated Press",
            ["common.wire_control_code", "source:ap.follow_coverage"],
        ),
        (
            "___\n\nThis story has been updated to correct the date of the vote",
            "AP",
            ["source:ap.separator_block"],
        ),
        ("-- AFP\n\nbur-sst/fz", "AFP", ["en.agency_credit", "source:afp.desk_signature"]),
        ("AFP-XYZ/ab/cd\n\n1423 GMT", None, ["common.wire_slug", "common.wire_time_stamp"]),
        ("(AP)\n\nENDS", None, ["en.agency_credit", "common.wire_control_code"]),
        ("Source: Reuters", None, ["en.source_line"]),
        (
            "Read more:\n\nSenate passes stopgap bill\n\nWhat the shutdown means for you",
            None,
            ["en.read_more_block"],
        ),
        (
            "Sign up for our newsletter to get the top stories.\n\nFollow us on Twitter\n\n"
            "We use cookies to improve your experience.\n\nFacebook | Twitter | Email",
            None,
            ["en.newsletter", "en.follow_us", "en.cookie_notice", "common.share_links"],
        ),
        ("Click here to read the full report.", None, ["en.click_here"]),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 25 else None,
)
def test_english_footers_removed(footer: str, source: str | None, rules: list[str]) -> None:
    body = f"{LEDE}\n\n{SECOND}\n\n{footer}"
    result = clean_article(body, language="en", source=source)
    assert result.body == f"{LEDE}\n\n{SECOND}"
    assert [s.rule for s in result.removed] == rules
    assert all(s.offset == len(result.body) for s in result.removed)
    _check_invariants(body, result)


def test_reporting_credit_as_suffix_of_last_paragraph() -> None:
    body = f"{LEDE}\n\n{SECOND} (Reporting by Jane Doe; Editing by John Roe)"
    result = clean_article(body, source="Reuters")
    assert result.body == f"{LEDE}\n\n{SECOND}"
    assert result.removed == (
        RemovedSpan(
            "en.reporting_credit",
            " (Reporting by Jane Doe; Editing by John Roe)",
            len(result.body),
        ),
    )
    _check_invariants(body, result)


def test_leading_byline_and_trailing_footer() -> None:
    body = f"By Jane Doe and John Roe, Reuters\n\n{LEDE}\n\n{SECOND}\n\n© 2023 Reuters"
    result = clean_article(body)
    assert result.body == f"{LEDE}\n\n{SECOND}"
    assert [(s.rule, s.offset) for s in result.removed] == [
        ("en.byline", 0),
        ("common.copyright_line", len(result.body)),
    ]
    _check_invariants(body, result)


def test_read_more_block_with_long_tail_is_kept() -> None:
    tail = "\n\n".join(f"Headline number {i}" for i in range(8))
    body = f"{LEDE}\n\nRelated\n\n{tail}"
    assert clean_article(body).body == body


def test_read_more_heading_followed_by_real_sentences_is_kept() -> None:
    body = f"{LEDE}\n\nAlso read\n\nThe minister said the talks would resume on Monday."
    assert clean_article(body).body == body


# --- Arabic footers -----------------------------------------------------------------

AR_LEDE = "قالت وكالة الأنباء المركزية الكورية الشمالية إن كيم ناقش قضايا التعاون العسكري."
AR_SECOND = "وأضاف: “معظم أصحاب المصلحة في المنطقة يريدون تجنب حرب باردة جديدة”."


@pytest.mark.parametrize(
    ("footer", "source", "rules"),
    [
        ("المصدر: الجزيرة + وكالات", "الجزيرة", ["ar.source_line"]),
        ("المصدر : وكالات", None, ["ar.source_line"]),
        ("(رويترز)", None, ["ar.agency_credit"]),
        ("- أ ف ب", None, ["ar.agency_credit"]),
        ("جميع الحقوق محفوظة © 2023 شبكة الجزيرة", None, ["ar.copyright_line"]),
        (
            "اقرأ أيضا\n\nكيم يصل إلى فلاديفوستوك\n\nبوتين يستقبل كيم",
            None,
            ["ar.read_more_block"],
        ),
        ("مواضيع ذات صلة:\n\nكيم يزور روسيا", None, ["ar.read_more_block"]),
        (
            # Heading and headline on consecutive lines: hard-wrap joins them.
            "اقرأ أيضا\nكوريا الشمالية تطلق صاروخا باليستيا جديدا\n\nالمصدر : الجزيرة + وكالات",
            None,
            ["ar.read_more_line", "ar.source_line"],
        ),
        ("تابعونا على تويتر\n\nاشترك في النشرة البريدية", None, ["ar.follow_us", "ar.newsletter"]),
        ("شارك الخبر", None, ["ar.share"]),
        ("إعداد: محمد علي - تحرير: أحمد حسن", None, ["ar.editing_credit"]),
        ("الجزيرة نت", "Al Jazeera", ["source:aljazeera.source_agencies"]),
        ("جزيرة إم آند إم", "aljazeera.net", ["source:aljazeera.mm_tag"]),
    ],
)
def test_arabic_footers_removed(footer: str, source: str | None, rules: list[str]) -> None:
    body = f"{AR_LEDE}\n\n{AR_SECOND}\n\n{footer}"
    result = clean_article(body, source=source)
    assert result.body == f"{AR_LEDE}\n\n{AR_SECOND}"
    assert [s.rule for s in result.removed] == rules
    _check_invariants(body, result)


def test_arabic_reuters_credit_suffix() -> None:
    credit = "(إعداد محمد محمدين للنشرة العربية - تحرير أحمد صبحي خليفة)"
    body = f"{AR_LEDE}\n\n{AR_SECOND} {credit}"
    result = clean_article(body, language="ar", source="رويترز")
    assert result.body == f"{AR_LEDE}\n\n{AR_SECOND}"
    assert result.removed == (
        RemovedSpan("ar.reuters_style_credit", " " + credit, len(result.body)),
    )


# --- articles without a footer keep their last sentence -----------------------------

NO_FOOTER_ENDINGS_EN = [
    "“We will not back down,” he said.",
    "It was not.",
    "Reuters could not independently verify the report.",
    "By Friday, the talks had collapsed.",
    "The final tally was 1,204",
    "1204",
    "The next round is set for Sept. 17, 2023.",
    "2023-09-17",
    "Source: a senior official said the talks failed. Others disagreed.",
    "Copyright infringement cases rose in 2023.",
    "Related talks failed in May.",
    "Follow the money, analysts said.",
    "AP photographers were detained.",
    "“Read more,” the teacher said.",
]
NO_FOOTER_ENDINGS_AR = [
    "وأضاف: “معظم أصحاب المصلحة يريدون تجنب حرب باردة جديدة”.",
    "وانتهى الاجتماع.",
    "وقالت رويترز إنها لم تتمكن من التحقق من التقرير.",
    "وقال المصدر إن المحادثات ستستأنف.",
    "وبلغ عدد القتلى 1204.",
    "وستعقد القمة في 17 سبتمبر/أيلول 2023.",
    "وقال إن جميع الحقوق محفوظة للشركة.",
    "تابعوا المفاوضات عن كثب في الدوحة",
    "شارك الرئيس في القمة.",
    "تخفيض العقوبات",
]


@pytest.mark.parametrize("ending", NO_FOOTER_ENDINGS_EN + NO_FOOTER_ENDINGS_AR)
def test_last_real_sentence_is_never_removed(ending: str) -> None:
    arabic = any("\u0600" <= c <= "\u06ff" for c in ending)
    lede, second = (AR_LEDE, AR_SECOND) if arabic else (LEDE, SECOND)
    body = f"{lede}\n\n{second}\n\n{ending}"
    for source in (None, "Reuters", "AP", "AFP", "Al Jazeera"):
        result = clean_article(body, source=source)
        assert result.body == body, source
        assert result.removed == ()


@pytest.mark.parametrize("ending", NO_FOOTER_ENDINGS_EN + NO_FOOTER_ENDINGS_AR)
def test_last_real_sentence_survives_footer_removal(ending: str) -> None:
    arabic = any("\u0600" <= c <= "\u06ff" for c in ending)
    footer = "المصدر: الجزيرة + وكالات" if arabic else "(Reporting by Jane Doe)\n\n© 2023 Reuters"
    body = f"{ending}\n\n{footer}"
    result = clean_article(body)
    assert result.body == ending
    _check_invariants(body, result)


# --- rule-set selection -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "hint", "expected"),
    [
        (AR_LEDE, None, ("ar",)),
        (LEDE, None, ("en",)),
        (LEDE, "ar", ("ar", "en")),
        (AR_LEDE, "ar-SA", ("ar",)),
        (AR_LEDE, "fr", ("ar",)),
        ("كيم Kim كيم Kim", None, ("ar", "en")),
        ("12345 ... !!!", None, ()),
        ("12345", "EN", ("en",)),
    ],
)
def test_language_rule_sets(text: str, hint: str | None, expected: tuple[str, ...]) -> None:
    assert choose_languages(text, hint) == expected


def test_guess_languages_mixed_text() -> None:
    assert guess_languages("Kim Jong Un met Shoigu in Vladivostok") == ("en",)
    assert guess_languages("التقى كيم جونغ أون شويغو") == ("ar",)


def test_rule_sets_reported() -> None:
    result = clean_article(LEDE, language="en", source="Thomson Reuters")
    assert result.rule_sets == ("common", "en", "source:reuters")
    assert clean_article(LEDE, source="Unknown Gazette").rule_sets == ("common", "en")


def test_latin_footer_on_arabic_article_gets_english_rules() -> None:
    body = f"{AR_LEDE}\n\n{AR_SECOND}\n\nSource: Reuters"
    result = clean_article(body, language="ar")
    assert result.rule_sets == ("common", "ar", "en")
    assert result.body == f"{AR_LEDE}\n\n{AR_SECOND}"
    assert clean_article(AR_LEDE, language="ar").rule_sets == ("common", "ar")


def test_script_guess_samples_the_end_of_long_articles() -> None:
    body = "\n\n".join([AR_LEDE] * 60 + ["Source: Reuters"])
    assert choose_languages(body, None) == ("ar", "en")


# --- errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "empty after normalisation"),
        ("   \n\n\t", "empty after normalisation"),
        ("<p>\u200b</p>", "empty after normalisation"),
        ("© 2023 Reuters", "nothing real left"),
        ("(Reporting by Jane Doe)\n\nENDS", "nothing real left"),
        ("By Jane Doe", "nothing real left"),
        ("المصدر: الجزيرة + وكالات", "nothing real left"),
    ],
)
def test_clean_error_when_nothing_real_is_left(body: str, message: str) -> None:
    with pytest.raises(CleanError, match=message):
        clean_article(body)


def test_clean_error_names_the_rules() -> None:
    with pytest.raises(CleanError, match=r"common\.copyright_line"):
        clean_article("© 2023 Reuters")


def test_non_string_body_is_a_clean_error() -> None:
    with pytest.raises(CleanError, match="must be a string"):
        clean_article(None)  # type: ignore[arg-type]


def test_html_body_is_cleaned() -> None:
    body = (
        "<div class='story'><p>Talks&nbsp;resumed on <b>Monday</b>.</p>"
        "<p>Both sides said progress was made.</p>"
        "<p>(Reporting by Jane Doe; Editing by John Roe)</p></div>"
    )
    result = clean_article(body)
    assert result.body == "Talks resumed on Monday.\n\nBoth sides said progress was made."
    assert result.normalisations["html_tags"] == 10
    assert result.normalisations["html_entities"] == 1
    assert [s.rule for s in result.removed] == ["en.reporting_credit"]
