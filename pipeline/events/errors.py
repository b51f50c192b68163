"""Exceptions of the events stage."""

from __future__ import annotations

from pipeline.errors import NewswireError


class LexiconError(NewswireError):
    """A lexicon or ontology file is unreadable or invalid (the message names the entry)."""
