"""Thin Beam wrappers around the pure stage functions.

:class:`RunStage` applies one stage function to each element; whatever it raises
becomes a :class:`~pipeline.records.DeadLetterRecord` on the ``dead`` output, so a bad
input never stops the pipeline and never disappears. :class:`EncodeFn` turns articles
and dead letters into framed Avro :class:`~pipeline.records.OutputRecord` values.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import apache_beam as beam
from apache_beam import pvalue

from pipeline.config import Settings
from pipeline.io.codec import Codec
from pipeline.records import (
    Article,
    DeadLetterRecord,
    OutputRecord,
    RawMessage,
    connect_error_headers,
    to_dead_letter,
    to_enriched,
)

DEAD = "dead"


def _message_of(element: Any) -> RawMessage:
    return element if isinstance(element, RawMessage) else element.message


def dead_letter(element: Any, stage: str, exc: BaseException) -> DeadLetterRecord:
    return DeadLetterRecord(
        message=_message_of(element),
        stage=stage,
        error_class=type(exc).__name__,
        error_message=str(exc) or repr(exc),
        article_id=getattr(element, "id", None),
        traceback="".join(traceback.format_exception(exc))[-4000:],
    )


class RunStageFn(beam.DoFn):
    """Apply ``fn``; time it into the article; route any exception to the DLQ output."""

    def __init__(self, stage: str, fn: Callable[[Any], Article]) -> None:
        self.stage = stage
        self.fn = fn

    def process(self, element: Any) -> Iterator[Any]:
        started = time.perf_counter_ns()
        try:
            result = self.fn(element)
        except Exception as exc:  # noqa: BLE001 - every failure is data for the DLQ
            yield pvalue.TaggedOutput(DEAD, dead_letter(element, self.stage, exc))
            return
        micros = (time.perf_counter_ns() - started) // 1000
        yield replace(result, stage_micros=(*result.stage_micros, (self.stage, micros)))


class RunStage(beam.PTransform):
    """``pcoll | RunStage("clean", fn)`` -> ``(ok, dead)``."""

    def __init__(self, stage: str, fn: Callable[[Any], Article]) -> None:
        super().__init__()
        self.stage = stage
        self.fn = fn

    def expand(self, pcoll: beam.PCollection) -> tuple[beam.PCollection, beam.PCollection]:
        results = pcoll | beam.ParDo(RunStageFn(self.stage, self.fn)).with_outputs(DEAD, main="ok")
        return results.ok, results[DEAD]


class RunBatchStageFn(beam.DoFn):
    """Apply a batch function (list in, one result or exception per element out)."""

    def __init__(self, stage: str, fn: Callable[[list[Any]], list[Any]]) -> None:
        self.stage = stage
        self.fn = fn

    def process(self, batch: list[Any]) -> Iterator[Any]:
        started = time.perf_counter_ns()
        try:
            results = self.fn(batch)
        except Exception:  # noqa: BLE001 - the batch failed: retry one by one, so one
            results = [self._one(element) for element in batch]  # poison input fails alone
        micros = (time.perf_counter_ns() - started) // 1000 // max(len(batch), 1)
        for element, result in zip(batch, results, strict=True):
            if isinstance(result, Exception):
                yield pvalue.TaggedOutput(DEAD, dead_letter(element, self.stage, result))
            else:
                yield replace(result, stage_micros=(*result.stage_micros, (self.stage, micros)))

    def _one(self, element: Any) -> Any:
        try:
            return self.fn([element])[0]
        except Exception as exc:  # noqa: BLE001 - this input is the poison: it is data
            return exc


class RunBatchStage(beam.PTransform):
    """Batch within the bundle (stays fused), then apply a batch stage -> ``(ok, dead)``.

    The batch size is fixed rather than adaptive: BatchElements flushes what it holds at
    the end of each bundle, so a full-size batch adds no latency, while its adaptive
    mode restarts small batches in every bundle and paid Stanza's per-call cost for
    almost every article (measured: 15 articles/s instead of hundreds on the tiny models).
    """

    def __init__(self, stage: str, fn: Callable[[list[Any]], list[Any]], max_batch: int) -> None:
        super().__init__()
        self.stage = stage
        self.fn = fn
        self.max_batch = max_batch

    def expand(self, pcoll: beam.PCollection) -> tuple[beam.PCollection, beam.PCollection]:
        results = (
            pcoll
            | "Batch"
            >> beam.BatchElements(min_batch_size=self.max_batch, max_batch_size=self.max_batch)
            | "Apply"
            >> beam.ParDo(RunBatchStageFn(self.stage, self.fn)).with_outputs(DEAD, main="ok")
        )
        return results.ok, results[DEAD]


class EncodeFn(beam.DoFn):
    """Article -> EnrichedArticle record + one Event record per event (keyed by article
    id, so an article's events share its partition); DeadLetterRecord -> DeadLetter.

    Encoding validates the record against its schema; an article that fails becomes a
    dead letter of stage ``encode`` (on the ``dead`` output) rather than being lost.
    """

    def __init__(self, settings: Settings, with_processing: bool = True) -> None:
        self.settings = settings
        self.with_processing = with_processing

    def setup(self) -> None:
        self._codec = Codec(self.settings.schema_registry_url)

    def process(self, element: Article | DeadLetterRecord) -> Iterator[Any]:
        if isinstance(element, DeadLetterRecord):
            yield self._dead_letter_record(element)
            return
        try:
            now = datetime.now(UTC) if self.with_processing else None
            value = to_enriched(element, processed_at=now)
            topic = self.settings.enriched_topic
            payload = self._codec.encode("EnrichedArticle", value, topic)
        except Exception as exc:  # noqa: BLE001 - an invalid record is dead-lettered
            yield self._dead_letter_record(dead_letter(element, "encode", exc))
            return
        key = element.id.encode("utf-8")
        headers = _provenance_headers(element.message)
        order = element.message.provenance.order_key()
        yield OutputRecord(topic, key, "EnrichedArticle", value, payload, headers, (*order, 0))
        events_topic = self.settings.events_topic
        for number, event in enumerate(value["events"], start=1):  # validated with the article
            payload = self._codec.encode("Event", event, events_topic)
            yield OutputRecord(
                events_topic, key, "Event", event, payload, headers, (*order, number)
            )

    def _dead_letter_record(self, dead: DeadLetterRecord) -> OutputRecord:
        try:
            return self._frame_dead_letter(dead)
        except Exception:  # noqa: BLE001 - a dead letter is never lost: escape, frame again
            return self._frame_dead_letter(_encodable(dead))

    def _frame_dead_letter(self, dead: DeadLetterRecord) -> OutputRecord:
        value = to_dead_letter(dead)
        topic = self.settings.dlq_topic
        return OutputRecord(
            topic=topic,
            key=dead.message.key,
            schema="DeadLetter",
            value=value,
            payload=self._codec.encode("DeadLetter", value, topic),
            headers=connect_error_headers(dead),
            order=(*dead.message.provenance.order_key(), 0),
        )


def _escape(text: str | None) -> str | None:
    """Text that UTF-8 can encode (unpaired surrogates become backslash escapes)."""
    return None if text is None else text.encode("utf-8", "backslashreplace").decode("utf-8")


def _encodable(dead: DeadLetterRecord) -> DeadLetterRecord:
    """The same dead letter with every text field made encodable (bytes stay untouched)."""
    prov = dead.message.provenance
    safe_prov = replace(prov, topic=_escape(prov.topic), file=_escape(prov.file))
    return replace(
        dead,
        message=replace(dead.message, provenance=safe_prov, headers=()),
        stage=_escape(dead.stage) or "",
        error_class=_escape(dead.error_class) or "",
        error_message=_escape(dead.error_message) or "",
        article_id=_escape(dead.article_id),
        traceback=_escape(dead.traceback) or "",
    )


def _provenance_headers(message: RawMessage) -> tuple[tuple[str, bytes], ...]:
    prov = message.provenance
    pairs = [("newswire.source.kind", prov.kind)]
    if prov.topic is not None:
        pairs += [
            ("newswire.source.topic", prov.topic),
            ("newswire.source.partition", str(prov.partition)),
            ("newswire.source.offset", str(prov.offset)),
        ]
    if prov.file is not None:
        pairs.append(("newswire.source.file", prov.file))
    return tuple((k, v.encode("utf-8")) for k, v in pairs)
