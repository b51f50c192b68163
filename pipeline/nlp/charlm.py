"""Character language models, computed once per batch and on torch's fused LSTM kernel.

With the official models, pos, depparse and ner each run a forward and a backward
character language model (1024-unit LSTMs over every character of the sentence); those
LSTMs are most of Stanza's CPU time (65-75% measured at full size). Two things make
them cheaper here, inside :func:`charlm_states` (one block per NLP batch, one thread),
for the two Stanza callers that read nothing but the outputs at word ends
(``build_char_representation``, used by the tagger and the parser, and
``get_representation``, used by NER); every other caller is left alone.

Sharing (``share``): every sequence's word-end outputs are kept for the rest of the
block, keyed by the LM's weights and the character ids, and a sequence asked for again
is answered from there. ner reads the same character sequence as pos wherever the
tokens are the words (every English sentence; Arabic splits clitics off for pos but not
for ner). The parser reads the sentence with a ``"\\n"`` word in front
(``stanza/models/depparse/model.py``): for a backward LM that is the tagger's sequence
followed by two more characters, so each new backward sequence is computed with those
two characters added and answers both (an LSTM is causal: the outputs on a prefix are
the same numbers). The forward sequences differ from the first character on and are
computed apart.

The fused kernel (``fused``): Stanza hands the LSTM a packed sequence, which torch runs
step by step through separate matrix products (37-74 GFLOP/s on one core here);
the same LSTM over a padded batch runs in torch's fused oneDNN kernel (155-175
GFLOP/s from 8 sequences up; ``benchmarks/bench_lstm_kernel.py``). Sequences are
grouped into buckets of similar lengths (:func:`buckets`), so padding stays small, and
the outputs are read only below each sequence's own length (causal again: padding
after a sequence cannot change it). Stanza also decodes every output into
next-character scores that these callers throw away; the kernel skips that.

Values can differ from Stanza's own computation in the last float bits (another
summation order), as they already do between two batch compositions in Stanza.
``nlp_share_charlm`` and ``nlp_fused_charlm`` turn either off;
``tests/unit/nlp/test_charlm.py`` checks the values and
``tests/unit/nlp/test_stage_equality.py`` the entities and events.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

_local = threading.local()
_patched = False
_patch_lock = threading.Lock()
PARSER_ROOT_WORD = "\n"
"""The word Stanza's parser puts in front of every sentence it hands a character LM."""
MAX_BUCKET = 32  # sequences per fused call: bounds its output buffer (32 x length x 1024)
_SMALL_BATCH = 4.5  # below this many rows a fused step costs about as much as this many
_CALL_COST = 8.0  # a fused call's fixed cost, in row-steps


@dataclass(frozen=True)
class _State:
    """One computed sequence: its word-end positions (ascending) and outputs there."""

    positions: tuple[int, ...]
    vectors: Any  # tensor (len(positions), hidden)


_model_keys: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()


def model_key(model: Any) -> str:
    """Identity of an LM by its weights (two processors may load one file twice);
    computed once per loaded model."""
    key = _model_keys.get(model)
    if key is None:
        digest = hashlib.sha1(usedforsecurity=False)
        for name, tensor in sorted(model.state_dict().items()):
            digest.update(name.encode())
            digest.update(tensor.detach().cpu().numpy().tobytes())
        key = digest.hexdigest()
        _model_keys[model] = key
    return key


class _Cache:
    def __init__(self, share: bool, fused: bool) -> None:
        self.share = share
        self.fused = fused
        self.states: dict[tuple[str, tuple[int, ...]], _State] = {}
        self.reused = 0
        self.computed = 0
        self.padded_steps = 0  # characters run, padding included
        self.steps = 0  # characters of the sequences asked for


@contextlib.contextmanager
def charlm_states(share: bool = True, fused: bool = True) -> Iterator[_Cache]:
    """Share character-LM work between the Stanza calls made inside the block
    (``share``) and run it on the fused kernel (``fused``)."""
    install()
    cache = _Cache(share, fused)
    previous = getattr(_local, "cache", None)
    _local.cache = cache
    try:
        yield cache
    finally:
        _local.cache = previous


def install() -> None:
    """Patch Stanza's character LM once per process (idempotent); the patch does
    nothing outside :func:`charlm_states`."""
    global _patched
    with _patch_lock:
        if _patched:
            return
        from stanza.models.common.char_model import CharacterLanguageModel

        original = CharacterLanguageModel.forward

        def forward(self: Any, chars: Any, charlens: Any, hidden: Any = None) -> Any:
            cache = getattr(_local, "cache", None)
            usable = getattr(_local, "word_ends_only", False)
            if cache is None or not usable or hidden is not None or self.training:
                return original(self, chars, charlens, hidden)
            return _forward(cache, original, self, chars, charlens)

        CharacterLanguageModel.forward = forward
        # Only these two callers read nothing but the word-end outputs (and neither reads
        # the final state); any other caller (per-character representations for the
        # tokenizer or lemmatizer) is untouched.
        for name in ("build_char_representation", "get_representation"):
            setattr(
                CharacterLanguageModel, name, _word_ends_only(getattr(CharacterLanguageModel, name))
            )
        _patched = True


def _word_ends_only(method: Any) -> Any:
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        previous = getattr(_local, "word_ends_only", False)
        _local.word_ends_only = True
        try:
            return method(self, *args, **kwargs)
        finally:
            _local.word_ends_only = previous

    return wrapper


def _forward(cache: _Cache, original: Any, model: Any, chars: Any, charlens: Any) -> Any:
    """What ``CharacterLanguageModel.forward`` returns, with the outputs filled in at the
    word ends only (the rest zeros) and no final state or decoded scores."""
    import torch
    from stanza.models.common.char_model import CHARLM_END

    vocab = model.char_vocab()
    end_id = vocab.unit2id(CHARLM_END)
    lengths = [int(n) for n in charlens]
    rows = [tuple(chars[i, :n].tolist()) for i, n in enumerate(lengths)]
    prefix = model_key(model) if cache.share else ""
    # The parser's backward sequence: this one, then its root word and a word end.
    suffix = () if model.is_forward_lm else (vocab.unit2id(PARSER_ROOT_WORD), end_id)
    found: dict[int, _State] = {}
    todo: dict[tuple[int, ...], list[int]] = {}
    for i, row in enumerate(rows):
        state = cache.states.get((prefix, row)) if cache.share else None
        if state is not None:
            found[i] = state
            cache.reused += 1
        else:
            todo.setdefault(row, []).append(i)
    if todo:
        asked = list(todo)
        runs = [row + suffix for row in asked] if cache.share else asked
        states = _compute(cache, original, model, runs, end_id)
        for row, run, state in zip(asked, runs, states, strict=True):
            for i in todo[row]:
                found[i] = state
            if cache.share:
                cache.states[(prefix, row)] = state
                cache.states[(prefix, run)] = state
        cache.computed += len(asked)
        cache.steps += sum(len(row) for row in asked)
    output = torch.zeros(len(rows), max(lengths), model.hidden_dim(), device=chars.device)
    for i, state in found.items():
        count = _below(state.positions, lengths[i])
        output[i, list(state.positions[:count])] = state.vectors[:count]
    return output, None, None


def _below(positions: tuple[int, ...], length: int) -> int:
    """How many of the ascending ``positions`` lie inside a sequence of ``length``."""
    count = len(positions)
    while count and positions[count - 1] >= length:
        count -= 1
    return count


def _compute(
    cache: _Cache, original: Any, model: Any, rows: Sequence[tuple[int, ...]], end_id: int
) -> list[_State]:
    """Word-end outputs of every row, on the fused kernel or on Stanza's own forward."""
    import torch

    lstm = model.charlstm.lstm
    fused = cache.fused and isinstance(lstm, torch.nn.LSTM) and lstm.batch_first
    device = next(model.parameters()).device
    order = sorted(range(len(rows)), key=lambda i: -len(rows[i]))
    groups = buckets([len(rows[i]) for i in order]) if fused else [list(range(len(order)))]
    states: dict[int, _State] = {}
    for group in groups:
        members = [order[k] for k in group]
        width = len(rows[members[0]])
        chars = torch.full((len(members), width), end_id, dtype=torch.long)
        for j, i in enumerate(members):
            chars[j, : len(rows[i])] = torch.tensor(rows[i], dtype=torch.long)
        chars = chars.to(device)
        with torch.no_grad():
            if fused:
                out = _fused_lstm(model, lstm, chars)
            else:
                out = original(model, chars, [len(rows[i]) for i in members])[0]
        cache.padded_steps += width * len(members) if fused else sum(len(rows[i]) for i in members)
        for j, i in enumerate(members):
            positions = tuple(k for k, char in enumerate(rows[i]) if char == end_id)
            states[i] = _State(positions, out[j, list(positions)])
    return [states[i] for i in range(len(rows))]


def _fused_lstm(model: Any, lstm: Any, chars: Any) -> Any:
    """The LM's LSTM outputs over a padded batch (batch, length, hidden), in one call."""
    layers, size = lstm.num_layers, lstm.hidden_size
    batch = chars.size(0)
    hidden = (
        model.charlstm_h_init.expand(layers, batch, size).contiguous(),
        model.charlstm_c_init.expand(layers, batch, size).contiguous(),
    )
    # char_dropout and dropout are identities in eval mode, as Stanza's forward has them.
    output, _ = lstm(model.char_emb(chars), hidden)
    return output


def buckets(lengths: Sequence[int]) -> list[list[int]]:
    """Split positions ``0..n-1`` of descending ``lengths`` into consecutive groups, each
    run as one padded batch as long as its first member, at the least estimated cost.

    A fused call over ``rows`` sequences of ``width`` characters costs about
    ``width * max(rows, 4.5)`` row-steps (one to four rows cost about the same per
    step, measured on one core), plus a fixed cost per call; groups hold at most
    ``MAX_BUCKET`` rows. Exact over that model (dynamic programming over the cut points).
    """
    n = len(lengths)
    best = [0.0] + [float("inf")] * n  # best[k]: cost of the first k rows
    cut = [0] * (n + 1)
    for end in range(1, n + 1):
        for start in range(max(0, end - MAX_BUCKET), end):
            cost = best[start] + lengths[start] * max(end - start, _SMALL_BATCH) + _CALL_COST
            if cost < best[end]:
                best[end], cut[end] = cost, start
    groups: list[list[int]] = []
    end = n
    while end:
        groups.append(list(range(cut[end], end)))
        end = cut[end]
    return groups[::-1]
