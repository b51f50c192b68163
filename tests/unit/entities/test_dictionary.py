"""The shipped dictionary: entries, lookups in several languages and scripts, text matching."""

from __future__ import annotations

import itertools
import json
import re

import pytest

from pipeline.entities.dictionary import (
    DATA_PATH,
    Dictionary,
    DictionaryError,
    KbEntry,
    load_dictionary,
)


def test_loaded_once_per_process() -> None:
    assert load_dictionary() is load_dictionary()


def test_shipped_file_is_small_and_well_formed(dictionary: Dictionary) -> None:
    assert DATA_PATH.stat().st_size < 3_000_000
    assert len(dictionary) > 450
    keys = [entry.key for entry in dictionary.entries]
    assert len(keys) == len(set(keys))
    for entry in dictionary.entries:
        assert entry.type in {"GPE", "LOC", "ORG", "PER"}
        assert entry.kb_id is None or re.fullmatch(r"Q[1-9]\d*", entry.kb_id), entry.key
        assert entry.country_code is None or re.fullmatch(r"[A-Z]{3}", entry.country_code)
        assert entry.names, entry.key


def test_every_country_has_names_in_the_six_un_languages(dictionary: Dictionary) -> None:
    countries = [e for e in dictionary.entries if e.kind == "country"]
    assert len(countries) >= 249
    for entry in countries:
        for lang in ("ar", "en", "fr", "es", "ru", "zh"):
            assert entry.names.get(lang), (entry.key, lang)


def test_every_un_member_state_has_a_wikidata_id(dictionary: Dictionary) -> None:
    missing = [e.key for e in dictionary.entries if e.kind == "country" and e.kb_id is None]
    # Only three small dependent territories are left without a checked id.
    assert sorted(missing) == ["country:HMD", "country:SHN", "country:SJM"]


@pytest.mark.parametrize(
    "name",
    [
        "كوريا الشمالية",
        "Corée du Nord",
        "Северная Корея",
        "КНДР",
        "朝鲜",
        "North Korea",
        "DPRK",
        "Nordkorea",
        "Kuzey Kore",
        "كوريا الشماليّة",
        "بكوريا الشمالية",
    ],
)
def test_lookup_north_korea_in_many_languages(dictionary: Dictionary, name: str) -> None:
    entry = dictionary.lookup(name)
    assert entry is not None, name
    assert (entry.kb_id, entry.country_code, entry.type) == ("Q423", "PRK", "GPE")


@pytest.mark.parametrize(
    ("name", "kb_id", "country_code", "entry_type"),
    [
        ("روسيا", "Q159", "RUS", "GPE"),
        ("لروسيا", "Q159", "RUS", "GPE"),
        ("الروسية", "Q159", "RUS", "GPE"),
        ("Russian", "Q159", "RUS", "GPE"),
        ("الصين", "Q148", "CHN", "GPE"),
        ("中国", "Q148", "CHN", "GPE"),
        ("الولايات المتحدة", "Q30", "USA", "GPE"),
        ("the United States", "Q30", "USA", "GPE"),
        ("U.S.", "Q30", "USA", "GPE"),
        ("الهند", "Q668", "IND", "GPE"),
        ("كوريا الجنوبية", "Q884", "KOR", "GPE"),
        ("بكين", "Q956", "CHN", "LOC"),
        ("واشنطن", "Q61", "USA", "LOC"),
        ("بيونغ يانغ", "Q18808", "PRK", "LOC"),
        ("Pyongyang", "Q18808", "PRK", "LOC"),
        ("Пхеньян", "Q18808", "PRK", "LOC"),
        ("سيول", "Q8684", "KOR", "LOC"),
        ("مجلس الأمن الدولي", "Q37470", None, "ORG"),
        ("UN Security Council", "Q37470", None, "ORG"),
        ("مجموعة العشرين", "Q19771", None, "ORG"),
        ("G20", "Q19771", None, "ORG"),
        ("NATO", "Q7184", None, "ORG"),
        ("حلف شمال الأطلسي", "Q7184", None, "ORG"),
        ("الاتحاد الأوروبي", "Q458", None, "ORG"),
        ("IAEA", "Q41984", None, "ORG"),
        ("رويترز", "Q130879", "GBR", "ORG"),
        ("AFP", "Q40464", "FRA", "ORG"),
        ("Associated Press", "Q40469", "USA", "ORG"),
        ("ТАСС", "Q223799", "RUS", "ORG"),
        ("كيم جونغ أون", "Q56226", "PRK", "PER"),
        ("Kim Jong-un", "Q56226", "PRK", "PER"),
        ("فلاديمير بوتين", "Q7747", "RUS", "PER"),
        ("Xi Jinping", "Q15031", "CHN", "PER"),
    ],
)
def test_lookup(
    dictionary: Dictionary,
    name: str,
    kb_id: str,
    country_code: str | None,
    entry_type: str,
) -> None:
    entry = dictionary.lookup(name)
    assert entry is not None, name
    assert (entry.kb_id, entry.country_code, entry.type) == (kb_id, country_code, entry_type)


def test_lookup_of_people_and_agencies_without_checked_ids(dictionary: Dictionary) -> None:
    shoigu = dictionary.get("person:sergei-shoigu")
    assert shoigu is not None
    for name in ("سيرغي شويغو", "سيرجي شويجو", "شويجو", "Sergey Shoygu", "Шойгу"):
        assert dictionary.lookup(name) is shoigu, name
    kcna = dictionary.get("agency:kcna")
    assert kcna is not None and kcna.country_code == "PRK"
    for name in (
        "وكالة الأنباء المركزية الكورية",
        "وكالة الأنباء المركزية الكورية الشمالية",
        "KCNA",
        "朝中社",
    ):
        assert dictionary.lookup(name) is kcna, name


def test_capitals_carry_their_country(dictionary: Dictionary) -> None:
    for key, code in [
        ("city:pyongyang", "PRK"),
        ("city:seoul", "KOR"),
        ("city:washington-dc", "USA"),
        ("city:beijing", "CHN"),
    ]:
        entry = dictionary.get(key)
        assert entry is not None
        assert (entry.type, entry.country_code, entry.capital_of) == ("LOC", code, code)


def test_short_forms_are_not_names(dictionary: Dictionary) -> None:
    assert dictionary.lookup("كيم") is None
    assert dictionary.lookup("Kim") is None
    kim = dictionary.get("person:kim-jong-un")
    assert dictionary.lookup_short("كيم") == (kim,)
    assert dictionary.lookup_short("وكيم") == (kim,)


def test_person_by_consonant_skeleton(dictionary: Dictionary) -> None:
    zelenskyy = dictionary.get("person:volodymyr-zelenskyy")
    assert dictionary.lookup_person("زيلنسكي") is zelenskyy
    assert dictionary.lookup_person("كيم") is None


def test_lowercase_common_words_are_not_names(dictionary: Dictionary) -> None:
    assert dictionary.find_in_text("We ate turkey off fine china, and us too.") == []
    found = dictionary.find_in_text("Turkey and China told US officials.")
    assert [e.country_code for _, _, e in found] == ["TUR", "CHN", "USA"]


def test_find_in_text_longest_match_and_clitics(dictionary: Dictionary) -> None:
    text = "زار وروسيا ثم بكوريا الشمالية وقال إن الولايات المتحدة وكوريا الجنوبية"
    found = dictionary.find_in_text(text)
    spans = [(text[s:e], entry.country_code) for s, e, entry in found]
    assert spans == [
        ("روسيا", "RUS"),
        ("كوريا الشمالية", "PRK"),
        ("الولايات المتحدة", "USA"),
        ("كوريا الجنوبية", "KOR"),
    ]


def test_find_in_text_stop_phrases_and_ambiguous_names(dictionary: Dictionary) -> None:
    assert dictionary.find_in_text("He moved to New Jersey.") == []
    assert dictionary.find_in_text("The Washington Post reported it.") == []
    # "سيول" (floods) is Seoul only with Korean context.
    assert dictionary.find_in_text("اجتاحت السيول المدينة وسيول أخرى") == []
    found = dictionary.find_in_text("زار سيول بعد كوريا الشمالية")
    assert [e.key for _, _, e in found] == ["city:seoul", "country:PRK"]
    # Arabic adjectives need the article: "تركي" is also a given name.
    assert dictionary.find_in_text("قال تركي الفيصل") == []
    assert [e.key for _, _, e in dictionary.find_in_text("الجيش التركي")] == ["country:TUR"]


def test_find_in_text_on_the_seed(dictionary: Dictionary, seed_body: str) -> None:
    found = dictionary.find_in_text(seed_body, ["ar", "en"])
    assert found == sorted(found, key=lambda m: m[0])
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(found))  # no overlaps
    by_key: dict[str, list[str]] = {}
    for start, end, entry in found:
        by_key.setdefault(entry.key, []).append(seed_body[start:end])
    assert by_key["country:RUS"].count("روسيا") == 5
    assert "الروسي" in by_key["country:RUS"]
    assert "كوريا الشمالية" in by_key["country:PRK"]
    assert "الكورية الشمالية" in by_key["country:PRK"]
    assert by_key["person:sergei-shoigu"] == ["سيرغي شويغو", "سيرجي شويجو", "شويجو"]
    assert by_key["agency:kcna"][0] == "وكالة الأنباء المركزية الكورية الشمالية"
    assert by_key["org:un-security-council"] == ["مجلس الأمن الدولي"]
    assert by_key["org:g20"] == ["مجموعة العشرين"]
    assert by_key["country:IND"] == ["الهند"]
    assert by_key["city:beijing"] == ["بكين", "بكين"]
    assert by_key["city:seoul"] == ["سيول", "سيول"]
    assert by_key["city:washington-dc"] == ["واشنطن"]
    assert by_key["country:USA"] == ["الولايات المتحدة"]
    assert by_key["city:pyongyang"] == ["بيونغ يانغ"] * 3


def test_entry_json_round_trip() -> None:
    entry = KbEntry(
        kb_id="Q1",
        name="Thing",
        type="ORG",
        country_code="FRA",
        names={"en": ("Thing",)},
        key="org:thing",
        short={"en": ("T",)},
        role="a role",
    )
    assert KbEntry.from_json(json.loads(json.dumps(entry.to_json()))) == entry
    assert hash(entry) == hash(KbEntry.from_json(entry.to_json()))


def test_bad_data_is_reported(tmp_path: object) -> None:
    with pytest.raises(DictionaryError, match="format"):
        Dictionary.from_json({"format": 99, "entries": []})
    with pytest.raises(DictionaryError, match="type"):
        Dictionary.from_json(
            {"format": 1, "entries": [{"key": "x", "name": "X", "type": "THING", "names": {}}]}
        )
