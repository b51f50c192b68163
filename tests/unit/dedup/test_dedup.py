"""Duplicate detection: fingerprints, the first-seen index, and order-independent replay."""

from __future__ import annotations

import random

import pytest

from pipeline.config import Settings
from pipeline.dedup.fingerprint import Fingerprint, fingerprint, shingles, words
from pipeline.dedup.index import DuplicateIndex, resolve_in_order
from pipeline.dedup.stage import mark_online
from pipeline.records import Article, Provenance, RawMessage

STORY = (
    "The foreign ministers of the two countries met in the capital on Tuesday to discuss "
    "trade, security and the situation along their shared border, officials said after "
    "the talks, which lasted more than four hours and ended with a joint statement."
)
OTHER = (
    "Heavy rain flooded several villages in the south of the country overnight, and "
    "rescue teams evacuated hundreds of families to schools and mosques, the civil "
    "defence agency said on its website on Wednesday morning."
)
SETTINGS = Settings()


def article(article_id: str, body: str, line: int) -> Article:
    message = RawMessage(b"{}", Provenance(kind="file", file="in.jsonl", line=line))
    return Article(message=message, id=article_id, body=body)


def fp(article_id: str, body: str, line: int) -> Fingerprint:
    return fingerprint(
        article(article_id, body, line), SETTINGS.dedup_num_perm, SETTINGS.dedup_min_shingles
    )


def test_words_ignore_case_punctuation_and_arabic_marks() -> None:
    assert words("Hello, WORLD!") == ["hello", "world"]
    assert words("وَزِيرُ الخارجية") == words("وزير الخارجيـــة")


def test_shingles_of_short_and_long_text() -> None:
    assert shingles("one two") == {"one two"}
    assert shingles("a b c d") == {"a b c", "b c d"}
    assert shingles("") == set()


def test_fingerprint_is_deterministic_and_compact() -> None:
    a, b = fp("x", STORY, 1), fp("x", STORY, 1)
    assert a == b
    assert len(a.signature) == 8 * SETTINGS.dedup_num_perm
    assert fp("short", "Too short to compare.", 2).signature == b""


def new_index() -> DuplicateIndex:
    return DuplicateIndex(SETTINGS.dedup_threshold, SETTINGS.dedup_num_perm)


def test_each_kind_of_duplicate() -> None:
    index = new_index()
    assert index.check(fp("a", STORY, 1)) is None
    assert index.check(fp("b", OTHER, 2)) is None
    assert index.check(fp("a", STORY, 3)) == {"kind": "redelivery", "of_id": "a", "similarity": 1.0}
    revised = index.check(fp("a", STORY.replace("Tuesday", "Monday"), 4))
    assert revised is not None and revised["kind"] == "revision" and revised["of_id"] == "a"
    assert index.check(fp("c", STORY, 5)) == {"kind": "exact", "of_id": "a", "similarity": 1.0}
    near = index.check(fp("d", STORY.replace("four hours", "five hours"), 6))
    assert near is not None and near["kind"] == "near" and near["of_id"] == "a"
    assert SETTINGS.dedup_threshold <= near["similarity"] < 1.0


def test_unrelated_and_short_articles_are_not_duplicates() -> None:
    index = new_index()
    assert index.check(fp("a", STORY, 1)) is None
    assert index.check(fp("b", OTHER, 2)) is None
    assert index.check(fp("s1", "Markets closed.", 3)) is None
    assert index.check(fp("s2", "Markets closed higher.", 4)) is None


def test_copies_of_copies_point_at_the_original() -> None:
    index = new_index()
    index.check(fp("orig", STORY, 1))
    first = index.check(fp("copy1", STORY.replace("Tuesday", "Monday"), 2))
    second = index.check(fp("copy2", STORY.replace("Tuesday", "Monday"), 3))
    assert first is not None and first["of_id"] == "orig"
    assert second == {"kind": "exact", "of_id": "orig", "similarity": 1.0}


def test_window_forgets_the_oldest() -> None:
    index = DuplicateIndex(SETTINGS.dedup_threshold, SETTINGS.dedup_num_perm, capacity=2)
    index.check(fp("a", STORY, 1))
    index.check(fp("b", OTHER, 2))
    third = "A third story about something else entirely, told at length here."
    index.check(fp("c", third, 3))
    assert len(index) == 2
    assert index.check(fp("d", STORY, 4)) is None  # "a" was forgotten
    assert index.check(fp("e", third, 5)) == {"kind": "exact", "of_id": "c", "similarity": 1.0}
    assert index.check(fp("f", OTHER, 6)) is None  # "b" went when "d" came


def test_replay_verdicts_do_not_depend_on_arrival_order() -> None:
    prints = [
        fp("a", STORY, 1),
        fp("b", OTHER, 2),
        fp("c", STORY, 3),
        fp("d", STORY.replace("four", "five"), 4),
        fp("b", OTHER, 5),
    ]
    expected = dict(resolve_in_order(prints, SETTINGS.dedup_threshold, SETTINGS.dedup_num_perm))
    assert {k[-2]: v["kind"] for k, v in expected.items()} == {
        3: "exact",
        4: "near",
        5: "redelivery",
    }
    rng = random.Random(1)
    for _ in range(5):
        shuffled = prints[:]
        rng.shuffle(shuffled)
        again = resolve_in_order(shuffled, SETTINGS.dedup_threshold, SETTINGS.dedup_num_perm)
        assert dict(again) == expected


@pytest.mark.parametrize(("threshold", "flagged"), [(0.5, True), (0.95, False)])
def test_threshold_is_a_setting(threshold: float, flagged: bool) -> None:
    settings = Settings(dedup_threshold=threshold, dedup_window=10)
    edited = STORY.replace("trade, security and", "trade and")  # estimate ~0.91
    first = mark_online(article("t1", STORY, 1), settings, f"run-{threshold}")
    second = mark_online(article("t2", edited, 2), settings, f"run-{threshold}")
    assert first.duplicate is None
    assert (second.duplicate is not None) == flagged
    if flagged:
        assert second.duplicate is not None and second.duplicate["kind"] == "near"
        assert threshold <= second.duplicate["similarity"] < 1.0
