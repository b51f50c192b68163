"""Build the tiny Arabic and English Stanza models shipped in ``pipeline/nlp/models``.

Stanza's pretrained models live on a model hub that offline machines cannot reach, so
the project trains its own small *fallback* models from the hand-annotated corpus in
``pipeline/nlp/training/corpus``. Every step uses Stanza's own code: the corpus is
converted with ``stanza.utils.datasets`` helpers, each processor is trained by its real
trainer (``python -m stanza.models.<trainer>``), and the result is installed as an
ordinary Stanza resources directory, so the plain call::

    stanza.Pipeline("ar", dir="pipeline/nlp/models", download_method=None)

loads tokenize, mwt, pos, lemma, depparse and ner (English: no mwt).

Run it from the repository root::

    python -m pipeline.nlp.training.build_tiny_models --out pipeline/nlp/models
    python -m pipeline.nlp.training.build_tiny_models --out /tmp/models --lang en

Reproducibility: every trainer runs in its own process with a fixed ``--seed``, one
intra-op thread and ``PYTHONHASHSEED=0``, from a work directory that it only ever sees
through relative paths (the trainers store their arguments inside the model files).
Torch's legacy format (which Stanza uses) never saves the same bytes twice, so the build
compares model *contents* with the installed files and leaves unchanged ones in place.
The models are a fallback and a test fixture, not a quality claim.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import gzip
import hashlib
import io
import json
import logging
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

LOG = logging.getLogger("newswire.build_tiny_models")
R = TypeVar("R")

PACKAGE = "newswire_tiny"
# A reserved, never-resolving domain (RFC 2606): a missing model fails fast, offline.
MODEL_URL = "https://newswire-tiny-models.invalid/{lang}/{filename}"
SEED = 1234
VECTOR_DIM = 32
SVD_DIM = 12
CO_OCCURRENCE_WINDOW = 2

TRAINING_DIR = Path(__file__).resolve().parent
CORPUS_DIR = TRAINING_DIR / "corpus"
DEFAULT_OUT = TRAINING_DIR.parent / "models"

PROCESSORS = ("tokenize", "mwt", "pos", "lemma", "depparse", "ner")
PRETRAIN = "pretrain"
# Processors whose model needs the word-vector pretrain next to it at load time.
NEEDS_PRETRAIN = frozenset({"pos", "depparse", "ner"})


@dataclass(frozen=True)
class Language:
    """One language the build knows how to train."""

    code: str
    name: str
    has_mwt: bool

    @property
    def shorthand(self) -> str:
        """Stanza's ``<lang>_<treebank>`` short name for this corpus."""
        return f"{self.code}_newswire"

    @property
    def processors(self) -> tuple[str, ...]:
        """Processors built for this language, in pipeline order."""
        return tuple(p for p in PROCESSORS if p != "mwt" or self.has_mwt)


LANGUAGES: dict[str, Language] = {
    "ar": Language(code="ar", name="Arabic", has_mwt=True),
    "en": Language(code="en", name="English", has_mwt=False),
}


@dataclass(frozen=True)
class TrainingJob:
    """One trainer invocation; paths in ``args`` are relative to the work directory."""

    lang: str
    processor: str
    module: str
    args: tuple[str, ...]
    model: str


@dataclass
class JobResult:
    """What a finished trainer left behind."""

    job: TrainingJob
    seconds: float
    log: Path


@dataclass
class BuildReport:
    """Everything MODELS.md and the console summary need."""

    langs: list[str]
    seconds_total: float = 0.0
    job_seconds: dict[str, float] = field(default_factory=dict)
    files: dict[str, tuple[int, str]] = field(default_factory=dict)
    reproduced: dict[str, bool] = field(default_factory=dict)
    corpus: dict[str, dict[str, int]] = field(default_factory=dict)
    scores: dict[str, dict[str, float]] = field(default_factory=dict)


# --------------------------------------------------------------------------- corpus


def corpus_files(lang: str) -> tuple[Path, Path]:
    """The (train, dev) CoNLL-U files of ``lang``."""
    return CORPUS_DIR / lang / "train.conllu", CORPUS_DIR / lang / "dev.conllu"


def split_misc(misc: str) -> list[str]:
    """The ``|``-separated items of a MISC field (none for ``_``)."""
    return [] if misc in ("", "_") else misc.split("|")


def strip_ner(conllu: str) -> str:
    """Drop ``ner=`` items from MISC so the UD trainers see plain UD data."""
    lines = []
    for line in conllu.splitlines():
        cols = line.split("\t")
        if len(cols) == 10:
            kept = [m for m in split_misc(cols[9]) if not m.startswith("ner=")]
            cols[9] = "|".join(kept) if kept else "_"
            line = "\t".join(cols)
        lines.append(line)
    return "\n".join(lines) + "\n"


def read_sentences(conllu: str) -> list[list[list[str]]]:
    """Split CoNLL-U text into sentences of 10-column rows (comments dropped)."""
    sentences: list[list[list[str]]] = []
    current: list[list[str]] = []
    for line in conllu.splitlines():
        if not line.strip():
            if current:
                sentences.append(current)
                current = []
        elif not line.startswith("#"):
            cols = line.split("\t")
            if len(cols) != 10:
                raise ValueError(f"not a 10-column CoNLL-U row: {line!r}")
            current.append(cols)
    if current:
        sentences.append(current)
    return sentences


def ner_tokens(sentence: list[list[str]]) -> list[tuple[str, str]]:
    """(token text, BIO tag) for each surface token: MWT range lines carry the tag."""
    tokens: list[tuple[str, str]] = []
    covered = 0
    for cols in sentence:
        ident = cols[0]
        if "-" in ident:
            covered = int(ident.split("-")[1])
        elif "." in ident or int(ident) <= covered:
            continue
        tags = [m[4:] for m in split_misc(cols[9]) if m.startswith("ner=")]
        tokens.append((cols[1], tags[0] if tags else "O"))
    return tokens


def validate(conllu: str, name: str) -> dict[str, int]:
    """Check ids, heads, tree shape and BIO tags; return corpus counts."""
    sentences = read_sentences(conllu)
    words = tokens = mwts = entities = 0
    for number, sentence in enumerate(sentences, 1):
        where = f"{name} sentence {number}"
        rows = [c for c in sentence if c[0].isdigit()]
        ids = [int(c[0]) for c in rows]
        if ids != list(range(1, len(ids) + 1)):
            raise ValueError(f"{where}: word ids are not 1..n")
        heads = {int(c[0]): int(c[6]) for c in rows}
        if sorted(h for h in heads.values() if h == 0) != [0]:
            raise ValueError(f"{where}: expected exactly one root")
        for word in heads:
            seen: set[int] = set()
            node = word
            while node:
                if node in seen or heads.get(node) is None:
                    raise ValueError(f"{where}: word {word} is not connected to the root")
                seen.add(node)
                node = heads[node]
        previous = "O"
        for _, tag in ner_tokens(sentence):
            kind, _, label = tag.partition("-")
            if tag != "O" and (
                kind not in ("B", "I") or label not in ("PER", "LOC", "ORG", "MISC")
            ):
                raise ValueError(f"{where}: bad NER tag {tag!r}")
            if kind == "I" and previous[2:] != label:
                raise ValueError(f"{where}: {tag} does not continue an entity")
            entities += kind == "B"
            previous = tag
        words += len(rows)
        tokens += len(ner_tokens(sentence))
        mwts += sum("-" in c[0] for c in sentence)
    return {
        "sentences": len(sentences),
        "tokens": tokens,
        "words": words,
        "mwt": mwts,
        "entities": entities,
    }


# --------------------------------------------------------------------------- vectors


def corpus_vocabulary(sentences: Sequence[list[list[str]]]) -> list[list[str]]:
    """Lower-cased word and token sequences (Stanza looks pretrain words up lower-cased)."""
    sequences: list[list[str]] = []
    for sentence in sentences:
        sequences.append([c[1].lower() for c in sentence if c[0].isdigit()])
        sequences.append([text.lower() for text, _ in ner_tokens(sentence)])
    return sequences


def hashed_gaussian(word: str, dim: int) -> np.ndarray:
    """A unit vector seeded by the word's SHA-256, independent of everything else."""
    digest = hashlib.sha256(f"{SEED}:{word}".encode()).digest()
    rng = np.random.default_rng(int.from_bytes(digest[:8], "little"))
    vector = rng.standard_normal(dim)
    return np.asarray(vector / np.linalg.norm(vector), dtype=np.float64)


def word_vectors(sequences: Sequence[list[str]]) -> tuple[list[str], np.ndarray]:
    """Deterministic word vectors: PPMI-SVD context dimensions + hashed identity dimensions.

    The first ``SVD_DIM`` columns are the top singular vectors of the positive PMI matrix
    of a symmetric +-2 word window over the training corpus (so words used alike, such as
    capitals or verbs of saying, lie close); each singular vector's sign is fixed so that
    its largest entry is positive. The remaining columns are a unit Gaussian seeded by a
    hash of the word, which keeps every word distinguishable.
    """
    counts = Counter(w for seq in sequences for w in seq)
    vocab = sorted(counts, key=lambda w: (-counts[w], w))
    index = {w: i for i, w in enumerate(vocab)}
    size = len(vocab)
    cooc = np.zeros((size, size), dtype=np.float64)
    for seq in sequences:
        for i, word in enumerate(seq):
            lo, hi = max(0, i - CO_OCCURRENCE_WINDOW), min(len(seq), i + CO_OCCURRENCE_WINDOW + 1)
            for j in range(lo, hi):
                if j != i:
                    cooc[index[word], index[seq[j]]] += 1.0
    total = cooc.sum()
    row = cooc.sum(axis=1, keepdims=True)
    col = cooc.sum(axis=0, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log((cooc * total) / (row @ col))
    ppmi = np.where(np.isfinite(pmi) & (pmi > 0), pmi, 0.0)
    u, s, _ = np.linalg.svd(ppmi, full_matrices=False)
    k = min(SVD_DIM, len(s))
    context = u[:, :k] * np.sqrt(s[:k])
    signs = np.sign(context[np.abs(context).argmax(axis=0), np.arange(k)])
    context = context * np.where(signs == 0, 1.0, signs)
    norms = np.linalg.norm(context, axis=1, keepdims=True)
    context = np.divide(context, norms, out=np.zeros_like(context), where=norms > 0)
    if k < SVD_DIM:
        context = np.hstack([context, np.zeros((size, SVD_DIM - k))])
    identity = np.vstack([hashed_gaussian(w, VECTOR_DIM - SVD_DIM) for w in vocab])
    return vocab, np.hstack([context, identity])


def write_pretrain(sequences: Sequence[list[str]], directory: Path) -> Path:
    """Write ``vectors.txt`` (word2vec text) and convert it with Stanza's Pretrain."""
    from stanza.models.common.pretrain import Pretrain

    vocab, vectors = word_vectors(sequences)
    text_path = directory / "vectors.txt"
    with text_path.open("w", encoding="utf-8") as out:
        out.write(f"{len(vocab)} {VECTOR_DIM}\n")
        for word, vector in zip(vocab, vectors, strict=True):
            out.write(word + " " + " ".join(f"{x:.6f}" for x in vector) + "\n")
    pt_path = directory / "pretrain.pt"
    Pretrain(str(pt_path), str(text_path)).load()
    return pt_path


# --------------------------------------------------------------------------- data views


def prepare_language(lang: Language, work: Path) -> dict[str, dict[str, int]]:
    """Write every trainer's input for ``lang`` under ``work/<lang>`` and the pretrain."""
    from stanza.utils.datasets import conllu_to_text, prepare_tokenizer_data
    from stanza.utils.datasets.ner import prepare_ner_file

    base = work / lang.code
    for sub in ("tokenize", "ner", "models", "pred"):
        (base / sub).mkdir(parents=True, exist_ok=True)
    counts: dict[str, dict[str, int]] = {}
    train_sentences: list[list[list[str]]] = []
    for split, source in zip(("train", "dev"), corpus_files(lang.code), strict=True):
        text = source.read_text(encoding="utf-8")
        counts[split] = validate(text, str(source))
        (base / f"{split}.gold.conllu").write_text(text, encoding="utf-8")
        plain = base / f"{split}.conllu"
        plain.write_text(strip_ner(text), encoding="utf-8")
        raw = base / "tokenize" / f"{split}.txt"
        sentences = read_sentences(text)
        bio = base / "ner" / f"{split}.bio"
        with bio.open("w", encoding="utf-8") as out:
            for sentence in sentences:
                out.writelines(f"{tok}\t{tag}\n" for tok, tag in ner_tokens(sentence))
                out.write("\n")
        with contextlib.redirect_stdout(io.StringIO()):  # these helpers print progress
            conllu_to_text.convert_text(str(plain), str(raw))
            prepare_tokenizer_data.main(
                [
                    str(raw),
                    str(plain),
                    "-o",
                    str(base / "tokenize" / f"{split}.toklabels"),
                    "-m",
                    str(base / "tokenize" / f"{split}-mwt.json"),
                ]
            )
            prepare_ner_file.process_dataset(str(bio), str(base / "ner" / f"{split}.json"))
        if split == "train":
            train_sentences = sentences
    write_pretrain(corpus_vocabulary(train_sentences), base)
    return counts


# Small dimensions and step counts: the whole build takes a few minutes on two cores and
# the models stay small. Keys are processors; values are extra trainer options.
HYPERPARAMETERS: dict[str, str] = {
    "tokenize": "--emb_dim 16 --hidden_dim 32 --max_seqlen 300 --steps 1000 --eval_steps 100"
    " --batch_size 16",
    "mwt": "--emb_dim 24 --hidden_dim 48 --num_epoch 50 --batch_size 32",
    "pos": "--hidden_dim 32 --char_hidden_dim 32 --char_emb_dim 16 --word_emb_dim 32"
    " --tag_emb_dim 16 --transformed_dim 32 --deep_biaff_hidden_dim 32"
    " --composite_deep_biaff_hidden_dim 16 --dropout 0.25 --word_dropout 0.1 --max_steps 400"
    " --eval_interval 50 --batch_size 250",
    "lemma": "--emb_dim 24 --pos_dim 24 --hidden_dim 48 --num_epoch 50 --batch_size 32",
    "depparse": "--hidden_dim 40 --char_hidden_dim 32 --char_emb_dim 16 --word_emb_dim 32"
    " --tag_emb_dim 16 --transformed_dim 32 --deep_biaff_hidden_dim 32 --num_layers 2"
    " --dropout 0.25 --word_dropout 0.1 --optim adam --lr 3e-3 --max_steps 450 --eval_interval 50"
    " --batch_size 1000 --no_checkpoint",
    "ner": "--hidden_dim 48 --char_hidden_dim 32 --char_emb_dim 16 --max_steps 800"
    " --eval_interval 100 --batch_size 16",
}


def set_option(args: tuple[str, ...], option: str, value: str) -> tuple[str, ...]:
    """``args`` with ``option``'s value replaced (or the option appended)."""
    if option in args:
        at = args.index(option) + 1
        return (*args[:at], value, *args[at + 1 :])
    return (*args, option, value)


def training_jobs(lang: Language) -> list[TrainingJob]:
    """The trainer command lines for ``lang``: CPU, fixed seed, small dimensions.

    Model selection uses the training split ("eval" = train), so the dev split stays
    held out and is scored once, end to end, after installation. The lemmatizer is the
    exception: its dictionary makes every epoch perfect on the training words, so it
    selects its seq2seq epoch on dev.
    """
    c = lang.code
    train, dev, pretrain = f"{c}/train.conllu", f"{c}/dev.conllu", f"{c}/pretrain.pt"
    tok = f"{c}/tokenize/train"
    data = {
        "tokenize": f"--lang {c} --txt_file {tok}.txt --label_file {tok}.toklabels"
        f" --mwt_json_file {tok}-mwt.json --dev_txt_file {tok}.txt"
        f" --dev_label_file {tok}.toklabels --dev_conll_gold {train}"
        f" --conll_file {c}/pred/tokenize.conllu",
        "mwt": f"--lang {c} --train_file {train} --eval_file {train} --gold_file {train}"
        f" --output_file {c}/pred/mwt.conllu",
        "pos": f"--lang {c} --wordvec_pretrain_file {pretrain} --train_file {train}"
        f" --eval_file {train} --output_file {c}/pred/pos.conllu",
        "lemma": f"--train_file {train} --eval_file {dev} --output_file {c}/pred/lemma.conllu",
        "depparse": f"--lang {c} --wordvec_pretrain_file {pretrain} --train_file {train}"
        f" --eval_file {train} --output_file {c}/pred/depparse.conllu",
        "ner": f"--wordvec_pretrain_file {pretrain} --train_file {c}/ner/train.json"
        f" --eval_file {c}/ner/train.json",
    }
    modules = {
        "tokenize": "tokenizer",
        "mwt": "mwt_expander",
        "pos": "tagger",
        "lemma": "lemmatizer",
        "depparse": "parser",
        "ner": "ner_tagger",
    }
    jobs = []
    for processor in lang.processors:
        args = (
            f"--cpu --seed {SEED} --shorthand {lang.shorthand}"
            f" --save_dir {c}/models --save_name {processor}.pt"
            f" {data[processor]} {HYPERPARAMETERS[processor]}"
        )
        jobs.append(
            TrainingJob(
                lang=c,
                processor=processor,
                module=f"stanza.models.{modules[processor]}",
                args=tuple(args.split()),
                model=f"{c}/models/{processor}.pt",
            )
        )
    return jobs


# --------------------------------------------------------------------------- training


def trainer_env() -> dict[str, str]:
    """Environment that makes the trainers deterministic and CPU-only."""
    env = dict(os.environ)
    env.update(
        {
            "PYTHONHASHSEED": "0",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "CUDA_VISIBLE_DEVICES": "",
            "CUBLAS_WORKSPACE_CONFIG": ":4096:8",
        }
    )
    return env


def run_job(job: TrainingJob, work: Path) -> JobResult:
    """Run one trainer as ``python -m stanza.models.<x>`` inside ``work``."""
    log = work / "logs" / f"{job.lang}-{job.processor}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        completed = subprocess.run(
            [sys.executable, "-m", job.module, *job.args],
            cwd=work,
            env=trainer_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
    seconds = time.perf_counter() - started
    if completed.returncode != 0 or not (work / job.model).is_file():
        tail = "".join(log.read_text(encoding="utf-8").splitlines(keepends=True)[-30:])
        raise RuntimeError(f"{job.module} for {job.lang} failed; last lines of {log}:\n{tail}")
    LOG.info("trained %s/%s in %.1f s", job.lang, job.processor, seconds)
    return JobResult(job=job, seconds=seconds, log=log)


def train_all(jobs: Sequence[TrainingJob], work: Path, parallel: int) -> list[JobResult]:
    """Run all trainers, ``parallel`` at a time (each single-threaded)."""
    # Longest first keeps both cores busy until the end.
    order = {"depparse": 0, "tokenize": 1, "ner": 2, "pos": 3, "mwt": 4, "lemma": 5}
    ordered = sorted(jobs, key=lambda j: (order[j.processor], j.lang))
    with concurrent.futures.ThreadPoolExecutor(max_workers=parallel) as pool:
        return list(pool.map(lambda j: run_job(j, work), ordered))


# --------------------------------------------------------------------------- installing


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def md5_of(path: Path) -> str:
    """Hex MD5 of a file (the checksum Stanza's resources.json uses)."""
    return hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()


def language_resources(lang: Language, out: Path, package: str = PACKAGE) -> dict[str, Any]:
    """The resources.json entry for one installed language (files named ``<package>.pt``)."""
    entry: dict[str, Any] = {"lang_name": lang.name}
    pretrain_dep = [{"model": PRETRAIN, "package": package}]
    for processor in (*lang.processors, PRETRAIN):
        model: dict[str, Any] = {"md5": md5_of(out / lang.code / processor / f"{package}.pt")}
        if processor in NEEDS_PRETRAIN:
            model["dependencies"] = pretrain_dep
        entry[processor] = {package: model}
    defaults = {processor: package for processor in lang.processors}
    entry["default_processors"] = defaults
    entry["default_dependencies"] = {
        p: pretrain_dep for p in lang.processors if p in NEEDS_PRETRAIN
    }
    entry["packages"] = {"default": dict(defaults), package: dict(defaults)}
    return entry


def _feed(digest: Any, value: Any) -> None:
    """Feed a canonical encoding of a loaded checkpoint value into ``digest``."""
    import torch

    if isinstance(value, dict):
        digest.update(b"{")
        for key in sorted(value, key=repr):
            digest.update(repr(key).encode())
            _feed(digest, value[key])
        digest.update(b"}")
    elif isinstance(value, list | tuple):
        digest.update(b"[")
        for item in value:
            _feed(digest, item)
        digest.update(b"]")
    elif isinstance(value, set | frozenset):
        _feed(digest, sorted(value, key=repr))
    elif isinstance(value, torch.Tensor):
        digest.update(f"{value.dtype}{tuple(value.shape)}".encode())
        digest.update(value.detach().cpu().contiguous().view(torch.uint8).numpy().tobytes())
    elif isinstance(value, bytes):
        # Stanza's lemmatizer stores gzip blobs whose header carries a timestamp.
        digest.update(gzip.decompress(value) if value[:2] == b"\x1f\x8b" else value)
    else:
        digest.update(repr(value).encode())


def content_fingerprint(path: Path) -> str:
    """SHA-256 of a model's *contents* (tensors, vocab, config), not of its bytes.

    Stanza saves with torch's legacy pickle format, whose storage keys are memory
    addresses, so two saves of identical weights differ in bytes; this digest does not.
    """
    import torch

    digest = hashlib.sha256()
    _feed(digest, torch.load(path, map_location="cpu", weights_only=True))
    return digest.hexdigest()


def install(langs: Iterable[Language], work: Path, out: Path) -> dict[str, bool]:
    """Install models as ``out/<lang>/<processor>/<package>.pt`` and write resources.json.

    A model whose contents equal the installed file's is not copied, so a reproducible
    rebuild leaves the installed bytes (and their md5s) untouched. Returns, for every
    model that was already installed, whether the rebuild reproduced its contents.
    """
    reproduced: dict[str, bool] = {}
    for lang in langs:
        sources = {p: work / lang.code / "models" / f"{p}.pt" for p in lang.processors}
        sources[PRETRAIN] = work / lang.code / "pretrain.pt"
        lang_dir = out / lang.code
        for stale in sorted(lang_dir.glob("*/*.pt")) if lang_dir.is_dir() else []:
            if stale.parent.name not in sources or stale.name != f"{PACKAGE}.pt":
                stale.unlink()
        for processor, source in sources.items():
            target = lang_dir / processor / f"{PACKAGE}.pt"
            if target.is_file():
                same = content_fingerprint(target) == content_fingerprint(source)
                reproduced[f"{lang.code}/{processor}"] = same
                if same:
                    continue
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    installed = [
        lang
        for code, lang in LANGUAGES.items()
        if (out / code / "tokenize" / f"{PACKAGE}.pt").is_file()
    ]
    write_resources(out, installed, language_resources, MODEL_URL)
    return reproduced


def write_resources(
    out: Path,
    langs: Iterable[Language],
    entry: Callable[[Language, Path], dict[str, Any]],
    url: str,
) -> None:
    """Add (or refresh) ``langs`` in ``out/resources.json``, each as ``entry`` gives it.

    Stanza's download code needs a URL template even when every md5 matches and nothing
    is fetched (download_method="reuse_resources"); built models are not hosted, so
    ``url`` names a reserved, never-resolving domain: a missing file fails fast, offline.
    """
    path = out / "resources.json"
    resources: dict[str, Any] = {}
    if path.is_file():
        resources = json.loads(path.read_text(encoding="utf-8"))
    for lang in langs:
        resources[lang.code] = entry(lang, out)
        resources[lang.name.lower()] = {"alias": lang.code}
    resources["url"] = url
    path.write_text(json.dumps(resources, indent=2, sort_keys=True) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------- evaluation


def entity_spans(sentences: Sequence[list[tuple[int, int, str]]]) -> set[tuple[int, int, str]]:
    """(start, end, type) of BIO entities over tokens given as (start, end, tag)."""
    spans: set[tuple[int, int, str]] = set()
    for sentence in sentences:
        current: list[Any] | None = None
        for start, end, tag in [*sentence, (0, 0, "O")]:
            kind, _, label = tag.partition("-")
            if current is not None and (kind != "I" or label != current[2]):
                spans.add((current[0], current[1], current[2]))
                current = None
            if kind in ("B", "I") and current is None:
                current = [start, end, label]
            elif kind == "I" and current is not None:
                current[1] = end
    return spans


def score_dev(lang: Language, work: Path, out: Path) -> dict[str, float]:
    """Run the installed pipeline on the held-out dev text and score it against gold."""
    import stanza
    from stanza.models.common.utils import ud_scores
    from stanza.utils.conll import CoNLL

    raw = (work / lang.code / "tokenize" / "dev.txt").read_text(encoding="utf-8")
    nlp = stanza.Pipeline(lang.code, dir=str(out), download_method=None, logging_level="WARN")
    doc = nlp(raw)
    system = work / lang.code / "pred" / "pipeline-dev.conllu"
    CoNLL.write_doc2conll(doc, str(system))
    result = ud_scores(str(work / lang.code / "dev.conllu"), str(system))
    metrics = ("Tokens", "Sentences", "Words", "UPOS", "Lemmas", "UAS", "LAS")
    scores = {name: 100 * float(result[name].f1) for name in metrics}

    # NER: entity F1 on character spans of the raw text (gold tokens located in order).
    gold_sents = read_sentences((work / lang.code / "dev.gold.conllu").read_text("utf-8"))
    gold_tokens: list[list[tuple[int, int, str]]] = []
    cursor = 0
    for sentence in gold_sents:
        located = []
        for text, tag in ner_tokens(sentence):
            start = raw.index(text, cursor)
            cursor = start + len(text)
            located.append((start, cursor, tag))
        gold_tokens.append(located)
    pred = {(e.start_char, e.end_char, e.type) for e in doc.ents}
    gold = entity_spans(gold_tokens)
    precision = len(gold & pred) / len(pred) if pred else 0.0
    recall = len(gold & pred) / len(gold) if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    scores["NER"] = 100 * f1
    return scores


# --------------------------------------------------------------------------- report


def versions() -> dict[str, str]:
    """Versions that determine the model bytes."""
    import stanza
    import torch

    return {
        "python": platform.python_version(),
        "stanza": stanza.__version__,
        "torch": torch.__version__,
        "numpy": np.__version__,
    }


def human_size(size: int) -> str:
    """Bytes as a short KiB/MiB string."""
    return f"{size / 1024:.0f} KiB" if size < 1024 * 1024 else f"{size / 2**20:.2f} MiB"


def models_md(report: BuildReport, out: Path) -> str:
    """The text of MODELS.md for this build."""
    v = versions()
    total = sum(size for size, _ in report.files.values())
    lines = [
        "# Tiny Stanza models (`newswire_tiny`)",
        "",
        "Generated by `python -m pipeline.nlp.training.build_tiny_models`; do not edit by hand.",
        "",
        "These are **fallback and test models**, trained by the project on a few dozen",
        "hand-annotated wire-news sentences per language because Stanza's official models",
        "cannot be downloaded here. They are real Stanza models (tokenize, mwt for Arabic,",
        "pos, lemma, depparse, ner) loaded by the plain",
        "`stanza.Pipeline(lang, dir='pipeline/nlp/models', download_method=None)`, but they",
        "make **no quality claim**: outside the corpus vocabulary expect misses. Production",
        "deployments should use the official models (`stanza.download`).",
        "",
        "## How they were made",
        "",
        "```",
        "python -m pipeline.nlp.training.build_tiny_models --out pipeline/nlp/models "
        + "--lang "
        + " ".join(report.langs),
        "```",
        "",
        "1. Corpus: `pipeline/nlp/training/corpus/<lang>/{train,dev}.conllu`, Universal",
        "   Dependencies CoNLL-U with NER tags in MISC (`ner=B-PER`), conventions in",
        "   `pipeline/nlp/training/corpus/README.md`.",
        "2. Conversion with Stanza's own tools: `stanza.utils.datasets.conllu_to_text`,",
        "   `prepare_tokenizer_data` (tokenizer labels + MWT dictionary) and",
        "   `stanza.utils.datasets.ner.prepare_ner_file` (BIO -> JSON).",
        f"3. Word vectors ({VECTOR_DIM} dims, training split only, lower-cased words and tokens):",
        f"   {SVD_DIM} PPMI-SVD dimensions from a +-{CO_OCCURRENCE_WINDOW} word window plus",
        f"   {VECTOR_DIM - SVD_DIM} dimensions of a unit Gaussian seeded by SHA-256 of the word,",
        "   written as word2vec text and converted by `stanza.models.common.pretrain.Pretrain`.",
        "4. Training with Stanza's trainers (`stanza.models.tokenizer`, `mwt_expander`,",
        "   `tagger`, `lemmatizer`, `parser`, `ner_tagger`) as subprocesses: `--cpu`,",
        f"   `--seed {SEED}`, small dimensions, no charlm, one thread each,",
        "   `PYTHONHASHSEED=0`, two trainers at a time. Model selection uses the training",
        "   split, except the lemmatizer's (its dictionary is perfect on training words, so",
        "   it picks its seq2seq epoch on dev); dev is never trained on.",
        "5. Installation as a Stanza resources directory: `resources.json` lists each",
        "   language's processors (with md5), `default_processors`, `packages` and the",
        f"   `pretrain` dependency; files are `<lang>/<processor>/{PACKAGE}.pt`. Load with",
        "   `download_method=None` (or `'reuse_resources'`: the md5s match, nothing is",
        "   fetched; `url` points to a reserved `.invalid` domain because these models are",
        "   built, not hosted). Stanza's default `download_method` would replace",
        "   `resources.json` with the official one when the network is reachable.",
        "",
        "## Build",
        "",
        f"- Versions: Python {v['python']}, stanza {v['stanza']}, torch {v['torch']},"
        f" numpy {v['numpy']}.",
        f"- Wall time: {report.seconds_total:.0f} s for the whole build on"
        f" {os.cpu_count()} CPU cores (trainer times below are per process).",
    ]
    for lang in report.langs:
        times = ", ".join(
            f"{p} {report.job_seconds[f'{lang}/{p}']:.0f} s"
            for p in LANGUAGES[lang].processors
            if f"{lang}/{p}" in report.job_seconds
        )
        lines.append(f"- `{lang}` trainers: {times}.")
    lines += [
        "- Reproducibility: Stanza saves models in torch's legacy pickle format, whose",
        "  storage keys are memory addresses, and the lemmatizer's dictionary is a gzip blob",
        "  with a timestamp, so two saves of the same weights never have the same bytes.",
        "  The build therefore compares *contents* (every tensor, vocabulary and config",
        "  value) and leaves an installed file untouched when its contents are unchanged;",
        "  a rebuild that reproduces everything changes no file and no md5.",
    ]
    if report.reproduced:
        same = sum(report.reproduced.values())
        changed = sorted(k for k, ok in report.reproduced.items() if not ok)
        lines.append(
            f"  This build reproduced {same} of {len(report.reproduced)} previously installed"
            " models exactly" + (f" (changed: {', '.join(changed)})." if changed else ".")
        )
    else:
        lines.append("  This build was the first into its directory: nothing to compare.")
    lines += ["", "## Corpus", "", "| lang | split | sentences | tokens | words | MWT | entities |"]
    lines.append("|---|---|---|---|---|---|---|")
    for lang in report.langs:
        for split in ("train", "dev"):
            c = report.corpus[f"{lang}/{split}"]
            lines.append(
                f"| {lang} | {split} | {c['sentences']} | {c['tokens']} | {c['words']} |"
                f" {c['mwt']} | {c['entities']} |"
            )
    lines += [
        "",
        "## Held-out dev scores (end to end from raw text, F1 %)",
        "",
        "A handful of sentences: these numbers only show the models are wired correctly",
        "(the Lemmas column is also the lemmatizer's selection set). Computed with",
        "`stanza.models.common.utils.ud_scores` (the CoNLL 2018 evaluation) on the pipeline's",
        "output for the raw dev text; NER is exact-span entity F1 on character offsets.",
        "",
        "| lang | Tokens | Sentences | Words | UPOS | Lemmas | UAS | LAS | NER |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for lang in report.langs:
        s = report.scores[lang]
        cells = " | ".join(
            f"{s[k]:.1f}"
            for k in ("Tokens", "Sentences", "Words", "UPOS", "Lemmas", "UAS", "LAS", "NER")
        )
        lines.append(f"| {lang} | {cells} |")
    lines += ["", "## Files", "", "| file | size | sha256 |", "|---|---|---|"]
    for name, (size, digest) in sorted(report.files.items()):
        lines.append(f"| `{name}` | {human_size(size)} | `{digest[:16]}` |")
    lines += [
        "",
        f"Total: {human_size(total)}.",
        "",
        "## Limitations",
        "",
        "- Vocabulary and syntax are those of a few dozen sentences about diplomacy,",
        "  visits and missile launches; unseen names are often missed or mistyped.",
        "- Arabic NER tags whole orthographic tokens, so a proclitic glued to a name is",
        "  inside the entity span (`لروسيا` = `ل` + `روسيا`); downstream normalisation",
        "  should strip it (the token's mwt words give the split).",
        "- BIO tagging cannot separate two adjacent entities of one type: Arabic",
        "  verb-subject-object order (`والتقى شويغو كيم جونغ أون`) can yield one PER span.",
        "- No XPOS or morphological features are annotated (`_`); NER types are PER, LOC,",
        "  ORG only (nationality adjectives are not tagged).",
        "- Identical contents on rebuild were measured with the versions above on one CPU",
        "  type; other stanza/torch/numpy versions or CPU kernels may change the weights.",
        "",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def build(langs: Sequence[str], out: Path, work: Path, parallel: int) -> BuildReport:
    """Prepare data, train, install and score; return the report."""
    started = time.perf_counter()
    report = BuildReport(langs=list(langs))
    selected = [LANGUAGES[code] for code in langs]
    jobs: list[TrainingJob] = []
    for lang in selected:
        for split, counts in prepare_language(lang, work).items():
            report.corpus[f"{lang.code}/{split}"] = counts
        jobs += training_jobs(lang)
    for result in train_all(jobs, work, parallel):
        report.job_seconds[f"{result.job.lang}/{result.job.processor}"] = result.seconds
    out.mkdir(parents=True, exist_ok=True)
    report.reproduced = install(selected, work, out)
    for lang in selected:
        report.scores[lang.code] = score_dev(lang, work, out)
    report.seconds_total = time.perf_counter() - started
    for path in sorted(out.rglob("*.pt")):
        name = path.relative_to(out).as_posix()
        report.files[name] = (path.stat().st_size, sha256_of(path))
    (out / "MODELS.md").write_text(models_md(report, out), encoding="utf-8")
    return report


def model_build_parser(
    prog: str, description: str, default_out: Path, work_help: str, epilog: str | None = None
) -> argparse.ArgumentParser:
    """The options every model builder shares (this one and the full-size benchmark one):
    --out, --lang, --work-dir, --jobs."""
    parser = argparse.ArgumentParser(prog=prog, description=description, epilog=epilog)
    parser.add_argument("--out", type=Path, default=default_out, help="resources directory")
    parser.add_argument("--lang", nargs="+", choices=sorted(LANGUAGES), default=sorted(LANGUAGES))
    parser.add_argument("--work-dir", type=Path, default=None, help=work_help)
    parser.add_argument(
        "--jobs", type=int, default=2, help="trainers run at once (each single-threaded)"
    )
    return parser


def run_build(
    args: argparse.Namespace, prefix: str, build: Callable[[list[str], Path, Path], R]
) -> tuple[list[str], Path, R]:
    """What every model builder's ``main`` does first: log to stderr, quieten Stanza, and
    run ``build(langs, out, work)`` for the parsed options, in ``--work-dir`` (emptied
    first, and kept) or in a temporary directory. Returns the languages, the output
    directory and what ``build`` returned."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    import stanza  # noqa: F401 - configures its logger on import; quieten it afterwards

    logging.getLogger("stanza").setLevel(logging.WARNING)
    out = args.out.resolve()
    langs = sorted(set(args.lang))
    if args.work_dir is None:
        with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
            return langs, out, build(langs, out, Path(tmp))
    work = args.work_dir.resolve()
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    return langs, out, build(langs, out, work)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    return model_build_parser(
        prog="python -m pipeline.nlp.training.build_tiny_models",
        description="Train the tiny Arabic/English Stanza models and install them as a "
        "Stanza resources directory.",
        default_out=DEFAULT_OUT,
        work_help="keep intermediate data, logs and raw models here (default: a temp dir)",
        epilog="Example: python -m pipeline.nlp.training.build_tiny_models "
        "--out pipeline/nlp/models --lang ar en",
    ).parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point."""
    args = parse_args(argv)
    _, out, report = run_build(
        args, "newswire-tiny-", lambda langs, out, work: build(langs, out, work, args.jobs)
    )
    total = sum(size for size, _ in report.files.values())
    LOG.info("installed %d files (%s) in %s", len(report.files), human_size(total), out)
    LOG.info("build took %.0f s", report.seconds_total)
    for lang, scores in report.scores.items():
        LOG.info("%s dev: %s", lang, ", ".join(f"{k} {v:.1f}" for k, v in scores.items()))
    if report.reproduced:
        same = sum(report.reproduced.values())
        LOG.info("contents identical to the installed models: %d/%d", same, len(report.reproduced))
    return 0


if __name__ == "__main__":
    sys.exit(main())
