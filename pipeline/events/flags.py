"""PLOVER's auxiliary contexts of one event: negated, future, hypothetical (historical is
read off the resolved date, see :func:`pipeline.events.dates.is_historical`).

Cues are the lexicon's ``[modality]`` words, looked for on the trigger's own dependents
(``aux``, ``advmod``, ``mark``, ...), among the few words just before it (parses of
"لم يلتق" or "من المقرر أن يزور" are not always right), and, for governing verbs, up
the tree through complements ("refused to meet", "plans to visit", "could consider
visiting"):

- negated: a negation word before the trigger ("did not meet", "لم يلتق", "عدم"), or a
  governing verb of refusal or denial;
- future: a future auxiliary or particle ("will", "سوف", "لن"), the Arabic future prefix
  (``سيزور``), a governing verb of intention ("plans to", "يعتزم", "من المقرر"), or
  "would" under a verb of saying ("said Russia would help");
- hypothetical: a conditional or modal ("if", "could", "إذا", "لو", "قد" before an
  imperfect verb), "would" elsewhere, or a governing verb such as "consider".
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.events.lexicon import Lexicon, normalise_key, word_keys
from pipeline.events.tree import Tree
from pipeline.events.triggers import TriggerMatch
from pipeline.nlp.base import Word

_DEP_RELS = ("advmod", "aux", "det", "mark", "discourse", "neg", "cop", "compound:prt", "case")
_WINDOW = 3  # words before the trigger searched for cues
_GOVERNING = frozenset({"xcomp", "ccomp", "obj", "obl", "nmod", "advcl", "csubj", "conj"})
_UP = 3
_AR_IMPERFECT = ("ي", "ت", "ن", "ا")


@dataclass(frozen=True)
class Modality:
    negated: bool = False
    future: bool = False
    hypothetical: bool = False


def modality(tree: Tree, match: TriggerMatch, lexicon: Lexicon) -> Modality:
    anchor = match.anchor
    language = lexicon.language

    def keys(word: Word) -> frozenset[str]:
        return word_keys(word.text, word.lemma, language, lexicon)

    own = {w.index for w in match.words}
    first = min(tree.position(w) for w in match.words)
    near: list[Word] = [
        kid for w in match.words for kid in tree.children(w, *_DEP_RELS) if kid.index not in own
    ]
    window: list[Word] = []
    for k in range(first - 1, max(-1, first - 1 - _WINDOW), -1):
        word = tree.words[k]
        if word.upos == "PUNCT":
            break
        window.append(word)
    before = [w for w in near if tree.position(w) < first] + window
    cue_words = near + window

    negation = lexicon.words("negation")
    negated = any(keys(w) & negation for w in before)
    future = match.future_prefix or any(keys(w) & lexicon.words("future_aux") for w in cue_words)
    future = future or any(keys(w) & lexicon.words("future_heads") for w in window)
    hypothetical = False
    for word in cue_words:
        word_key_set = keys(word)
        if word_key_set & lexicon.words("hypothetical"):
            if language == "ar" and normalise_key(word.text) in ("قد", "لقد"):
                hypothetical = hypothetical or _arabic_imperfect(anchor.text)
            else:
                hypothetical = True
        if word_key_set & lexicon.words("conditional_aux"):
            if _under_speech_verb(tree, anchor, lexicon):
                future = True
            else:
                hypothetical = True

    governors = _governors(tree, anchor)
    for governor in governors:
        governor_keys = keys(governor)
        if governor_keys & lexicon.words("negation_heads"):
            negated = True
        if governor_keys & lexicon.words("future_heads"):
            future = True
        if governor_keys & lexicon.words("hypothetical_heads"):
            hypothetical = True
        for cue in tree.children(governor, "mark", "aux"):
            cue_keys = keys(cue)
            if cue_keys & lexicon.words("hypothetical") and normalise_key(cue.text) not in (
                "قد",
                "لقد",
            ):
                hypothetical = True
            if cue_keys & lexicon.words("future_aux"):
                future = True
    return Modality(negated=negated, future=future, hypothetical=hypothetical)


def _governors(tree: Tree, anchor: Word) -> list[Word]:
    """Verbs (and verbal nouns) the trigger is a complement of, nearest first."""
    out = []
    current = anchor
    for _ in range(_UP):
        if current.deprel.split(":")[0] not in _GOVERNING:
            break
        head = tree.head(current)
        if head is None:
            break
        out.append(head)
        current = head
    return out


def _under_speech_verb(tree: Tree, anchor: Word, lexicon: Lexicon) -> bool:
    """Reported speech: "said Russia *would* help" is a future, not a hypothesis."""
    wanted = lexicon.words("speech_verbs")
    return any(
        word_keys(a.text, a.lemma, lexicon.language, lexicon) & wanted
        for a in tree.ancestors(anchor, limit=4)
    )


def _arabic_imperfect(text: str) -> bool:
    key = normalise_key(text)
    if len(key) > 3 and key[0] in ("و", "ف"):
        key = key[1:]
    return len(key) > 2 and key[0] in _AR_IMPERFECT
