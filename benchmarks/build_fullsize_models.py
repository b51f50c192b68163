"""Build Stanza models of the official default dimensions, offline, for the NLP benchmark.

Stanza's official models cannot be downloaded here, and the tiny models the project ships
(``pipeline/nlp/models``) are far smaller than the official ones, so they say nothing
about throughput. This script builds, for Arabic and English, models whose *shapes* are
those of the official stanza 1.15 default packages, trained on the project's corpus
(``pipeline/nlp/training/corpus``) with Stanza's own trainers:

- ``pos``, ``depparse``, ``ner``: every trainer option at its default (no dimension flag
  is passed), charlm on, trained for two steps. Their outputs do not change how much
  work any later processor does, and weights do not change the cost of an LSTM.
- forward and backward character LMs (``stanza.models.charlm`` at its defaults:
  100-dim characters, 1024-dim LSTM), one step each; loaded by pos, depparse and ner.
- word vectors of the official sizes, random and seeded (the corpus vocabulary padded
  with synthetic words): 250,000 x 100 for pos and depparse (the official packages use
  the 100-dim CoNLL 2017 vectors, and ``tagger``/``parser`` keep
  ``--pretrain_max_vocab 250000``), 100,000 x 300 for ner (fastText vectors,
  ``ner_tagger --pretrain_max_vocab 100000``).
- ``tokenize``, ``mwt`` (Arabic) and ``lemma``: default dimensions and no charlm, as in
  the official default packages, but trained until they work on the corpus (a few
  hundred steps). Their *outputs* set the cost of everything after them: sentence
  lengths, words per token, and how long the lemmatizer's seq2seq decoder runs, so a
  two-step tokenizer would benchmark the wrong text. The tokenizer gets the options
  Stanza's own ``run_tokenizer`` script gives it (``--max_seqlen`` from the average
  sentence length, the extra English feature functions).

The result is an ordinary Stanza resources directory (``resources.json`` listing each
processor with its ``pretrain``, ``forward_charlm`` and ``backward_charlm`` dependencies,
files at ``<lang>/<processor>/<package>.pt``), so the plain call::

    stanza.Pipeline("en", dir="benchmarks/.models/fullsize", download_method=None)

loads every processor with its charlm, and ``pipeline.nlp.registry`` finds it through
``Settings(models_dir=...)``. Run from the repository root::

    python -m benchmarks.build_fullsize_models --out benchmarks/.models/fullsize
    python -m benchmarks.build_fullsize_models --out /tmp/fullsize --lang en

A rebuild skips every model whose recipe (trainer command, corpus, dependency files,
versions) matches the one recorded in ``build-manifest.json`` and whose installed file
is intact. The models are for timing only: they make no quality claim. Never commit them
(``benchmarks/.models/`` is git-ignored). The corpus conversion and trainer plumbing come
from :mod:`pipeline.nlp.training.build_tiny_models`.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import json
import logging
import os
import platform
import shutil
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.nlp.training.build_tiny_models import (
    HYPERPARAMETERS,
    LANGUAGES,
    SEED,
    Language,
    TrainingJob,
    corpus_files,
    corpus_vocabulary,
    human_size,
    md5_of,
    model_build_parser,
    ner_tokens,
    prepare_language,
    read_sentences,
    run_build,
    run_job,
    set_option,
    training_jobs,
    write_resources,
)

LOG = logging.getLogger("newswire.build_fullsize_models")

PACKAGE = "fullsize_bench"
NER_PRETRAIN = "fullsize_bench_ner"
# Built, not hosted: a reserved domain (RFC 2606) so a missing file fails fast, offline.
MODEL_URL = "https://newswire-fullsize-models.invalid/{lang}/{filename}"
DEFAULT_OUT = Path(__file__).resolve().parent / ".models" / "fullsize"
MANIFEST = "build-manifest.json"
RECIPE_VERSION = 1
TRAIN_STEPS = 2
"""Steps for pos, depparse and ner: their weights do not change their cost. They evaluate
(on the training split) once, at the last step, and save: stanza 1.15's tagger raises
UnboundLocalError when it finishes without ever having evaluated."""

PRETRAIN = "pretrain"
FORWARD_CHARLM = "forward_charlm"
BACKWARD_CHARLM = "backward_charlm"
CHARLMS = (FORWARD_CHARLM, BACKWARD_CHARLM)
USES_CHARLM = ("pos", "depparse", "ner")


@dataclass(frozen=True)
class Vectors:
    """A word-vector pretrain of an official size."""

    package: str
    rows: int
    dim: int
    official: str


VECTORS = {
    PACKAGE: Vectors(PACKAGE, 250_000, 100, "CoNLL 2017 word2vec (conll17), 100 d"),
    NER_PRETRAIN: Vectors(NER_PRETRAIN, 100_000, 300, "fastText (en crawl, ar wiki), 300 d"),
}
PRETRAIN_OF = {"pos": PACKAGE, "depparse": PACKAGE, "ner": NER_PRETRAIN}


@dataclass(frozen=True)
class Artifact:
    """One installed file: ``<out>/<lang>/<kind>/<package>.pt``."""

    lang: str
    kind: str
    package: str
    deps: tuple[tuple[str, str], ...] = ()
    job: TrainingJob | None = None

    @property
    def key(self) -> str:
        """``lang/kind/package``: the manifest key and log name."""
        return f"{self.lang}/{self.kind}/{self.package}"

    def path(self, out: Path) -> Path:
        """Where the file is installed."""
        return out / self.lang / self.kind / f"{self.package}.pt"


@dataclass
class BuildReport:
    """What the console summary and MODELS.md need."""

    langs: list[str]
    seconds_total: float = 0.0
    built: dict[str, float] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    files: dict[str, int] = field(default_factory=dict)
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)


# --------------------------------------------------------------------------- recipes


def dep_file(kind: str, package: str) -> str:
    """Name of a dependency inside a language's ``deps`` work folder."""
    return f"{kind}-{package}.pt"


def official_jobs(lang: Language) -> dict[str, TrainingJob]:
    """The tiny build's trainer commands with its small-dimension options removed.

    What is left is the data plumbing (input files, ``--cpu``, ``--seed``, save paths);
    every model option falls back to the trainer's default.
    """
    jobs: dict[str, TrainingJob] = {}
    for job in training_jobs(lang):
        tiny = tuple(HYPERPARAMETERS[job.processor].split())
        if job.args[-len(tiny) :] != tiny:
            raise RuntimeError(
                f"build_tiny_models' {job.processor} command no longer ends with its "
                "HYPERPARAMETERS; update official_jobs()"
            )
        jobs[job.processor] = replace(job, args=job.args[: -len(tiny)])
    return jobs


def tokenizer_options(lang: Language, work: Path) -> tuple[str, ...]:
    """What Stanza's ``run_tokenizer`` adds for a language, plus a step budget."""
    from stanza.utils.avg_sent_len import avg_sent_len
    from stanza.utils.training.run_tokenizer import default_feat_funcs

    labels = work / lang.code / "tokenize" / "train.toklabels"
    seqlen = int(np.ceil(avg_sent_len(str(labels)) * 3 / 100) * 100)
    # 400 steps reach 99.9+ token F1 on the corpus (the official run trains 50,000 steps
    # on a treebank); the best of four evaluations is kept.
    options: tuple[str, ...] = ("--max_seqlen", str(seqlen), "--steps", "400")
    options += ("--eval_steps", "100")
    funcs = default_feat_funcs(lang.code)
    if funcs:
        options += ("--feat_funcs", ",".join(funcs))
    return options


def artifacts(lang: Language, work: Path) -> list[list[Artifact]]:
    """Everything to build for ``lang``, in stages; a stage only needs earlier ones."""
    c = lang.code
    vectors = [Artifact(c, PRETRAIN, package) for package in VECTORS]
    charlm_stage: list[Artifact] = []
    for kind in CHARLMS:
        direction = kind.split("_")[0]
        command = (
            f"--cpu --seed {SEED} --shorthand {c}_fullsize --direction {direction}"
            f" --train_file {c}/tokenize/train.txt --eval_file {c}/tokenize/dev.txt"
            f" --save_dir {c}/charlm --save_name {direction}.pt"
            f" --vocab_save_name {direction}_vocab.pt --no_checkpoint --epochs 1 --cutoff 1"
        )
        charlm = TrainingJob(c, kind, "stanza.models.charlm", tuple(command.split()), "")
        charlm = replace(charlm, model=charlm_model(charlm))
        charlm_stage.append(Artifact(c, kind, PACKAGE, job=charlm))
    base = official_jobs(lang)
    early = [
        Artifact(c, "tokenize", PACKAGE, job=add(base["tokenize"], tokenizer_options(lang, work)))
    ]
    if "mwt" in base:
        early.append(Artifact(c, "mwt", PACKAGE, job=base["mwt"]))
    # The dev score peaks by epoch 15 of the default 60 on this corpus.
    early.append(Artifact(c, "lemma", PACKAGE, job=add(base["lemma"], ("--num_epoch", "20"))))
    late: list[Artifact] = []
    for processor in USES_CHARLM:
        pretrain = PRETRAIN_OF[processor]
        deps = ((PRETRAIN, pretrain), (FORWARD_CHARLM, PACKAGE), (BACKWARD_CHARLM, PACKAGE))
        job = base[processor]
        args = set_option(job.args, "--wordvec_pretrain_file", f"{c}/deps/{dep_file(*deps[0])}")
        args += ("--charlm", "--charlm_shorthand", f"{c}_fullsize")
        args += ("--charlm_forward_file", f"{c}/deps/{dep_file(*deps[1])}")
        args += ("--charlm_backward_file", f"{c}/deps/{dep_file(*deps[2])}")
        args += ("--max_steps", str(TRAIN_STEPS), "--eval_interval", str(TRAIN_STEPS))
        if processor == "depparse":
            args += ("--no_checkpoint",)
        late.append(Artifact(c, processor, PACKAGE, deps, replace(job, args=args)))
    return [vectors, charlm_stage + early, late]


def charlm_model(job: TrainingJob) -> str:
    """Where ``stanza.models.charlm`` saves: ``--save_dir``/``--save_name``."""
    args = job.args
    return f"{args[args.index('--save_dir') + 1]}/{args[args.index('--save_name') + 1]}"


def add(job: TrainingJob, options: tuple[str, ...]) -> TrainingJob:
    """``job`` with extra trainer options."""
    return replace(job, args=(*job.args, *options))


def sha256_text(text: str) -> str:
    """Hex SHA-256 of a string."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def recipe(artifact: Artifact, out: Path) -> str:
    """A digest of everything that determines ``artifact``; equal digest = skip."""
    import stanza
    import torch

    corpus = [sha256_text(p.read_text(encoding="utf-8")) for p in corpus_files(artifact.lang)]
    what: dict[str, Any] = {
        "version": RECIPE_VERSION,
        "stanza": stanza.__version__,
        "torch": torch.__version__,
        "numpy": np.__version__,
        "corpus": corpus,
        "deps": {
            f"{kind}/{package}": md5_of(out / artifact.lang / kind / f"{package}.pt")
            for kind, package in artifact.deps
        },
    }
    if artifact.job is not None:
        what["command"] = [artifact.job.module, *artifact.job.args]
    else:
        spec = VECTORS[artifact.package]
        what["vectors"] = [spec.rows, spec.dim, SEED]
    return sha256_text(json.dumps(what, sort_keys=True))


# --------------------------------------------------------------------------- vectors


def write_vectors(lang: str, spec: Vectors, target: Path) -> None:
    """A Stanza pretrain of ``spec.rows`` x ``spec.dim``: corpus words, then padding.

    Rows 0-3 are Stanza's reserved <PAD>, <UNK>, <EMPTY>, <ROOT> (zero, as
    ``Pretrain.read_from_file`` leaves them); the rest are seeded Gaussian vectors.
    """
    import torch
    from stanza.models.common.pretrain import Pretrain, PretrainedWordVocab
    from stanza.models.common.vocab import VOCAB_PREFIX

    train, _ = corpus_files(lang)
    sequences = corpus_vocabulary(read_sentences(train.read_text(encoding="utf-8")))
    counts = Counter(w for seq in sequences for w in seq)
    words = sorted(counts, key=lambda w: (-counts[w], w))
    size = spec.rows - len(VOCAB_PREFIX)
    words += [f"fullsizepad{i:06d}" for i in range(size - len(words))]
    rng = np.random.default_rng([SEED, spec.rows, spec.dim, *lang.encode()])
    emb = np.zeros((spec.rows, spec.dim), dtype=np.float32)
    emb[len(VOCAB_PREFIX) :] = rng.standard_normal((size, spec.dim), dtype=np.float32)
    emb /= np.float32(np.sqrt(spec.dim))
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    # The dict Pretrain.save writes; Pretrain.load below checks it reads back whole.
    data = {"vocab": PretrainedWordVocab(words).state_dict(), "emb": torch.from_numpy(emb)}
    torch.save(data, partial, _use_new_zipfile_serialization=False)
    loaded = Pretrain(str(partial))
    if len(loaded) != spec.rows or tuple(loaded.emb.shape) != (spec.rows, spec.dim):
        raise RuntimeError(f"{partial}: pretrain did not read back as {spec.rows}x{spec.dim}")
    partial.replace(target)


# --------------------------------------------------------------------------- building


def build_one(artifact: Artifact, out: Path, work: Path) -> float:
    """Build and install one artifact; return its wall time."""
    started = time.perf_counter()
    target = artifact.path(out)
    if artifact.job is None:
        write_vectors(artifact.lang, VECTORS[artifact.package], target)
        LOG.info("wrote %s in %.1f s", artifact.key, time.perf_counter() - started)
        return time.perf_counter() - started
    result = run_job(artifact.job, work)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    shutil.copyfile(work / artifact.job.model, partial)
    partial.replace(target)
    return result.seconds


def load_manifest(out: Path) -> dict[str, dict[str, str]]:
    """The recipes and md5s of the installed files (empty when there is none)."""
    path = out / MANIFEST
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def save_manifest(out: Path, manifest: dict[str, dict[str, str]]) -> None:
    """Write the manifest atomically."""
    path = out / MANIFEST
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    partial.replace(path)


def up_to_date(artifact: Artifact, out: Path, manifest: dict[str, dict[str, str]]) -> bool:
    """The installed file exists, is intact and was built from the same recipe."""
    entry = manifest.get(artifact.key)
    target = artifact.path(out)
    return (
        entry is not None
        and target.is_file()
        and entry.get("recipe") == recipe(artifact, out)
        and entry.get("md5") == md5_of(target)
    )


def run_stage(
    stage: Sequence[Artifact],
    out: Path,
    work: Path,
    parallel: int,
    manifest: dict[str, dict[str, str]],
    report: BuildReport,
    force: bool,
) -> None:
    """Build the out-of-date artifacts of one stage, ``parallel`` trainers at a time."""
    todo = []
    for artifact in stage:
        if not force and up_to_date(artifact, out, manifest):
            report.skipped.append(artifact.key)
            LOG.info("up to date: %s", artifact.key)
        else:
            todo.append(artifact)
    if not todo:
        return
    for artifact in todo:  # the trainers read their dependencies through links
        deps = work / artifact.lang / "deps"
        deps.mkdir(parents=True, exist_ok=True)
        for kind, package in artifact.deps:
            link = deps / dep_file(kind, package)
            link.unlink(missing_ok=True)
            link.symlink_to(out / artifact.lang / kind / f"{package}.pt")
    # Trainers are single-threaded processes; vectors are written in this process.
    workers = parallel if any(a.job is not None for a in todo) else 1
    failures: list[BaseException] = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(build_one, a, out, work): a for a in todo}
        for future in concurrent.futures.as_completed(futures):
            artifact = futures[future]
            error = future.exception()
            if error is not None:  # keep recording the others: a rerun then skips them
                LOG.error("%s failed: %s", artifact.key, error)
                failures.append(error)
                continue
            report.built[artifact.key] = future.result()
            manifest[artifact.key] = {
                "recipe": recipe(artifact, out),
                "md5": md5_of(artifact.path(out)),
            }
            save_manifest(out, manifest)
    if failures:
        raise failures[0]


# --------------------------------------------------------------------------- installing


def language_resources(lang: Language, out: Path) -> dict[str, Any]:
    """The resources.json entry of one language, with pretrain and charlm dependencies."""
    entry: dict[str, Any] = {"lang_name": lang.name}
    dependencies: dict[str, list[dict[str, str]]] = {}
    for processor in USES_CHARLM:
        dependencies[processor] = [
            {"model": PRETRAIN, "package": PRETRAIN_OF[processor]},
            {"model": FORWARD_CHARLM, "package": PACKAGE},
            {"model": BACKWARD_CHARLM, "package": PACKAGE},
        ]
    for processor in lang.processors:
        model: dict[str, Any] = {"md5": md5_of(out / lang.code / processor / f"{PACKAGE}.pt")}
        if processor in dependencies:
            model["dependencies"] = dependencies[processor]
        entry[processor] = {PACKAGE: model}
    entry[PRETRAIN] = {
        package: {"md5": md5_of(out / lang.code / PRETRAIN / f"{package}.pt")}
        for package in VECTORS
    }
    for kind in CHARLMS:
        entry[kind] = {PACKAGE: {"md5": md5_of(out / lang.code / kind / f"{PACKAGE}.pt")}}
    defaults = {processor: PACKAGE for processor in lang.processors}
    entry["default_processors"] = defaults
    entry["default_dependencies"] = dependencies
    entry["packages"] = {"default": dict(defaults), PACKAGE: dict(defaults)}
    return entry


# --------------------------------------------------------------------------- checking


def check_language(lang: Language, out: Path) -> dict[str, Any]:
    """Load the plain ``stanza.Pipeline`` from ``out`` and describe what it loaded."""
    import stanza

    nlp = stanza.Pipeline(lang.code, dir=str(out), download_method=None, logging_level="WARN")
    sample = read_sentences(corpus_files(lang.code)[1].read_text(encoding="utf-8"))[0]
    text = " ".join(token for token, _ in ner_tokens(sample))
    doc = nlp(text)
    described: dict[str, Any] = {
        "processors": sorted(nlp.processors),
        "sentences": len(doc.sentences),
    }
    logging.getLogger("stanza").setLevel(logging.WARNING)
    for processor in USES_CHARLM:
        model = nlp.processors[processor].trainer.model
        forward = getattr(model, "charmodel_forward", None)
        config = model.args
        # The word vectors: pos/depparse `pretrained_emb`, ner `word_emb` (both unsaved).
        vectors = getattr(model, "word_emb" if processor == "ner" else "pretrained_emb", None)
        described[processor] = {
            "charlm_hidden": None if forward is None else int(forward.hidden_dim()),
            "hidden_dim": config.get("hidden_dim"),
            "num_layers": config.get("num_layers"),
            "word_emb_dim": config.get("word_emb_dim"),
            "pretrain": None if vectors is None else list(vectors.weight.shape),
            "params_with_charlm_and_vectors": sum(p.numel() for p in model.parameters()),
        }
        if forward is None:
            raise RuntimeError(f"{lang.code} {processor} loaded without its charlm")
    return described


# --------------------------------------------------------------------------- report


def models_md(report: BuildReport, out: Path) -> str:
    """A short description of the directory, written next to the models."""
    import stanza
    import torch

    lines = [
        f"# Full-size benchmark models (`{PACKAGE}`)",
        "",
        "Generated by `python -m benchmarks.build_fullsize_models`; for timing only,",
        "no quality claim; never commit. See that module's docstring for the recipe.",
        "",
        f"- stanza {stanza.__version__}, torch {torch.__version__}, Python"
        f" {platform.python_version()}, {os.cpu_count()} CPU cores.",
        f"- Last run: {report.seconds_total:.0f} s; built {len(report.built)},"
        f" up to date {len(report.skipped)}.",
        "",
        "| file | size |",
        "|---|---|",
    ]
    lines += [f"| `{name}` | {human_size(size)} |" for name, size in sorted(report.files.items())]
    for lang in report.langs:
        total = sum(s for n, s in report.files.items() if n.startswith(f"{lang}/"))
        lines.append(f"| **{lang} total** | {human_size(total)} |")
    lines += ["", "## Loaded by `stanza.Pipeline(lang, dir=..., download_method=None)`", ""]
    for lang, described in report.checks.items():
        lines.append(f"- `{lang}`: {json.dumps(described, sort_keys=True)}")
    lines.append("")
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def build(langs: Sequence[str], out: Path, work: Path, parallel: int, force: bool) -> BuildReport:
    """Prepare the corpus views, build what is out of date, install, check."""
    started = time.perf_counter()
    report = BuildReport(langs=list(langs))
    selected = [LANGUAGES[code] for code in langs]
    stages: list[list[Artifact]] = [[], [], []]
    for lang in selected:
        prepare_language(lang, work)
        for index, stage in enumerate(artifacts(lang, work)):
            stages[index] += stage
    out.mkdir(parents=True, exist_ok=True)
    manifest = load_manifest(out)
    for stage in stages:
        run_stage(stage, out, work, parallel, manifest, report, force)
    write_resources(out, selected, language_resources, MODEL_URL)
    for lang in selected:
        report.checks[lang.code] = check_language(lang, out)
    report.seconds_total = time.perf_counter() - started
    for path in sorted(out.rglob("*.pt")):
        report.files[path.relative_to(out).as_posix()] = path.stat().st_size
    (out / "MODELS.md").write_text(models_md(report, out), encoding="utf-8")
    return report


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = model_build_parser(
        prog="python -m benchmarks.build_fullsize_models",
        description="Build Stanza models of the official default dimensions (for timing) "
        "and install them as a Stanza resources directory.",
        default_out=DEFAULT_OUT,
        work_help="keep corpus views, trainer logs and raw models here (default: a temp dir)",
    )
    parser.add_argument("--force", action="store_true", help="rebuild even what is up to date")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point."""
    args = parse_args(argv)
    langs, out, report = run_build(
        args,
        "newswire-fullsize-",
        lambda langs, out, work: build(langs, out, work, args.jobs, args.force),
    )
    for key, seconds in sorted(report.built.items()):
        LOG.info("built %-32s %6.1f s", key, seconds)
    for lang in langs:
        total = sum(s for n, s in report.files.items() if n.startswith(f"{lang}/"))
        LOG.info("%s: %s in %s/%s", lang, human_size(total), out, lang)
        LOG.info("%s loaded: %s", lang, json.dumps(report.checks[lang], sort_keys=True))
    LOG.info(
        "build took %.0f s (built %d, up to date %d)",
        report.seconds_total,
        len(report.built),
        len(report.skipped),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
