"""Shared fixtures for the entity tests: the seed article's clean body, the dictionary."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.clean import clean_article
from pipeline.entities.dictionary import Dictionary, load_dictionary

SEED_PATH = (
    Path(__file__).resolve().parents[3] / "pipeline" / "samples" / "000_818c6b7f0175410d.txt"
)


@pytest.fixture(scope="session")
def seed_body() -> str:
    """The seed's clean body, exactly as the clean stage produces it."""
    title, _, body = SEED_PATH.read_text(encoding="utf-8").partition("\n\n")
    return clean_article(body, title=title.strip()).body


@pytest.fixture(scope="session")
def dictionary() -> Dictionary:
    return load_dictionary()
