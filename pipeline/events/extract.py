"""The events stage: PLOVER events of one article, as ``newswire.v1.Event`` records.

:func:`extract_events` is the stage's single entry point, a pure function of the clean
body, its parsed sentences and resolved entities. Per sentence: triggers from the
language's lexicon (:mod:`.triggers`), then per trigger its modality (:mod:`.flags`),
date (:mod:`.dates`), actors, recipients and place (:mod:`.participants`). An event
needs an actor (PLOVER codes no event without a source); a cooperative event reported
in the future tense becomes AGREE (PLOVER: future cooperation is an intention).

Confidence starts from the entry (0.8 for a multiword pattern, 0.7 for one word, or the
entry's own ``confidence``), loses 0.05 for a nominal trigger and 0.05 when only a
surface form matched (the parser's lemma did not), gains 0.1 for an actor from the
parse or loses 0.2 for a fallback actor, gains 0.05 for a recipient from the parse or
loses 0.1 for a fallback one; clamped to [0.05, 0.99].

The event id is ``"ev:"`` + 32 hex digits of sha256(article id, sentence index, trigger
offsets, event type), so a replay produces the same ids.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from pipeline.entities.dictionary import load_dictionary
from pipeline.events.dates import (
    DateMention,
    ResolvedDate,
    find_dates,
    is_future,
    is_historical,
    resolve_date,
)
from pipeline.events.flags import modality
from pipeline.events.lexicon import Lexicon, base_language, load_lexicon
from pipeline.events.ontology import Ontology, load_ontology
from pipeline.events.participants import (
    Article,
    assign_roles,
    find_location,
    trim_clitics,
)
from pipeline.events.tree import CLAUSAL, Tree
from pipeline.events.triggers import TriggerMatch, find_triggers
from pipeline.nlp.base import ParsedSentence

__all__ = ["event_id", "extract_events"]

# A wire dateline opening the body: place (and date), the agency in brackets, a dash.
_DATELINE = re.compile(r"[^\n()]{1,60}?\([^()\n]{2,30}\)\s*[-–—]+\s+")


def event_id(article_id: str, sentence_index: int, start: int, end: int, event_type: str) -> str:
    """Deterministic id of an event."""
    payload = f"{article_id}\x00{sentence_index}\x00{start}\x00{end}\x00{event_type}"
    return "ev:" + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


def extract_events(
    *,
    article_id: str,
    body: str,
    sentences: Sequence[ParsedSentence],
    entities: Sequence[dict[str, Any]],
    language: str | None,
    published_at: datetime | None,
    source: str | None,
) -> list[dict[str, Any]]:
    """The article's events, in the Avro ``Event`` shape, ordered by sentence and trigger.

    Args:
        article_id: the article's id (part of every event id).
        body: the clean body; all offsets refer to it.
        sentences: its parsed sentences (``pipeline.nlp``).
        entities: its resolved entities (``pipeline.entities.resolve_entities``).
        language: the article's language; without a lexicon for it there are no events.
        published_at: publication time, the base of relative dates ("yesterday"); a
            naive datetime is taken as UTC; None leaves relative dates unresolved.
        source: the source name, copied to each event.
    """
    lang = base_language(language)
    lexicon = load_lexicon(lang) if lang else None
    if lexicon is None or not sentences:
        return []
    ontology = load_ontology()
    published = _aware(published_at)
    valid = [s for s in sentences if s.words and 0 <= s.start < s.end <= len(body)]
    cuts = {s.index: s.start for s in valid}
    if valid:
        first = min(valid, key=lambda s: s.start)
        stripped, cuts[first.index] = _strip_dateline(first, body)
        valid = [stripped if s.index == first.index else s for s in valid]
    trees = [Tree(s, body) for s in valid]
    article = Article(body, trees, entities, lexicon, load_dictionary())
    events: list[dict[str, Any]] = []
    for tree in trees:
        matches = find_triggers(tree, lexicon, ontology)
        if not matches:
            continue
        sentence = tree.sentence
        dates = [
            d
            for d in find_dates(
                body[sentence.start : sentence.end], lexicon.language, sentence.start
            )
            if d.start >= cuts[sentence.index]
        ]
        for match in matches:
            event = _event(
                match,
                tree,
                dates,
                article,
                lexicon,
                ontology,
                article_id=article_id,
                language=language,
                published=published,
                source=source,
            )
            if event is not None:
                events.append(event)
    events.sort(key=lambda e: (e["sentence_index"], e["trigger_start"], e["trigger_end"], e["id"]))
    return events


def _strip_dateline(sentence: ParsedSentence, body: str) -> tuple[ParsedSentence, int]:
    """The first sentence without a wire dateline ("VLADIVOSTOK, Russia, Sept 16
    (Reuters) -", "موسكو (رويترز) -"): its place names are not participants, its date
    is the story's. Returns the sentence and where its text now starts."""
    match = _DATELINE.match(body, sentence.start, sentence.end)
    if match is None:
        return sentence, sentence.start
    cut = match.end()
    words = tuple(w for w in sentence.words if w.start >= cut)
    if not words:
        return sentence, sentence.start
    return replace(sentence, words=words), cut


def _aware(published: datetime | None) -> datetime | None:
    if published is None:
        return None
    return published if published.tzinfo is not None else published.replace(tzinfo=UTC)


def _event(
    match: TriggerMatch,
    tree: Tree,
    dates: Sequence[DateMention],
    article: Article,
    lexicon: Lexicon,
    ontology: Ontology,
    *,
    article_id: str,
    language: str | None,
    published: datetime | None,
    source: str | None,
) -> dict[str, Any] | None:
    trigger = match.trigger
    flags = modality(tree, match, lexicon)
    mention = _pick_date(tree, match, dates)
    prefer = "future" if flags.future else "past"
    resolved: ResolvedDate | None = None
    if mention is not None:
        resolved = resolve_date(mention, published, lexicon.language, prefer)
    historical = resolved is not None and is_historical(resolved, published)
    future = flags.future or (resolved is not None and is_future(resolved, published))
    if historical:
        future = False

    event_type, mode = trigger.type, match.mode
    kind = ontology.types[event_type]
    if future and not flags.hypothetical and kind.future_as:
        event_type, mode = kind.future_as, None
        kind = ontology.types[event_type]

    roles = assign_roles(tree, match, article, ontology)
    if not roles.actors:
        return None  # PLOVER: no source actor, no event
    if "recipient" in trigger.requires and not roles.recipients:
        return None
    if "actor" in trigger.requires and roles.actor_source != "parse":
        return None
    taken = {p.key for p in roles.actors + roles.recipients}
    location = find_location(tree, match, article, taken)

    body = article.body
    sentence = tree.sentence
    first = min(match.words, key=lambda w: w.start)
    start, _ = trim_clitics(body, first.start, first.end, tree)
    end = match.end
    return {
        "id": event_id(article_id, sentence.index, start, end, event_type),
        "article_id": article_id,
        "source": source,
        "language": language,
        "published_at": published,
        "event_type": event_type,
        "mode": mode,
        "quad": kind.quad,
        "score": kind.score_for(mode),
        "actors": [p.record() for p in roles.actors],
        "recipients": [p.record() for p in roles.recipients],
        "location": location.record() if location is not None else None,
        "event_date": resolved.date if resolved is not None else None,
        "date_text": mention.text if mention is not None else None,
        "sentence_index": sentence.index,
        "sentence_text": body[sentence.start : sentence.end],
        "sentence_start": sentence.start,
        "trigger_text": body[start:end],
        "trigger_lemma": trigger.lemma,
        "trigger_start": start,
        "trigger_end": end,
        "negated": flags.negated,
        "future": future,
        "hypothetical": flags.hypothetical,
        "historical": historical,
        "confidence": _confidence(match, roles.actor_source, roles.recipient_source),
        "extractor": lexicon.extractor,
    }


def _pick_date(tree: Tree, match: TriggerMatch, dates: Sequence[DateMention]) -> DateMention | None:
    """The date expression of the trigger's own clause (or of the verb it is coordinated
    with or a complement of), else the nearest one in the sentence."""
    if not dates:
        return None
    clause_heads = [match.anchor]
    head = tree.head(match.anchor)
    if head is not None and match.anchor.deprel.split(":")[0] in ("conj", "xcomp", "obj", "obl"):
        clause_heads.append(head)
    for clause_head in clause_heads:
        words = tree.subtree(clause_head, stop=CLAUSAL)
        inside = [d for d in dates if any(w.start < d.end and d.start < w.end for w in words)]
        if inside:
            return min(inside, key=lambda d: abs(d.start - match.start))
    return min(dates, key=lambda d: abs(d.start - match.start))


def _confidence(match: TriggerMatch, actor_source: str, recipient_source: str) -> float:
    trigger = match.trigger
    value = (
        trigger.confidence if trigger.confidence is not None else (0.8 if trigger.pattern else 0.7)
    )
    if not trigger.pattern and match.anchor.upos not in ("VERB", "AUX"):
        value -= 0.05
    if match.via_form:
        value -= 0.05
    value += {"parse": 0.1, "fallback": -0.2}.get(actor_source, 0.0)
    value += {"parse": 0.05, "fallback": -0.1}.get(recipient_source, 0.0)
    return round(min(0.99, max(0.05, value)), 3)
