"""Build small Arabic and English Stanza models *with character language models* for tests.

The official Stanza packages give pos, depparse and ner a forward and a backward
character language model (``stanza.models.charlm``), shared by the three processors of a
language: ``resources.json`` lists the same ``forward_charlm`` and ``backward_charlm``
files as dependencies of each. The tiny models shipped in ``pipeline/nlp/models`` have
none, and the full-size benchmark models (``benchmarks/build_fullsize_models.py``) are
trained two steps, so neither can show that a charlm optimisation
(:mod:`pipeline.nlp.charlm`) leaves entities and events unchanged. This build makes a
small model set that has the official *structure* and still works:

- a forward and a backward character LM per language (16-dim characters, 64-unit LSTM),
  trained by ``stanza.models.charlm`` on the raw text of the corpus's training split;
- pos, depparse and ner trained with ``--charlm`` on those two files, with the tiny
  build's small dimensions (:data:`build_tiny_models.HYPERPARAMETERS`), except that ner's
  ``--char_hidden_dim`` must equal the charlm's hidden size (the NER model sizes its
  input from it) and the tagger projects the charlm output to 32 dims (see
  :data:`OVERRIDES`);
- tokenize, mwt (Arabic), lemma and the word-vector pretrain copied unchanged from the
  shipped tiny models (none of them reads a charlm).

The result is an ordinary Stanza resources directory, so the plain call::

    stanza.Pipeline("ar", dir="tests/models/charlm", download_method=None)

loads every processor, and the three that use them load the same charlm files. Run it
from the repository root::

    python -m pipeline.nlp.training.build_charlm_models --out tests/models/charlm

The corpus conversion, the trainer plumbing (seeded, one thread, ``PYTHONHASHSEED=0``,
relative paths), the dev scoring and the content comparison come from
:mod:`pipeline.nlp.training.build_tiny_models`; like that build, an installed file whose
*contents* a rebuild reproduces is left in place. Test models: no quality claim.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import logging
import math
import os
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pipeline.nlp.training import build_tiny_models as tiny
from pipeline.nlp.training.build_tiny_models import (
    LANGUAGES,
    PRETRAIN,
    SEED,
    Language,
    TrainingJob,
    content_fingerprint,
    human_size,
    md5_of,
    model_build_parser,
    prepare_language,
    run_build,
    run_job,
    score_dev,
    set_option,
    sha256_of,
    train_all,
    training_jobs,
    versions,
    write_resources,
)

LOG = logging.getLogger("newswire.build_charlm_models")

PACKAGE = "newswire_charlm"
# Built, not hosted: a reserved domain (RFC 2606) so a missing file fails fast, offline.
MODEL_URL = "https://newswire-charlm-models.invalid/{lang}/{filename}"
REPO = tiny.TRAINING_DIR.parents[2]
DEFAULT_OUT = REPO / "tests" / "models" / "charlm"
SHIPPED_DIR = tiny.DEFAULT_OUT

FORWARD_CHARLM = "forward_charlm"
BACKWARD_CHARLM = "backward_charlm"
CHARLMS = (FORWARD_CHARLM, BACKWARD_CHARLM)
USES_CHARLM = ("pos", "depparse", "ner")
# Installed unchanged from the shipped tiny models (their files, byte for byte).
COPIED = ("tokenize", "mwt", "lemma", PRETRAIN)

CHARLM_HIDDEN_DIM = 64
# ~6,000 characters of training text per language: 8 rows of ~700 characters, 50-character
# truncated backprop, so an epoch is ~14 steps; 30 epochs (~450 steps) come close to the
# best dev perplexity (~5.5 en, ~7 ar) before the LM starts to memorise the corpus. There
# is no selection: the charlm evaluates (on the training text) and saves after the last
# epoch.
CHARLM_OPTIONS = (
    f"--char_emb_dim 16 --char_hidden_dim {CHARLM_HIDDEN_DIM} --char_num_layers 1"
    " --batch_size 8 --bptt_size 50 --epochs 30 --cutoff 1 --report_steps 1000"
)
# Changes to the tiny HYPERPARAMETERS for the processors that read the charlm. The tagger
# projects each charlm's output to 32 dims, the size of the tiny tagger's own character
# features: with the raw 2 x 64 dims its dev UPOS was as good, but its errors (e.g. -tion
# nouns tagged ADJ) put the English parse 8 UAS points under the tiny models' (a 71-word
# dev set, so partly noise). The calls into the charlm are the same either way.
OVERRIDES: dict[str, dict[str, str]] = {
    "pos": {"--charlm_transform_dim": "32"},
    "depparse": {},
    "ner": {"--char_hidden_dim": str(CHARLM_HIDDEN_DIM)},
}


@dataclass
class BuildReport:
    """What MODELS.md and the console summary need."""

    langs: list[str]
    seconds_total: float = 0.0
    job_seconds: dict[str, float] = field(default_factory=dict)
    files: dict[str, tuple[int, str]] = field(default_factory=dict)
    reproduced: dict[str, bool] = field(default_factory=dict)
    scores: dict[str, dict[str, float]] = field(default_factory=dict)
    tiny_scores: dict[str, dict[str, float]] = field(default_factory=dict)
    perplexity: dict[str, dict[str, float]] = field(default_factory=dict)
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)


# --------------------------------------------------------------------------- recipes


def charlm_path(lang: str, kind: str) -> str:
    """Where the charlm trainer saves ``kind`` (relative to the work directory)."""
    return f"{lang}/charlm/{kind}.pt"


def charlm_jobs(lang: Language) -> list[TrainingJob]:
    """The forward and backward character-LM trainers of ``lang``."""
    c = lang.code
    jobs = []
    for kind in CHARLMS:
        direction = kind.split("_")[0]
        args = (
            f"--cpu --seed {SEED} --shorthand {lang.shorthand} --direction {direction}"
            f" --train_file {c}/tokenize/train.txt --eval_file {c}/tokenize/train.txt"
            f" --save_dir {c}/charlm --save_name {kind}.pt --vocab_save_name {kind}_vocab.pt"
            f" --no_checkpoint {CHARLM_OPTIONS}"
        )
        jobs.append(
            TrainingJob(c, kind, "stanza.models.charlm", tuple(args.split()), charlm_path(c, kind))
        )
    return jobs


def charlm_training_jobs(lang: Language) -> list[TrainingJob]:
    """The tiny build's pos, depparse and ner commands, plus the two charlm files."""
    c = lang.code
    jobs = []
    for job in training_jobs(lang):
        if job.processor not in USES_CHARLM:
            continue
        args = job.args
        for option, value in OVERRIDES[job.processor].items():
            args = set_option(args, option, value)
        args += ("--charlm", "--charlm_shorthand", lang.shorthand)
        args += ("--charlm_forward_file", charlm_path(c, FORWARD_CHARLM))
        args += ("--charlm_backward_file", charlm_path(c, BACKWARD_CHARLM))
        jobs.append(replace(job, args=args))
    return jobs


def use_shipped_pretrain(lang: Language, work: Path) -> None:
    """Train on the installed (shipped) pretrain file, not the work copy of the same vectors."""
    shipped = SHIPPED_DIR / lang.code / PRETRAIN / f"{tiny.PACKAGE}.pt"
    shutil.copyfile(shipped, work / lang.code / "pretrain.pt")


# --------------------------------------------------------------------------- installing


def sources(lang: Language, work: Path) -> dict[str, Path]:
    """Every file installed for ``lang``, by resource kind."""
    found = {
        kind: SHIPPED_DIR / lang.code / kind / f"{tiny.PACKAGE}.pt"
        for kind in COPIED
        if kind == PRETRAIN or kind in lang.processors
    }
    for kind in CHARLMS:
        found[kind] = work / charlm_path(lang.code, kind)
    for processor in USES_CHARLM:
        found[processor] = work / lang.code / "models" / f"{processor}.pt"
    return found


def install(langs: Sequence[Language], work: Path, out: Path) -> dict[str, bool]:
    """Install ``out/<lang>/<kind>/<package>.pt`` and ``resources.json``.

    An installed file whose contents equal the new one's is kept, so a build that
    reproduces the models changes no file. Returns, for each file that was already
    installed, whether its contents were reproduced.
    """
    reproduced: dict[str, bool] = {}
    for lang in langs:
        files = sources(lang, work)
        lang_dir = out / lang.code
        for stale in sorted(lang_dir.glob("*/*.pt")) if lang_dir.is_dir() else []:
            if stale.parent.name not in files or stale.name != f"{PACKAGE}.pt":
                stale.unlink()
        for kind, source in files.items():
            target = lang_dir / kind / f"{PACKAGE}.pt"
            if target.is_file():
                same = content_fingerprint(target) == content_fingerprint(source)
                reproduced[f"{lang.code}/{kind}"] = same
                if same:
                    continue
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    write_resources(out, langs, language_resources, MODEL_URL)
    return reproduced


def language_resources(lang: Language, out: Path) -> dict[str, Any]:
    """The tiny build's resources.json entry plus the charlm files and dependencies."""
    entry = tiny.language_resources(lang, out, package=PACKAGE)
    charlm_deps = [{"model": kind, "package": PACKAGE} for kind in CHARLMS]
    for processor in USES_CHARLM:
        model = entry[processor][PACKAGE]
        model["dependencies"] = [*model["dependencies"], *charlm_deps]
        entry["default_dependencies"][processor] = list(model["dependencies"])
    for kind in CHARLMS:
        entry[kind] = {PACKAGE: {"md5": md5_of(out / lang.code / kind / f"{PACKAGE}.pt")}}
    return entry


# --------------------------------------------------------------------------- checking


def dev_perplexity(model_file: Path, text_file: Path) -> float:
    """Per-character perplexity of a charlm on a text (one row, the charlm's evaluation)."""
    import torch
    from stanza.models.common.char_model import CharacterLanguageModel

    stanza_logger = logging.getLogger("stanza")
    level = stanza_logger.level
    from stanza.models import charlm  # its import sets the stanza logger to DEBUG

    stanza_logger.setLevel(level)

    model = CharacterLanguageModel.load(str(model_file))
    direction = "forward" if model.is_forward_lm else "backward"
    data = charlm.load_file(str(text_file), model.vocab, direction)
    args = {"batch_size": 1, "bptt_size": 250}
    loss = charlm.evaluate_epoch(args, model.vocab, data, model, torch.nn.CrossEntropyLoss())
    return math.exp(loss)


def state_fingerprint(module: Any) -> str:
    """SHA-256 of a module's tensors (equal weights, equal digest)."""
    import hashlib

    digest = hashlib.sha256()
    for name, tensor in sorted(module.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def check_language(lang: Language, out: Path) -> dict[str, Any]:
    """Load the plain ``stanza.Pipeline`` from ``out``; require one shared charlm pair."""
    import stanza
    from stanza.models.common.char_model import CharacterLanguageModel

    nlp = stanza.Pipeline(lang.code, dir=str(out), download_method=None, logging_level="WARN")
    expected = {
        kind: state_fingerprint(
            CharacterLanguageModel.load(str(out / lang.code / kind / f"{PACKAGE}.pt"))
        )
        for kind in CHARLMS
    }
    for processor in USES_CHARLM:
        model = nlp.processors[processor].trainer.model
        for kind in CHARLMS:
            charmodel = getattr(model, f"charmodel_{kind.split('_')[0]}", None)
            if not isinstance(charmodel, CharacterLanguageModel):
                raise RuntimeError(f"{lang.code} {processor} loaded without its {kind}")
            if state_fingerprint(charmodel) != expected[kind]:
                raise RuntimeError(f"{lang.code} {processor}: {kind} is not the installed one")
    charmodel = nlp.processors["pos"].trainer.model.charmodel_forward
    return {
        "processors": sorted(nlp.processors),
        "charlm_hidden_dim": int(charmodel.hidden_dim()),
        "charlm_vocab": len(charmodel.char_vocab()),
        "charlm_parameters": sum(p.numel() for p in charmodel.parameters()),
    }


# --------------------------------------------------------------------------- report

METRICS = ("Tokens", "Sentences", "Words", "UPOS", "Lemmas", "UAS", "LAS", "NER")


def models_md(report: BuildReport) -> str:
    """The text of MODELS.md for this build."""
    v = versions()
    total = sum(size for size, _ in report.files.values())
    lines = [
        f"# Small Stanza models with character LMs (`{PACKAGE}`)",
        "",
        "Generated by `python -m pipeline.nlp.training.build_charlm_models`; do not edit by",
        "hand. **Test data**: the shipped tiny models (`pipeline/nlp/models`) plus a forward",
        "and a backward character language model per language, which pos, depparse and ner",
        "load as `resources.json` dependencies, as in Stanza's official packages. They let",
        "tests check that charlm optimisations (`pipeline/nlp/charlm.py`) leave the",
        "pipeline's output unchanged. No quality claim.",
        "",
        "## How they were made",
        "",
        "```",
        "python -m pipeline.nlp.training.build_charlm_models --out tests/models/charlm --lang "
        + " ".join(report.langs),
        "```",
        "",
        "1. Corpus views, trainer plumbing and scoring from",
        f"   `pipeline.nlp.training.build_tiny_models` (`--cpu`, `--seed {SEED}`, one thread,",
        "   `PYTHONHASHSEED=0`, two trainers at a time, model selection on the training split).",
        "2. Character LMs: `stanza.models.charlm`, forward and backward, on the raw text of",
        f"   the training split: `{CHARLM_OPTIONS}`.",
        "3. pos, depparse, ner: the tiny build's commands and dimensions plus `--charlm",
        "   --charlm_forward_file ... --charlm_backward_file ...` (the same two files for all",
        "   three) and these changes: "
        + "; ".join(
            f"{p} `{' '.join(f'{k} {v}' for k, v in o.items())}`" for p, o in OVERRIDES.items() if o
        )
        + ".",
        "4. tokenize, mwt (ar), lemma and pretrain: the shipped tiny files, copied.",
        "5. `resources.json`: each processor with its md5; pos, depparse and ner depend on",
        f"   `pretrain`, `forward_charlm` and `backward_charlm` (package `{PACKAGE}`). Load",
        "   with `download_method=None`; the `url` is a reserved `.invalid` domain.",
        "",
        "## Build",
        "",
        f"- Versions: Python {v['python']}, stanza {v['stanza']}, torch {v['torch']},"
        f" numpy {v['numpy']}.",
        f"- Wall time: {report.seconds_total:.0f} s on {os.cpu_count()} CPU cores.",
    ]
    for lang in report.langs:
        times = ", ".join(
            f"{kind} {report.job_seconds[f'{lang}/{kind}']:.0f} s"
            for kind in (*CHARLMS, *USES_CHARLM)
            if f"{lang}/{kind}" in report.job_seconds
        )
        lines.append(f"- `{lang}` trainers: {times}.")
    if report.reproduced:
        same = sum(report.reproduced.values())
        changed = sorted(k for k, ok in report.reproduced.items() if not ok)
        lines.append(
            f"- Reproduced {same} of {len(report.reproduced)} previously installed files"
            " (same contents: left in place)"
            + (f"; changed: {', '.join(changed)}." if changed else ".")
        )
    lines += [
        "",
        "## Character LMs",
        "",
        "Per-character perplexity on the held-out dev text (the charlm never sees it).",
        "",
        "| lang | forward | backward | hidden | vocab | parameters |",
        "|---|---|---|---|---|---|",
    ]
    for lang in report.langs:
        ppl = report.perplexity[lang]
        check = report.checks[lang]
        lines.append(
            f"| {lang} | {ppl[FORWARD_CHARLM]:.2f} | {ppl[BACKWARD_CHARLM]:.2f} |"
            f" {check['charlm_hidden_dim']} | {check['charlm_vocab']} |"
            f" {check['charlm_parameters']:,} |"
        )
    lines += [
        "",
        "## Held-out dev scores (end to end from raw text, F1 %)",
        "",
        "Same evaluation as the tiny models' MODELS.md; `tiny` rows are the shipped models,",
        "scored in the same run.",
        "",
        "| lang | models | " + " | ".join(METRICS) + " |",
        "|---|---|" + "---|" * len(METRICS),
    ]
    for lang in report.langs:
        for name, scores in (("charlm", report.scores), ("tiny", report.tiny_scores)):
            cells = " | ".join(f"{scores[lang][k]:.1f}" for k in METRICS)
            lines.append(f"| {lang} | {name} | {cells} |")
    lines += ["", "## Files", "", "| file | size | sha256 |", "|---|---|---|"]
    for name, (size, digest) in sorted(report.files.items()):
        lines.append(f"| `{name}` | {human_size(size)} | `{digest[:16]}` |")
    lines += ["", f"Total: {human_size(total)}.", ""]
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def run_jobs(jobs: Sequence[TrainingJob], work: Path, parallel: int) -> dict[str, float]:
    """Run trainers ``parallel`` at a time; return their wall times by ``lang/kind``."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=parallel) as pool:
        results = list(pool.map(lambda job: run_job(job, work), jobs))
    return {f"{r.job.lang}/{r.job.processor}": r.seconds for r in results}


def build(langs: Sequence[str], out: Path, work: Path, parallel: int) -> BuildReport:
    """Prepare data, train the charlms, then pos/depparse/ner; install, check, score."""
    started = time.perf_counter()
    report = BuildReport(langs=list(langs))
    selected = [LANGUAGES[code] for code in langs]
    first: list[TrainingJob] = []
    second: list[TrainingJob] = []
    for lang in selected:
        prepare_language(lang, work)
        use_shipped_pretrain(lang, work)
        first += charlm_jobs(lang)
        second += charlm_training_jobs(lang)
    report.job_seconds.update(run_jobs(first, work, parallel))
    for result in train_all(second, work, parallel):
        report.job_seconds[f"{result.job.lang}/{result.job.processor}"] = result.seconds
    out.mkdir(parents=True, exist_ok=True)
    report.reproduced = install(selected, work, out)
    for lang in selected:
        report.checks[lang.code] = check_language(lang, out)
        report.perplexity[lang.code] = {
            kind: dev_perplexity(
                out / lang.code / kind / f"{PACKAGE}.pt",
                work / lang.code / "tokenize" / "dev.txt",
            )
            for kind in CHARLMS
        }
        report.scores[lang.code] = score_dev(lang, work, out)
        report.tiny_scores[lang.code] = score_dev(lang, work, SHIPPED_DIR)
    report.seconds_total = time.perf_counter() - started
    for path in sorted(out.rglob("*.pt")):
        report.files[path.relative_to(out).as_posix()] = (path.stat().st_size, sha256_of(path))
    (out / "MODELS.md").write_text(models_md(report), encoding="utf-8")
    return report


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    return model_build_parser(
        prog="python -m pipeline.nlp.training.build_charlm_models",
        description="Train small Arabic/English Stanza models with forward and backward "
        "character LMs (test data) and install them as a Stanza resources directory.",
        default_out=DEFAULT_OUT,
        work_help="keep intermediate data, logs and raw models here (default: a temp dir)",
        epilog="Example: python -m pipeline.nlp.training.build_charlm_models "
        "--out tests/models/charlm",
    ).parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point."""
    args = parse_args(argv)
    langs, out, report = run_build(
        args, "newswire-charlm-", lambda langs, out, work: build(langs, out, work, args.jobs)
    )
    total = sum(size for size, _ in report.files.values())
    LOG.info("installed %d files (%s) in %s", len(report.files), human_size(total), out)
    LOG.info("build took %.0f s", report.seconds_total)
    if report.reproduced:
        same = sum(report.reproduced.values())
        LOG.info("contents identical to the installed files: %d/%d", same, len(report.reproduced))
    for lang in langs:
        for name, scores in (("charlm", report.scores), ("tiny", report.tiny_scores)):
            LOG.info(
                "%s %s dev: %s",
                lang,
                name,
                ", ".join(f"{k} {v:.1f}" for k, v in scores[lang].items()),
            )
        LOG.info("%s charlm dev perplexity: %s", lang, report.perplexity[lang])
    return 0


if __name__ == "__main__":
    sys.exit(main())
