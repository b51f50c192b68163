"""Load the cleaning rules (TOML data files) and compile them once into rule books.

Rule files live in ``pipeline/clean/rules/``: ``common.toml`` (any language), one file per
language (``en.toml``, ``ar.toml``, ...) and one per source in ``sources/<slug>.toml``.
The file format is documented in ``pipeline/clean/rules/README.md``. Patterns are RE2
(google-re2), so matching is linear in the text length whatever a rule author writes.

A :class:`RuleBook` is the compiled union of the rule sets that apply to one
(languages, source) combination; :func:`rule_book` caches one per combination.
"""

from __future__ import annotations

import functools
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import re2

from pipeline.clean.base import RuleFileError

RULES_DIR = Path(__file__).parent / "rules"
COMMON = "common"
SOURCE_PREFIX = "source:"

WHERE = ("trailing_paragraph", "trailing_suffix", "leading_paragraph", "trailing_block")
_DEFAULTS: dict[str, Any] = {
    "max_chars": 300,
    "case_insensitive": False,
    "max_paragraphs": 6,
    "max_paragraph_chars": 200,
    "item_pattern": None,
    "description": "",
    "examples": [],
    "counterexamples": [],
}
_REQUIRED = ("name", "where", "pattern")
_RULE_NAME = re2.compile(r"[a-z][a-z0-9_]*")
_MAX_FRAGMENT_DEPTH = 4


@dataclass(frozen=True)
class Rule:
    """One compiled rule.

    ``name`` is qualified with its rule set (``"en.reporting_credit"``). For a
    ``trailing_block`` rule, ``pattern`` matches the heading paragraph and
    ``max_paragraphs``/``max_paragraph_chars``/``item_pattern`` limit what follows it.
    """

    name: str
    where: str
    pattern: str
    regex: Any
    max_chars: int
    max_paragraphs: int
    max_paragraph_chars: int
    item_regex: Any
    examples: tuple[str, ...]
    counterexamples: tuple[str, ...]

    def matches_paragraph(self, paragraph: str) -> bool:
        """Whether the whole ``paragraph`` matches (and is at most ``max_chars`` long)."""
        return len(paragraph) <= self.max_chars and self.regex.fullmatch(paragraph) is not None

    def suffix_start(self, paragraph: str) -> int | None:
        """Where the removable suffix of ``paragraph`` starts, or None if there is none.

        Only the last ``max_chars`` characters are searched, so the cost is bounded
        whatever the paragraph length. A match must not start inside a word.
        """
        offset = max(0, len(paragraph) - self.max_chars)
        match = self.regex.search(paragraph[offset:])
        if match is None or match.end() == match.start():
            return None
        start: int = offset + match.start()
        if start > 0 and paragraph[start - 1].isalnum() and paragraph[start].isalnum():
            return None
        return start

    def accepts_block_item(self, paragraph: str) -> bool:
        """Whether ``paragraph`` may be part of the block that follows this rule's heading."""
        if len(paragraph) > self.max_paragraph_chars:
            return False
        return self.item_regex is None or self.item_regex.fullmatch(paragraph) is not None

    def applies_to(self, text: str) -> bool:
        """Whether this rule fires on ``text`` where it is meant to run (used by tests)."""
        if self.where == "trailing_suffix":
            return self.suffix_start(text) is not None
        return self.matches_paragraph(text)


@dataclass(frozen=True)
class RuleBook:
    """The compiled rules of several rule sets, grouped by where they apply."""

    rule_sets: tuple[str, ...]
    leading_paragraph: tuple[Rule, ...]
    trailing_paragraph: tuple[Rule, ...]
    trailing_suffix: tuple[Rule, ...]
    trailing_block: tuple[Rule, ...]


def source_slug(name: str) -> str:
    """Casefolded ``name`` with everything but letters and digits removed."""
    return "".join(c for c in unicodedata.normalize("NFKC", name).casefold() if c.isalnum())


def language_code(language: str) -> str:
    """Primary language subtag, casefolded: ``"ar-SA"`` -> ``"ar"``."""
    return language.strip().replace("_", "-").split("-")[0].casefold()


@functools.lru_cache(maxsize=1)
def available_languages() -> frozenset[str]:
    """Languages that have a rule file."""
    return frozenset(p.stem for p in RULES_DIR.glob("*.toml") if p.stem != COMMON)


@functools.lru_cache(maxsize=1)
def source_index() -> Mapping[str, str]:
    """Map every slug a source is known by (file name, ``name``, ``aliases``) to its file."""
    index: dict[str, str] = {}
    for path in sorted((RULES_DIR / "sources").glob("*.toml")):
        data = _read_toml(path)
        meta = data.get("source", {})
        names = [path.stem, meta.get("name", ""), *meta.get("aliases", [])]
        for slug in {source_slug(str(n)) for n in names} - {""}:
            if index.get(slug, path.stem) != path.stem:
                raise RuleFileError(f"{path}: alias {slug!r} is also used by {index[slug]}.toml")
            index[slug] = path.stem
    return index


def find_source(source: str | None) -> str | None:
    """The rule-file name (stem) for a source name or alias, or None if it has none."""
    if not source:
        return None
    return source_index().get(source_slug(source))


@functools.lru_cache(maxsize=256)
def rule_book(languages: tuple[str, ...], source_file: str | None) -> RuleBook:
    """Compile (once per combination) the rules of common + ``languages`` + the source."""
    sets = [COMMON, *languages]
    paths = [RULES_DIR / f"{s}.toml" for s in sets]
    if source_file is not None:
        sets.append(SOURCE_PREFIX + source_file)
        paths.append(RULES_DIR / "sources" / f"{source_file}.toml")
    rules = [
        rule for name, path in zip(sets, paths, strict=True) for rule in load_rules(path, name)
    ]
    return RuleBook(
        rule_sets=tuple(sets),
        **{where: tuple(r for r in rules if r.where == where) for where in WHERE},
    )


@functools.lru_cache(maxsize=64)
def load_rules(path: Path, rule_set: str) -> tuple[Rule, ...]:
    """Read and compile one rule file; rule names are qualified with ``rule_set``."""
    return parse_rules(_read_toml(path), rule_set, where_from=str(path))


def parse_rules(
    data: Mapping[str, Any], rule_set: str, where_from: str = "<data>"
) -> tuple[Rule, ...]:
    """Compile the ``[[rule]]`` tables of an already-parsed rule file."""
    raw_rules = data.get("rule", [])
    if not isinstance(raw_rules, list):
        raise RuleFileError(f"{where_from}: 'rule' must be an array of tables ([[rule]])")
    fragments = _fragments(data.get("fragments", {}), where_from)
    rules: list[Rule] = []
    seen: set[str] = set()
    for position, raw in enumerate(raw_rules, start=1):
        if not isinstance(raw, dict):
            raise RuleFileError(f"{where_from}: rule #{position} is not a table")
        label = f"{where_from}: rule #{position} ({raw.get('name', '?')!s})"
        rule = _compile_rule(raw, rule_set, fragments, label)
        if rule.name in seen:
            raise RuleFileError(f"{label}: duplicate rule name")
        seen.add(rule.name)
        rules.append(rule)
    return tuple(rules)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise RuleFileError(f"{path}: {error}") from error


def _fragments(raw: object, where_from: str) -> dict[str, str]:
    """Named pattern pieces (``[fragments]``), referenced as ``${name}``; may nest."""
    if not isinstance(raw, dict):
        raise RuleFileError(f"{where_from}: 'fragments' must be a table")
    fragments = {
        str(name): _joined_pattern(value, f"{where_from}: fragment {name}")
        for name, value in raw.items()
    }
    for _ in range(_MAX_FRAGMENT_DEPTH):
        fragments = {name: _expand(value, fragments) for name, value in fragments.items()}
    for name, value in fragments.items():
        if "${" in value:
            raise RuleFileError(f"{where_from}: fragment {name}: unknown or circular ${{...}}")
    return fragments


def _expand(pattern: str, fragments: Mapping[str, str]) -> str:
    for name, value in fragments.items():
        pattern = pattern.replace("${" + name + "}", value)
    return pattern


def _compile_rule(
    raw: Mapping[str, Any], rule_set: str, fragments: Mapping[str, str], label: str
) -> Rule:
    unknown = set(raw) - set(_REQUIRED) - set(_DEFAULTS)
    missing = [key for key in _REQUIRED if key not in raw]
    if unknown or missing:
        raise RuleFileError(f"{label}: unknown keys {sorted(unknown)}, missing keys {missing}")
    spec = {**_DEFAULTS, **raw}
    name = spec["name"]
    if not isinstance(name, str) or _RULE_NAME.fullmatch(name) is None:
        raise RuleFileError(f"{label}: name must be lower_snake_case")
    if spec["where"] not in WHERE:
        raise RuleFileError(f"{label}: where must be one of {', '.join(WHERE)}")
    for key in ("max_chars", "max_paragraphs", "max_paragraph_chars"):
        if not isinstance(spec[key], int) or isinstance(spec[key], bool) or spec[key] < 1:
            raise RuleFileError(f"{label}: {key} must be a positive integer")
    pattern = _resolved(spec["pattern"], fragments, label)
    anchored = pattern + r"\z" if spec["where"] == "trailing_suffix" else pattern
    regex = _compile(anchored, bool(spec["case_insensitive"]), label)
    if regex.fullmatch("") is not None:
        raise RuleFileError(f"{label}: pattern matches the empty string")
    item_pattern = spec["item_pattern"]
    item_regex = None
    if item_pattern is not None:
        item_regex = _compile(_resolved(item_pattern, fragments, label), False, label)
    return Rule(
        name=f"{rule_set}.{name}",
        where=spec["where"],
        pattern=pattern,
        regex=regex,
        max_chars=spec["max_chars"],
        max_paragraphs=spec["max_paragraphs"],
        max_paragraph_chars=spec["max_paragraph_chars"],
        item_regex=item_regex,
        examples=tuple(spec["examples"]),
        counterexamples=tuple(spec["counterexamples"]),
    )


def _joined_pattern(pattern: object, label: str) -> str:
    """A pattern is a string, or a list of strings concatenated (to split long patterns)."""
    if isinstance(pattern, str):
        return f"(?:{pattern})"
    if isinstance(pattern, list) and pattern and all(isinstance(p, str) for p in pattern):
        return "(?:" + "".join(pattern) + ")"
    raise RuleFileError(f"{label}: pattern must be a string or a list of strings")


def _resolved(pattern: object, fragments: Mapping[str, str], label: str) -> str:
    resolved = _expand(_joined_pattern(pattern, label), fragments)
    if "${" in resolved:
        raise RuleFileError(f"{label}: pattern uses an unknown fragment: {resolved!r}")
    return resolved


def _compile(pattern: str, case_insensitive: bool, label: str) -> Any:
    options = re2.Options()
    options.case_sensitive = not case_insensitive
    options.log_errors = False
    try:
        return re2.compile(pattern, options)
    except re2.error as error:
        raise RuleFileError(f"{label}: invalid RE2 pattern {pattern!r}: {error}") from error
