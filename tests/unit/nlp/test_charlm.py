"""Shared character-LM states and the fused kernel give the values Stanza computes.

A small real Stanza character LM (random weights, seeded) answers the calls the
tagger, the NER model and the parser make: the same sentences again (answered from the
shared states) and the parser's input, the sentence with a root word in front (for the
backward LM the tagger's sequence plus two characters, computed with it). With the
fused kernel, sentences of many lengths go through padded buckets.
"""

from __future__ import annotations

import pytest
import torch
from stanza.models.common.char_model import CharacterLanguageModel
from stanza.models.common.vocab import CharVocab

from pipeline.nlp.charlm import MAX_BUCKET, buckets, charlm_states

SENTENCES = [
    ["Putin", "met", "Kim", "in", "Vladivostok"],
    ["The", "talks", "lasted", "hours"],
    ["Kim", "left"],
]
WORDS = [w for s in SENTENCES for w in s]
# Forty sentences of 1 to 40 words: several buckets, and padding inside them.
MANY = [[WORDS[(i * 7 + j) % len(WORDS)] for j in range(1 + (i * 13) % 40)] for i in range(40)]
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


def _same(expected: list[torch.Tensor], got: list[torch.Tensor]) -> None:
    assert len(expected) == len(got)
    for e, g in zip(expected, got, strict=True):
        assert e.shape == g.shape
        assert torch.allclose(e, g, atol=1e-6)


@pytest.mark.parametrize("fused", [False, True])
@pytest.mark.parametrize("forward", [True, False])
def test_shared_states_match_fresh_computation(forward: bool, fused: bool) -> None:
    model = _model(forward)
    with_root = [["\n", *s] for s in SENTENCES]  # what the parser asks for
    fresh = model.build_char_representation(SENTENCES)
    fresh_root = model.build_char_representation(with_root)
    with charlm_states(share=True, fused=fused) as cache:
        first = model.build_char_representation(SENTENCES)
        again = model.build_char_representation(SENTENCES)
        root = model.build_char_representation(with_root)
    for expected, got in [(fresh, first), (fresh, again), (fresh_root, root)]:
        _same(expected, got)
    # Forward: the rooted sentences are new sequences. Backward: they were computed
    # with the tagger's (two characters longer), so only the first call computes.
    assert cache.computed == len(SENTENCES) * (2 if forward else 1)
    assert cache.reused == len(SENTENCES) * (1 if forward else 2)


@pytest.mark.parametrize("forward", [True, False])
def test_fused_kernel_alone_matches_on_many_lengths(forward: bool) -> None:
    model = _model(forward)
    expected = model.build_char_representation(MANY)
    expected_ner = _ner_call(model, MANY)
    with charlm_states(share=False, fused=True) as cache:
        got = model.build_char_representation(MANY)
        got_ner = _ner_call(model, MANY)
    _same(expected, got)
    assert torch.allclose(expected_ner, got_ner, atol=1e-6)
    assert cache.reused == 0 and cache.computed == 2 * len(MANY)
    # Bucketed by length: some padding, far less than one batch as long as the longest.
    longest = max(len(" ".join(s)) + 2 for s in MANY)
    assert cache.steps < cache.padded_steps < 0.8 * longest * 2 * len(MANY)


def _ner_call(model: CharacterLanguageModel, sentences: list[list[str]]) -> torch.Tensor:
    """``get_representation`` as Stanza's NER model calls it: sentences by word count,
    their character sequences sorted by length and padded."""
    from stanza.models.common.char_model import CHARLM_END, CHARLM_START

    sentences = sorted(sentences, key=len, reverse=True)
    vocab = model.char_vocab()
    data = []
    for k, words in enumerate(sentences):
        if not model.is_forward_lm:
            words = [w[::-1] for w in reversed(words)]
        chars, offsets = [CHARLM_START], []
        for w in words:
            chars.extend(w)
            chars.append(CHARLM_END)
            offsets.append(len(chars) - 1)
        if not model.is_forward_lm:
            offsets.reverse()
        data.append((vocab.map(chars), offsets, len(chars), k))
    data.sort(key=lambda d: -d[2])
    width = data[0][2]
    padded = torch.full((len(data), width), vocab.unit2id(CHARLM_END), dtype=torch.long)
    for j, d in enumerate(data):
        padded[j, : d[2]] = torch.tensor(d[0])
    out = model.get_representation(
        padded, [d[1] for d in data], [d[2] for d in data], [d[3] for d in data]
    )
    packed: torch.Tensor = out.data  # a PackedSequence unless the LM pads
    return packed


def test_buckets_cover_every_row_in_order() -> None:
    lengths = sorted(((i * 37) % 300 + 5 for i in range(150)), reverse=True)
    groups = buckets(lengths)
    assert [i for g in groups for i in g] == list(range(len(lengths)))
    assert all(0 < len(g) <= MAX_BUCKET for g in groups)
    padded = sum(lengths[g[0]] * len(g) for g in groups)
    assert padded < 1.1 * sum(lengths)  # dense lengths: little padding
    assert buckets([]) == []
    assert buckets([9]) == [[0]]
    # A very long sequence takes along at most the few rows that ride free with it (one
    # to four rows cost about the same per step); the rest are not padded to its length.
    first, *rest = buckets([500] + [20] * 10)
    assert first[0] == 0 and len(first) <= 4 and len(rest) == 1


def test_outside_the_block_nothing_is_kept() -> None:
    model = _model(True)
    with charlm_states() as cache:
        model.build_char_representation(SENTENCES)
    model.build_char_representation(SENTENCES)
    assert cache.computed == len(SENTENCES) and cache.reused == 0


def test_per_character_callers_are_left_alone() -> None:
    model = _model(True)
    words = ["\nPutin ", "\nmet "]
    fresh = model.per_char_representation(words)
    with charlm_states() as cache:
        model.per_char_representation(words)
        inside = model.per_char_representation(words)
    assert cache.computed == 0 and cache.reused == 0
    for e, g in zip(fresh, inside, strict=True):
        assert torch.allclose(e, g, atol=1e-6)
