"""Compute each character-LM state once per batch, however many Stanza processors ask.

With the official models, pos, depparse and ner each run the same forward and backward
character language models (1024-unit LSTMs over every character of the sentence), and
those LSTMs are most of Stanza's CPU time (65-72% measured at full size). The inputs
overlap exactly: ner reads the same character sequence as pos wherever the tokens are
the words (every English sentence; Arabic splits clitics off for pos but not for ner),
and the parser's backward sequence is the tagger's followed by its root marker. An LSTM
is causal, so the outputs on a shared prefix are the same numbers.

Inside :func:`shared_states` (one per NLP batch, one thread) every character LM keeps,
per input sequence, its outputs at word ends (all that ``build_char_representation``
and ``get_representation``, the tagger's, parser's and NER model's calls, read; other
calls are left alone) and its final state; a sequence seen before is answered from
there, and one that extends a seen sequence by a few characters runs only those.
Sequences are keyed by the LM's weights, so two processors share only when they load
the same LM. Values can differ from a fresh computation in the last float bits, as
they already do between two batch compositions in Stanza; ``nlp_share_charlm`` turns
this off.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

_local = threading.local()
_patched = False
_patch_lock = threading.Lock()
_MAX_TAIL = 4  # characters a sequence may extend a cached one by and still reuse it


@dataclass
class _State:
    ends: dict[int, Any]  # position -> output vector, at the word-end characters
    h: Any  # final hidden state, (layers, hidden)
    c: Any


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
    def __init__(self) -> None:
        self.states: dict[tuple[str, tuple[int, ...]], _State] = {}
        self.reused = 0
        self.computed = 0


@contextlib.contextmanager
def shared_states() -> Iterator[_Cache]:
    """Share character-LM work between the Stanza calls made inside the block."""
    _install()
    cache = _Cache()
    previous = getattr(_local, "cache", None)
    _local.cache = cache
    try:
        yield cache
    finally:
        _local.cache = previous


def _install() -> None:
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
        # Only these two callers read nothing but the word-end outputs; any other caller
        # (per-character representations for the tokenizer or lemmatizer) is untouched.
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
    import torch
    from stanza.models.common.char_model import CHARLM_END

    lengths = [int(n) for n in charlens]
    rows = [tuple(chars[i, :n].tolist()) for i, n in enumerate(lengths)]
    end_id = model.char_vocab().unit2id(CHARLM_END)
    prefix = model_key(model)
    found: dict[int, _State] = {}
    extend: list[tuple[int, _State, int]] = []  # (row, cached prefix state, prefix length)
    fresh: list[int] = []
    for i, row in enumerate(rows):
        state = cache.states.get((prefix, row))
        if state is not None:
            found[i] = state
            continue
        for cut in range(1, min(_MAX_TAIL, len(row) - 1) + 1):
            base = cache.states.get((prefix, row[:-cut]))
            if base is not None:
                extend.append((i, base, len(row) - cut))
                break
        else:
            fresh.append(i)
    if fresh:  # rows keep the caller's order: still sorted by length, as packing needs
        index = torch.tensor(fresh)
        out, (h, c) = original(
            model, chars[index, : lengths[fresh[0]]], [lengths[i] for i in fresh]
        )[:2]
        for j, i in enumerate(fresh):
            found[i] = _keep(rows[i], out[j], h[:, j], c[:, j], end_id)
        cache.computed += len(fresh)
    for i, base, start in extend:
        tail = chars[i : i + 1, start : lengths[i]]
        out, (h, c) = original(
            model, tail, [lengths[i] - start], (base.h.unsqueeze(1), base.c.unsqueeze(1))
        )[:2]
        state = _keep(rows[i][start:], out[0], h[:, 0], c[:, 0], end_id, offset=start)
        state.ends = {**base.ends, **state.ends}
        found[i] = state
        cache.reused += 1
    cache.reused += len(rows) - len(fresh) - len(extend)
    for i, row in enumerate(rows):
        cache.states[(prefix, row)] = found[i]
    size = model.hidden_dim()
    output = torch.zeros(len(rows), max(lengths), size)
    for i, state in found.items():
        for position, vector in state.ends.items():
            output[i, position] = vector
    h_n = torch.stack([found[i].h for i in range(len(rows))], dim=1)
    c_n = torch.stack([found[i].c for i in range(len(rows))], dim=1)
    return output, (h_n, c_n), None


def _keep(row: tuple[int, ...], out: Any, h: Any, c: Any, end_id: int, offset: int = 0) -> _State:
    ends = {offset + k: out[k].clone() for k, char in enumerate(row) if char == end_id}
    return _State(ends=ends, h=h.clone(), c=c.clone())
