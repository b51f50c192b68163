"""Measure entity resolution speed: milliseconds per article, next to the dictionary load.

    python -m benchmarks.bench_entities [--repeat 200] [FILE ...]

Without files it uses the seed article (``pipeline/samples``), cleaned as the pipeline
cleans it, and an English text of similar length. For each text it reports the time of
the dictionary scan alone and of :func:`resolve_entities` without and with NER mentions
(every dictionary match handed in as a Stanza-like mention), as median and p95 over the
repeats, after one warm-up run: "warm" with the per-token caches filled (a stream of
articles shares most tokens), "cold" with them cleared before every run (a worst case).
The dictionary load (JSON parse and index build) is reported separately: it happens once
per process. The baseline, measured in the same run on the same text: Stanza on that
article (``--models``: a Stanza resources dir; default the shipped tiny models, which are
far faster than the official ones, so the ratio printed is a conservative bound).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

from pipeline.clean import clean_article
from pipeline.entities.dictionary import DATA_PATH, Dictionary
from pipeline.entities.normalize import analyse_token, clitic_splits, normalise_name
from pipeline.entities.resolve import resolve_entities
from pipeline.nlp.base import Mention

SEED = Path(__file__).resolve().parents[1] / "pipeline" / "samples" / "000_818c6b7f0175410d.txt"
ENGLISH = (
    "North Korean leader Kim Jong Un inspected nuclear-capable strategic bombers, hypersonic "
    "missiles and warships on Saturday, accompanied by Russian Defence Minister Sergei "
    "Shoigu, the Korean Central News Agency (KCNA) said. Kim and Shoigu exchanged views on "
    "strategic and tactical coordination between the armed forces of the two countries. "
    "Since then Beijing and Moscow have called for easing sanctions on Pyongyang, while "
    "Washington and Seoul condemned the visit. The UN Security Council banned the "
    "programmes in resolutions last adopted in 2017 with the support of China and Russia. "
) * 4


def _read(path: Path) -> tuple[str, str | None]:
    title, _, body = path.read_text(encoding="utf-8").partition("\n\n")
    if not body:
        return clean_article(title).body, None
    return clean_article(body, title=title.strip()).body, None


def _clear_caches() -> None:
    for cached in (analyse_token, clitic_splits, normalise_name):
        cached.cache_clear()


def _time(fn: Callable[[], object], repeat: int, *, cold: bool = False) -> tuple[float, float]:
    """Median and p95 in ms; ``cold`` clears the token caches before every run."""
    fn()  # warm-up: first-call costs
    samples = []
    for _ in range(repeat):
        if cold:
            _clear_caches()
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_entities",
        description="Entity resolution speed, in milliseconds per article.",
        epilog="example: python -m benchmarks.bench_entities --repeat 500",
    )
    parser.add_argument("files", nargs="*", type=Path, help="articles (.txt); default: seed")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--models", type=Path, default=None, help="Stanza models dir")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    dictionary = Dictionary.from_path(DATA_PATH)
    load_ms = (time.perf_counter() - started) * 1000
    print(f"dictionary load: {load_ms:.1f} ms ({len(dictionary)} entries, once per process)")

    texts: list[tuple[str, str, str | None]] = []
    for path in args.files or [SEED]:
        body, _ = _read(path)
        texts.append((path.name, body, "ar" if path == SEED else None))
    if not args.files:
        texts.append(("english-sample", ENGLISH, "en"))

    for name, body, language in texts:
        matches = dictionary.find_matches(body)
        mentions = [
            Mention(body[m.start : m.end], m.start, m.end, 0, m.entry.type) for m in matches
        ]
        runs: dict[str, Callable[[], object]] = {
            "scan only": partial(dictionary.find_matches, body),
            "resolve, no NER": partial(
                resolve_entities, body, [], [], language, dictionary=dictionary
            ),
            f"resolve, {len(mentions)} NER": partial(
                resolve_entities, body, [], mentions, language, dictionary=dictionary
            ),
        }
        print(f"{name}: {len(body)} chars, {len(matches)} dictionary matches")
        for label, run in runs.items():
            warm = _time(run, args.repeat)
            cold = _time(run, args.repeat, cold=True)
            print(
                f"  {label:<20} warm median {warm[0]:.3f} ms p95 {warm[1]:.3f} ms | "
                f"cold caches median {cold[0]:.3f} ms p95 {cold[1]:.3f} ms"
            )
        stanza_ms = _stanza_ms(body, language or "en", args.models, max(3, args.repeat // 20))
        resolve_ms = _time(runs["resolve, no NER"], args.repeat, cold=True)[0]
        print(
            f"  baseline: Stanza on the same text {stanza_ms:.1f} ms; entity resolution "
            f"(cold) is {resolve_ms / stanza_ms:.1%} of it"
        )
    return 0


def _stanza_ms(body: str, language: str, models: Path | None, repeat: int) -> float:
    from pipeline.config import Settings
    from pipeline.nlp import registry

    settings = Settings(models_dir=str(models) if models else None)
    loaded = registry.pipeline_for(settings, language)
    if loaded is None:
        raise SystemExit(f"no Stanza models for {language}")
    nlp = loaded[0]
    nlp(body)
    return _time(lambda: nlp(body), repeat)[0]


if __name__ == "__main__":
    raise SystemExit(main())
