"""Events stage: PLOVER events (who did what to whom, where, when) from parsed articles.

The entry point is :func:`pipeline.events.extract.extract_events`; the trigger lexicons
are data in ``lexicons/`` (format in ``lexicons/README.md``), the evaluation set in
``eval/`` is scored by ``python -m pipeline.events.evaluate``.
"""

from __future__ import annotations

from pipeline.events.extract import event_id, extract_events

__all__ = ["event_id", "extract_events"]
