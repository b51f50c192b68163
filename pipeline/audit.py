"""Delivery accounting: did every raw offset end in exactly one output record?

The pipeline promises at-least-once delivery: every offset of the raw topic ends in an
``EnrichedArticle`` on the enriched topic or a ``DeadLetter`` on the dead-letter topic,
possibly more than once after a crash (re-read, not yet committed). Both output records
carry the provenance of their input (topic, partition, offset), which is what this
module matches on. :func:`reconcile` is the pure part (references in, an
:class:`AuditReport` out); :func:`collect` reads the topics of a broker and is what
``newswire audit`` runs.

Run it once the pipeline has caught up: a raw offset the pipeline has not reached yet
counts as lost.

>>> raw = [RawRef(0, 0, "a"), RawRef(0, 1, "b"), RawRef(1, 0, "c")]
>>> out = [
...     OutputRef("enriched", "news.raw", 0, 0, "a"),
...     OutputRef("enriched", "news.raw", 0, 0, "a"),
...     OutputRef("dlq", "news.raw", 0, 1, "b"),
... ]
>>> report = reconcile("news.raw", raw, out)
>>> (report.inputs, report.enriched, report.dead_lettered, report.lost, report.duplicated)
(3, 1, 1, 1, 1)
>>> report.ok
False
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pipeline.config import Settings
from pipeline.errors import ConfigError

MAX_EXAMPLES = 10


@dataclass(frozen=True)
class RawRef:
    """One raw input: where it is, and its key (the article id as the producer gave it)."""

    partition: int
    offset: int
    key: str | None = None


@dataclass(frozen=True)
class OutputRef:
    """One output record, reduced to what accounting needs.

    ``kind`` is ``"enriched"`` or ``"dlq"``; ``topic``/``partition``/``offset`` are the
    provenance of the raw input it came from (None for file inputs).
    """

    kind: str
    topic: str | None
    partition: int | None
    offset: int | None
    article_id: str | None = None
    stage: str | None = None


@dataclass(frozen=True)
class AuditReport:
    """The outcome of :func:`reconcile`.

    Attributes:
        inputs: raw offsets examined.
        enriched: raw offsets whose first output is an enriched article.
        dead_lettered: raw offsets whose first output is a dead letter.
        lost: raw offsets with no output at all (the promise is broken when > 0).
        duplicated: output records beyond the first for the same raw offset (re-deliveries
            after a crash; consumers drop them by key).
        both: raw offsets with an enriched record *and* a dead letter (only possible
            when a re-delivery fared differently from the first delivery).
        unmatched: output records of this raw topic pointing at an offset the raw topic
            does not have (the raw topic was recreated, or is being read mid-write).
        other_sources: output records from another topic or from files (ignored).
        duplicate_ids: raw offsets whose article id another raw offset also has (inputs
            sent twice by the producer; informational, not a delivery failure).
        dead_by_stage: dead-lettered offsets by the stage that rejected them.
        lost_examples: a few ``(partition, offset)`` of lost inputs, for a first look.
    """

    inputs: int
    enriched: int
    dead_lettered: int
    lost: int
    duplicated: int
    both: int = 0
    unmatched: int = 0
    other_sources: int = 0
    duplicate_ids: int = 0
    dead_by_stage: dict[str, int] = field(default_factory=dict)
    lost_examples: tuple[tuple[int, int], ...] = ()

    @property
    def ok(self) -> bool:
        """Nothing lost and nothing that points nowhere."""
        return self.lost == 0 and self.unmatched == 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "inputs": self.inputs,
            "enriched": self.enriched,
            "dead_lettered": self.dead_lettered,
            "lost": self.lost,
            "duplicated": self.duplicated,
            "both": self.both,
            "unmatched": self.unmatched,
            "other_sources": self.other_sources,
            "duplicate_ids": self.duplicate_ids,
            "dead_by_stage": dict(sorted(self.dead_by_stage.items())),
            "lost_examples": [list(x) for x in self.lost_examples],
            "ok": self.ok,
        }


def reconcile(raw_topic: str, raw: Iterable[RawRef], outputs: Iterable[OutputRef]) -> AuditReport:
    """Match outputs to raw offsets by provenance; see :class:`AuditReport`."""
    keys: dict[tuple[int, int], str | None] = {(r.partition, r.offset): r.key for r in raw}
    first: dict[tuple[int, int], OutputRef] = {}
    kinds: dict[tuple[int, int], set[str]] = {}
    duplicated = unmatched = other = 0
    for out in outputs:
        if out.topic != raw_topic or out.partition is None or out.offset is None:
            other += 1
            continue
        where = (out.partition, out.offset)
        if where not in keys:
            unmatched += 1
            continue
        kinds.setdefault(where, set()).add(out.kind)
        if where in first:
            duplicated += 1
        else:
            first[where] = out
    lost = sorted(where for where in keys if where not in first)
    firsts = list(first.values())
    id_counts = Counter(key for key in keys.values() if key is not None)
    return AuditReport(
        inputs=len(keys),
        enriched=sum(1 for o in firsts if o.kind == "enriched"),
        dead_lettered=sum(1 for o in firsts if o.kind == "dlq"),
        lost=len(lost),
        duplicated=duplicated,
        both=sum(1 for k in kinds.values() if len(k) > 1),
        unmatched=unmatched,
        other_sources=other,
        duplicate_ids=sum(n for n in id_counts.values() if n > 1),
        dead_by_stage=dict(Counter(o.stage or "?" for o in firsts if o.kind == "dlq")),
        lost_examples=tuple(lost[:MAX_EXAMPLES]),
    )


def output_ref(kind: str, record: dict[str, Any]) -> OutputRef:
    """An :class:`OutputRef` from a decoded ``EnrichedArticle`` or ``DeadLetter`` dict."""
    prov = record.get("provenance") or {}
    return OutputRef(
        kind=kind,
        topic=prov.get("topic"),
        partition=prov.get("partition"),
        offset=prov.get("offset"),
        article_id=record.get("id") if kind == "enriched" else record.get("article_id"),
        stage=record.get("stage"),
    )


def read_raw_refs(settings: Settings, topic: str, timeout_s: float = 120.0) -> Iterator[RawRef]:
    """Every record of ``topic`` from the start to the end as of the call (values unread).

    Ends once each partition reached its end offset *and* a poll came back empty:
    some Kafka-compatible brokers under-report the end offset after a multi-record batch.
    """
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(
        group_id=None,
        enable_auto_commit=False,
        client_id="newswire-audit",
        max_partition_fetch_bytes=max(settings.max_message_bytes * 2, 1_048_576),
        **settings.kafka_client_config(),
    )
    try:
        partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            raise ConfigError(f"topic {topic!r} does not exist at {settings.bootstrap}")
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        ends = consumer.end_offsets(tps)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            batches = consumer.poll(timeout_ms=300)
            for tp, records in batches.items():
                for record in records:
                    key = record.key.decode("utf-8", "replace") if record.key else None
                    yield RawRef(tp.partition, record.offset, key)
            if not batches and all(consumer.position(tp) >= ends[tp] for tp in tps):
                return
        raise ConfigError(f"reading {topic!r} did not finish within {timeout_s:.0f} s")
    finally:
        consumer.close()


def collect(settings: Settings, raw_topic: str | None = None) -> AuditReport:
    """Read the raw, enriched and dead-letter topics of ``settings`` and reconcile them."""
    from pipeline.io.topics import read_topic

    topic = raw_topic or settings.raw_topic
    raw = list(read_raw_refs(settings, topic))
    outputs: list[OutputRef] = []
    for kind, out_topic in (("enriched", settings.enriched_topic), ("dlq", settings.dlq_topic)):
        outputs += [output_ref(kind, rec) for _n, rec in read_topic(settings, out_topic, since={})]
    return reconcile(topic, raw, outputs)
