"""Stanza models: where they live, downloading them, and loading each language once.

Lookup order for a language: the configured ``models_dir`` (official models fetched by
``newswire models download``, or baked into the container image), then the tiny models
shipped in ``pipeline/nlp/models`` (trained offline by
``pipeline.nlp.training.build_tiny_models``; a fallback and the test models, not a
quality claim). Nothing is ever downloaded at run time.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.config import Settings
from pipeline.errors import NewswireError

log = logging.getLogger(__name__)

SHIPPED_DIR = Path(__file__).resolve().parent / "models"
PROCESSORS = ("tokenize", "mwt", "pos", "lemma", "depparse", "ner")
_pipelines: dict[tuple[Any, ...], Any] = {}
_lock = threading.Lock()


class ModelsMissing(NewswireError):
    """No Stanza models for a language that was required."""


def install_command(lang: str) -> str:
    return f"newswire models download {lang}"


def default_download_dir(settings: Settings) -> Path:
    return Path(settings.models_dir) if settings.models_dir else Path(settings.state_dir) / "stanza"


def search_dirs(settings: Settings) -> list[Path]:
    return [default_download_dir(settings), SHIPPED_DIR]


def _resources(directory: Path) -> dict[str, Any]:
    path = directory / "resources.json"
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def _installed(directory: Path, lang: str) -> bool:
    """The language is listed in resources.json and its model files are on disk."""
    entry = _resources(directory).get(lang)
    if not isinstance(entry, dict) or "alias" in entry:
        return False
    lang_dir = directory / lang
    return all(any((lang_dir / p).glob("*.pt")) for p in ("tokenize", "pos", "ner"))


@dataclass(frozen=True)
class InstalledLanguage:
    lang: str
    directory: Path
    packages: dict[str, str]
    size_bytes: int

    @property
    def label(self) -> str:
        kind = "shipped-tiny" if self.directory == SHIPPED_DIR else str(self.directory)
        return f"{kind}:{','.join(sorted(set(self.packages.values())))}"


def find(settings: Settings, lang: str) -> InstalledLanguage | None:
    for directory in search_dirs(settings):
        if _installed(directory, lang):
            lang_dir = directory / lang
            packages = {
                p.name: sorted(p.glob("*.pt"))[0].stem
                for p in sorted(lang_dir.iterdir())
                if p.is_dir() and any(p.glob("*.pt"))
            }
            size = sum(f.stat().st_size for f in lang_dir.rglob("*") if f.is_file())
            return InstalledLanguage(lang, directory, packages, size)
    return None


def installed(settings: Settings) -> list[InstalledLanguage]:
    langs: set[str] = set()
    for directory in search_dirs(settings):
        langs.update(k for k, v in _resources(directory).items() if isinstance(v, dict))
    found = (find(settings, lang) for lang in sorted(langs))
    return [f for f in found if f is not None]


def download(settings: Settings, lang: str) -> Path:
    """Fetch the official models for ``lang`` (needs the network) into the models dir."""
    import stanza

    target = default_download_dir(settings)
    target.mkdir(parents=True, exist_ok=True)
    stanza.download(lang, model_dir=str(target), processors=",".join(PROCESSORS))
    return target


def pipeline_for(settings: Settings, lang: str) -> tuple[Any, InstalledLanguage] | None:
    """The process-wide Stanza pipeline for ``lang`` (loaded on first use), or None."""
    found = find(settings, lang)
    if found is None:
        return None
    options = batch_options(settings)
    key = (str(found.directory), lang, *sorted(options.items()))
    with _lock:
        if key not in _pipelines:
            import stanza
            import torch

            torch.set_num_threads(settings.torch_threads)
            processors = [p for p in PROCESSORS if p in found.packages]
            _pipelines[key] = stanza.Pipeline(
                lang,
                dir=str(found.directory),
                processors=",".join(processors),
                download_method=None,
                logging_level="WARN",
                use_gpu=False,
                **options,
            )
        return _pipelines[key], found


def batch_options(settings: Settings) -> dict[str, int]:
    """The per-processor batch sizes the settings give (Stanza's own option names)."""
    sizes = {
        "pos_batch_size": settings.nlp_pos_batch_size,
        "depparse_batch_size": settings.nlp_depparse_batch_size,
        "ner_batch_size": settings.nlp_ner_batch_size,
    }
    return {name: size for name, size in sizes.items() if size is not None}


def require(settings: Settings, languages: list[str]) -> None:
    """Fail fast (at start-up) when a required language has no models."""
    missing = [lang for lang in languages if find(settings, lang) is None]
    if missing:
        commands = "; ".join(install_command(lang) for lang in missing)
        raise ModelsMissing(f"no Stanza models for {', '.join(missing)}; install with: {commands}")
