"""The annotated evaluation set is well-formed and the scorer counts what it says."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from pipeline.clean import clean_article
from pipeline.events.evaluate import (
    EVAL_DIR,
    Document,
    coverage_table,
    load_documents,
    participant_matches,
    score,
    table,
)
from pipeline.events.ontology import load_ontology

FILES = sorted(EVAL_DIR.glob("*.jsonl"))


def test_the_set_is_large_enough_and_well_formed() -> None:
    docs = load_documents(FILES)
    dev = [d for d in docs if not d.file.startswith("heldout")]
    assert {d.language for d in dev} == {"ar", "en"}
    assert 40 <= sum(len(d.gold) for d in dev) <= 60
    assert any(not d.gold for d in dev)  # documents without events measure false alarms
    onto = load_ontology()
    ids = [d.id for d in docs]
    assert len(set(ids)) == len(ids)
    for doc in docs:
        body = clean_article(doc.text, language=doc.language).body
        for gold in doc.gold:
            assert gold["type"] in onto.types, doc.id
            assert gold["mode"] is None or gold["mode"] in onto.types[gold["type"]].modes
            assert gold["trigger"] in body, (doc.id, gold["trigger"])
            assert gold["actors"], doc.id


def test_not_the_tiny_models_training_sentences() -> None:
    corpus = EVAL_DIR.parents[1] / "nlp" / "training" / "corpus"
    trained = {
        line[len("# text = ") :].strip()
        for path in corpus.glob("*/*.conllu")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("# text = ")
    }
    for doc in load_documents(FILES):
        for sentence in doc.text.replace("\n", " ").split(". "):
            assert sentence.strip().rstrip(".") + "." not in trained, doc.id


def _event(event_type: str, start: int, end: int, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "event_type": event_type,
        "mode": None,
        "actors": [],
        "recipients": [],
        "trigger_start": start,
        "trigger_end": end,
        "trigger_text": "x",
        "event_date": None,
        "negated": False,
        "future": False,
        "hypothetical": False,
        "historical": False,
    }
    base.update(fields)
    return base


def _person(name: str | None, text: str, country: str | None = None) -> dict[str, Any]:
    return {"name": name, "text": text, "country_code": country}


def test_scoring_counts_type_and_full_matches() -> None:
    doc = Document(
        id="d",
        language="en",
        text="",
        published_at=None,
        gold=[
            {"trigger": "met", "type": "CONSULT", "mode": None, "actors": ["Kim Jong Un", "RUS"]},
            {
                "trigger": "fired",
                "type": "MOBILIZE",
                "mode": "weapons",
                "actors": ["PRK"],
                "date": "2023-09-16",
            },
            {"trigger": "warned", "type": "THREATEN", "mode": None, "actors": ["Japan"]},
        ],
        body="Kim met Russian officials. Pyongyang fired missiles. Japan warned.",
    )
    doc.predicted = [
        _event(
            "CONSULT",
            4,
            7,
            actors=[_person("Kim Jong Un", "Kim"), _person(None, "Russian officials", "RUS")],
        ),
        _event(
            "MOBILIZE",
            37,
            42,
            mode="weapons",
            actors=[_person("Pyongyang", "Pyongyang", "PRK")],
            event_date=dt.date(2023, 9, 15),
        ),
        _event("ASSAULT", 37, 42),
    ]
    tally = score([doc])
    assert tally.gold == {"CONSULT": 1, "MOBILIZE": 1, "THREATEN": 1}
    assert tally.predicted == {"CONSULT": 1, "MOBILIZE": 1, "ASSAULT": 1}
    assert tally.matched == {"CONSULT": 1, "MOBILIZE": 1}
    assert tally.full == {"CONSULT": 1}  # the MOBILIZE date is wrong
    assert any(n.startswith("MISS d THREATEN") for n in tally.notes)
    assert any(n.startswith("FALSE d ASSAULT") for n in tally.notes)
    rendered = table(tally)
    assert "| **overall** | 3 | 3 | 0.67 | 0.67 | 0.33 | 0.33 |" in rendered
    assert "| THREATEN | 1 | 0 | - | 0.00 | - | 0.00 |" in rendered


@pytest.mark.parametrize(
    ("gold", "participant", "expected"),
    [
        ("Kim Jong Un", _person("Kim Jong Un", "كيم"), True),
        ("RUS", _person(None, "Russian officials", "RUS"), True),
        ("Xi Jinping", _person(None, "Xi"), True),
        ("Police", _person(None, "Police in Tehran"), True),
        ("Japan", _person("China", "China", "CHN"), False),
    ],
)
def test_participant_matching(gold: str, participant: dict[str, Any], expected: bool) -> None:
    assert participant_matches(gold, participant) is expected


def test_coverage_table_lists_every_type() -> None:
    rendered = coverage_table()
    for name in load_ontology().types:
        assert f"| {name} |" in rendered
