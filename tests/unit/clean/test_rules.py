"""Rule files: loading, validation, source matching, and every rule's own examples."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from pipeline.clean import RuleFileError
from pipeline.clean.rules import (
    RULES_DIR,
    WHERE,
    Rule,
    available_languages,
    find_source,
    load_rules,
    parse_rules,
    rule_book,
    source_slug,
)


def _all_rule_files() -> list[tuple[str, Path]]:
    files = [("common", RULES_DIR / "common.toml")]
    files += [(lang, RULES_DIR / f"{lang}.toml") for lang in sorted(available_languages())]
    files += [("source:" + p.stem, p) for p in sorted((RULES_DIR / "sources").glob("*.toml"))]
    return files


ALL_RULES: list[Rule] = [r for name, path in _all_rule_files() for r in load_rules(path, name)]


def test_expected_rule_files_exist() -> None:
    assert {"en", "ar"} <= available_languages()
    assert {p.stem for p in (RULES_DIR / "sources").glob("*.toml")} >= {
        "reuters",
        "aljazeera",
        "ap",
        "afp",
    }
    assert (RULES_DIR / "README.md").is_file()


def test_rule_names_are_qualified_and_unique() -> None:
    names = [rule.name for rule in ALL_RULES]
    assert len(names) == len(set(names))
    assert all(name.split(".")[0] in {"common", "en", "ar"} | _source_sets() for name in names)


def _source_sets() -> set[str]:
    return {"source:" + p.stem for p in (RULES_DIR / "sources").glob("*.toml")}


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.name)
def test_rule_has_examples_and_counterexamples(rule: Rule) -> None:
    assert rule.examples, f"{rule.name} needs at least one example"
    assert rule.counterexamples, f"{rule.name} needs at least one counterexample"


@pytest.mark.parametrize(
    ("rule", "example"),
    [(r, e) for r in ALL_RULES for e in r.examples],
    ids=lambda v: v.name if isinstance(v, Rule) else v[:40],
)
def test_rule_removes_its_examples(rule: Rule, example: str) -> None:
    assert rule.applies_to(example)


@pytest.mark.parametrize(
    ("rule", "counterexample"),
    [(r, e) for r in ALL_RULES for e in r.counterexamples],
    ids=lambda v: v.name if isinstance(v, Rule) else v[:40],
)
def test_rule_keeps_its_counterexamples(rule: Rule, counterexample: str) -> None:
    assert not rule.applies_to(counterexample)


def test_rule_book_is_cached_and_grouped() -> None:
    book = rule_book(("ar", "en"), "reuters")
    assert rule_book(("ar", "en"), "reuters") is book
    assert book.rule_sets == ("common", "ar", "en", "source:reuters")
    for where in WHERE:
        assert all(rule.where == where for rule in getattr(book, where))
    assert any(r.name == "source:reuters.trust_principles" for r in book.trailing_suffix)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Reuters", "reuters"),
        ("THOMSON REUTERS", "reuters"),
        ("reuters.com", "reuters"),
        ("رويترز", "reuters"),
        ("Al Jazeera", "aljazeera"),
        ("Al-Jazeera English", "aljazeera"),
        ("الجزيرة", "aljazeera"),
        ("الجزيرة نت", "aljazeera"),
        ("The Associated Press", "ap"),
        ("AP", "ap"),
        ("Agence France-Presse", "afp"),
        ("فرانس برس", "afp"),
        ("BBC", None),
        ("", None),
        (None, None),
    ],
)
def test_source_names_and_aliases_find_their_file(name: str | None, expected: str | None) -> None:
    assert find_source(name) == expected


def test_source_slug() -> None:
    assert source_slug("Al-Jazeera  English!") == "aljazeeraenglish"
    assert source_slug("الجزيرة نت") == "الجزيرةنت"


RULE_OK = {"name": "x", "where": "trailing_paragraph", "pattern": "ENDS"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"rule": [{**RULE_OK, "max_char": 3}]}, "unknown keys ['max_char']"),
        ({"rule": [{"name": "x", "where": "trailing_paragraph"}]}, "missing keys ['pattern']"),
        ({"rule": [{**RULE_OK, "where": "middle"}]}, "where must be one of"),
        ({"rule": [{**RULE_OK, "pattern": "(a"}]}, "invalid RE2 pattern"),
        ({"rule": [{**RULE_OK, "pattern": "(?=a)b"}]}, "invalid RE2 pattern"),
        ({"rule": [{**RULE_OK, "pattern": "a*"}]}, "matches the empty string"),
        ({"rule": [RULE_OK, RULE_OK]}, "duplicate rule name"),
        ({"rule": [{**RULE_OK, "name": "Bad Name"}]}, "lower_snake_case"),
        ({"rule": [{**RULE_OK, "max_chars": 0}]}, "max_chars must be a positive integer"),
        ({"rule": [{**RULE_OK, "pattern": 3}]}, "must be a string or a list of strings"),
        ({"rule": [{**RULE_OK, "pattern": "${nope}"}]}, "unknown fragment"),
        ({"fragments": {"a": "${b}", "b": "${a}"}, "rule": [RULE_OK]}, "unknown or circular"),
        ({"rule": {"name": "x"}}, "array of tables"),
    ],
)
def test_malformed_rules_are_rejected_with_a_reason(data: dict[str, object], message: str) -> None:
    with pytest.raises(RuleFileError, match=re.escape(message)):
        parse_rules(data, "test")


def test_fragments_and_pattern_lists() -> None:
    data = tomllib.loads(
        """
        [fragments]
        agency = '(?:Reuters|AFP)'
        credit = '-- ${agency}'

        [[rule]]
        name = "credit"
        where = "trailing_paragraph"
        pattern = ['${credit}', '|\\(${agency}\\)']
        """
    )
    (rule,) = parse_rules(data, "test")
    assert rule.name == "test.credit"
    assert rule.applies_to("-- AFP") and rule.applies_to("(Reuters)")
    assert not rule.applies_to("-- Bloomberg")


def test_case_insensitive_option() -> None:
    base = {"name": "x", "where": "trailing_paragraph", "pattern": "read more"}
    (sensitive,) = parse_rules({"rule": [base]}, "t")
    (insensitive,) = parse_rules({"rule": [{**base, "case_insensitive": True}]}, "t")
    assert not sensitive.applies_to("READ MORE")
    assert insensitive.applies_to("READ MORE")


def test_max_chars_caps_what_a_rule_removes() -> None:
    (rule,) = parse_rules({"rule": [{**RULE_OK, "pattern": "x+", "max_chars": 5}]}, "t")
    assert rule.applies_to("xxxxx")
    assert not rule.applies_to("xxxxxx")


def test_suffix_rule_does_not_start_inside_a_word() -> None:
    data = {"rule": [{"name": "s", "where": "trailing_suffix", "pattern": "ENDS"}]}
    (rule,) = parse_rules(data, "t")
    assert rule.suffix_start("Talks ENDS") == 6
    assert rule.suffix_start("LEGENDS") is None


def test_broken_rule_file_reports_its_path(tmp_path: Path) -> None:
    broken = tmp_path / "xx.toml"
    broken.write_text("[[rule]\nname = ", encoding="utf-8")
    with pytest.raises(RuleFileError, match=re.escape(str(broken))):
        load_rules(broken, "xx")
