"""Languages: gettext catalogues compiled in memory, the request's locale, locale formatting.

The `.po` files under `locales/` are the only source: they are compiled when first used,
so there is no build step and no binary file to forget.
"""

from __future__ import annotations

import gettext as gettext_module
import json
from contextvars import ContextVar
from datetime import date, datetime
from functools import cache, lru_cache
from io import BytesIO
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.dates import format_time as babel_format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from markupsafe import Markup

from server.core.paths import LOCALES_DIR

# Each language named in its own language, as a switcher shows it.
LANGUAGES: dict[str, str] = {
    "en": "English",
    "ro": "Română",
    "ru": "Русский",
    "sq": "Shqip",
    "sr": "Српски",
}
DEFAULT_LANGUAGE = "en"

# Babel's plain "sr" is Cyrillic, which is what the Serbian catalogue is written in. Albanian
# is written as in Kosovo, where the shelter works: plain "sq" would give a 12-hour clock
# ("9:05 p.d."), which nobody there reads a hearing time in.
_BABEL_LOCALES = {"en": "en_GB", "ro": "ro_MD", "ru": "ru", "sq": "sq_XK", "sr": "sr_Cyrl"}

current_language: ContextVar[str] = ContextVar("current_language", default=DEFAULT_LANGUAGE)
current_time_zone: ContextVar[str] = ContextVar("current_time_zone", default="UTC")


@cache
def translations(language: str) -> gettext_module.NullTranslations:
    """The compiled catalogue of a language (English is the source language)."""
    path = LOCALES_DIR / language / "LC_MESSAGES" / "messages.po"
    if language not in LANGUAGES or not path.exists():
        return gettext_module.NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext_module.GNUTranslations(buffer)


def gettext(message: str, **variables: object) -> str:
    text = translations(current_language.get()).gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: object) -> str:
    text = translations(current_language.get()).ngettext(singular, plural, n)
    variables.setdefault("num", n)
    return text % variables


_ = gettext


class LazyString:
    """A message translated when shown, for labels defined at import time."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message

    def __str__(self) -> str:
        return gettext(self.message)

    def __html__(self) -> str:
        return str(Markup.escape(str(self)))

    def __repr__(self) -> str:
        return f"LazyString({self.message!r})"

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(self.message)


def lazy_gettext(message: str) -> LazyString:
    return LazyString(message)


def team_names_of(names: object) -> tuple[tuple[str, str], ...]:
    """Names kept per language (`{"ro": …}` as JSON text, as SQLite hands it back, or a
    dict, as PostgreSQL does) as sorted (language, name) pairs; anything else is none."""
    if isinstance(names, str):
        try:
            names = json.loads(names or "{}")
        except ValueError:
            return ()
    if not isinstance(names, dict):
        return ()
    return tuple(
        sorted((k, v.strip()) for k, v in names.items() if isinstance(v, str) and v.strip())
    )


def localised(name: str, names: object, language: str | None = None) -> str:
    """A name kept per language in the current language, else `name` itself: a team's
    name, which is data, not a catalogue message."""
    return dict(team_names_of(names)).get(language or current_language.get()) or name


def babel_locale(language: str | None = None) -> Locale:
    return _parsed_locale(_BABEL_LOCALES.get(language or current_language.get(), "en_GB"))


@lru_cache(maxsize=16)
def _parsed_locale(identifier: str) -> Locale:
    # Parsing reads Babel's locale data: once per locale and process, not per date on a page.
    return Locale.parse(identifier)


def locale_tag(language: str | None = None) -> str:
    """The same locale as a BCP 47 tag (`ro-MD`), for the browser's Intl on the page."""
    return _BABEL_LOCALES.get(language or current_language.get(), "en_GB").replace("_", "-")


def pick_language(*candidates: str | None, accept_language: str = "") -> str:
    """The first supported language among explicit choices, then the browser's preferences."""
    for candidate in candidates:
        if candidate and candidate in LANGUAGES:
            return candidate
    weighted: list[tuple[float, str]] = []
    for part in accept_language.split(","):
        piece = part.strip()
        if not piece:
            continue
        tag, _sep, params = piece.partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        weighted.append((quality, tag.strip().lower()))
    for _quality, tag in sorted(weighted, key=lambda item: -item[0]):
        primary = tag.split("-")[0]
        # Montenegrin and Bosnian readers get the closest catalogue we have.
        primary = {"sh": "sr", "bs": "sr", "cnr": "sr", "mo": "ro"}.get(primary, primary)
        if primary in LANGUAGES:
            return primary
    return DEFAULT_LANGUAGE


def _local(value: datetime) -> datetime:
    zone = ZoneInfo(current_time_zone.get())
    return value.astimezone(zone) if value.tzinfo else value.replace(tzinfo=zone)


def format_date(value: date | datetime | None, format: str = "medium") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _local(value).date()
    return babel_format_date(value, format=format, locale=babel_locale())


def format_datetime(value: datetime | None, format: str = "medium") -> str:
    """A date and a time in the locale's words and order; for the named widths the time is
    hours and minutes only (a hearing at "09:30:00" helps nobody in a corridor)."""
    if value is None:
        return ""
    local = _local(value)
    locale = babel_locale()
    if format not in ("short", "medium", "long", "full"):
        return babel_format_datetime(local, format=format, locale=locale)
    # What Babel's own named formats do, with the short time in place of the medium one.
    pattern = str(locale.datetime_formats[format]).replace("'", "")
    day = babel_format_date(local.date(), format=format, locale=locale)
    clock = babel_format_time(local, format="short", locale=locale)
    return pattern.replace("{0}", clock).replace("{1}", day)


def format_time(value: datetime | None, format: str = "short") -> str:
    if value is None:
        return ""
    return babel_format_time(_local(value), format=format, locale=babel_locale())


def format_number(value: float | int | None) -> str:
    if value is None:
        return ""
    return format_decimal(value, locale=babel_locale())
