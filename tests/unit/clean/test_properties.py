"""Property tests: on any text, clean_article fails only with CleanError, its removals
can be undone exactly, and its output is tidy."""

from __future__ import annotations

import unicodedata

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pipeline.clean import CleanError, CleanResult, clean_article, normalise_text, reconstruct
from pipeline.clean.rules import RULES_DIR, available_languages, load_rules

_NOISE = sorted(
    {
        example_text
        for rule_set, path in [("common", RULES_DIR / "common.toml")]
        + [(lang, RULES_DIR / f"{lang}.toml") for lang in sorted(available_languages())]
        + [("source:" + p.stem, p) for p in sorted((RULES_DIR / "sources").glob("*.toml"))]
        for rule in load_rules(path, rule_set)
        for example_text in rule.examples + rule.counterexamples
    }
)
_PIECES = st.one_of(
    st.text(max_size=80),
    st.sampled_from(_NOISE),
    st.sampled_from(["<p>", "</p>", "<br/>", "&amp;", "&#1600;", "\r\n", "\u200f", "ـ", " "]),
    st.sampled_from(["Kim met Putin on Tuesday.", "وصل كيم إلى روسيا يوم الثلاثاء.", "By"]),
)
_SEPARATORS = st.sampled_from(["\n\n", "\n", " ", "", "\r\n\r\n", "\u2029"])


@st.composite
def articles(draw: st.DrawFn) -> str:
    """Bodies built from real noise examples, real sentences, markup and arbitrary text."""
    pieces = draw(st.lists(_PIECES, max_size=12))
    return "".join(piece + draw(_SEPARATORS) for piece in pieces)


_BODIES = st.one_of(st.text(), articles())
_TITLES = st.one_of(st.none(), st.text(max_size=40), st.sampled_from(_NOISE))
_SOURCES = st.sampled_from([None, "Reuters", "AP", "AFP", "Al Jazeera", "الجزيرة", "Nobody"])
_LANGUAGES = st.sampled_from([None, "ar", "en", "fr", "AR-eg", ""])


def _clean_or_none(
    body: str, title: str | None, language: str | None, source: str | None
) -> CleanResult | None:
    try:
        return clean_article(body, title=title, language=language, source=source)
    except CleanError:
        return None


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=_BODIES, title=_TITLES, language=_LANGUAGES, source=_SOURCES)
@example(body="Kim\n\n© 2023", title="Kim", language=None, source=None)
@example(body="\ud800<p>x</p>", title=None, language=None, source=None)
def test_removals_can_be_undone_exactly(
    body: str, title: str | None, language: str | None, source: str | None
) -> None:
    result = _clean_or_none(body, title, language, source)
    if result is None:
        return
    assert reconstruct(result) == normalise_text(body)[0]
    offsets = [span.offset for span in result.removed]
    assert offsets == sorted(offsets)
    assert all(0 <= offset <= len(result.body) for offset in offsets)
    assert all(span.text for span in result.removed)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=_BODIES, title=_TITLES, language=_LANGUAGES, source=_SOURCES)
def test_output_is_tidy(body: str, title: str | None, language: str | None, source: str) -> None:
    result = _clean_or_none(body, title, language, source)
    if result is None:
        return
    assert result.body
    assert result.body == result.body.strip()
    assert "\n\n\n" not in result.body
    assert all(line.strip(" ") == line and line for line in result.body.split("\n\n"))
    assert "\n" not in result.body.replace("\n\n", "")
    assert not any(unicodedata.category(c) in ("Cc", "Cs") and c != "\n" for c in result.body)
    assert "\u0640" not in result.body and "\u200b" not in result.body
    assert unicodedata.is_normalized("NFC", result.body)
    assert result.rule_sets[0] == "common"
    assert all(count > 0 for count in result.normalisations.values())


@settings(max_examples=300, deadline=None)
@given(body=_BODIES)
def test_normalised_text_has_no_control_characters(body: str) -> None:
    text, counts = normalise_text(body)
    assert not any(unicodedata.category(c) in ("Cc", "Cs") and c != "\n" for c in text)
    assert text == text.strip()
    text.encode("utf-8")
    assert all(isinstance(n, int) and n > 0 for n in counts.values())
