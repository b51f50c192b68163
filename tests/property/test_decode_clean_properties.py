"""Property tests over decode -> clean -> Avro encode: on any bytes, a declared error or a
valid record, never anything else.

The pipeline's promise is that bad input reaches the DLQ with a reason and never stops
the pipeline. A stage may raise only the errors that name a DLQ reason (``DecodeError``
subclasses, ``CleanError``); whatever passes must clean with valid removed-span offsets
and must encode as Avro (a record that cannot be encoded would fail the bundle, not
dead-letter the input); whatever fails must encode as a ``DeadLetter``.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pipeline.clean import CleanError, normalise_text
from pipeline.clean.stage import clean_stage
from pipeline.errors import DecodeError
from pipeline.io.codec import Codec
from pipeline.io.decode import decode_message
from pipeline.records import (
    Article,
    DeadLetterRecord,
    Provenance,
    RawMessage,
    to_dead_letter,
    to_enriched,
)

PROV = Provenance(kind="kafka", topic="news.raw", partition=0, offset=0)
CODEC = Codec(None)
LIMIT = 50_000

_TEXT = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        [
            "Kim met Putin on Tuesday.",
            "وصل كيم إلى روسيا يوم الثلاثاء.",
            "Ã©tÃ© Ù\x88ØµÙ\x84",  # mojibake
            "<p>a &amp; b</p>",
            "\ufeff\u200b\u202e\u2066",
            "\ud800",
            "\x00\x1b",
            "(Reporting by Jane Doe)",
            "© 2023 Reuters",
        ]
    ),
)
_JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), _TEXT)
_JSON = st.recursive(
    _JSON_SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
_FIELDS = ("id", "source", "url", "language", "title", "published_at", "body", "charset")


@st.composite
def envelopes(draw: st.DrawFn) -> bytes:
    """JSON objects with the contract's fields, of the right type or not, in some encoding."""
    obj: dict[str, Any] = {}
    for name in draw(st.lists(st.sampled_from(_FIELDS), max_size=len(_FIELDS), unique=True)):
        obj[name] = draw(st.one_of(_TEXT, _JSON)) if draw(st.booleans()) else draw(_TEXT)
    if draw(st.booleans()):
        obj["body"] = draw(st.text(min_size=1, max_size=200)) + draw(_TEXT)
    text = json.dumps(obj, ensure_ascii=draw(st.booleans()))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1256", "latin-1", "utf-16"]))
    return text.encode(encoding, errors="replace")


_HEADERS = st.one_of(
    st.just(()),
    st.tuples(
        st.tuples(
            st.just("content-type"),
            st.sampled_from(
                [
                    b"application/json; charset=windows-1256",
                    b"application/json; charset=utf-8",
                    b"application/json; charset=",
                    b"text/plain",
                    b"text/plain; charset=latin-1",
                    b"application/json; charset=nope",
                    b"\xff\xfe",
                ]
            ),
        )
    ),
)
_VALUES = st.one_of(
    envelopes(), st.binary(max_size=300), _TEXT.map(lambda t: t.encode("utf-8", "replace"))
)


def _encodes_dead_letter(message: RawMessage, stage: str, exc: Exception) -> None:
    dead = DeadLetterRecord(message, stage, type(exc).__name__, str(exc) or repr(exc))
    CODEC.encode("DeadLetter", to_dead_letter(dead), "news.dlq")


def _check_clean(article: Article) -> None:
    try:
        cleaned = clean_stage(article)
    except CleanError as exc:
        _encodes_dead_letter(article.message, "clean", exc)
        return
    assert cleaned.body and cleaned.body == cleaned.body.strip()
    offsets = [span.offset for span in cleaned.removed]
    assert offsets == sorted(offsets)
    assert all(0 <= offset <= len(cleaned.body) for offset in offsets)
    text, shift = cleaned.body, 0
    for span in cleaned.removed:
        text = text[: span.offset + shift] + span.text + text[span.offset + shift :]
        shift += len(span.text)
    assert text == normalise_text(article.body)[0]
    CODEC.encode("EnrichedArticle", to_enriched(cleaned), "news.enriched")


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=_VALUES, headers=_HEADERS)
@example(value=b'{"id": "a\\ud800", "body": "x"}', headers=())
@example(value=b'{"body": "x\\udc00 y"}', headers=())
@example(value=b'{"body": "x", "n": ' + b"9" * 5000 + b"}", headers=())
@example(value=b'{"body": "\\u00c3\\u00a9t\\u00c3\\u00a9"}', headers=())
def test_decode_then_clean_raises_only_declared_errors(
    value: bytes, headers: tuple[tuple[str, bytes], ...]
) -> None:
    message = RawMessage(value=value, provenance=PROV, key=b"k", headers=headers)
    try:
        article = decode_message(message, max_bytes=LIMIT)
    except DecodeError as exc:
        assert str(exc)  # a reason for the DLQ
        _encodes_dead_letter(message, "decode", exc)
        return
    assert article.body.strip()
    article.id.encode("utf-8")  # a Kafka key
    _check_clean(article)


@settings(max_examples=200, deadline=None)
@given(value=st.binary(min_size=33, max_size=200), limit=st.integers(0, 32))
def test_oversize_is_rejected_before_decoding(value: bytes, limit: int) -> None:
    message = RawMessage(value=value, provenance=PROV)
    try:
        decode_message(message, max_bytes=limit)
    except DecodeError as exc:
        assert type(exc).__name__ == "OversizeMessage"
    else:
        raise AssertionError("an oversize message was decoded")
