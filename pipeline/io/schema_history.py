"""Earlier versions of the record schemas, and the BACKWARD compatibility check over them.

``schemas/history/<version>/newswire.v1.<Record>.avsc`` holds, self-contained, each
top-level record schema as the release ``<version>`` shipped it. The rule CI enforces
(:func:`problems`, run by the test suite): the current schema of every record can read
data written with every earlier version (Avro BACKWARD compatibility, decided by Apache
Avro's own checker), so a consumer that upgrades never loses old data. The codec uses
the same history to decode values framed with an earlier schema's fingerprint.

When a release changes a schema: ``python -m pipeline.io.schema_history snapshot X.Y.Z``
with the version that shipped the old one, before editing (or after, from git).
"""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.io.codec import RECORD_NAMES, full_name, schema_dir, standalone_schema


def history_dir() -> Path:
    return schema_dir() / "history"


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def versions() -> list[str]:
    """Versions kept in the history, oldest first."""
    found = (
        [p.name for p in history_dir().iterdir() if p.is_dir()] if history_dir().exists() else []
    )
    return sorted(found, key=_version_key)


@cache
def historical(name: str) -> tuple[tuple[str, dict[str, Any]], ...]:
    """(version, schema) of every kept version of a record, oldest first."""
    out = []
    for version in versions():
        path = history_dir() / version / f"{full_name(name)}.avsc"
        if path.exists():
            out.append((version, json.loads(path.read_text(encoding="utf-8"))))
    return tuple(out)


def _avro(schema: dict[str, Any]) -> Any:
    import avro.schema

    return avro.schema.parse(json.dumps(schema))


def incompatibilities(reader: dict[str, Any], writer: dict[str, Any]) -> list[str]:
    """Why ``reader`` cannot read data written with ``writer`` (empty: it can)."""
    from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType

    checker = ReaderWriterCompatibilityChecker()  # type: ignore[no-untyped-call]
    result = checker.get_compatibility(_avro(reader), _avro(writer))
    if result.compatibility is SchemaCompatibilityType.compatible:
        return []
    return [
        f"{'/'.join(map(str, loc)) if isinstance(loc, list) else loc}: {msg}"
        for msg, loc in zip(result.messages, result.locations, strict=False)
    ] or [str(result.incompatibilities)]


def problems() -> list[str]:
    """Every BACKWARD incompatibility of a current schema with a kept version, and any
    schema changed since the newest kept version without a version bump."""
    found: list[str] = []
    for name in RECORD_NAMES:
        current = standalone_schema(name)
        history = historical(name)
        for version, old in history:
            for reason in incompatibilities(current, old):
                found.append(f"{name}: cannot read data written with {version}: {reason}")
        if history:
            newest, old = history[-1]
            if old != current and _version_key(__version__) <= _version_key(newest):
                found.append(
                    f"{name} changed since {newest} but the version is still {__version__}: "
                    "bump the version (the history keeps what each release shipped)"
                )
    return found


def snapshot(version: str) -> Path:
    """Keep the current schemas as those of ``version``."""
    target = history_dir() / version
    target.mkdir(parents=True, exist_ok=True)
    for name in RECORD_NAMES:
        text = json.dumps(standalone_schema(name), indent=2, ensure_ascii=False) + "\n"
        (target / f"{full_name(name)}.avsc").write_text(text, encoding="utf-8")
    return target


def main(argv: list[str]) -> int:
    if argv[:1] == ["snapshot"] and len(argv) == 2:
        print(f"kept the current schemas in {snapshot(argv[1])}")
        return 0
    if argv[:1] == ["check"]:
        issues = problems()
        for issue in issues:
            print(issue, file=sys.stderr)
        print(
            f"{len(RECORD_NAMES)} schemas x {len(versions())} kept versions: "
            f"{'compatible' if not issues else f'{len(issues)} problem(s)'}"
        )
        return 1 if issues else 0
    print("usage: python -m pipeline.io.schema_history check | snapshot VERSION", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
