"""Build ``data/dictionary.json`` from CLDR (Babel), ISO 3166-1 (pycountry) and ``curated.toml``.

One command, offline, reproducible (the same inputs give the same bytes)::

    python -m pipeline.entities.build_dictionary            # write data/dictionary.json
    python -m pipeline.entities.build_dictionary --check    # exit 1 if the shipped file is stale

Sources, in order of use:

* pycountry: every ISO 3166-1 country and territory (alpha-2, alpha-3, English names).
* Babel (CLDR): country, territory and region names in the languages listed in
  ``[meta].languages``; exemplar-city names of time zones for cities with a ``tz``;
  territory names for entities with a ``cldr`` code (EU, UN).
* ``data/curated.toml``: Wikidata ids, variants, adjectives, short forms, cities,
  organisations, agencies and people (see ``data/README.md``).

Babel and pycountry are build-time tools only: the pipeline reads the JSON.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import re
import sys
import time
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pipeline.entities.dictionary import (
    DATA_PATH,
    ENTITY_TYPES,
    FORMAT_VERSION,
    Dictionary,
    KbEntry,
)
from pipeline.entities.normalize import normalise_name

__all__ = ["CURATED_PATH", "BuildError", "build", "main", "render"]

CURATED_PATH = DATA_PATH.parent / "curated.toml"
_QID = re.compile(r"^Q[1-9][0-9]*$")
_ALPHA3 = re.compile(r"^[A-Z]{3}$")
_PAREN = re.compile(r"\s*[(（][^)）]*[)）]\s*")


class BuildError(Exception):
    """The curated data is inconsistent (bad id, unknown country, duplicate key, ...)."""


def _babel() -> Any:
    try:
        import babel
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise BuildError(
            "building the dictionary needs Babel and pycountry (pip install babel pycountry)"
        ) from exc
    return babel


def _pycountry() -> Any:
    try:
        import pycountry
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise BuildError(
            "building the dictionary needs Babel and pycountry (pip install babel pycountry)"
        ) from exc
    return pycountry


def _variants(lang: str, name: str) -> list[str]:
    """A CLDR/ISO name and the forms running text uses ("Bosnia & Herzegovina" → "and")."""
    name = " ".join(name.split())
    outer = _PAREN.sub(" ", name).strip()
    forms = [outer] if outer else []
    if lang == "en":
        for form in list(forms):
            if " & " in form:
                forms.append(form.replace(" & ", " and "))
            if form.startswith("St. "):
                forms.append("Saint " + form[4:])
    return forms


class _Names:
    """Per-language name lists that keep first-seen order and drop duplicates."""

    def __init__(self) -> None:
        self.table: dict[str, list[str]] = {}

    def add(self, lang: str, names: Iterable[str], *, raw: bool = False) -> None:
        bucket = self.table.setdefault(lang, [])
        for name in names:
            for form in [" ".join(name.split())] if raw else _variants(lang, name):
                if form and normalise_name(form) and form not in bucket:
                    bucket.append(form)

    def add_table(self, table: Mapping[str, Sequence[str]] | None) -> None:
        for lang, names in (table or {}).items():
            self.add(str(lang), [str(n) for n in names], raw=True)

    def frozen(self) -> dict[str, tuple[str, ...]]:
        return {lang: tuple(sorted(v)) for lang, v in sorted(self.table.items()) if v}


def _check_qid(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _QID.match(value):
        raise BuildError(f"{where}: {value!r} is not a Wikidata id like 'Q423'")
    return value


def _territory_names(babel: Any, languages: Sequence[str], code: str) -> _Names:
    names = _Names()
    for lang in languages:
        territories = babel.Locale.parse(lang).territories
        if code in territories:
            names.add(lang, [territories[code]])
    return names


def _city_names(babel: Any, languages: Sequence[str], tz: str) -> _Names:
    names = _Names()
    found = False
    for lang in languages:
        zone = babel.Locale.parse(lang).time_zones.get(tz)
        if zone and zone.get("city"):
            names.add(lang, [zone["city"]])
            found = True
    if not found:
        raise BuildError(f"time zone {tz!r} has no CLDR exemplar city in {list(languages)}")
    return names


def _countries(
    curated: Mapping[str, Any], languages: Sequence[str], babel: Any, pycountry: Any
) -> tuple[list[KbEntry], dict[str, str]]:
    """One GPE entry per ISO 3166-1 country/territory (plus curated extra codes)."""
    qids: Mapping[str, Any] = curated.get("country_qids", {})
    extras = {c["iso"]: c for c in curated.get("country", [])}
    alpha3_of: dict[str, str] = {}
    rows: list[tuple[str, str, list[str]]] = []
    common_names: dict[str, str] = {}
    for country in sorted(pycountry.countries, key=lambda c: c.alpha_2):
        if getattr(country, "common_name", None):
            common_names[country.alpha_2] = country.common_name
        english = [
            name
            for name in (
                getattr(country, "common_name", None),
                getattr(country, "official_name", None),
                country.name,
            )
            if name and "," not in name
        ]
        rows.append((country.alpha_2, country.alpha_3, english))
    for extra in curated.get("extra_country", []):
        rows.append((extra["iso"], extra["alpha3"], [extra["name"]]))
    unknown = set(qids) - {a2 for a2, _, _ in rows}
    if unknown:
        raise BuildError(f"[country_qids] has codes that are not countries: {sorted(unknown)}")
    unknown = set(extras) - {a2 for a2, _, _ in rows}
    if unknown:
        raise BuildError(f"[[country]] has codes that are not countries: {sorted(unknown)}")

    entries = []
    for alpha2, alpha3, english in rows:
        alpha3_of[alpha2] = alpha3
        extra = extras.get(alpha2, {})
        common = common_names.get(alpha2)
        names = _territory_names(babel, languages, alpha2)
        names.add("en", english)
        names.add_table(extra.get("names"))
        adjectives, short = _Names(), _Names()
        adjectives.add_table(extra.get("adjectives"))
        short.add_table(extra.get("short"))
        canonical = extra.get("name") or _canonical(babel, alpha2, common, english)
        entries.append(
            KbEntry(
                key=f"country:{alpha3}",
                kb_id=_check_qid(qids.get(alpha2), f"[country_qids] {alpha2}"),
                name=canonical,
                type="GPE",
                kind="country",
                country_code=alpha3,
                names=names.frozen(),
                adjectives=adjectives.frozen(),
                short=short.frozen(),
                ambiguous=tuple(extra.get("ambiguous", ())),
                context=tuple(extra.get("context", ())),
                priority=int(extra.get("priority", 0)),
            )
        )
    return entries, alpha3_of


def _canonical(babel: Any, alpha2: str, common: str | None, english: Sequence[str]) -> str:
    """Canonical English name: ISO common name, else CLDR's short name, else ISO's name."""
    if common:
        return common
    cldr = babel.Locale.parse("en").territories.get(alpha2)
    if cldr:
        return _PAREN.sub(" ", cldr).replace(" & ", " and ").strip()
    return english[0]


def _entity(
    item: Mapping[str, Any],
    languages: Sequence[str],
    babel: Any,
    alpha3: set[str],
    defaults: Mapping[str, str],
) -> KbEntry:
    key = item.get("key")
    if not key:
        raise BuildError(f"an entry has no key: {dict(item)!r}")
    where = f"entry {key!r}"
    entry_type = item.get("type", defaults.get("type"))
    if entry_type not in ENTITY_TYPES:
        raise BuildError(f"{where}: type {entry_type!r} is not one of {ENTITY_TYPES}")
    for field_name in ("country", "capital_of"):
        code = item.get(field_name)
        if code is not None and code not in alpha3:
            raise BuildError(f"{where}: {field_name} {code!r} is not an ISO alpha-3 code")
    names = _Names()
    if item.get("cldr"):
        names = _territory_names(babel, languages, item["cldr"])
    if item.get("tz"):
        for lang, found in _city_names(babel, languages, item["tz"]).table.items():
            names.add(lang, found, raw=True)
    names.add_table(item.get("names"))
    if not names.table:
        raise BuildError(f"{where}: no names")
    adjectives, short = _Names(), _Names()
    adjectives.add_table(item.get("adjectives"))
    short.add_table(item.get("short"))
    return KbEntry(
        key=str(key),
        kb_id=_check_qid(item.get("kb_id"), where),
        name=str(item["name"]),
        type=str(entry_type),
        kind=str(item.get("kind", defaults.get("kind", ""))),
        country_code=item.get("country"),
        names=names.frozen(),
        adjectives=adjectives.frozen(),
        short=short.frozen(),
        role=item.get("role"),
        sector=item.get("sector"),
        capital_of=item.get("capital_of"),
        ambiguous=tuple(item.get("ambiguous", ())),
        context=tuple(item.get("context", ())),
        priority=int(item.get("priority", 0)),
    )


def build(curated_path: Path = CURATED_PATH) -> dict[str, Any]:
    """The dictionary document (what ``dictionary.json`` holds), built from the sources."""
    babel, pycountry = _babel(), _pycountry()
    try:
        curated = tomllib.loads(curated_path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise BuildError(f"cannot read {curated_path}: {exc}") from exc
    meta = curated.get("meta", {})
    languages = list(meta.get("languages", ["ar", "en"]))

    entries, alpha3_of = _countries(curated, languages, babel, pycountry)
    alpha3 = set(alpha3_of.values())
    for region in curated.get("region", []):
        item = dict(region)
        item.setdefault("type", "LOC")
        item.setdefault("kind", "region")
        entries.append(_entity(item, languages, babel, alpha3, {}))
    for item in curated.get("entity", []):
        entries.append(_entity(item, languages, babel, alpha3, {}))

    seen_keys: set[str] = set()
    seen_qids: dict[str, str] = {}
    for entry in entries:
        if entry.key in seen_keys:
            raise BuildError(f"duplicate key {entry.key!r}")
        seen_keys.add(entry.key)
        if entry.kb_id:
            if entry.kb_id in seen_qids:
                raise BuildError(
                    f"{entry.kb_id} is on both {seen_qids[entry.kb_id]!r} and {entry.key!r}"
                )
            seen_qids[entry.kb_id] = entry.key
        for code in entry.context:
            if code not in alpha3:
                raise BuildError(f"entry {entry.key!r}: context {code!r} is not alpha-3")

    stop = {
        str(lang): sorted({" ".join(s.split()) for s in phrases})
        for lang, phrases in sorted(curated.get("stop", {}).items())
    }
    return {
        "format": FORMAT_VERSION,
        "generator": "python -m pipeline.entities.build_dictionary",
        "as_of": meta.get("as_of"),
        "languages": languages,
        "sources": {
            "babel": importlib.metadata.version("babel"),
            "cldr": str(getattr(babel.core, "get_cldr_version", lambda: "unknown")()),
            "pycountry": importlib.metadata.version("pycountry"),
        },
        "stop": stop,
        "entries": [e.to_json() for e in sorted(entries, key=lambda e: e.key)],
    }


def render(document: Mapping[str, Any]) -> str:
    """Deterministic JSON text: sorted keys, one entry per line (diff-friendly)."""

    def dump(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    head = {k: v for k, v in document.items() if k != "entries"}
    lines = [dump(head)[:-1] + ',"entries":[']
    entries = [dump(entry) for entry in document["entries"]]
    lines.extend(e + ("," if i < len(entries) - 1 else "") for i, e in enumerate(entries))
    lines.append("]}")
    return "\n".join(lines) + "\n"


def _collisions(document: Mapping[str, Any]) -> list[str]:
    """Keys shared by several entries (reported, not an error: ties are deterministic)."""
    dictionary = Dictionary.from_json(document)
    owners: dict[str, set[str]] = {}
    for entry in dictionary.entries:
        for form, _, surface in entry.all_names():
            if form != "short":
                owners.setdefault(normalise_name(surface), set()).add(entry.key)
    return sorted(
        f"{key!r}: {', '.join(sorted(keys))}" for key, keys in owners.items() if len(keys) > 1
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.entities.build_dictionary",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        epilog="example: python -m pipeline.entities.build_dictionary --check",
    )
    parser.add_argument("--curated", type=Path, default=CURATED_PATH, help="curated TOML file")
    parser.add_argument("--output", type=Path, default=DATA_PATH, help="JSON file to write")
    parser.add_argument(
        "--check", action="store_true", help="do not write; exit 1 if the output is stale"
    )
    parser.add_argument(
        "--collisions", action="store_true", help="list names shared by several entries"
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    try:
        document = build(args.curated)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    text = render(document)
    elapsed = time.perf_counter() - started
    size = len(text.encode("utf-8"))
    summary = f"{len(document['entries'])} entries, {size} bytes, built in {elapsed:.2f}s"
    if args.collisions:
        for line in _collisions(document):
            print(line)
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is stale ({summary}); rebuild it", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date ({summary})")
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
