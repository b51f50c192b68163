"""The bad-input catalogue (docs/bad-input.md): each kind of bad input and what happens.

Every entry is checked twice: through the pure stages (decode -> clean -> language),
which says precisely what the pipeline does with it, and all together through the real
Beam graph (``build_replay``, tiny Stanza models, real Avro encoding), which shows that
each input ends in exactly one enriched or dead-letter record and that none of them
stops the pipeline.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pipeline.audit import RawRef, output_ref, reconcile
from pipeline.clean import CleanError
from pipeline.clean.stage import clean_stage
from pipeline.config import Settings
from pipeline.errors import DecodeError
from pipeline.io.decode import decode_message
from pipeline.nlp.stage import language_stage
from pipeline.records import Article, Provenance, RawMessage

TOPIC = "catalogue.raw"
LIMIT = 20_000  # max_message_bytes for the catalogue (the default is 1 MiB)
JSON_1256 = (("content-type", b"application/json; charset=windows-1256"),)
ARABIC = "وصل الزعيم الكوري الشمالي كيم جونغ أون إلى روسيا يوم الثلاثاء في زيارة رسمية."
ENGLISH = "Kim Jong Un arrived in Russia on Tuesday for talks with Vladimir Putin."


def envelope(body: Any, **fields: Any) -> bytes:
    return json.dumps({"body": body, **fields}, ensure_ascii=False).encode()


def mojibake(text: str) -> str:
    """UTF-8 bytes read as windows-1252 (undefined bytes as latin-1), as a broken feed does."""
    return "".join(
        bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in text.encode("utf-8")
    )


@dataclass(frozen=True)
class Case:
    """One catalogue entry: the raw message and the outcome the pipeline must give."""

    name: str
    value: bytes
    headers: tuple[tuple[str, bytes], ...] = ()
    stage: str | None = None  # None: enriched; else the stage that dead-letters it
    error: str | None = None  # error class name of the dead letter
    reason: str | None = None  # a substring of the dead letter's message
    check: Callable[[Article], None] | None = None  # extra checks of an enriched article


def _body_is(expected: str) -> Callable[[Article], None]:
    def check(article: Article) -> None:
        assert article.body == expected

    return check


def _check_legacy(article: Article) -> None:
    assert article.body == ARABIC


def _check_mojibake(article: Article) -> None:
    assert article.body == f"{ARABIC}\n\nCafé Müller’s statement — “no comment”."
    assert article.title == "Kim à Moscou"
    assert any("repaired mojibake in body and title" in w for w in article.warnings)


def _check_html(article: Article) -> None:
    assert article.body == "Talks & trade resumed.\n\nThe “second” paragraph: 5 > 3."
    normalisations = dict(article.normalisations)
    assert normalisations["html_tags"] >= 4 and normalisations["html_entities"] == 4


def _check_invisible(article: Article) -> None:
    assert article.body == "Kim met Putin. نص عربي. می‌خواهم"  # ZWNJ kept (Persian spelling)
    normalisations = dict(article.normalisations)
    assert normalisations["zero_width"] == 2 and normalisations["bidi_controls"] == 4


def _check_bom(article: Article) -> None:
    assert article.body == ENGLISH and article.id == "bom"


def _check_unknown_language(article: Article) -> None:
    assert article.language is not None
    assert article.language["code"] not in ("ar", "en")  # Icelandic is not one of the 28


def _check_unknown_hint(article: Article) -> None:
    assert article.language is not None
    assert article.language["method"] == "hint" and article.language["code"] == "tlh"


def _check_mixed(article: Article) -> None:
    assert {"ar", "en"} <= set(article.rule_sets)
    assert "Москва" in article.body and "東京" in article.body


def _check_surrogate_body(article: Article) -> None:
    assert article.body == ENGLISH
    assert dict(article.normalisations)["surrogates"] == 1


def _check_controls(article: Article) -> None:
    assert article.body == ENGLISH
    assert dict(article.normalisations)["control_chars"] == 3


CASES = [
    Case(
        "invalid UTF-8",
        b'{"id": "x", "body": "caf\xe9 \xff\xfe"}',
        stage="decode",
        error="InvalidEncoding",
        reason="not valid utf-8: invalid continuation byte at byte 24; no charset was declared",
    ),
    Case(
        "windows-1256, declared in a header",
        envelope(ARABIC).decode().encode("cp1256"),
        JSON_1256,
        check=_check_legacy,
    ),
    Case(
        "windows-1256, declared in a charset field",
        envelope(ARABIC, charset="windows-1256").decode().encode("cp1256"),
        check=_check_legacy,
    ),
    Case(
        "windows-1256, undeclared",
        envelope(ARABIC).decode().encode("cp1256"),
        stage="decode",
        error="InvalidEncoding",
        reason="declare the encoding in a 'content-type: application/json; charset=...' header",
    ),
    Case(
        "ISO-8859-6 declared, bytes are not",
        envelope(ARABIC).decode().encode("cp1256"),
        (("content-type", b"application/json; charset=iso-8859-6"),),
        stage="decode",
        error="InvalidEncoding",
        reason="not valid iso8859-6",
    ),
    Case(
        "unknown charset declared",
        envelope(ENGLISH),
        (("content-type", b"application/json; charset=x-martian"),),
        stage="decode",
        error="InvalidEncoding",
        reason="unknown charset 'x-martian'",
    ),
    Case("UTF-8 BOM", b"\xef\xbb\xbf" + envelope("\ufeff" + ENGLISH, id="bom"), check=_check_bom),
    Case(
        "HTML and entities",
        envelope(
            "<div><p>Talks &amp; trade resumed.</p><script>alert(1)</script>"
            "<p>The &ldquo;second&rdquo; paragraph: 5 &gt; 3.</p></div>"
        ),
        check=_check_html,
    ),
    Case(
        "mojibake (UTF-8 read as windows-1252)",
        envelope(
            mojibake(f"{ARABIC}\n\nCafé Müller’s statement — “no comment”."),
            title=mojibake("Kim à Moscou"),
        ),
        check=_check_mojibake,
    ),
    Case(
        "zero-width and bidi controls",
        envelope("Kim\u200b met\u2060 Putin.\u200f \u202bنص عربي\u202c.\u2066 می\u200cخواهم"),
        check=_check_invisible,
    ),
    Case(
        "control characters and NUL",
        envelope(f"\x00{ENGLISH[:10]}\x07{ENGLISH[10:]}\x1b"),
        check=_check_controls,
    ),
    Case(
        "unpaired surrogate in the body",
        b'{"body": "' + ENGLISH[:20].encode() + b"\\ud800" + ENGLISH[20:].encode() + b'"}',
        check=_check_surrogate_body,
    ),
    Case(
        "unpaired surrogate in the id",
        b'{"id": "a\\udc00", "body": "' + ENGLISH.encode() + b'"}',
        stage="decode",
        error="InvalidField",
        reason="field 'id' contains an unpaired surrogate escape",
    ),
    Case("empty body", envelope(""), stage="decode", error="EmptyBody", reason="empty"),
    Case(
        "whitespace-only body",
        envelope(" \n\t\r\n \u3000"),
        stage="decode",
        error="EmptyBody",
        reason="whitespace only",
    ),
    Case(
        "invisible-only body",
        envelope("\u200b\u200f\u2060"),
        stage="clean",
        error="CleanError",
        reason="empty after normalisation",
    ),
    Case(
        "markup-only body",
        envelope("<p><br/></p><script>var x = 1;</script>"),
        stage="clean",
        error="CleanError",
        reason="empty after normalisation",
    ),
    Case(
        "missing body",
        b'{"id": "n", "title": "t"}',
        stage="decode",
        error="EmptyBody",
        reason="'body' is missing",
    ),
    Case(
        "empty value (tombstone)",
        b"",
        stage="decode",
        error="InvalidJSON",
        reason="not a JSON object",
    ),
    Case(
        "huge body (over max_message_bytes)",
        envelope(ENGLISH * (LIMIT // len(ENGLISH) + 1)),
        stage="decode",
        error="OversizeMessage",
        reason=f"the limit is {LIMIT}",
    ),
    Case(
        "deeply nested JSON",
        b'{"body": "x", "meta": ' + b"[" * 5_000 + b"]" * 5_000 + b"}",
        stage="decode",
        error="InvalidJSON",
        reason="nested too deeply",
    ),
    Case(
        "integer literal too long to parse",
        b'{"body": "x", "n": ' + b"9" * 5000 + b"}",
        stage="decode",
        error="InvalidJSON",
        reason="4300 digits",
    ),
    Case(
        "top-level array",
        b"[1, 2]",
        stage="decode",
        error="InvalidJSON",
        reason="not a JSON object",
    ),
    Case(
        "truncated JSON", b'{"body": "x', stage="decode", error="InvalidJSON", reason="invalid JSON"
    ),
    Case(
        "body of the wrong type",
        envelope(["a", "b"]),
        stage="decode",
        error="InvalidField",
        reason="'body' must be a string, got list",
    ),
    Case(
        "id of the wrong type",
        envelope(ENGLISH, id={"nested": True}),
        stage="decode",
        error="InvalidField",
        reason="'id' must be a string or null, got dict",
    ),
    Case(
        "unparseable published_at",
        envelope(ENGLISH, published_at="next Tuesday-ish"),
        stage="decode",
        error="InvalidField",
        reason="not an ISO 8601 timestamp",
    ),
    Case("duplicate id (first)", envelope(ENGLISH, id="dup"), check=_body_is(ENGLISH)),
    Case("duplicate id (second)", envelope(ENGLISH + " Update.", id="dup")),
    Case(
        "unknown language (Icelandic, no hint)",
        envelope(
            "Forsætisráðherra Íslands sagði á þriðjudag að viðræður við ríkisstjórnina "
            "myndu hefjast aftur í næstu viku í Reykjavík."
        ),
        check=_check_unknown_language,
    ),
    Case(
        "unknown language hint",
        envelope("Qapla' batlh!", language="tlh"),
        check=_check_unknown_hint,
    ),
    Case(
        "mixed scripts",
        envelope(f"{ARABIC} {ENGLISH} Москва и 東京 ελληνικά.\n\nReuters מקור"),
        check=_check_mixed,
    ),
]


def message(index: int, case: Case) -> RawMessage:
    return RawMessage(
        value=case.value,
        key=f"k{index}".encode(),
        headers=case.headers,
        provenance=Provenance(kind="kafka", topic=TOPIC, partition=0, offset=index),
    )


def run_stages(msg: RawMessage) -> tuple[str, Any]:
    """decode -> clean -> language: ("enriched", article) or (stage, exception)."""
    try:
        article = decode_message(msg, max_bytes=LIMIT)
    except DecodeError as exc:
        return "decode", exc
    try:
        article = clean_stage(article)
    except CleanError as exc:
        return "clean", exc
    return "enriched", language_stage(article)


@pytest.mark.parametrize("index", range(len(CASES)), ids=[c.name for c in CASES])
def test_catalogue_entry(index: int) -> None:
    case = CASES[index]
    where, result = run_stages(message(index, case))
    if case.stage is None:
        assert where == "enriched", f"{case.name}: {result!r}"
        if case.check is not None:
            case.check(result)
    else:
        assert where == case.stage, f"{case.name}: {result!r}"
        assert type(result).__name__ == case.error
        assert case.reason is not None and case.reason in str(result), str(result)


def test_duplicate_ids_keep_the_same_key() -> None:
    first, second = (CASES.index(c) for c in CASES if c.name.startswith("duplicate id"))
    a = decode_message(message(first, CASES[first]))
    b = decode_message(message(second, CASES[second]))
    assert a.id == b.id == "dup"  # same Kafka key downstream: consumers keep the latest


def test_whole_catalogue_through_the_graph(tmp_path: Path) -> None:
    """Every entry together through the real graph: one output each, the expected one."""
    from pipeline.graph import build_replay
    from pipeline.io.outputs import WriteReplayOutput
    from pipeline.runner import run_graph

    settings = Settings(state_dir=str(tmp_path), max_message_bytes=LIMIT)
    messages = [message(i, case) for i, case in enumerate(CASES)]
    out = tmp_path / "out.jsonl"
    run_graph(
        lambda p: (
            build_replay(p, settings, messages)
            | "Write" >> WriteReplayOutput(str(out), settings, 1)
        )
    )
    enriched = [json.loads(line) for line in out.read_text().splitlines()]
    dead = [json.loads(line) for line in (tmp_path / "out.dlq.jsonl").read_text().splitlines()]
    report = reconcile(
        TOPIC,
        [RawRef(0, i) for i in range(len(CASES))],
        [output_ref("enriched", r) for r in enriched] + [output_ref("dlq", r) for r in dead],
    )
    assert report.ok and report.lost == 0 and report.duplicated == 0, report.as_dict()
    outcome = {r["provenance"]["offset"]: ("enriched", None) for r in enriched}
    outcome |= {r["provenance"]["offset"]: (r["stage"], r["error_class"]) for r in dead}
    expected = {
        i: ("enriched", None) if c.stage is None else (c.stage, c.error)
        for i, c in enumerate(CASES)
    }
    assert outcome == expected
    # Dead letters keep the original bytes untouched (base64 in JSON Lines).
    import base64

    for record in dead:
        assert base64.b64decode(record["value"]) == CASES[record["provenance"]["offset"]].value


def test_an_oversize_dead_letter_is_truncated_to_fit_the_dlq() -> None:
    """A huge input's dead letter keeps a prefix of the value and says so (kafka_sink)."""
    from pipeline.io.codec import Codec
    from pipeline.io.kafka_sink import fit_dead_letter
    from pipeline.records import DeadLetterRecord, OutputRecord, to_dead_letter

    codec = Codec(None)
    limit = 100_000
    for size, truncated in ((1_000, False), (limit // 2, False), (5 * limit, True)):
        raw = RawMessage(value=b"x" * size, provenance=message(0, CASES[0]).provenance)
        value = to_dead_letter(DeadLetterRecord(raw, "decode", "OversizeMessage", "too big"))
        payload = codec.encode("DeadLetter", value, "dlq")
        record = OutputRecord("dlq", b"k", "DeadLetter", value, payload)
        fitted = fit_dead_letter(record, limit, codec)
        assert (fitted is not record) == truncated
        assert len(fitted.payload) <= limit
        assert raw.value.startswith(fitted.value["value"])
        assert ("truncated" in fitted.value["error_message"]) == truncated
        assert codec.decode(fitted.payload)[1]["value"] == fitted.value["value"]
