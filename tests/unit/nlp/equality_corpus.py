"""The equality tests' corpus: every shipped sample and events evaluation document,
alone and joined four at a time, as articles ready for the NLP stage."""

from __future__ import annotations

import json

from pipeline.clean.stage import clean_stage
from pipeline.errors import DecodeError
from pipeline.events.evaluate import EVAL_DIR
from pipeline.io.decode import decode_message, parse_text_article
from pipeline.nlp.stage import language_stage
from pipeline.records import Article, Provenance, RawMessage
from tests.conftest import SAMPLES


def envelopes() -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for path in sorted(SAMPLES.glob("*.txt")):
        out.append(parse_text_article(path.read_text(encoding="utf-8")) | {"id": path.stem})
    for path in sorted(SAMPLES.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # the feed's deliberately broken line: it never reaches NLP
    for path in sorted(EVAL_DIR.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                doc = json.loads(line)
                out.append(
                    {
                        "id": f"{path.stem}:{doc['id']}",
                        "language": doc["language"],
                        "body": doc["text"],
                        "published_at": doc.get("published_at") or "",
                    }
                )
    # The same documents run together as longer articles, so that the pre-filter's
    # cross-sentence rules (pronoun look-back, title aliases) meet real neighbours.
    evals = [e for e in out if ":" in e["id"]]
    for lang in ("ar", "en"):
        docs = [e for e in evals if e["language"] == lang]
        for i in range(0, len(docs), 4):
            group = docs[i : i + 4]
            out.append(
                {
                    "id": f"joined-{lang}-{i}",
                    "language": lang,
                    "body": "\n\n".join(e["body"] for e in group),
                    "published_at": group[0]["published_at"],
                }
            )
    return out


def prepared() -> list[Article]:
    articles = []
    for i, envelope in enumerate(envelopes()):
        message = RawMessage(
            value=json.dumps(envelope, ensure_ascii=False).encode("utf-8"),
            provenance=Provenance(kind="file", file="equality", line=i),
        )
        try:
            decoded = decode_message(message)
        except DecodeError:
            continue  # dead-lettered before NLP
        articles.append(language_stage(clean_stage(decoded)))
    return articles
