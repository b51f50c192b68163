"""The footer engine's mechanics, with small made-up rule sets (pipeline.clean.footer)."""

from __future__ import annotations

from collections.abc import Mapping

from pipeline.clean.footer import MAX_FOOTER_STEPS, strip_footer
from pipeline.clean.rules import WHERE, Rule, RuleBook, parse_rules


def _book(*rules: Mapping[str, object]) -> RuleBook:
    compiled: tuple[Rule, ...] = parse_rules({"rule": list(rules)}, "t")
    groups = {where: tuple(r for r in compiled if r.where == where) for where in WHERE}
    return RuleBook(rule_sets=("t",), **groups)


ENDS = {"name": "ends", "where": "trailing_paragraph", "pattern": "ENDS"}
CREDIT = {"name": "credit", "where": "trailing_suffix", "pattern": r"\(by [a-z]+\)"}
BLOCK = {
    "name": "more",
    "where": "trailing_block",
    "pattern": "More:",
    "max_paragraphs": 2,
    "max_paragraph_chars": 20,
    "item_pattern": ".*[^.]",
}


def test_stops_at_the_first_real_paragraph() -> None:
    kept, removed = strip_footer(["Real.", "ENDS", "Also real.", "ENDS", "ENDS"], _book(ENDS))
    assert kept == ["Real.", "ENDS", "Also real."]
    assert removed == [("t.ends", "\n\nENDS"), ("t.ends", "\n\nENDS")]


def test_suffix_is_cut_with_its_space() -> None:
    kept, removed = strip_footer(["Intro.", "Body text. (by jane)"], _book(CREDIT))
    assert kept == ["Intro.", "Body text."]
    assert removed == [("t.credit", " (by jane)")]


def test_suffix_covering_the_paragraph_removes_it() -> None:
    kept, removed = strip_footer(["Intro.", "(by jane)"], _book(CREDIT))
    assert kept == ["Intro."]
    assert removed == [("t.credit", "\n\n(by jane)")]


def test_steps_combine_from_the_end() -> None:
    paragraphs = ["Intro.", "Body. (by jane)", "More:", "Headline one", "ENDS"]
    kept, removed = strip_footer(paragraphs, _book(ENDS, CREDIT, BLOCK))
    assert kept == ["Intro.", "Body."]
    assert [rule for rule, _ in removed] == ["t.ends", "t.more", "t.credit"]
    assert removed[1] == ("t.more", "\n\nMore:\n\nHeadline one")


def test_block_limits() -> None:
    book = _book(BLOCK)
    too_many = ["Intro.", "More:", "a", "b", "c"]
    too_long = ["Intro.", "More:", "x" * 21]
    sentence = ["Intro.", "More:", "A real sentence."]
    for paragraphs in (too_many, too_long, sentence):
        assert strip_footer(paragraphs, book) == (paragraphs, [])
    assert strip_footer(["Intro.", "More:", "a", "b"], book)[0] == ["Intro."]


def test_everything_can_go_and_the_caller_decides() -> None:
    assert strip_footer(["ENDS", "ENDS"], _book(ENDS)) == (
        [],
        [("t.ends", "\n\nENDS"), ("t.ends", "ENDS")],
    )


def test_number_of_steps_is_bounded() -> None:
    paragraphs = ["Intro."] + ["ENDS"] * (MAX_FOOTER_STEPS + 10)
    kept, removed = strip_footer(paragraphs, _book(ENDS))
    assert len(removed) == MAX_FOOTER_STEPS
    assert len(kept) == 11
