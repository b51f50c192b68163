"""End to end through the embedded broker: maximum throughput, then latency under load.

Both runs use the live graph (:func:`pipeline.graph.build_live`, FnApiRunner, kafka-python
source and sink, Avro values) against the project's embedded Kafka-compatible broker,
each on fresh topics:

- :func:`max_throughput`: every article is produced first, then the pipeline runs until
  it has caught up. Its wall time, against the NLP stage's own time inside the same run
  (the ``processing.stage_micros["nlp"]`` of each record), gives the pipeline's overhead:
  Beam, Kafka, Avro, decoding, cleaning, language id, entities, events, all of it. The
  same graph run on an empty topic first gives the part of it paid once per run
  (start-up, polling until caught up, shutdown) rather than per article.
- :func:`latency`: the pipeline runs first; after a warm-up article has come out,
  articles are produced at a fixed rate (a fixed interval, not a burst). Latency is the
  enriched record's Kafka timestamp (set when the sink sends it) minus the raw record's
  (set when the producer sent it; the record carries it as ``provenance.timestamp``).
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from pipeline.config import Settings
from pipeline.io import broker
from pipeline.io.codec import Codec

_SEQ = iter(range(1_000_000))


@dataclass
class Output:
    """One enriched record as it came out of the pipeline."""

    id: str
    produced_ms: int
    written_ms: int
    nlp_micros: int
    stage_micros: dict[str, int]


def fresh_topics(settings: Settings, label: str) -> Settings:
    n = next(_SEQ)
    fresh = settings.with_prefix(f"bench{n}-{label}")
    broker.ensure_topics(fresh)
    return fresh


def _producer(settings: Settings) -> KafkaProducer:
    return KafkaProducer(
        acks="all",
        linger_ms=0,
        max_request_size=4 * 1_048_576,
        **settings.kafka_client_config(),
    )


def _article_id(value: bytes, fallback: str) -> str:
    import json

    data = json.loads(value)
    return str(data.get("id") or fallback)


def read_outputs(settings: Settings, expected: int, timeout_s: float = 60.0) -> list[Output]:
    """The enriched records of the run (every partition, from the start)."""
    codec = Codec(settings.schema_registry_url)
    consumer = KafkaConsumer(consumer_timeout_ms=1000, **settings.kafka_client_config())
    try:
        partitions = consumer.partitions_for_topic(settings.enriched_topic) or set()
        tps = [TopicPartition(settings.enriched_topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        out: list[Output] = []
        deadline = time.monotonic() + timeout_s
        while len(out) < expected and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    _, value = codec.decode(record.value)
                    produced = value["provenance"]["timestamp"]
                    micros = dict((value.get("processing") or {}).get("stage_micros") or {})
                    out.append(
                        Output(
                            id=value["id"],
                            produced_ms=_millis(produced),
                            written_ms=int(record.timestamp),
                            nlp_micros=int(micros.get("nlp", 0)),
                            stage_micros={k: int(v) for k, v in micros.items()},
                        )
                    )
        return out
    finally:
        consumer.close()


def _millis(value: Any) -> int:
    if isinstance(value, datetime):
        return int(value.timestamp() * 1000)
    return int(value)


def _run_live(settings: Settings, *, caught_up: bool, idle_timeout_s: float | None) -> float:
    from pipeline.graph import build_live
    from pipeline.runner import make_pipeline

    started = time.perf_counter()
    p = make_pipeline()
    build_live(p, settings, stop_when_caught_up=caught_up, idle_timeout_s=idle_timeout_s)
    result = p.run()
    result.wait_until_finish()
    return time.perf_counter() - started


def max_throughput(settings: Settings, values: Sequence[bytes]) -> dict[str, Any]:
    """Produce everything, then run until caught up: wall time against NLP time."""
    # The same graph on an empty topic: what starting, polling until caught up and
    # stopping cost with no article at all (once per run, not per article).
    fixed = _run_live(fresh_topics(settings, "empty"), caught_up=True, idle_timeout_s=None)
    settings = fresh_topics(settings, "max")
    producer = _producer(settings)
    for i, value in enumerate(values):
        producer.send(settings.raw_topic, key=_article_id(value, str(i)).encode(), value=value)
    producer.flush()
    producer.close()
    wall = _run_live(settings, caught_up=True, idle_timeout_s=None)
    outputs = read_outputs(settings, len(values))
    if len(outputs) != len(values):
        raise RuntimeError(f"{len(values)} articles in, {len(outputs)} enriched out")
    nlp = sum(o.nlp_micros for o in outputs) / 1e6
    stages: dict[str, float] = {}
    for o in outputs:
        for name, micros in o.stage_micros.items():
            stages[name] = stages.get(name, 0.0) + micros / 1e6
    return {
        "articles": len(values),
        "wall_s": wall,
        "articles_per_s": len(values) / wall,
        "nlp_s": nlp,
        "overhead_s": wall - nlp,
        "overhead_vs_nlp": (wall - nlp) / nlp if nlp else None,
        "empty_run_s": fixed,
        "per_article_overhead_vs_nlp": (wall - fixed - nlp) / nlp if nlp else None,
        "stage_s": stages,
    }


def latency(
    settings: Settings, values: Sequence[bytes], warm_up: bytes, rate_per_s: float
) -> dict[str, Any]:
    """Produce at ``rate_per_s`` while the pipeline runs; latency percentiles (ms)."""
    settings = fresh_topics(settings, "lat")
    interval = 1.0 / rate_per_s
    # Articles go to the partitions in turn, so no partition's reader idles out early.
    idle = 5.0 + 2 * interval * settings.partitions
    errors: list[BaseException] = []

    def run() -> None:
        try:
            _run_live(settings, caught_up=False, idle_timeout_s=idle)
        except BaseException as exc:  # noqa: BLE001 - reported by the caller
            errors.append(exc)

    thread = threading.Thread(target=run, name="bench-live", daemon=True)
    thread.start()
    producer = _producer(settings)
    producer.send(settings.raw_topic, key=b"warm-up", value=warm_up, partition=0)
    producer.flush()
    read_outputs(settings, 1, timeout_s=300)  # the graph is up and the models are warm
    started = time.monotonic()
    for i, value in enumerate(values):
        delay = started + i * interval - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        key = _article_id(value, str(i)).encode()
        partition = (i + 1) % settings.partitions
        producer.send(settings.raw_topic, key=key, value=value, partition=partition)
        producer.flush()
    producer.close()
    outputs = [
        o
        for o in read_outputs(settings, len(values) + 1, timeout_s=600)
        if o.id != _article_id(warm_up, "")
    ]
    thread.join(timeout=idle + 60)
    if errors:
        raise RuntimeError(f"the live pipeline failed: {errors[0]!r}")
    if len(outputs) != len(values):
        raise RuntimeError(f"{len(values)} articles in, {len(outputs)} enriched out")
    lat = sorted(o.written_ms - o.produced_ms for o in outputs)
    return {
        "articles": len(values),
        "offered_per_s": rate_per_s,
        "p50_ms": percentile(lat, 50),
        "p95_ms": percentile(lat, 95),
        "p99_ms": percentile(lat, 99),
        "max_ms": lat[-1],
        "mean_nlp_ms": statistics.fmean(o.nlp_micros for o in outputs) / 1000,
        "poll_timeout_ms": settings.poll_timeout_ms,
    }


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not sorted_values:
        return float("nan")
    k = (len(sorted_values) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(sorted_values) - 1)
    return float(sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo))


def broker_peak_rss_mb(state_dir: str | Path) -> float | None:
    """The embedded broker process's peak resident memory (Linux /proc), if it runs."""
    pid = broker.status(state_dir).pid
    if pid is None:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None
