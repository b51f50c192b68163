"""Delivery accounting: matching output records to raw offsets by provenance."""

from __future__ import annotations

import doctest

import pipeline.audit
from pipeline.audit import OutputRef, RawRef, output_ref, reconcile

RAW = [RawRef(p, o, f"a{p}{o}") for p in range(2) for o in range(3)]


def enriched(p: int, o: int, topic: str = "raw") -> OutputRef:
    return OutputRef("enriched", topic, p, o, f"a{p}{o}")


def test_everything_delivered_once() -> None:
    outs = [enriched(p, o) for p in range(2) for o in range(2)]
    outs += [OutputRef("dlq", "raw", p, 2, None, "decode") for p in range(2)]
    report = reconcile("raw", RAW, outs)
    assert report.ok
    assert (report.inputs, report.enriched, report.dead_lettered) == (6, 4, 2)
    assert (report.lost, report.duplicated, report.both) == (0, 0, 0)
    assert report.dead_by_stage == {"decode": 2}


def test_lost_duplicated_and_both() -> None:
    outs = [enriched(0, 0), enriched(0, 0), enriched(0, 1), enriched(1, 0)]
    outs += [OutputRef("dlq", "raw", 0, 1, None, "nlp")]
    report = reconcile("raw", RAW, outs)
    assert not report.ok
    assert report.lost == 3 and report.lost_examples == ((0, 2), (1, 1), (1, 2))
    assert report.duplicated == 2 and report.both == 1
    assert (report.enriched, report.dead_lettered) == (3, 0)


def test_other_sources_and_unmatched_offsets() -> None:
    outs = [enriched(p, o) for p in range(2) for o in range(3)]
    outs += [enriched(0, 99), enriched(0, 0, topic="elsewhere")]
    outs += [OutputRef("enriched", None, None, None)]  # a file replay
    report = reconcile("raw", RAW, outs)
    assert (report.unmatched, report.other_sources) == (1, 2)
    assert not report.ok


def test_duplicate_ids_are_reported_not_lost() -> None:
    raw = [RawRef(0, 0, "same"), RawRef(0, 1, "same"), RawRef(0, 2, "other")]
    outs = [enriched(0, o) for o in range(3)]
    report = reconcile("raw", raw, outs)
    assert report.ok and report.duplicate_ids == 2


def test_output_ref_from_decoded_records() -> None:
    prov = {"kind": "kafka", "topic": "raw", "partition": 1, "offset": 5}
    assert output_ref("enriched", {"id": "x", "provenance": prov}) == OutputRef(
        "enriched", "raw", 1, 5, "x", None
    )
    dead = output_ref("dlq", {"article_id": None, "stage": "decode", "provenance": prov})
    assert (dead.kind, dead.stage, dead.offset) == ("dlq", "decode", 5)


def test_doctest() -> None:
    assert doctest.testmod(pipeline.audit).failed == 0
