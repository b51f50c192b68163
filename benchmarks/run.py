"""Every benchmark figure in one command, each next to its baseline from the same run.

    python -m benchmarks.run                # full-size models (benchmarks/.models/fullsize)
    python -m benchmarks.run --quick        # the shipped tiny models, small corpus: minutes
    python -m benchmarks.run --articles 16 --repeats 3 --latency-articles 20

Build the full-size models once with ``python -m benchmarks.build_fullsize_models --out
benchmarks/.models/fullsize`` (models of the official default dimensions, built offline;
they cost what the official ones cost). Everything runs in this one process on one
fixed generated corpus (:mod:`benchmarks.corpus`), models loaded once, torch limited
to ``--threads`` intra-op threads (default 1: per-core figures):

1. NLP, repeated ``--repeats`` times with the modes' order rotated every time: the full
   Stanza pipeline one article at a time (baseline), Stanza's bulk processing of the
   same documents, the NLP stage with the parser pre-filter off, the NLP stage with
   character-LM sharing off, the NLP stage with the fused character-LM kernel off, and
   the stage loop (every stage function in a plain
   Python loop; its NLP stage has both on, the defaults).
   Speed-ups are medians of the per-repetition ratios. The entities and events computed
   from the baseline's documents and from the stage's are compared article by article.
2. Per-stage throughput, from the stage loop.
3. Beam overhead: the replay graph (FnApiRunner) on the same messages against the loop,
   in the same repetitions.
4. Through the embedded broker: maximum throughput over the whole generated corpus
   (the NLP articles and the latency ones: produce all, run until caught up), the
   pipeline's overhead against the NLP time inside that run, and the part of it paid
   once per run (the graph on an empty topic); then latency percentiles at a fixed
   offered load of half that maximum, on fresh topics.
5. Start-up costs (lingua, Stanza loading), torch 1 vs 2 threads on the NLP stage,
   peak memory (this process, and the broker's).
6. Where the NLP time goes: one more pass of the baseline and of the stage with every
   Stanza processor, and the character LMs inside them, timed.

Results go to ``benchmarks/results/benchmark[-quick].json``; the tables are printed.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "results"
FULLSIZE = ROOT / ".models" / "fullsize"
TINY = ROOT.parent / "pipeline" / "nlp" / "models"


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _current_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def _same_outputs(a: Sequence[Any], b: Sequence[Any]) -> int:
    """How many articles have identical entities and events in both lists."""
    return sum(x.entities == y.entities and x.events == y.events for x, y in zip(a, b, strict=True))


def _lingua_preloaded() -> dict[str, float]:
    """Time and memory to load every one of the detector's languages up front (the
    pipeline loads them lazily, only for the languages it meets)."""
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    from pipeline.nlp.language import NEWS_LANGUAGES

    languages = [
        Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in NEWS_LANGUAGES
    ]
    before = _current_rss_mb()
    started = time.perf_counter()
    built = LanguageDetectorBuilder.from_languages(*languages)
    detector = built.with_preloaded_language_models().build()
    seconds = time.perf_counter() - started
    grown = _current_rss_mb() - before
    del detector
    return {"languages": len(languages), "seconds": seconds, "rss_growth_mb": grown}


def measure(args: argparse.Namespace) -> dict[str, Any]:
    import torch

    from benchmarks import live, stages
    from benchmarks.corpus import generate
    from pipeline.config import Settings
    from pipeline.entities.stage import entities_stage
    from pipeline.events.stage import events_stage
    from pipeline.io import broker
    from pipeline.nlp.language import detector, identify
    from pipeline.records import Provenance, RawMessage

    torch.set_num_threads(args.threads)
    state = tempfile.mkdtemp(prefix="newswire-bench-")
    settings = Settings(
        models_dir=str(args.models),
        nlp_batch_size=args.batch,
        torch_threads=args.threads,
        state_dir=state,
    )
    corpus = generate(args.articles + args.latency_articles + 1)
    values = [json.dumps(a, ensure_ascii=False).encode("utf-8") for a in corpus]
    messages = [
        RawMessage(value=v, provenance=Provenance(kind="file", file="benchmark", line=i))
        for i, v in enumerate(values[: args.articles])
    ]
    result: dict[str, Any] = {"rss_mb": {"start": _current_rss_mb()}}

    started = time.perf_counter()
    detector()
    for article in corpus[:2]:  # one per language: lingua loads its models lazily
        identify(article["body"])
    result["load_s"] = {"lingua": time.perf_counter() - started}
    started = time.perf_counter()
    nlp = stages.pipelines(settings, ["ar", "en"])
    result["load_s"]["stanza"] = time.perf_counter() - started
    result["rss_mb"]["models_loaded"] = _current_rss_mb()
    with multiprocessing.get_context("fork").Pool(1) as pool:  # keeps this process's peak
        result["lingua_all_preloaded"] = pool.apply(_lingua_preloaded)

    bodies = stages.clean_bodies(messages)
    prepared = stages.prepare(messages)
    no_prefilter = settings.replace(nlp_prefilter=False)
    no_sharing = settings.replace(nlp_share_charlm=False)
    unfused = settings.replace(nlp_fused_charlm=False)

    # Warm-up: lazy initialisation and first allocations of every path, on two articles.
    stages.stage_loop(messages[:2], settings)
    stages.nlp_stage(prepared[:2], no_prefilter)
    stages.nlp_stage(prepared[:2], no_sharing)
    stages.nlp_stage(prepared[:2], unfused)
    stages.stanza_single(nlp, bodies[:2])
    stages.stanza_bulk(nlp, bodies[:2], args.batch)
    stages.beam_replay(messages[:2], settings)

    runs: dict[str, list[float]] = {}
    loops: list[stages.LoopResult] = []
    kept: dict[str, Any] = {}

    def single() -> float:
        seconds, docs = stages.stanza_single(nlp, bodies)
        kept.setdefault("single_docs", docs)
        kept["sentences"] = sum(len(d.sentences) for d in docs)
        return seconds

    def bulk() -> float:
        return stages.stanza_bulk(nlp, bodies, args.batch)[0]

    def off() -> float:
        seconds, annotated = stages.nlp_stage(prepared, no_prefilter)
        kept.setdefault("no_prefilter", annotated)
        return seconds

    def unshared() -> float:
        seconds, annotated = stages.nlp_stage(prepared, no_sharing)
        kept.setdefault("no_sharing", annotated)
        return seconds

    def packed() -> float:
        seconds, annotated = stages.nlp_stage(prepared, unfused)
        kept.setdefault("unfused", annotated)
        return seconds

    def loop() -> float:
        out = stages.stage_loop(messages, settings)
        loops.append(out)
        return out.total

    def beam() -> float:
        seconds, counters = stages.beam_replay(messages, settings)
        if counters.get("EnrichedArticle", 0) != len(messages) or counters.get("DeadLetter"):
            raise RuntimeError(f"the replay graph did not enrich every article: {counters}")
        return seconds

    modes: dict[str, Callable[[], float]] = {
        "stanza-single": single,
        "stanza-bulk": bulk,
        "nlp-stage-no-prefilter": off,
        "nlp-stage-no-charlm-sharing": unshared,
        "nlp-stage-no-fused-charlm": packed,
        "stage-loop": loop,
        "beam-replay": beam,
    }
    names = list(modes)
    for r in range(args.repeats):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            print(f"  repeat {r + 1}/{args.repeats}: {name}", file=sys.stderr, flush=True)
            runs.setdefault(name, []).append(modes[name]())
    runs["nlp-stage"] = [lp.seconds["nlp"] for lp in loops]
    result["runs_s"] = runs
    result["stage_loop_s"] = {s: [lp.seconds[s] for lp in loops] for s in stages.STAGES}
    result["articles"] = len(messages)
    result["sentences"] = kept["sentences"]
    result["unparsed_sentences"] = sum(not s.parsed for a in loops[0].articles for s in a.sentences)

    baseline = stages.outputs_from_docs(prepared, kept["single_docs"])
    unfiltered = [events_stage(entities_stage(a)) for a in kept["no_prefilter"]]
    unshared_out = [events_stage(entities_stage(a)) for a in kept["no_sharing"]]
    unfused_out = [events_stage(entities_stage(a)) for a in kept["unfused"]]
    result["identical_outputs"] = {
        "stage_vs_single_article_stanza": _same_outputs(loops[0].articles, baseline),
        "prefilter_on_vs_off": _same_outputs(loops[0].articles, unfiltered),
        "charlm_sharing_on_vs_off": _same_outputs(loops[0].articles, unshared_out),
        "fused_charlm_on_vs_off": _same_outputs(loops[0].articles, unfused_out),
        "of": len(messages),
    }
    # What was compared: an identity of empty outputs would say nothing.
    result["outputs_compared"] = {
        "entities": sum(len(a.entities) for a in baseline),
        "mentions": sum(len(a.mentions) for a in baseline),
        "events": sum(len(a.events) for a in baseline),
    }

    # Where the time goes: one more pass of each, every processor (and the character
    # LMs inside them) timed; not part of the medians above.
    profile: dict[str, dict[str, float]] = {}
    passes: list[tuple[str, Callable[[], float]]] = [
        ("stanza-single", lambda: stages.stanza_single(nlp, bodies)[0]),
        ("nlp-stage", lambda: stages.nlp_stage(prepared, settings)[0]),
    ]
    for name, run in passes:
        with stages.processor_times(nlp) as times:
            total = run()
        profile[name] = dict(times) | {"total": total}
    result["profile_s"] = profile

    if args.threads_check:
        subset = prepared[: max(2, args.articles // 4)]
        timing: dict[str, list[float]] = {"1": [], "2": []}
        for _ in range(2):
            for n in ("1", "2"):
                torch.set_num_threads(int(n))
                timing[n].append(stages.nlp_stage(subset, settings)[0])
        torch.set_num_threads(args.threads)
        result["torch_threads_nlp_s"] = timing | {"articles": len(subset)}

    if args.cores_check:
        # The whole machine: naive Stanza with torch using every core, against the NLP
        # stage in one single-threaded worker process per core.
        cores = os.cpu_count() or 1
        whole: dict[str, list[float]] = {"stanza_single_all_threads": [], "nlp_stage_workers": []}
        for _ in range(2):
            torch.set_num_threads(cores)
            whole["stanza_single_all_threads"].append(stages.stanza_single(nlp, bodies)[0])
            torch.set_num_threads(args.threads)
            whole["nlp_stage_workers"].append(stages.nlp_workers(prepared, settings, cores))
        result["whole_machine_s"] = whole | {"cores": cores}

    if args.broker:
        port = broker.free_port()
        live_settings = settings.replace(broker_port=port)
        broker.start(state, port)
        try:
            top = live.max_throughput(live_settings, values)  # the whole generated corpus
            result["live_max"] = top
            rate = top["articles_per_s"] / 2
            tail = values[args.articles :]
            result["live_latency"] = live.latency(live_settings, tail[1:], tail[0], rate)
            # The same load with the source's former poll timeout (500 ms), for comparison.
            slow_poll = live_settings.replace(poll_timeout_ms=500)
            result["live_latency_poll_500ms"] = live.latency(slow_poll, tail[1:], tail[0], rate)
            result["rss_mb"]["broker_peak"] = live.broker_peak_rss_mb(state)
        finally:
            broker.stop(state)
    result["rss_mb"]["peak"] = _rss_mb()
    return result


def report(result: dict[str, Any], args: argparse.Namespace) -> str:
    runs = result["runs_s"]
    n, sents = result["articles"], result["sentences"]
    med = {k: _median(v) for k, v in runs.items()}
    single = runs["stanza-single"]

    def ratio(mode: str) -> float:
        return _median([s / m for s, m in zip(single, runs[mode], strict=True)])

    lines = [
        f"newswire benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: {n} articles "
        f"({sents} sentences, Arabic + English), models {args.models}, torch threads "
        f"{args.threads}, nlp_batch_size {args.batch}, median of {args.repeats} "
        f"interleaved repetitions; {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}",
        "",
        "NLP (the same clean bodies; speed-up = median of per-repetition ratios)",
        "",
        "| mode | seconds | sentences/s | vs one article at a time |",
        "|---|---|---|---|",
    ]
    for mode in (
        "stanza-single",
        "stanza-bulk",
        "nlp-stage-no-prefilter",
        "nlp-stage-no-charlm-sharing",
        "nlp-stage-no-fused-charlm",
        "nlp-stage",
    ):
        lines.append(f"| {mode} | {med[mode]:.2f} | {sents / med[mode]:.1f} | {ratio(mode):.2f}x |")
    same = result["identical_outputs"]
    lines += [
        "",
        f"Sentences left unparsed by the pre-filter: {result['unparsed_sentences']} of {sents}. "
        f"Identical entities and events: stage vs one-article Stanza "
        f"{same['stage_vs_single_article_stanza']}/{same['of']} articles, pre-filter on vs "
        f"off {same['prefilter_on_vs_off']}/{same['of']}, character-LM sharing on vs off "
        f"{same['charlm_sharing_on_vs_off']}/{same['of']}, fused character-LM kernel on vs "
        f"off {same['fused_charlm_on_vs_off']}/{same['of']} (the baseline's outputs hold "
        f"{result['outputs_compared']['mentions']} NER mentions, "
        f"{result['outputs_compared']['entities']} entities and "
        f"{result['outputs_compared']['events']} events).",
        "",
        "Where the NLP time goes (one extra pass of each, every Stanza processor timed; "
        "charlm: the character LMs, inside pos, depparse and ner)",
        "",
        "| part | Stanza one article at a time (s) | NLP stage (s) |",
        "|---|---|---|",
        *(
            f"| {part} | {result['profile_s']['stanza-single'].get(part, 0.0):.2f} | "
            f"{result['profile_s']['nlp-stage'].get(part, 0.0):.2f} |"
            for part in sorted(
                set(result["profile_s"]["stanza-single"]) | set(result["profile_s"]["nlp-stage"]),
                key=lambda k: (k == "total", k == "charlm", k),
            )
        ),
        "",
        "Per stage (plain Python loop calling the stage functions)",
        "",
        "| stage | ms/article | articles/s | share of loop |",
        "|---|---|---|---|",
    ]
    loop_total = med["stage-loop"]
    for stage, times in result["stage_loop_s"].items():
        m = _median(times)
        rate = f"{n / m:.1f}" if m > 0 else "-"
        lines.append(f"| {stage} | {1000 * m / n:.2f} | {rate} | {m / loop_total:.1%} |")
    nlp = med["nlp-stage"]
    beam_over = _median(
        [
            (b - lp) / s
            for b, lp, s in zip(
                runs["beam-replay"], runs["stage-loop"], runs["nlp-stage"], strict=True
            )
        ]
    )
    around = _median(
        [(lp - s) / s for lp, s in zip(runs["stage-loop"], runs["nlp-stage"], strict=True)]
    )
    lines += [
        "",
        f"Everything but NLP in the loop: {around:+.1%} of NLP time; Beam replay graph vs the "
        f"loop: {beam_over:+.1%} of NLP time (loop {loop_total:.2f} s, Beam "
        f"{med['beam-replay']:.2f} s, NLP {nlp:.2f} s).",
    ]
    if "live_max" in result:
        top, lat = result["live_max"], result["live_latency"]
        lines += [
            "",
            "Through the embedded broker (live graph, FnApiRunner, kafka-python, Avro)",
            "",
            f"- maximum throughput: {top['articles']} articles in {top['wall_s']:.2f} s = "
            f"{top['articles_per_s']:.3f} articles/s; NLP inside the run {top['nlp_s']:.2f} s; "
            f"everything else (Beam start-up and polling, Kafka, Avro, cleaning, ...) "
            f"{top['overhead_s']:.2f} s = {top['overhead_vs_nlp']:+.1%} of NLP time; of "
            f"that, {top['empty_run_s']:.2f} s is paid once per run (the same graph on an "
            f"empty topic), the rest {top['per_article_overhead_vs_nlp']:+.1%} of NLP time",
            f"- latency, produce to enriched record, at {lat['offered_per_s']:.3f} articles/s "
            f"(half the maximum), {lat['articles']} articles: p50 {lat['p50_ms']:.0f} ms, "
            f"p95 {lat['p95_ms']:.0f} ms, p99 {lat['p99_ms']:.0f} ms (mean NLP "
            f"{lat['mean_nlp_ms']:.0f} ms per article; source poll timeout "
            f"{lat['poll_timeout_ms']} ms)",
        ]
        if "live_latency_poll_500ms" in result:
            slow = result["live_latency_poll_500ms"]
            lines.append(
                f"- the same load with a {slow['poll_timeout_ms']} ms poll timeout: p50 "
                f"{slow['p50_ms']:.0f} ms, p95 {slow['p95_ms']:.0f} ms, p99 {slow['p99_ms']:.0f} ms"
            )
    if "torch_threads_nlp_s" in result:
        t = result["torch_threads_nlp_s"]
        one, two = _median(t["1"]), _median(t["2"])
        lines += [
            "",
            f"torch threads, NLP stage on {t['articles']} articles: 1 thread {one:.2f} s, "
            f"2 threads {two:.2f} s ({one / two:.2f}x)",
        ]
    if "whole_machine_s" in result:
        w = result["whole_machine_s"]
        naive, workers = _median(w["stanza_single_all_threads"]), _median(w["nlp_stage_workers"])
        lines += [
            "",
            f"Whole machine ({w['cores']} cores): Stanza one article at a time with torch on "
            f"{w['cores']} threads {naive:.2f} s; the NLP stage in {w['cores']} worker "
            f"processes of 1 thread {workers:.2f} s ({naive / workers:.2f}x)",
        ]
    rss, load = result["rss_mb"], result["load_s"]
    broker_rss = rss.get("broker_peak")
    lines += [
        "",
        f"Start-up: lingua {load['lingua']:.2f} s (the languages met; all "
        f"{result['lingua_all_preloaded']['languages']} preloaded: "
        f"{result['lingua_all_preloaded']['seconds']:.2f} s, "
        f"+{result['lingua_all_preloaded']['rss_growth_mb']:.0f} MB), Stanza ar+en "
        f"{load['stanza']:.2f} s. "
        f"Memory: {rss['start']:.0f} MB at start, {rss['models_loaded']:.0f} MB with the "
        f"models loaded, peak {rss['peak']:.0f} MB"
        + (f"; broker peak {broker_rss:.0f} MB" if broker_rss else ""),
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="tiny models, small corpus")
    parser.add_argument("--models", type=Path, help="Stanza resources dir")
    parser.add_argument("--articles", type=int, help="corpus size (default 16; quick 12)")
    parser.add_argument("--latency-articles", type=int, help="articles in the latency run")
    parser.add_argument("--repeats", type=int, help="interleaved repetitions (default 3)")
    parser.add_argument("--batch", type=int, default=32, help="nlp_batch_size")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    parser.add_argument("--no-broker", dest="broker", action="store_false")
    parser.add_argument("--no-threads-check", dest="threads_check", action="store_false")
    parser.add_argument("--no-cores-check", dest="cores_check", action="store_false")
    args = parser.parse_args(argv)
    args.models = args.models or (TINY if args.quick else FULLSIZE)
    args.articles = args.articles or (12 if args.quick else 16)
    args.latency_articles = args.latency_articles or (12 if args.quick else 20)
    args.repeats = args.repeats or (2 if args.quick else 3)
    if not (args.models / "resources.json").exists():
        raise SystemExit(
            f"no models in {args.models}; build them with "
            "`python -m benchmarks.build_fullsize_models --out benchmarks/.models/fullsize` "
            "or use --quick"
        )
    # Before torch is imported: its OpenMP/MKL pools get the same thread count.
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    from pipeline.runner import quiet_libraries

    quiet_libraries()
    started = time.perf_counter()
    result = measure(args)
    result["total_s"] = time.perf_counter() - started
    result["args"] = {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}
    result["machine"] = {
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_average_at_end": os.getloadavg(),
    }
    text = report(result, args)
    result["report"] = text
    RESULTS.mkdir(exist_ok=True)
    name = "benchmark-quick.json" if args.quick else "benchmark.json"
    (RESULTS / name).write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
    print(text)
    print(f"\n(total {result['total_s']:.0f} s; results in {RESULTS / name})")


if __name__ == "__main__":
    main()
