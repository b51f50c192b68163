"""A generated replay corpus with known duplicates: 1,000 inputs, mixed languages.

Articles are 4 to 7 sentences drawn with a seeded generator from the benchmark sentence
pools (Arabic and English training and sample text), plus a few French and Spanish
articles (no models for them: they flow with a warning). Mixed in, each with the flag
replay must give it:

- redelivery: an earlier line repeated verbatim (same id, same body);
- revision: an earlier id re-sent with one sentence replaced;
- exact: an earlier body under a new id, with an agency footer the cleaner removes;
- near: an earlier body under a new id with one word changed;
- a few lines that are not JSON (dead-lettered at decode).
"""

from __future__ import annotations

import itertools
import json
import random
from dataclasses import dataclass
from pathlib import Path

from benchmarks.corpus import sentence_pool

OTHER = {  # (subjects, verbs, objects, places): sentences made from every combination
    "fr": (
        ["Le ministre", "La déléguée", "Le porte-parole", "Le maire", "La présidente"],
        ["a rencontré", "a critiqué", "a salué", "a reçu", "a appelé"],
        ["les syndicats", "son homologue", "les agriculteurs", "la délégation", "les juges"],
        ["à Paris", "à Lyon", "à Marseille", "à Lille", "à Nantes", "à Rennes"],
    ),
    "es": (
        ["El ministro", "La delegada", "El portavoz", "El alcalde", "La presidenta"],
        ["se reunió con", "criticó a", "saludó a", "recibió a", "llamó a"],
        ["los sindicatos", "su homólogo", "los agricultores", "la delegación", "los jueces"],
        ["en Madrid", "en Sevilla", "en Valencia", "en Bilbao", "en Málaga", "en Vigo"],
    ),
}
FOOTER = {"ar": "المصدر : الجزيرة + وكالات", "en": "(Reporting by Jane Doe; Editing by John Roe)"}


@dataclass(frozen=True)
class Expected:
    """What replay must say about the input on ``line``."""

    line: int
    article_id: str | None
    kind: str | None  # duplicate kind, None for a first occurrence
    of_id: str | None
    dead: bool = False


def _article(rng: random.Random, n: int, lang: str, pool: list[str]) -> dict[str, str]:
    sentences = rng.sample(pool, k=min(len(pool), rng.randint(4, 7)))
    paragraphs = ["\n".join(sentences[i : i + 2]) for i in range(0, len(sentences), 2)]
    return {
        "id": f"gen-{n:05d}",
        "source": "generated",
        "language": lang,
        "title": sentences[0][:60],
        "body": "\n\n".join(paragraphs),
        "published_at": f"2023-09-{1 + n % 28:02d}T{n % 24:02d}:00:00Z",
    }


def _change_one_word(rng: random.Random, body: str) -> str:
    words = body.split(" ")
    plain = [i for i, w in enumerate(words) if w.isalpha() and i >= len(words) // 2]
    i = rng.choice(plain)  # a whole word inside a line: one word changes, no more
    words[i] = words[i] + "ات" if any("\u0600" <= c <= "\u06ff" for c in words[i]) else "other"
    return " ".join(words)


def generate(total: int = 1000, seed: int = 6) -> tuple[list[bytes], list[Expected]]:
    """(JSON lines, expectations); ``total`` lines in all."""
    rng = random.Random(seed)
    pools = {"ar": sentence_pool("ar"), "en": sentence_pool("en")}
    for lang, parts in OTHER.items():
        pools[lang] = [" ".join(words) + "." for words in itertools.product(*parts)]
    lines: list[bytes] = []
    expected: list[Expected] = []
    firsts: list[dict[str, str]] = []
    n = 0
    while len(lines) < total:
        roll = rng.random()
        line = len(lines) + 1
        if firsts and roll < 0.05:
            original = rng.choice(firsts)
            lines.append(json.dumps(original, ensure_ascii=False).encode())
            expected.append(Expected(line, original["id"], "redelivery", original["id"]))
            continue
        if firsts and roll < 0.08:
            original = rng.choice(firsts)
            pool = pools[original["language"]]
            paragraphs = original["body"].split("\n\n")
            paragraphs[-1] = rng.choice(pool)
            revised = {**original, "body": "\n\n".join(paragraphs)}
            lines.append(json.dumps(revised, ensure_ascii=False).encode())
            expected.append(Expected(line, original["id"], "revision", original["id"]))
            continue
        if firsts and roll < 0.12:
            original = rng.choice([a for a in firsts if a["language"] in FOOTER])
            n += 1
            copy = {
                **original,
                "id": f"gen-{n:05d}",
                "body": original["body"] + "\n\n" + FOOTER[original["language"]],
            }
            lines.append(json.dumps(copy, ensure_ascii=False).encode())
            expected.append(Expected(line, copy["id"], "exact", original["id"]))
            continue
        if firsts and roll < 0.16:
            original = rng.choice(firsts)
            n += 1
            copy = {
                **original,
                "id": f"gen-{n:05d}",
                "body": _change_one_word(rng, original["body"]),
            }
            lines.append(json.dumps(copy, ensure_ascii=False).encode())
            expected.append(Expected(line, copy["id"], "near", original["id"]))
            continue
        if roll < 0.17:
            lines.append(b'{"id": "broken-%d", "body": ' % line)
            expected.append(Expected(line, None, None, None, dead=True))
            continue
        n += 1
        lang = "fr" if roll > 0.98 else "es" if roll > 0.96 else "ar" if roll > 0.55 else "en"
        article = _article(rng, n, lang, pools[lang])
        firsts.append(article)
        lines.append(json.dumps(article, ensure_ascii=False).encode())
        expected.append(Expected(line, article["id"], None, None))
    return lines, expected


def write(path: Path, total: int = 1000, seed: int = 6) -> list[Expected]:
    lines, expected = generate(total, seed)
    path.write_bytes(b"\n".join(lines) + b"\n")
    return expected
