"""Read-only views of one sentence's dependency tree: children, subtrees, depth, heads.

Every other events module asks the same questions of a :class:`ParsedSentence`
("what hangs off this verb?", "is this word under that one?"); :class:`Tree` answers
them from indexes built once per sentence. Word ids are Stanza's (1-based, 0 = root);
a malformed parse (a head that points nowhere, a cycle) degrades to "no such relation"
instead of an error, since the tiny models' parses are imperfect.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import cached_property, lru_cache

from pipeline.nlp.base import ParsedSentence, Word

# Relations that start a new clause: a context or argument search stops at them.
CLAUSAL = frozenset(
    {"conj", "parataxis", "ccomp", "advcl", "acl", "acl:relcl", "csubj", "punct", "cc", "root"}
)
FUNCTION_UPOS = frozenset({"ADP", "CCONJ", "SCONJ", "PUNCT", "DET", "PART", "AUX", "SYM"})


class Tree:
    """Indexes over one parsed sentence."""

    def __init__(self, sentence: ParsedSentence, body: str | None = None) -> None:
        self.sentence = sentence
        self.body = body
        self.words: tuple[Word, ...] = sentence.words
        self._by_id = {w.index: w for w in self.words}
        self._children: dict[int, list[Word]] = {}
        self._tokens: dict[tuple[int, int], list[Word]] = {}
        for word in self.words:
            self._tokens.setdefault((word.start, word.end), []).append(word)
            self._children.setdefault(word.head, []).append(word)

    def token_text(self, word: Word) -> str | None:
        """The surface of the word's whole token when Stanza split it into several words
        ("وصل" split as "و" + "صل"), else None."""
        if self.body is None or not 0 <= word.start < word.end <= len(self.body):
            return None
        shared = len(self.token_words(word)) > 1
        return self.body[word.start : word.end] if shared else None

    def token_words(self, word: Word) -> list[Word]:
        """The words of ``word``'s token (several where Stanza split off clitics)."""
        return self._tokens.get((word.start, word.end), [word])

    def word(self, index: int) -> Word | None:
        return self._by_id.get(index)

    def position(self, word: Word) -> int:
        """0-based position of ``word`` in the sentence."""
        return self._positions[word.index]

    @cached_property
    def _positions(self) -> dict[int, int]:
        return {w.index: i for i, w in enumerate(self.words)}

    def children(self, word: Word, *relations: str) -> list[Word]:
        """Dependents of ``word``; with ``relations``, only those (``"obl"`` also matches
        ``"obl:agent"``)."""
        kids = self._children.get(word.index, [])
        if not relations:
            return list(kids)
        wanted = _relations(relations)
        return [k for k in kids if k.deprel in wanted or _base(k.deprel) in wanted]

    def children_of_root(self) -> list[Word]:
        """The root word(s) of the sentence."""
        return list(self._children.get(0, []))

    def head(self, word: Word) -> Word | None:
        return self._by_id.get(word.head) if word.head else None

    def ancestors(self, word: Word, limit: int = 50) -> Iterator[Word]:
        """Heads of ``word``, nearest first (stops on cycles)."""
        seen = {word.index}
        current = self.head(word)
        while current is not None and current.index not in seen and len(seen) <= limit:
            yield current
            seen.add(current.index)
            current = self.head(current)

    def depth(self, word: Word) -> int:
        return sum(1 for _ in self.ancestors(word))

    def subtree(self, word: Word, stop: Iterable[str] = ()) -> list[Word]:
        """``word`` and its descendants in sentence order, not entering relations in
        ``stop`` (below ``word`` itself)."""
        stops = _relations(tuple(stop))
        seen = {word.index}
        stack = [word]
        while stack:
            current = stack.pop()
            for kid in self._children.get(current.index, []):
                if kid.index in seen or kid.deprel in stops or _base(kid.deprel) in stops:
                    continue
                seen.add(kid.index)
                stack.append(kid)
        return [w for w in self.words if w.index in seen]

    def conjuncts(self, word: Word) -> list[Word]:
        """``word`` followed by the words coordinated with it ("Beijing and Moscow")."""
        out = [word]
        seen = {word.index}
        i = 0
        while i < len(out):
            for kid in self.children(out[i], "conj"):
                if kid.index not in seen:
                    seen.add(kid.index)
                    out.append(kid)
            i += 1
        return out

    def markers(self, word: Word) -> list[Word]:
        """The case/mark words of a nominal or clause ("in" of "in Moscow", "إلى"),
        including those a flat parse hangs on a modifier before it ("with" on "French" in
        "with French President Emmanuel Macron", "for" on "three-day" in "for a three-day
        visit")."""
        holders = [word]
        seen = {word.index}
        i = 0
        while i < len(holders):
            for kid in self.children(holders[i], "compound", "flat", "amod"):
                if kid.start < word.start and kid.index not in seen:
                    seen.add(kid.index)
                    holders.append(kid)
            i += 1
        return [m for holder in holders for m in self.children(holder, "case", "mark")]

    def is_under(self, word: Word, ancestor: Word) -> bool:
        return any(a.index == ancestor.index for a in self.ancestors(word))

    def span(self, words: Iterable[Word]) -> tuple[int, int] | None:
        """Character span covering ``words`` (their tokens), or None when empty."""
        items = list(words)
        if not items:
            return None
        return min(w.start for w in items), max(w.end for w in items)


@lru_cache(maxsize=256)
def _relations(relations: tuple[str, ...]) -> frozenset[str]:
    return frozenset(relations)


@lru_cache(maxsize=256)
def _base(deprel: str) -> str:
    return deprel.split(":", 1)[0]


def is_content(word: Word) -> bool:
    """A word that can carry a name: not a preposition, conjunction, punctuation, ..."""
    return word.upos not in FUNCTION_UPOS and word.upos != "PRON"
