"""Decode stage: envelopes, text articles, and each kind of bad input."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.errors import EmptyBody, InvalidEncoding, InvalidField, InvalidJSON, OversizeMessage
from pipeline.io.decode import decode_message, parse_text_article
from pipeline.records import Provenance, RawMessage, content_id

PROV = Provenance(kind="kafka", topic="news.raw", partition=0, offset=7)


def msg(value: bytes, headers: tuple[tuple[str, bytes], ...] = ()) -> RawMessage:
    return RawMessage(value=value, provenance=PROV, key=b"k", headers=headers)


def test_full_envelope() -> None:
    article = decode_message(
        msg(
            b'{"id": "r-1", "source": "Reuters", "url": "https://x/y", "language": "AR",'
            b' "title": " T ", "body": "B", "published_at": "2023-09-17T08:00:00Z"}'
        )
    )
    assert article.id == "r-1"
    assert (article.source, article.url, article.title, article.body) == (
        "Reuters",
        "https://x/y",
        "T",
        "B",
    )
    assert article.language_hint == "ar"
    assert article.published_at == datetime(2023, 9, 17, 8, tzinfo=UTC)


def test_missing_id_gets_stable_content_hash() -> None:
    a = decode_message(msg('{"body": "نص الخبر"}'.encode()))
    b = decode_message(msg('{"body": "نص الخبر", "title": null}'.encode()))
    assert a.id == b.id == content_id("نص الخبر")
    assert a.id.startswith("sha256:") and len(a.id) == len("sha256:") + 32


def test_naive_timestamp_is_utc_and_offsets_convert() -> None:
    a = decode_message(msg(b'{"body": "x", "published_at": "2023-09-17T11:00:00+03:00"}'))
    assert a.published_at == datetime(2023, 9, 17, 8, tzinfo=UTC)
    b = decode_message(msg(b'{"body": "x", "published_at": "2023-09-17 08:00"}'))
    assert b.published_at == datetime(2023, 9, 17, 8, tzinfo=UTC)


def test_bom_is_dropped_and_declared_charset_honoured() -> None:
    assert decode_message(msg(b'\xef\xbb\xbf{"body": "x"}')).body == "x"
    legacy = '{"body": "مرحبا"}'.encode("cp1256")
    headers = (("content-type", b"application/json; charset=windows-1256"),)
    assert decode_message(msg(legacy, headers)).body == "مرحبا"
    with pytest.raises(InvalidEncoding, match="utf-8"):
        decode_message(msg(legacy))


@pytest.mark.parametrize(
    ("value", "error", "match"),
    [
        (b"not json", InvalidJSON, "not a JSON object"),
        (b'{"body": ', InvalidJSON, "invalid JSON"),
        (b"[1, 2]", InvalidJSON, "not a JSON object"),
        (b'{"body": 1}', InvalidField, "'body' must be a string, got int"),
        (b'{"body": "x", "id": {"a": 1}}', InvalidField, "'id' must be a string"),
        (b'{"body": "x", "published_at": "soon"}', InvalidField, "ISO 8601"),
        (b'{"body": ""}', EmptyBody, "empty"),
        (b'{"title": "t"}', EmptyBody, "missing"),
        (b"\xff\xfe{}", InvalidEncoding, "not valid utf-8"),
    ],
)
def test_bad_inputs_raise_clear_errors(value: bytes, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        decode_message(msg(value))


def test_unknown_declared_charset() -> None:
    headers = (("content-type", b"application/json; charset=nope"),)
    with pytest.raises(InvalidEncoding, match="unknown charset 'nope'"):
        decode_message(msg(b'{"body": "x"}', headers))


def test_deep_nesting_is_invalid_json_not_a_crash() -> None:
    with pytest.raises(InvalidJSON):
        decode_message(msg(b'{"body": "x", "n": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"))


def test_size_limit() -> None:
    with pytest.raises(OversizeMessage, match="limit is 10"):
        decode_message(msg(b'{"body": "0123456789"}'), max_bytes=10)


def test_text_article_headline_rule() -> None:
    assert parse_text_article("Headline\n\nBody one.\nBody two.") == {
        "title": "Headline",
        "body": "Body one.\nBody two.",
    }
    assert parse_text_article("Only one paragraph.") == {"body": "Only one paragraph."}
    plain = msg(b"Title line\nbody text", (("content-type", b"text/plain"),))
    article = decode_message(plain)
    assert (article.title, article.body) == ("Title line", "body text")
