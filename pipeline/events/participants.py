"""Who did it, to whom, and where: an event's actors, recipients and place.

Arguments come from the dependency parse around the trigger's anchor word: subject,
object, genitive (for verbal nouns: "زيارة كيم", "North Korea's launch") and obliques
whose preposition the lexicon lists for the role ("to", "إلى", "with", "مع", "under",
"بموجب", "in", "في"), each with its conjuncts ("Beijing and Moscow"). A nominal trigger
under a light verb takes the verb's subject and obliques ("held talks with", "قام
بجولة"); a verb without a subject takes its coordinated or governing verb's. The role
scheme of the trigger maps them to PLOVER roles:

==========  ==================================  ====================================
scheme      actors                              recipients
==========  ==================================  ====================================
default     subject, genitive, agent obliques   object, recipient obliques
visit       visitor: subject, genitive          host: object, destination, companion
host        visitor: object                     host: subject, genitive
reciprocal  everyone: subject, object, "with"   none (PLOVER: all participants actors)
theme       subject, genitive                   target obliques only (the object is
                                                the missile, the aid)
passive     agent obliques ("بموجب", "under")   subject, object
==========  ==================================  ====================================

English passive voice (``nsubj:pass``) swaps subject and agent in every scheme.

Each argument is resolved to a document entity by character overlap of its words with
the entity mentions: the head word itself, else the name it is in apposition with
("الزعيم ... كيم جونغ أون"), else, for a title noun, the person the article names with
that title elsewhere ("وزير الدفاع الروسي" -> Sergei Shoigu), else an unnamed agent with
the country its adjective or possessor gives ("Russian officials": RUS, GOV), else any
entity inside the phrase. Pronouns go to the subject of their clause, else the nearest
earlier mention of a compatible type in the sentence, else the previous sentence's
subject; "the two leaders", "البلدين" to the last two entities of the right type; names
coordinated in a flat parse ("South Korea and the United States" as one noun phrase)
are each a participant. When the parse yields no actor, the fallback is
the nearest suitable entity of the sentence: after an Arabic verb (verb-subject order),
else the structurally highest one before the trigger, never one inside a recipient,
target or "with" phrase or the source of reported speech.

Capitals keep their own text and entity and carry their state's country code, which the
entity resolver already gives them (metonymy: "Beijing and Moscow called ..." has CHN
and RUS actors). Sectors come from the entity dictionary (people's sector, an
organisation's kind) or the title noun.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from pipeline.entities.dictionary import Dictionary, KbEntry
from pipeline.events.lexicon import Lexicon, normalise_key, word_keys
from pipeline.events.ontology import Ontology
from pipeline.events.tree import CLAUSAL, FUNCTION_UPOS, Tree, is_content
from pipeline.events.triggers import TriggerMatch
from pipeline.nlp.base import Word

PLACE_TYPES = frozenset({"LOC", "GPE"})
ACTOR_TYPES = frozenset({"PER", "ORG", "GPE", "LOC"})
_NAME_RELS = ("appos", "flat", "compound", "name")
_PHRASE_RELS = ("flat", "compound", "amod", "nmod", "appos", "det", "nummod", "fixed", "name")
_KIND_SECTORS = {
    "capital": "GOV",
    "government": "GOV",
    "military": "MIL",
    "agency": "MED",
    "broadcaster": "MED",
    "org": "IGO",
    "armed-group": "REB",
    "party": "PTY",
}
_PRONOUN_LOOKBACK = 2  # sentences before the pronoun's own


@dataclass(frozen=True)
class Participant:
    """An actor, recipient or place, in the Avro ``EventParticipant`` shape."""

    text: str
    start: int
    end: int
    entity_id: str | None = None
    name: str | None = None
    kb_id: str | None = None
    country_code: str | None = None
    sector: str | None = None
    entity_type: str | None = None
    weak: bool = False  # found in a modifier of the argument, not its head

    @property
    def key(self) -> str:
        return self.entity_id or f"span:{self.start}:{self.end}"

    def record(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "entity_id": self.entity_id,
            "name": self.name,
            "kb_id": self.kb_id,
            "country_code": self.country_code,
            "sector": self.sector,
            "start": self.start,
            "end": self.end,
        }


@dataclass(frozen=True)
class MentionRef:
    start: int
    end: int
    entity: Mapping[str, Any]
    adjective: bool  # a nationality adjective ("الروسي", "Russian") of a country

    @property
    def type(self) -> str:
        return str(self.entity.get("type") or "")


@dataclass(frozen=True)
class Roles:
    actors: tuple[Participant, ...]
    recipients: tuple[Participant, ...]
    actor_source: str  # "parse", "fallback" or "none"
    recipient_source: str


class Article:
    """Per-article lookups shared by every event of the article."""

    def __init__(
        self,
        body: str,
        trees: Sequence[Tree],
        entities: Sequence[Mapping[str, Any]],
        lexicon: Lexicon,
        dictionary: Dictionary | None = None,
    ) -> None:
        self.body = body
        self.trees = trees
        self.lexicon = lexicon
        self.dictionary = dictionary
        refs = []
        for entity in entities:
            for m in entity.get("mentions", ()):
                start, end = m.get("start"), m.get("end")
                valid = isinstance(start, int) and isinstance(end, int)
                if valid and 0 <= start < end <= len(body):
                    adjective = m.get("type") == "MISC" and entity.get("type") != "MISC"
                    refs.append(MentionRef(start, end, entity, adjective))
        refs.sort(key=lambda r: (r.start, r.end))
        self.mentions = refs
        self._starts = [r.start for r in refs]
        self._sectors: dict[str, str | None] = {}
        self.aliases = self._title_aliases()

    # -- mentions ---------------------------------------------------------------------

    def overlapping(self, start: int, end: int) -> list[MentionRef]:
        hi = bisect.bisect_left(self._starts, end)
        return [r for r in self.mentions[:hi] if r.end > start]

    def in_span(self, start: int, end: int) -> list[MentionRef]:
        lo = bisect.bisect_left(self._starts, start)
        hi = bisect.bisect_left(self._starts, end)
        return self.mentions[lo:hi]

    def mention_of(self, word: Word, *, adjectives: bool = False) -> MentionRef | None:
        if not is_content(word):
            return None
        found = [r for r in self.overlapping(word.start, word.end) if adjectives or not r.adjective]
        if not found:
            return None
        return min(found, key=lambda r: (r.adjective, -(r.end - r.start)))

    # -- participants -----------------------------------------------------------------

    def participant(self, ref: MentionRef, tree: Tree, *, sector: bool = True) -> Participant:
        start, end = trim_clitics(self.body, ref.start, ref.end, tree)
        entity = ref.entity
        return Participant(
            text=self.body[start:end],
            start=start,
            end=end,
            entity_id=_str(entity.get("id")),
            name=_str(entity.get("name")),
            kb_id=_str(entity.get("kb_id")),
            country_code=_str(entity.get("country_code")),
            sector=self.sector_of(entity) if sector else None,
            entity_type=_str(entity.get("type")),
        )

    def sector_of(self, entity: Mapping[str, Any]) -> str | None:
        key = str(entity.get("id"))
        if key not in self._sectors:
            self._sectors[key] = self._lookup_sector(entity)
        return self._sectors[key]

    def _lookup_sector(self, entity: Mapping[str, Any]) -> str | None:
        if self.dictionary is None:
            return None
        entry: KbEntry | None = None
        kb_id = entity.get("kb_id")
        if kb_id:
            entry = self.dictionary.by_kb_id(str(kb_id))
        if entry is None and entity.get("name"):
            entry = self.dictionary.lookup(str(entity["name"]))
        if entry is None or entry.type != entity.get("type"):
            return None
        return entry.sector or _KIND_SECTORS.get(entry.kind)

    # -- title aliases ------------------------------------------------------------------

    def _title_aliases(self) -> list[tuple[frozenset[str], Mapping[str, Any]]]:
        """(title phrase keys, person) for every title the article gives a named person:
        "وزير الدفاع الروسي سيرغي شويغو", "Defence Minister Sergei Shoigu"."""
        aliases = []
        sectors = self.lexicon.sectors
        for tree in self.trees:
            for word in tree.words:
                if _key(word) in sectors:
                    for name in tree.children(word, "appos"):
                        ref = self.mention_of(name)
                        if ref is not None and ref.type in ("PER", "PERSON"):
                            keys = _phrase_keys(tree, word, self.lexicon, skip={name.index})
                            aliases.append((keys, ref.entity))
                ref = self.mention_of(word)
                if ref is not None and ref.type in ("PER", "PERSON"):
                    for title in tree.children(word, "compound"):
                        if _key(title) in sectors:
                            keys = _phrase_keys(tree, title, self.lexicon, skip=set())
                            aliases.append((keys, ref.entity))
        return aliases

    def alias_for(self, keys: frozenset[str], head_key: str) -> Mapping[str, Any] | None:
        found = {
            str(entity.get("id")): entity
            for alias, entity in self.aliases
            if head_key in alias and keys <= alias
        }
        return next(iter(found.values())) if len(found) == 1 else None


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _key(word: Word) -> str:
    return normalise_key(word.lemma)


def trim_clitics(body: str, start: int, end: int, tree: Tree) -> tuple[int, int]:
    """Drop proclitics that Stanza split off the first token ("وموسكو" -> "موسكو")."""
    words = [w for w in tree.words if w.start == start]
    offset = 0
    for i, word in enumerate(words[:-1]):
        if word.upos not in FUNCTION_UPOS or not body.startswith(word.text, start + offset):
            break
        if not body.startswith(words[i + 1].text, start + offset + len(word.text)):
            break
        offset += len(word.text)
    return (start + offset, end) if start + offset < end else (start, end)


def _phrase(tree: Tree, word: Word, lexicon: Lexicon, skip: Iterable[int] = ()) -> list[Word]:
    """The noun phrase headed by ``word``: modifiers, names, genitives; not prepositional
    phrases (other than genitive "of"), clauses or conjuncts."""
    genitive = lexicon.marker("genitive")
    skipped = set(skip)
    out = [word]
    i = 0
    while i < len(out):
        for kid in tree.children(out[i], *_PHRASE_RELS):
            if kid.index in skipped or any(k.index == kid.index for k in out):
                continue
            if kid.deprel.startswith("nmod") and not kid.deprel.startswith("nmod:poss"):
                marks = _marker_keys(tree, kid, lexicon, include_self=False)
                if marks and not marks & genitive:
                    continue
            out.append(kid)
        i += 1
    return out


def _phrase_keys(tree: Tree, word: Word, lexicon: Lexicon, skip: set[int]) -> frozenset[str]:
    excluded: set[int] = set()
    for index in skip:
        skipped = tree.word(index)
        if skipped is not None:
            excluded |= {w.index for w in tree.subtree(skipped)}
    return frozenset(
        _key(w)
        for w in _phrase(tree, word, lexicon, skip=excluded)
        if w.upos in ("NOUN", "ADJ", "PROPN")
    )


def _marker_keys(
    tree: Tree, word: Word, lexicon: Lexicon, *, include_self: bool = True
) -> set[str]:
    """Keys of the prepositions of a nominal, and the nominal itself when it is a
    relational noun the lexicon lists as a marker ("بموجب", "برفقة", "من قبل")."""
    out: set[str] = set()
    for marker in tree.markers(word):
        out |= {normalise_key(marker.lemma), normalise_key(marker.text)}
    if include_self:
        out |= word_keys(word.text, word.lemma, lexicon.language)
    return out


# -- resolving one argument -------------------------------------------------------------


def resolve(
    tree: Tree, word: Word, article: Article, *, pronouns: bool = True
) -> Participant | None:
    """The participant an argument word denotes, or None."""
    lexicon = article.lexicon
    if word.upos == "PRON":
        return _resolve_pronoun(tree, word, article) if pronouns else None
    ref = article.mention_of(word)
    if ref is not None:
        return article.participant(ref, tree)
    names = [word]
    seen = {word.index}
    i = 0
    while i < len(names):
        for kid in tree.children(names[i], *_NAME_RELS):
            if kid.index in seen:
                continue
            seen.add(kid.index)
            ref = article.mention_of(kid)
            if ref is not None:
                return article.participant(ref, tree)
            names.append(kid)
        i += 1
    phrase = _phrase(tree, word, lexicon)
    for w in phrase[1:]:  # a person named inside a title phrase ("نظيره الفرنسي ماكرون")
        ref = article.mention_of(w)
        if ref is not None and ref.type in ("PER", "PERSON"):
            return article.participant(ref, tree)
    head_key = _key(word)
    title_sector = _sector_noun(word, lexicon)
    if title_sector is not None:
        span = _phrase_span(article.body, tree, phrase)
        keys = frozenset(_key(w) for w in phrase if w.upos in ("NOUN", "ADJ", "PROPN"))
        alias = article.alias_for(keys, head_key)
        if alias is not None and span is not None:
            return Participant(
                text=article.body[span[0] : span[1]],
                start=span[0],
                end=span[1],
                entity_id=_str(alias.get("id")),
                name=_str(alias.get("name")),
                kb_id=_str(alias.get("kb_id")),
                country_code=_str(alias.get("country_code")),
                sector=article.sector_of(alias) or title_sector,
                entity_type=_str(alias.get("type")),
            )
        country = next(
            (
                ref
                for w in phrase[1:]
                for ref in [article.mention_of(w, adjectives=True)]
                if ref is not None and ref.entity.get("country_code")
            ),
            None,
        )
        if span is not None:  # an unnamed agent: "Russian officials", "police"
            return Participant(
                text=article.body[span[0] : span[1]],
                start=span[0],
                end=span[1],
                country_code=_str(country.entity.get("country_code")) if country else None,
                sector=title_sector,
            )
    for adjectives in (False, True):
        for w in phrase[1:]:
            ref = article.mention_of(w, adjectives=adjectives)
            if ref is not None and ref.type in ACTOR_TYPES:
                return replace(article.participant(ref, tree), weak=True)
    return None


def _sector_noun(word: Word, lexicon: Lexicon) -> str | None:
    sector = lexicon.sectors.get(_key(word))
    if sector is not None:
        return sector
    keys = word_keys(word.text, word.lemma, lexicon.language, lexicon)
    return next((lexicon.sectors[k] for k in sorted(keys) if k in lexicon.sectors), None)


def _pair_types(word: Word, tree: Tree, lexicon: Lexicon) -> tuple[str, ...] | None:
    """Entity types of "the two leaders", "both countries", "الرئيسان", "البلدين"."""
    keys = word_keys(word.text, word.lemma, lexicon.language, lexicon)
    groups = lexicon.groups
    if lexicon.language == "ar":
        for key in keys:
            for suffix in ("ان", "ين"):
                if not key.endswith(suffix) or len(key) < 5:
                    continue
                stem = key[: -len(suffix)]
                for candidate in (stem, stem[:-1] + "ه" if stem.endswith("ت") else stem):
                    if candidate in groups:
                        return groups[candidate]
                    if suffix == "ان" and candidate in lexicon.sectors:
                        return ("PER",)
        return None
    counted = any(
        normalise_key(k.text) in ("two", "both")
        for k in tree.children(word, "nummod", "det", "amod")
    )
    if not counted:
        return None
    for key in keys:
        if key in groups:
            return groups[key]
        if key in lexicon.sectors:
            return ("PER",)
    return None


def _pair(tree: Tree, word: Word, article: Article) -> list[Participant]:
    """The two entities a pair noun refers back to: the last two of its types."""
    types = _pair_types(word, tree, article.lexicon)
    if types is None:
        return []
    index = tree.sentence.index
    earliest = min(
        (t.sentence.start for t in article.trees if index - _PRONOUN_LOOKBACK <= t.sentence.index),
        default=tree.sentence.start,
    )
    found: list[MentionRef] = []
    seen: set[str] = set()
    for ref in reversed(article.in_span(earliest, word.start)):
        key = str(ref.entity.get("id"))
        if ref.adjective or ref.type not in types or key in seen or ref.end > word.start:
            continue
        seen.add(key)
        found.append(ref)
        if len(found) == 2:
            break
    if len(found) < 2:
        return []
    return [
        _as_reference(article.participant(ref, _tree_of(article, ref.start)), word)
        for ref in reversed(found)
    ]


def _tree_of(article: Article, offset: int) -> Tree:
    for tree in article.trees:
        if tree.sentence.start <= offset < tree.sentence.end:
            return tree
    return article.trees[0]


_COORDINATION = frozenset({"and", "و", ",", "،", "the", "&"})


def _coordinated(tree: Tree, word: Word, article: Article) -> list[Participant]:
    """Names coordinated inside one argument when the parse lost the ``conj`` ("South
    Korea and the United States" parsed as a possessive)."""
    words = [
        w
        for w in tree.subtree(word, stop=CLAUSAL - {"conj"})
        if not tree.markers(w) or w.index == word.index
    ]
    span = tree.span(words)
    if span is None:
        return []
    refs: list[MentionRef] = []
    for ref in article.in_span(span[0], span[1]):
        usable = not ref.adjective and ref.end <= span[1] and ref.type in ACTOR_TYPES
        if usable and (not refs or ref.start >= refs[-1].end):
            refs.append(ref)
    if len(refs) < 2:
        return []
    for left, right in itertools.pairwise(refs):
        between = article.body[left.end : right.start].replace(",", " , ").replace("،", " ، ")
        tokens = [normalise_key(t) for t in between.split()]
        if any(t not in _COORDINATION for t in tokens):
            return []
        glued = any(w.upos == "CCONJ" and w.start == right.start for w in tree.words)
        if not glued and not set(tokens) & {"and", "و", ",", "،", "&"}:
            return []  # two names side by side are one phrase, not a coordination
    return [article.participant(ref, tree) for ref in refs]


def _phrase_span(body: str, tree: Tree, phrase: Sequence[Word]) -> tuple[int, int] | None:
    content = [w for w in phrase if w.upos not in FUNCTION_UPOS]
    span = tree.span(content)
    if span is None:
        return None
    return trim_clitics(body, span[0], span[1], tree)


def _resolve_pronoun(tree: Tree, word: Word, article: Article) -> Participant | None:
    lexicon = article.lexicon
    types = lexicon.pronouns.get(normalise_key(word.lemma)) or lexicon.pronouns.get(
        normalise_key(word.text)
    )
    if not types:
        return None
    for ancestor in tree.ancestors(word):
        if ancestor.upos not in ("VERB", "AUX"):
            continue
        for subject in tree.children(ancestor, "nsubj"):
            if subject.index == word.index or tree.is_under(word, subject):
                continue
            found = resolve(tree, subject, article, pronouns=False)
            if found is not None and found.entity_type in types:
                return _as_reference(found, word)
        break
    same = [
        r
        for r in article.in_span(tree.sentence.start, word.start)
        if not r.adjective and r.end <= word.start
    ]
    found_ref = _nearest_of(same, types)
    if found_ref is not None:
        return _as_reference(article.participant(found_ref, tree), word)
    previous = [
        t
        for t in article.trees
        if tree.sentence.index - _PRONOUN_LOOKBACK <= t.sentence.index < tree.sentence.index
    ]
    # A pronoun continues the topic: the subject of the previous sentence comes first.
    for earlier in sorted(previous, key=lambda t: -t.sentence.index):
        for root in earlier.children_of_root():
            for subject in earlier.children(root, "nsubj"):
                found = resolve(earlier, subject, article, pronouns=False)
                if found is not None and found.entity_type in types and found.entity_id:
                    return _as_reference(found, word)
    for earlier in sorted(previous, key=lambda t: -t.sentence.index):
        refs = [
            r
            for r in article.in_span(earlier.sentence.start, earlier.sentence.end)
            if not r.adjective
        ]
        found_ref = _nearest_of(refs, types)
        if found_ref is not None:
            return _as_reference(article.participant(found_ref, earlier), word)
    return None


def _nearest_of(refs: Sequence[MentionRef], types: Sequence[str]) -> MentionRef | None:
    """The last of ``refs`` of the first type in ``types`` that has one."""
    for wanted in types:
        for ref in reversed(refs):
            if ref.type == wanted or (wanted == "PER" and ref.type == "PERSON"):
                return ref
    return None


def _as_reference(antecedent: Participant, word: Word) -> Participant:
    """The antecedent's entity, at the referring word's place in the text."""
    return Participant(
        text=word.text,
        start=word.start,
        end=word.end,
        entity_id=antecedent.entity_id,
        name=antecedent.name,
        kb_id=antecedent.kb_id,
        country_code=antecedent.country_code,
        sector=antecedent.sector,
        entity_type=antecedent.entity_type,
    )


# -- roles ------------------------------------------------------------------------------


@dataclass
class _Args:
    subjects: list[Word]
    passive_subjects: list[Word]
    objects: list[Word]
    indirect: list[Word]
    genitives: list[Word]
    obliques: list[Word]
    agents: list[Word]  # obl:agent


def _is_light(word: Word, lexicon: Lexicon) -> bool:
    return bool(word_keys(word.text, word.lemma, lexicon.language, lexicon) & lexicon.light_verbs)


def _arguments(tree: Tree, match: TriggerMatch, article: Article) -> _Args:
    lexicon = article.lexicon
    anchor = match.anchor
    own = {w.index for w in match.words}
    genitive_marks = lexicon.marker("genitive")

    def kids(word: Word, *rels: str) -> list[Word]:
        return [k for k in tree.children(word, *rels) if k.index not in own]

    def bare(word: Word) -> bool:
        """A subject has no preposition: "Police in Tehran" is not two subjects."""
        marks = _marker_keys(tree, word, lexicon, include_self=False)
        return not marks or bool(marks & genitive_marks)

    args = _Args(
        subjects=[
            k for k in kids(anchor, "nsubj", "csubj") if k.deprel != "nsubj:pass" and bare(k)
        ],
        passive_subjects=kids(anchor, "nsubj:pass"),
        objects=kids(anchor, "obj"),
        indirect=kids(anchor, "iobj"),
        genitives=[],
        obliques=kids(anchor, "obl", "nmod", "advcl", "acl", "advmod"),
        agents=kids(anchor, "obl:agent"),
    )
    nominal = anchor.upos in ("NOUN", "PROPN", "ADJ", "X") or (
        not args.subjects and any(k.deprel.startswith("nmod") for k in tree.children(anchor))
    )
    if nominal:
        for kid in kids(anchor, "nmod"):
            marks = _marker_keys(tree, kid, lexicon, include_self=False)
            if kid.deprel.startswith("nmod:poss") or not marks or marks & genitive_marks:
                args.genitives.append(kid)
                break
        args.obliques = [k for k in args.obliques if k not in args.genitives]
    # Prepositional phrases on the other words of a pattern or on the object ("imposed
    # sanctions on Iran" with "on Iran" under "sanctions").
    for word in list(match.words) + args.objects:
        if word.index != anchor.index:
            args.obliques += [k for k in tree.children(word, "obl", "nmod") if k.index not in own]
    # Verb-subject order: a person right after a subjectless verb is its subject, however
    # the parser labelled it ("يزور الرئيس التركي ... موسكو").
    if (
        not any(_is_agent(tree, k, article) for k in args.subjects)
        and args.objects
        and anchor.upos in lexicon.fallback_after
        and 0 < tree.position(args.objects[0]) - tree.position(anchor) <= 2
        and _is_agent(tree, args.objects[0], article)
    ):
        args.subjects = [args.objects.pop(0)]
    # Subjects shared with a coordinated, controlling or light verb.
    current = anchor
    for _ in range(3):
        if args.subjects or args.passive_subjects:
            break
        head = tree.head(current)
        if head is None:
            break
        rel = current.deprel.split(":")[0]
        light = rel in ("obj", "obl", "nmod", "xcomp") and _is_light(head, lexicon)
        if rel not in ("conj", "xcomp") and not light:
            break
        args.subjects = [k for k in tree.children(head, "nsubj") if k.index not in own]
        if light or rel == "xcomp":
            args.obliques += [
                k for k in tree.children(head, "obl", "advcl") if k.index != current.index
            ]
        current = head
    return args


def _is_agent(tree: Tree, word: Word, article: Article) -> bool:
    """A person or a title ("الرئيس التركي"), the kind of nominal that acts."""
    if _sector_noun(word, article.lexicon) is not None:
        return True
    ref = article.mention_of(word)
    return ref is not None and ref.type in ACTOR_TYPES


def _companions(tree: Tree, match: TriggerMatch, lexicon: Lexicon) -> list[Word]:
    """Who accompanies a visitor hosts them: "برفقة وزير الدفاع", "accompanied by X"."""
    companion = lexicon.marker("companion")
    out: list[Word] = []
    for dependent in tree.children(match.anchor, "obl", "nmod", "advcl", "acl", "ccomp", "xcomp"):
        if not word_keys(dependent.text, dependent.lemma, lexicon.language, lexicon) & companion:
            continue
        if dependent.upos in ("VERB", "AUX"):
            out += tree.children(dependent, "obj", "obl", "nsubj:pass")
        else:
            out.append(dependent)
    return out


def _expand(tree: Tree, words: Iterable[Word]) -> list[Word]:
    out: list[Word] = []
    for word in words:
        for w in tree.conjuncts(word):
            if all(w.index != o.index for o in out):
                out.append(w)
    return out


def assign_roles(tree: Tree, match: TriggerMatch, article: Article, ontology: Ontology) -> Roles:
    """Actors and recipients of one trigger (see the module docstring)."""
    lexicon = article.lexicon
    trigger = match.trigger
    args = _arguments(tree, match, article)

    def marked(markers: frozenset[str]) -> list[Word]:
        if not markers:
            return []
        return [d for d in args.obliques if _marker_keys(tree, d, lexicon) & markers]

    recipient_marks = lexicon.marker("recipient") | trigger.recipient_markers
    agent_marks = lexicon.marker("agent") | trigger.actor_markers
    scheme = trigger.roles
    # Logical subject and object: a passive's agent ("by Putin") is its subject.
    agents = marked(agent_marks)
    if scheme != "passive" and (args.passive_subjects or args.agents):
        by = [d for d in marked(agent_marks | {"by"}) if d not in agents] + agents
        subjects, objects = args.agents + by + args.subjects, args.passive_subjects + args.objects
        agents = []
    else:
        subjects, objects = args.subjects, args.objects
    actors: list[Word]
    recipients: list[Word]
    if scheme == "visit":
        actors = subjects + args.genitives + agents
        recipients = (
            objects
            + marked(lexicon.marker("destination") | trigger.recipient_markers)
            + _companions(tree, match, lexicon)
        )
    elif scheme == "host":
        actors = objects + marked(lexicon.marker("destination"))
        recipients = subjects + args.genitives
    elif scheme == "reciprocal":
        actors = subjects + args.genitives + objects + marked(lexicon.marker("with"))
        recipients = []
    elif scheme == "theme":
        actors = subjects + args.genitives + agents
        recipients = args.indirect + marked(lexicon.marker("target") | trigger.recipient_markers)
    elif scheme == "passive":
        actors = agents + args.agents
        recipients = subjects + args.passive_subjects + objects + args.genitives
    else:
        actors = subjects + args.genitives + agents
        recipients = objects + args.indirect + marked(recipient_marks)

    actor_ps = _resolve_all(tree, _expand(tree, actors), article)
    taken = {p.key for p in actor_ps}
    recipient_ps = [
        p for p in _resolve_all(tree, _expand(tree, recipients), article) if p.key not in taken
    ]
    actor_source = "parse" if actor_ps else "none"
    recipient_source = "parse" if recipient_ps else "none"
    if not actor_ps and trigger.fallback:
        found = _fallback(tree, match, article, exclude={p.key for p in recipient_ps}, actor=True)
        if found is not None:
            actor_ps, actor_source = [found], "fallback"
    needs_recipient = ontology.types[trigger.type].requires_recipient or "recipient" in (
        trigger.requires
    )
    if not recipient_ps and needs_recipient and trigger.fallback and scheme != "reciprocal":
        found = _fallback(tree, match, article, exclude={p.key for p in actor_ps}, actor=False)
        if found is not None:
            recipient_ps, recipient_source = [found], "fallback"
    return Roles(tuple(actor_ps), tuple(recipient_ps), actor_source, recipient_source)


def _resolve_all(tree: Tree, words: Sequence[Word], article: Article) -> list[Participant]:
    found: list[Participant] = []
    for word in words:
        group = _pair(tree, word, article) or _coordinated(tree, word, article)
        if group:
            found += group
            continue
        single = resolve(tree, word, article)
        if single is not None:
            found.append(single)
    strong_countries = {p.country_code for p in found if not p.weak and p.country_code}
    out: list[Participant] = []
    seen: set[str] = set()
    for participant in found:
        if participant.weak and participant.country_code in strong_countries:
            continue  # "العاصمة الأوكرانية كييف" split in two: Kyiv, not also Ukraine
        if participant.key not in seen:
            seen.add(participant.key)
            out.append(participant)
    return out


def _phrase_head(tree: Tree, word: Word) -> Word:
    """Climb from a name part or conjunct to the head of its phrase."""
    current = word
    for _ in range(6):
        rel = current.deprel.split(":")[0]
        head = tree.head(current)
        if head is None:
            return current
        genitive = rel == "nmod" and any(
            normalise_key(m.text) in ("of", "'s") for m in tree.markers(current)
        )
        if rel not in ("flat", "conj", "appos", "compound", "name", "amod") and not genitive:
            return current
        current = head
    return current


def _fallback(
    tree: Tree, match: TriggerMatch, article: Article, *, exclude: set[str], actor: bool
) -> Participant | None:
    """The nearest suitable entity of the sentence when the parse gives none."""
    lexicon = article.lexicon
    anchor = match.anchor
    own = {w.index for w in match.words}
    blocked = (
        lexicon.marker("recipient")
        | lexicon.marker("target")
        | lexicon.marker("with")
        | lexicon.marker("locative")
        | lexicon.marker("destination")
    )
    speech = lexicon.words("speech_verbs")
    anchor_pos = tree.position(anchor)
    seen: set[int] = set()
    candidates: list[tuple[int, int, Word, MentionRef]] = []  # (position, depth, word, ref)
    for word in tree.words:
        if word.index in own:
            continue
        ref = article.mention_of(word) or article.mention_of(word, adjectives=True)
        if ref is None or ref.type not in ACTOR_TYPES or id(ref) in seen:
            continue
        seen.add(id(ref))
        head = _phrase_head(tree, word)
        if actor and _marker_keys(tree, head, lexicon, include_self=False) & blocked:
            continue
        governor = tree.head(head)
        if (
            governor is not None
            and head.deprel.startswith("nsubj")
            and word_keys(governor.text, governor.lemma, lexicon.language, lexicon) & speech
        ):
            continue
        if article.participant(ref, tree).key in exclude:
            continue
        candidates.append((tree.position(word), tree.depth(head), word, ref))
    # Nationality adjectives ("Israeli aircraft") only when no name is left.
    if any(not c[3].adjective for c in candidates):
        candidates = [c for c in candidates if not c[3].adjective]
    after = [c for c in candidates if c[0] > anchor_pos]
    before = [c for c in candidates if c[0] < anchor_pos]
    ordered: list[tuple[int, int, Word, MentionRef]] = []
    if actor and anchor.upos in lexicon.fallback_after:
        ordered += [c for c in after if c[0] - anchor_pos <= lexicon.fallback_window]
    if actor:
        ordered += sorted(before, key=lambda c: (c[1], anchor_pos - c[0]))
        ordered += sorted(after, key=lambda c: c[0])
    else:
        ordered += sorted(after, key=lambda c: c[0])
        ordered += sorted(before, key=lambda c: anchor_pos - c[0])
    for _, _, _, ref in ordered:
        participant = article.participant(ref, tree)
        if participant.key not in exclude:
            return participant
    return None


def find_location(
    tree: Tree, match: TriggerMatch, article: Article, exclude: set[str]
) -> Participant | None:
    """The place of the event: a linked location in a locative phrase ("in Moscow",
    "في بكين") on the trigger, its light verb, or one of their arguments; never an
    actor or recipient."""
    lexicon = article.lexicon
    locative = lexicon.marker("locative")
    if not locative:
        return None
    anchor = match.anchor
    hosts = [anchor]
    head = tree.head(anchor)
    if head is not None and anchor.deprel.split(":")[0] in ("obj", "obl", "nmod", "xcomp", "conj"):
        hosts.append(head)
    near = [d for h in hosts for d in tree.children(h, "obl", "nmod", "advmod")]
    further = [
        d
        for h in hosts
        for x in tree.children(h, "obj", "obl", "nmod")
        for d in tree.children(x, "obl", "nmod")
    ]
    for dependent in near + further:
        if not _marker_keys(tree, dependent, lexicon, include_self=False) & locative:
            continue
        for word in tree.conjuncts(dependent):
            ref = article.mention_of(word)
            if ref is None or ref.type not in PLACE_TYPES:
                continue
            place = article.participant(ref, tree, sector=False)
            if place.key not in exclude:
                return place
    return None
