"""When an event happened: date expressions found in a sentence, resolved against the
article's publication date.

:func:`find_dates` extracts and trims the expressions (Arabic and English): weekdays
("يوم السبت", "on Saturday", "last Friday"), yesterday/today/tomorrow ("أمس", "البارحة"),
periods ("في وقت سابق من هذا الشهر", "earlier this month", "last week", "الشهر
الماضي"), "N days ago", explicit dates ("15 أيلول/سبتمبر 2023", "Sept 16", "2023-09-15"),
months ("in March", "مارس 2022") and years ("in 2017", "عام 2017").
:func:`resolve_date` turns one into a date with a precision (day, week, month or year;
coarser dates are the first day of their period) using dateparser with
``RELATIVE_BASE`` = the publication time. dateparser is handed only the trimmed core
("السبت", not "يوم السبت"), because it fails on the longer forms; periods relative to
"this" week/month/year ("earlier this month", which dateparser does not parse) and bare
years are computed here. A weekday equal to the publication's own weekday is that day
("on Sunday" in a Sunday story), unless "last" or "next" says otherwise.

Without a publication date only expressions that carry their year resolve, so results
never depend on the clock.

>>> from datetime import datetime, timezone
>>> published = datetime(2023, 9, 17, 8, tzinfo=timezone.utc)
>>> [(d.text, str(resolve_date(d, published, "ar").date)) for d in find_dates(
...     "تفقد كيم السفن يوم السبت", "ar")]
[('يوم السبت', '2023-09-16')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import date as datetime_date
from functools import lru_cache
from typing import Any

DAY, WEEK, MONTH, YEAR = "day", "week", "month", "year"
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")

_EN_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11,
    "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
_AR_MONTHS = {
    "يناير": 1, "كانون الثاني": 1, "فبراير": 2, "شباط": 2, "مارس": 3, "آذار": 3,
    "أبريل": 4, "ابريل": 4, "إبريل": 4, "نيسان": 4, "مايو": 5, "أيار": 5, "ايار": 5,
    "يونيو": 6, "حزيران": 6, "يوليو": 7, "تموز": 7, "أغسطس": 8, "اغسطس": 8, "آب": 8,
    "سبتمبر": 9, "أيلول": 9, "ايلول": 9, "أكتوبر": 10, "اكتوبر": 10, "تشرين الأول": 10,
    "نوفمبر": 11, "تشرين الثاني": 11, "ديسمبر": 12, "كانون الأول": 12,
}  # fmt: skip
_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
_EN_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_AR_WEEKDAYS = {
    "اثنين": 0, "إثنين": 0, "ثلاثاء": 1, "أربعاء": 2, "اربعاء": 2, "خميس": 3, "جمعة": 4,
    "سبت": 5, "أحد": 6, "احد": 6,
}  # fmt: skip
_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}  # fmt: skip
_AR_DUALS = {"يومين": (2, DAY), "أسبوعين": (2, WEEK), "اسبوعين": (2, WEEK),
             "شهرين": (2, MONTH), "عامين": (2, YEAR), "سنتين": (2, YEAR)}  # fmt: skip
_AR_UNITS = {
    "يوم": DAY, "يوما": DAY, "أيام": DAY, "ايام": DAY, "أسبوع": WEEK, "اسبوع": WEEK,
    "أسابيع": WEEK, "شهر": MONTH, "أشهر": MONTH, "شهور": MONTH, "عام": YEAR, "أعوام": YEAR,
    "سنة": YEAR, "سنوات": YEAR, "أسبوعا": WEEK, "شهرا": MONTH, "عاما": YEAR,
}  # fmt: skip
_AR_PERIODS = {
    "الأسبوع": WEEK, "الاسبوع": WEEK, "الشهر": MONTH, "العام": YEAR, "السنة": YEAR,
}  # fmt: skip


def _alt(words: Any) -> str:
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


_EN_MONTH = rf"(?P<month>{_alt(_EN_MONTHS)})\.?"
_EN_FULL_MONTH = rf"(?P<month>{_alt(m.lower() for m in _MONTH_NAMES if m != 'May')}|may)"
_AR_MONTH = rf"(?P<month>{_alt(_AR_MONTHS)})(?:\s*[/(]\s*(?P<month2>{_alt(_AR_MONTHS)})\s*\)?)?"
_B = r"(?<!\w)"  # start of a word (Arabic letters are \w too)
_E = r"(?!\w)"
_AR_CLITIC = r"(?P<clitic>[وف])?"

# (kind, pattern): earlier entries win where matches overlap.
_PATTERNS: dict[str, list[tuple[str, re.Pattern[str]]]] = {
    "en": [
        ("iso", re.compile(r"\b(?P<year>\d{4})-(?P<mon>\d{1,2})-(?P<day>\d{1,2})\b")),
        ("explicit", re.compile(
            rf"\b(?:on\s+)?(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?{_EN_MONTH}\s+"
            r"(?P<day>\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(?P<year>\d{4})\b)?", re.I)),
        ("explicit", re.compile(
            rf"\b(?:on\s+)?(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_EN_MONTH}"
            r"(?:,?\s+(?P<year>\d{4}))?\b", re.I)),
        ("month_year", re.compile(
            rf"\b(?:(?:in|since|during|until|by|early|late|mid-?)\s+)?{_EN_FULL_MONTH}"
            r",?\s+(?P<year>\d{4})\b", re.I)),
        ("relative", re.compile(
            r"\b(?P<word>the\s+day\s+before\s+yesterday|yesterday|today|tomorrow|last\s+night"
            r"|tonight|this\s+morning|this\s+evening)\b", re.I)),
        ("weekday", re.compile(
            r"\b(?:(?P<shift>on|last|this|next|since|early|late)\s+)?"
            r"(?P<weekday>monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
            r"(?:\s+(?:morning|afternoon|evening|night))?\b", re.I)),
        ("period", re.compile(
            r"\b(?:(?P<shift>earlier|later)\s+(?:this|in\s+the)|(?P<shift2>this|last|next|past)"
            r")\s+(?P<unit>week|month|year)\b", re.I)),
        ("ago", re.compile(
            r"\b(?P<n>\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten)\s+"
            r"(?P<unit>day|week|month|year)s?\s+ago\b", re.I)),
        ("month", re.compile(
            rf"\b(?:in|since|during|until|by|early|late|mid-?)\s+{_EN_FULL_MONTH}\b"
            r"(?!\s+\d)", re.I)),
        ("year", re.compile(
            r"\b(?P<prep>in|since|during|by|until|of|from|throughout)\s+"
            r"(?P<year>(?:19|20)\d{2})\b(?!-)", re.I)),
    ],
    "ar": [
        ("iso", re.compile(r"(?<!\d)(?P<year>\d{4})-(?P<mon>\d{1,2})-(?P<day>\d{1,2})(?!\d)")),
        ("explicit", re.compile(
            rf"(?<!\d)(?P<day>\d{{1,2}})\s+(?:من\s+)?(?:شهر\s+)?{_AR_MONTH}"
            rf"(?:\s+(?:عام\s+|سنة\s+)?(?P<year>\d{{4}}))?{_E}")),
        ("month_year", re.compile(
            rf"{_B}{_AR_CLITIC}(?:(?:في|منذ|خلال|حتى)\s+)?(?:شهر\s+)?{_AR_MONTH}\s+"
            r"(?:(?:من\s+)?(?:عام|العام|سنة)\s+)?(?P<year>\d{4})(?!\d)")),
        ("relative", re.compile(
            rf"{_B}{_AR_CLITIC}(?P<word>أول\s+من\s+أمس|أول\s+أمس|البارحة|الأمس|أمس"
            rf"|اليوم(?!\s+(?:التالي|نفسه|ذاته|الذي|الأول|الثاني|الثالث))|غدا|غداً){_E}")),
        ("weekday", re.compile(
            rf"{_B}{_AR_CLITIC}(?:(?:في\s+)?يوم\s+)?ال(?P<weekday>{_alt(_AR_WEEKDAYS)})"
            rf"(?:\s+(?P<shift>الماضي|المقبل|القادم|الفائت|المنصرم))?{_E}")),
        ("period", re.compile(
            rf"{_B}{_AR_CLITIC}(?:في\s+)?(?:وقت\s+)?(?P<shift>سابق|لاحق)\s+(?:من\s+)?"
            rf"(?:هذا\s+|هذه\s+)?(?P<unit>{_alt(_AR_PERIODS)})(?:\s+(?:الجاري|الحالي|الحالية))?{_E}")),
        ("period", re.compile(
            rf"{_B}{_AR_CLITIC}(?P<shift>مطلع|أوائل|اوائل|بداية|منتصف|أواخر|اواخر|خلال|هذا)\s+"
            rf"(?:هذا\s+|هذه\s+)?(?P<unit>{_alt(_AR_PERIODS)})(?:\s+(?:الجاري|الحالي|الحالية))?{_E}")),
        ("period", re.compile(
            rf"{_B}{_AR_CLITIC}(?P<unit>{_alt(_AR_PERIODS)})\s+(?P<shift>الماضي|الماضية|المنصرم"
            r"|الفائت|المقبل|المقبلة|القادم|القادمة|الجاري|الحالي|الحالية)(?!\w)")),
        ("ago", re.compile(
            rf"{_B}{_AR_CLITIC}قبل\s+(?:(?P<dual>{_alt(_AR_DUALS)})|(?P<n>\d+)\s+"
            rf"(?P<unit>{_alt(_AR_UNITS)})){_E}")),
        ("year", re.compile(
            rf"{_B}{_AR_CLITIC}(?P<prep>(?:(?:في|منذ|خلال|حتى)\s+)?(?:عام|العام|سنة)|في|منذ)\s+"
            r"(?P<year>(?:19|20)\d{2})(?!\d)")),
    ],
}  # fmt: skip


@dataclass(frozen=True)
class DateMention:
    """A date expression in the text; offsets are body offsets."""

    text: str
    start: int
    end: int
    kind: str
    fields: tuple[tuple[str, str], ...]

    def get(self, name: str) -> str | None:
        return dict(self.fields).get(name)


@dataclass(frozen=True)
class ResolvedDate:
    date: datetime_date
    precision: str  # day, week, month or year; the date is the period's first day
    text: str
    start: int
    end: int

    @property
    def last_day(self) -> datetime_date:
        if self.precision == WEEK:
            return self.date + timedelta(days=6)
        if self.precision == MONTH:
            return _add_months(self.date, 1) - timedelta(days=1)
        if self.precision == YEAR:
            return date(self.date.year, 12, 31)
        return self.date


def find_dates(text: str, language: str, offset: int = 0) -> list[DateMention]:
    """Date expressions in ``text`` (body offsets = ``offset`` + position), in order.
    The expression is trimmed: an Arabic proclitic و/ف and an English "on" are left out."""
    patterns = _PATTERNS.get(language)
    if not patterns:
        return []
    folded = text.translate(_DIGITS)
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in patterns:
        for m in pattern.finditer(folded):
            start, end = m.span()
            if any(start < e and s < end for s, e in taken):
                continue
            groups = m.groupdict()
            if groups.get("clitic"):
                start += len(groups["clitic"])
            lead = re.match(r"on\s+", folded[start:end], re.I)
            if lead and kind in ("weekday", "explicit"):
                start += lead.end()
            taken.append(m.span())
            fields = tuple(sorted((k, v) for k, v in groups.items() if v and k != "clitic"))
            found.append(DateMention(text[start:end], offset + start, offset + end, kind, fields))
    found.sort(key=lambda d: d.start)
    return found


def resolve_date(
    mention: DateMention, published: datetime | None, language: str, prefer: str = "past"
) -> ResolvedDate | None:
    """The date ``mention`` denotes, or None when it cannot be resolved (a relative
    expression without a publication date, an impossible date)."""
    base = published.replace(tzinfo=None) if published is not None else None
    try:
        resolved = _resolve(mention, base, language, prefer)
    except (ValueError, OverflowError):
        return None
    if resolved is None:
        return None
    day, precision = resolved
    return ResolvedDate(day, precision, mention.text, mention.start, mention.end)


def _resolve(
    mention: DateMention, base: datetime | None, language: str, prefer: str
) -> tuple[date, str] | None:
    kind = mention.kind
    get = mention.get
    if kind == "iso":
        return date(int(get("year") or 0), int(get("mon") or 0), int(get("day") or 0)), DAY
    if kind == "year":
        return date(int(get("year") or 0), 1, 1), YEAR
    if kind in ("explicit", "month_year", "month"):
        month = _month_number(get("month") or "", get("month2"))
        if month is None:
            return None
        year = get("year")
        if kind == "explicit":
            text = f"{int(get('day') or 0)} {_MONTH_NAMES[month - 1]}" + (
                f" {year}" if year else ""
            )
        else:
            text = f"{_MONTH_NAMES[month - 1]} {year}" if year else _MONTH_NAMES[month - 1]
        if year is None and base is None:
            return None
        parsed = _parse(text, "en", _iso(base), prefer)
        if parsed is None:
            return None
        return (parsed, DAY) if kind == "explicit" else (parsed.replace(day=1), MONTH)
    if base is None:
        return None
    if kind == "relative":
        word = re.sub(r"\s+", " ", (get("word") or "").lower())
        core, lang = _RELATIVE.get(word, (word, language))
        parsed = _parse(core, lang, _iso(base), prefer)
        return (parsed, DAY) if parsed is not None else None
    if kind == "weekday":
        return _weekday(mention, base, language, prefer)
    if kind == "period":
        return _period(mention, base)
    if kind == "ago":
        return _ago(mention, base)
    return None


_RELATIVE = {
    "last night": ("yesterday", "en"),
    "tonight": ("today", "en"),
    "this morning": ("today", "en"),
    "this evening": ("today", "en"),
    "the day before yesterday": ("2 days ago", "en"),
    "البارحة": ("أمس", "ar"),
    "الأمس": ("أمس", "ar"),
    "أول أمس": ("2 days ago", "en"),
    "أول من أمس": ("2 days ago", "en"),
    "غداً": ("غدا", "ar"),
}


def _weekday(
    mention: DateMention, base: datetime, language: str, prefer: str
) -> tuple[date, str] | None:
    name = mention.get("weekday") or ""
    shift = (mention.get("shift") or "").lower()
    if language == "ar":
        target = _AR_WEEKDAYS.get(name)
        core = "ال" + name
    else:
        target = _EN_WEEKDAYS.index(name.lower()) if name.lower() in _EN_WEEKDAYS else None
        core = name.capitalize()
    if target is None:
        return None
    forward = shift in ("next", "المقبل", "القادم")
    backward = shift in ("last", "since", "الماضي", "الفائت", "المنصرم")
    if target == base.weekday() and not (forward or backward):
        return base.date(), DAY
    direction = "future" if forward or (prefer == "future" and not backward) else "past"
    parsed = _parse(core, language, _iso(base), direction)
    if parsed is None or parsed.weekday() != target:
        return None
    return parsed, DAY


def _period(mention: DateMention, base: datetime) -> tuple[date, str] | None:
    unit_text = (mention.get("unit") or "").lower()
    unit = _AR_PERIODS.get(unit_text, unit_text)
    shift = (mention.get("shift") or mention.get("shift2") or "").lower()
    if shift in ("last", "past", "الماضي", "الماضية", "المنصرم", "الفائت"):
        step = -1
    elif shift in ("next", "later", "لاحق", "المقبل", "المقبلة", "القادم", "القادمة"):
        step = 1
    else:  # this / earlier this / الجاري / مطلع هذا ... / في وقت سابق من هذا
        step = 0
    if shift in ("later", "لاحق"):
        step = 0  # "later this month": still this month
    start = _period_start(base.date(), unit)
    if step == 0:
        return start, unit
    if unit in (DAY, WEEK):
        return start + timedelta(weeks=step), unit
    phrase = f"{'last' if step < 0 else 'next'} {unit}"
    parsed = _parse(phrase, "en", _iso(base), "past" if step < 0 else "future")
    if parsed is None:
        return None
    return _period_start(parsed, unit), unit


def _ago(mention: DateMention, base: datetime) -> tuple[date, str] | None:
    dual = mention.get("dual")
    if dual:
        n, unit = _AR_DUALS[dual]
    else:
        raw = (mention.get("n") or "").lower()
        n = int(raw) if raw.isdigit() else _NUMBERS.get(raw, 0)
        unit_text = (mention.get("unit") or "").lower()
        unit = _AR_UNITS.get(unit_text, unit_text)
    if n <= 0 or unit not in (DAY, WEEK, MONTH, YEAR):
        return None
    parsed = _parse(f"{n} {unit}{'s' if n > 1 else ''} ago", "en", _iso(base), "past")
    if parsed is None:
        return None
    precision = DAY if unit in (DAY, WEEK) else unit
    return (_period_start(parsed, precision), precision)


def _period_start(day: date, unit: str) -> date:
    if unit == WEEK:
        return day - timedelta(days=day.weekday())
    if unit == MONTH:
        return day.replace(day=1)
    if unit == YEAR:
        return date(day.year, 1, 1)
    return day


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _month_number(name: str, second: str | None) -> int | None:
    for candidate in (name, second or ""):
        key = candidate.lower().rstrip(".")
        number = _EN_MONTHS.get(key) or _AR_MONTHS.get(candidate)
        if number:
            return number
    return None


def _iso(base: datetime | None) -> str | None:
    return base.isoformat() if base is not None else None


@lru_cache(maxsize=8192)
def _parse(text: str, language: str, base: str | None, prefer: str) -> date | None:
    """dateparser on a trimmed expression, memoised: many events share expressions."""
    import dateparser

    settings: dict[str, Any] = {
        "PREFER_DATES_FROM": "future" if prefer == "future" else "past",
        "RETURN_AS_TIMEZONE_AWARE": False,
        "REQUIRE_PARTS": [],
    }
    if base is not None:
        settings["RELATIVE_BASE"] = datetime.fromisoformat(base)
    result = dateparser.parse(text, languages=[language], settings=settings)
    return result.date() if isinstance(result, datetime) else None


def is_historical(resolved: ResolvedDate, published: datetime | None) -> bool:
    """PLOVER's historical context: a year before the publication year ("in 2017",
    "عام 2017"), or a day, week or month that ended more than a year before publication."""
    if published is None:
        return False
    if resolved.precision == YEAR:
        return resolved.date.year < published.year
    return resolved.last_day < published.date() - timedelta(days=365)


def is_future(resolved: ResolvedDate, published: datetime | None) -> bool:
    """The whole period lies after the publication day ("next month", "غدا")."""
    return published is not None and resolved.date > published.date()
