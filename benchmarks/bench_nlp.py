"""NLP benchmark: Stanza one article at a time vs batched, and the whole pipeline.

    python -m benchmarks.bench_nlp --models benchmarks/.models/fullsize
    python -m benchmarks.bench_nlp --models pipeline/nlp/models --articles 20   # tiny

Every mode runs in its own process (so peak memory is its own), on the same generated
corpus (``benchmarks/corpus.py``), with torch, OpenMP and MKL limited to ``--threads``
threads (1 = figures per core), models loaded and a short warm-up run (the first
``WARM_UP_ARTICLES`` articles) done before the clock starts, the median of ``--repeats``
runs reported:

- ``stanza-single``: pure Stanza, ``nlp(text)`` per article (the naive baseline);
- ``stanza-batched``: pure Stanza, ``nlp([Document, ...])`` in batches of ``--batch``;
- ``pipeline``: the Beam replay graph (decode, clean, language, NLP, entities, encode)
  on the FnApiRunner over the raw articles; a run fails unless every article comes out
  enriched (none dead-lettered).

The pipeline's overhead is its time minus the batched Stanza time on the same text. Each
mode counts the sentences it produced; a warning is printed if they differ.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.corpus import generate

RESULTS = Path(__file__).resolve().parent / "results"
MODES = ("stanza-single", "stanza-batched", "pipeline")
WARM_UP_ARTICLES = 4
"""The warm-up run (lazy loading, first allocations) uses this many articles, not all."""


def _clean_bodies(articles: list[dict[str, str]]) -> dict[str, list[str]]:
    from pipeline.clean import clean_article

    by_lang: dict[str, list[str]] = {"ar": [], "en": []}
    for article in articles:
        result = clean_article(
            article["body"], title=article["title"], language=article["language"]
        )
        by_lang[article["language"]].append(result.body)
    return by_lang


def _pipelines(models: Path, threads: int) -> dict[str, Any]:
    from pipeline.config import Settings
    from pipeline.nlp import registry

    # registry.pipeline_for sets torch's thread count from Settings.torch_threads.
    settings = Settings(models_dir=str(models), torch_threads=threads)
    loaded = {}
    for lang in ("ar", "en"):
        found = registry.pipeline_for(settings, lang)
        if found is None:
            raise SystemExit(f"no models for {lang} in {models}")
        loaded[lang] = found[0]
    return loaded


def _time(fn: Any, repeats: int) -> tuple[list[float], Any]:
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return times, result


def measure(
    mode: str, models: Path, n_articles: int, batch: int, repeats: int, threads: int
) -> dict[str, Any]:
    import stanza
    import torch

    all_articles = generate(n_articles)
    all_bodies = _clean_bodies(all_articles)
    load_started = time.perf_counter()
    nlp = _pipelines(models, threads)
    load_s = time.perf_counter() - load_started

    def single(bodies: dict[str, list[str]]) -> int:
        return sum(
            len(nlp[lang](text).sentences) for lang, texts in bodies.items() for text in texts
        )

    def batched(bodies: dict[str, list[str]]) -> int:
        sentences = 0
        for lang, texts in bodies.items():
            for i in range(0, len(texts), batch):
                docs = nlp[lang]([stanza.Document([], text=t) for t in texts[i : i + batch]])
                sentences += sum(len(d.sentences) for d in docs)
        return sentences

    outputs: dict[str, int] = {}  # the pipeline's last run: records by schema, sentences

    def pipeline(articles: list[dict[str, str]]) -> int:
        import apache_beam as beam
        from apache_beam.metrics import Metrics
        from apache_beam.metrics.metric import MetricsFilter

        from pipeline.config import Settings
        from pipeline.graph import build_replay
        from pipeline.records import Provenance, RawMessage
        from pipeline.runner import make_pipeline

        settings = Settings(models_dir=str(models), nlp_batch_size=batch, torch_threads=threads)
        messages = [
            RawMessage(
                value=json.dumps(a, ensure_ascii=False).encode(),
                provenance=Provenance(kind="file", file="bench", line=i),
            )
            for i, a in enumerate(articles)
        ]

        def count(record: Any) -> None:  # what came out, by schema (+ sentences)
            Metrics.counter("bench", record.schema).inc()
            if record.schema == "EnrichedArticle":
                Metrics.counter("bench", "sentences").inc(len(record.value["sentences"]))

        # pipeline.runner.run_graph, keeping the result for its metrics
        p = make_pipeline()
        _ = build_replay(p, settings, messages) | beam.Map(count)
        result = p.run()
        result.wait_until_finish()
        counters = {
            c.key.metric.name: c.committed
            for c in result.metrics().query(MetricsFilter().with_namespace("bench"))["counters"]
        }
        outputs.clear()
        outputs.update(counters)
        if counters.get("DeadLetter", 0) or counters.get("EnrichedArticle", 0) != len(articles):
            raise RuntimeError(f"pipeline did not enrich every article: {counters}")
        return int(counters.get("sentences", 0))

    def run(articles: list[dict[str, str]], bodies: dict[str, list[str]]) -> int:
        if mode == "stanza-single":
            return single(bodies)
        if mode == "stanza-batched":
            return batched(bodies)
        return pipeline(articles)

    def run_all() -> int:
        return run(all_articles, all_bodies)

    warm_up = all_articles[:WARM_UP_ARTICLES]
    run(warm_up, _clean_bodies(warm_up))  # lazy initialisation, first-batch allocations
    times, sentences = _time(run_all, repeats)
    return {
        "mode": mode,
        "seconds": statistics.median(times),
        "runs_seconds": times,
        "articles": n_articles,
        "sentences": sentences,
        "load_seconds": load_s,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "torch_threads": torch.get_num_threads(),
        "pipeline_outputs": outputs,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=Path, required=True)
    parser.add_argument("--articles", type=int, default=40)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--mode", choices=MODES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.mode:  # child process: one measurement, JSON on stdout
        import torch

        torch.set_num_threads(args.threads)
        result = measure(
            args.mode, args.models, args.articles, args.batch, args.repeats, args.threads
        )
        print(json.dumps(result))
        return

    # Every thread pool the child may start (torch intra-op, OpenMP, MKL, in Beam's worker
    # threads too) gets --threads threads, so all modes run on the same number of cores.
    threads = str(args.threads)
    env = os.environ | {"OMP_NUM_THREADS": threads, "MKL_NUM_THREADS": threads}
    rows = []
    for mode in MODES:
        child = subprocess.run(
            [sys.executable, "-m", "benchmarks.bench_nlp", *(argv or sys.argv[1:]), "--mode", mode],
            capture_output=True,
            text=True,
            check=False,
            env=env,
        )
        if child.returncode != 0:
            raise SystemExit(f"{mode} failed:\n{child.stderr[-3000:]}")
        rows.append(json.loads(child.stdout.strip().splitlines()[-1]))
        print(f"measured {mode}", file=sys.stderr)
    counted = {r["mode"]: r["sentences"] for r in rows}
    if len(set(counted.values())) != 1:  # same text in every mode: same sentences
        print(f"WARNING: sentence counts differ between modes: {counted}", file=sys.stderr)
    threads_used = {r["mode"]: r["torch_threads"] for r in rows}
    if set(threads_used.values()) != {args.threads}:
        print(f"WARNING: torch threads were {threads_used}, not {args.threads}", file=sys.stderr)
    sentences = counted["stanza-batched"]
    for row in rows:
        row["sentences_counted"] = row["sentences"]
        row["sentences"] = sentences
    report(rows, args)


def report(rows: list[dict[str, Any]], args: argparse.Namespace) -> None:
    by_mode = {r["mode"]: r for r in rows}
    base = by_mode["stanza-batched"]["seconds"]
    single = by_mode["stanza-single"]["seconds"]
    print(
        f"NLP benchmark: {args.articles} articles ({rows[0]['sentences']} sentences, ar+en), "
        f"models {args.models}, torch threads {args.threads}, batch {args.batch}, "
        f"median of {args.repeats}; {platform.processor() or platform.machine()}, "
        f"{platform.python_version()}\n"
    )
    print("| mode | seconds | articles/s | sentences/s | vs batched Stanza | peak RSS MB |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['mode']} | {r['seconds']:.2f} | {r['articles'] / r['seconds']:.2f} | "
            f"{r['sentences'] / r['seconds']:.1f} | {r['seconds'] / base:.2f}x | "
            f"{r['peak_rss_mb']:.0f} |"
        )
    overhead = by_mode["pipeline"]["seconds"] - base
    print(
        f"\nbatching speed-up over one article at a time: {single / base:.2f}x; "
        f"pipeline overhead over batched Stanza: {overhead:+.2f} s ({overhead / base:+.1%})"
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "nlp.json").write_text(
        json.dumps({"args": vars(args) | {"models": str(args.models)}, "rows": rows}, indent=2)
    )


if __name__ == "__main__":
    main()
