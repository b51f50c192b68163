"""Hostile input cannot stall cleaning: rule matching and the whole stage stay linear.

Times are compared with a same-length baseline (ordinary mixed Arabic/English prose)
measured in the same test, never with an absolute limit, so a slow or busy machine does
not make the tests flaky. A super-linear engine on 200,000 characters would be hundreds
of times slower than the baseline; the bound allows 20x.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

import pytest

from pipeline.clean import CleanError, clean_article, normalise_text
from pipeline.clean.rules import RULES_DIR, Rule, available_languages, load_rules

SIZE = 200_000
MAX_RATIO = 20.0

_PROSE = (
    "وذكرت وكالة الأنباء المركزية الكورية أن كيم وشويجو تبادلا وجهات النظر البناءة. "
    "The talks in Vladivostok lasted three hours, officials said on Tuesday (Reuters). "
)
BASELINE = (_PROSE * (SIZE // len(_PROSE) + 1))[:SIZE]


def _repeat(unit: str) -> str:
    return (unit * (SIZE // len(unit) + 1))[:SIZE]


PATHOLOGICAL = {
    "dash-groups": _repeat("1-"),
    "hex-groups": _repeat("2a02-4780-11–4f "),
    "letter-space": _repeat("a "),
    "arabic-letter-space": _repeat("ا "),
    "open-credit": _repeat("(Reporting by A "),
    "byline-names": _repeat("By Jane Doe and "),
    "copyright-signs": _repeat("© "),
    "arabic-credit": _repeat("(إعداد محمد - "),
    "source-colons": _repeat("المصدر: "),
    "one-long-word": "x" * SIZE,
}
HTML_PATHOLOGICAL = {
    "unclosed-tags": _repeat("<a "),
    "unclosed-comments": _repeat("<!--"),
    "end-tag-starts": _repeat("</"),
    "open-angles": _repeat("<"),
    "script-of-tags": "<script>" + _repeat("<a "),
    "entities": _repeat("&#x41;&amp"),
    "many-lines": _repeat("a\n"),
    "odd-spaces": _repeat(" \t\u00a0\u200b"),
    "combining-marks": _repeat("e\u0301\u0651"),
}


def _all_rules() -> list[Rule]:
    files = [("common", RULES_DIR / "common.toml")]
    files += [(lang, RULES_DIR / f"{lang}.toml") for lang in sorted(available_languages())]
    files += [("source:" + p.stem, p) for p in sorted((RULES_DIR / "sources").glob("*.toml"))]
    return [rule for name, path in files for rule in load_rules(path, name)]


def _best_time(function: Callable[[str], object], text: str, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        function(text)
        best = min(best, time.perf_counter() - start)
    return best


def _match_every_rule(text: str) -> None:
    # The raw compiled patterns, bypassing max_chars, on the whole text.
    for rule in _all_rules():
        rule.regex.fullmatch(text)
        rule.regex.search(text)
        if rule.item_regex is not None:
            rule.item_regex.fullmatch(text)


def _clean(text: str) -> None:
    with contextlib.suppress(CleanError):
        clean_article(text, title=text[:50], language="ar", source="Reuters")


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_rule_matching_is_linear(name: str) -> None:
    baseline = _best_time(_match_every_rule, BASELINE)
    hostile = _best_time(_match_every_rule, PATHOLOGICAL[name])
    assert hostile < MAX_RATIO * baseline, (name, hostile, baseline)


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL) + sorted(HTML_PATHOLOGICAL))
def test_clean_article_is_linear(name: str) -> None:
    text = {**PATHOLOGICAL, **HTML_PATHOLOGICAL}[name]
    baseline = _best_time(_clean, BASELINE)
    hostile = _best_time(_clean, text)
    assert hostile < MAX_RATIO * baseline, (name, hostile, baseline)


def test_html_parsing_scales_linearly() -> None:
    # CPython 3.11's HTMLParser alone takes close to a minute on 100,000 characters of
    # "<a " (it rescans the rest for every incomplete tag); doubling the input must
    # roughly double the time here, not quadruple it.
    small = _best_time(normalise_text, "<p>" + "<a " * 20_000)
    large = _best_time(normalise_text, "<p>" + "<a " * 80_000)
    assert large < 8 * small, (small, large)


def test_article_sized_input_is_fast_relative_to_normalisation(seed_text: str) -> None:
    # Rules are compiled once: cleaning costs about the same as normalising alone.
    clean_article(seed_text)  # warm the rule cache
    normalise_only = _best_time(normalise_text, seed_text, repeats=20)
    full = _best_time(lambda t: clean_article(t, language="ar"), seed_text, repeats=20)
    assert full < 10 * normalise_only, (normalise_only, full)
