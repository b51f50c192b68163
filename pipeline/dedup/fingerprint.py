"""Fingerprints of clean articles: exact content hash and a MinHash of word 3-shingles.

Text is NFKC-normalised and case-folded, Arabic diacritics and tatweel are dropped, and
words are runs of letters and digits in any script, so the same story with different
punctuation, spacing or vowel marks gets the same shingles. MinHash (datasketch) uses
a fixed seed: the same text gives the same signature in every process and run.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

import numpy as np
from datasketch import MinHash

from pipeline.records import Article, body_hash

SHINGLE = 3
SEED = 1
SCHEME = "affine32"  # datasketch 2.x default, named: signatures are compared across runs
_WORD = re.compile(r"[^\W_]+")
_ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")


@dataclass(frozen=True)
class Fingerprint:
    """What duplicate detection needs of an article, small enough to collect globally."""

    article_id: str
    order: tuple[object, ...]
    content_hash: str
    signature: bytes
    """MinHash hash values (uint64, little-endian); empty when the text has too few
    shingles for a near match."""


def words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _WORD.findall(_ARABIC_MARKS.sub("", folded))


def shingles(text: str, size: int = SHINGLE) -> set[str]:
    """Word n-grams of the text (all of its words when it has fewer than ``size``)."""
    tokens = words(text)
    if len(tokens) < size:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


@cache
def _empty(num_perm: int) -> MinHash:
    return MinHash(num_perm=num_perm, seed=SEED, scheme=SCHEME)


def minhash(values: bytes | set[str], num_perm: int) -> MinHash:
    """A MinHash from shingles, or rebuilt from a stored signature."""
    if isinstance(values, bytes):
        return MinHash(
            num_perm=num_perm,
            seed=SEED,
            scheme=SCHEME,
            hashvalues=np.frombuffer(values, dtype="<u8"),
            permutations=_empty(num_perm).permutations,  # drawing them again costs ~0.5 ms
        )
    sketch = _empty(num_perm).copy()
    sketch.update_batch([s.encode("utf-8") for s in sorted(values)])
    return sketch


def similarity(a: bytes, b: bytes) -> float:
    """MinHash estimate of the Jaccard similarity: the share of equal hash values."""
    if not a or len(a) != len(b):
        return 0.0
    return float(np.mean(np.frombuffer(a, dtype="<u8") == np.frombuffer(b, dtype="<u8")))


def fingerprint(article: Article, num_perm: int, min_shingles: int) -> Fingerprint:
    grams = shingles(article.body)
    signature = b""
    if len(grams) >= min_shingles:
        signature = minhash(grams, num_perm).hashvalues.astype("<u8").tobytes()
    return Fingerprint(
        article_id=article.id,
        order=article.message.provenance.order_key(),
        content_hash=body_hash(article.body),
        signature=signature,
    )
