"""Negated, future and hypothetical events, from hand-built parses (so the cue, not the
tiny parser, is under test) and from the real models."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

from pipeline.events.flags import Modality, modality
from pipeline.events.lexicon import load_lexicon
from pipeline.events.ontology import load_ontology
from pipeline.events.tree import Tree
from pipeline.events.triggers import find_triggers


def flags_of(
    kit: SimpleNamespace, specs: list[tuple[str, str, str, int, str]], lang: str
) -> Modality:
    _, sentence = kit.build(specs)
    lexicon = load_lexicon(lang)
    assert lexicon is not None
    tree = Tree(sentence)
    matches = find_triggers(tree, lexicon, load_ontology())
    assert len(matches) == 1, [m.trigger.lemma for m in matches]
    return modality(tree, matches[0], lexicon)


@pytest.mark.parametrize(
    ("specs", "expected"),
    [
        (
            [
                ("Kim", "Kim", "PROPN", 4, "nsubj"),
                ("did", "do", "AUX", 4, "aux"),
                ("not", "not", "PART", 4, "advmod"),
                ("meet", "meet", "VERB", 0, "root"),
                ("Putin", "Putin", "PROPN", 4, "obj"),
            ],
            Modality(negated=True),
        ),
        (
            [
                ("Kim", "Kim", "PROPN", 3, "nsubj"),
                ("will", "will", "AUX", 3, "aux"),
                ("meet", "meet", "VERB", 0, "root"),
                ("Putin", "Putin", "PROPN", 3, "obj"),
            ],
            Modality(future=True),
        ),
        (
            [
                ("Kim", "Kim", "PROPN", 3, "nsubj"),
                ("could", "could", "AUX", 3, "aux"),
                ("meet", "meet", "VERB", 0, "root"),
                ("Putin", "Putin", "PROPN", 3, "obj"),
            ],
            Modality(hypothetical=True),
        ),
        (
            [
                ("If", "if", "SCONJ", 3, "mark"),
                ("Kim", "Kim", "PROPN", 3, "nsubj"),
                ("meets", "meet", "VERB", 0, "root"),
                ("Putin", "Putin", "PROPN", 3, "obj"),
            ],
            Modality(hypothetical=True),
        ),
        (
            [
                ("Kim", "Kim", "PROPN", 2, "nsubj"),
                ("plans", "plan", "VERB", 0, "root"),
                ("to", "to", "PART", 4, "mark"),
                ("meet", "meet", "VERB", 2, "xcomp"),
                ("Putin", "Putin", "PROPN", 4, "obj"),
            ],
            Modality(future=True),
        ),
        (
            # "would" under a verb of saying is a future, not a hypothesis.
            [
                ("Putin", "Putin", "PROPN", 2, "nsubj"),
                ("said", "say", "VERB", 0, "root"),
                ("he", "he", "PRON", 5, "nsubj"),
                ("would", "would", "AUX", 5, "aux"),
                ("meet", "meet", "VERB", 2, "ccomp"),
                ("Kim", "Kim", "PROPN", 5, "obj"),
            ],
            Modality(future=True),
        ),
        (
            [
                ("Kim", "Kim", "PROPN", 3, "nsubj"),
                ("would", "would", "AUX", 3, "aux"),
                ("meet", "meet", "VERB", 0, "root"),
                ("Putin", "Putin", "PROPN", 3, "obj"),
            ],
            Modality(hypothetical=True),
        ),
        (
            [
                ("Kim", "Kim", "PROPN", 2, "nsubj"),
                ("met", "meet", "VERB", 0, "root"),
                ("Putin", "Putin", "PROPN", 2, "obj"),
            ],
            Modality(),
        ),
    ],
)
def test_english_cues(
    kit: SimpleNamespace, specs: list[tuple[str, str, str, int, str]], expected: Modality
) -> None:
    assert flags_of(kit, specs, "en") == expected


@pytest.mark.parametrize(
    ("specs", "expected"),
    [
        (  # ولم يلتق بايدن مع شي
            [
                ("و", "و", "CCONJ", 3, "cc"),
                ("لم", "لم", "PART", 3, "advmod"),
                ("يلتق", "يلق", "VERB", 0, "root"),
                ("بايدن", "بايدن", "PROPN", 3, "nsubj"),
            ],
            Modality(negated=True),
        ),
        (  # سيزور الرئيس موسكو: the future prefix on an unlemmatized form
            [
                ("سيزور", "سيزو", "VERB", 0, "root"),
                ("الرئيس", "رئيس", "NOUN", 1, "nsubj"),
                ("موسكو", "موسكو", "PROPN", 1, "obj"),
            ],
            Modality(future=True),
        ),
        (  # لن يزور: negated and future
            [
                ("لن", "لن", "PART", 2, "advmod"),
                ("يزور", "زار", "VERB", 0, "root"),
                ("الرئيس", "رئيس", "NOUN", 2, "nsubj"),
            ],
            Modality(negated=True, future=True),
        ),
        (  # ومن المقرر أن يزور: a governing "scheduled" in the words before the verb
            [
                ("و", "و", "CCONJ", 5, "cc"),
                ("من", "من", "ADP", 3, "case"),
                ("المقرر", "مقرر", "NOUN", 5, "obl"),
                ("أن", "أن", "SCONJ", 5, "mark"),
                ("يزور", "زار", "VERB", 0, "root"),
                ("الرئيس", "رئيس", "NOUN", 5, "nsubj"),
            ],
            Modality(future=True),
        ),
        (  # إذا زار: conditional
            [
                ("إذا", "إذا", "SCONJ", 2, "mark"),
                ("زار", "زار", "VERB", 0, "root"),
                ("الرئيس", "رئيس", "NOUN", 2, "nsubj"),
            ],
            Modality(hypothetical=True),
        ),
        (  # قد يزور: "may visit"; قد before a perfect verb ("has visited") is not
            [
                ("قد", "قد", "PART", 2, "advmod"),
                ("يزور", "زار", "VERB", 0, "root"),
                ("الرئيس", "رئيس", "NOUN", 2, "nsubj"),
            ],
            Modality(hypothetical=True),
        ),
        (
            [
                ("قد", "قد", "PART", 2, "advmod"),
                ("زار", "زار", "VERB", 0, "root"),
                ("الرئيس", "رئيس", "NOUN", 2, "nsubj"),
            ],
            Modality(),
        ),
        (  # رفض زيارة: the visit is negated by the refusal (and absorbed into REJECT)
            [
                ("عدم", "عدم", "NOUN", 2, "nmod"),
                ("زيارة", "زيارة", "NOUN", 0, "root"),
                ("الرئيس", "رئيس", "NOUN", 2, "nmod"),
            ],
            Modality(negated=True),
        ),
    ],
)
def test_arabic_cues(
    kit: SimpleNamespace, specs: list[tuple[str, str, str, int, str]], expected: Modality
) -> None:
    assert flags_of(kit, specs, "ar") == expected


def test_flags_reach_the_event(english: Callable[..., Any]) -> None:
    run = english("Putin said Russia would help North Korea build satellites.")
    (event,) = run.events
    # Reported future cooperation: an intention (AGREE) flagged future.
    assert (event["event_type"], event["future"], event["hypothetical"]) == ("AGREE", True, False)
    run = english("Moscow refused to meet the envoy.")
    assert [(e["event_type"], e["mode"]) for e in run.events] == [("REJECT", "meet")]


def test_arabic_future_meeting_is_agree(arabic: Callable[..., Any]) -> None:
    run = arabic("وسيلتقي وزير الدفاع الصيني نظيره الروسي في بكين يوم الثلاثاء المقبل.")
    (event,) = run.events
    assert (event["event_type"], event["future"]) == ("AGREE", True)
    assert {a["country_code"] for a in event["actors"]} == {"CHN", "RUS"}
    assert str(event["event_date"]) == "2023-09-19"
