"""NLP benchmark: Stanza one article at a time vs batched, and the whole pipeline.

    python -m benchmarks.bench_nlp --models benchmarks/.models/fullsize
    python -m benchmarks.bench_nlp --models pipeline/nlp/models --articles 20   # tiny

Every mode runs in its own process (so peak memory is its own), on the same generated
corpus (``benchmarks/corpus.py``), with torch limited to ``--threads`` threads (1 =
figures per core), models loaded before the clock starts, the median of ``--repeats``
runs reported:

- ``stanza-single``: pure Stanza, ``nlp(text)`` per article (the naive baseline);
- ``stanza-batched``: pure Stanza, ``nlp([Document, ...])`` in batches of ``--batch``;
- ``pipeline``: the Beam replay graph (decode, clean, language, NLP, entities, encode)
  on the FnApiRunner over the raw articles.

The pipeline's overhead is its time minus the batched Stanza time on the same text.
"""

from __future__ import annotations

import argparse
import json
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


def _clean_bodies(articles: list[dict[str, str]]) -> dict[str, list[str]]:
    from pipeline.clean import clean_article

    by_lang: dict[str, list[str]] = {"ar": [], "en": []}
    for article in articles:
        result = clean_article(
            article["body"], title=article["title"], language=article["language"]
        )
        by_lang[article["language"]].append(result.body)
    return by_lang


def _pipelines(models: Path) -> dict[str, Any]:
    from pipeline.config import Settings
    from pipeline.nlp import registry

    settings = Settings(models_dir=str(models))
    loaded = {}
    for lang in ("ar", "en"):
        found = registry.pipeline_for(settings, lang)
        if found is None:
            raise SystemExit(f"no models for {lang} in {models}")
        loaded[lang] = found[0]
    return loaded


def _time(fn: Any, repeats: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def measure(mode: str, models: Path, n_articles: int, batch: int, repeats: int) -> dict[str, Any]:
    import stanza
    import torch

    articles = generate(n_articles)
    bodies = _clean_bodies(articles)
    load_started = time.perf_counter()
    nlp = _pipelines(models)
    load_s = time.perf_counter() - load_started

    def single() -> int:
        return sum(
            len(nlp[lang](text).sentences) for lang, texts in bodies.items() for text in texts
        )

    def batched() -> int:
        sentences = 0
        for lang, texts in bodies.items():
            for i in range(0, len(texts), batch):
                docs = nlp[lang]([stanza.Document([], text=t) for t in texts[i : i + batch]])
                sentences += sum(len(d.sentences) for d in docs)
        return sentences

    def pipeline() -> int:
        import apache_beam as beam

        from pipeline.config import Settings
        from pipeline.graph import build_replay
        from pipeline.records import Provenance, RawMessage
        from pipeline.runner import run_graph

        settings = Settings(models_dir=str(models), nlp_batch_size=batch)
        messages = [
            RawMessage(
                value=json.dumps(a, ensure_ascii=False).encode(),
                provenance=Provenance(kind="file", file="bench", line=i),
            )
            for i, a in enumerate(articles)
        ]
        run_graph(lambda p: build_replay(p, settings, messages) | beam.Map(lambda r: None))
        return -1

    fn = {"stanza-single": single, "stanza-batched": batched, "pipeline": pipeline}[mode]
    fn()  # warm-up: lazy initialisation, first-batch allocations
    seconds, sentences = _time(fn, repeats)
    return {
        "mode": mode,
        "seconds": seconds,
        "articles": n_articles,
        "sentences": sentences,
        "load_seconds": load_s,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "torch_threads": torch.get_num_threads(),
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
        result = measure(args.mode, args.models, args.articles, args.batch, args.repeats)
        print(json.dumps(result))
        return

    rows = []
    for mode in MODES:
        child = subprocess.run(
            [sys.executable, "-m", "benchmarks.bench_nlp", *(argv or sys.argv[1:]), "--mode", mode],
            capture_output=True,
            text=True,
            check=False,
        )
        if child.returncode != 0:
            raise SystemExit(f"{mode} failed:\n{child.stderr[-3000:]}")
        rows.append(json.loads(child.stdout.strip().splitlines()[-1]))
        print(f"measured {mode}", file=sys.stderr)
    sentences = next(r["sentences"] for r in rows if r["mode"] == "stanza-batched")
    for row in rows:
        row["sentences"] = sentences  # same text in every mode
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
            f"| {r['mode']} | {r['seconds']:.2f} | {r['articles'] / r['seconds']:.1f} | "
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
