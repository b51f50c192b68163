"""The tiny Stanza models in ``pipeline/nlp/models`` load with the plain Stanza call.

``stanza.Pipeline(lang, dir=<models>, download_method=None)`` must find every processor
through ``resources.json`` alone, and give sentences, lemmas, tags, dependencies and
entities whose character offsets slice the input exactly.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
import stanza

REPO = Path(__file__).resolve().parents[3]
MODELS_DIR = REPO / "pipeline" / "nlp" / "models"
CORPUS_DIR = REPO / "pipeline" / "nlp" / "training" / "corpus"
PACKAGE = "newswire_tiny"

# Two paragraphs of the seed article (seeds/000_818c6b7f0175410d.txt).
SEED_AR = (
    "جدار عززته كوريا الشمالية في الأيام الأخيرة، بزيارة زعيمها كيم جونغ أون إلى روسيا، "
    "والتي تضمنت عدة محطات، كان آخرها اللقاء بينه وبين وزير الدفاع الروسي سيرغي شويغو."
    "\n\n"
    "قالت وكالة الأنباء المركزية الكورية الشمالية إن الزعيم الكوري الشمالي كيم جونغ أون "
    "ناقش قضايا عملية لتحسين التعاون العسكري مع وزير الدفاع الروسي."
)
NEWS_EN = (
    "North Korean leader Kim Jong Un visited Russia on Saturday and met Defence Minister "
    "Sergei Shoigu, KCNA said. China and Russia have blocked new sanctions against North "
    "Korea at the United Nations."
)
# Not in the corpus, but every word is.
UNSEEN_AR = "وقال بوتين إن روسيا ستطور التعاون العسكري مع كوريا الشمالية."
UNSEEN_EN = "Shoigu met Kim in Pyongyang and discussed military cooperation."


def load(lang: str) -> stanza.Pipeline:
    return stanza.Pipeline(lang, dir=str(MODELS_DIR), download_method=None, logging_level="WARN")


@pytest.fixture(scope="module")
def arabic() -> stanza.Pipeline:
    return load("ar")


@pytest.fixture(scope="module")
def english() -> stanza.Pipeline:
    return load("en")


def entities(doc: Any) -> set[tuple[str, str]]:
    return {(ent.text, ent.type) for ent in doc.ents}


def assert_offsets_slice_input(doc: Any, text: str) -> None:
    for ent in doc.ents:
        assert text[ent.start_char : ent.end_char] == ent.text
    for sentence in doc.sentences:
        for token in sentence.tokens:
            assert text[token.start_char : token.end_char] == token.text


def assert_fully_annotated(doc: Any) -> None:
    for sentence in doc.sentences:
        roots = [w for w in sentence.words if w.head == 0]
        assert len(roots) == 1 and roots[0].deprel == "root"
        for word in sentence.words:
            assert word.lemma and word.upos and word.deprel
            assert 0 <= word.head <= len(sentence.words)


def root(sentence: Any) -> Any:
    return next(w for w in sentence.words if w.head == 0)


def dependents(sentence: Any, head: Any, deprel: str) -> list[str]:
    return [w.text for w in sentence.words if w.head == head.id and w.deprel == deprel]


def corpus_texts(lang: str) -> list[str]:
    texts = []
    for path in sorted((CORPUS_DIR / lang).glob("*.conllu")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("# text = "):
                texts.append(line.removeprefix("# text = "))
    return texts


def corpus_forms(lang: str) -> set[str]:
    forms = set()
    for path in sorted((CORPUS_DIR / lang).glob("*.conllu")):
        for line in path.read_text(encoding="utf-8").splitlines():
            cols = line.split("\t")
            if len(cols) == 10:
                forms.add(cols[1])
    return forms


@pytest.mark.parametrize(
    ("lang", "processors"),
    [
        ("ar", ("tokenize", "mwt", "pos", "lemma", "depparse", "ner")),
        ("en", ("tokenize", "pos", "lemma", "depparse", "ner")),
    ],
)
def test_resources_json_describes_installed_files(lang: str, processors: tuple[str, ...]) -> None:
    resources = json.loads((MODELS_DIR / "resources.json").read_text(encoding="utf-8"))
    entry = resources[lang]
    assert entry["default_processors"] == {p: PACKAGE for p in processors}
    assert entry["packages"]["default"] == entry["default_processors"]
    for processor in (*processors, "pretrain"):
        path = MODELS_DIR / lang / processor / f"{PACKAGE}.pt"
        assert hashlib.md5(path.read_bytes()).hexdigest() == entry[processor][PACKAGE]["md5"]
    for processor in ("pos", "depparse", "ner"):
        assert entry[processor][PACKAGE]["dependencies"] == [
            {"model": "pretrain", "package": PACKAGE}
        ]


def test_reuse_resources_fetches_nothing() -> None:
    # Every md5 matches the installed file, so Stanza's download step is a no-op
    # (its URL is a reserved .invalid domain that would fail if anything were fetched).
    nlp = stanza.Pipeline(
        "en",
        dir=str(MODELS_DIR),
        processors="tokenize,ner",
        download_method="reuse_resources",
        logging_level="WARN",
    )
    assert entities(nlp("Putin met Kim in Moscow.")) == {
        ("Putin", "PER"),
        ("Kim", "PER"),
        ("Moscow", "LOC"),
    }


def test_models_stay_small() -> None:
    total = sum(p.stat().st_size for p in MODELS_DIR.rglob("*.pt"))
    assert total < 6 * 2**20


def test_plain_call_loads_every_processor(
    arabic: stanza.Pipeline, english: stanza.Pipeline
) -> None:
    assert set(arabic.processors) == {"tokenize", "mwt", "pos", "lemma", "depparse", "ner"}
    assert set(english.processors) == {"tokenize", "pos", "lemma", "depparse", "ner"}


def test_arabic_seed_sentences(arabic: stanza.Pipeline) -> None:
    doc = arabic(SEED_AR)

    assert len(doc.sentences) == 2
    assert_fully_annotated(doc)
    assert_offsets_slice_input(doc, SEED_AR)
    found = entities(doc)
    assert {
        ("كيم جونغ أون", "PER"),
        ("روسيا", "LOC"),
        ("كوريا الشمالية", "LOC"),
        ("سيرغي شويغو", "PER"),
        ("وكالة الأنباء المركزية الكورية الشمالية", "ORG"),
    } <= found

    # Clitics are multi-word tokens: ب + زيارة, زعيم + ها.
    tokens = {t.text: [w.text for w in t.words] for s in doc.sentences for t in s.tokens}
    assert tokens["بزيارة"] == ["ب", "زيارة"]
    assert tokens["زعيمها"] == ["زعيم", "ها"]

    said = doc.sentences[1]
    assert root(said).lemma == "قال"
    assert dependents(said, root(said), "nsubj") == ["وكالة"]


def test_english_news_sentences(english: stanza.Pipeline) -> None:
    doc = english(NEWS_EN)

    assert len(doc.sentences) == 2
    assert_fully_annotated(doc)
    assert_offsets_slice_input(doc, NEWS_EN)
    assert {
        ("Kim Jong Un", "PER"),
        ("Russia", "LOC"),
        ("Sergei Shoigu", "PER"),
        ("KCNA", "ORG"),
        ("China", "LOC"),
        ("North Korea", "LOC"),
        ("United Nations", "ORG"),
    } <= entities(doc)
    first = doc.sentences[0]
    visited = root(first)
    assert visited.lemma == "visit"
    assert dependents(first, visited, "nsubj") == ["Kim"]
    assert dependents(first, visited, "obj") == ["Russia"]
    assert [w.lemma for w in first.words if w.text == "met"] == ["meet"]


def test_arabic_unseen_sentence_from_corpus_vocabulary(arabic: stanza.Pipeline) -> None:
    assert UNSEEN_AR not in corpus_texts("ar")
    assert set(UNSEEN_AR.rstrip(".").split()) <= corpus_forms("ar")

    doc = arabic(UNSEEN_AR)

    assert len(doc.sentences) == 1
    assert_fully_annotated(doc)
    assert_offsets_slice_input(doc, UNSEEN_AR)
    sentence = doc.sentences[0]
    assert [w.text for w in sentence.tokens[0].words] == ["و", "قال"]
    said = root(sentence)
    assert said.lemma == "قال" and said.upos == "VERB"
    assert dependents(sentence, said, "nsubj") == ["بوتين"]
    assert entities(doc) == {("بوتين", "PER"), ("روسيا", "LOC"), ("كوريا الشمالية", "LOC")}


def test_english_unseen_sentence_from_corpus_vocabulary(english: stanza.Pipeline) -> None:
    assert UNSEEN_EN not in corpus_texts("en")
    assert set(UNSEEN_EN.rstrip(".").split()) <= corpus_forms("en")

    doc = english(UNSEEN_EN)

    assert len(doc.sentences) == 1
    assert_fully_annotated(doc)
    assert_offsets_slice_input(doc, UNSEEN_EN)
    sentence = doc.sentences[0]
    met = root(sentence)
    assert met.lemma == "meet"
    assert dependents(sentence, met, "nsubj") == ["Shoigu"]
    assert dependents(sentence, met, "obj") == ["Kim"]
    assert [w.lemma for w in sentence.words if w.text == "discussed"] == ["discuss"]
    assert entities(doc) == {("Shoigu", "PER"), ("Kim", "PER"), ("Pyongyang", "LOC")}
