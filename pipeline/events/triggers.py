"""Find event triggers in one parsed sentence: lexicon entries matched on its words.

A single-word entry matches a word by any of its keys (lemma, surface form, stems; see
:func:`~pipeline.events.lexicon.word_keys`); a pattern matches its words in order with
at most a few words between them ("imposed new sanctions", "قام أيضا بجولة"). An entry's
``context`` must occur among the trigger's dependents or just after it, and none of its
``exclude`` words next to it or on its head ("غواصة هجوم" is an attack submarine, not an
attack). Where matches share a word the most specific wins: longer pattern, then an entry
with a context condition, then file order. Finally a trigger inside the complement of an
absorbing one ("called for *easing* the sanctions", "refused to *meet*") is dropped: the
outer event's mode already says it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pipeline.events.lexicon import Lexicon, Trigger, future_stem, normalise_key, word_keys
from pipeline.events.ontology import Ontology
from pipeline.events.tree import CLAUSAL, FUNCTION_UPOS, Tree
from pipeline.nlp.base import Word

_CONTEXT_AFTER = 5  # words after the anchor that count as its context, whatever the parse
_CONTEXT_BEFORE = 2
_EXCLUDE_WINDOW = 2
_GAP = 3
# Relations through which an event is the content of another ("called for X", "the
# sanctions imposed on ...", "refused to meet").
_COMPLEMENT = frozenset({"xcomp", "ccomp", "obj", "obl", "nmod", "advcl", "csubj", "amod", "acl"})
_ABSORB_DEPTH = 3
_FOLLOW_WINDOW = 3


@dataclass(frozen=True)
class TriggerMatch:
    """One lexicon entry matched in a sentence."""

    trigger: Trigger
    anchor: Word  # the word roles, flags and the date are read from
    words: tuple[Word, ...]  # every matched word, in sentence order
    mode: str | None
    future_prefix: bool  # the anchor carries the Arabic future prefix (سيزور)
    via_form: bool  # matched by a surface form or stem, not the parser's lemma

    @property
    def start(self) -> int:
        return min(w.start for w in self.words)

    @property
    def end(self) -> int:
        return max(w.end for w in self.words)


class _Keys:
    """Per-word match keys of one sentence."""

    def __init__(self, tree: Tree, lexicon: Lexicon) -> None:
        self.keys: list[set[str]] = []
        self.lemma_keys: list[frozenset[str]] = []
        self.future: list[str | None] = []
        for word in tree.words:
            keys = set(word_keys(word.text, word.lemma, lexicon.language, lexicon))
            token = tree.token_text(word)
            if token is not None and _first_content(tree, word):
                # A clitic split off wrongly ("وصل" -> "و" + "صل"): the token may be the word.
                keys |= word_keys(token, token, lexicon.language, lexicon)
            lemma_only = word_keys(word.lemma, word.lemma, lexicon.language, lexicon)
            stem = future_stem(word.text, lexicon.future_prefix)
            if stem is not None:
                keys.add(stem)
            self.keys.append(keys)
            self.lemma_keys.append(lemma_only)
            self.future.append(stem)


def may_trigger(tree: Tree, lexicon: Lexicon) -> bool:
    """False only when :func:`find_triggers` cannot match anything in the sentence: no
    word has a key that any entry starts with. It reads words, lemmas, UPOS and token
    spans, never the dependency parse, so the NLP stage asks it before parsing
    (``pipeline.nlp.prefilter``) and parses only the sentences where it is True."""
    return any(lexicon.candidates(key) for keys in _Keys(tree, lexicon).keys for key in keys)


def find_triggers(tree: Tree, lexicon: Lexicon, ontology: Ontology) -> list[TriggerMatch]:
    """Every trigger of the sentence after overlap resolution and absorption, in order."""
    keys = _Keys(tree, lexicon)
    words = tree.words
    candidates: list[TriggerMatch] = []
    for i, word_key_set in enumerate(keys.keys):
        seen: set[int] = set()
        for key in word_key_set:
            for trigger in lexicon.candidates(key):
                if trigger.index in seen:
                    continue
                seen.add(trigger.index)
                match = _match(trigger, i, tree, keys)
                if match is not None:
                    candidates.append(match)
    chosen: list[TriggerMatch] = []
    taken: set[tuple[int, int]] = set()  # token spans: clitics split off share their token's
    for match in sorted(candidates, key=lambda m: m.trigger.specificity, reverse=True):
        spans = {(w.start, w.end) for w in match.words}
        if spans & taken:
            continue
        taken |= spans
        chosen.append(match)
    chosen = [m for m in chosen if not _absorbed(m, chosen, tree, lexicon, ontology)]
    position = {w.index: n for n, w in enumerate(words)}
    return sorted(chosen, key=lambda m: (m.start, position[m.anchor.index]))


def _first_content(tree: Tree, word: Word) -> bool:
    """The first word of its token that is not a clitic preposition, conjunction or pronoun."""
    if word.upos in FUNCTION_UPOS or word.upos == "PRON":
        return False
    same = tree.token_words(word)
    first = next((w for w in same if w.upos not in FUNCTION_UPOS and w.upos != "PRON"), None)
    return first is not None and first.index == word.index


def _match(trigger: Trigger, i: int, tree: Tree, keys: _Keys) -> TriggerMatch | None:
    words = tree.words
    if trigger.pattern:
        matched = [i]
        j = i
        for element in trigger.pattern[1:]:
            found = next(
                (k for k in range(j + 1, min(j + 2 + _GAP, len(words))) if keys.keys[k] & element),
                None,
            )
            if found is None:
                return None
            matched.append(found)
            j = found
        anchor_pos = matched[trigger.head]
    else:
        matched = [i]
        anchor_pos = i
    anchor = words[anchor_pos]
    if trigger.pos and anchor.upos not in trigger.pos:
        return None
    scope = _context_keys(tree, anchor_pos, keys)
    if trigger.context and not trigger.context & scope:
        return None
    if trigger.exclude and trigger.exclude & _exclude_keys(tree, anchor_pos, keys):
        return None
    mode = trigger.mode
    for rule in trigger.modes:
        if rule.context & scope:
            mode = rule.mode
            break
    first_keys = trigger.pattern[0] if trigger.pattern else trigger.keys
    via_form = not (keys.lemma_keys[i] & first_keys)
    stem = keys.future[anchor_pos]
    return TriggerMatch(
        trigger=trigger,
        anchor=anchor,
        words=tuple(words[k] for k in sorted(set(matched))),
        mode=mode,
        future_prefix=stem is not None and stem in (keys.keys[anchor_pos] & first_keys),
        via_form=via_form,
    )


def _context_keys(tree: Tree, pos: int, keys: _Keys) -> set[str]:
    """Keys of the anchor's own phrase (dependents, not other clauses) and of the words
    just around it: a bad parse should not hide "missile" from "fired"."""
    anchor = tree.words[pos]
    out: set[str] = set()
    for word in tree.subtree(anchor, stop=CLAUSAL - {"conj"}):
        if word.index != anchor.index:
            out |= keys.keys[tree.position(word)]
    head = tree.head(anchor)
    if head is not None and anchor.deprel.split(":")[0] in ("obj", "obl", "nmod", "xcomp"):
        out |= keys.keys[tree.position(head)]  # "held talks": the light verb's side
    lo, hi = max(0, pos - _CONTEXT_BEFORE), min(len(tree.words), pos + 1 + _CONTEXT_AFTER)
    for k in range(lo, hi):
        if k != pos:
            out |= keys.keys[k]
    return out


def _exclude_keys(tree: Tree, pos: int, keys: _Keys) -> set[str]:
    anchor = tree.words[pos]
    out: set[str] = set()
    head = tree.head(anchor)
    if head is not None:
        out |= keys.keys[tree.position(head)]
    for kid in tree.children(anchor):
        out |= keys.keys[tree.position(kid)]
    lo, hi = max(0, pos - _EXCLUDE_WINDOW), min(len(tree.words), pos + 1 + _EXCLUDE_WINDOW)
    for k in range(lo, hi):
        if k != pos:
            out |= keys.keys[k]
    return out


def _follows(match: TriggerMatch, outer: Iterable[TriggerMatch], tree: Tree) -> bool:
    """A noun right after a verb that absorbs ("condemned the attack", "أدان الهجوم"), with
    only its article, modifiers or a name between: its object whatever the parse says."""
    position = tree.position(match.anchor)
    for other in outer:
        end = max(tree.position(w) for w in other.words)
        if not 0 < position - end <= _FOLLOW_WINDOW:
            continue
        between = tree.words[end + 1 : position]
        if all(w.upos in ("DET", "ADJ", "NOUN", "PROPN", "ADP", "NUM") for w in between):
            return True
    return False


def _absorbed(
    match: TriggerMatch,
    chosen: Sequence[TriggerMatch],
    tree: Tree,
    lexicon: Lexicon,
    ontology: Ontology,
) -> bool:
    head = tree.head(match.anchor)
    purpose = head is not None and match.anchor.deprel.split(":")[0] in ("xcomp", "advcl")
    # "will meet on Friday to discuss the crisis": one meeting, not two.
    if purpose and any(
        head is not None and m.anchor.index == head.index and m.trigger.type == match.trigger.type
        for m in chosen
        if m is not match
    ):
        return True
    nominal = match.anchor.upos not in ("VERB", "AUX")
    # A visit named as the purpose of a visit verb ("arrived ... for a state visit", "وصل
    # ... في زيارة رسمية") is that visit; "during his visit, he toured ..." is not.
    marks = {normalise_key(m.lemma) for m in tree.markers(match.anchor)}
    current = match.anchor
    for _ in range(2 if marks & lexicon.marker("purpose") else 0):
        parent = tree.head(current)
        if not nominal or parent is None or current.deprel.split(":")[0] not in ("obl", "nmod"):
            break
        if any(
            m.anchor.index == parent.index and m.trigger.type == match.trigger.type
            for m in chosen
            if m is not match
        ):
            return True
        current = parent
    absorbing = {
        m.anchor.index: m
        for m in chosen
        if m is not match and ontology.types[m.trigger.type].absorbs
    }
    if not absorbing:
        return False
    if nominal and _follows(match, absorbing.values(), tree):
        return True
    current = match.anchor
    for _ in range(_ABSORB_DEPTH):
        if current.deprel.split(":")[0] not in _COMPLEMENT:
            return False
        head = tree.head(current)
        if head is None:
            return False
        if head.index in absorbing:
            return True
        current = head
    return False
