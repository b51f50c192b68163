"""Hostile input cannot stall decoding: decode (JSON, charset sniffing, mojibake repair)
stays linear-time.

The cleaning rules have their own test (``tests/unit/clean/test_linear_time.py``). Here
decode is timed on pathological bodies against a baseline body of the same length
measured in the same test (French prose, which also goes through the mojibake check),
never against an absolute limit; and each pathological body is timed at n and 4n, which
a linear algorithm does in about 4x the time and a quadratic one in 16x.
"""

from __future__ import annotations

import contextlib
import json
import time

import pytest

from pipeline.errors import DecodeError
from pipeline.io.decode import decode_message
from pipeline.records import Provenance, RawMessage

SIZE = 100_000
MAX_RATIO = 30.0  # measured: at most ~10x (ftfy re-decodes every mojibake sequence)
MAX_GROWTH = 8.0  # time(4n) / time(n); linear is ~4

PROV = Provenance(kind="kafka", topic="news.raw", partition=0, offset=0)


def _repeat(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


BASELINE = "Le président a déclaré mardi à Genève que les négociations reprendraient, « bientôt ». "
PATHOLOGICAL = {
    "arabic-mojibake": "ÙˆØµÙ„ ",
    "latin-mojibake": "Ã©tÃ© ",
    "mixed-mojibake": "Ã©x’ ",
    "a-tilde-space": "Ã ",
    "lone-a-tilde": "Ã",
    "c1-controls": "\x80\x81\x9f",
    "cp1252-specials": "€‚ƒ„…†‡ˆ‰Š‹Œ",
    "quote-mojibake": "â€™ ",
    "latin1-run": "é",
    "escapes": "\\u00c3\\u00a9",
    "nested-arrays": "[[[[",
}


def _message(body_unit: str, size: int) -> RawMessage:
    value = json.dumps({"body": _repeat(body_unit, size)}, ensure_ascii=False).encode()
    return RawMessage(value=value, provenance=PROV)


def _best_time(message: RawMessage, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        with contextlib.suppress(DecodeError):
            decode_message(message, max_bytes=10 * SIZE * 4)
        best = min(best, time.perf_counter() - start)
    return best


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_decode_is_linear(name: str) -> None:
    baseline = _best_time(_message(BASELINE, SIZE))
    hostile = _best_time(_message(PATHOLOGICAL[name], SIZE))
    assert hostile < MAX_RATIO * baseline, (name, hostile, baseline)
    small = _best_time(_message(PATHOLOGICAL[name], SIZE // 4))
    assert hostile < MAX_GROWTH * max(small, baseline / 4), (name, small, hostile)
