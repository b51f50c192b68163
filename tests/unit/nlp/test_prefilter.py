"""Which sentences the parser pre-filter keeps, rule by rule, on hand-built sentences."""

from __future__ import annotations

from pipeline.events.lexicon import load_lexicon
from pipeline.nlp.base import ParsedSentence, Word
from pipeline.nlp.prefilter import lexicon_for, needs_parse

# (text, lemma, upos) per word; sentences are laid out one after another in BODY.
SENTENCES = [
    [("Markets", "market", "NOUN"), ("were", "be", "AUX"), ("calm", "calm", "ADJ")],
    [
        ("Defence", "defence", "PROPN"),
        ("Minister", "minister", "PROPN"),
        ("Sergei", "Sergei", "PROPN"),
        ("Shoigu", "Shoigu", "PROPN"),
    ],
    [("Putin", "Putin", "PROPN"), ("visited", "visit", "VERB"), ("Beijing", "Beijing", "PROPN")],
    [("Prices", "price", "NOUN"), ("rose", "rise", "VERB"), ("sharply", "sharply", "ADV")],
    [("Weather", "weather", "NOUN"), ("stayed", "stay", "VERB"), ("mild", "mild", "ADJ")],
    [("He", "he", "PRON"), ("met", "meet", "VERB"), ("Xi", "Xi", "PROPN")],
]


def _layout() -> tuple[str, list[ParsedSentence]]:
    body, sentences = "", []
    for index, words in enumerate(SENTENCES):
        start = len(body)
        built = []
        for i, (text, lemma, upos) in enumerate(words, 1):
            offset = len(body)
            body += text + " "
            built.append(Word(i, text, lemma, upos, 0, "dep", offset, offset + len(text)))
        body = body[:-1] + ". "
        sentences.append(ParsedSentence(index, start, len(body) - 1, tuple(built), parsed=False))
    return body, sentences


def test_triggers_pronoun_lookback_and_titles_of_people() -> None:
    body, sentences = _layout()
    lexicon = lexicon_for("en")
    shoigu = (body.index("Sergei"), body.index("Shoigu") + len("Shoigu"))
    wanted = needs_parse(sentences, body, lexicon, persons=[shoigu])
    # 2: "visited"; 5: "met" with "He", so 3 and 4 (two sentences back) too; 1: a title
    # next to a person; 0: nothing a later stage reads.
    assert wanted == {1, 2, 3, 4, 5}


def test_no_pronoun_no_lookback_and_a_title_needs_a_person() -> None:
    body, sentences = _layout()
    last = sentences[-1]
    words = tuple(
        Word(w.index, "Lavrov", "Lavrov", "PROPN", 0, "dep", w.start, w.end)
        if w.upos == "PRON"
        else w
        for w in last.words
    )
    sentences[-1] = ParsedSentence(last.index, last.start, last.end, words, parsed=False)
    assert needs_parse(sentences, body, lexicon_for("en")) == {2, 5}


def test_no_trigger_or_no_lexicon_means_no_parse() -> None:
    body, sentences = _layout()
    quiet = [sentences[0], sentences[3]]
    assert needs_parse(quiet, body, lexicon_for("en")) == set()
    assert needs_parse(sentences, body, None) == set()
    assert lexicon_for("fr") is None and lexicon_for("und") is None
    assert lexicon_for("en-GB") is load_lexicon("en")
