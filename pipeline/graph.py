"""The one place that wires the stages into Beam graphs.

:class:`EnrichArticles` is the composite both paths share: raw messages in, framed
output records (enriched articles and dead letters) out. :func:`build_live` reads it from
Kafka and writes to Kafka, fused from source to sink (no grouping, so the FnApiRunner
streams it). :func:`build_replay` feeds it from a bounded source (files, a topic range).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

import apache_beam as beam

from pipeline.clean.stage import clean_stage
from pipeline.config import Settings
from pipeline.dedup.stage import MarkDuplicatesInBatch, MarkDuplicatesOnline
from pipeline.entities.stage import entities_stage
from pipeline.events.stage import events_stage
from pipeline.io.decode import decode_message
from pipeline.io.kafka_sink import WriteToKafka
from pipeline.io.kafka_source import ReadFromKafka
from pipeline.io.xlang import ReadFromKafkaXlang, WriteToKafkaXlang
from pipeline.nlp.stage import NlpStage, language_stage
from pipeline.progress import Tally, input_names, output_names
from pipeline.records import RawMessage
from pipeline.transforms import EncodeFn, RunBatchStage, RunStage


class EnrichArticles(beam.PTransform):
    """RawMessage -> OutputRecords, as a dict of PCollections by label.

    ``"enriched"`` holds the news.enriched records, each followed by its news.events
    records; ``"dead_<stage>"`` holds each stage's dead letters (news.dlq). The outputs
    are deliberately not flattened: on the FnApiRunner a Flatten breaks fusion, which
    would delay the writes to the end of the run and let the source commit offsets
    before the records were written.

    Duplicates are flagged after cleaning (flags only, nothing dropped or failed):
    ``batch_dedup`` decides over the whole input in input order (replay; it groups, so
    it is for bounded input only); otherwise each article is checked against a window
    of recent ones as it streams by (live).
    """

    def __init__(
        self, settings: Settings, with_processing: bool = True, batch_dedup: bool = False
    ) -> None:
        super().__init__()
        self.settings = settings
        self.with_processing = with_processing
        self.batch_dedup = batch_dedup

    def expand(self, messages: beam.PCollection) -> beam.PCollection:
        decode = partial(decode_message, max_bytes=self.settings.max_message_bytes)
        articles, dead_decode = messages | "Decode" >> RunStage("decode", decode)
        cleaned, dead_clean = articles | "Clean" >> RunStage("clean", clean_stage)
        dedup = (MarkDuplicatesInBatch if self.batch_dedup else MarkDuplicatesOnline)(self.settings)
        marked = cleaned | "Dedup" >> dedup
        identified, dead_language = marked | "Language" >> RunStage("language", language_stage)
        nlp = NlpStage(self.settings)
        annotated, dead_nlp = identified | "Nlp" >> RunBatchStage(
            "nlp", nlp, self.settings.nlp_batch_size
        )
        resolved, dead_entities = annotated | "Entities" >> RunStage("entities", entities_stage)
        with_events, dead_events = resolved | "Events" >> RunStage("events", events_stage)
        encode = EncodeFn(self.settings, self.with_processing)
        outputs = {
            "enriched": with_events,
            "dead_decode": dead_decode,
            "dead_clean": dead_clean,
            "dead_language": dead_language,
            "dead_nlp": dead_nlp,
            "dead_entities": dead_entities,
            "dead_events": dead_events,
        }
        return {
            label: pcoll | f"Encode_{label}" >> beam.ParDo(encode)
            for label, pcoll in outputs.items()
        }


def build_live(
    p: beam.Pipeline,
    settings: Settings,
    *,
    stop_when_caught_up: bool = False,
    idle_timeout_s: float | None = None,
) -> None:
    """Kafka raw topic -> EnrichArticles -> Kafka output topics.

    ``settings.kafka_io`` picks the Kafka IO: "python" (kafka-python source and sink) or
    "xlang" (Beam's Java KafkaIO, for Flink/Dataflow; it never stops on its own, so
    ``stop_when_caught_up`` and ``idle_timeout_s`` apply to "python" only).
    """
    xlang = settings.kafka_io == "xlang"
    read = (
        ReadFromKafkaXlang(settings)
        if xlang
        else ReadFromKafka(settings, None, stop_when_caught_up, idle_timeout_s)
    )
    outputs = p | "ReadRaw" >> read | "Enrich" >> EnrichArticles(settings)
    for label, records in outputs.items():
        write = WriteToKafkaXlang(settings) if xlang else WriteToKafka(settings)
        _ = records | f"Write_{label}" >> write


def build_replay(
    p: beam.Pipeline,
    settings: Settings,
    source: beam.PTransform | Iterable[RawMessage],
    *,
    count: bool = False,
) -> beam.PCollection:
    """A bounded source -> EnrichArticles -> one PCollection of OutputRecords.

    ``source`` is :class:`~pipeline.io.files.ReadFiles`,
    :class:`~pipeline.io.kafka_range.ReadKafkaRange`, or messages already in memory.
    Batch execution: Flatten is fine here, and duplicates are decided over the whole
    input in input order. Records carry no wall-clock field (``processing`` is null), so
    the same input and models give the same bytes. ``count`` tallies inputs and outputs
    (:mod:`pipeline.progress`) on each branch, before the Flatten, which on the
    FnApiRunner would hold the counts back until everything upstream is done.
    """
    if not isinstance(source, beam.PTransform):
        source = beam.Create(list(source), reshuffle=False)
    messages = p | "ReadInputs" >> source
    if count:
        messages = messages | "CountInputs" >> Tally(input_names)
    outputs = messages | "Enrich" >> EnrichArticles(
        settings, with_processing=False, batch_dedup=True
    )
    branches = [
        records | f"Count_{label}" >> Tally(output_names) if count else records
        for label, records in outputs.items()
    ]
    return tuple(branches) | "CollectOutputs" >> beam.Flatten()
