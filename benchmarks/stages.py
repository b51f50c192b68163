"""In-process measurements: the stages one by one, pure Stanza, and the Beam graph.

Every function here runs on one already-loaded set of models and returns seconds (and
what it produced), so :mod:`benchmarks.run` can interleave them repetition by
repetition: each figure and its baseline are measured minutes apart at most, on the
same text, under the same machine load.

- :func:`stanza_single`: the full Stanza pipeline, ``nlp(text)`` one article at a time
  (the naive baseline of the NLP stage);
- :func:`stanza_bulk`: the full Stanza pipeline, ``nlp([Document, ...])`` over batches
  of ``nlp_batch_size`` articles (Stanza's own bulk processing);
- :func:`stage_loop`: a plain Python loop calling the pipeline's stage functions in
  order (decode, clean, dedup, language, NLP in batches, entities, events, encode),
  timing each stage (the baseline of the Beam overhead);
- :func:`beam_replay`: the replay graph on the FnApiRunner over the same messages;
- :func:`processor_times`: where the NLP time goes (each Stanza processor, and the
  character LMs inside them), around any of the above.
"""

from __future__ import annotations

import contextlib
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from pipeline.clean.stage import clean_stage
from pipeline.config import Settings
from pipeline.dedup.stage import mark_online
from pipeline.entities.stage import entities_stage
from pipeline.events.stage import events_stage
from pipeline.io.decode import decode_message
from pipeline.nlp import registry
from pipeline.nlp.annotate import convert
from pipeline.nlp.stage import NlpStage, language_stage
from pipeline.records import Article, OutputRecord, RawMessage
from pipeline.transforms import EncodeFn

STAGES = ("decode", "clean", "dedup", "language", "nlp", "entities", "events", "encode")


@dataclass
class LoopResult:
    """What one pass of the stage loop took and gave."""

    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))
    articles: list[Article] = field(default_factory=list)
    records: int = 0

    @property
    def total(self) -> float:
        return sum(self.seconds.values())


def _timed(seconds: dict[str, float], stage: str, fn: Any, *args: Any) -> Any:
    started = time.perf_counter()
    result = fn(*args)
    seconds[stage] += time.perf_counter() - started
    return result


def stage_loop(messages: Sequence[RawMessage], settings: Settings) -> LoopResult:
    """Every stage function in graph order, NLP in batches of ``nlp_batch_size``."""
    out = LoopResult()
    s = out.seconds
    nlp = NlpStage(settings)
    encode = EncodeFn(settings, with_processing=False)
    encode.setup()
    batch = settings.nlp_batch_size
    for i in range(0, len(messages), batch):
        prepared = []
        for message in messages[i : i + batch]:
            article = _timed(s, "decode", decode_message, message)
            article = _timed(s, "clean", clean_stage, article)
            article = _timed(s, "dedup", mark_online, article, settings)
            prepared.append(_timed(s, "language", language_stage, article))
        for result in _timed(s, "nlp", nlp, prepared):
            if not isinstance(result, Article):
                raise RuntimeError(f"the NLP stage failed on an article: {result!r}")
            article = _timed(s, "entities", entities_stage, result)
            article = _timed(s, "events", events_stage, article)
            records: list[OutputRecord] = _timed(
                s, "encode", lambda a: list(encode.process(a)), article
            )
            out.articles.append(article)
            out.records += len(records)
    return out


def clean_bodies(messages: Sequence[RawMessage]) -> list[tuple[str, str]]:
    """(language, clean body) per message, as the pipeline's stages make them."""
    out = []
    for message in messages:
        article = language_stage(clean_stage(decode_message(message)))
        out.append(((article.language or {}).get("code", "und"), article.body))
    return out


def pipelines(settings: Settings, languages: Sequence[str]) -> dict[str, Any]:
    loaded = {}
    for lang in languages:
        found = registry.pipeline_for(settings, lang)
        if found is None:
            raise SystemExit(f"no Stanza models for {lang!r} (models_dir={settings.models_dir})")
        loaded[lang] = found[0]
    return loaded


def stanza_single(
    nlp: dict[str, Any], bodies: Sequence[tuple[str, str]]
) -> tuple[float, list[Any]]:
    """The full Stanza pipeline, one article at a time."""
    started = time.perf_counter()
    docs = [nlp[lang](text) for lang, text in bodies]
    return time.perf_counter() - started, docs


def stanza_bulk(
    nlp: dict[str, Any], bodies: Sequence[tuple[str, str]], batch: int
) -> tuple[float, int]:
    """The full Stanza pipeline over batches of documents (per language, in input order)."""
    import stanza

    started = time.perf_counter()
    sentences = 0
    for i in range(0, len(bodies), batch):
        by_lang: dict[str, list[str]] = defaultdict(list)
        for lang, text in bodies[i : i + batch]:
            by_lang[lang].append(text)
        for lang, texts in by_lang.items():
            docs = nlp[lang]([stanza.Document([], text=t) for t in texts])
            sentences += sum(len(d.sentences) for d in docs)
    return time.perf_counter() - started, sentences


def outputs_from_docs(articles: Sequence[Article], docs: Sequence[Any]) -> list[Article]:
    """Entities and events computed from given Stanza documents (the baseline's), on the
    same prepared articles: what the pipeline would output with that NLP."""
    out = []
    for article, doc in zip(articles, docs, strict=True):
        sentences, mentions = convert(doc)
        annotated = replace(article, sentences=sentences, mentions=mentions, entities=(), events=())
        out.append(events_stage(entities_stage(annotated)))
    return out


def beam_replay(messages: Sequence[RawMessage], settings: Settings) -> tuple[float, dict[str, int]]:
    """The replay graph (FnApiRunner) over in-memory messages; counts records by schema."""
    import apache_beam as beam
    from apache_beam.metrics import Metrics
    from apache_beam.metrics.metric import MetricsFilter

    from pipeline.graph import build_replay
    from pipeline.runner import make_pipeline

    def count(record: OutputRecord) -> None:
        Metrics.counter("bench", record.schema).inc()

    started = time.perf_counter()
    p = make_pipeline()
    _ = build_replay(p, settings, messages) | beam.Map(count)
    result = p.run()
    result.wait_until_finish()
    seconds = time.perf_counter() - started
    counters = {
        c.key.metric.name: int(c.committed)
        for c in result.metrics().query(MetricsFilter().with_namespace("bench"))["counters"]
    }
    return seconds, counters


def prepare(messages: Sequence[RawMessage]) -> list[Article]:
    """The articles as they reach the NLP stage (decoded, cleaned, language set)."""
    return [language_stage(clean_stage(decode_message(m))) for m in messages]


def nlp_stage(articles: Sequence[Article], settings: Settings) -> tuple[float, list[Article]]:
    """The NLP stage alone, over batches of ``nlp_batch_size`` articles."""
    stage = NlpStage(settings)
    out: list[Article] = []
    started = time.perf_counter()
    for i in range(0, len(articles), settings.nlp_batch_size):
        for result in stage(articles[i : i + settings.nlp_batch_size]):
            if not isinstance(result, Article):
                raise RuntimeError(f"the NLP stage failed on an article: {result!r}")
            out.append(result)
    return time.perf_counter() - started, out


def _nlp_chunk(payload: tuple[list[Article], Settings]) -> int:
    import torch

    articles, settings = payload
    torch.set_num_threads(1)
    return len(nlp_stage(articles, settings)[1])


def nlp_workers(articles: Sequence[Article], settings: Settings, workers: int) -> float:
    """Wall time of the NLP stage in ``workers`` forked processes of one torch thread
    each (models loaded before the fork are shared copy-on-write), the articles dealt
    out in turn: how a multi-core machine runs the stage with one thread per worker."""
    import multiprocessing

    chunks = [list(articles[i::workers]) for i in range(workers)]
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        done = sum(pool.map(_nlp_chunk, [(c, settings) for c in chunks]))
    if done != len(articles):
        raise RuntimeError(f"{len(articles)} articles in, {done} out of the workers")
    return time.perf_counter() - started


@contextlib.contextmanager
def processor_times(nlp: dict[str, Any]) -> Iterator[dict[str, float]]:
    """Seconds spent inside each loaded Stanza processor (``"ar.pos"``, ...) and inside
    the character LMs' forward (``"charlm"``, part of pos, depparse and ner) while the
    block runs. Wraps the calls with a timer and nothing else; restored on exit."""
    from stanza.models.common.char_model import CharacterLanguageModel

    from pipeline.nlp import charlm

    charlm.install()  # time the forward the NLP stage runs, not the one it replaces
    times: dict[str, float] = defaultdict(float)

    def timed(fn: Any, key: str) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                times[key] += time.perf_counter() - started

        return wrapper

    forward = CharacterLanguageModel.forward
    CharacterLanguageModel.forward = timed(forward, "charlm")
    processors = [
        (p, f"{lang}.{name}") for lang, pipe in nlp.items() for name, p in pipe.processors.items()
    ]
    for processor, key in processors:
        processor.process = timed(processor.process, key)
    try:
        yield times
    finally:
        CharacterLanguageModel.forward = forward
        for processor, _ in processors:
            del processor.process  # the instance attribute: back to the class's method
