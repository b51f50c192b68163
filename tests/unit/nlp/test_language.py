"""Language identification on Arabic, English and other languages, long and short."""

from __future__ import annotations

import pytest

from pipeline.nlp.language import identify
from tests.conftest import SEED


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (SEED.read_text(encoding="utf-8"), "ar"),
        ("North Korea fired a ballistic missile into the sea on Saturday, officials said.", "en"),
        ("Le président a rencontré son homologue russe à Moscou pour parler de sécurité.", "fr"),
        ("Президент России встретился с лидером КНДР на космодроме Восточный.", "ru"),
        ("中国外交部发言人呼吁各方保持克制，避免紧张局势升级。", "zh"),
        ("El ministro de Defensa visitó la base naval y habló con los marineros.", "es"),
        ("Der Bundeskanzler reiste am Montag zu Gesprächen nach Peking.", "de"),
        ("کیم جونگ اون برای دیدار با رئیس جمهور روسیه به ولادی وستوک سفر کرد.", "fa"),
        ("Kuzey Kore lideri Rusya'yı ziyaret etti ve savunma bakanıyla görüştü.", "tr"),
    ],
)
def test_detects_language(text: str, code: str) -> None:
    guess = identify(text)
    assert guess.code == code
    assert guess.method == "detector"
    assert 0.5 <= guess.confidence <= 1.0


def test_short_text_uses_the_hint() -> None:
    # Short and name-heavy: the detector cannot tell; the hint decides and says so.
    guess = identify("Kim Jong Un met Shoigu.", hint="en")
    assert (guess.code, guess.method, guess.hint) == ("en", "hint", "en")


def test_hint_never_overrides_clear_text() -> None:
    text = "وقالت وكالة الأنباء المركزية الكورية إن الزعيم ناقش قضايا التعاون العسكري مع روسيا."
    guess = identify(text, hint="en")
    assert (guess.code, guess.method) == ("ar", "detector")


def test_short_arabic_without_hint_is_still_detected_by_script() -> None:
    guess = identify("زار كيم روسيا")
    assert guess.code == "ar"


def test_no_letters_is_undetermined() -> None:
    guess = identify("2023-09-17 12:00 ... 123")
    assert guess.code == "und" and guess.confidence == 0.0
