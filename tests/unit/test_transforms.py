"""The thin Beam wrappers: a failing batch is retried one by one, so one poison input
is dead-lettered alone and the rest of its batch goes on."""

from __future__ import annotations

from dataclasses import replace

from apache_beam import pvalue

from pipeline.records import Article, DeadLetterRecord, Provenance, RawMessage
from pipeline.transforms import DEAD, RunBatchStageFn


def article(article_id: str) -> Article:
    message = RawMessage(b"{}", Provenance(kind="file", file="in.jsonl"))
    return Article(message=message, id=article_id, body=f"body of {article_id}")


def shout(batch: list[Article]) -> list[Article]:
    if any(a.id == "poison" for a in batch):
        raise RuntimeError("the model crashed on this batch")
    return [replace(a, body=a.body.upper()) for a in batch]


def test_one_poison_input_does_not_dead_letter_its_batch() -> None:
    batch = [article("a"), article("poison"), article("b")]
    out = list(RunBatchStageFn("nlp", shout).process(batch))
    dead = [o.value for o in out if isinstance(o, pvalue.TaggedOutput) and o.tag == DEAD]
    ok = [o for o in out if isinstance(o, Article)]
    assert [a.body for a in ok] == ["BODY OF A", "BODY OF B"]
    assert len(dead) == 1 and isinstance(dead[0], DeadLetterRecord)
    assert (dead[0].article_id, dead[0].stage, dead[0].error_class) == (
        "poison",
        "nlp",
        "RuntimeError",
    )
    assert all(dict(a.stage_micros).keys() == {"nlp"} for a in ok)


def test_a_dead_letter_with_unencodable_text_is_still_written() -> None:
    from pipeline.config import Settings
    from pipeline.io.codec import Codec
    from pipeline.transforms import EncodeFn, dead_letter

    bad = replace(article("id-\udce9"), message=RawMessage(b"\xff", Provenance(kind="file")))
    dead = dead_letter(bad, "decode", ValueError("cannot read \udcff"))
    encode = EncodeFn(Settings())
    encode.setup()
    [record] = list(encode.process(dead))
    name, value = Codec().decode(record.payload)
    assert name == "DeadLetter" and value["value"] == b"\xff"  # original bytes untouched
    assert value["article_id"] == "id-\\udce9"
    assert value["error_message"] == "cannot read \\udcff"
