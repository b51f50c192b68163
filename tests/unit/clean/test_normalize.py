"""Unicode, HTML, whitespace and paragraph normalisation (pipeline.clean.normalize)."""

from __future__ import annotations

import doctest
import unicodedata

import pytest

import pipeline.clean.normalize as normalize_module
from pipeline.clean import normalise_text


def test_module_docstring_example_runs() -> None:
    assert doctest.testmod(normalize_module).failed == 0


@pytest.mark.parametrize(
    ("raw", "expected", "counts"),
    [
        pytest.param("كوريــــا الشمالية", "كوريا الشمالية", {"tatweel": 4}, id="tatweel"),
        pytest.param(
            "ﺍﻟﺴﻼﻡ ﻋﻠﻴﻜﻢ", "السلام عليكم", {"presentation_forms": 10}, id="presentation-forms"
        ),
        pytest.param("ﻻ", "لا", {"presentation_forms": 1}, id="lam-alef-ligature"),
        pytest.param(
            "\u200fالرئيس\u200e said \u202bx\u202c \u2066y\u2069\u061c",
            "الرئيس said x y",
            {"bidi_controls": 7},
            id="bidi-controls",
        ),
        pytest.param("a\u200bb\ufeffc\u2060d", "abcd", {"zero_width": 3}, id="zero-width"),
        pytest.param("co\u00adoperation", "cooperation", {"soft_hyphens": 1}, id="soft-hyphen"),
        pytest.param("a\x00b\x07c\x1bd\x7fe\x9f", "abcde", {"control_chars": 5}, id="controls"),
        pytest.param("one\r\ntwo\rthree", "one\n\ntwo\n\nthree", {"line_endings": 2}, id="crlf"),
        pytest.param("a\u00a0b\u2009c\u3000d\te", "a b c d e", {"unicode_spaces": 4}, id="spaces"),
        pytest.param("e\u0301te\u0301", "été", {"nfc": 2}, id="nfc-compose"),
        pytest.param("\u0627\u0654", "أ", {"nfc": 1}, id="nfc-arabic-hamza"),
        pytest.param("AT&amp;T &lt;b&gt;", "AT&T <b>", {"html_entities": 3}, id="entities"),
        pytest.param("&#1575;&#x644;", "ال", {"html_entities": 2}, id="numeric-entities"),
    ],
)
def test_single_normalisations(raw: str, expected: str, counts: dict[str, int]) -> None:
    assert normalise_text(raw) == (expected, counts)


def test_arabic_diacritics_are_kept() -> None:
    voweled = "بِسْمِ اللَّهِ الرَّحْمَٰنِ"
    text, _ = normalise_text(voweled)
    assert text == unicodedata.normalize("NFC", voweled)
    assert sum(1 for c in text if unicodedata.category(c) == "Mn") == sum(
        1 for c in voweled if unicodedata.category(c) == "Mn"
    )


def test_zwnj_and_zwj_are_kept() -> None:
    persian = "می\u200cخواهم \u200d"
    assert normalise_text(persian)[0] == "می\u200cخواهم \u200d"


def test_nfc_not_nfkc_keeps_original_characters() -> None:
    text = "½ of the ﬁrst ２ tests, x²"
    assert normalise_text(text) == (text, {})


def test_presentation_form_with_tatweel_loses_the_tatweel() -> None:
    # U+FE71 is tatweel + fathatan; NFKC gives U+0640 U+064B, and the tatweel goes.
    assert normalise_text("ب\ufe71")[0] == "ب\u064b"


def test_hard_wrapped_paragraphs_are_joined() -> None:
    raw = "The talks were\nheld on Monday\nin Geneva.\n\nA second\nparagraph.\n"
    text, counts = normalise_text(raw)
    assert text == "The talks were held on Monday in Geneva.\n\nA second paragraph."
    assert counts["lines_joined"] == 3


def test_without_blank_lines_each_line_is_a_paragraph() -> None:
    raw = "Headline here\nFirst paragraph.\n  Second paragraph.  \n\n"
    assert normalise_text(raw)[0] == "Headline here\n\nFirst paragraph.\n\nSecond paragraph."


def test_surplus_blank_lines_and_spaces_collapse() -> None:
    text, counts = normalise_text("\n\n  One   two  \n\n\n\n Three\n")
    assert text == "One two\n\nThree"
    assert counts["spaces_collapsed"] == 1
    assert counts["lines_trimmed"] == 2


def test_unicode_line_and_paragraph_separators() -> None:
    # U+2029 makes a blank line, so the text reads as hard-wrapped paragraphs.
    text, counts = normalise_text("a\u2028b\u2029c\x85d\x0ce")
    assert text == "a b\n\nc d e"
    assert counts == {"line_endings": 4, "lines_joined": 3}
    assert normalise_text("a\u2028b\x85c") == ("a\n\nb\n\nc", {"line_endings": 2})


def test_lone_surrogates_are_dropped() -> None:
    text, counts = normalise_text("a\ud800b\udfffc")
    assert (text, counts) == ("abc", {"surrogates": 2})
    text.encode("utf-8")


def test_html_document_becomes_paragraphs() -> None:
    raw = (
        "<html><head><style>p {color: red}</style><script>var x = '<p>no</p>';</script>"
        "</head><body><h1>Kim visits Russia</h1><p>The leader&nbsp;arrived on\n"
        "<b>Tuesday</b>.</p><p>He met &#8220;Putin&#8221;.<br>Talks followed.</p>"
        "<!-- ad slot --><ul><li>One</li><li>Two</li></ul></body></html>"
    )
    text, counts = normalise_text(raw)
    assert text.split("\n\n") == [
        "Kim visits Russia",
        "The leader arrived on Tuesday.",
        "He met “Putin”.",
        "Talks followed.",
        "One",
        "Two",
    ]
    assert counts["html_tags"] >= 20
    assert counts["html_entities"] == 3
    assert "color" not in text and "var x" not in text


def test_plain_text_with_angle_brackets_is_not_parsed_as_html() -> None:
    raw = "If x<y and z>w then the claim holds."
    assert normalise_text(raw) == (raw, {})


def test_unclosed_markup_is_kept_as_text() -> None:
    text, _ = normalise_text("<p>Prices <a fell 3%")
    assert text == "Prices <a fell 3%"


@pytest.mark.parametrize(
    "raw",
    ["", "   ", "\n\n\t\n", "\u200b\u200f\ufeff", "<p></p><br/>", "<script>x()</script>"],
)
def test_empty_inputs_normalise_to_empty(raw: str) -> None:
    assert normalise_text(raw)[0] == ""


def test_output_shape_on_messy_input() -> None:
    raw = "\ufeff<div>\r\n A\u00a0\u00a0b \r\n\r\n\r\n</div>\tc\u200b\x00"
    text, _ = normalise_text(raw)
    assert text == text.strip()
    assert "\n\n\n" not in text
    assert all(line == line.strip(" ") and "  " not in line for line in text.split("\n"))
    assert not any(unicodedata.category(c) == "Cc" and c != "\n" for c in text)
