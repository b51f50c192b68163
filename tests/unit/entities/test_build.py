"""The dictionary build: one offline command, reproducible, and the shipped file is current."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("babel")
pytest.importorskip("pycountry")

from pipeline.entities import build_dictionary
from pipeline.entities.dictionary import DATA_PATH, Dictionary


def test_shipped_dictionary_equals_a_fresh_build() -> None:
    fresh = build_dictionary.render(build_dictionary.build())
    assert DATA_PATH.read_text(encoding="utf-8") == fresh, (
        "pipeline/entities/data/dictionary.json is stale: "
        "run python -m pipeline.entities.build_dictionary"
    )


def test_build_is_deterministic() -> None:
    first = build_dictionary.render(build_dictionary.build())
    second = build_dictionary.render(build_dictionary.build())
    assert first == second
    Dictionary.from_json(build_dictionary.build())  # and loadable


def test_check_mode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "dictionary.json"
    assert build_dictionary.main(["--output", str(out), "--check"]) == 1
    assert build_dictionary.main(["--output", str(out)]) == 0
    assert build_dictionary.main(["--output", str(out), "--check"]) == 0
    assert "up to date" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("snippet", "message"),
    [
        ('[country_qids]\nKP = "423"\n', "not a Wikidata id"),
        ('[[entity]]\nkey = "x"\ntype = "THING"\nname = "X"\nnames.en = ["X"]\n', "type"),
        (
            '[[entity]]\nkey = "x"\ntype = "LOC"\nname = "X"\ncountry = "XX"\nnames.en = ["X"]\n',
            "alpha-3",
        ),
        (
            '[[entity]]\nkey = "x"\ntype = "LOC"\nname = "X"\nkb_id = "Q30"\nnames.en = ["X"]\n'
            '[country_qids]\nUS = "Q30"\n',
            "Q30",
        ),
    ],
)
def test_inconsistent_curated_data_is_rejected(tmp_path: Path, snippet: str, message: str) -> None:
    curated = tmp_path / "curated.toml"
    curated.write_text('[meta]\nlanguages = ["en"]\n' + snippet, encoding="utf-8")
    with pytest.raises(build_dictionary.BuildError, match=message):
        build_dictionary.build(curated)
