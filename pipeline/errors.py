"""Exceptions shared by every stage: a failure is data, routed to the dead-letter topic."""

from __future__ import annotations


class NewswireError(Exception):
    """Base class of the project's own errors."""


class StageError(NewswireError, ValueError):
    """An input that a stage cannot process. Its class name and message go to the DLQ."""


class DecodeError(StageError):
    """The raw message is not a valid article (encoding, JSON, field types)."""


class OversizeMessage(DecodeError):
    """The raw message is larger than the configured limit."""


class InvalidEncoding(DecodeError):
    """The raw bytes are not valid text in the declared (or default UTF-8) encoding."""


class InvalidJSON(DecodeError):
    """The raw message is not a JSON object."""


class InvalidField(DecodeError):
    """A field has the wrong type or an unparseable value."""


class EmptyBody(DecodeError):
    """The article has no text to process."""


class ConfigError(NewswireError):
    """Settings are missing or inconsistent; raised at start-up, never per record."""


class InputError(NewswireError):
    """A replay input (file, topic range) cannot be read at all; raised before the run."""
