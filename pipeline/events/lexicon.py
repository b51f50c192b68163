"""Trigger lexicons: load ``lexicons/<lang>.toml``, validate it, index it for matching.

A lexicon is data a linguist extends (format: ``lexicons/README.md``). It holds the
event triggers, written over lemmas (single words, with surface forms the lemmatizer may
miss) or multiword patterns, each with its PLOVER type, mode and role scheme; and the
per-language grammar the extractor needs: the prepositions that mark recipients,
partners, places and agents, the words of negation, future and hypothesis, light verbs
("held talks"), pronouns, and the head nouns of unnamed actors with their sector.

Validation is strict (unknown keys, types or modes not in the ontology, empty lists,
duplicates) and every error names the file and the entry, so a typo fails at start-up,
not silently at match time.

>>> lex = load_lexicon("en")
>>> [t.type for t in lex.candidates("visit")][:1]
['CONSULT']
>>> sorted(word_keys("visited", "visited", "en", lex))[:3]
['visit', 'visite', 'visited']
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from pipeline.events.errors import LexiconError
from pipeline.events.ontology import LEXICON_DIR, Ontology, load_ontology

ROLE_SCHEMES = frozenset({"default", "visit", "host", "reciprocal", "theme", "passive"})
REQUIRES = frozenset({"actor", "recipient"})
UPOS = frozenset(
    {
        "ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON",
        "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X",
    }
)  # fmt: skip
MARKER_KINDS = (
    "recipient", "target", "destination", "with", "agent", "locative", "companion", "genitive",
    "purpose",
)  # fmt: skip
MODALITY_KINDS = (
    "negation", "negation_heads", "future_aux", "future_heads", "hypothetical",
    "hypothetical_heads", "speech_verbs", "conditional_aux",
)  # fmt: skip
_TRIGGER_KEYS = frozenset(
    {
        "lemmas", "forms", "pattern", "head", "type", "mode", "modes", "roles", "pos",
        "context", "exclude", "requires", "fallback", "recipient_markers", "actor_markers",
        "confidence", "note",
    }
)  # fmt: skip
_TOP_KEYS = frozenset({"meta", "markers", "modality", "grammar", "sectors", "irregular", "trigger"})
_GAP = 3  # words allowed between two elements of a pattern

# Arabic letters that are written interchangeably, diacritics and tatweel.
_AR_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})
_AR_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_AR_PROCLITICS = ("و", "ف")
_AR_PREPOSITIONS = ("ب", "ل", "ك")
_AR_IMPERFECT = ("ي", "ت", "ن", "ا")


@lru_cache(maxsize=1 << 16)
def normalise_key(text: str) -> str:
    """The form words and lexicon entries are compared in: NFC, case-folded, Arabic
    diacritics and tatweel removed, hamza-alef forms, alef maqsura and ta marbuta folded."""
    text = unicodedata.normalize("NFC", text).casefold().strip()
    text = _AR_MARKS.sub("", text).translate(_AR_FOLD)
    return text.replace("’", "'")


@dataclass(frozen=True)
class ModeRule:
    mode: str
    context: frozenset[str]


@dataclass(frozen=True)
class Trigger:
    """One lexicon entry: what fires it, and what event it codes."""

    index: int  # position in the file: the tie-breaker, and how errors name it
    lemma: str  # reported as the event's trigger_lemma
    type: str
    mode: str | None = None
    keys: frozenset[str] = frozenset()  # single-word entries: lemmas and forms
    pattern: tuple[frozenset[str], ...] = ()  # multiword entries: alternatives per word
    head: int = 0  # the pattern word that anchors roles and flags
    roles: str = "default"
    pos: frozenset[str] = frozenset()
    context: frozenset[str] = frozenset()
    exclude: frozenset[str] = frozenset()
    modes: tuple[ModeRule, ...] = ()
    requires: frozenset[str] = frozenset()
    fallback: bool = True
    recipient_markers: frozenset[str] = frozenset()
    actor_markers: frozenset[str] = frozenset()
    confidence: float | None = None

    @property
    def length(self) -> int:
        return len(self.pattern) or 1

    @property
    def specificity(self) -> tuple[int, int, int]:
        """Longer patterns first, then entries with a context condition, then file order."""
        return (self.length, 1 if self.context else 0, -self.index)


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one per language
class Lexicon:
    language: str
    version: str
    triggers: tuple[Trigger, ...]
    markers: Mapping[str, frozenset[str]]
    modality: Mapping[str, frozenset[str]]
    light_verbs: frozenset[str] = frozenset()
    pronouns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    sectors: Mapping[str, str] = field(default_factory=dict)
    irregular: Mapping[str, str] = field(default_factory=dict)
    future_prefix: str | None = None
    fallback_after: frozenset[str] = frozenset()
    fallback_window: int = 4
    _index: Mapping[str, tuple[Trigger, ...]] = field(default_factory=dict, repr=False)

    def candidates(self, key: str) -> tuple[Trigger, ...]:
        """Entries a word with this key may start: single-word entries with the key, and
        patterns whose first word allows it."""
        return self._index.get(key, ())

    def marker(self, kind: str) -> frozenset[str]:
        return self.markers.get(kind, frozenset())

    def words(self, kind: str) -> frozenset[str]:
        return self.modality.get(kind, frozenset())

    @property
    def extractor(self) -> str:
        return f"lexicon:{self.language}:{self.version}"


@lru_cache(maxsize=1 << 16)
def word_keys(
    text: str, lemma: str, language: str, lexicon: Lexicon | None = None
) -> frozenset[str]:
    """Every key a word may match an entry by: its lemma and surface form, normalised,
    plus what the tiny lemmatizer may have missed: Arabic proclitics and the article
    (``وأطلقت`` -> ``اطلقت``), English inflection (``visited`` -> ``visit``) and the
    lexicon's irregular forms (``met`` -> ``meet``). Future-prefixed Arabic verbs are
    matched by :func:`future_stem`."""
    surface, base = normalise_key(text), normalise_key(lemma)
    keys = {k for k in (surface, base) if k}
    if language == "ar":
        for key in list(keys):
            for stem in _arabic_stems(key):
                keys.add(stem)
    else:
        for key in list(keys):
            keys.update(_english_stems(key))
    if lexicon is not None and lexicon.irregular:
        for key in list(keys):
            if key in lexicon.irregular:
                keys.add(lexicon.irregular[key])
    return frozenset(keys)


def future_stem(text: str, prefix: str | None) -> str | None:
    """The imperfect verb under an Arabic future prefix (``سيزور`` -> ``يزور``), or None."""
    if not prefix:
        return None
    key = normalise_key(text)
    for clitic in _AR_PROCLITICS:
        if key.startswith(clitic) and len(key) > 4 and key[1:].startswith(prefix):
            key = key[1:]
            break
    if key.startswith(prefix) and len(key) > 3 and key[len(prefix)] in _AR_IMPERFECT:
        return key[len(prefix) :]
    return None


def _arabic_stems(key: str) -> list[str]:
    out: list[str] = []
    current = key
    if len(current) > 3 and current[0] in _AR_PROCLITICS:
        current = current[1:]
        out.append(current)
    if len(current) > 3 and current[0] in _AR_PREPOSITIONS and current[1:3] == "ال":
        current = current[1:]
        out.append(current)
    if len(current) > 4 and current.startswith(("ال", "لل")):
        out.append(current[2:])
    for stem in [current, *out]:
        if len(stem) > 4 and stem.endswith("ا") and not stem.endswith("اا"):
            out.append(stem[:-1])  # accusative tanween: "هجوما" -> "هجوم", "صاروخا"
    return out


def _english_stems(key: str) -> list[str]:
    if not key.isascii() or len(key) < 4:
        return []
    out: list[str] = []
    if key.endswith("ies") or key.endswith("ied"):
        out.append(key[:-3] + "y")
    if key.endswith("es"):
        out.append(key[:-2])
    if key.endswith("s") and not key.endswith("ss"):
        out.append(key[:-1])
    if key.endswith("ed"):
        out += [key[:-2], key[:-1]]
        if len(key) > 5 and key[-3] == key[-4]:
            out.append(key[:-3])
    if key.endswith("ing") and len(key) > 5:
        out += [key[:-3], key[:-3] + "e"]
        if key[-4] == key[-5]:
            out.append(key[:-4])
    return out


# -- loading --------------------------------------------------------------------------


def _strings(value: Any, where: str, *, allow_empty: bool = False) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise LexiconError(f"{where} must be a list of non-empty strings")
    if not value and not allow_empty:
        raise LexiconError(f"{where} must not be empty")
    return list(value)


def _keys(values: Iterable[str]) -> frozenset[str]:
    return frozenset(k for k in (normalise_key(v) for v in values) if k)


def _parse_trigger(spec: Any, index: int, ontology: Ontology, where: str) -> Trigger:
    at = f"{where}: trigger #{index + 1}"
    if not isinstance(spec, dict):
        raise LexiconError(f"{at} must be a table")
    label = spec.get("lemmas") or spec.get("pattern")
    at = f"{at} ({label})"
    unknown = set(spec) - _TRIGGER_KEYS
    if unknown:
        raise LexiconError(f"{at}: unknown key(s) {sorted(unknown)}")
    if ("lemmas" in spec) == ("pattern" in spec):
        raise LexiconError(f"{at}: give exactly one of `lemmas` or `pattern`")
    event_type = spec.get("type")
    if not isinstance(event_type, str) or event_type not in ontology.types:
        raise LexiconError(f"{at}: unknown PLOVER type {event_type!r}")
    allowed_modes = ontology.types[event_type].modes
    mode = spec.get("mode")
    if mode is not None and mode not in allowed_modes:
        raise LexiconError(f"{at}: {event_type} has no mode {mode!r} (has {sorted(allowed_modes)})")
    roles = spec.get("roles", "default")
    if roles not in ROLE_SCHEMES:
        raise LexiconError(f"{at}: roles must be one of {sorted(ROLE_SCHEMES)}, not {roles!r}")
    keys: frozenset[str] = frozenset()
    pattern: tuple[frozenset[str], ...] = ()
    head = 0
    if "lemmas" in spec:
        lemmas = _strings(spec["lemmas"], f"{at}: lemmas")
        forms = _strings(spec.get("forms", []), f"{at}: forms", allow_empty=True)
        keys = _keys(lemmas + forms)
        lemma = lemmas[0]
        if "head" in spec:
            raise LexiconError(f"{at}: `head` only applies to patterns")
    else:
        if "forms" in spec:
            raise LexiconError(f"{at}: `forms` only applies to `lemmas` entries")
        elements = _strings(spec["pattern"], f"{at}: pattern")
        if len(elements) < 2:
            raise LexiconError(f"{at}: a pattern needs two or more words (else use lemmas)")
        pattern = tuple(_keys(e.split("|")) for e in elements)
        if not all(pattern):
            raise LexiconError(f"{at}: empty alternative in pattern")
        head = spec.get("head", 0)
        if not isinstance(head, int) or not 0 <= head < len(pattern):
            raise LexiconError(f"{at}: head must index a pattern word")
        lemma = " ".join(e.split("|")[0] for e in elements)
    modes: list[ModeRule] = []
    for i, rule in enumerate(spec.get("modes", [])):
        rule_at = f"{at}: modes[{i}]"
        if not isinstance(rule, dict) or set(rule) != {"mode", "context"}:
            raise LexiconError(f"{rule_at} must be {{ mode = ..., context = [...] }}")
        if rule["mode"] not in allowed_modes:
            raise LexiconError(f"{rule_at}: {event_type} has no mode {rule['mode']!r}")
        modes.append(ModeRule(rule["mode"], _keys(_strings(rule["context"], rule_at))))
    pos = frozenset(_strings(spec.get("pos", []), f"{at}: pos", allow_empty=True))
    if pos - UPOS:
        raise LexiconError(f"{at}: unknown UPOS tag(s) {sorted(pos - UPOS)}")
    requires = frozenset(_strings(spec.get("requires", []), f"{at}: requires", allow_empty=True))
    if requires - REQUIRES:
        raise LexiconError(f"{at}: requires may name only {sorted(REQUIRES)}")
    fallback = spec.get("fallback", True)
    if not isinstance(fallback, bool):
        raise LexiconError(f"{at}: fallback must be true or false")
    confidence = spec.get("confidence")
    if confidence is not None and (
        not isinstance(confidence, int | float) or not 0 < confidence <= 1
    ):
        raise LexiconError(f"{at}: confidence must be a number in (0, 1]")
    return Trigger(
        index=index,
        lemma=lemma,
        type=event_type,
        mode=mode,
        keys=keys,
        pattern=pattern,
        head=head,
        roles=roles,
        pos=pos,
        context=_keys(_strings(spec.get("context", []), f"{at}: context", allow_empty=True)),
        exclude=_keys(_strings(spec.get("exclude", []), f"{at}: exclude", allow_empty=True)),
        modes=tuple(modes),
        requires=requires,
        fallback=fallback,
        recipient_markers=_keys(
            _strings(
                spec.get("recipient_markers", []), f"{at}: recipient_markers", allow_empty=True
            )
        ),
        actor_markers=_keys(
            _strings(spec.get("actor_markers", []), f"{at}: actor_markers", allow_empty=True)
        ),
        confidence=float(confidence) if confidence is not None else None,
    )


def _word_table(data: Any, kinds: Sequence[str], where: str) -> dict[str, frozenset[str]]:
    if not isinstance(data, dict):
        raise LexiconError(f"{where} must be a table")
    unknown = set(data) - set(kinds)
    if unknown:
        raise LexiconError(f"{where}: unknown key(s) {sorted(unknown)} (allowed: {list(kinds)})")
    return {k: _keys(_strings(v, f"{where}.{k}", allow_empty=True)) for k, v in data.items()}


def parse_lexicon(
    data: Mapping[str, Any], ontology: Ontology | None = None, where: str = "lexicon"
) -> Lexicon:
    """Validate the TOML data of a lexicon file and index its triggers."""
    ontology = ontology if ontology is not None else load_ontology()
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise LexiconError(f"{where}: unknown top-level key(s) {sorted(unknown)}")
    meta = data.get("meta", {})
    language = meta.get("language")
    if not isinstance(language, str) or not language:
        raise LexiconError(f"{where}: [meta] language is required")
    specs = data.get("trigger", [])
    if not isinstance(specs, list) or not specs:
        raise LexiconError(f"{where}: no [[trigger]] entries")
    triggers = tuple(_parse_trigger(s, i, ontology, where) for i, s in enumerate(specs))
    seen: dict[tuple[Any, ...], int] = {}
    for t in triggers:
        signature = (t.keys, t.pattern, t.context, t.pos, t.type)
        if signature in seen:
            raise LexiconError(
                f"{where}: trigger #{t.index + 1} ({t.lemma}) duplicates trigger "
                f"#{seen[signature] + 1}"
            )
        seen[signature] = t.index

    grammar = data.get("grammar", {})
    if not isinstance(grammar, dict):
        raise LexiconError(f"{where}: [grammar] must be a table")
    unknown = set(grammar) - {"light_verbs", "pronouns", "groups", "future_prefix"}
    if unknown:
        raise LexiconError(f"{where}: [grammar] unknown key(s) {sorted(unknown)}")
    pronouns: dict[str, tuple[str, ...]] = {}
    for pronoun, types in grammar.get("pronouns", {}).items():
        pronouns[normalise_key(pronoun)] = tuple(
            _strings(types, f"{where}: [grammar] pronouns.{pronoun}")
        )
    groups: dict[str, tuple[str, ...]] = {}
    for noun, types in grammar.get("groups", {}).items():
        groups[normalise_key(noun)] = tuple(_strings(types, f"{where}: [grammar] groups.{noun}"))
    sectors: dict[str, str] = {}
    sector_data = data.get("sectors", {})
    if not isinstance(sector_data, dict):
        raise LexiconError(f"{where}: [sectors] must be a table")
    for code, nouns in sector_data.items():
        if not re.fullmatch(r"[A-Z]{3}", code):
            raise LexiconError(f"{where}: [sectors] {code!r} is not a 3-letter sector code")
        for noun in _keys(_strings(nouns, f"{where}: [sectors] {code}")):
            sectors.setdefault(noun, code)
    irregular_data = data.get("irregular", {})
    if not isinstance(irregular_data, dict) or not all(
        isinstance(v, str) for v in irregular_data.values()
    ):
        raise LexiconError(f"{where}: [irregular] must map forms to base forms")
    fallback_after = frozenset(
        _strings(
            meta.get("fallback_after", []), f"{where}: [meta] fallback_after", allow_empty=True
        )
    )
    window = meta.get("fallback_window", 4)
    if not isinstance(window, int) or window < 0:
        raise LexiconError(f"{where}: [meta] fallback_window must be a non-negative integer")
    future_prefix = grammar.get("future_prefix")
    if future_prefix is not None and not isinstance(future_prefix, str):
        raise LexiconError(f"{where}: [grammar] future_prefix must be a string")

    index: dict[str, list[Trigger]] = {}
    for t in triggers:
        for key in t.pattern[0] if t.pattern else t.keys:
            index.setdefault(key, []).append(t)
    return Lexicon(
        language=language,
        version=str(meta.get("version", "0")),
        triggers=triggers,
        markers=_word_table(data.get("markers", {}), MARKER_KINDS, f"{where}: [markers]"),
        modality=_word_table(data.get("modality", {}), MODALITY_KINDS, f"{where}: [modality]"),
        light_verbs=_keys(
            _strings(grammar.get("light_verbs", []), f"{where}: light_verbs", allow_empty=True)
        ),
        pronouns=pronouns,
        groups=groups,
        sectors=sectors,
        irregular={normalise_key(k): normalise_key(v) for k, v in irregular_data.items()},
        future_prefix=normalise_key(future_prefix) if future_prefix else None,
        fallback_after=fallback_after,
        fallback_window=window,
        _index={k: tuple(v) for k, v in index.items()},
    )


def lexicon_path(language: str) -> Path:
    return LEXICON_DIR / f"{language}.toml"


def available_languages() -> list[str]:
    return sorted(p.stem for p in LEXICON_DIR.glob("*.toml") if p.stem != "plover")


def base_language(language: str | None) -> str | None:
    """``"ar-EG"`` -> ``"ar"``; None, empty or ``"und"`` -> None."""
    if not language:
        return None
    base = language.replace("_", "-").split("-")[0].lower()
    return base if base and base != "und" else None


@cache
def load_lexicon(language: str) -> Lexicon | None:
    """The shipped lexicon of ``language`` (read once per process), or None if there is
    none for it."""
    path = lexicon_path(language)
    if not path.exists():
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise LexiconError(f"cannot read the {language} event lexicon {path}: {exc}") from exc
    lexicon = parse_lexicon(data, where=path.name)
    if lexicon.language != language:
        raise LexiconError(f"{path.name}: [meta] language is {lexicon.language!r}")
    return lexicon


def coverage(lexicon: Lexicon) -> dict[str, tuple[int, int, list[str]]]:
    """Per type: (entries, words and patterns they match, modes they can give)."""
    out: dict[str, tuple[int, int, list[str]]] = {}
    for t in lexicon.triggers:
        entries, words, modes = out.get(t.type, (0, 0, []))
        given = {m for m in [t.mode, *(r.mode for r in t.modes)] if m}
        out[t.type] = (
            entries + 1,
            words + (1 if t.pattern else len(t.keys)),
            sorted(set(modes) | given),
        )
    return out
