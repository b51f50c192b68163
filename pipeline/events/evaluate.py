"""Score the events stage on the annotated sets in ``eval/``.

Run ``python -m pipeline.events.evaluate``.

Every document goes through the real stages: clean -> Stanza (the configured models,
else the shipped tiny ones) -> entity resolution -> :func:`extract_events`. A predicted
event *matches* a gold event when it has the gold type and its trigger overlaps the
gold trigger (the first occurrence of the gold ``trigger`` text in the clean body).
It is *fully* right when, in addition, the mode, the actors and the recipients (when
the gold lists them), the four flags and the date (when the gold gives one) agree. A
gold participant is a canonical entity name ("Kim Jong Un"), an ISO alpha-3 code for an
unnamed agent ("RUS" for "Russian forces"), or surface text.

Prints precision and recall per PLOVER type and overall as a markdown table, for both
criteria, and with ``--verbose`` every miss and false alarm.

Eval file format (JSON Lines, one document a line)::

    {"id": "en-01", "language": "en", "published_at": "2023-09-17T08:00:00Z",
     "text": "...", "events": [{"trigger": "hosted", "type": "CONSULT", "mode": "visit",
     "actors": ["Kim Jong Un"], "recipients": ["Vladimir Putin"], "date": "2023-09-13",
     "negated": false, "future": false, "hypothetical": false, "historical": false}]}

``mode`` null means no mode; a missing ``recipients`` is not scored; missing flags are
false.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pipeline.events.lexicon import normalise_key

EVAL_DIR = Path(__file__).resolve().parent / "eval"
FLAGS = ("negated", "future", "hypothetical", "historical")


@dataclass
class Document:
    id: str
    language: str
    text: str
    published_at: datetime | None
    gold: list[dict[str, Any]]
    file: str = ""
    body: str = ""
    predicted: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Tally:
    gold: Counter[str] = field(default_factory=Counter)
    predicted: Counter[str] = field(default_factory=Counter)
    matched: Counter[str] = field(default_factory=Counter)
    full: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)


def load_documents(paths: Iterable[Path]) -> list[Document]:
    docs = []
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            data = json.loads(line)
            where = f"{path.name}:{number}"
            for key in ("id", "language", "text", "events"):
                if key not in data:
                    raise ValueError(f"{where}: missing {key!r}")
            published = data.get("published_at")
            docs.append(
                Document(
                    id=str(data["id"]),
                    language=str(data["language"]),
                    text=str(data["text"]),
                    published_at=(
                        datetime.fromisoformat(published.replace("Z", "+00:00"))
                        if published
                        else None
                    ),
                    gold=list(data["events"]),
                    file=path.name,
                )
            )
    return docs


def run_stages(docs: Sequence[Document]) -> dict[str, float]:
    """Fill each document's clean body and predicted events; returns seconds per stage."""
    from pipeline.clean import clean_article
    from pipeline.config import Settings
    from pipeline.entities.resolve import resolve_entities
    from pipeline.events.extract import extract_events
    from pipeline.nlp.annotate import annotate
    from pipeline.nlp.registry import pipeline_for

    timings: dict[str, float] = {"nlp": 0.0, "entities": 0.0, "events": 0.0}
    settings = Settings()
    for language in sorted({d.language for d in docs}):
        group = [d for d in docs if d.language == language]
        for doc in group:
            doc.body = clean_article(doc.text, language=language).body
        loaded = pipeline_for(settings, language)
        if loaded is None:
            raise SystemExit(f"no Stanza models for {language!r}")
        nlp, _ = loaded
        started = time.perf_counter()
        annotations = annotate(nlp, [d.body for d in group])
        timings["nlp"] += time.perf_counter() - started
        for doc, (sentences, mentions) in zip(group, annotations, strict=True):
            started = time.perf_counter()
            entities = resolve_entities(doc.body, sentences, mentions, language)
            timings["entities"] += time.perf_counter() - started
            started = time.perf_counter()
            doc.predicted = extract_events(
                article_id=doc.id,
                body=doc.body,
                sentences=sentences,
                entities=entities,
                language=language,
                published_at=doc.published_at,
                source="eval",
            )
            timings["events"] += time.perf_counter() - started
    return dict(timings)


def _norm(text: str) -> str:
    return " ".join(normalise_key(text).split())


def participant_matches(gold: str, predicted: Mapping[str, Any]) -> bool:
    if gold in (predicted.get("name"), predicted.get("country_code")):
        return True
    a, b = _norm(gold), _norm(str(predicted.get("text") or ""))
    return len(a) > 1 and len(b) > 1 and (a in b or b in a)


def _same_set(gold: Sequence[str], predicted: Sequence[Mapping[str, Any]]) -> bool:
    return all(any(participant_matches(g, p) for p in predicted) for g in gold) and all(
        any(participant_matches(g, p) for g in gold) for p in predicted
    )


def _differences(gold: Mapping[str, Any], event: Mapping[str, Any]) -> list[str]:
    out = []
    if gold.get("mode") != event["mode"]:
        out.append(f"mode {event['mode']!r} != {gold.get('mode')!r}")
    if not _same_set(gold.get("actors", []), event["actors"]):
        out.append(f"actors {[p['text'] for p in event['actors']]} != {gold.get('actors')}")
    if "recipients" in gold and not _same_set(gold["recipients"], event["recipients"]):
        out.append(f"recipients {[p['text'] for p in event['recipients']]} != {gold['recipients']}")
    for flag in FLAGS:
        if bool(gold.get(flag, False)) != bool(event[flag]):
            out.append(f"{flag}={event[flag]}")
    if "date" in gold:
        got = event["event_date"].isoformat() if event["event_date"] else None
        if got != gold["date"]:
            out.append(f"date {got} != {gold['date']}")
    return out


def score(docs: Sequence[Document]) -> Tally:
    tally = Tally()
    for doc in docs:
        remaining = list(doc.predicted)
        for event in doc.predicted:
            tally.predicted[event["event_type"]] += 1
        for gold in doc.gold:
            tally.gold[gold["type"]] += 1
            start = doc.body.find(gold["trigger"])
            if start < 0:
                raise ValueError(f"{doc.id}: gold trigger {gold['trigger']!r} not in the body")
            end = start + len(gold["trigger"])
            found = next(
                (
                    e
                    for e in remaining
                    if e["event_type"] == gold["type"]
                    and e["trigger_start"] < end
                    and start < e["trigger_end"]
                ),
                None,
            )
            if found is None:
                tally.notes.append(f"MISS {doc.id} {gold['type']} {gold['trigger']!r}")
                continue
            remaining.remove(found)
            tally.matched[gold["type"]] += 1
            problems = _differences(gold, found)
            if problems:
                tally.notes.append(
                    f"PART {doc.id} {gold['type']} {gold['trigger']!r}: " + "; ".join(problems)
                )
            else:
                tally.full[gold["type"]] += 1
        for event in remaining:
            actors = [p["text"] for p in event["actors"]]
            tally.notes.append(
                f"FALSE {doc.id} {event['event_type']}/{event['mode']} "
                f"{event['trigger_text']!r} actors={actors}"
            )
    return tally


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.2f}" if b else "-"


def table(tally: Tally) -> str:
    rows = [
        "| type | gold | predicted | P (type) | R (type) | P (full) | R (full) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    types = sorted(set(tally.gold) | set(tally.predicted))
    for name in types:
        gold, pred = tally.gold[name], tally.predicted[name]
        matched, full = tally.matched[name], tally.full[name]
        rows.append(
            f"| {name} | {gold} | {pred} | {_ratio(matched, pred)} | {_ratio(matched, gold)} "
            f"| {_ratio(full, pred)} | {_ratio(full, gold)} |"
        )
    gold, pred = sum(tally.gold.values()), sum(tally.predicted.values())
    matched, full = sum(tally.matched.values()), sum(tally.full.values())
    rows.append(
        f"| **overall** | {gold} | {pred} | {_ratio(matched, pred)} | {_ratio(matched, gold)} "
        f"| {_ratio(full, pred)} | {_ratio(full, gold)} |"
    )
    return "\n".join(rows)


def coverage_table() -> str:
    """Entries (and the lemmas/patterns they match) and modes per type and language."""
    from pipeline.events.lexicon import available_languages, coverage, load_lexicon
    from pipeline.events.ontology import load_ontology

    lexicons = [lex for lang in available_languages() if (lex := load_lexicon(lang))]
    header = " | ".join(f"{lex.language} entries (keys) | {lex.language} modes" for lex in lexicons)
    rows = [f"| type | {header} |", "|---|" + "---|---|" * len(lexicons)]
    for name in load_ontology().types:
        cells = []
        for lex in lexicons:
            entries, words, modes = coverage(lex).get(name, (0, 0, []))
            cells.append(f"{entries} ({words}) | {', '.join(modes) or '-'}")
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    totals = ", ".join(f"{lex.language}: {len(lex.triggers)} entries" for lex in lexicons)
    return "\n".join(rows) + f"\n\n{totals}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.events.evaluate",
        description=(
            "Score event extraction (clean -> Stanza -> entities -> events) on the annotated "
            "set. 'type': right type and trigger; 'full': also mode, actors, recipients, "
            "flags and date."
        ),
        epilog="example: python -m pipeline.events.evaluate --language ar --verbose",
    )
    parser.add_argument("files", nargs="*", type=Path, help="JSONL files (default: eval/*.jsonl)")
    parser.add_argument("--language", help="only documents in this language")
    parser.add_argument("--verbose", action="store_true", help="list misses and false alarms")
    parser.add_argument(
        "--coverage", action="store_true", help="print the lexicons' coverage of PLOVER and exit"
    )
    args = parser.parse_args(argv)
    if args.coverage:
        print(coverage_table())
        return 0
    files = args.files or sorted(EVAL_DIR.glob("*.jsonl"))
    docs = load_documents(files)
    if args.language:
        docs = [d for d in docs if d.language == args.language]
    if not docs:
        print("no documents", file=sys.stderr)
        return 1
    timings = run_stages(docs)
    names = sorted({d.file for d in docs}, key=lambda n: (n.startswith("heldout"), n))
    print(f"## Event extraction: {len(docs)} documents\n")
    for name in names:
        group = [d for d in docs if d.file == name]
        gold = sum(len(d.gold) for d in group)
        print(f"### {name} ({len(group)} documents, {gold} gold events)\n")
        print(table(score(group)) + "\n")
    tally = score(docs)
    print(f"### all ({len(names)} files)\n")
    print(table(tally) + "\n")
    per_doc = 1000 * timings.get("events", 0.0) / len(docs)
    print(
        f"events stage: {per_doc:.2f} ms per document "
        f"(Stanza: {1000 * timings.get('nlp', 0.0) / len(docs):.1f} ms, "
        f"entities: {1000 * timings.get('entities', 0.0) / len(docs):.2f} ms)"
    )
    if args.verbose:
        print("\n" + "\n".join(tally.notes))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
