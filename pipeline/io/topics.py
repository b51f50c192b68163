"""Read an output topic back as decoded records (``newswire tail``, the demo, tests).

Reads every partition without a consumer group (so it never moves the pipeline's
committed offsets) and decodes each value with the project's codec.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from pipeline.config import Settings
from pipeline.errors import ConfigError
from pipeline.io.codec import Codec


def _consumer(settings: Settings, topic: str) -> tuple[KafkaConsumer, list[TopicPartition]]:
    consumer = KafkaConsumer(
        group_id=None, enable_auto_commit=False, **settings.kafka_client_config()
    )
    partitions = consumer.partitions_for_topic(topic)
    if not partitions:
        consumer.close()
        raise ConfigError(f"topic {topic!r} does not exist at {settings.bootstrap}")
    tps = [TopicPartition(topic, p) for p in sorted(partitions)]
    consumer.assign(tps)
    return consumer, tps


def end_offsets(settings: Settings, topic: str) -> dict[int, int]:
    consumer, tps = _consumer(settings, topic)
    try:
        return {tp.partition: int(off) for tp, off in consumer.end_offsets(tps).items()}
    finally:
        consumer.close()


def read_topic(
    settings: Settings,
    topic: str,
    from_beginning: bool = True,
    limit: int | None = None,
    idle_timeout: float | None = None,
    since: dict[int, int] | None = None,
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (record name, record) in arrival order per partition.

    With ``since`` (offsets per partition) it reads from there and stops once caught up;
    otherwise it follows the topic until ``limit`` records or ``idle_timeout`` seconds
    without a record.
    """
    codec = Codec(settings.schema_registry_url)
    consumer, tps = _consumer(settings, topic)
    try:
        for tp in tps:
            if since is not None:
                consumer.seek(tp, since.get(tp.partition, 0))
            elif from_beginning:
                consumer.seek_to_beginning(tp)
            else:
                consumer.seek_to_end(tp)
        seen = 0
        last = time.monotonic()
        while limit is None or seen < limit:
            batches = consumer.poll(timeout_ms=300)
            if not batches:
                if since is not None and _caught_up(consumer, tps):
                    return
                if idle_timeout is not None and time.monotonic() - last >= idle_timeout:
                    return
                continue
            last = time.monotonic()
            for tp in tps:
                for record in batches.get(tp, []):
                    yield codec.decode(record.value)
                    seen += 1
                    if limit is not None and seen >= limit:
                        return
    finally:
        consumer.close()


def _caught_up(consumer: KafkaConsumer, tps: list[TopicPartition]) -> bool:
    ends = consumer.end_offsets(tps)
    return all(consumer.position(tp) >= ends[tp] for tp in tps)
