"""The one typed, frozen settings object, and where its values come from.

Precedence, highest first: command-line flags, environment (``NEWSWIRE_<FIELD>``), an
optional TOML file (``--config`` or ``NEWSWIRE_CONFIG``), then the defaults below.
Beam's own options (runner, parallelism, ...) are not settings: they stay Beam's.
Secrets are excluded from ``repr`` and from :meth:`Settings.redacted`.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import os
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError

ENV_PREFIX = "NEWSWIRE_"
SECRET = {"secret": True}
KAFKA_IO_CHOICES = ("python", "xlang")


def _default_state_dir() -> str:
    return str(Path.cwd() / ".newswire")


@dataclass(frozen=True)
class Settings:
    """Every setting of the pipeline. Field docs are the configuration reference."""

    bootstrap_servers: str | None = None
    """Kafka bootstrap servers (host:port,...). None means the embedded broker."""
    raw_topic: str = "news.raw"
    """Input topic of raw articles (UTF-8 JSON)."""
    enriched_topic: str = "news.enriched"
    """Output topic of EnrichedArticle records."""
    events_topic: str = "news.events"
    """Output topic of Event records."""
    dlq_topic: str = "news.dlq"
    """Dead-letter topic: one DeadLetter per input that could not be processed."""
    group_id: str = "newswire"
    """Consumer group whose committed offsets the live source resumes from."""
    auto_offset_reset: str = "earliest"
    """Where a partition with no committed offset starts: earliest or latest."""
    partitions: int = 3
    """Partitions of topics that the pipeline creates (embedded broker, `broker start`)."""
    schema_registry_url: str | None = None
    """Confluent-compatible schema registry; when set, values use the Confluent wire format."""
    max_message_bytes: int = 1_048_576
    """Raw messages larger than this go to the DLQ (the pipeline enforces it, not the broker)."""
    poll_timeout_ms: int = 100
    """How long the source waits in one poll of a partition for new records. One worker
    polls its partitions one after another, so with idle partitions a new record waits
    up to about partitions x this before it is read (the README's benchmark compares
    latency at 100 and 500 ms)."""
    max_poll_records: int = 100
    """Records read per poll; also the most a crash can duplicate per partition."""
    state_dir: str = field(default_factory=_default_state_dir)
    """Embedded broker pid, port and logs live here."""
    broker_port: int = 19092
    """Port of the embedded broker on 127.0.0.1."""
    security_protocol: str = "PLAINTEXT"
    """PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL."""
    sasl_mechanism: str | None = None
    """e.g. SCRAM-SHA-256, SCRAM-SHA-512, PLAIN."""
    sasl_username: str | None = None
    """SASL user."""
    sasl_password: str | None = field(default=None, repr=False, metadata=SECRET)
    """SASL password (secret: never logged)."""
    ssl_cafile: str | None = None
    """CA bundle used to verify the brokers."""
    ssl_certfile: str | None = None
    """Client certificate (mutual TLS)."""
    ssl_keyfile: str | None = field(default=None, repr=False, metadata=SECRET)
    """Client private key path (secret: never logged)."""
    ssl_password: str | None = field(default=None, repr=False, metadata=SECRET)
    """Password of the client private key (secret: never logged)."""
    connect_timeout_s: float = 15.0
    """How long a Kafka client may take to connect (and authenticate) at start-up before
    the command fails with a clear error, rather than retrying for ever."""
    models_dir: str | None = None
    """Stanza models from `newswire models download`; None: STATE_DIR/stanza. The tiny
    shipped models are the fallback."""
    require_languages: str | None = None
    """Comma-separated languages whose models must be installed; `run` fails at start-up
    otherwise (e.g. "ar,en")."""
    nlp_batch_size: int = 32
    """Most articles handed to Stanza at once (batched within a bundle)."""
    torch_threads: int = 1
    """torch intra-op threads per worker process. 1 by default: with 2 threads on a busy
    2-core machine the live pipeline ran ~9x slower (OpenMP oversubscription); scale
    out with more workers instead."""
    nlp_prefilter: bool = True
    """Run Stanza's dependency parser only on the sentences a later stage reads a parse
    of (those that may hold an event trigger, and their context; see
    pipeline/nlp/prefilter.py). Entities and events are the same either way; off parses
    every sentence."""
    nlp_share_charlm: bool = True
    """Compute each character-LM state once per batch for every Stanza processor that
    runs the same character LM (pos, depparse and ner do with the official models; see
    pipeline/nlp/charlm.py). Values may differ from separate runs in the last float
    bits, as between two batch compositions; off runs each processor's own."""
    nlp_fused_charlm: bool = True
    """Run the character LMs over padded batches of similar-length sentences in
    torch's fused LSTM kernel instead of Stanza's packed sequences (2.4-3.5x the
    arithmetic rate on one core; see pipeline/nlp/charlm.py). Values may differ in the
    last float bits; off leaves the kernel as Stanza runs it."""
    nlp_pos_batch_size: int | None = None
    """Stanza's `pos_batch_size` (sentences per tagger batch); None: Stanza's default."""
    nlp_depparse_batch_size: int | None = None
    """Stanza's `depparse_batch_size` (words per parser batch); None: Stanza's default."""
    nlp_ner_batch_size: int | None = None
    """Stanza's `ner_batch_size` (sentences per NER batch); None: Stanza's default."""
    kafka_io: str = "python"
    """Kafka IO of the live graph: "python" (this project's kafka-python source and sink,
    any runner) or "xlang" (Beam's cross-language Java KafkaIO, for Flink and Dataflow;
    needs a Java expansion service at graph construction, see `expansion_service`)."""
    expansion_service: str | None = None
    """host:port of a running Java expansion service for kafka_io "xlang" (the Flink job
    server serves one on 8097). None: Beam's default, which starts the jar named in
    BEAM_SERVICE_OVERRIDES (pre-staged) or downloads it."""

    dedup_threshold: float = 0.7
    """Near-duplicate threshold: estimated Jaccard similarity of word 3-shingles at or
    above which a new article is flagged as a republished story. One changed word in a
    short story already gives ~0.85, and the 64-permutation estimate is +-0.05, so 0.7
    keeps such copies while unrelated stories stay far below (~0.0-0.3)."""
    dedup_num_perm: int = 64
    """MinHash permutations per article (more: a finer similarity estimate, more memory)."""
    dedup_min_shingles: int = 8
    """Articles with fewer word 3-shingles are only checked for exact duplicates (short
    texts make near-duplicate estimates meaningless)."""
    dedup_window: int = 50_000
    """Live path: how many recent articles each worker remembers for duplicate checks
    (oldest forgotten first; ~4 KiB each, so ~210 MB at the default, measured by
    benchmarks/bench_dedup.py). Replay checks the whole input."""

    def __post_init__(self) -> None:
        if self.kafka_io not in KAFKA_IO_CHOICES:
            raise ConfigError(
                f"setting 'kafka_io' must be one of {', '.join(KAFKA_IO_CHOICES)}, "
                f"not {self.kafka_io!r}"
            )

    def redacted(self) -> dict[str, Any]:
        """The settings as a dict with secrets masked, safe to log."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = "***" if f.metadata.get("secret") and value else value
        return out

    @property
    def uses_embedded_broker(self) -> bool:
        return self.bootstrap_servers is None

    @property
    def bootstrap(self) -> str:
        """The address clients connect to."""
        return self.bootstrap_servers or f"127.0.0.1:{self.broker_port}"

    def kafka_client_config(self) -> dict[str, Any]:
        """Connection and security settings shared by every kafka-python client."""
        conf: dict[str, Any] = {
            "bootstrap_servers": self.bootstrap.split(","),
            "security_protocol": self.security_protocol,
            "bootstrap_timeout_ms": int(self.connect_timeout_s * 1000),
        }
        optional = {
            "sasl_mechanism": self.sasl_mechanism,
            "sasl_plain_username": self.sasl_username,
            "sasl_plain_password": self.sasl_password,
            "ssl_cafile": self.ssl_cafile,
            "ssl_certfile": self.ssl_certfile,
            "ssl_keyfile": self.ssl_keyfile,
            "ssl_password": self.ssl_password,
        }
        conf.update({k: v for k, v in optional.items() if v is not None})
        return conf

    def secret_values(self) -> list[str]:
        """The values of the secret settings that are set (to mask them wherever text goes)."""
        return [
            str(getattr(self, f.name))
            for f in fields(self)
            if f.metadata.get("secret") and getattr(self, f.name)
        ]

    def describe_connection(self) -> str:
        """Where and how clients connect, without secrets (for error messages)."""
        parts = [f"security_protocol={self.security_protocol}"]
        parts += [
            f"{name}={getattr(self, name)}"
            for name in ("sasl_mechanism", "sasl_username", "ssl_cafile", "ssl_certfile")
            if getattr(self, name)
        ]
        return f"Kafka at {self.bootstrap} ({', '.join(parts)})"

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    def with_prefix(self, prefix: str) -> Settings:
        """The same settings with the pipeline's four topics and its consumer group named
        ``PREFIX.raw``, ``PREFIX.enriched``, ... and ``PREFIX`` (isolated runs: tests,
        benchmarks, a staging pipeline beside production)."""
        return self.replace(
            raw_topic=f"{prefix}.raw",
            enriched_topic=f"{prefix}.enriched",
            events_topic=f"{prefix}.events",
            dlq_topic=f"{prefix}.dlq",
            group_id=prefix,
        )


class RedactSecrets(logging.Filter):
    """Masks secret values in every log message (installed by :func:`redact_secrets_in_logs`).

    Libraries may log their whole configuration (kafka-python does at DEBUG level,
    password included); this masks the values wherever the message came from.
    """

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(secret in message for secret in self.secrets):
            for secret in self.secrets:
                message = message.replace(secret, "***")
            record.msg, record.args = message, ()
        return True


_log_record_factory = logging.getLogRecordFactory()


def redact_secrets_in_logs(settings: Settings) -> None:
    """Mask ``settings``' secrets in every log record created from now on, whichever
    logger or handler it goes to."""
    secrets = settings.secret_values()
    if not secrets:
        return
    redact = RedactSecrets(secrets)

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = _log_record_factory(*args, **kwargs)
        redact.filter(record)
        return record

    logging.setLogRecordFactory(factory)


def _coerce(name: str, raw: Any, annotation: Any) -> Any:
    """Turn a string (env) or TOML value into the field's declared type."""
    args = typing.get_args(annotation)
    is_optional = isinstance(annotation, types.UnionType) and type(None) in args
    base = next((a for a in args if a is not type(None)), annotation) if is_optional else annotation
    if raw is None or (is_optional and isinstance(raw, str) and raw.strip() == ""):
        if is_optional:
            return None
        raise ConfigError(f"setting {name!r} may not be empty")
    try:
        if base is bool:
            if isinstance(raw, bool):
                return raw
            return str(raw).strip().lower() in {"1", "true", "yes", "on"}
        if base is int:
            return int(raw)
        if base is float:
            return float(raw)
        return str(raw)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"setting {name!r}: cannot read {raw!r} as {base.__name__}") from exc


def load_settings(
    flags: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    config_file: str | os.PathLike[str] | None = None,
) -> Settings:
    """Build :class:`Settings` from flags > environment > file > defaults.

    ``flags`` entries whose value is None are treated as "not given".
    """
    env = os.environ if env is None else env
    hints = typing.get_type_hints(Settings)
    names = {f.name for f in fields(Settings)}
    values: dict[str, Any] = {}

    path = config_file or env.get(f"{ENV_PREFIX}CONFIG")
    if path:
        try:
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read config file {path}: {exc}") from exc
        data = data.get("newswire", data)
        unknown = set(data) - names
        if unknown:
            raise ConfigError(f"unknown settings in {path}: {', '.join(sorted(unknown))}")
        values.update({k: _coerce(k, v, hints[k]) for k, v in data.items()})

    for name in names:
        key = f"{ENV_PREFIX}{name.upper()}"
        if key in env:
            values[name] = _coerce(name, env[key], hints[name])

    for name, value in (flags or {}).items():
        if value is None:
            continue
        if name not in names:
            raise ConfigError(f"unknown setting {name!r}")
        values[name] = _coerce(name, value, hints[name])
    return Settings(**values)


def reference_table() -> list[tuple[str, str, str, str]]:
    """(setting, environment variable, default, meaning) for every setting, from the code."""
    import ast
    import inspect

    docs: dict[str, str] = {}
    tree = ast.parse(inspect.getsource(Settings))
    body = tree.body[0].body  # type: ignore[attr-defined]
    for node, nxt in itertools.pairwise(body):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(nxt, ast.Expr)
            and isinstance(nxt.value, ast.Constant)
        ):
            docs[node.target.id] = str(nxt.value.value)
    rows = []
    defaults = Settings()
    for f in fields(Settings):
        default = "(cwd)/.newswire" if f.name == "state_dir" else repr(getattr(defaults, f.name))
        rows.append((f.name, f"{ENV_PREFIX}{f.name.upper()}", default, docs.get(f.name, "")))
    return rows


def reference_markdown() -> str:
    """docs/configuration.md: the reference table as Markdown, generated from the code.

    Regenerate with ``python -m pipeline.config --reference > docs/configuration.md``;
    a test fails when the committed file differs.
    """
    lines = [
        "# Configuration reference",
        "",
        "<!-- Generated by `python -m pipeline.config --reference > docs/configuration.md`;",
        "     do not edit by hand (tests/unit/deploy checks it is current). -->",
        "",
        "Precedence, highest first: command-line flags, environment (`NEWSWIRE_<SETTING>`),",
        "a TOML file (`--config` or `NEWSWIRE_CONFIG`; keys as in the first column, at the top",
        "level or under `[newswire]`), then the defaults below. Secrets are never logged.",
        "Beam's own options (runner, parallelism, ...) are not settings: pass them after `--`",
        "on `newswire run`.",
        "",
        "| setting | environment variable | default | meaning |",
        "|---|---|---|---|",
    ]
    for name, env, default, doc in reference_table():
        meaning = " ".join(doc.split()).replace("|", "\\|")
        lines.append(f"| `{name}` | `{env}` | `{default}` | {meaning} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    import sys

    if sys.argv[1:] != ["--reference"]:
        sys.exit("usage: python -m pipeline.config --reference > docs/configuration.md")
    sys.stdout.write(reference_markdown())
