"""TLS and SASL settings reach every Kafka client; bad credentials fail fast and cleanly;
secrets never reach logs or error messages.

What the embedded broker (Tansu 0.6, in-memory) can and cannot do, measured:

- SASL: ``--authentication`` makes it require SCRAM from every client, but it keeps
  users in its storage and, with authentication on, refuses the request that would
  create one (without it, it refuses SASL altogether); so no client can log in to it.
  Against it, the tests check the wire (a recording proxy sees each client's SCRAM
  handshake with the configured mechanism and user) and the failure (fast, exit code
  2, a clear message, no traceback, no secret). For a successful login, the proxy
  terminates SASL itself (:class:`~tests.integration.faultkit.ScramServer`, RFC 5802
  SCRAM-SHA-512, checking the client's proof against the password) in front of a
  broker without authentication.
- TLS: its ``--cert``/``--key`` options do not give a working TLS listener (the two
  cannot be combined, and ``--cert`` alone leaves the listener plaintext). The proxy
  terminates TLS instead (a self-signed certificate made in the test), so the clients
  speak real TLS and verify the certificate.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import logging
import os
import ssl
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from pipeline.config import Settings, load_settings, redact_secrets_in_logs
from pipeline.errors import NewswireError
from pipeline.io import broker
from pipeline.io.kafka_sink import make_producer
from pipeline.io.kafka_source import make_consumer
from tests.conftest import REPO, SAMPLES
from tests.integration.faultkit import Proxy, ScramServer, dedicated_broker

pytestmark = pytest.mark.integration

CONNECT_TIMEOUT_S = 3
FAIL_FAST_S = 25  # process start-up + the connect timeout, with room for a busy machine
USER = "newswire-test"


def self_signed(directory: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / f"{name}.pem", directory / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def newswire(
    *args: str, env: dict[str, str], timeout: float = 180
) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        cwd=REPO,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return result, time.monotonic() - started


def client_env(settings: Settings, **security: str) -> dict[str, str]:
    env = {
        "NEWSWIRE_BOOTSTRAP_SERVERS": settings.bootstrap,
        "NEWSWIRE_STATE_DIR": settings.state_dir,
        "NEWSWIRE_CONNECT_TIMEOUT_S": str(CONNECT_TIMEOUT_S),
    }
    env.update({f"NEWSWIRE_{k.upper()}": v for k, v in security.items()})
    return env


def assert_fails_cleanly(
    result: subprocess.CompletedProcess[str], elapsed: float, secret: str | None = None
) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 2, output[-3000:]
    assert elapsed < FAIL_FAST_S, elapsed
    assert "error:" in result.stderr and "Traceback" not in output, output[-3000:]
    if secret is not None:
        assert secret not in output


def sasl_handshakes(proxy: Proxy, since: int) -> list[bytes]:
    """First bytes of the client connections since index ``since`` that began SASL."""
    return [b for b in proxy.client_bytes[since:] if b"SCRAM-SHA-512" in b]


def test_sasl_ssl_end_to_end_through_every_command(tmp_path: Path) -> None:
    """produce, run (source, sink, admin), tail and audit over TLS with a SCRAM login,
    configured only from the environment; no TLS, another CA or a wrong password each
    fail cleanly."""
    cert, key = self_signed(tmp_path, "broker")
    other_ca, _ = self_signed(tmp_path, "other")
    password = f"pw-{uuid.uuid4().hex}"
    scram = ScramServer({USER: password})
    tls = server_context(cert, key)
    with dedicated_broker(tmp_path / "state", tls=tls, scram=scram) as (plain, _):
        security = {
            "security_protocol": "SASL_SSL",
            "ssl_cafile": str(cert),
            "sasl_mechanism": "SCRAM-SHA-512",
            "sasl_username": USER,
            "sasl_password": password,
        }
        broker.ensure_topics(plain.replace(**security))  # the admin client
        env = client_env(plain, **security)

        produced, _ = newswire("produce", str(SAMPLES), env=env)
        assert produced.returncode == 0, produced.stderr
        ran, _ = newswire("run", "--idle-timeout", "3", "-v", env=env)
        assert ran.returncode == 0, ran.stderr[-3000:]
        tailed, _ = newswire("tail", "--from-beginning", "--idle-timeout", "2", env=env)
        assert tailed.returncode == 0, tailed.stderr
        assert len(tailed.stdout.splitlines()) >= 5
        audited, _ = newswire("audit", "--json", env=env)
        assert audited.returncode == 0, audited.stdout + audited.stderr
        report = json.loads(audited.stdout)
        assert report["lost"] == 0 and report["inputs"] >= 8, report
        assert report["dead_lettered"] >= 3  # the samples' broken JSON lines
        for result in (produced, ran, tailed, audited):
            assert password not in result.stdout + result.stderr
        assert len(scram.logins) >= 5 and scram.logins == [(USER, True)] * len(scram.logins)

        no_tls, elapsed = newswire("tail", "--limit", "1", env=client_env(plain))
        assert_fails_cleanly(no_tls, elapsed)
        assert "security_protocol=PLAINTEXT" in no_tls.stderr
        untrusted, elapsed = newswire(
            "tail", "--limit", "1", env={**env, "NEWSWIRE_SSL_CAFILE": str(other_ca)}
        )
        assert_fails_cleanly(untrusted, elapsed, password)
        wrong = f"wrong-{uuid.uuid4().hex}"
        refused, elapsed = newswire(
            "tail", "--limit", "1", env={**env, "NEWSWIRE_SASL_PASSWORD": wrong}
        )
        assert_fails_cleanly(refused, elapsed, wrong)
        assert f"sasl_username={USER}" in refused.stderr
        assert (USER, False) in scram.logins


def test_sasl_settings_reach_every_command_and_bad_credentials_fail_fast(
    tmp_path: Path,
) -> None:
    secret = f"pw-{uuid.uuid4().hex}"
    with dedicated_broker(tmp_path, authentication=True) as (plain, proxy):
        env = client_env(
            plain,
            security_protocol="SASL_PLAINTEXT",
            sasl_mechanism="SCRAM-SHA-512",
            sasl_username=USER,
            sasl_password=secret,
        )
        commands = {
            "produce": ["produce", str(SAMPLES)],
            "run": ["run", "--idle-timeout", "1", "-v"],
            "tail": ["tail", "--limit", "1"],
            "audit": ["audit"],
        }
        for name, args in commands.items():
            since = len(proxy.client_bytes)
            result, elapsed = newswire(*args, env=env, timeout=60)
            assert_fails_cleanly(result, elapsed, secret)
            assert f"sasl_username={USER}" in result.stderr, (name, result.stderr)
            handshakes = sasl_handshakes(proxy, since)
            assert handshakes, f"{name}: no SASL handshake reached the broker"
            assert all(f"n={USER}".encode() in h for h in handshakes), name
            assert not any(secret.encode() in h for h in handshakes)  # SCRAM sends no password


def test_pipeline_clients_take_sasl_settings_in_process(tmp_path: Path) -> None:
    """The source's consumer, the sink's producer and the admin client, built directly."""
    with dedicated_broker(tmp_path, authentication=True) as (plain, proxy):
        settings = plain.replace(
            security_protocol="SASL_PLAINTEXT",
            sasl_mechanism="SCRAM-SHA-512",
            sasl_username=USER,
            sasl_password="not-the-password",
            connect_timeout_s=CONNECT_TIMEOUT_S,
        )
        for build in (make_consumer, make_producer, broker.admin_client):
            since = len(proxy.client_bytes)
            started = time.monotonic()
            with pytest.raises(Exception) as failure:  # kafka-python's or ours
                build(settings)
            assert time.monotonic() - started < CONNECT_TIMEOUT_S + 10
            assert "not-the-password" not in str(failure.value)
            assert sasl_handshakes(proxy, since), build.__name__
        with pytest.raises(NewswireError, match=f"sasl_username={USER}"):
            broker.admin_client(settings)


def test_sasl_over_tls_reaches_the_broker(tmp_path: Path) -> None:
    """SASL_SSL: the TLS-terminating proxy sees the SCRAM handshake only after TLS."""
    cert, key = self_signed(tmp_path, "broker")
    secret = f"pw-{uuid.uuid4().hex}"
    with dedicated_broker(
        tmp_path / "state", tls=server_context(cert, key), authentication=True
    ) as (plain, proxy):
        env = client_env(
            plain,
            security_protocol="SASL_SSL",
            ssl_cafile=str(cert),
            sasl_mechanism="SCRAM-SHA-512",
            sasl_username=USER,
            sasl_password=secret,
        )
        result, elapsed = newswire("tail", "--limit", "1", env=env, timeout=60)
        assert_fails_cleanly(result, elapsed, secret)
        assert sasl_handshakes(proxy, 0)


def test_settings_from_file_env_and_flags_and_secrets_masked_in_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = tmp_path / "newswire.toml"
    config.write_text(
        '[newswire]\nsecurity_protocol = "SASL_SSL"\nsasl_mechanism = "SCRAM-SHA-256"\n'
        'sasl_username = "from-file"\nssl_cafile = "/etc/ca.pem"\n'
    )
    env = {"NEWSWIRE_SASL_PASSWORD": "env-secret", "NEWSWIRE_SASL_USERNAME": "from-env"}
    settings = load_settings({"sasl_mechanism": "SCRAM-SHA-512"}, env=env, config_file=config)
    conf = settings.kafka_client_config()
    assert conf["security_protocol"] == "SASL_SSL" and conf["ssl_cafile"] == "/etc/ca.pem"
    assert conf["sasl_mechanism"] == "SCRAM-SHA-512"  # flag beats file
    assert (conf["sasl_plain_username"], conf["sasl_plain_password"]) == ("from-env", "env-secret")
    assert "env-secret" not in repr(settings) and "env-secret" not in str(settings.redacted())
    assert "env-secret" not in settings.describe_connection()

    factory = logging.getLogRecordFactory()
    try:
        redact_secrets_in_logs(settings)
        with caplog.at_level(logging.DEBUG, logger="kafka.admin.client"):
            logging.getLogger("kafka.admin.client").debug("configuration: %s", conf)
    finally:
        logging.setLogRecordFactory(factory)
    assert "configuration" in caplog.text and "env-secret" not in caplog.text
    assert "***" in caplog.text
