"""The runnable examples in the events modules' docstrings stay true."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

from pipeline.events import dates, lexicon, ontology


@pytest.mark.parametrize("module", [ontology, lexicon, dates], ids=lambda m: m.__name__)
def test_docstring_examples(module: ModuleType) -> None:
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
