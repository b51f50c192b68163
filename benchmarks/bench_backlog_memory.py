"""Peak memory of the live pipeline while a backlog drains: does it grow with the backlog?

    python -m benchmarks.bench_backlog_memory [--articles 500] [--paragraphs 2] [--out F]

The pipeline reads Kafka with one restriction per partition, at most ``max_poll_records``
per partition per poll, and everything after the source is fused into the same bundle
(no grouping), so the records in flight are bounded by partitions x max_poll_records
whatever the backlog. This measures it: for a backlog of N and of 4N articles (the
generated benchmark corpus: Arabic and English, 12 to 24 sentences), produced before the
pipeline starts (``--paragraphs``: each article cut to its first paragraphs, two
sentences each, so that a backlog large enough to matter drains in minutes on a small
machine; 0 keeps them whole), it runs ``newswire run --idle-timeout`` as a process against an
embedded broker and samples the resident set size (VmRSS of the process and its
children, from /proc) every 0.1 s until the pipeline exits. The baseline, in the same
run: a backlog of 20 articles, enough to load every model (the footprint the pipeline
has before any backlog). Linux only (/proc).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from kafka import KafkaProducer

from benchmarks.corpus import generate
from pipeline.audit import collect
from pipeline.config import Settings
from pipeline.io import broker

REPO = Path(__file__).resolve().parents[1]
BASELINE_ARTICLES = 20
SAMPLE_EVERY_S = 0.1


@dataclass
class Run:
    backlog: int
    peak_rss_mb: float
    rss_at_quarters_mb: list[float]
    seconds: float
    articles_per_s: float
    enriched: int
    dead_lettered: int
    lost: int


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    kids = [int(c) for c in text.split()]
    return kids + [g for k in kids for g in _children(k)]


def tree_rss_mb(pid: int) -> float:
    return sum(_rss_kb(p) for p in [pid, *_children(pid)]) / 1024


def _settings(base: Settings, label: str) -> Settings:
    settings = base.with_prefix(f"mem-{label}")
    broker.ensure_topics(settings)
    return settings


def _produce(settings: Settings, articles: list[dict[str, str]]) -> None:
    producer = KafkaProducer(acks="all", **settings.kafka_client_config())
    for article in articles:
        producer.send(
            settings.raw_topic,
            key=article["id"].encode(),
            value=json.dumps(article, ensure_ascii=False).encode(),
        )
    producer.flush()
    producer.close()


def drain(base: Settings, backlog: int, articles: list[dict[str, str]]) -> Run:
    """Produce ``backlog`` articles, then run the pipeline until it has drained them."""
    settings = _settings(base, str(backlog))
    _produce(settings, (articles * (backlog // len(articles) + 1))[:backlog])
    env = dict(os.environ)
    env.update(
        {
            "NEWSWIRE_BOOTSTRAP_SERVERS": settings.bootstrap,
            "NEWSWIRE_RAW_TOPIC": settings.raw_topic,
            "NEWSWIRE_ENRICHED_TOPIC": settings.enriched_topic,
            "NEWSWIRE_EVENTS_TOPIC": settings.events_topic,
            "NEWSWIRE_DLQ_TOPIC": settings.dlq_topic,
            "NEWSWIRE_GROUP_ID": settings.group_id,
        }
    )
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "run", "--idle-timeout", "2"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    samples: list[float] = []
    while proc.poll() is None:
        if rss := tree_rss_mb(proc.pid):
            samples.append(rss)
        time.sleep(SAMPLE_EVERY_S)
    seconds = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit(proc.stderr.read().decode()[-3000:] if proc.stderr else "failed")
    report = collect(settings)
    quarters = [samples[min(len(samples) - 1, len(samples) * q // 4)] for q in (1, 2, 3, 4)]
    return Run(
        backlog=backlog,
        peak_rss_mb=round(max(samples), 1),
        rss_at_quarters_mb=[round(x, 1) for x in quarters],
        seconds=round(seconds, 1),
        articles_per_s=round(backlog / seconds, 1),
        enriched=report.enriched,
        dead_lettered=report.dead_lettered,
        lost=report.lost,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=500, help="N: backlogs N and 4N")
    parser.add_argument("--paragraphs", type=int, default=2, help="paragraphs kept; 0: all")
    parser.add_argument("--out", type=Path, help="write the results as JSON here too")
    args = parser.parse_args(argv)
    articles = generate(min(args.articles, 500))
    if args.paragraphs:
        for article in articles:
            article["body"] = "\n\n".join(article["body"].split("\n\n")[: args.paragraphs])
    with tempfile.TemporaryDirectory() as state:
        base = Settings(state_dir=state, broker_port=broker.free_port())
        broker.start(base.state_dir, base.broker_port)
        base = base.replace(bootstrap_servers=base.bootstrap)
        try:
            runs = [
                drain(base, n, articles)
                for n in (BASELINE_ARTICLES, args.articles, 4 * args.articles)
            ]
        finally:
            broker.stop(state)
    baseline, small, large = runs
    growth = (large.peak_rss_mb - small.peak_rss_mb) / (large.backlog - small.backlog) * 1000
    result = {
        "paragraphs_per_article": args.paragraphs or "all",
        "max_poll_records": base.max_poll_records,
        "partitions": base.partitions,
        "runs": [asdict(r) for r in runs],
        "peak_over_baseline_mb": {
            str(r.backlog): round(r.peak_rss_mb - baseline.peak_rss_mb, 1) for r in runs[1:]
        },
        "growth_mb_per_1000_articles": round(growth, 2),
    }
    print(f"{'backlog':>8} {'peak RSS MB':>12} {'RSS at 25/50/75/100%':>28} {'s':>7} {'art/s':>7}")
    for r in runs:
        quarters = " ".join(f"{x:6.0f}" for x in r.rss_at_quarters_mb)
        print(
            f"{r.backlog:>8} {r.peak_rss_mb:>12.1f} {quarters:>28} "
            f"{r.seconds:>7.1f} {r.articles_per_s:>7.1f}"
        )
    print(f"growth between N and 4N: {growth:.2f} MB per 1000 articles of backlog")
    print(json.dumps(result))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
