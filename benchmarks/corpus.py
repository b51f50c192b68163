"""A fixed, generated benchmark corpus: Arabic and English articles of realistic length.

Sentences come from the shipped samples and the NLP training corpus; articles are drawn
from them with a seeded generator, so every run measures the same text. Articles are
12 to 24 sentences (wire stories run 300 to 700 words), half Arabic, half English, and
every fifth one carries a footer for the cleaner to remove.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "pipeline" / "samples"
CORPUS = REPO / "pipeline" / "nlp" / "training" / "corpus"
FOOTERS = {
    "ar": ["المصدر : الجزيرة + وكالات", "2a02-4780-11–4f جزيرة إم آند إم"],
    "en": ["(Reporting by Jane Doe; Editing by John Roe)", "© 2023 Reuters. All rights reserved."],
}
_SENTENCE_END = re.compile(r"(?<=[.!?؟])\s+")


def sentence_pool(lang: str) -> list[str]:
    pool: list[str] = []
    for conllu in sorted((CORPUS / lang).glob("*.conllu")):
        for line in conllu.read_text(encoding="utf-8").splitlines():
            if line.startswith("# text = "):
                text = line.removeprefix("# text = ").strip()
                if len(text.split()) >= 6:
                    pool.append(text)
    for sample in sorted(SAMPLES.glob("*.txt")):
        text = sample.read_text(encoding="utf-8")
        is_arabic = sum("\u0600" <= c <= "\u06ff" for c in text) > len(text) / 3
        if is_arabic == (lang == "ar"):
            for paragraph in text.split("\n\n")[1:-1]:
                pool.extend(s for s in _SENTENCE_END.split(paragraph) if len(s.split()) >= 6)
    return sorted(set(pool))


def generate(n_articles: int, seed: int = 20230917) -> list[dict[str, str]]:
    """``n_articles`` raw-article dicts (the news.raw JSON envelope), deterministic."""
    rng = random.Random(seed)
    pools = {lang: sentence_pool(lang) for lang in ("ar", "en")}
    articles = []
    for i in range(n_articles):
        lang = "ar" if i % 2 == 0 else "en"
        sentences = [rng.choice(pools[lang]) for _ in range(rng.randint(12, 24))]
        paragraphs = [" ".join(sentences[j : j + 2]) for j in range(0, len(sentences), 2)]
        if i % 5 == 0:
            paragraphs.append(rng.choice(FOOTERS[lang]))
        articles.append(
            {
                "id": f"bench-{i:05d}",
                "language": lang,
                "title": sentences[0][:80],
                "body": "\n\n".join(paragraphs),
                "published_at": "2023-09-17T08:00:00Z",
            }
        )
    return articles


def write_jsonl(path: Path, articles: list[dict[str, str]]) -> Path:
    path.write_text(
        "".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles), encoding="utf-8"
    )
    return path
