"""Which sentences need a dependency parse: the parser pre-filter of the NLP stage.

The parser is the most expensive Stanza processor (about 45% of the time with the
official model sizes), and only the events stage reads its output. A sentence needs a
parse when the events stage could read it:

- it may hold a trigger: :func:`pipeline.events.triggers.may_trigger`, the trigger
  matcher's own key derivation over the events lexicon, so it is a superset of what
  :func:`~pipeline.events.triggers.find_triggers` can match;
- it is one of the ``_PRONOUN_LOOKBACK`` sentences before such a sentence that holds a
  pronoun of the lexicon (a pronoun is resolved through the subject of a previous
  sentence);
- it holds both a title noun of the lexicon's ``[sectors]`` and a person entity
  ("Defence Minister Sergei Shoigu"), in an article with a trigger sentence: the events
  stage learns title aliases from the ``appos``/``compound`` relations of every sentence.
  Person entities are what the entities stage will resolve from the same mentions
  (a few milliseconds; it reads no parse).

Everything else is tokenized, tagged, lemmatized and NER-tagged as usual, and left
unparsed (``ParsedSentence.parsed`` is False). An article in a language without an
events lexicon needs no parse at all. ``tests/unit/nlp/test_prefilter_equality.py``
checks that entities and events are identical with the pre-filter on and off.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.entities.dictionary import load_dictionary
from pipeline.entities.resolve import resolve_entities
from pipeline.events.lexicon import Lexicon, base_language, load_lexicon, normalise_key
from pipeline.events.participants import _PRONOUN_LOOKBACK
from pipeline.events.tree import Tree
from pipeline.events.triggers import may_trigger
from pipeline.nlp.base import Mention, ParsedSentence, Word

_PERSON = ("PER", "PERSON")  # the entity types participants.Article takes as people


def lexicon_for(language: str | None) -> Lexicon | None:
    """The events lexicon the events stage will use for ``language``, or None."""
    lang = base_language(language)
    return load_lexicon(lang) if lang else None


def needs_parse(
    sentences: Sequence[ParsedSentence],
    body: str,
    lexicon: Lexicon | None,
    persons: Sequence[tuple[int, int]] = (),
) -> set[int]:
    """Positions (in ``sentences``) of the sentences whose parse a later stage reads.

    ``persons``: character spans of the article's person mentions (every mention of a
    PER entity, as :func:`persons_of` gives them)."""
    if lexicon is None:
        return set()
    trees = [Tree(s, body) for s in sentences]
    triggers = [i for i, tree in enumerate(trees) if may_trigger(tree, lexicon)]
    if not triggers:
        return set()
    wanted = set(triggers)
    for i in triggers:
        if not any(_pronoun(w, lexicon) for w in sentences[i].words):
            continue
        # As the events stage counts it: by sentence index, not by position.
        index = sentences[i].index
        wanted.update(
            j for j, s in enumerate(sentences) if index - _PRONOUN_LOOKBACK <= s.index < index
        )
    sectors = lexicon.sectors
    for i, sentence in enumerate(sentences):
        named = any(sentence.start < end and start < sentence.end for start, end in persons)
        if named and any(normalise_key(w.lemma) in sectors for w in sentence.words):
            wanted.add(i)
    return wanted


def _pronoun(word: Word, lexicon: Lexicon) -> bool:
    """A word the events stage may resolve as a pronoun (``participants.resolve``)."""
    if word.upos != "PRON":
        return False
    return normalise_key(word.lemma) in lexicon.pronouns or (
        normalise_key(word.text) in lexicon.pronouns
    )


def persons_of(
    body: str,
    sentences: Sequence[ParsedSentence],
    mentions: Sequence[Mention],
    language: str | None,
) -> list[tuple[int, int]]:
    """Spans of every mention of a person entity, as the entities stage will resolve them."""
    entities = resolve_entities(body, sentences, mentions, language, dictionary=load_dictionary())
    return [
        (int(m["start"]), int(m["end"]))
        for e in entities
        if e.get("type") in _PERSON
        for m in e.get("mentions", ())
        if isinstance(m.get("start"), int) and isinstance(m.get("end"), int)
    ]
