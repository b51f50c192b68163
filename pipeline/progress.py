"""What a run did, counted: Beam metrics for the end-of-run summary, a live tally for
the progress bar.

:class:`Tally` counts the elements passing a point of the graph under names such as
``in``, ``enriched``, ``events``, ``dead.<stage>`` and ``duplicate.<kind>``. Each count
goes to a Beam metrics counter (namespace ``newswire``), which every runner reports at
the end (:func:`summary`), and to a process-wide tally that :func:`live_counts` reads
while the run is going (the FnApiRunner runs its workers in this process; elsewhere
the bar shows nothing until the end, and the summary is still exact).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.runners.runner import PipelineResult

from pipeline.records import OutputRecord

NAMESPACE = "newswire"
_LIVE: Counter[str] = Counter()
_LOCK = threading.Lock()


def live_counts() -> dict[str, int]:
    with _LOCK:
        return dict(_LIVE)


def reset_live_counts() -> None:
    with _LOCK:
        _LIVE.clear()


def output_names(record: OutputRecord) -> list[str]:
    """The counter names an output record adds to."""
    if record.schema == "EnrichedArticle":
        names = ["enriched"]
        duplicate = record.value.get("duplicate")
        if duplicate:
            names.append(f"duplicate.{duplicate['kind']}")
        return names
    if record.schema == "Event":
        return ["events"]
    return [f"dead.{record.value['stage']}"]


def input_names(_element: Any) -> list[str]:
    return ["in"]


class TallyFn(beam.DoFn):
    """Pass elements through, counting each under the names ``names_of`` gives it."""

    def __init__(self, names_of: Callable[[Any], Iterable[str]]) -> None:
        self.names_of = names_of

    def setup(self) -> None:
        self._counters: dict[str, Any] = {}

    def process(self, element: Any) -> Iterator[Any]:
        names = list(self.names_of(element))
        for name in names:
            if name not in self._counters:
                self._counters[name] = Metrics.counter(NAMESPACE, name)
            self._counters[name].inc()
        with _LOCK:
            _LIVE.update(names)
        yield element


class Tally(beam.PTransform):
    """``pcoll | Tally(output_names)``: the same elements, counted."""

    def __init__(self, names_of: Callable[[Any], Iterable[str]]) -> None:
        super().__init__()
        self.names_of = names_of

    def expand(self, pcoll: beam.PCollection) -> beam.PCollection:
        return pcoll | beam.ParDo(TallyFn(self.names_of))


def summary(result: PipelineResult) -> dict[str, int]:
    """The run's counters by name (committed values; attempted where a runner has no
    committed ones)."""
    query = result.metrics().query(MetricsFilter().with_namespace(NAMESPACE))
    totals: Counter[str] = Counter()
    for counter in query["counters"]:
        value = counter.committed if counter.committed is not None else counter.attempted
        totals[counter.key.metric.name] += int(value or 0)
    return dict(totals)
