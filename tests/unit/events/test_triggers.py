"""Trigger matching on hand-built parses: forms, patterns, context and exclusions,
specificity, absorption, and the clitics the tiny tokenizer splits off wrongly."""

from __future__ import annotations

from types import SimpleNamespace

from pipeline.events.lexicon import load_lexicon
from pipeline.events.ontology import load_ontology
from pipeline.events.tree import Tree
from pipeline.events.triggers import TriggerMatch, find_triggers
from pipeline.nlp.base import ParsedSentence, Word

Row = tuple[str, str, str, int, str]


def triggers(
    kit: SimpleNamespace, rows: list[Row], language: str = "ar", body: str | None = None
) -> list[TriggerMatch]:
    text, sentence = kit.build(rows)
    lexicon = load_lexicon(language)
    assert lexicon is not None
    return find_triggers(Tree(sentence, body or text), lexicon, load_ontology())


def summary(matches: list[TriggerMatch]) -> list[tuple[str, str | None, str]]:
    return [(m.trigger.type, m.mode, m.anchor.text) for m in matches]


def test_context_decides_between_readings_of_one_verb(kit: SimpleNamespace) -> None:
    fired = [
        ("أطلقت", "أطلق", "VERB", 0, "root"),
        ("كوريا", "كوريا", "PROPN", 1, "nsubj"),
        ("صاروخا", "صاروخ", "NOUN", 1, "obj"),
    ]
    assert summary(triggers(kit, fired)) == [("MOBILIZE", "weapons", "أطلقت")]
    released = [
        ("أطلقت", "أطلق", "VERB", 0, "root"),
        ("إيران", "إيران", "PROPN", 1, "nsubj"),
        ("سراح", "سراح", "NOUN", 1, "obj"),
        ("سجين", "سجين", "NOUN", 3, "nmod"),
    ]
    assert summary(triggers(kit, released)) == [("RETREAT", "release", "أطلقت")]
    campaign = [("أطلقت", "أطلق", "VERB", 0, "root"), ("حملة", "حملة", "NOUN", 1, "obj")]
    assert triggers(kit, campaign) == []


def test_exclusions(kit: SimpleNamespace) -> None:
    submarine = [
        ("غواصة", "غواصة", "NOUN", 0, "root"),
        ("هجوم", "هجوم", "NOUN", 1, "nmod"),
        ("نووي", "نووي", "ADJ", 2, "amod"),
    ]
    assert triggers(kit, submarine) == []
    reach = [
        ("يمكن", "أمكن", "VERB", 0, "root"),
        ("أن", "أن", "SCONJ", 3, "mark"),
        ("يصل", "وصل", "VERB", 1, "csubj"),
        ("مداها", "مدى", "NOUN", 3, "nsubj"),
    ]
    assert triggers(kit, reach) == []


def test_invitation_beats_request_and_modes_come_from_context(kit: SimpleNamespace) -> None:
    invite = [
        ("دعا", "دعا", "VERB", 0, "root"),
        ("بوتين", "بوتين", "PROPN", 1, "nsubj"),
        ("كيم", "كيم", "PROPN", 1, "obj"),
        ("لزيارة", "زيارة", "NOUN", 1, "obl"),
    ]
    assert summary(triggers(kit, invite)) == [("AGREE", None, "دعا")]
    ease = [
        ("دعت", "دعا", "VERB", 0, "root"),
        ("بكين", "بكين", "PROPN", 1, "nsubj"),
        ("إلى", "إلى", "ADP", 4, "case"),
        ("تخفيف", "تخفيف", "NOUN", 1, "obl"),
        ("العقوبات", "عقوبة", "NOUN", 4, "nmod"),
    ]
    # One REQUEST/yield: the easing (a CONCEDE pattern) is absorbed as its content.
    assert summary(triggers(kit, ease)) == [("REQUEST", "yield", "دعت")]


def test_patterns_allow_words_between(kit: SimpleNamespace) -> None:
    en = [
        ("The", "the", "DET", 3, "det"),
        ("EU", "EU", "PROPN", 3, "compound"),
        ("imposed", "impose", "VERB", 0, "root"),
        ("new", "new", "ADJ", 6, "amod"),
        ("tough", "tough", "ADJ", 6, "amod"),
        ("sanctions", "sanction", "NOUN", 3, "obj"),
    ]
    (match,) = triggers(kit, en, "en")
    assert (match.trigger.type, match.trigger.lemma) == ("SANCTION", "impose sanction")
    assert [w.text for w in match.words] == ["imposed", "sanctions"]
    too_far = [
        ("imposed", "impose", "VERB", 0, "root"),
        *[("x", "x", "X", 1, "dep")] * 4,
        ("sanctions", "sanction", "NOUN", 1, "obj"),
    ]
    assert triggers(kit, too_far, "en") == []


def test_future_prefix_and_unlemmatized_forms(kit: SimpleNamespace) -> None:
    (match,) = triggers(kit, [("سيزور", "سيزو", "VERB", 0, "root")])
    assert match.future_prefix and match.via_form
    assert (match.trigger.type, match.trigger.lemma) == ("CONSULT", "زار")
    (accusative,) = triggers(
        kit, [("شنت", "شن", "VERB", 0, "root"), ("هجوما", "هجوما", "NOUN", 1, "obj")]
    )
    assert accusative.trigger.type == "ASSAULT"


def test_a_clitic_split_off_wrongly_still_matches(kit: SimpleNamespace) -> None:
    # The tokenizer split "وصل" (arrived) into "و" + "صل": the token is the verb.
    body = "وصل مودي"
    words: tuple[Word, ...] = (
        Word(1, "و", "و", "CCONJ", 2, "cc", 0, 3),
        Word(2, "صل", "صل", "PROPN", 0, "root", 0, 3),
        Word(3, "مودي", "مودي", "PROPN", 2, "nsubj", 4, 8),
    )
    lexicon = load_lexicon("ar")
    assert lexicon is not None
    tree = Tree(ParsedSentence(0, 0, len(body), words), body)
    (match,) = find_triggers(tree, lexicon, load_ontology())
    assert (match.trigger.lemma, match.anchor.text) == ("وصل", "صل")
    # A pronoun clitic does not make its token a second trigger ("زيارته").
    body = "زيارته"
    words = (
        Word(1, "زيارة", "زيارة", "NOUN", 0, "root", 0, 6),
        Word(2, "ه", "هو", "PRON", 1, "nmod:poss", 0, 6),
    )
    tree = Tree(ParsedSentence(0, 0, len(body), words), body)
    assert [m.anchor.text for m in find_triggers(tree, lexicon, load_ontology())] == ["زيارة"]


def test_a_noun_after_an_absorbing_verb_is_its_content(kit: SimpleNamespace) -> None:
    # The parse attaches "الهجوم" to the subject; it is still what was condemned.
    rows = [
        ("أدان", "أدان", "VERB", 0, "root"),
        ("الاتحاد", "اتحاد", "NOUN", 1, "nsubj"),
        ("الأوروبي", "أوروبي", "ADJ", 2, "amod"),
        ("الهجوم", "هجوم", "ADJ", 2, "amod"),
    ]
    assert summary(triggers(kit, rows)) == [("ACCUSE", "disapprove", "أدان")]


def test_the_same_event_named_twice_is_one_trigger(kit: SimpleNamespace) -> None:
    visit = [
        ("Macron", "Macron", "PROPN", 2, "nsubj"),
        ("arrived", "arrive", "VERB", 0, "root"),
        ("for", "for", "ADP", 5, "case"),
        ("state", "state", "NOUN", 5, "compound"),
        ("visit", "visit", "NOUN", 2, "obl"),
    ]
    assert summary(triggers(kit, visit, "en")) == [("CONSULT", "visit", "arrived")]
    meet = [
        ("UN", "UN", "PROPN", 3, "nsubj"),
        ("will", "will", "AUX", 3, "aux"),
        ("meet", "meet", "VERB", 0, "root"),
        ("to", "to", "PART", 5, "mark"),
        ("discuss", "discuss", "VERB", 3, "advcl"),
    ]
    assert summary(triggers(kit, meet, "en")) == [("CONSULT", None, "meet")]
    # "During his visit, Kim inspected ...": the visit and the inspection both stand.
    during = [
        ("During", "during", "ADP", 2, "case"),
        ("visit", "visit", "NOUN", 4, "obl"),
        ("Kim", "Kim", "PROPN", 4, "nsubj"),
        ("inspected", "inspect", "VERB", 0, "root"),
    ]
    assert [m.anchor.text for m in triggers(kit, during, "en")] == ["visit", "inspected"]
