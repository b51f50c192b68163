"""Shared fixtures for the cleaning tests."""

from __future__ import annotations

from pathlib import Path

import pytest

SEED_PATH = (
    Path(__file__).resolve().parents[3] / "pipeline" / "samples" / "000_818c6b7f0175410d.txt"
)


@pytest.fixture(scope="session")
def seed_text() -> str:
    return SEED_PATH.read_text(encoding="utf-8")
