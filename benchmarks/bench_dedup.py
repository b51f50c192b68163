"""Measure duplicate detection: cost per article, next to cleaning the same article.

    python -m benchmarks.bench_dedup [--articles 2000] [--window 20000]

On the fixed generated corpus (:mod:`benchmarks.corpus`: Arabic and English wire-length
articles), decoded and cleaned as the pipeline does, it times per article: the
fingerprint (shingles + 64-permutation MinHash), the index check against a window
already holding ``--window`` other articles of the corpus, and, as the baseline in the
same run, the clean stage on the same articles. Memory: traced allocation growth per
remembered article, and the size of one fingerprint (what replay collects per article).
"""

from __future__ import annotations

import argparse
import json
import pickle
import statistics
import time
import tracemalloc
from collections.abc import Callable, Sequence
from typing import Any

from benchmarks.corpus import generate
from pipeline.clean.stage import clean_stage
from pipeline.config import Settings
from pipeline.dedup.fingerprint import Fingerprint, fingerprint
from pipeline.dedup.index import DuplicateIndex
from pipeline.io.decode import decode_message
from pipeline.records import Article, Provenance, RawMessage


def _articles(n: int) -> list[Article]:
    out = []
    for i, raw in enumerate(generate(n)):
        message = RawMessage(
            json.dumps(raw, ensure_ascii=False).encode(),
            Provenance(kind="file", file="bench.jsonl", line=i + 1),
        )
        out.append(decode_message(message))
    return out


def _per_article_us(fn: Callable[[Any], object], items: Sequence[Any]) -> float:
    started = time.perf_counter()
    for item in items:
        fn(item)
    return (time.perf_counter() - started) / len(items) * 1e6


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--window", type=int, default=20000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    s = Settings()
    everything = _articles(args.window + args.articles)
    raw = everything[args.window :]
    cleaned = [clean_stage(a) for a in raw]

    def fp(a: Article) -> Fingerprint:
        return fingerprint(a, s.dedup_num_perm, s.dedup_min_shingles)

    prints = [fp(a) for a in cleaned]
    filler = [fp(clean_stage(a)) for a in everything[: args.window]]
    index = DuplicateIndex(s.dedup_threshold, s.dedup_num_perm)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for p in filler:
        index.check(p)
    per_entry = (tracemalloc.get_traced_memory()[0] - before) / len(filler)
    tracemalloc.stop()

    rows: dict[str, list[float]] = {"clean (baseline)": [], "fingerprint": [], "check": []}
    for _ in range(args.repeats):
        rows["clean (baseline)"].append(_per_article_us(clean_stage, raw))
        rows["fingerprint"].append(_per_article_us(fp, cleaned))
        probe = DuplicateIndex(s.dedup_threshold, s.dedup_num_perm)
        for p in filler:
            probe.check(p)
        rows["check"].append(_per_article_us(probe.check, prints))
    base = statistics.median(rows["clean (baseline)"])
    words = statistics.median(len(a.body.split()) for a in cleaned)
    print(f"{args.articles} articles (median {words:.0f} words), window {args.window}, "
          f"median of {args.repeats} runs")  # fmt: skip
    print(f"{'step':<18}{'us/article':>12}{'x clean':>10}")
    for name, values in rows.items():
        med = statistics.median(values)
        print(f"{name:<18}{med:>12.0f}{med / base:>10.2f}")
    size = len(pickle.dumps(prints[0]))
    print(f"memory: {per_entry / 1024:.2f} KiB per remembered article (live window); "
          f"{size} bytes per pickled fingerprint (replay collects one per article)")  # fmt: skip


if __name__ == "__main__":
    main()
