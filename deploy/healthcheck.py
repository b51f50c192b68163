"""Container health check: the configured Kafka answers and the raw topic exists.

Run by the image's HEALTHCHECK (``python /opt/newswire/healthcheck.py``). Settings come
from the same ``NEWSWIRE_*`` environment as the pipeline, so SASL/TLS apply; without
``NEWSWIRE_BOOTSTRAP_SERVERS`` it checks the embedded broker (the image's ``demo``).
Exit status 0: healthy; 1: not, with the reason on stderr.
"""

from __future__ import annotations

import sys

from kafka import KafkaConsumer
from kafka.errors import KafkaError

from pipeline.config import load_settings
from pipeline.errors import NewswireError


def main() -> int:
    try:
        settings = load_settings()
        config = {
            **settings.kafka_client_config(),
            # Below the HEALTHCHECK timeout: report, not hang.
            "request_timeout_ms": 10_000,
            "bootstrap_timeout_ms": min(10_000, int(settings.connect_timeout_s * 1000)),
        }
        consumer = KafkaConsumer(client_id="newswire-healthcheck", **config)
        try:
            topics = consumer.topics()
        finally:
            consumer.close()
    except (KafkaError, NewswireError, OSError) as exc:
        print(f"unhealthy: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    if settings.raw_topic not in topics:
        print(
            f"unhealthy: topic {settings.raw_topic} missing at {settings.bootstrap}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
