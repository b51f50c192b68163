"""Whatever the parse (cycles, dangling heads, odd relations, offsets past the body),
the stage returns valid events and never raises."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.events import extract_events
from pipeline.nlp.base import ParsedSentence, Word

VOCAB = [
    ("visited", "visit", "VERB"), ("met", "meet", "VERB"), ("Kim", "Kim", "PROPN"),
    ("Moscow", "Moscow", "PROPN"), ("fired", "fire", "VERB"), ("missile", "missile", "NOUN"),
    ("not", "not", "PART"), ("will", "will", "AUX"), ("on", "on", "ADP"),
    ("Saturday", "Saturday", "PROPN"), ("two", "two", "NUM"), ("leaders", "leader", "NOUN"),
    ("he", "he", "PRON"), ("called", "call", "VERB"), ("for", "for", "ADP"),
    ("زار", "زار", "VERB"), ("و", "و", "CCONJ"), ("بكين", "بكين", "PROPN"),
    ("أطلقت", "أطلق", "VERB"), ("صواريخ", "صاروخ", "NOUN"), ("لم", "لم", "PART"),
    ("يوم", "يوم", "NOUN"), ("السبت", "سبت", "NOUN"), ("ه", "هو", "PRON"),
]  # fmt: skip
RELATIONS = [
    "nsubj", "obj", "obl", "nmod", "conj", "appos", "flat", "compound", "case", "advmod",
    "aux", "xcomp", "ccomp", "amod", "nsubj:pass", "obl:agent", "det", "nummod", "root",
]  # fmt: skip


@st.composite
def articles(draw: st.DrawFn) -> tuple[str, list[ParsedSentence], list[dict[str, Any]], str]:
    language = draw(st.sampled_from(["en", "ar"]))
    sentences = []
    parts: list[str] = []
    offset = 0
    for index in range(draw(st.integers(1, 3))):
        size = draw(st.integers(1, 8))
        rows = [draw(st.sampled_from(VOCAB)) for _ in range(size)]
        words = []
        position = offset
        for i, (text, lemma, upos) in enumerate(rows, 1):
            head = draw(st.integers(0, size + 1))  # may dangle, point to itself, or cycle
            words.append(
                Word(
                    i,
                    text,
                    lemma,
                    upos,
                    head,
                    draw(st.sampled_from(RELATIONS)),
                    position,
                    position + len(text),
                )
            )
            position += len(text) + 1
        text = " ".join(r[0] for r in rows)
        sentences.append(ParsedSentence(index, offset, offset + len(text), tuple(words)))
        parts.append(text)
        offset += len(text) + 1
    body = " ".join(parts)
    entities = []
    for n in range(draw(st.integers(0, 4))):
        start = draw(st.integers(0, len(body) + 3))
        end = start + draw(st.integers(0, 10))
        entities.append(
            {
                "id": f"e{n}",
                "name": f"E{n}",
                "type": draw(st.sampled_from(["PER", "GPE", "LOC", "ORG", "MISC"])),
                "kb_id": None,
                "country_code": draw(st.sampled_from([None, "RUS"])),
                "extractors": ["stanza"],
                "mentions": [
                    {
                        "text": body[start:end],
                        "start": start,
                        "end": end,
                        "sentence": 0,
                        "type": draw(st.sampled_from(["PER", "GPE", "MISC"])),
                        "extractor": "stanza",
                    }
                ],
            }
        )
    return body, sentences, entities, language


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(articles())
def test_any_parse_gives_valid_events(
    assert_valid: Callable[[Sequence[dict[str, Any]]], None],
    article: tuple[str, list[ParsedSentence], list[dict[str, Any]], str],
) -> None:
    body, sentences, entities, language = article
    events = extract_events(
        article_id="fuzz", body=body, sentences=sentences, entities=entities,
        language=language, published_at=None, source=None,
    )  # fmt: skip
    assert_valid(events)
    for event in events:
        assert event["actors"]
        assert body[event["trigger_start"] : event["trigger_end"]] == event["trigger_text"]
