"""Static checks of the deployment files, standing in for `docker compose up` here.

There is no Docker engine and no internet on the development machines, so the compose
file, Dockerfiles, Kubernetes manifests and option files are checked for what can be
known without running them: they parse, reference only files that exist, pin their
images, use only real ``NEWSWIRE_*`` settings and real ``newswire`` commands, and agree
with each other and with pyproject.toml.
"""

from __future__ import annotations

import fnmatch
import importlib.util
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from dataclasses import fields
from pathlib import Path
from typing import Any

import apache_beam
import pytest
import typer.main
import yaml

from pipeline.cli import app
from pipeline.config import Settings, reference_markdown, reference_table

REPO = Path(__file__).resolve().parents[3]
COMPOSE = REPO / "docker-compose.yml"
DOCKERFILE = REPO / "deploy" / "Dockerfile"
DATAFLOW_DOCKERFILE = REPO / "deploy" / "dataflow" / "Dockerfile"
K8S = REPO / "deploy" / "k8s"
CLI: Any = typer.main.get_command(app)  # typer vendors its own click: duck-typed


def _env_vars_read_by_code() -> set[str]:
    """NEWSWIRE_* names the code reads besides settings (e.g. NEWSWIRE_SCHEMA_DIR)."""
    names: set[str] = set()
    for path in (REPO / "pipeline").rglob("*.py"):
        names |= set(re.findall(r"\"(NEWSWIRE_[A-Z_]+)\"", path.read_text(encoding="utf-8")))
    return names


KNOWN_ENV = {f"NEWSWIRE_{f.name.upper()}" for f in fields(Settings)} | _env_vars_read_by_code()


def _assert_known_env(names: list[str], where: str) -> None:
    unknown = sorted(n for n in names if n.startswith("NEWSWIRE_") and n not in KNOWN_ENV)
    assert not unknown, f"{where}: not a newswire setting: {unknown}"


def _assert_pinned(image: str, where: str) -> None:
    name, _, tag = image.rpartition(":") if ":" in image.split("/")[-1] else (image, "", "")
    assert name and tag, f"{where}: image {image!r} has no tag"
    assert tag != "latest" and not tag.startswith("$"), f"{where}: image {image!r} not pinned"


def _assert_cli(argv: list[str], where: str, *, beam_args_allowed: bool = False) -> None:
    """argv (after `newswire`) names a real command and only options it accepts."""
    assert argv, f"{where}: no newswire command"
    group = CLI
    while hasattr(group, "commands"):
        assert argv and argv[0] in group.commands, f"{where}: no command {argv[:1]} in {group}"
        group, argv = group.commands[argv[0]], argv[1:]
    ctx = group.make_context(group.name or "newswire", list(argv))
    if not beam_args_allowed:
        assert not ctx.args, f"{where}: unexpected arguments {ctx.args}"


def _compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _env_names(env: Any) -> list[str]:
    if isinstance(env, dict):
        return [str(k) for k in env]
    return [str(item).split("=", 1)[0] for item in env or []]


def _pyproject_pin(package: str) -> str:
    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    pins = [d.split("==", 1)[1] for d in deps if d.split("==", 1)[0].strip() == package]
    assert pins, f"{package} is not pinned in pyproject.toml"
    return str(pins[0])


# ---- docker-compose.yml -------------------------------------------------------------


def test_compose_services_reference_existing_files_and_pinned_images() -> None:
    compose = _compose()
    services: dict[str, Any] = compose["services"]
    volumes = set(compose.get("volumes") or {})
    for name, svc in services.items():
        assert "image" in svc or "build" in svc, name
        if "image" in svc:
            _assert_pinned(svc["image"], f"service {name}")
        if "build" in svc:
            context = REPO / svc["build"]["context"]
            assert context.is_dir(), f"{name}: build context {context} missing"
            assert (context / svc["build"]["dockerfile"]).is_file(), name
        for mount in svc.get("volumes", []):
            source = mount.split(":", 1)[0]
            if source.startswith((".", "/")):
                assert (REPO / source).exists(), f"{name}: mounted {source} missing"
            else:
                assert source in volumes, f"{name}: volume {source} not declared"
        depends = svc.get("depends_on") or []
        for dep in depends if isinstance(depends, list) else list(depends):
            assert dep in services, f"{name} depends on unknown service {dep}"
        mode = svc.get("network_mode", "")
        if mode.startswith("service:"):
            assert mode.removeprefix("service:") in services, name
        _assert_known_env(_env_names(svc.get("environment")), f"service {name}")
        assert svc.get("restart") in {"no", "on-failure", "unless-stopped", "always"}, name


def test_pipeline_image_tags_follow_the_project_version() -> None:
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    image = f"newswire:{version}"
    assert _compose()["x-newswire"]["image"] == image
    assert _args_defaults(_instructions(DATAFLOW_DOCKERFILE))["BASE_IMAGE"] == image
    (deployment,) = _k8s_docs()["Deployment"]
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == image
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    assert {"name": "newswire", "newTag": version} in kustomization["images"]


def test_compose_runs_kafka_kraft_topics_pipeline_replayer_and_ui() -> None:
    services = _compose()["services"]
    kafka = services["kafka"]
    assert kafka["image"].startswith("apache/kafka:")
    assert "controller" in kafka["environment"]["KAFKA_PROCESS_ROLES"]
    assert any(v.endswith(":/var/lib/kafka/data") for v in kafka["volumes"])
    topics_cmd = services["create-topics"]["command"][0]
    settings = Settings()
    for topic in (
        settings.raw_topic,
        settings.enriched_topic,
        settings.events_topic,
        settings.dlq_topic,
    ):
        assert topic in topics_cmd
    # Inside the network the broker is its PLAINTEXT listener; every client must use it.
    internal = re.search(
        r"PLAINTEXT://(kafka:\d+)", kafka["environment"]["KAFKA_ADVERTISED_LISTENERS"]
    )
    assert internal
    ui = next(
        s
        for s in services.values()
        if "KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS" in s.get("environment", {})
    )
    assert ui["environment"]["KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS"] == internal.group(1)
    newswire_services = {
        n: s for n, s in services.items() if s.get("image", "").startswith("newswire:")
    }
    assert {"newswire", "feed-replayer"} <= set(newswire_services)
    for name, svc in newswire_services.items():
        env = svc.get("environment") or {}
        assert env.get("NEWSWIRE_BOOTSTRAP_SERVERS") == internal.group(1), name


def _newswire_argv(svc: dict[str, Any]) -> tuple[list[str], bool] | None:
    """The newswire argv a service runs, and whether Beam args follow (after `--`)."""
    entry = svc.get("entrypoint")
    command = svc.get("command") or []
    if entry is None:
        return list(command), False
    if entry[:2] == ["/bin/sh", "-c"]:
        script = command[0] if command else entry[2]
        match = re.search(r"newswire (.+?)(?: -- (.*))?$", script.strip())
        assert match, f"no newswire command in {script!r}"
        return shlex.split(match.group(1)), match.group(2) is not None
    return None


def test_compose_newswire_commands_are_real_cli_commands() -> None:
    checked = 0
    for name, svc in _compose()["services"].items():
        if not svc.get("image", "").startswith("newswire:"):
            continue
        argv = _newswire_argv(svc)
        if argv is None:  # the SDK worker pool: a Beam module, not the CLI
            module = svc["entrypoint"][svc["entrypoint"].index("-m") + 1]
            assert importlib.util.find_spec(module) is not None, f"{name}: {module}"
            continue
        _assert_cli(argv[0], f"service {name}", beam_args_allowed=argv[1])
        checked += 1
    assert checked >= 3


def test_compose_flink_profile_matches_beam_version_and_options_file() -> None:
    services = _compose()["services"]
    flink = {n: s for n, s in services.items() if "flink" in s.get("profiles", [])}
    assert {"flink-jobmanager", "flink-taskmanager", "flink-jobserver", "beam-worker-pool"} <= set(
        flink
    )
    jobserver = flink["flink-jobserver"]["image"]
    match = re.fullmatch(r"apache/beam_flink(\d+\.\d+)_job_server:(.+)", jobserver)
    assert match, jobserver
    assert match.group(2) == apache_beam.__version__ == _pyproject_pin("apache-beam")
    for name in ("flink-jobmanager", "flink-taskmanager"):
        assert flink[name]["image"].startswith(f"flink:{match.group(1)}."), name
    # The worker pool sits in the task manager's network namespace at the port the
    # options name, and the submitted options point at the job server service.
    options = [
        line.strip()
        for line in (REPO / "deploy/flink/pipeline.options").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert "--environment_type=EXTERNAL" in options
    port = next(o for o in options if o.startswith("--environment_config=")).rsplit(":", 1)[1]
    pool = flink["beam-worker-pool"]
    assert pool["network_mode"] == "service:flink-taskmanager"
    assert f"--service_port={port}" in pool["command"]
    job_endpoint = next(o for o in options if o.startswith("--job_endpoint="))
    host, job_port = job_endpoint.split("=", 1)[1].split(":")
    assert (
        host == "flink-jobserver" and f"{job_port}:{job_port}" in flink["flink-jobserver"]["ports"]
    )
    # The job server stages artifacts where the task manager can serve them.
    staging = [v for v in flink["flink-jobserver"]["volumes"] if v.startswith("beam-artifacts:")]
    assert staging and staging[0] in flink["flink-taskmanager"]["volumes"]


def _compose_cli() -> list[str] | None:
    """`docker compose` (v2 plugin) or `docker-compose` (v1), whichever works offline."""
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True)
        if probe.returncode == 0:
            return ["docker", "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


def test_compose_config_validates_when_a_compose_cli_exists() -> None:
    """`compose config` checks the file against the Compose schema (client only, no engine)."""
    cli = _compose_cli()
    if cli is None:
        pytest.skip("no compose CLI here (the static checks above stand in)")
    result = subprocess.run(
        [*cli, "-f", str(COMPOSE), "--profile", "flink", "config", "--quiet"],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr


# ---- Dockerfiles ------------------------------------------------------------------


def _instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per Dockerfile instruction, continuations joined."""
    out: list[tuple[str, str]] = []
    current = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        current += " " + line.rstrip("\\").strip() if current else line.rstrip("\\").strip()
        if not line.endswith("\\"):
            keyword, _, args = current.partition(" ")
            out.append((keyword.upper(), args.strip()))
            current = ""
    return out


def _args_defaults(instructions: list[tuple[str, str]]) -> dict[str, str]:
    return dict(a.split("=", 1) for k, a in instructions if k == "ARG" and "=" in a)


def _expand(text: str, args: dict[str, str]) -> str:
    return re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), m.group(0)), text)


def _env(instructions: list[tuple[str, str]]) -> dict[str, str]:
    env: dict[str, str] = {}
    for keyword, args in instructions:
        if keyword == "ENV":
            for pair in shlex.split(args):
                name, value = pair.split("=", 1)
                env[name] = value
    return env


def _dockerignore() -> list[str]:
    lines = (REPO / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_dockerfile_copies_existing_files_not_dockerignored() -> None:
    ignored = _dockerignore()
    copies = [a for k, a in _instructions(DOCKERFILE) if k == "COPY" and "--from=" not in a]
    assert copies
    for args in copies:
        parts = [p for p in shlex.split(args) if not p.startswith("--")]
        for source in parts[:-1]:
            assert (REPO / source).exists(), f"COPY source {source} missing"
            hit = [p for p in ignored if fnmatch.fnmatch(source, p.rstrip("/"))]
            assert not hit, f"COPY {source} is excluded by .dockerignore {hit}"


def test_dockerfile_image_contract() -> None:
    instructions = _instructions(DOCKERFILE)
    args = _args_defaults(instructions)
    for keyword, value in instructions:
        if keyword == "FROM":
            _assert_pinned(_expand(value.split()[0], args), "deploy/Dockerfile")
    env = _env(instructions)
    _assert_known_env(list(env), "deploy/Dockerfile ENV")
    # Non-root, with a health check whose script the image copies.
    user = [a for k, a in instructions if k == "USER"]
    assert user and user[-1].split(":")[0] not in {"0", "root"}
    health = [a for k, a in instructions if k == "HEALTHCHECK"]
    assert len(health) == 1 and "CMD" in health[0]
    script = re.search(r"(/\S+\.py)", health[0])
    assert script
    copied = {shlex.split(a)[-1]: shlex.split(a)[-2] for k, a in instructions if k == "COPY"}
    assert script.group(1) in copied and (REPO / copied[script.group(1)]).is_file()
    # ENTRYPOINT + CMD form a real newswire command.
    entry = yaml.safe_load([a for k, a in instructions if k == "ENTRYPOINT"][-1])
    cmd = yaml.safe_load([a for k, a in instructions if k == "CMD"][-1])
    assert entry == ["newswire"]
    _assert_cli(cmd, "deploy/Dockerfile CMD")
    # Models baked at build time, into the directory the runtime reads.
    download = [a for k, a in instructions if k == "RUN" and "newswire models download" in a]
    assert download and f"--models-dir {env['NEWSWIRE_MODELS_DIR']}" in download[0]
    assert env["NEWSWIRE_REQUIRE_LANGUAGES"] == "${LANGUAGES}"
    assert "LANGUAGES" in args
    # The schemas travel inside the installed package (pipeline/schemas), not beside it.
    assert "NEWSWIRE_SCHEMA_DIR" not in env


def test_dockerfile_installs_the_pinned_cpu_torch() -> None:
    torch_pin = _pyproject_pin("torch")
    runs = [a for k, a in _instructions(DOCKERFILE) if k == "RUN"]
    torch_install = [r for r in runs if f"torch=={torch_pin}" in r]
    assert torch_install, f"the image must install torch=={torch_pin} explicitly"
    assert "download.pytorch.org/whl/cpu" in torch_install[0]
    first_project_install = next(i for i, r in enumerate(runs) if "pip install ." in r)
    assert runs.index(torch_install[0]) < first_project_install


def test_dataflow_dockerfile_uses_the_beam_boot_of_the_same_version() -> None:
    instructions = _instructions(DATAFLOW_DOCKERFILE)
    args = _args_defaults(instructions)
    images = [_expand(a.split()[0], args) for k, a in instructions if k == "FROM"]
    for image in images:
        _assert_pinned(image, "deploy/dataflow/Dockerfile")
    sdk = next(i for i in images if i.startswith("apache/beam_python"))
    assert sdk == f"apache/beam_python3.11_sdk:{apache_beam.__version__}"
    assert args["BEAM_VERSION"] == apache_beam.__version__
    compose_image = _compose()["x-newswire"]["image"]
    assert args["BASE_IMAGE"] == compose_image
    ignored = _dockerignore()
    for keyword, value in instructions:
        if keyword == "COPY" and "--from=" not in value:
            for source in shlex.split(value)[:-1]:
                assert (REPO / source).is_file(), source
                assert not [p for p in ignored if fnmatch.fnmatch(source, p)], source
    assert yaml.safe_load([a for k, a in instructions if k == "ENTRYPOINT"][-1]) == [
        "/opt/apache/beam/boot"
    ]


def test_dataflow_launcher_parses() -> None:
    bash = shutil.which("bash")
    assert bash
    script = REPO / "deploy" / "dataflow" / "launch.sh"
    result = subprocess.run([bash, "-n", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "pipeline.options" in script.read_text()


# ---- Kubernetes -------------------------------------------------------------------


def _k8s_docs() -> dict[str, list[dict[str, Any]]]:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    docs: dict[str, list[dict[str, Any]]] = {}
    for resource in kustomization["resources"]:
        path = K8S / resource
        assert path.is_file(), f"kustomization lists missing {resource}"
        for doc in yaml.safe_load_all(path.read_text()):
            assert doc["apiVersion"] and doc["metadata"]["name"], resource
            docs.setdefault(doc["kind"], []).append(doc)
    return docs


def test_k8s_manifests_reference_each_other_and_real_settings() -> None:
    docs = _k8s_docs()
    configmaps = {d["metadata"]["name"]: d for d in docs["ConfigMap"]}
    secrets = {d["metadata"]["name"]: d for d in docs["Secret"]}
    _, dockerfile_uid = next((k, a) for k, a in reversed(_instructions(DOCKERFILE)) if k == "USER")
    for cm in configmaps.values():
        _assert_known_env(list(cm["data"]), f"ConfigMap {cm['metadata']['name']}")
        assert all(k.startswith("NEWSWIRE_") for k in cm["data"])
    for deployment in docs["Deployment"]:
        spec = deployment["spec"]["template"]["spec"]
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert str(spec["securityContext"]["runAsUser"]) == dockerfile_uid.split(":")[0]
        volumes = {v["name"]: v for v in spec.get("volumes", [])}
        for container in spec["containers"]:
            where = f"Deployment {deployment['metadata']['name']}"
            _assert_pinned(container["image"], where)
            _assert_cli(container["args"], where)
            for source in container.get("envFrom", []):
                assert source["configMapRef"]["name"] in configmaps
            for var in container.get("env", []):
                _assert_known_env([var["name"]], where)
                ref = var.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert ref["key"] in secrets[ref["name"]]["stringData"], ref
            for mount in container.get("volumeMounts", []):
                assert mount["name"] in volumes, mount
            for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                if probe in container:
                    command = container[probe]["exec"]["command"]
                    assert "/opt/newswire/healthcheck.py" in command
        for volume in volumes.values():
            if "secret" in volume:
                secret = secrets[volume["secret"]["secretName"]]
                for item in volume["secret"].get("items", []):
                    assert item["key"] in secret["stringData"], item
        # Files the config points at are mounted.
        paths = [v for cm in configmaps.values() for k, v in cm["data"].items() if "_FILE" in k]
        mounts = [m["mountPath"] for c in spec["containers"] for m in c.get("volumeMounts", [])]
        for path in paths:
            assert any(path.startswith(m + "/") for m in mounts), path


def test_k8s_pipeline_is_a_single_recreated_replica() -> None:
    """The kafka-python source assigns itself every partition: two replicas would
    process every article twice."""
    (deployment,) = _k8s_docs()["Deployment"]
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"]["type"] == "Recreate"


# ---- configuration reference ------------------------------------------------------


def test_configuration_doc_is_generated_from_the_settings() -> None:
    doc = REPO / "docs" / "configuration.md"
    assert doc.read_text(encoding="utf-8") == reference_markdown(), (
        "docs/configuration.md is stale: run "
        "`python -m pipeline.config --reference > docs/configuration.md`"
    )
    for name, env, _default, meaning in reference_table():
        assert f"`{env}`" in doc.read_text(encoding="utf-8") and meaning, name


def test_reference_generator_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.config", "--reference"],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == reference_markdown()
