"""Shared character-LM states give the values each processor would have computed.

A small real Stanza character LM (random weights, seeded) answers the calls the
tagger, the NER model and the parser make: the same sentences again (answered from the
shared states) and the parser's backward input, the tagger's plus a root marker
(answered by running only the extra characters).
"""

from __future__ import annotations

import pytest
import torch
from stanza.models.common.char_model import CharacterLanguageModel
from stanza.models.common.vocab import CharVocab

from pipeline.nlp.charlm import shared_states

SENTENCES = [
    ["Putin", "met", "Kim", "in", "Vladivostok"],
    ["The", "talks", "lasted", "hours"],
    ["Kim", "left"],
]
ARGS = {
    "char_emb_dim": 8,
    "char_hidden_dim": 16,
    "char_num_layers": 1,
    "char_dropout": 0.0,
    "char_rec_dropout": 0.0,
}


def _model(forward: bool) -> CharacterLanguageModel:
    torch.manual_seed(7)
    letters = sorted({c for sentence in SENTENCES for word in sentence for c in word} | {" ", "\n"})
    model = CharacterLanguageModel(ARGS, {"char": CharVocab([letters])}, is_forward_lm=forward)
    model.eval()
    return model


@pytest.mark.parametrize("forward", [True, False])
def test_shared_states_match_fresh_computation(forward: bool) -> None:
    model = _model(forward)
    with_root = [["\n", *s] for s in SENTENCES]  # what the parser asks for
    fresh = model.build_char_representation(SENTENCES)
    fresh_root = model.build_char_representation(with_root)
    with shared_states() as cache:
        first = model.build_char_representation(SENTENCES)
        again = model.build_char_representation(SENTENCES)
        root = model.build_char_representation(with_root)
    for expected, got in [(fresh, first), (fresh, again), (fresh_root, root)]:
        assert len(expected) == len(got)
        for e, g in zip(expected, got, strict=True):
            assert e.shape == g.shape
            assert torch.allclose(e, g, atol=1e-6)
    assert cache.computed == len(SENTENCES) * (2 if forward else 1)
    assert cache.reused == len(SENTENCES) * (1 if forward else 2)


def test_outside_the_block_nothing_is_kept() -> None:
    model = _model(True)
    with shared_states() as cache:
        model.build_char_representation(SENTENCES)
    model.build_char_representation(SENTENCES)
    assert cache.computed == len(SENTENCES) and cache.reused == 0


def test_per_character_callers_are_left_alone() -> None:
    model = _model(True)
    words = ["\nPutin ", "\nmet "]
    fresh = model.per_char_representation(words)
    with shared_states() as cache:
        model.per_char_representation(words)
        inside = model.per_char_representation(words)
    assert cache.computed == 0 and cache.reused == 0
    for e, g in zip(fresh, inside, strict=True):
        assert torch.allclose(e, g, atol=1e-6)
