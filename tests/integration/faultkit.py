"""Test helpers for fault and security tests: the pipeline as a process, and a TCP proxy
in front of a dedicated broker.

The pipeline runs as ``python -m pipeline run`` (so it can be SIGKILLed), or through
:data:`INJECT` when a test needs a slow or crashing stage: the graph builds its stages
from ``pipeline.graph``'s names, so the wrapper swaps those names before ``run`` starts.

:class:`Proxy` forwards loopback connections to a broker and can drop every connection
and refuse new ones for a while (:meth:`Proxy.cut` / :meth:`Proxy.restore`), terminate
TLS (so clients speak TLS to a broker that only speaks plaintext), terminate SASL
SCRAM-SHA-512 (:class:`ScramServer`: clients log in to the proxy, since the embedded
broker cannot hold a user while it requires authentication), and records what clients
sent (to check the SASL handshake on the wire). :func:`dedicated_broker` starts a
Tansu broker whose advertised listener is the proxy, so clients that learn the broker
address from metadata keep coming back through the proxy.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import os
import ssl
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from pipeline.config import Settings
from pipeline.io import broker
from tests.conftest import REPO

POLL_RECORDS = 20

# Runs `newswire run ARGS...` with a slower NLP stage and an entities stage that crashes
# on one article id: python -c INJECT SECONDS_PER_ARTICLE CRASH_ID ARGS...
INJECT = """
import sys, time
import pipeline.graph as graph
from pipeline.entities.stage import entities_stage
from pipeline.nlp.stage import NlpStage

SLOW, CRASH = float(sys.argv[1]), sys.argv[2]

class SlowNlpStage(NlpStage):
    def __call__(self, articles):
        time.sleep(SLOW * len(articles))
        return super().__call__(articles)

def crashing_entities_stage(article):
    if article.id == CRASH:
        raise RuntimeError("injected crash in the entities stage")
    return entities_stage(article)

graph.NlpStage = SlowNlpStage
graph.entities_stage = crashing_entities_stage
from pipeline.cli import main
sys.argv = ["newswire", "run", *sys.argv[3:]]
main()
"""


def pipeline_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment that points ``newswire run`` at ``settings``' broker and topics."""
    env = dict(os.environ)
    env.update(
        {
            "NEWSWIRE_BOOTSTRAP_SERVERS": settings.bootstrap,
            "NEWSWIRE_RAW_TOPIC": settings.raw_topic,
            "NEWSWIRE_ENRICHED_TOPIC": settings.enriched_topic,
            "NEWSWIRE_DLQ_TOPIC": settings.dlq_topic,
            "NEWSWIRE_EVENTS_TOPIC": settings.events_topic,
            "NEWSWIRE_GROUP_ID": settings.group_id,
            "NEWSWIRE_MAX_POLL_RECORDS": str(POLL_RECORDS),
        }
    )
    env.update(extra)
    return env


def start_pipeline(
    settings: Settings,
    idle: float,
    *,
    slow_nlp_s: float | None = None,
    crash_id: str = "",
    **env: str,
) -> subprocess.Popen[bytes]:
    """``newswire run --idle-timeout IDLE`` as a process (with injected faults if asked)."""
    args = ["--idle-timeout", str(idle)]
    if slow_nlp_s is None and not crash_id:
        cmd = [sys.executable, "-m", "pipeline", "run", *args]
    else:
        cmd = [sys.executable, "-c", INJECT, str(slow_nlp_s or 0), crash_id, *args]
    return subprocess.Popen(
        cmd,
        cwd=REPO,
        env=pipeline_env(settings, **env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def produce_articles(
    settings: Settings, count: int, poison_every: int = 0, extra: list[bytes] | None = None
) -> None:
    """``count`` short English articles (every ``poison_every``-th not JSON), then ``extra``."""
    producer = KafkaProducer(max_request_size=8 * 1024 * 1024, **settings.kafka_client_config())
    for i in range(count):
        body = f"Article number {i} reports that talks resumed on Monday."
        value = json.dumps({"id": f"a{i}", "body": body}).encode()
        if poison_every and i % poison_every == poison_every - 1:
            value = b"\xff not json"
        producer.send(settings.raw_topic, key=b"a%d" % i, value=value)
    for i, value in enumerate(extra or []):
        producer.send(settings.raw_topic, key=b"x%d" % i, value=value)
    producer.flush()
    producer.close()


def written(settings: Settings, topic: str) -> int:
    """Records in the topic, from end offsets: cheap, and close enough to time a fault."""
    consumer = KafkaConsumer(**settings.kafka_client_config())
    try:
        tps = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
        return int(sum(consumer.end_offsets(tps).values()))
    finally:
        consumer.close()


def wait_for_progress(
    proc: subprocess.Popen[bytes], settings: Settings, target: int, timeout: float = 120
) -> int:
    """Wait until the enriched topic holds ``target`` records; return how many it holds."""
    deadline = time.monotonic() + timeout
    while (count := written(settings, settings.enriched_topic)) < target:
        assert proc.poll() is None, proc.stderr.read().decode()[-3000:] if proc.stderr else ""
        assert time.monotonic() < deadline, "pipeline made no progress"
        time.sleep(0.1)
    return count


def wait_for_exit(proc: subprocess.Popen[bytes], timeout: float = 300) -> None:
    _, stderr = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, stderr.decode()[-3000:]


def finish(settings: Settings, idle: float = 3, timeout: float = 300, **kwargs: Any) -> None:
    """Run the pipeline until it has been idle for ``idle`` seconds."""
    wait_for_exit(start_pipeline(settings, idle=idle, **kwargs), timeout)


RECORD_BYTES = 4096  # what is kept of each client connection's first bytes


class ScramServer:
    """The server side of SASL SCRAM-SHA-512 (RFC 5802) for a fixed set of users."""

    MECHANISM = "SCRAM-SHA-512"
    ITERATIONS = 4096

    def __init__(self, users: dict[str, str]) -> None:
        self.users = users
        self.logins: list[tuple[str, bool]] = []  # (user, succeeded) per finished exchange

    def exchange(self) -> Generator[tuple[bytes, str | None], bytes, None]:
        """A generator: send it each client message, get (reply, error or None)."""
        client_first = yield b"", None
        bare = client_first.split(b",", 2)[2].decode()
        attrs = dict(part.split("=", 1) for part in bare.split(","))
        user, nonce = attrs["n"], attrs["r"] + base64.b64encode(os.urandom(18)).decode()
        salt = os.urandom(16)
        server_first = f"r={nonce},s={base64.b64encode(salt).decode()},i={self.ITERATIONS}"
        client_final = yield server_first.encode(), None
        final = client_final.decode()
        without_proof, proof = final.rsplit(",p=", 1)
        auth_message = f"{bare},{server_first},{without_proof}".encode()
        password = self.users.get(user)
        salted = hashlib.pbkdf2_hmac("sha512", (password or "").encode(), salt, self.ITERATIONS)
        client_key = hmac.digest(salted, b"Client Key", "sha512")
        stored_key = hashlib.sha512(client_key).digest()
        signature = hmac.digest(stored_key, auth_message, "sha512")
        claimed = bytes(a ^ b for a, b in zip(base64.b64decode(proof), signature, strict=True))
        ok = password is not None and hashlib.sha512(claimed).digest() == stored_key
        self.logins.append((user, ok))
        if not ok:
            yield b"", f"Authentication failed for {user}: invalid credentials"
            return
        server_key = hmac.digest(salted, b"Server Key", "sha512")
        proof_of_server = base64.b64encode(hmac.digest(server_key, auth_message, "sha512"))
        yield b"v=" + proof_of_server, None


def _uvarint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _read_uvarint(data: bytes, at: int) -> tuple[int, int]:
    shift = value = 0
    while True:
        byte = data[at]
        value |= (byte & 0x7F) << shift
        at, shift = at + 1, shift + 7
        if not byte & 0x80:
            return value, at


async def _read_frame(reader: asyncio.StreamReader) -> bytes:
    size = int.from_bytes(await reader.readexactly(4), "big", signed=True)
    return await reader.readexactly(size)


def _write_frame(writer: asyncio.StreamWriter, frame: bytes) -> None:
    writer.write(len(frame).to_bytes(4, "big") + frame)


async def _sasl_gateway(
    scram: ScramServer,
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    up_reader: asyncio.StreamReader,
    up_writer: asyncio.StreamWriter,
) -> bool:
    """Run the client's SASL exchange here (the broker behind has no authentication).

    ApiVersions goes to the broker (it advertises the SASL APIs); SaslHandshake (17) and
    SaslAuthenticate (36, v0-v2) are answered here. True once the client logged in.
    """
    exchange = scram.exchange()
    next(exchange)
    while True:
        frame = await _read_frame(reader)
        api_key, version, correlation = struct.unpack(">hhi", frame[:8])
        client_id_len = struct.unpack(">h", frame[8:10])[0]
        at = 10 + max(client_id_len, 0)
        if api_key == 18:  # ApiVersions
            _write_frame(up_writer, frame)
            await up_writer.drain()
            _write_frame(writer, await _read_frame(up_reader))
        elif api_key == 17:  # SaslHandshake v0/v1: mechanism is an int16 string
            length = struct.unpack(">h", frame[at : at + 2])[0]
            mechanism = frame[at + 2 : at + 2 + length].decode()
            error = 0 if mechanism == scram.MECHANISM else 33
            name = scram.MECHANISM.encode()
            body = struct.pack(">ihi", correlation, error, 1) + struct.pack(">h", len(name)) + name
            _write_frame(writer, body)
        elif api_key == 36:  # SaslAuthenticate
            flexible = version >= 2
            if flexible:
                _, at = _read_uvarint(frame, at)  # request header tagged fields
                length, at = _read_uvarint(frame, at)
                auth = frame[at : at + length - 1]
            else:
                length = struct.unpack(">i", frame[at : at + 4])[0]
                auth = frame[at + 4 : at + 4 + length]
            reply, failure = exchange.send(auth)
            code = 58 if failure else 0  # SASL_AUTHENTICATION_FAILED
            if flexible:
                message = (
                    b"\x00" if failure is None else _uvarint(len(failure) + 1) + failure.encode()
                )
                body = (
                    struct.pack(">i", correlation)
                    + b"\x00"
                    + struct.pack(">h", code)
                    + message
                    + _uvarint(len(reply) + 1)
                    + reply
                    + struct.pack(">q", 0)
                    + b"\x00"
                )
            else:
                message = (
                    struct.pack(">h", -1)
                    if failure is None
                    else (struct.pack(">h", len(failure)) + failure.encode())
                )
                body = struct.pack(">ih", correlation, code) + message
                body += struct.pack(">i", len(reply)) + reply
                if version >= 1:
                    body += struct.pack(">q", 0)
            _write_frame(writer, body)
            if failure:
                await writer.drain()
                return False
            if reply.startswith(b"v="):
                await writer.drain()
                return True
        else:  # anything else before logging in
            return False
        await writer.drain()


class Proxy:
    """A loopback TCP (or TLS-terminating) proxy to ``127.0.0.1:upstream_port``.

    With ``scram`` it also terminates SASL: each client must log in with SCRAM-SHA-512
    as one of its users before anything reaches the broker.
    """

    def __init__(
        self,
        upstream_port: int,
        tls: ssl.SSLContext | None = None,
        scram: ScramServer | None = None,
    ) -> None:
        self.upstream_port = upstream_port
        self.port = broker.free_port()
        self.tls = tls
        self.scram = scram
        self.client_bytes: list[bytes] = []
        self.connections = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._transports: set[asyncio.WriteTransport] = set()

    def __enter__(self) -> Proxy:
        self._thread.start()
        self.restore()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cut()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    def _run(self, coro: object) -> None:
        asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=10)  # type: ignore[arg-type]

    def restore(self) -> None:
        """Listen again: new connections are forwarded."""
        self._run(self._listen())

    def cut(self) -> None:
        """Stop listening (connections are refused) and drop every open connection."""
        self._run(self._cut())

    async def _listen(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(
                self._handle, "127.0.0.1", self.port, ssl=self.tls, reuse_address=True
            )

    async def _cut(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for transport in list(self._transports):
            transport.abort()
        self._transports.clear()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            writer.transport.abort()
            return
        self._transports |= {writer.transport, up_writer.transport}
        if self.scram is not None:
            try:
                logged_in = await _sasl_gateway(self.scram, reader, writer, up_reader, up_writer)
            except (OSError, ssl.SSLError, asyncio.IncompleteReadError, ValueError, KeyError):
                logged_in = False
            if not logged_in:
                writer.transport.abort()
                up_writer.transport.abort()
                return
        record = bytearray()
        self.client_bytes.append(b"")
        index = len(self.client_bytes) - 1

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter, keep: bool) -> None:
            try:
                while data := await src.read(65536):
                    if keep and len(record) < RECORD_BYTES:
                        record.extend(data[: RECORD_BYTES - len(record)])
                        self.client_bytes[index] = bytes(record)
                    dst.write(data)
                    await dst.drain()
            except (OSError, ssl.SSLError, asyncio.IncompleteReadError):
                pass
            finally:
                dst.transport.abort()

        await asyncio.gather(
            pump(reader, up_writer, True), pump(up_reader, writer, False), return_exceptions=True
        )
        self._transports -= {writer.transport, up_writer.transport}


@contextlib.contextmanager
def dedicated_broker(
    state_dir: Path,
    *,
    tls: ssl.SSLContext | None = None,
    authentication: bool = False,
    scram: ScramServer | None = None,
) -> Iterator[tuple[Settings, Proxy]]:
    """A fresh broker behind a :class:`Proxy`; settings point the clients at the proxy."""
    port = broker.free_port()
    with Proxy(port, tls, scram) as proxy:
        broker.start(state_dir, port, advertised_port=proxy.port, authentication=authentication)
        try:
            settings = Settings(
                bootstrap_servers=f"127.0.0.1:{proxy.port}",
                state_dir=str(state_dir),
                broker_port=port,
            )
            yield settings, proxy
        finally:
            broker.stop(state_dir)


def broker_pid(settings: Settings) -> int:
    pid = broker.status(settings.state_dir).pid
    assert pid is not None
    return pid
