"""Entity resolution: a document's mentions become entities, linked to the dictionary.

:func:`resolve_entities` takes the clean body, its sentences and the NER mentions and
returns the ``entities`` of an ``EnrichedArticle`` (schemas/newswire.v1.EnrichedArticle.avsc),
field for field:

1. Each NER mention is linked to a dictionary entry: by its normalised text (names and
   nationality adjectives; "وروسيا" and "the United States" too), else by a dictionary
   name that covers it, else, for people, by a short form of someone the document names
   in full ("كيم" → Kim Jong Un) or by the consonant skeleton of a full name.
2. Dictionary names in the body that no NER mention covers become mentions with
   extractor ``"dictionary"`` (nationality adjectives are typed ``MISC``); then the short
   forms of the people and bodies now present ("كيم", "Shoigu", "مجلس الأمن").
3. Mentions group into entities: linked mentions by entry; the others by type and
   normalised text (an Arabic clitic in front does not matter), and a person's short form
   joins the full name it is a first- or last-token part of ("Kim" → "Kim Jong Un").

Ids are deterministic: ``"wd:" + kb_id`` for linked entities with a Wikidata id, else
``"ent:"`` + the first 16 hex digits of sha256(type, normalised canonical name). A
linked entity takes the dictionary's canonical English name, type and country code
(a capital keeps its own id and type, LOC, and carries its state's code); an unlinked
one its longest mention and its most frequent mention type.

>>> body = "Sergei Shoigu met Kim Jong Un in Pyongyang. Kim thanked Shoigu."
>>> for e in resolve_entities(body, [], [], "en"):
...     print(e["name"], e["kb_id"], e["country_code"], [m["text"] for m in e["mentions"]])
Sergei Shoigu None RUS ['Sergei Shoigu', 'Shoigu']
Kim Jong Un Q56226 PRK ['Kim Jong Un', 'Kim']
Pyongyang Q18808 PRK ['Pyongyang']
"""

from __future__ import annotations

import bisect
import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from pipeline.entities.dictionary import Dictionary, KbEntry, Match, load_dictionary
from pipeline.entities.normalize import clitic_splits, normalise_name, tokenize
from pipeline.nlp.base import Mention, ParsedSentence

__all__ = ["DICTIONARY_EXTRACTOR", "entity_id", "resolve_entities"]

DICTIONARY_EXTRACTOR = "dictionary"
ADJECTIVE_TYPE = "MISC"
_PERSON_TYPES = frozenset({"PER", "PERSON"})


def entity_id(entity_type: str, name: str) -> str:
    """Id of an entity without a Wikidata id: hash of its type and normalised name."""
    digest = hashlib.sha256(f"{entity_type}\x00{normalise_name(name)}".encode()).hexdigest()
    return "ent:" + digest[:16]


@dataclass
class _Group:
    entry: KbEntry | None
    mentions: list[Mention] = field(default_factory=list)

    @property
    def first(self) -> int:
        return min(m.start for m in self.mentions)

    @property
    def type(self) -> str:
        if self.entry is not None:
            return self.entry.type
        counts = Counter(_family(m.type) for m in self.mentions)
        top = max(counts.values())
        return next(
            _family(m.type)
            for m in sorted(self.mentions, key=_order)
            if counts[_family(m.type)] == top
        )


def _order(mention: Mention) -> tuple[int, int]:
    return (mention.start, mention.end)


class _Spans:
    """Non-overlapping character spans, for "is this already covered?" checks."""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect.bisect_left(self._ends, start + 1)  # first span ending after start
        return i < len(self._starts) and self._starts[i] < end

    def add(self, start: int, end: int) -> None:
        i = bisect.bisect_left(self._starts, start)
        self._starts.insert(i, start)
        self._ends.insert(i, end)


def _sentence_finder(sentences: Sequence[ParsedSentence]) -> Callable[[int], int]:
    ordered = sorted(sentences, key=lambda s: s.start)
    starts = [s.start for s in ordered]

    def sentence_of(offset: int) -> int:
        if not ordered:
            return 0
        i = bisect.bisect_right(starts, offset) - 1
        return ordered[max(i, 0)].index

    return sentence_of


def _scan_languages(language: str | None) -> set[str] | None:
    if not language:
        return None
    base = language.replace("_", "-").split("-")[0].lower()
    if base in ("", "und"):
        return None
    return {base, "en"}


def _clean_mentions(body: str, mentions: Iterable[Mention]) -> list[Mention]:
    """Valid mentions, in order, each with ``text == body[start:end]``, duplicates dropped."""
    seen: set[tuple[int, int, str]] = set()
    kept = []
    for mention in sorted(mentions, key=_order):
        if not (0 <= mention.start < mention.end <= len(body)):
            continue
        if body[mention.start : mention.end] != mention.text:
            mention = replace(mention, text=body[mention.start : mention.end])
        if not mention.text.strip() or (mention.start, mention.end, mention.type) in seen:
            continue
        seen.add((mention.start, mention.end, mention.type))
        kept.append(mention)
    return kept


def _forms(text: str) -> set[str]:
    """Normalised forms of a mention: as written, and without a prefixed Arabic clitic."""
    tokens = tokenize(text)
    key = normalise_name(text)
    forms = {key} if key else set()
    if tokens:
        rest = " ".join(normalise_name(t.text) for t in tokens[1:])
        for _, first, _ in clitic_splits(tokens[0].text):
            forms.add(f"{first} {rest}".strip())
    return forms


def _is_part(short: str, full: str) -> bool:
    """``short`` is the leading or trailing tokens of the longer ``full``."""
    s, f = short.split(" "), full.split(" ")
    return len(s) < len(f) and (f[: len(s)] == s or f[-len(s) :] == s)


def _link_mentions(
    mentions: Sequence[Mention], matches: Sequence[Match], dictionary: Dictionary
) -> list[KbEntry | None]:
    """First pass: exact (normalised) lookup, else a dictionary name covering the mention,
    else, for a person, the one person named inside it ("الرئيس فلاديمير بوتين")."""
    links: list[KbEntry | None] = []
    match_starts = [m.start for m in matches]
    for mention in mentions:
        entry = dictionary.lookup(mention.text)
        if entry is None:
            i = bisect.bisect_right(match_starts, mention.start) - 1
            if i >= 0 and matches[i].end >= mention.end:
                entry = matches[i].entry
        if entry is None and _family(mention.type) == "PER":
            lo = bisect.bisect_left(match_starts, mention.start)
            hi = bisect.bisect_left(match_starts, mention.end)
            inside = {
                m.entry
                for m in matches[lo:hi]
                if m.end <= mention.end and m.entry.type == "PER" and m.form == "name"
            }
            if len(inside) == 1:
                entry = inside.pop()
        links.append(entry)
    return links


def _link_people(
    mentions: Sequence[Mention],
    links: list[KbEntry | None],
    present: set[KbEntry],
    dictionary: Dictionary,
) -> None:
    """Second pass for unlinked person mentions: short forms, then consonant skeletons."""
    for i, mention in enumerate(mentions):
        if links[i] is not None or mention.type not in _PERSON_TYPES:
            continue
        candidates = [e for e in dictionary.lookup_short(mention.text) if e in present]
        if len(candidates) == 1:
            links[i] = candidates[0]
            continue
        person = dictionary.lookup_person(mention.text)
        if person is not None:
            links[i] = person


def _family(mention_type: str) -> str:
    return "PER" if mention_type in _PERSON_TYPES else mention_type


def _group(mentions: Sequence[Mention], links: Sequence[KbEntry | None]) -> list[_Group]:
    linked: dict[str, _Group] = {}
    unlinked: list[tuple[_Group, set[str]]] = []
    forms = [_forms(m.text) for m in mentions]
    person_forms = {
        f for m, fs in zip(mentions, forms, strict=True) if _family(m.type) == "PER" for f in fs
    }
    partial: list[int] = []
    for i, (mention, entry) in enumerate(zip(mentions, links, strict=True)):
        if entry is not None:
            linked.setdefault(entry.key, _Group(entry)).mentions.append(mention)
        elif _family(mention.type) == "PER" and any(
            _is_part(s, f) for s in forms[i] for f in person_forms
        ):
            partial.append(i)  # a short form of a longer name: attached below
        else:
            for group, group_forms in unlinked:
                if _family(group.mentions[0].type) == _family(mention.type) and (
                    forms[i] & group_forms
                ):
                    group.mentions.append(mention)
                    group_forms |= forms[i]
                    break
            else:
                unlinked.append((_Group(None, [mention]), set(forms[i])))

    # A person's short form joins the full name it is the first or last part of ("Kim" ->
    # "Kim Jong Un"): the nearest one mentioned before it, else the first one after it.
    people = [
        (g, set().union(*(_forms(m.text) for m in g.mentions)))
        for g in linked.values()
        if g.type in _PERSON_TYPES
    ]
    people += [(g, f) for g, f in unlinked if _family(g.type) == "PER"]
    orphans: list[Mention] = []
    for i in partial:
        mention = mentions[i]
        targets = [
            group
            for group, group_forms in people
            if any(_is_part(s, f) for s in forms[i] for f in group_forms)
        ]
        before = [
            (max(m.start for m in g.mentions if m.start < mention.start), g)
            for g in targets
            if any(m.start < mention.start for m in g.mentions)
        ]
        if before:
            target = max(before, key=lambda item: item[0])[1]
        elif targets:
            target = min(targets, key=lambda g: g.first)
        else:
            orphans.append(mention)
            continue
        target.mentions.append(mention)
    for mention in orphans:  # short forms of other short forms only: group among themselves
        mention_forms = _forms(mention.text)
        for group, group_forms in unlinked:
            if _family(group.mentions[0].type) == "PER" and mention_forms & group_forms:
                group.mentions.append(mention)
                break
        else:
            unlinked.append((_Group(None, [mention]), mention_forms))
    return list(linked.values()) + [g for g, _ in unlinked]


def _entity(group: _Group) -> dict[str, Any]:
    mentions = sorted(group.mentions, key=lambda m: (m.start, m.end, m.extractor))
    entry = group.entry
    if entry is not None:
        name, kb_id, country = entry.name, entry.kb_id, entry.country_code
    else:
        name = max(mentions, key=lambda m: (len(m.text), -m.start)).text
        kb_id, country = None, None
    entity_type = group.type
    return {
        "id": f"wd:{kb_id}" if kb_id else entity_id(entity_type, name),
        "name": name,
        "type": entity_type,
        "kb_id": kb_id,
        "country_code": country,
        "extractors": sorted({m.extractor for m in mentions}),
        "mentions": [
            {
                "text": m.text,
                "start": m.start,
                "end": m.end,
                "sentence": m.sentence,
                "type": m.type,
                "extractor": m.extractor,
            }
            for m in mentions
        ],
    }


def resolve_entities(
    body: str,
    sentences: Sequence[ParsedSentence],
    mentions: Sequence[Mention],
    language: str | None,
    *,
    dictionary: Dictionary | None = None,
) -> list[dict[str, Any]]:
    """The entities of one document, in the Avro ``Entity`` shape, ordered by first mention.

    Args:
        body: the clean body; every offset refers to it.
        sentences: its sentences (for the sentence index of added mentions; may be empty).
        mentions: NER mentions (any extractor); invalid spans are dropped and a mention
            whose ``text`` differs from ``body[start:end]`` gets the body's text.
        language: the article's language ("ar", "en", ...), which limits the dictionary
            names looked for in the body to that language's and English; None: all.
        dictionary: the dictionary to use (default: the shipped one).
    """
    dictionary = dictionary if dictionary is not None else load_dictionary()
    languages = _scan_languages(language)
    sentence_of = _sentence_finder(sentences)

    ner = _clean_mentions(body, mentions)
    matches = dictionary.find_matches(body, languages)
    links = _link_mentions(ner, matches, dictionary)
    covered = _Spans()
    for mention in ner:
        if not covered.overlaps(mention.start, mention.end):
            covered.add(mention.start, mention.end)

    all_mentions, all_links = list(ner), list(links)
    for match in matches:
        if covered.overlaps(match.start, match.end):
            continue
        covered.add(match.start, match.end)
        mention_type = match.entry.type if match.form == "name" else ADJECTIVE_TYPE
        all_mentions.append(
            Mention(
                text=body[match.start : match.end],
                start=match.start,
                end=match.end,
                sentence=sentence_of(match.start),
                type=mention_type,
                extractor=DICTIONARY_EXTRACTOR,
            )
        )
        all_links.append(match.entry)

    present = {entry for entry in all_links if entry is not None}
    _link_people(all_mentions, all_links, present, dictionary)
    present = {entry for entry in all_links if entry is not None}
    for match in dictionary.find_short_matches(body, present, languages):
        if covered.overlaps(match.start, match.end):
            continue
        covered.add(match.start, match.end)
        all_mentions.append(
            Mention(
                text=body[match.start : match.end],
                start=match.start,
                end=match.end,
                sentence=sentence_of(match.start),
                type=match.entry.type,
                extractor=DICTIONARY_EXTRACTOR,
            )
        )
        all_links.append(match.entry)

    entities = [_entity(group) for group in _group(all_mentions, all_links)]
    entities.sort(key=lambda e: (e["mentions"][0]["start"], e["id"]))
    return entities
