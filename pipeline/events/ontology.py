"""The PLOVER ontology the events stage codes into, read from ``lexicons/plover.toml``.

Types, their quad and score, the modes each allows, which cooperative types turn into
AGREE when reported in the future tense, and which types absorb an event named in their
complement. The trigger lexicons are validated against it (see :mod:`.lexicon`).

>>> onto = load_ontology()
>>> len(onto.types), onto.types["CONSULT"].score_for("visit"), onto.types["MOBILIZE"].quad
(16, 4.0, 'material_conflict')
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pipeline.events.errors import LexiconError

LEXICON_DIR = Path(__file__).resolve().parent / "lexicons"
ONTOLOGY_PATH = LEXICON_DIR / "plover.toml"
QUADS = frozenset(
    {"verbal_cooperation", "material_cooperation", "verbal_conflict", "material_conflict"}
)
_TYPE_KEYS = frozenset(
    {"quad", "score", "modes", "mode_scores", "future_as", "absorbs", "requires_recipient"}
)


@dataclass(frozen=True)
class EventType:
    name: str
    quad: str
    score: float
    modes: frozenset[str]
    mode_scores: Mapping[str, float]
    future_as: str | None = None
    absorbs: bool = False
    requires_recipient: bool = False

    def score_for(self, mode: str | None) -> float:
        if mode is not None and mode in self.mode_scores:
            return self.mode_scores[mode]
        return self.score


@dataclass(frozen=True)
class Ontology:
    version: str
    types: Mapping[str, EventType]

    def get(self, name: str) -> EventType:
        return self.types[name]


def parse_ontology(data: Mapping[str, Any], where: str = "plover.toml") -> Ontology:
    """Validate the TOML data of an ontology file."""
    meta = data.get("meta", {})
    types_data = data.get("types")
    if not isinstance(types_data, dict) or not types_data:
        raise LexiconError(f"{where}: no [types.*] tables")
    types: dict[str, EventType] = {}
    for name, spec in types_data.items():
        at = f"{where}: [types.{name}]"
        if not isinstance(spec, dict):
            raise LexiconError(f"{at} must be a table")
        unknown = set(spec) - _TYPE_KEYS
        if unknown:
            raise LexiconError(f"{at}: unknown key(s) {sorted(unknown)}")
        quad = spec.get("quad")
        if quad not in QUADS:
            raise LexiconError(f"{at}: quad must be one of {sorted(QUADS)}, not {quad!r}")
        score = spec.get("score")
        if not isinstance(score, int | float) or isinstance(score, bool):
            raise LexiconError(f"{at}: score must be a number")
        modes = spec.get("modes", [])
        if not isinstance(modes, list) or not all(isinstance(m, str) and m for m in modes):
            raise LexiconError(f"{at}: modes must be a list of names")
        mode_scores = spec.get("mode_scores", {})
        if not isinstance(mode_scores, dict):
            raise LexiconError(f"{at}: mode_scores must be a table")
        for mode, value in mode_scores.items():
            if mode not in modes or not isinstance(value, int | float):
                raise LexiconError(f"{at}: mode_scores.{mode} is not a declared mode's number")
        types[name] = EventType(
            name=name,
            quad=quad,
            score=float(score),
            modes=frozenset(modes),
            mode_scores={k: float(v) for k, v in mode_scores.items()},
            future_as=spec.get("future_as"),
            absorbs=bool(spec.get("absorbs", False)),
            requires_recipient=bool(spec.get("requires_recipient", False)),
        )
    for event_type in types.values():
        if event_type.future_as is not None and event_type.future_as not in types:
            raise LexiconError(
                f"{where}: [types.{event_type.name}] future_as names an unknown type "
                f"{event_type.future_as!r}"
            )
    return Ontology(version=str(meta.get("version", "0")), types=types)


@cache
def load_ontology(path: Path = ONTOLOGY_PATH) -> Ontology:
    """The shipped ontology, read and validated once per process."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise LexiconError(f"cannot read the PLOVER ontology {path}: {exc}") from exc
    return parse_ontology(data, where=path.name)
