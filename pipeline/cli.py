"""The ``newswire`` command line: demo, broker, produce, run, replay, tail, audit.

Application flags are parsed here (typer); anything after ``--`` on ``run`` is handed to
Beam untouched as pipeline options.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pipeline import __version__
from pipeline.config import Settings, load_settings, redact_secrets_in_logs
from pipeline.errors import NewswireError

app = typer.Typer(
    help="newswire: Kafka -> Beam -> clean, enriched Avro news records.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
    # A traceback's local variables may hold client configurations with secrets in them.
    pretty_exceptions_show_locals=False,
)
broker_app = typer.Typer(help="The embedded Kafka-compatible broker (loopback only).")
app.add_typer(broker_app, name="broker")
models_app = typer.Typer(help="Stanza models: download, list, path.")
app.add_typer(models_app, name="models")
err = Console(stderr=True, soft_wrap=True)

SAMPLES = Path(__file__).resolve().parent / "samples"

BootstrapOpt = Annotated[
    str | None,
    typer.Option(
        "--bootstrap-servers", "-b", help="Real Kafka (host:port,...); default: embedded broker."
    ),
]
ConfigOpt = Annotated[
    Path | None, typer.Option("--config", help="TOML settings file (flags and env win).")
]
StateOpt = Annotated[
    Path | None, typer.Option("--state-dir", help="Where the embedded broker keeps pid/log.")
]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Log library details.")]


def _settings(
    bootstrap: str | None = None,
    config: Path | None = None,
    state_dir: Path | None = None,
    **flags: Any,
) -> Settings:
    settings = load_settings(
        {
            "bootstrap_servers": bootstrap,
            "state_dir": str(state_dir) if state_dir else None,
            **flags,
        },
        config_file=config,
    )
    redact_secrets_in_logs(settings)
    _loaded.append(settings)
    return settings


_loaded: list[Settings] = []  # what this command loaded, to word (and redact) its errors


def _fail(message: str) -> None:
    err.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(2)


def _require_broker(settings: Settings) -> None:
    from pipeline.io import broker

    if settings.uses_embedded_broker and not broker.status(settings.state_dir).running:
        _fail(
            f"no embedded broker runs on 127.0.0.1:{settings.broker_port}; start one with "
            "`newswire broker start`, or pass --bootstrap-servers for a real Kafka"
        )


@broker_app.command("start")
def broker_start(
    bootstrap: BootstrapOpt = None, config: ConfigOpt = None, state_dir: StateOpt = None
) -> None:
    """Start the embedded broker on 127.0.0.1 and create the pipeline's topics.

    Example: `newswire broker start && newswire produce pipeline/samples/*.txt`
    """
    from pipeline.io import broker

    settings = _settings(bootstrap, config, state_dir)
    st = broker.start(settings.state_dir, settings.broker_port)
    broker.ensure_topics(settings)
    err.print(f"broker running: pid {st.pid}, 127.0.0.1:{st.port}, log {st.log}")


@broker_app.command("stop")
def broker_stop(config: ConfigOpt = None, state_dir: StateOpt = None) -> None:
    """Stop the embedded broker (its topics are in memory and are dropped)."""
    from pipeline.io import broker

    settings = _settings(None, config, state_dir)
    err.print("broker stopped" if broker.stop(settings.state_dir) else "no broker was running")


@broker_app.command("status")
def broker_status(config: ConfigOpt = None, state_dir: StateOpt = None) -> None:
    """Say whether the embedded broker runs (exit code 1 when it does not)."""
    from pipeline.io import broker

    settings = _settings(None, config, state_dir)
    info = broker.describe(settings)
    print(json.dumps(info))
    if not info["running"]:
        raise typer.Exit(1)


def _producer_records(files: list[Path]) -> Iterator[tuple[bytes | None, bytes]]:
    """(key, value) per article: JSON Lines lines as they are, text files as JSON."""
    from pipeline.io.decode import parse_text_article
    from pipeline.io.files import read_inputs
    from pipeline.records import content_id

    for message in read_inputs(files):
        if message.headers:  # a plain-text file: send the JSON envelope of the contract
            article = parse_text_article(message.value.decode("utf-8", "replace"))
            article["id"] = content_id(article["body"])
            yield article["id"].encode(), json.dumps(article, ensure_ascii=False).encode()
        else:
            yield message.key, message.value


def produce_files(settings: Settings, files: list[Path], topic: str) -> int:
    from kafka import KafkaProducer

    producer = KafkaProducer(acks="all", enable_idempotence=True, **settings.kafka_client_config())
    records = list(_producer_records(files))
    with _progress() as progress:
        task = progress.add_task("producing", total=len(records))
        for key, value in records:
            producer.send(topic, key=key, value=value)
            progress.advance(task)
        producer.flush()
    producer.close()
    return len(records)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )


ModelsDirOpt = Annotated[
    Path | None, typer.Option("--models-dir", help="Where downloaded models live.")
]


@models_app.command("download")
def models_download(
    languages: Annotated[list[str], typer.Argument(help="ISO 639-1 codes, e.g. ar en.")],
    models_dir: ModelsDirOpt = None,
    config: ConfigOpt = None,
    state_dir: StateOpt = None,
) -> None:
    """Download the official Stanza models (needs the internet; done at image build time).

    Example: `newswire models download ar en --models-dir /models`
    """
    from pipeline.nlp import registry

    settings = _settings(
        None, config, state_dir, models_dir=str(models_dir) if models_dir else None
    )
    for lang in languages:
        try:
            target = registry.download(settings, lang)
        except Exception as exc:  # noqa: BLE001 - network and hub errors, reported plainly
            _fail(f"downloading {lang} failed: {type(exc).__name__}: {exc}")
        err.print(f"{lang}: installed in {target}")


@models_app.command("list")
def models_list(
    models_dir: ModelsDirOpt = None, config: ConfigOpt = None, state_dir: StateOpt = None
) -> None:
    """List installed languages, where their models are, and their size.

    Example: `newswire models list`
    """
    from pipeline.nlp import registry

    settings = _settings(
        None, config, state_dir, models_dir=str(models_dir) if models_dir else None
    )
    for found in registry.installed(settings):
        print(
            json.dumps(
                {
                    "language": found.lang,
                    "directory": str(found.directory),
                    "packages": found.packages,
                    "megabytes": round(found.size_bytes / 1e6, 2),
                }
            )
        )


@models_app.command("path")
def models_path(
    language: Annotated[str | None, typer.Argument(help="A language; none: download dir.")] = None,
    models_dir: ModelsDirOpt = None,
    config: ConfigOpt = None,
    state_dir: StateOpt = None,
) -> None:
    """Print the directory models are downloaded to, or that serves LANGUAGE.

    Example: `newswire models path ar`
    """
    from pipeline.nlp import registry

    settings = _settings(
        None, config, state_dir, models_dir=str(models_dir) if models_dir else None
    )
    if language is None:
        print(registry.default_download_dir(settings))
        return
    found = registry.find(settings, language)
    if found is None:
        _fail(f"no models for {language}; install with `{registry.install_command(language)}`")
    else:
        print(found.directory)


@app.command()
def produce(
    files: Annotated[list[Path], typer.Argument(help="Text, JSON Lines (.gz too) or folders.")],
    topic: Annotated[str | None, typer.Option(help="Topic; default: the raw topic.")] = None,
    bootstrap: BootstrapOpt = None,
    config: ConfigOpt = None,
    state_dir: StateOpt = None,
) -> None:
    """Send articles to the raw topic.

    Examples: `newswire produce pipeline/samples/` ;
    `newswire produce archive.jsonl.gz --topic news.raw -b kafka:9092`
    """
    settings = _settings(bootstrap, config, state_dir)
    _require_broker(settings)
    count = produce_files(settings, files, topic or settings.raw_topic)
    err.print(f"produced {count} articles to {topic or settings.raw_topic}")


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def run(
    ctx: typer.Context,
    bootstrap: BootstrapOpt = None,
    runner: Annotated[str, typer.Option(help="Beam runner.")] = "FnApiRunner",
    idle_timeout: Annotated[
        float | None, typer.Option(help="Stop after this many seconds with nothing new.")
    ] = None,
    group_id: Annotated[str | None, typer.Option(help="Consumer group.")] = None,
    require_languages: Annotated[
        str | None, typer.Option(help="Fail at start-up unless these (a,b) have models.")
    ] = None,
    config: ConfigOpt = None,
    state_dir: StateOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Run the live pipeline: raw topic -> enriched and dead-letter topics.

    Examples: `newswire run` (embedded broker, runs until stopped);
    `newswire run --idle-timeout 30`; `newswire run -b kafka:9092 -- --direct_num_workers=1`
    """
    from pipeline.graph import build_live
    from pipeline.runner import quiet_libraries, run_graph

    quiet_libraries(verbose)
    settings = _settings(
        bootstrap, config, state_dir, group_id=group_id, require_languages=require_languages
    )
    from pipeline.io import broker
    from pipeline.nlp import registry

    if settings.require_languages:
        registry.require(settings, [x.strip() for x in settings.require_languages.split(",")])
    _require_broker(settings)

    broker.ensure_topics(settings)
    err.print(f"newswire {__version__}: reading {settings.raw_topic} at {settings.bootstrap}")
    run_graph(
        lambda p: build_live(p, settings, idle_timeout_s=idle_timeout),
        runner=runner,
        beam_args=ctx.args,
    )


SHARD_RECORDS = 50_000
"""Replay writes one file per kind for each this many inputs, unless --shards says."""


def _replay_source(settings: Settings, inputs: list[str]) -> tuple[Any, int]:
    """(bounded Beam source, expected input count) for files/folders or a topic range."""
    from pipeline.io import files, kafka_range

    ranges = [i for i in inputs if i.startswith(kafka_range.PREFIX)]
    if ranges:
        if len(inputs) != 1:
            _fail("replay reads either files or one kafka:TOPIC range, not both")
        _require_broker(settings)
        planned = kafka_range.plan(settings, kafka_range.parse_range(ranges[0]))
        return kafka_range.ReadKafkaRange(planned), kafka_range.expected_count(planned)
    try:
        paths = files.expand_paths(inputs)
    except FileNotFoundError as exc:
        _fail(str(exc))
    if not paths:
        _fail(f"no article files (.txt, .jsonl[.gz], .avro) in {' '.join(inputs)}")
    return files.ReadFiles(paths), sum(files.count_messages(p) for p in paths)


class _ReplayProgress:
    """A progress bar fed by the live tally while the graph runs (stderr, terminals)."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.progress = Progress(
            TextColumn("replay"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]} articles/s"),
            TextColumn("{task.fields[counts]}"),
            TimeElapsedColumn(),
            console=err,
            transient=True,
            disable=not err.is_terminal,
        )
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._update, daemon=True)

    def __enter__(self) -> _ReplayProgress:
        from pipeline.progress import reset_live_counts

        reset_live_counts()
        self.started = time.monotonic()
        self.task = self.progress.add_task("replay", total=self.expected, rate="0", counts="")
        self.progress.start()
        self._thread.start()
        return self

    def _update(self) -> None:
        from pipeline.progress import live_counts

        while not self._stop.wait(0.5):
            counts = live_counts()
            done = counts.get("enriched", 0) + sum(
                v for k, v in counts.items() if k.startswith("dead.")
            )
            rate = done / max(time.monotonic() - self.started, 1e-9)
            dead = sum(v for k, v in counts.items() if k.startswith("dead."))
            dups = sum(v for k, v in counts.items() if k.startswith("duplicate."))
            self.progress.update(
                self.task,
                completed=done,
                rate=f"{rate:.1f}",
                counts=f"enriched {counts.get('enriched', 0)}, dead {dead}, duplicates {dups}",
            )

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.progress.stop()


def _print_replay_summary(
    counts: dict[str, int], secs: float, outputs: list[str], summary_file: Path | None
) -> None:
    dead = {k.removeprefix("dead."): v for k, v in sorted(counts.items()) if k.startswith("dead.")}
    dups = {
        k.removeprefix("duplicate."): v
        for k, v in sorted(counts.items())
        if k.startswith("duplicate.")
    }
    table = Table(title="replay summary")
    table.add_column("")
    table.add_column("count", justify="right")
    table.add_row("inputs", str(counts.get("in", 0)))
    table.add_row("enriched", str(counts.get("enriched", 0)))
    for kind, n in dups.items():
        table.add_row(f"  flagged duplicate ({kind})", str(n))
    table.add_row("events", str(counts.get("events", 0)))
    table.add_row("dead-lettered", str(sum(dead.values())))
    for stage, n in dead.items():
        table.add_row(f"  at {stage}", str(n))
    rate = counts.get("in", 0) / secs if secs > 0 else 0.0
    table.add_row("seconds", f"{secs:.1f} ({rate:.1f} inputs/s)")
    err.print(table)
    for path in outputs:
        err.print(f"wrote {path}")
    if summary_file is not None:
        report = {
            "inputs": counts.get("in", 0),
            "enriched": counts.get("enriched", 0),
            "events": counts.get("events", 0),
            "dead_lettered": sum(dead.values()),
            "dead_by_stage": dead,
            "duplicates_by_kind": dups,
            "seconds": round(secs, 3),
            "outputs": outputs,
        }
        summary_file.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def replay(
    ctx: typer.Context,
    inputs: Annotated[
        list[str],
        typer.Argument(
            help="Files or folders (.txt, .jsonl, .jsonl.gz, .avro of RawArticle), "
            "or one topic range kafka:TOPIC?from=TIME&to=TIME (or from_offset/to_offset)."
        ),
    ],
    output: Annotated[
        str, typer.Option("--output", "-o", help="'-', OUT.jsonl, OUT.avro or kafka:TOPIC.")
    ] = "-",
    shards: Annotated[
        int | None,
        typer.Option(help=f"Output files per kind; default: one per {SHARD_RECORDS:,} inputs."),
    ] = None,
    summary: Annotated[
        Path | None, typer.Option(help="Also write the end-of-run summary here as JSON.")
    ] = None,
    bootstrap: BootstrapOpt = None,
    config: ConfigOpt = None,
    state_dir: StateOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Run archived articles through the same graph as `run`, in batch.

    Duplicates are flagged over the whole input; files come out byte-identical for the
    same input and models; a replay never commits the live consumer group's offsets.
    Examples: `newswire replay pipeline/samples/ -o out.avro` (also out.events.avro,
    out.dlq.avro) ; `newswire replay archive.jsonl.gz -o -` ;
    `newswire replay 'kafka:news.raw?from=2023-09-10T00:00Z&to=2023-09-11T00:00Z' -o day.avro` ;
    Beam options after `--`, e.g. `-- --direct_num_workers=2
    --direct_running_mode=multi_processing` (the live bar then waits; the summary is exact)
    """
    from pipeline.errors import InputError
    from pipeline.graph import build_replay
    from pipeline.io.outputs import SIBLINGS, WriteReplayOutput, shard_path
    from pipeline.progress import summary as metric_summary
    from pipeline.runner import quiet_libraries, run_graph

    quiet_libraries(verbose)
    settings = _settings(bootstrap, config, state_dir)
    if output.startswith("kafka:"):
        _require_broker(settings)
    # After `--`, click hands Beam's options to INPUTS: take them back by their `--`.
    beam_args = [*ctx.args, *(i for i in inputs if i.startswith("--"))]
    inputs = [i for i in inputs if not i.startswith("--")]
    try:
        source, expected = _replay_source(settings, inputs)
    except InputError as exc:
        _fail(str(exc))
    num_shards = shards if shards is not None else max(1, -(-expected // SHARD_RECORDS))
    if num_shards < 1:
        _fail("--shards must be at least 1")
    started = time.monotonic()
    with _ReplayProgress(expected):
        result = run_graph(
            lambda p: (
                build_replay(p, settings, source, count=True)
                | "Write" >> WriteReplayOutput(output, settings, num_shards)
            ),
            beam_args=beam_args,
        )
    written = []
    if output != "-" and not output.startswith("kafka:"):
        written = [
            shard_path(output, kind, i, num_shards)
            for kind in SIBLINGS.values()
            for i in range(num_shards)
        ]
    _print_replay_summary(metric_summary(result), time.monotonic() - started, written, summary)


@app.command()
def tail(
    topic: Annotated[str, typer.Argument(help="Topic to decode.")] = "news.enriched",
    from_beginning: Annotated[bool, typer.Option(help="Start at the oldest record.")] = False,
    limit: Annotated[int | None, typer.Option(help="Stop after N matching records.")] = None,
    idle_timeout: Annotated[
        float | None, typer.Option(help="Stop after this many seconds with nothing new.")
    ] = None,
    language: Annotated[
        list[str] | None, typer.Option("--language", "-l", help="Keep only this language.")
    ] = None,
    entity: Annotated[
        list[str] | None,
        typer.Option("--entity", "-e", help="Keep records naming this entity (id or Q-id)."),
    ] = None,
    event_type: Annotated[
        list[str] | None,
        typer.Option("--event-type", "-t", help="Keep records with this PLOVER event type."),
    ] = None,
    bootstrap: BootstrapOpt = None,
    config: ConfigOpt = None,
    state_dir: StateOpt = None,
) -> None:
    """Print an output topic's Avro records as JSON, one object a line.

    Filters may repeat (any value matches) and combine (all must hold). Examples:
    `newswire tail --from-beginning --limit 5` ; `newswire tail news.dlq` ;
    `newswire tail news.events -t ASSAULT -e Q159 --from-beginning`
    """
    from pipeline.consume import RecordFilter, select
    from pipeline.io.outputs import to_json_line
    from pipeline.io.topics import read_topic

    settings = _settings(bootstrap, config, state_dir)
    _require_broker(settings)
    where = RecordFilter.of(language, entity, event_type)
    records = read_topic(settings, topic, from_beginning, None, idle_timeout)
    for shown, (_name, record) in enumerate(select(records, where), start=1):
        print(to_json_line(record), flush=True)
        if limit is not None and shown >= limit:
            break


@app.command()
def audit(
    raw_topic: Annotated[str | None, typer.Option(help="Raw topic; default: settings.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
    bootstrap: BootstrapOpt = None,
    config: ConfigOpt = None,
    state_dir: StateOpt = None,
) -> None:
    """Check delivery: every raw offset in exactly one enriched or dead-letter record.

    Matches output records to raw offsets by their provenance and prints lost,
    duplicated and dead-lettered counts; exits 1 when an input was lost. Run it once
    the pipeline has caught up. Examples: `newswire audit` ; `newswire audit --json`
    """
    from pipeline.audit import collect

    settings = _settings(bootstrap, config, state_dir)
    _require_broker(settings)
    report = collect(settings, raw_topic)
    if as_json:
        print(json.dumps(report.as_dict()), flush=True)
    else:
        table = Table(title=f"audit of {raw_topic or settings.raw_topic}")
        table.add_column("count")
        table.add_column("value", justify="right")
        for name, value in report.as_dict().items():
            if name not in ("dead_by_stage", "lost_examples", "ok"):
                table.add_row(name, str(value))
        for stage, n in sorted(report.dead_by_stage.items()):
            table.add_row(f"  dead at {stage}", str(n))
        Console().print(table)
        if report.lost_examples:
            where = ", ".join(f"{p}@{o}" for p, o in report.lost_examples)
            err.print(f"first lost inputs (partition@offset): {where}")
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def demo(
    bootstrap: BootstrapOpt = None,
    config: ConfigOpt = None,
    state_dir: StateOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """The main job on the embedded default: broker, samples, pipeline, results, stop.

    Starts the embedded broker (unless one runs, or -b is given), produces the shipped
    sample articles, runs the live pipeline until it has caught up, prints what came
    out, and stops what it started. Example: `newswire demo`
    """
    from pipeline.graph import build_live
    from pipeline.io import broker
    from pipeline.io.topics import end_offsets, read_topic
    from pipeline.runner import quiet_libraries, run_graph

    quiet_libraries(verbose)
    settings = _settings(bootstrap, config, state_dir)
    with broker.running_broker(settings):
        outputs = (settings.enriched_topic, settings.events_topic, settings.dlq_topic)
        marks = {t: end_offsets(settings, t) for t in outputs}
        count = produce_files(settings, [SAMPLES], settings.raw_topic)
        err.print(f"produced {count} sample inputs to {settings.raw_topic}; running the pipeline")
        started = time.monotonic()
        run_graph(lambda p: build_live(p, settings, stop_when_caught_up=True))
        elapsed = time.monotonic() - started
        results = {t: [r for _, r in read_topic(settings, t, since=marks[t])] for t in outputs}
    _print_demo(
        results[settings.enriched_topic],
        results[settings.events_topic],
        results[settings.dlq_topic],
        elapsed,
    )


def _names(participants: list[dict[str, Any]]) -> str:
    return " + ".join(p["name"] or p["text"] for p in participants) or "-"


def _print_demo(
    enriched: list[dict[str, Any]],
    events: list[dict[str, Any]],
    dead: list[dict[str, Any]],
    secs: float,
) -> None:
    out = Console(width=None if sys.stdout.isatty() else 160)
    table = Table(title="news.enriched", show_lines=True)
    for col in ("id", "title", "last paragraph of the clean body", "removed"):
        table.add_column(col, overflow="fold")
    for rec in enriched:
        last = rec["body"].rsplit("\n\n", 1)[-1]
        removed = "\n".join(f"{s['rule']}: {s['text'].strip()!r}" for s in rec["removed_spans"])
        table.add_row(rec["id"][:24], rec["title"] or "", last[:160], removed or "-")
    out.print(table)
    event_table = Table(title="news.events")
    for col in ("article", "event", "actors", "recipients", "date", "flags", "trigger"):
        event_table.add_column(col, overflow="fold")
    for ev in events:
        flags = [f for f in ("negated", "future", "hypothetical", "historical") if ev[f]]
        event_table.add_row(
            ev["article_id"][:16],
            f"{ev['event_type']}/{ev['mode']}" if ev["mode"] else ev["event_type"],
            _names(ev["actors"]),
            _names(ev["recipients"]),
            str(ev["event_date"] or "-"),
            ",".join(flags) or "-",
            ev["trigger_text"],
        )
    out.print(event_table)
    dlq = Table(title="news.dlq", show_lines=True)
    for col in ("source", "stage", "error"):
        dlq.add_column(col, overflow="fold")
    for rec in dead:
        prov = rec["provenance"]
        where = f"{prov['topic']}[{prov['partition']}]@{prov['offset']}"
        dlq.add_row(where, rec["stage"], f"{rec['error_class']}: {rec['error_message']}")
    out.print(dlq)
    stages = Counter(r["stage"] for r in dead)
    out.print(
        f"{len(enriched)} enriched, {len(events)} events, {len(dead)} dead-lettered "
        f"({', '.join(f'{k}: {v}' for k, v in sorted(stages.items())) or 'none'}) in {secs:.1f} s"
    )


@app.command()
def version() -> None:
    """Print the pipeline version."""
    print(__version__)


def main() -> None:
    # Beam logs an irrelevant GCP warning ("apitools not found") at import time.
    logging.getLogger().setLevel(logging.ERROR)
    from kafka.errors import KafkaError

    try:
        app()
    except NewswireError as exc:
        err.print(f"[bold red]error:[/] {_redact(str(exc))}")
        sys.exit(2)
    except KafkaError as exc:  # e.g. unreachable, or refused the credentials or TLS
        where = _loaded[-1].describe_connection() if _loaded else "Kafka"
        err.print(
            f"[bold red]error:[/] cannot use {where}: {_redact(f'{type(exc).__name__}: {exc}')}; "
            "check the bootstrap servers, the credentials and the TLS settings"
        )
        sys.exit(2)


def _redact(text: str) -> str:
    for settings in _loaded:
        for secret in settings.secret_values():
            text = text.replace(secret, "***")
    return text


if __name__ == "__main__":
    main()
