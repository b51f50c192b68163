"""The ``newswire`` command line: demo, broker, produce, run, replay, tail.

Application flags are parsed here (typer); anything after ``--`` on ``run`` is handed to
Beam untouched as pipeline options.
"""

from __future__ import annotations

import json
import logging
import sys
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
from pipeline.config import Settings, load_settings
from pipeline.errors import NewswireError

app = typer.Typer(
    help="newswire: Kafka -> Beam -> clean, enriched Avro news records.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
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
    return load_settings(
        {
            "bootstrap_servers": bootstrap,
            "state_dir": str(state_dir) if state_dir else None,
            **flags,
        },
        config_file=config,
    )


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


@app.command()
def replay(
    inputs: Annotated[list[Path], typer.Argument(help="Text, JSON Lines (.gz) files or folders.")],
    output: Annotated[
        str, typer.Option("--output", "-o", help="'-', OUT.jsonl, OUT.avro or kafka:TOPIC.")
    ] = "-",
    shards: Annotated[int, typer.Option(help="Output files per kind.")] = 1,
    bootstrap: BootstrapOpt = None,
    config: ConfigOpt = None,
    state_dir: StateOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Run archived articles through the same graph, in batch. No broker needed.

    Examples: `newswire replay pipeline/samples/000_818c6b7f0175410d.txt --output -` ;
    `newswire replay archive/ --output enriched.avro` (dead letters: enriched.dlq.avro)
    """
    from pipeline.graph import build_replay
    from pipeline.io.files import read_inputs
    from pipeline.io.outputs import WriteReplayOutput
    from pipeline.runner import quiet_libraries, run_graph

    quiet_libraries(verbose)
    settings = _settings(bootstrap, config, state_dir)
    if output.startswith("kafka:"):
        _require_broker(settings)
    try:
        messages = list(read_inputs(inputs))
    except FileNotFoundError as exc:
        _fail(str(exc))
    started = time.monotonic()
    run_graph(
        lambda p: (
            build_replay(p, settings, messages)
            | "Write" >> WriteReplayOutput(output, settings, shards)
        )
    )
    err.print(f"replayed {len(messages)} inputs in {time.monotonic() - started:.1f} s")


@app.command()
def tail(
    topic: Annotated[str, typer.Argument(help="Topic to decode.")] = "news.enriched",
    from_beginning: Annotated[bool, typer.Option(help="Start at the oldest record.")] = False,
    limit: Annotated[int | None, typer.Option(help="Stop after N records.")] = None,
    idle_timeout: Annotated[
        float | None, typer.Option(help="Stop after this many seconds with nothing new.")
    ] = None,
    bootstrap: BootstrapOpt = None,
    config: ConfigOpt = None,
    state_dir: StateOpt = None,
) -> None:
    """Print an output topic's Avro records as JSON, one object a line.

    Examples: `newswire tail --from-beginning --limit 5` ; `newswire tail news.dlq`
    """
    from pipeline.io.outputs import to_json_line
    from pipeline.io.topics import read_topic

    settings = _settings(bootstrap, config, state_dir)
    _require_broker(settings)
    for _name, record in read_topic(settings, topic, from_beginning, limit, idle_timeout):
        print(to_json_line(record), flush=True)


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
    try:
        app()
    except NewswireError as exc:
        err.print(f"[bold red]error:[/] {exc}")
        sys.exit(2)


if __name__ == "__main__":
    main()
